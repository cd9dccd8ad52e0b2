import MoteHAL

/// A Bosch BME280 humidity/pressure/temperature sensor, or its BMP280 sibling, modelled from the BME280 datasheet
/// (BST-BME280-DS002, rev. 1.6) and the BMP280 datasheet (BST-BMP280-DS001).
///
/// A 256-byte register file (§5.3, Table 18) with an auto-incrementing read pointer; writes are register/value
/// pairs (§6.2.1). Reset values: chip id 0x60 (0x58 for the BMP280), control registers 0x00, data registers
/// 0x80000/0x8000 (§5.3). Writing 0xB6 to 0xE0 resets the chip; `im_update` (status bit 0) is then set for the
/// start-up time while the trimming parameters are copied, and the trimming registers read 0x00 meanwhile.
/// Sleep, forced (one conversion, then sleep, §3.3.3) and normal mode (a conversion every t_measure + t_standby,
/// §3.3.4); `measuring` (status bit 3) is set while a conversion runs, which takes the datasheet's typical time
/// (§9.1). ctrl_hum only takes effect with the next ctrl_meas write (§5.4.3); a mode change written during a
/// conversion waits for its end, and ctrl_hum/ctrl_meas writes are ignored meanwhile (§3.3.1); config writes are
/// ignored in normal mode (§5.4.6). Temperature and pressure pass the IIR filter (§3.4.4).
///
/// Raw values come from the environment by inverting the model's own copy of the compensation formulas (§8.1)
/// numerically: a bisection over the ADC codes the chosen oversampling can produce (§3.4.1–3.4.3).
/// Loaded from an i2cdump image, the model reports the image's registers as they are and leaves its data
/// registers alone; only status and the control registers follow the simulated time and writes.
public final class BME280Model: I2CDeviceModel {
    /// Which chip the model is.
    public enum Variant: String, Sendable, CaseIterable {
        /// BME280: chip id 0x60, with humidity.
        case bme280
        /// BMP280: chip id 0x58, no humidity registers (ctrl_hum, 0xE1…0xF0 and 0xFD…0xFE do not exist).
        case bmp280

        /// The value of register 0xD0 (BME280 §5.4.1; BMP280 §4.3.1).
        public var chipID: UInt8 { self == .bme280 ? 0x60 : 0x58 }

        /// Standby times t_sb 000…111 in microseconds (BME280 Table 27; BMP280 Table 11).
        var standbyMicroseconds: [Int64] {
            switch self {
            case .bme280: return [500, 62_500, 125_000, 250_000, 500_000, 1_000_000, 10_000, 20_000]
            case .bmp280: return [500, 62_500, 125_000, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000]
            }
        }
    }

    /// Trimming parameters as stored in NVM (BME280 §4.2.2, Table 16).
    public struct Calibration: Sendable, Equatable {
        /// dig_T1…dig_T3.
        public var t1: UInt16, t2: Int16, t3: Int16
        /// dig_P1…dig_P9.
        public var p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16, p6: Int16, p7: Int16, p8: Int16
        public var p9: Int16
        /// dig_H1…dig_H6 (dig_H4 and dig_H5 are 12-bit signed values).
        public var h1: UInt8, h2: Int16, h3: UInt8, h4: Int16, h5: Int16, h6: Int8

        /// Creates a set of trimming parameters.
        public init(t1: UInt16, t2: Int16, t3: Int16, p1: UInt16, p2: Int16, p3: Int16, p4: Int16, p5: Int16,
                    p6: Int16, p7: Int16, p8: Int16, p9: Int16,
                    h1: UInt8, h2: Int16, h3: UInt8, h4: Int16, h5: Int16, h6: Int8) {
            (self.t1, self.t2, self.t3) = (t1, t2, t3)
            (self.p1, self.p2, self.p3, self.p4, self.p5) = (p1, p2, p3, p4, p5)
            (self.p6, self.p7, self.p8, self.p9) = (p6, p7, p8, p9)
            (self.h1, self.h2, self.h3, self.h4, self.h5, self.h6) = (h1, h2, h3, h4, h5, h6)
        }

        /// Realistic constants: T and P from the BMP280 datasheet's worked example (§3.12), H from a production
        /// BME280 (dig_H1 75, dig_H2 362, dig_H3 0, dig_H4 313, dig_H5 50, dig_H6 30).
        public static let typical = Calibration(
            t1: 27_504, t2: 26_435, t3: -1_000,
            p1: 36_477, p2: -10_685, p3: 3_024, p4: 2_855, p5: 140, p6: -7, p7: 15_500, p8: -14_600, p9: 6_000,
            h1: 75, h2: 362, h3: 0, h4: 313, h5: 50, h6: 30)

