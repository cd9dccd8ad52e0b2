import MoteHAL

/// A Sensirion SHT40, SHT41 or SHT45 humidity and temperature sensor (SHT4x datasheet, version 7.1, 2025).
///
/// A command chip with one-byte commands, each answered after its execution time by 16-bit words with their
/// CRC-8. The chip does not stretch the clock: a read before the result is ready is not acknowledged. The driver
/// identifies the chip by reading its serial number and soft-resets it. The variants differ only in accuracy and
/// share one command set, so none can be told from another.
///
/// Needs an adapter with plain I2C transfers: replies are read without a command byte, which SMBus cannot carry.
public struct SHT4x<Bus: I2CBus>: SensorDriver {
    /// Measurement precision (repeatability) and its command (datasheet command table: 0xFD, 0xF6, 0xE0).
    public enum Precision: String, Sendable, CaseIterable {
        /// Lowest noise, longest measurement.
        case high
        /// Medium noise and duration.
        case medium
        /// Highest noise, shortest measurement.
        case low

        /// The command byte.
        var command: UInt8 {
            switch self {
            case .high: return 0xFD
            case .medium: return 0xF6
            case .low: return 0xE0
            }
        }

        /// The longest a measurement takes (timing table, Table 5 in v7.1: high 8.3 ms, medium 4.5 ms, low 1.6 ms).
        public var maximumMeasurementTime: Duration {
            switch self {
            case .high: return .microseconds(8_300)
            case .medium: return .microseconds(4_500)
            case .low: return .microseconds(1_600)
            }
        }
    }

    /// Heater power level; the powers are typical at VDD = 3.3 V (datasheet heater section and command table).
    public enum HeaterPower: String, Sendable, CaseIterable {
        /// 200 mW (about 60 mA at 3.3 V).
        case high
        /// 110 mW (about 33 mA).
        case medium
        /// 20 mW (about 6 mA).
        case low

        /// The nominal heating power in watts.
        public var watts: Double {
            switch self {
            case .high: return 0.200
            case .medium: return 0.110
            case .low: return 0.020
            }
        }
    }

    /// How long a heater pulse lasts (timing table, Table 5 in v7.1: 1 s long, 0.1 s short; at most 10 % more).
    public enum HeaterDuration: String, Sendable, CaseIterable {
        /// About 1 s.
        case long
        /// About 0.1 s.
        case short

        /// The longest the heater stays on (Table 5: 1.1 s and 0.11 s).
        public var maximum: Duration {
            switch self {
            case .long: return .milliseconds(1_100)
            case .short: return .milliseconds(110)
            }
        }
    }

    /// The chip's settings. The default suits weather monitoring: high precision (8.3 ms at 320 µA a reading buys
    /// the lowest noise) and no heater.
    public struct Configuration: Sendable, Equatable {
        /// The precision `read()` measures with.
        public var precision: Precision
        /// How many times a read the chip did not acknowledge (not ready) is retried before `.timedOut`.
        public var notReadyRetries: Int
        /// The wait between those retries.
        public var notReadyRetryInterval: Duration

        /// Creates a configuration; the defaults are high precision and 5 retries 1 ms apart.
        public init(precision: Precision = .high, notReadyRetries: Int = 5,
                    notReadyRetryInterval: Duration = .milliseconds(1)) {
            self.precision = precision
            self.notReadyRetries = notReadyRetries
            self.notReadyRetryInterval = notReadyRetryInterval
        }
    }

    /// Command bytes beyond the measurements (datasheet command table).
    enum Command {
        static var readSerialNumber: UInt8 { 0x89 }
        static var softReset: UInt8 { 0x94 }

        /// Heater pulse with a high-precision measurement at its end: 0x39/0x32 at 200 mW for 1 s/0.1 s,
        /// 0x2F/0x24 at 110 mW, 0x1E/0x15 at 20 mW.
        static func heater(_ power: HeaterPower, _ duration: HeaterDuration) -> UInt8 {
            switch (power, duration) {
            case (.high, .long): return 0x39
            case (.high, .short): return 0x32
            case (.medium, .long): return 0x2F
            case (.medium, .short): return 0x24
            case (.low, .long): return 0x1E
            case (.low, .short): return 0x15
            }
        }
    }

