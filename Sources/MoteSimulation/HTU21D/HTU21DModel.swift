import MoteHAL

/// A TE HTU21D(F) or Silicon Labs Si7021 humidity and temperature sensor, modelled from the HTU21D(F) datasheet
/// (TE, 05/2017) and the Si7021-A20 datasheet (Rev. 1.1).
///
/// A command state machine (HTU21D "Commands"; Si7021 Table 11): measurements with hold master (the read waits
/// out the conversion, as clock stretching does: the model sleeps its clock until the result is ready) and
/// without (the address is not acknowledged for reading until the conversion is done), user register read/write
/// keeping reserved and read-only bits, soft reset (15 ms during which nothing is acknowledged), the electronic
/// ID in two accesses with checksums, and on the Si7021 the heater control register, the firmware revision and
/// the temperature of the last humidity conversion (0xE0, no checksum). Unknown commands are not acknowledged.
/// Conversions take the datasheet's maximum time. Results carry CRC-8 (polynomial 0x31, initial 0x00).
public final class HTU21DModel: I2CDeviceModel {
    /// Which chip the model is.
    public enum Variant: String, Sendable, CaseIterable {
        /// TE HTU21D(F): user register resets to 0x02; electronic id device byte (SNC_1) 0x32.
        case htu21d
        /// Silicon Labs Si7021: user register resets to 0x3A; electronic id device byte (SNB_3) 0x15; heater
        /// control register; firmware revision 2.0; temperature from the previous humidity conversion.
        case si7021
    }

    /// What a scenario calls the model.
    public var modelName: String { variant.rawValue }
    /// Which chip this is.
    public let variant: Variant
    /// What the sensor measures.
    public var environment: SimulatedEnvironment
    /// Whether the supply is below the chip's threshold (user register bit 6).
    public var supplyIsLow = false
    /// The eight data bytes of the electronic ID, in wire order: the first access's four, then the second's.
    public let electronicID: [UInt8]
    /// The Si7021 firmware revision byte (0x20: version 2.0).
    public let firmwareRevision: UInt8 = 0x20

    private let clock: any SimulationClock
    private var readyAfterReset: Duration
    private var storedUserRegister: UInt8
    private var heaterControl: UInt8 = 0
    private var pending: (ready: Duration, code: UInt16, holdMaster: Bool)?
    private var reply: [UInt8]?
    private var temperatureCodeOfLastHumidity: UInt16 = 0

    /// The electronic ID this model answers with unless told otherwise: an HTU21D with the fixed bytes its
    /// datasheet gives (SNB_3 0x00, SNC_1 0x32, SNA 0x4854), and a Si7021 with a made-up serial and SNB_3 0x15.
    public static func defaultElectronicID(for variant: Variant) -> [UInt8] {
        switch variant {
        case .htu21d: return [0x00, 0x4B, 0x1D, 0x27, 0x32, 0x61, 0x48, 0x54]
        case .si7021: return [0x8A, 0x1C, 0x5E, 0x3D, 0x15, 0xFF, 0xB5, 0xFF]
        }
    }

    /// Creates a sensor; with `justPoweredUp` it answers only after its power-up time (HTU21D 15 ms, Si7021
    /// 80 ms), otherwise at once.
    public init(variant: Variant = .htu21d, clock: any SimulationClock,
                environment: SimulatedEnvironment = SimulatedEnvironment(), justPoweredUp: Bool = false,
                electronicID: [UInt8]? = nil) {
        self.variant = variant
        self.clock = clock
        self.environment = environment
        self.electronicID = electronicID ?? Self.defaultElectronicID(for: variant)
        self.storedUserRegister = Self.userRegisterResetValue(variant)
        let powerUp: Duration = variant == .htu21d ? .milliseconds(15) : .milliseconds(80)
        self.readyAfterReset = clock.now + (justPoweredUp ? powerUp : .zero)
    }

    /// User register reset value: HTU21D 0000_0010 ("User register"), Si7021 0011_1010 ("User Register 1").
    static func userRegisterResetValue(_ variant: Variant) -> UInt8 { variant == .htu21d ? 0x02 : 0x3A }

    /// The user register as the chip reports it: the stored bits with the live low-supply flag at bit 6.
    public var userRegister: UInt8 { storedUserRegister & ~0x40 | (supplyIsLow ? 0x40 : 0) }

