import MoteHAL

/// Why a sensor could not give a reading. Every case says what a user needs to act.
public enum SensorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bus failed underneath the driver.
    case bus(HardwareError)
    /// A checksum from the chip did not match its data: the value is not used.
    case crcMismatch(what: String, expected: UInt8, received: UInt8)
    /// The chip at the address is not one this driver handles; `id` is what it reported.
    case unsupportedChip(id: UInt32, detail: String)
    /// The chip reports that its calibration is missing or not loaded.
    case notCalibrated(String)
    /// The chip did not finish in the time its datasheet allows.
    case timedOut(String)
    /// The configuration asked for something the chip cannot do.
    case invalidConfiguration(String)
    /// The chip answered with data outside what the datasheet allows (e.g. an all-zero raw value).
    case implausibleData(String)

    public var description: String {
        switch self {
        case .bus(let error): return error.description
        case .crcMismatch(let what, let expected, let received):
            return "CRC mismatch on \(what): computed 0x\(hex2(expected)), chip sent 0x\(hex2(received)) "
                + "(noise on the bus or a loose wire; the value was discarded)"
        case .unsupportedChip(let id, let detail): return "unsupported chip (id 0x\(String(id, radix: 16))): \(detail)"
        case .notCalibrated(let detail): return "not calibrated: \(detail)"
        case .timedOut(let detail): return "timed out: \(detail)"
        case .invalidConfiguration(let detail): return "invalid configuration: \(detail)"
        case .implausibleData(let detail): return "implausible data: \(detail)"
        }
    }
}

/// Runs a bus operation inside a driver, wrapping its error as `SensorError.bus`.
@inlinable
public func onBus<T>(_ body: () throws(HardwareError) -> T) throws(SensorError) -> T {
    do {
        return try body()
    } catch {
        throw .bus(error)
    }
}

/// A CRC-8 as the sensor datasheets define theirs: MSB first, no reflection, no final XOR.
///
/// Sensirion SHT3x/SHT4x/SHT2x-style: polynomial 0x31, initial 0xFF; TE HTU21D / Si7021: polynomial 0x31 (written
/// 0x131 with the x^8 term), initial 0x00; Aosong AHT20: polynomial 0x31, initial 0xFF.
public func crc8(_ bytes: some Sequence<UInt8>, polynomial: UInt8 = 0x31, initial: UInt8 = 0xFF) -> UInt8 {
    var crc = initial
    for byte in bytes {
        crc ^= byte
        for _ in 0..<8 {
            crc = crc & 0x80 != 0 ? (crc << 1) ^ polynomial : crc << 1
        }
    }
    return crc
}