    /// The wait before the serial number can be read. The datasheet gives none; reading at once is not
    /// acknowledged (sirhcel/sht4x, src/commands.rs), so the driver waits 1 ms and then polls up to
    /// `serialNumberRetries` times 1 ms apart, which covers the 10 ms Sensirion's own driver waits
    /// (Sensirion/embedded-i2c-sht4x, sht4x_i2c.c).
    static var serialNumberWait: Duration { .milliseconds(1) }
    static var serialNumberRetries: Int { 10 }
    /// Soft reset to idle, maximum (Table 5: 1 ms).
    static var softResetTime: Duration { .milliseconds(1) }

    /// The address of the -AD1B variants (SHT40, SHT41, SHT45); SHT40-BD1B answers at 0x45, -CD1B at 0x46.
    public static var defaultAddress: I2CAddress { I2CAddress(rawValue: 0x44)! }

    /// The bus the chip is on.
    public let bus: Bus
    /// The chip's address (0x44, 0x45 or 0x46 by ordering code).
    public let address: I2CAddress
    /// What the driver waits with (the system clock on hardware, the simulation's clock otherwise).
    public let delay: any Delay
    /// The settings in force.
    public private(set) var configuration: Configuration
    /// The chip's unique 32-bit serial number, read at identification.
    public let serialNumber: UInt32

    /// `sht4x`: the SHT40, SHT41 and SHT45 cannot be told apart over the bus.
    public var model: String { "sht4x" }

    /// Timing and currents from the SHT4x datasheet (v7.1), for the default configuration.
    ///
    /// Currents are typical at 3.3 V: 0.08 µA idle, 320 µA measuring, and 60 mA heating at the 200 mW level
    /// (33 mA at 110 mW, 6 mA at 20 mW).
    public static var datasheet: SensorDatasheet {
        SensorDatasheet(
            part: "Sensirion SHT4x (SHT40, SHT41, SHT45)",
            source: "Sensirion SHT4x datasheet v7.1 (Mar 2025): Table 4 electrical specifications (typical at 3.3 V), "
                + "Table 5 timings (maxima)",
            supplyVolts: 3.3,
            startupTime: .milliseconds(1),
            measurementTime: Precision.high.maximumMeasurementTime,
            currents: [.sleep: 0.08e-6, .measuring: 320e-6, .heating: 60e-3])
    }

    /// The datasheet figures with the configured precision's measurement time.
    public var datasheet: SensorDatasheet {
        var sheet = Self.datasheet
        sheet.measurementTime = configuration.precision.maximumMeasurementTime
        return sheet
    }

    /// Identifies the chip at `address` by reading its serial number, then soft-resets it.
    ///
    /// Throws `.bus(.unsupported)` on an SMBus-only adapter before touching the bus; `.crcMismatch` when a serial
    /// word fails its CRC; `.unsupportedChip` when the device acknowledges the serial-number command but never
    /// answers it (an SHT3x ignores one-byte commands).
    public init(bus: Bus, address: I2CAddress = Self.defaultAddress, delay: any Delay,
                configuration: Configuration = Configuration()) throws(SensorError) {
        try SensirionWords.requirePlainI2C(bus, chip: "SHT4x")
        guard configuration.notReadyRetries >= 0, configuration.notReadyRetryInterval >= .zero else {
            throw .invalidConfiguration("notReadyRetries and notReadyRetryInterval cannot be negative")
        }
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        do {
            serialNumber = try Self.readSerialNumber(bus, address, delay: delay)
        } catch .timedOut(let detail) {
            throw .unsupportedChip(
                id: 0, detail: "the device at \(address) acknowledged the SHT4x serial-number command 0x89 but "
                    + "sent no serial number (\(detail)); an SHT3x ignores one-byte commands: try sht3x")
        }
        try softReset()
    }

    // MARK: Measuring

    /// Takes one measurement at the configured precision.
    public mutating func read() throws(SensorError) -> Reading {
        try measure(precision: configuration.precision)
    }

    /// Takes one measurement at `precision`: the command, the maximum measurement time, then the 6-byte reply,
    /// retrying a read the chip does not acknowledge (not ready) `notReadyRetries` times.
    public func measure(precision: Precision) throws(SensorError) -> Reading {
        try send(precision.command)
        delay.sleep(for: precision.maximumMeasurementTime)
        return try readMeasurement(what: "SHT4x measurement")
    }

