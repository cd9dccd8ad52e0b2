/// How `scan` probes an address (i2cdetect's `-q`, `-r` and default modes).
public enum I2CProbeMode: Sendable, Equatable {
    /// SMBus Quick Write, except Receive Byte at 0x30–0x37 and 0x50–0x5F, where a quick write can corrupt EEPROMs
    /// and confuse write-protect chips (i2cdetect's default).
    case automatic
    /// SMBus Quick Write everywhere.
    case quickWrite
    /// SMBus Receive Byte everywhere.
    case receiveByte

    /// The probe for one address, before checking what the adapter can do.
    func probe(for address: UInt8) -> SMBusOperation {
        switch self {
        case .quickWrite: return .quick(.write)
        case .receiveByte: return .receiveByte
        case .automatic:
            return (0x30...0x37).contains(address) || (0x50...0x5F).contains(address) ? .receiveByte : .quick(.write)
        }
    }
}

/// What a scan found at one address.
public enum I2CProbeResult: String, Sendable, Equatable, Codable {
    /// Outside the range, or the adapter cannot run the probe this address needs (blank in the grid).
    case skipped
    /// Nobody acknowledged (`--`).
    case absent
    /// A device acknowledged (its address in the grid).
    case present
    /// A kernel driver holds the address (`UU`); it was not probed.
    case inUse = "in-use"
}

/// The addresses i2cdetect probes by default as Debian bookworm ships it (i2c-tools 4.3): 0x08–0x77.
///
/// i2c-tools 4.3 skips the reserved addresses below 0x08 unless given `-a` (its usage error says
/// "FIRST argument out of range (0x08-0x77)"); the real-kernel tier compares the grids on i2c-stub.
public let defaultScanRange: ClosedRange<UInt8> = 0x08...0x77
/// Every 7-bit address (i2cdetect `-a`).
public let fullScanRange: ClosedRange<UInt8> = 0x00...0x7F

extension I2CBus {
    /// Whether the adapter can run `mode`'s probes at all; nil when it can, otherwise i2cdetect's complaint.
    public func scanRefusal(_ mode: I2CProbeMode) -> String? {
        let quick = capabilities.contains(.smbusQuick)
        let read = capabilities.contains(.smbusReadByte)
        if !quick && !read { return "bus doesn't support detection commands" }
        if mode == .quickWrite && !quick { return "can't use SMBus Quick Write command on this bus" }
        if mode == .receiveByte && !read { return "can't use SMBus Receive Byte command on this bus" }
        return nil
    }

    /// Probes every address in `range` as i2cdetect does, and returns 128 results indexed by address.
    ///
    /// An address whose probe the adapter cannot run is skipped; one a kernel driver holds is `inUse` and not
    /// probed; any failure of the probe itself means nobody answered. Errors that say the bus as a whole is unusable
    /// (permission, a vanished adapter) are thrown.
    public func scan(_ range: ClosedRange<UInt8> = defaultScanRange, mode: I2CProbeMode = .automatic)
        throws(HardwareError) -> [I2CProbeResult]
    {
        var results = [I2CProbeResult](repeating: .skipped, count: 128)
        for address in range.clamped(to: fullScanRange) {
            let probe = mode.probe(for: address)
            guard capabilities.contains(probe.requiredCapability), let target = I2CAddress(rawValue: address) else {
                continue
            }
            do {
                _ = try smbus(target, probe)
                results[Int(address)] = .present
            } catch {
                switch error.kind {
                case .addressInUse: results[Int(address)] = .inUse
                case .permissionDenied, .noSuchDevice, .invalidArgument, .unsupported: throw error
                default: results[Int(address)] = .absent
                }
            }
        }
        return results
    }
}

/// Formats scan results as i2cdetect's grid, byte for byte (trailing spaces included).
public func detectGrid(_ results: [I2CProbeResult]) -> String {
    var text = "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f\n"
    for row in stride(from: 0, to: 128, by: 16) {
        text += hex2(UInt8(row)) + ": "
        for address in row..<row + 16 {
            switch address < results.count ? results[address] : .skipped {
            case .skipped: text += "   "
            case .absent: text += "-- "
            case .present: text += hex2(UInt8(address)) + " "
            case .inUse: text += "UU "
            }
        }
        text += "\n"
    }
    return text
}