    /// The heater control register (Si7021 "Heater Control Register": bits 3:0 heater current, reset 0).
    public var heaterControlRegister: UInt8 { heaterControl }

    /// Bits in the humidity and temperature results for the resolution bits 7 and 0 of the user register.
    var resolutionBits: (humidity: Int, temperature: Int) {
        switch (storedUserRegister & 0x80 != 0, storedUserRegister & 0x01 != 0) {
        case (false, false): return (12, 14)
        case (false, true): return (8, 12)
        case (true, false): return (10, 13)
        case (true, true): return (11, 11)
        }
    }

    /// Maximum conversion times for the resolution in force (HTU21D "Measuring time"; Si7021 Table 2 tCONV).
    var conversionTimes: (humidity: Duration, temperature: Duration) {
        let bits = resolutionBits
        switch variant {
        case .htu21d:
            let humidity: [Int: Duration] = [12: .milliseconds(16), 11: .milliseconds(8), 10: .milliseconds(5),
                                             8: .milliseconds(3)]
            let temperature: [Int: Duration] = [14: .milliseconds(50), 13: .milliseconds(25), 12: .milliseconds(13),
                                                11: .milliseconds(7)]
            return (humidity[bits.humidity] ?? .zero, temperature[bits.temperature] ?? .zero)
        case .si7021:
            let humidity: [Int: Duration] = [12: .microseconds(12_000), 11: .microseconds(7_000),
                                             10: .microseconds(4_500), 8: .microseconds(3_100)]
            let temperature: [Int: Duration] = [14: .microseconds(10_800), 13: .microseconds(6_200),
                                                12: .microseconds(3_800), 11: .microseconds(2_400)]
            let t = temperature[bits.temperature] ?? .zero
            // A humidity conversion includes a temperature conversion ("Measuring Relative Humidity").
            return ((humidity[bits.humidity] ?? .zero) + t, t)
        }
    }

    /// START: nothing is acknowledged during power-up or reset; a read header is refused while converting.
    public func start(read: Bool) -> Bool {
        guard clock.now >= readyAfterReset else { return false }
        guard read else { return true }
        if reply != nil { return true }
        guard let pending else { return false }
        if pending.holdMaster { return true }
        guard clock.now >= pending.ready else { return false }
        finishPendingMeasurement()
        return true
    }

