import MoteHAL

/// A Microchip MCP9808 digital temperature sensor, modelled from its datasheet (DS25095A, 2011).
///
/// A 4-bit register pointer (§5.1, Register 5-1; the model ignores pointer bits 7:4, which must be written 0)
/// selects 16-bit registers sent MSB first, except the 8-bit resolution register 0x08. The chip converts
/// continuously, one conversion per tCONV of the selected resolution (30/65/130/250 ms); the ambient temperature
/// register holds the last completed conversion, 0 °C after power-up until the first. Shutdown (CONFIG bit 8) stops
/// conversions and keeps the last value; waking starts a fresh conversion cycle, as does a resolution change.
/// The alert flags (TA bits 15:13) are computed at each conversion from TUPPER, TLOWER, TCRIT and THYST as the
/// alert output conditions figure gives them. The lock bits (CONFIG 7:6) stick until power-off and freeze the limit
/// registers they guard, THYST and SHDN (§5.1.1). The Alert pin is reported only through the Alert Stat bit, in
/// comparator fashion. Loaded from a byte-mode `i2cdump` image, the model reports the dump's cells as the registers'
/// high bytes (the resolution register whole; the id registers' low bytes from the datasheet, all other low bytes
/// 0x00), refuses `XX` cells, and ignores writes.
public final class MCP9808Model: I2CDeviceModel {
    /// The name listings show: `mcp9808`.
    public let modelName = "mcp9808"
    /// What the sensor measures.
    public var environment: SimulatedEnvironment
    /// The device revision in the low byte of register 0x07 (§5.1.5).
    public let deviceRevision: UInt8

    private let clock: any SimulationClock
    private let image: BigEndianWordImage?
    private var pointer: UInt8 = 0x00
    private var configuration: UInt16 = 0x0000
    private var upperLimit: UInt16 = 0x0000
    private var lowerLimit: UInt16 = 0x0000
    private var criticalLimit: UInt16 = 0x0000
    private var resolution: UInt8 = 0b11
    /// The last conversion in 1/16 °C.
    private var ambientSixteenths = 0
    private var flags: UInt16 = 0
    private var convertingSince: Duration?
    private var completedConversions = 0

