import MoteHAL

/// A Texas Instruments TMP102 digital temperature sensor, modelled from its datasheet (SBOS397, revision I, 2024).
///
/// Pointer bits P1:P0 select four 16-bit registers sent MSB first (§6.5.1; the model ignores P7:P2, which must be
/// 0): temperature (read-only), configuration (power-up 0x60A0), TLOW (75 °C) and THIGH (80 °C). Registers are
/// updated byte by byte, so a one-byte write changes only the first byte. At power-up the chip converts
/// continuously at 4 Hz; each conversion takes 26 ms (the typical figure) at the start of its period, and the
/// temperature register reads 0 °C until the first one. With SD = 1 the chip finishes the running conversion and
/// stops; writing OS = 1 then starts one conversion, during which OS reads 0, and OS reads 1 once it is done
/// (§6.4.4). EM selects the 13-bit format for conversions that finish afterwards; D0 of the temperature register
/// says which format a value has (§6.5.2). AL follows the comparator-mode fault-queue logic with POL applied,
/// whatever TM says (§6.5.3.8). Loaded from a byte-mode `i2cdump` image, the model reports the dump's cells as the
/// registers' high bytes (low bytes 0x00: a byte-mode dump cannot hold them), refuses `XX` cells, and ignores
/// writes.
public final class TMP102Model: I2CDeviceModel {
    /// The name listings show: `tmp102`.
    public let modelName = "tmp102"
    /// What the sensor measures.
    public var environment: SimulatedEnvironment

    private let clock: any SimulationClock
    private let image: BigEndianWordImage?
    private var pointer: UInt8 = 0x00
    /// Writable configuration bits: F1:F0, POL, TM, SD, CR1:CR0 (12:6) and EM (4); power-up CR = 10.
    private var control: UInt16 = 0x0080
    private var temperature: UInt16 = 0x0000
    private var lowLimit: UInt16 = 0x4B00
    private var highLimit: UInt16 = 0x5000
    private var alertActive = false
    private var faultCount = 0
    private var convertingSince: Duration?
    private var completedConversions = 0
    private var pendingConversionEnd: Duration?
    private var oneShotDone = false

    /// Active conversion time (§5.5: 26 ms typical).
    static let conversionTime = Duration.milliseconds(26)