        /// The registers 0x88…0xA1 (26 bytes): little-endian words, reserved 0xA0, dig_H1 at 0xA1.
        var lowBlock: [UInt8] {
            let words: [UInt16] = [t1, UInt16(bitPattern: t2), UInt16(bitPattern: t3), p1,
                                   UInt16(bitPattern: p2), UInt16(bitPattern: p3), UInt16(bitPattern: p4),
                                   UInt16(bitPattern: p5), UInt16(bitPattern: p6), UInt16(bitPattern: p7),
                                   UInt16(bitPattern: p8), UInt16(bitPattern: p9)]
            return words.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [0x00, h1]
        }

        /// The registers 0xE1…0xE7 (7 bytes): dig_H2 word, dig_H3, then dig_H4 and dig_H5 as 12-bit values
        /// sharing 0xE5 (H4 low nibble in bits 3:0, H5 low nibble in bits 7:4), dig_H6.
        var highBlock: [UInt8] {
            let h2Bits = UInt16(bitPattern: h2)
            let h4Bits = UInt16(bitPattern: h4)
            let h5Bits = UInt16(bitPattern: h5)
            return [UInt8(h2Bits & 0xFF), UInt8(h2Bits >> 8), h3,
                    UInt8((h4Bits >> 4) & 0xFF), UInt8(h4Bits & 0x0F) | UInt8(h5Bits & 0x0F) << 4,
                    UInt8((h5Bits >> 4) & 0xFF), UInt8(bitPattern: h6)]
        }
    }

    /// `bme280` or `bmp280`.
    public let modelName: String
    /// Which chip this is.
    public let variant: Variant
    /// The trimming parameters in NVM, or nil when the registers come from an image.
    public let calibration: Calibration?
    /// What the sensor measures.
    public var environment: SimulatedEnvironment

    private let clock: any SimulationClock
    private let image: [UInt8?]?
    private var registers: [UInt8?]
    private var pointer: UInt8 = 0
    private var nextWriteIsRegister = true
    private var trimmingCopiedAt: Duration
    private var humidityOversampling: UInt8 = 0
    private var forcedConversion: (end: Duration, settings: Settings)?
    private var normalMode: (start: Duration, period: Duration, measure: Duration, settings: Settings,
                             completed: Int)?
    private var pendingControl: (value: UInt8, at: Duration)?
    private var filterMemory: (temperature: Double, pressure: Double)?

    /// The start-up time, used for the trimming copy after power-up or reset (BME280 Table 1: 2 ms).
    static let startupTime = Duration.milliseconds(2)

    /// What a conversion is made with, captured when it starts.
    struct Settings {
        var temperature: UInt8
        var pressure: UInt8
        var humidity: UInt8
        var filter: UInt8
    }

