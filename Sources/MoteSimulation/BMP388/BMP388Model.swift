import MoteHAL

/// A Bosch BMP388 or BMP390 pressure sensor, modelled from the BMP388 datasheet (BST-BMP388-DS001) and the BMP390
/// datasheet (BST-BMP390-DS002), which share the register map and compensation.
///
/// Register file with the §4.3 map: CHIP_ID, ERR_REG (clear on read), STATUS (cmd_rdy, drdy_press, drdy_temp;
/// each drdy bit clears when one of its data registers is read), DATA 0x04…0x09, EVENT (por_detected, clear on
/// read), PWR_CTRL, OSR, ODR, CONFIG, the calibration NVM at 0x31…0x45 and CMD (soft reset 0xB6, FIFO flush
/// 0xB0; anything else sets cmd_err). Multi-byte writes are register/data pairs, reads auto-increment (I2C
/// interface section).
///
/// Forced mode (PWR_CTRL mode 01 or 10) converts once, taking the §3.9.2 maximum conversion time on the clock,
/// then latches the data, sets the drdy bits and returns to sleep; until then the data registers keep their old
/// values. Normal mode (11) converts every ODR period and raises conf_err (and falls back to sleep) when the
/// conversion does not fit the period. Soft reset restores the defaults; for the start-up time (2 ms) the chip
/// does not acknowledge. Raw values come from inverting the §9.2/§9.3 float compensation numerically
/// (Newton's method) with the model's own calibration constants; the IIR filter (§3.4.3) acts on raw values and
/// starts from the first sample. The FIFO is not modelled (FIFO_LENGTH reads 0).
public final class BMP388Model: I2CDeviceModel {
    /// Which of the two chips this is.
    public enum Chip: String, Sendable {
        /// CHIP_ID 0x50.
        case bmp388
        /// CHIP_ID 0x60.
        case bmp390

        var chipID: UInt8 { self == .bmp388 ? 0x50 : 0x60 }
    }

    public var modelName: String { chip.rawValue }
    /// The chip modelled.
    public let chip: Chip
    /// What the sensor measures.
    public var environment: SimulatedEnvironment

    private let clock: any SimulationClock
    private let calibrationBytes: [UInt8]
    private let image: [UInt8?]?
    private var registers: [UInt8?]
    private var pointer: UInt8 = 0
    private var addressPhase = false
    private var pendingWriteRegister: UInt8?
    private var availableAfter: Duration
    private var forcedMeasurementDone: Duration?
    private var normalMode: (start: Duration, period: Duration, conversion: Duration, completed: Int)?
    private var pressureReady = false
    private var temperatureReady = false
    private var filteredRaw: (pressure: Double, temperature: Double)?

    /// Register addresses (§4.3).
    enum Register {
        static let chipID = 0x00
        static let revisionID = 0x01
        static let errors = 0x02
        static let status = 0x03
        static let pressureData = 0x04
        static let temperatureData = 0x07
        static let event = 0x10
        static let interruptStatus = 0x11
        static let powerControl = 0x1B
        static let oversampling = 0x1C
        static let outputDataRate = 0x1D
        static let config = 0x1F
        static let calibration = 0x31
        static let command = 0x7E
    }

    /// Registers a host may write (§4.3: FIFO_WTM … CONFIG and CMD); the rest are read-only or reserved.
    static let writable: Set<Int> = [0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1F, 0x7E]

    /// Start-up time after power-on or soft reset (Table 2: t_startup, 2 ms).
    static let startupTime = Duration.milliseconds(2)

    /// NVM of a BMP388 as published from a real part (elixir-sensors/bmp3xx, test/bmp3xx/bmp388/
    /// calibration_test.exs): par_t1 27427, par_t2 18776, par_t3 −10, par_p1 −164, par_p2 −2866, par_p3 35,
    /// par_p4 0, par_p5 25578, par_p6 31086, par_p7 −13, par_p8 −10, par_p9 17322, par_p10 18, par_p11 −60.
    public static let bmp388Calibration: [UInt8] = [
        0x23, 0x6B, 0x58, 0x49, 0xF6, 0x5C, 0xFF, 0xCE, 0xF4, 0x23, 0x00,
        0xEA, 0x63, 0x6E, 0x79, 0xF3, 0xF6, 0xAA, 0x43, 0x12, 0xC4,
    ]