    /// Creates a sensor in its power-up state. With `justPoweredUp` the temperature register reads 0 °C until the
    /// first conversion; otherwise it already holds one.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                justPoweredUp: Bool = false, image: [UInt8?]? = nil) {
        self.clock = clock
        self.environment = environment
        self.image = image.map { BigEndianWordImage(image: $0) }
        if justPoweredUp {
            self.convertingSince = clock.now
        } else {
            // Powered for a while: a conversion has just finished.
            self.convertingSince = clock.now - Self.conversionTime
            self.completedConversions = 1
            completeConversions(1)
        }
    }

    /// Whether the chip is in shutdown (SD, configuration bit 8).
    public var isShutDown: Bool { control & 0x0100 != 0 }

    private var extended: Bool { control & 0x0010 != 0 }

    /// The continuous-mode period for CR1:CR0 (§6.5.3.9: 0.25, 1, 4, 8 Hz).
    private var period: Duration {
        switch (control >> 6) & 0b11 {
        case 0b00: return .seconds(4)
        case 0b01: return .seconds(1)
        case 0b10: return .milliseconds(250)
        default: return .milliseconds(125)
        }
    }

    /// The configuration register as read: OS, R1:R0 = 11, the control bits, AL (§6.5.3).
    var configurationRegister: UInt16 {
        let polarity = control & 0x0400 != 0
        let alertBit = alertActive == polarity
        let oneShotBit = isShutDown && oneShotDone
        return (oneShotBit ? 0x8000 : 0) | 0x6000 | control | (alertBit ? 0x0020 : 0)
    }

    public func start(read: Bool) -> Bool {
        catchUp()
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        guard let first = bytes.first else { return }
        guard image == nil else {
            pointer = first
            return
        }
        pointer = first & 0b11
        let data = Array(bytes.dropFirst().prefix(2))
        guard !data.isEmpty else { return }
        func merged(_ old: UInt16) -> UInt16 {
            data.count == 2 ? UInt16(data[0]) << 8 | UInt16(data[1]) : UInt16(data[0]) << 8 | old & 0x00FF
        }
        let unusedLimitBits: UInt16 = extended ? 0x0007 : 0x000F
        switch pointer {
        case 0x01: writeConfiguration(merged(configurationRegister))
        case 0x02: lowLimit = merged(lowLimit) & ~unusedLimitBits
        case 0x03: highLimit = merged(highLimit) & ~unusedLimitBits
        default: break  // the temperature register is read-only
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        let bytes: [UInt8]
        if let image {
            bytes = try image.registerBytes(pointer)
        } else {
            let word: UInt16 = switch pointer {
            case 0x00: temperature
            case 0x01: configurationRegister
            case 0x02: lowLimit
            default: highLimit
            }
            bytes = [UInt8(word >> 8), UInt8(word & 0xFF)]
        }
        return (0..<count).map { bytes[$0 % bytes.count] }
    }

    public func stop() {}

    private func writeConfiguration(_ value: UInt16) {
        let wasShutDown = isShutDown
        control = value & 0x1FD0
        if !wasShutDown, isShutDown, let since = convertingSince {
            // SD: the conversion under way finishes, then the chip stops (§6.4.3).
            let periodStart = since + period * Int(((clock.now - since) / period).rounded(.down))
            let conversionEnd = periodStart + Self.conversionTime
            if clock.now < conversionEnd { pendingConversionEnd = conversionEnd }
            convertingSince = nil
        } else if wasShutDown, !isShutDown {
            convertingSince = clock.now
            completedConversions = 0
            pendingConversionEnd = nil
        }
        if isShutDown, value & 0x8000 != 0, pendingConversionEnd == nil {
            pendingConversionEnd = clock.now + Self.conversionTime
            oneShotDone = false
        }
    }

    /// Latches the conversions that have finished since the last access.
    private func catchUp() {
        guard image == nil else { return }
        if let since = convertingSince, clock.now - since >= Self.conversionTime {
            let finished = Int(((clock.now - since - Self.conversionTime) / period).rounded(.down)) + 1
            if finished > completedConversions {
                completeConversions(finished - completedConversions)
                completedConversions = finished
            }
        }
        if let end = pendingConversionEnd, clock.now >= end {
            completeConversions(1)
            pendingConversionEnd = nil
            oneShotDone = true
        }
    }

    /// Stores the environment's temperature in the format EM selects and runs the fault queue `count` times.
    private func completeConversions(_ count: Int) {
        let sixteenths = (environment.temperatureCelsius * 16).rounded()
        if extended {
            let code = Int16(max(-4_096, min(4_095, sixteenths)))
            temperature = UInt16(bitPattern: code << 3) | 0x0001
        } else {
            let code = Int16(max(-2_048, min(2_047, sixteenths)))
            temperature = UInt16(bitPattern: code << 4)
        }
        let faultsNeeded = [1, 2, 4, 6][Int((control >> 11) & 0b11)]
        let value = Int(Int16(bitPattern: temperature) >> (extended ? 3 : 4))
        let high = Int(Int16(bitPattern: highLimit) >> (extended ? 3 : 4))
        let low = Int(Int16(bitPattern: lowLimit) >> (extended ? 3 : 4))
        for _ in 0..<min(count, faultsNeeded) {
            let fault = alertActive ? value < low : value >= high
            faultCount = fault ? faultCount + 1 : 0
            if faultCount >= faultsNeeded {
                alertActive.toggle()
                faultCount = 0
            }
        }
    }
}

extension DeviceModelKind {
    /// A TI TMP102 temperature sensor at 0x48–0x4B.
    public static let tmp102 = DeviceModelKind(name: "tmp102") { context in
        TMP102Model(clock: context.clock, environment: context.environment, image: context.image)
    }
}