    /// Creates a sensor with `calibration` in its NVM; with `justPoweredUp` its trimming copy is still running.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                variant: Variant = .bme280, calibration: Calibration = .typical, justPoweredUp: Bool = false) {
        self.clock = clock
        self.environment = environment
        self.variant = variant
        self.calibration = calibration
        self.image = nil
        self.modelName = variant.rawValue
        self.registers = []
        self.trimmingCopiedAt = clock.now
        powerOnReset()
        if !justPoweredUp { trimmingCopiedAt = clock.now }
    }

    /// Creates a sensor whose register file is an i2cdump image (256 entries, nil for unreadable registers).
    public init(clock: any SimulationClock, image: [UInt8?], variant: Variant = .bme280) {
        self.clock = clock
        self.environment = SimulatedEnvironment()
        self.variant = variant
        self.calibration = nil
        var padded = Array(image.prefix(256))
        padded += [UInt8?](repeating: 0, count: 256 - padded.count)
        self.image = padded
        self.modelName = variant.rawValue
        self.registers = padded
        self.trimmingCopiedAt = clock.now
        humidityOversampling = (padded[0xF2] ?? 0) & 0x07
        if let control = padded[0xF4] { applyControl(control, at: clock.now) }
    }

    public func start(read: Bool) -> Bool {
        advance()
        if !read { nextWriteIsRegister = true }
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        advance()
        for byte in bytes {
            if nextWriteIsRegister {
                pointer = byte
            } else {
                store(byte, at: pointer)
            }
            nextWriteIsRegister.toggle()
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        advance()
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            bytes.append(try value(at: pointer))
            pointer &+= 1
        }
        return bytes
    }

    public func stop() { nextWriteIsRegister = true }

    /// The status register: bit 3 `measuring`, bit 0 `im_update` (§5.4.4).
    public var status: UInt8 {
        advance()
        return (isMeasuring ? 0x08 : 0) | (clock.now < trimmingCopiedAt ? 0x01 : 0)
    }

    // MARK: Registers

    private func value(at register: UInt8) throws(DeviceRefusal) -> UInt8 {
        switch register {
        case 0xF3: return status
        case 0xE0: return 0x00  // "reset" always reads 0x00 (§5.4.2)
        case 0x88...0xA1, 0xE1...0xF0:
            // The trimming image registers are not valid until the NVM copy (im_update) is done.
            if clock.now < trimmingCopiedAt, image == nil { return 0x00 }
            fallthrough
        default:
            guard let value = registers[Int(register)] else {
                throw DeviceRefusal.noAcknowledge("register 0x\(hex2(register)) is unreadable in the image")
            }
            return value
        }
    }

    private func store(_ value: UInt8, at register: UInt8) {
        switch register {
        case 0xE0:
            if value == 0xB6 { powerOnReset() }
        case 0xF2:
            guard variant == .bme280, pendingControl == nil else { return }
            registers[0xF2] = value & 0x07
        case 0xF4:
            guard pendingControl == nil else { return }
            if isMeasuring {
                pendingControl = (value, currentConversionEnd ?? clock.now)
            } else {
                applyControl(value, at: clock.now)
            }
        case 0xF5:
            guard normalMode == nil else { return }
            registers[0xF5] = value & 0xFD  // bit 1 is reserved
        default:
            break  // calibration, id and data registers are read-only
        }
    }

    /// Resets to the power-on state (§5.3 reset values); the trimming copy then runs for the start-up time.
    private func powerOnReset() {
        forcedConversion = nil
        normalMode = nil
        pendingControl = nil
        filterMemory = nil
        humidityOversampling = 0
        trimmingCopiedAt = clock.now + Self.startupTime
        if let image {
            registers = image
            for control in [0xF2, 0xF4, 0xF5] where registers[control] != nil { registers[control] = 0x00 }
            return
        }
        var file = [UInt8?](repeating: 0x00, count: 256)
        file[0xD0] = variant.chipID
        let low = (calibration ?? .typical).lowBlock
        for (offset, byte) in low.enumerated() { file[0x88 + offset] = byte }
        if variant == .bme280 {
            for (offset, byte) in (calibration ?? .typical).highBlock.enumerated() { file[0xE1 + offset] = byte }
            file[0xFD] = 0x80
        }
        file[0xF7] = 0x80
        file[0xFA] = 0x80
        registers = file
    }

    // MARK: Time

    /// The datasheet's typical measurement time (§9.1): 1 + 2·osrs_t + (2·osrs_p + 0.5) + (2·osrs_h + 0.5) ms,
    /// bracketed terms only for enabled channels.
    static func measurementTime(_ settings: Settings) -> Duration {
        var microseconds: Int64 = 1_000 + 2_000 * samples(settings.temperature)
        if settings.pressure != 0 { microseconds += 2_000 * samples(settings.pressure) + 500 }
        if settings.humidity != 0 { microseconds += 2_000 * samples(settings.humidity) + 500 }
        return .microseconds(microseconds)
    }

    /// Samples averaged for an oversampling code: 000 none, 001…101 ×1…×16, above that ×16 (Tables 20, 23, 24).
    static func samples(_ code: UInt8) -> Int64 { code == 0 ? 0 : 1 << Int64(min(code, 5) - 1) }

    private var currentSettings: Settings {
        let control = registers[0xF4] ?? 0
        let config = registers[0xF5] ?? 0
        return Settings(temperature: control >> 5, pressure: (control >> 2) & 0x07,
                        humidity: variant == .bme280 ? humidityOversampling : 0, filter: (config >> 2) & 0x07)
    }

    private var isMeasuring: Bool { currentConversionEnd != nil }

    /// The end of the conversion running now, if one is.
    private var currentConversionEnd: Duration? {
        let now = clock.now
        if let forced = forcedConversion, now < forced.end { return forced.end }
        if let normal = normalMode {
            let phase = Self.nanoseconds(now - normal.start) % max(1, Self.nanoseconds(normal.period))
            if phase < Self.nanoseconds(normal.measure) { return now - .nanoseconds(phase) + normal.measure }
        }
        return nil
    }

    /// Writes ctrl_meas at `time`: latches ctrl_hum (§5.4.3) and enters the mode its bits 1:0 select.
    private func applyControl(_ value: UInt8, at time: Duration) {
        registers[0xF4] = value
        humidityOversampling = (registers[0xF2] ?? 0) & 0x07
        let settings = currentSettings
        normalMode = nil
        forcedConversion = nil
        switch value & 0x03 {
        case 0b00:
            break
        case 0b01, 0b10:
            forcedConversion = (time + Self.measurementTime(settings), settings)
        default:
            let measure = Self.measurementTime(settings)
            let config = registers[0xF5] ?? 0
            let standby = Duration.microseconds(variant.standbyMicroseconds[Int(config >> 5)])
            normalMode = (time, measure + standby, measure, settings, 0)
        }
    }

    /// Brings the chip up to the clock: finishes conversions that have ended and applies a delayed mode change.
    private func advance() {
        if let pending = pendingControl, pending.at <= clock.now {
            settle(until: pending.at)
            pendingControl = nil
            applyControl(pending.value, at: pending.at)
        }
        settle(until: clock.now)
    }

    private func settle(until time: Duration) {
        if let forced = forcedConversion, forced.end <= time {
            forcedConversion = nil
            latchConversion(forced.settings)
            registers[0xF4] = (registers[0xF4] ?? 0) & 0xFC  // back to sleep (§3.3.3)
        }
        if var normal = normalMode, time - normal.start >= normal.measure {
            let sinceFirstEnd = Self.nanoseconds(time - normal.start - normal.measure)
            let completed = Int(sinceFirstEnd / max(1, Self.nanoseconds(normal.period))) + 1
            if completed > normal.completed {
                normal.completed = completed
                normalMode = normal
                latchConversion(normal.settings)
            }
        }
    }

    /// Whole nanoseconds in `duration` (the model's times are all whole microseconds).
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    // MARK: Conversion

    /// Puts a conversion's results in the data registers 0xF7…0xFE (untouched when replaying an image).
    private func latchConversion(_ settings: Settings) {
        guard image == nil, let calibration else { return }
        let skipped: Int32 = 0x80000
        let celsius = environment.temperatureCelsius
        var temperature = skipped
        if settings.temperature != 0 {
            temperature = Self.nearestCode(bits: resolution(settings.temperature, settings), target: celsius) {
                Self.compensatedTemperature(adc: $0, calibration).celsius
            }
        }
        // With the temperature channel skipped, pressure and humidity still see the physical temperature.
        let fineSource = settings.temperature != 0 ? temperature
            : Self.nearestCode(bits: 20, target: celsius) { Self.compensatedTemperature(adc: $0, calibration).celsius }
        var fine = Self.compensatedTemperature(adc: fineSource, calibration).fine
        var pressure = skipped
        if settings.pressure != 0 {
            pressure = Self.nearestCode(bits: resolution(settings.pressure, settings),
                                        target: environment.pressurePascals) {
                Self.compensatedPressure(adc: $0, fine: fine, calibration)
            }
        }
        if let coefficient = Self.filterCoefficients[Int(min(settings.filter, 4))] {
            // §3.4.4: filtered = (previous · (c − 1) + new) / c; the first conversion initialises the memory.
            let previous = filterMemory ?? (Double(temperature), Double(pressure))
            var memory = previous
            if settings.temperature != 0 {
                memory.temperature = (previous.temperature * (coefficient - 1) + Double(temperature)) / coefficient
                temperature = Int32(memory.temperature.rounded())
                fine = Self.compensatedTemperature(adc: temperature, calibration).fine
            }
            if settings.pressure != 0 {
                memory.pressure = (previous.pressure * (coefficient - 1) + Double(pressure)) / coefficient
                pressure = Int32(memory.pressure.rounded())
            }
            filterMemory = memory
        }
        setTwentyBits(pressure, at: 0xF7)
        setTwentyBits(temperature, at: 0xFA)
        guard variant == .bme280 else { return }
        var humidity: Int32 = 0x8000
        if settings.humidity != 0 {
            humidity = Self.nearestCode(bits: 16, width: 16, target: environment.relativeHumidityPercent) {
                Self.compensatedHumidity(adc: $0, fine: fine, calibration)
            }
        }
        registers[0xFD] = UInt8((humidity >> 8) & 0xFF)
        registers[0xFE] = UInt8(humidity & 0xFF)
    }

    /// IIR filter coefficients per filter code (Table 28); nil when the filter is off.
    static let filterCoefficients: [Double?] = [nil, 2, 4, 8, 16]

    /// Output resolution in bits: 16 + (oversampling − 1) without the filter, 20 with it (§3.4.1–3.4.2).
    private func resolution(_ code: UInt8, _ settings: Settings) -> Int {
        settings.filter != 0 ? 20 : 15 + Int(min(code, 5))
    }

    private func setTwentyBits(_ value: Int32, at register: Int) {
        registers[register] = UInt8((value >> 12) & 0xFF)
        registers[register + 1] = UInt8((value >> 4) & 0xFF)
        registers[register + 2] = UInt8((value & 0x0F) << 4)
    }

    /// The `width`-bit ADC code with `bits` of resolution (its low `width − bits` bits zero) whose compensated
    /// value is nearest `target`, found by bisection over a compensation that is monotonic in the code.
    static func nearestCode(bits: Int, width: Int = 20, target: Double, compensate: (Int32) -> Double?) -> Int32 {
        let scale = Int32(1) << Int32(max(0, width - bits))
        func value(_ step: Int32) -> Double { compensate(step * scale) ?? .nan }
        var low: Int32 = 0
        var high: Int32 = (Int32(1) << Int32(min(bits, width))) - 1
        let increasing = value(high) >= value(low)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            let belowTarget = increasing ? value(middle) < target : value(middle) > target
            if belowTarget { low = middle } else { high = middle }
        }
        let best = abs(value(low) - target) <= abs(value(high) - target) ? low : high
        return best * scale
    }

    /// Temperature (°C) and t_fine by the datasheet's double formula (§8.1), t_fine truncated as its C code does.
    static func compensatedTemperature(adc: Int32, _ c: Calibration) -> (celsius: Double, fine: Int32) {
        let first = (Double(adc) / 16_384 - Double(c.t1) / 1_024) * Double(c.t2)
        let delta = Double(adc) / 131_072 - Double(c.t1) / 8_192
        let total = first + delta * delta * Double(c.t3)
        return (total / 5_120, Int32(max(-2e9, min(2e9, total)).rounded(.towardZero)))
    }

    /// Pressure (Pa) by the datasheet's double formula (§8.1); nil where it would divide by zero.
    static func compensatedPressure(adc: Int32, fine: Int32, _ c: Calibration) -> Double? {
        let half = Double(fine) / 2 - 64_000
        let offset = (half * half * Double(c.p6) / 32_768 + half * Double(c.p5) * 2) / 4 + Double(c.p4) * 65_536
        let sensitivity = (1 + (Double(c.p3) * half * half / 524_288 + Double(c.p2) * half) / 524_288 / 32_768)
            * Double(c.p1)
        guard sensitivity != 0 else { return nil }
        let p = (1_048_576 - Double(adc) - offset / 4_096) * 6_250 / sensitivity
        return p + (Double(c.p9) * p * p / 2_147_483_648 + p * Double(c.p8) / 32_768 + Double(c.p7)) / 16
    }

    /// Relative humidity (%RH) by the datasheet's double formula (§8.1), within 0…100.
    static func compensatedHumidity(adc: Int32, fine: Int32, _ c: Calibration) -> Double {
        let x = Double(fine) - 76_800
        let h = (Double(adc) - (Double(c.h4) * 64 + Double(c.h5) / 16_384 * x))
            * (Double(c.h2) / 65_536 * (1 + Double(c.h6) / 67_108_864 * x * (1 + Double(c.h3) / 67_108_864 * x)))
        return min(100, max(0, h * (1 - Double(c.h1) * h / 524_288)))
    }
}

extension DeviceModelKind {
    /// A Bosch BME280 (`model = "bme280"`); with `dump = …` it replays the image's registers.
    public static let bme280 = DeviceModelKind(name: "bme280") { context in
        if let image = context.image { return BME280Model(clock: context.clock, image: image, variant: .bme280) }
        return BME280Model(clock: context.clock, environment: context.environment, variant: .bme280)
    }

    /// A Bosch BMP280 (`model = "bmp280"`): the BME280 model without humidity, chip id 0x58.
    public static let bmp280 = DeviceModelKind(name: "bmp280") { context in
        if let image = context.image { return BME280Model(clock: context.clock, image: image, variant: .bmp280) }
        return BME280Model(clock: context.clock, environment: context.environment, variant: .bmp280)
    }
}