    /// NVM for the BMP390 model: constants of the same magnitudes, chosen so that raw values stay inside 24 bits
    /// over 300…1250 hPa and −40…85 °C (par_t1 28130, par_t2 19012, par_t3 −8, par_p1 −512, par_p2 −3400,
    /// par_p3 30, par_p4 1, par_p5 25344, par_p6 30720, par_p7 −11, par_p8 −9, par_p9 16900, par_p10 20,
    /// par_p11 −55).
    public static let bmp390Calibration: [UInt8] = [
        0xE2, 0x6D, 0x44, 0x4A, 0xF8, 0x00, 0xFE, 0xB8, 0xF2, 0x1E, 0x01,
        0x00, 0x63, 0x00, 0x78, 0xF5, 0xF7, 0x04, 0x42, 0x14, 0xC9,
    ]

    /// Creates a chip that has been powered for a while (or, with `justPoweredUp`, is still starting up).
    ///
    /// `calibration` (21 bytes) replaces the chip's NVM; `image`, an `i2cdump` register image, replaces the whole
    /// register file, and conversions then leave its data registers as they are.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                chip: Chip = .bmp388, calibration: [UInt8]? = nil, image: [UInt8?]? = nil,
                justPoweredUp: Bool = false) {
        self.clock = clock
        self.environment = environment
        self.chip = chip
        let nvm = calibration ?? (chip == .bmp388 ? Self.bmp388Calibration : Self.bmp390Calibration)
        self.calibrationBytes = nvm.count == 21 ? nvm : Self.bmp388Calibration
        self.image = image.map { Array(($0 + [UInt8?](repeating: 0, count: 256)).prefix(256)) }
        self.registers = []
        self.availableAfter = clock.now + (justPoweredUp ? Self.startupTime : .zero)
        restoreDefaults()
    }

    /// Creates the model a scenario asks for.
    public convenience init(context: DeviceModelContext, chip: Chip) {
        self.init(clock: context.clock, environment: context.environment, chip: chip, image: context.image)
    }

    private func restoreDefaults() {
        if let image {
            registers = image
            pressureReady = (image[Register.status] ?? 0) & 0x20 != 0
            temperatureReady = (image[Register.status] ?? 0) & 0x40 != 0
        } else {
            registers = [UInt8?](repeating: 0, count: 256)
            registers[Register.chipID] = chip.chipID
            registers[Register.revisionID] = chip == .bmp390 ? 0x01 : 0x00
            registers[Register.event] = 0x01
            registers[0x17] = 0x02
            registers[0x18] = 0x02
            registers[0x19] = 0x02
            registers[Register.oversampling] = 0x02
            for (offset, byte) in calibrationBytes.enumerated() { registers[Register.calibration + offset] = byte }
            pressureReady = false
            temperatureReady = false
        }
        forcedMeasurementDone = nil
        normalMode = nil
        filteredRaw = nil
    }

    // MARK: I2CDeviceModel

    public func start(read: Bool) -> Bool {
        guard clock.now >= availableAfter else { return false }
        advance()
        addressPhase = !read
        pendingWriteRegister = nil
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        for byte in bytes {
            if addressPhase {
                pointer = byte
                pendingWriteRegister = byte
                addressPhase = false
            } else if let register = pendingWriteRegister {
                store(byte, at: Int(register))
                pendingWriteRegister = nil
            } else {
                // A burst write continues with register address / data pairs (I2C interface section).
                pendingWriteRegister = byte
                pointer = byte
            }
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            bytes.append(try readRegister(Int(pointer)))
            pointer &+= 1
        }
        return bytes
    }

    public func stop() {
        addressPhase = false
        pendingWriteRegister = nil
    }

    // MARK: Registers

    private func readRegister(_ index: Int) throws(DeviceRefusal) -> UInt8 {
        if index == Register.status {
            return 0x10 | (pressureReady ? 0x20 : 0) | (temperatureReady ? 0x40 : 0)
        }
        guard let value = registers[index] else {
            throw DeviceRefusal.noAcknowledge("register 0x\(hex2(UInt8(index))) is unreadable in the image")
        }
        switch index {
        case Register.errors, Register.event, Register.interruptStatus: registers[index] = 0
        case Register.pressureData..<(Register.pressureData + 3): pressureReady = false
        case Register.temperatureData..<(Register.temperatureData + 3): temperatureReady = false
        default: break
        }
        return value
    }

    private func store(_ value: UInt8, at index: Int) {
        guard Self.writable.contains(index) else { return }
        if index == Register.command {
            runCommand(value)
            return
        }
        registers[index] = value
        if index == Register.powerControl { powerControlWritten(value) }
    }

    private func runCommand(_ command: UInt8) {
        switch command {
        case 0xB6:
            restoreDefaults()
            availableAfter = clock.now + Self.startupTime
        case 0xB0, 0x34:
            break  // FIFO flush and extmode_en_middle: nothing to do without a FIFO model.
        default:
            setError(0x02)
        }
    }

    private func setError(_ bit: UInt8) { registers[Register.errors] = (registers[Register.errors] ?? 0) | bit }

    private var powerControl: UInt8 { registers[Register.powerControl] ?? 0 }
    private var pressureEnabled: Bool { powerControl & 0x01 != 0 }
    private var temperatureEnabled: Bool { powerControl & 0x02 != 0 }

    private func powerControlWritten(_ value: UInt8) {
        let mode = (value >> 4) & 0x03
        normalMode = nil
        forcedMeasurementDone = nil
        switch mode {
        case 0:
            break
        case 3:
            let odrSelect = Int((registers[Register.outputDataRate] ?? 0) & 0x1F)
            guard odrSelect <= 17 else {
                setError(0x04)
                registers[Register.powerControl] = value & 0x03
                return
            }
            let period = Duration.microseconds(5_000 << odrSelect)
            let conversion = conversionTime
            guard conversion <= period else {
                // ERR_REG conf_err: a measurement longer than the ODR period is a configuration error.
                setError(0x04)
                registers[Register.powerControl] = value & 0x03
                return
            }
            normalMode = (clock.now, period, conversion, 0)
        default:
            pressureReady = false
            temperatureReady = false
            forcedMeasurementDone = clock.now + conversionTime
        }
    }

    /// The maximum measurement time for the enabled channels and OSR (§3.9.2):
    /// 234 µs + press_en·(392 µs + 2^osr_p·2020 µs) + temp_en·(163 µs + 2^osr_t·2020 µs).
    var conversionTime: Duration {
        let osr = registers[Register.oversampling] ?? 0
        let pressureSamples = 1 << Int(min(osr & 0x07, 5))
        let temperatureSamples = 1 << Int(min((osr >> 3) & 0x07, 5))
        var microseconds = 234
        if pressureEnabled { microseconds += 392 + pressureSamples * 2_020 }
        if temperatureEnabled { microseconds += 163 + temperatureSamples * 2_020 }
        return .microseconds(microseconds)
    }

    /// Completes whatever conversions the clock has passed.
    private func advance() {
        if let done = forcedMeasurementDone, clock.now >= done {
            forcedMeasurementDone = nil
            latchMeasurement()
            registers[Register.powerControl] = powerControl & 0x03  // back to sleep (forced mode)
        }
        if let mode = normalMode {
            let elapsed = clock.now - mode.start - mode.conversion
            guard elapsed >= .zero else { return }
            let completed = Int(elapsed / mode.period) + 1
            if completed > mode.completed {
                normalMode?.completed = completed
                latchMeasurement()
            }
        }
    }

    private func latchMeasurement() {
        let measuresPressure = pressureEnabled
        let measuresTemperature = temperatureEnabled
        guard measuresPressure || measuresTemperature else { return }
        if image == nil {
            let raw = rawValues()
            let coefficient = Double(Self.filterCoefficients[Int(((registers[Register.config] ?? 0) >> 1) & 0x07)])
            var filtered = raw
            if coefficient > 0, let previous = filteredRaw {
                // §3.4.3: filtered = (previous · c + new) / (c + 1).
                filtered.pressure = (previous.pressure * coefficient + raw.pressure) / (coefficient + 1)
                filtered.temperature = (previous.temperature * coefficient + raw.temperature) / (coefficient + 1)
            }
            filteredRaw = filtered
            if measuresPressure { storeWord(filtered.pressure, at: Register.pressureData) }
            if measuresTemperature { storeWord(filtered.temperature, at: Register.temperatureData) }
        }
        if measuresPressure { pressureReady = true }
        if measuresTemperature { temperatureReady = true }
        registers[Register.interruptStatus] = (registers[Register.interruptStatus] ?? 0) | 0x08
    }

    /// IIR coefficients by `iir_filter` (§3.4.3): bypass, 1, 3, 7, 15, 31, 63, 127.
    static let filterCoefficients = [0, 1, 3, 7, 15, 31, 63, 127]

    private func storeWord(_ value: Double, at index: Int) {
        let word = UInt32(min(Double(0xFF_FFFF), max(0, value.rounded())))
        registers[index] = UInt8(word & 0xFF)
        registers[index + 1] = UInt8((word >> 8) & 0xFF)
        registers[index + 2] = UInt8(word >> 16)
    }

    // MARK: Compensation, inverted

    /// The §9.1 floating-point coefficients of this chip's NVM.
    struct Coefficients {
        var t: (Double, Double, Double)
        var p: [Double]  // p[1]…p[11]; p[0] unused

        init(nvm b: [UInt8]) {
            func u16(_ i: Int) -> Double { Double(Int(b[i]) | Int(b[i + 1]) << 8) }
            func s16(_ i: Int) -> Double { Double(Int16(truncatingIfNeeded: Int(b[i]) | Int(b[i + 1]) << 8)) }
            func s8(_ i: Int) -> Double { Double(Int8(truncatingIfNeeded: b[i])) }
            t = (u16(0) * 256, u16(2) / 1_073_741_824, s8(4) / 281_474_976_710_656)
            p = [
                0,
                (s16(5) - 16_384) / 1_048_576,
                (s16(7) - 16_384) / 536_870_912,
                s8(9) / 4_294_967_296,
                s8(10) / 137_438_953_472,
                u16(11) * 8,
                u16(13) / 64,
                s8(15) / 256,
                s8(16) / 32_768,
                s16(17) / 281_474_976_710_656,
                s8(19) / 281_474_976_710_656,
                s8(20) / 36_893_488_147_419_103_232,
            ]
        }

        /// §9.2: temperature (°C) of a raw temperature.
        func temperature(_ raw: Double) -> Double {
            let d = raw - t.0
            return d * (t.1 + d * t.2)
        }

        /// §9.3: pressure (Pa) of a raw pressure at temperature `c` (°C), in Horner form.
        func pressure(_ raw: Double, at c: Double) -> Double {
            let offset = p[5] + c * (p[6] + c * (p[7] + c * p[8]))
            let gain = p[1] + c * (p[2] + c * (p[3] + c * p[4]))
            return offset + raw * (gain + raw * (p[9] + p[10] * c + raw * p[11]))
        }
    }

    /// The raw (unfiltered) ADC values for the environment, found by Newton's method on §9.2 and §9.3.
    func rawValues() -> (pressure: Double, temperature: Double) {
        let k = Coefficients(nvm: calibrationBytes)
        let targetTemperature = environment.temperatureCelsius
        var rawTemperature = k.t.0 + targetTemperature / max(k.t.1, 1e-12)
        for _ in 0..<30 {
            let d = rawTemperature - k.t.0
            let slope = k.t.1 + 2 * d * k.t.2
            guard slope != 0 else { break }
            rawTemperature -= (k.temperature(rawTemperature) - targetTemperature) / slope
        }
        rawTemperature = min(Double(0xFF_FFFF), max(0, rawTemperature.rounded()))
        let temperature = k.temperature(rawTemperature)
        var rawPressure = 7_000_000.0
        for _ in 0..<50 {
            let slope = k.pressure(rawPressure + 0.5, at: temperature)
                - k.pressure(rawPressure - 0.5, at: temperature)
            guard slope != 0 else { break }
            rawPressure -= (k.pressure(rawPressure, at: temperature) - environment.pressurePascals) / slope
        }
        return (rawPressure, rawTemperature)
    }
}

extension DeviceModelKind {
    /// A simulated Bosch BMP388 (`model = "bmp388"`), from an `i2cdump` image when the scenario gives one.
    public static let bmp388 = DeviceModelKind(name: "bmp388") { context in
        BMP388Model(context: context, chip: .bmp388)
    }

    /// A simulated Bosch BMP390 (`model = "bmp390"`), from an `i2cdump` image when the scenario gives one.
    public static let bmp390 = DeviceModelKind(name: "bmp390") { context in
        BMP388Model(context: context, chip: .bmp390)
    }
}