    /// Creates a sensor converting continuously at the power-up resolution. With `justPoweredUp` the temperature
    /// register reads 0 °C until the first conversion; otherwise it already holds one.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                deviceRevision: UInt8 = 0x00, justPoweredUp: Bool = false, image: [UInt8?]? = nil) {
        self.clock = clock
        self.environment = environment
        self.deviceRevision = deviceRevision
        self.image = image.map {
            BigEndianWordImage(image: $0, byteRegisters: [0x08], fixedLowBytes: [0x06: 0x54, 0x07: deviceRevision])
        }
        self.convertingSince = clock.now
        if !justPoweredUp { completeConversion() }
    }

    /// Whether the chip is shut down (CONFIG bit 8).
    public var isShutDown: Bool { configuration & 0x0100 != 0 }

    /// tCONV for the resolution register's value (§5.1.6: 30, 65, 130, 250 ms).
    static func conversionTime(resolution: UInt8) -> Duration {
        switch resolution & 0b11 {
        case 0b00: return .milliseconds(30)
        case 0b01: return .milliseconds(65)
        case 0b10: return .milliseconds(130)
        default: return .milliseconds(250)
        }
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
        pointer = first & 0x0F
        let data = Array(bytes.dropFirst())
        if pointer == 0x08 {
            if let value = data.first { writeResolution(value) }
            return
        }
        guard data.count >= 2 else { return }
        let value = UInt16(data[0]) << 8 | UInt16(data[1])
        let windowLocked = configuration & 0x0040 != 0
        let criticalLocked = configuration & 0x0080 != 0
        switch pointer {
        case 0x01: writeConfiguration(value)
        case 0x02 where !windowLocked: upperLimit = value & 0x1FFC
        case 0x03 where !windowLocked: lowerLimit = value & 0x1FFC
        case 0x04 where !criticalLocked: criticalLimit = value & 0x1FFC
        default: break  // read-only, reserved or locked
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        let bytes = try image?.registerBytes(pointer) ?? registerBytes(pointer)
        return (0..<count).map { bytes[$0 % bytes.count] }
    }

    public func stop() {}

    private func registerBytes(_ pointer: UInt8) -> [UInt8] {
        let word: UInt16
        switch pointer {
        case 0x01: word = configuration | (alertAsserted ? 0x0010 : 0)
        case 0x02: word = upperLimit
        case 0x03: word = lowerLimit
        case 0x04: word = criticalLimit
        case 0x05: word = flags | UInt16(bitPattern: Int16(ambientSixteenths)) & 0x1FFF
        case 0x06: word = 0x0054
        case 0x07: word = 0x0400 | UInt16(deviceRevision)
        case 0x08: return [resolution]
        default: word = 0x0000
        }
        return [UInt8(word >> 8), UInt8(word & 0xFF)]
    }

    /// Alert Stat (CONFIG bit 4): the output is enabled (Alert Cnt, bit 3) and a flag it watches is set.
    private var alertAsserted: Bool {
        guard configuration & 0x0008 != 0 else { return false }
        let watched: UInt16 = configuration & 0x0004 != 0 ? 0x8000 : 0xE000
        return flags & watched != 0
    }

    private func writeConfiguration(_ value: UInt16) {
        let locks = configuration & 0x00C0
        // Bits 10:0 are writable; Int Clear (5) reads 0 and Alert Stat (4) is the chip's own.
        var updated = value & 0x07CF
        updated |= locks
        if locks != 0 { updated = updated & ~0x0700 | configuration & 0x0700 }
        let waking = isShutDown && updated & 0x0100 == 0
        let sleeping = !isShutDown && updated & 0x0100 != 0
        configuration = updated
        if waking {
            convertingSince = clock.now
            completedConversions = 0
        } else if sleeping {
            convertingSince = nil
        }
    }

    private func writeResolution(_ value: UInt8) {
        resolution = value & 0b11
        if convertingSince != nil {
            convertingSince = clock.now
            completedConversions = 0
        }
    }

    /// Latches every conversion that has finished since the last access.
    private func catchUp() {
        guard image == nil, let since = convertingSince else { return }
        let finished = Int(((clock.now - since) / Self.conversionTime(resolution: resolution)).rounded(.down))
        if finished > completedConversions {
            completedConversions = finished
            completeConversion()
        }
    }

    /// Stores the environment's temperature at the resolution in force and updates the alert flags.
    private func completeConversion() {
        let stepSixteenths: Double = switch resolution & 0b11 {
        case 0b00: 8
        case 0b01: 4
        case 0b10: 2
        default: 1
        }
        let steps = (environment.temperatureCelsius * 16 / stepSixteenths).rounded()
        ambientSixteenths = Int(max(-4_096, min(4_095, steps * stepSixteenths)))
        updateFlags()
    }

    /// The flags per the alert output conditions (THYST applies to falling temperatures): bit 15 TA ≥ TCRIT,
    /// bit 14 TA > TUPPER, bit 13 TA < TLOWER.
    private func updateFlags() {
        let hysteresis = [0, 24, 48, 96][Int((configuration >> 9) & 0b11)]
        let temperature = ambientSixteenths
        let critical = Self.sixteenths(ofLimit: criticalLimit)
        let upper = Self.sixteenths(ofLimit: upperLimit)
        let lower = Self.sixteenths(ofLimit: lowerLimit)
        if temperature >= critical { flags |= 0x8000 } else if temperature < critical - hysteresis { flags &= ~0x8000 }
        if temperature > upper { flags |= 0x4000 } else if temperature <= upper - hysteresis { flags &= ~0x4000 }
        if temperature < lower - hysteresis { flags |= 0x2000 } else if temperature >= lower { flags &= ~0x2000 }
    }

    /// A limit register's two's complement bits 12:2 as 1/16 °C.
    static func sixteenths(ofLimit raw: UInt16) -> Int {
        Int(Int16(bitPattern: (raw & 0x1FFC) << 3) >> 3)
    }
}

extension DeviceModelKind {
    /// A Microchip MCP9808 temperature sensor at 0x18–0x1F.
    public static let mcp9808 = DeviceModelKind(name: "mcp9808") { context in
        MCP9808Model(clock: context.clock, environment: context.environment, image: context.image)
    }
}