    /// Runs the heater at `power` for `duration` and returns the high-precision measurement the chip takes at
    /// the end of the pulse, while still hot: it reads warmer and drier than the air around it.
    ///
    /// The driver waits the pulse's maximum plus a high-precision measurement time, which covers the reading
    /// whether the chip takes it just before the heater goes off (as the datasheet words it) or just after. The
    /// datasheet limits the heater to a 10 % duty cycle and to ambient temperatures below 65 °C; keeping to that is
    /// the caller's part.
    public func heat(power: HeaterPower, duration: HeaterDuration) throws(SensorError) -> Reading {
        try send(Command.heater(power, duration))
        delay.sleep(for: duration.maximum + Precision.high.maximumMeasurementTime)
        return try readMeasurement(what: "SHT4x heater-pulse measurement")
    }

    // MARK: Identity and maintenance

    /// Reads the serial number again (command 0x89: two words, each with its CRC).
    public func readSerialNumber() throws(SensorError) -> UInt32 {
        try Self.readSerialNumber(bus, address, delay: delay)
    }

    /// Soft-resets the chip (command 0x94) and waits the 1 ms it takes (Table 5).
    public func softReset() throws(SensorError) {
        try send(Command.softReset)
        delay.sleep(for: Self.softResetTime)
    }

    // MARK: Conversion (datasheet §4.6)

    /// Temperature in °C from the raw word: T = -45 + 175 · S_T / (2^16 − 1).
    public static func temperatureCelsius(raw: UInt16) -> Double {
        -45 + 175 * Double(raw) / 65535
    }

    /// Relative humidity in %RH as the formula gives it: RH = -6 + 125 · S_RH / (2^16 − 1), from -6 to 119 %RH.
    public static func unclampedRelativeHumidityPercent(raw: UInt16) -> Double {
        -6 + 125 * Double(raw) / 65535
    }

    /// Relative humidity in %RH, cropped to the physical 0–100 %RH.
    ///
    /// §4.6: the formula's range is wider than the physical one so that the chip's calibration is not cut off at
    /// the ends; values below 0 or above 100 %RH are to be cropped (the datasheet's own quick-start code does so).
    /// Readings report the cropped value.
    public static func relativeHumidityPercent(raw: UInt16) -> Double {
        min(100, max(0, unclampedRelativeHumidityPercent(raw: raw)))
    }

    /// The reading in a 6-byte measurement reply (temperature word, CRC, humidity word, CRC), CRCs checked.
    public static func reading(from bytes: [UInt8]) throws(SensorError) -> Reading {
        let words = try SensirionWords.decode(bytes, names: ["SHT4x temperature", "SHT4x humidity"])
        return Reading(temperatureCelsius: temperatureCelsius(raw: words[0]),
                       relativeHumidityPercent: relativeHumidityPercent(raw: words[1]))
    }

    /// The serial number in a 6-byte serial reply (two words, each with its CRC), most significant word first.
    public static func serialNumber(from bytes: [UInt8]) throws(SensorError) -> UInt32 {
        let words = try SensirionWords.decode(bytes, names: ["SHT4x serial number (high word)",
                                                             "SHT4x serial number (low word)"])
        return UInt32(words[0]) << 16 | UInt32(words[1])
    }

    // MARK: Internals

    /// Reads the serial number: command 0x89, a 1 ms wait, then six bytes, polled while not acknowledged.
    static func readSerialNumber(_ bus: Bus, _ address: I2CAddress, delay: any Delay) throws(SensorError) -> UInt32 {
        try onBus { () throws(HardwareError) in try bus.write(address, [Command.readSerialNumber]) }
        delay.sleep(for: serialNumberWait)
        let bytes = try SensirionWords.readWhenReady(bus, address, count: 6, delay: delay,
                                                     retries: serialNumberRetries, interval: .milliseconds(1),
                                                     what: "SHT4x serial number")
        return try serialNumber(from: bytes)
    }

    private func send(_ command: UInt8) throws(SensorError) {
        try onBus { () throws(HardwareError) in try bus.write(address, [command]) }
    }

    private func readMeasurement(what: String) throws(SensorError) -> Reading {
        let bytes = try SensirionWords.readWhenReady(
            bus, address, count: 6, delay: delay, retries: configuration.notReadyRetries,
            interval: configuration.notReadyRetryInterval, what: what)
        return try Self.reading(from: bytes)
    }
}