    /// A command and its parameters; unknown commands are not acknowledged.
    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        guard let command = bytes.first else { return }
        reply = nil
        let argument = bytes.count > 1 ? bytes[1] : nil
        switch (command, variant) {
        case (0xE3, _): startMeasurement(humidity: false, holdMaster: true)
        case (0xF3, _): startMeasurement(humidity: false, holdMaster: false)
        case (0xE5, _): startMeasurement(humidity: true, holdMaster: true)
        case (0xF5, _): startMeasurement(humidity: true, holdMaster: false)
        case (0xE7, _): reply = [userRegister]
        case (0xE6, _):
            guard let argument else { return }
            // Resolution (7, 0), heater (2) and, on the HTU21D, OTP reload (1) are writable; 6 is read-only and
            // the reserved bits 5:3 keep their value.
            let writable: UInt8 = variant == .htu21d ? 0x87 : 0x85
            storedUserRegister = storedUserRegister & ~writable | argument & writable
        case (0xFA, _) where argument == 0x0F:
            let data = electronicID.prefix(4)
            reply = data.flatMap { [$0, Self.checksum([$0])] }
        case (0xFC, _) where argument == 0xC9:
            let data = Array(electronicID.dropFirst(4).prefix(4))
            reply = stride(from: 0, to: data.count - 1, by: 2).flatMap { index in
                let pair = [data[index], data[index + 1]]
                return pair + [Self.checksum(pair)]
            }
        case (0xFE, _): softReset()
        case (0xE0, .si7021):
            reply = [UInt8(temperatureCodeOfLastHumidity >> 8), UInt8(temperatureCodeOfLastHumidity & 0xFF)]
        case (0x51, .si7021):
            guard let argument else { return }
            heaterControl = heaterControl & 0xF0 | argument & 0x0F
        case (0x11, .si7021): reply = [heaterControl]
        case (0x84, .si7021) where argument == 0xB8: reply = [firmwareRevision]
        default:
            throw DeviceRefusal.noAcknowledge("unknown command 0x\(hex2(command))")
        }
    }

    /// The bytes the chip clocks out; past its reply the bus reads 0xFF.
    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        if reply == nil, let pending, pending.holdMaster {
            // Hold master: SCL is stretched until the conversion is done.
            clock.sleep(until: pending.ready)
            finishPendingMeasurement()
        }
        guard let bytes = reply else { throw DeviceRefusal.noAcknowledge("nothing to read") }
        reply = nil
        // The controller may NACK early (no checksum wanted); past the reply the bus reads 0xFF.
        return (0..<count).map { $0 < bytes.count ? bytes[$0] : 0xFF }
    }

    /// STOP: nothing to do; the chip keeps its state between transactions.
    public func stop() {}

    private func startMeasurement(humidity: Bool, holdMaster: Bool) {
        let times = conversionTimes
        let bits = resolutionBits
        let code: UInt16
        if humidity {
            code = Self.humidityCode(environment.relativeHumidityPercent, bits: bits.humidity)
            if variant == .si7021 {
                temperatureCodeOfLastHumidity = Self.temperatureCode(environment.temperatureCelsius,
                                                                     bits: bits.temperature)
            }
        } else {
            code = Self.temperatureCode(environment.temperatureCelsius, bits: bits.temperature)
        }
        pending = (clock.now + (humidity ? times.humidity : times.temperature), code, holdMaster)
    }

    private func finishPendingMeasurement() {
        guard let pending else { return }
        let bytes = [UInt8(pending.code >> 8), UInt8(pending.code & 0xFF)]
        reply = bytes + [Self.checksum(bytes)]
        self.pending = nil
    }

    private func softReset() {
        pending = nil
        // Defaults return, except the heater bit ("Soft reset").
        storedUserRegister = Self.userRegisterResetValue(variant) | storedUserRegister & 0x04
        heaterControl = 0
        readyAfterReset = clock.now + .milliseconds(15)
    }

    /// The humidity result for `percent`, inverting RH = −6 + 125 · S / 2^16, rounded to the resolution's step,
    /// with status bit 1 set (HTU21D "Relative humidity conversion"; Si7021 "Measuring Relative Humidity").
    static func humidityCode(_ percent: Double, bits: Int) -> UInt16 {
        let clamped = min(100, max(0, percent))
        return quantized((clamped + 6) / 125 * 65_536, bits: bits) | 0x0002
    }

    /// The temperature result for `celsius`, inverting T = −46.85 + 175.72 · S / 2^16, rounded to the
    /// resolution's step, status bits clear (HTU21D "Temperature conversion"; Si7021 "Measuring Temperature").
    static func temperatureCode(_ celsius: Double, bits: Int) -> UInt16 {
        quantized((celsius + 46.85) / 175.72 * 65_536, bits: bits)
    }

    /// `value` rounded to a multiple of 2^(16 − bits), kept inside 16 bits with the two status bits clear.
    private static func quantized(_ value: Double, bits: Int) -> UInt16 {
        let step = Double(1 << (16 - bits))
        let rounded = (value / step).rounded() * step
        let largest = Double((0xFFFF >> (16 - bits)) << (16 - bits) & 0xFFFC)
        return UInt16(min(largest, max(0, rounded)))
    }

    /// CRC-8 with polynomial x^8 + x^5 + x^4 + 1 and initial value 0 (HTU21D "CRC checksum").
    static func checksum(_ bytes: [UInt8]) -> UInt8 {
        var remainder: UInt8 = 0
        for byte in bytes {
            remainder ^= byte
            for _ in 0..<8 {
                remainder = remainder & 0x80 != 0 ? (remainder << 1) ^ 0x31 : remainder << 1
            }
        }
        return remainder
    }
}

extension DeviceModelKind {
    /// A TE HTU21D(F) at 0x40 (`model = "htu21d"`).
    public static let htu21d = DeviceModelKind(name: "htu21d") { context in
        HTU21DModel(variant: .htu21d, clock: context.clock, environment: context.environment)
    }

    /// A Silicon Labs Si7021 at 0x40 (`model = "si7021"`).
    public static let si7021 = DeviceModelKind(name: "si7021") { context in
        HTU21DModel(variant: .si7021, clock: context.clock, environment: context.environment)
    }
}
