import Foundation
import MoteHAL

/// A Texas Instruments TMP102 digital temperature sensor (datasheet SBOS397, revision I, June 2024).
///
/// A pointer-register chip at 0x48–0x4B with four 16-bit big-endian registers (§6.5.1): temperature, configuration,
/// TLOW and THIGH. It works on SMBus-only adapters (SMBus read/write word). The default mode keeps the chip shut down
/// (SD) and starts one conversion per reading with the one-shot bit (OS), which reads 1 again once the conversion is
/// done (§6.4.4). The chip has no id register, so identification and `init` rely on the configuration register's
/// read-only bits (see `SensorFamily.tmp102`).
public struct TMP102<Bus: I2CBus>: SensorDriver {
    /// What the driver sets up on the chip (configuration register 0x01, §6.5.3).
    public struct Configuration: Sendable, Equatable {
        /// How readings are taken.
        public enum Mode: Sendable, Equatable {
            /// Shut down (SD = 1) between readings; each reading starts one conversion with OS. The default.
            case oneShot
            /// Continuous conversion at `conversionRate`; a reading returns the latest conversion.
            case continuous
        }

        /// Continuous-mode conversion rate (CR1:CR0, bits 7:6; §6.5.3.9).
        public enum ConversionRate: Sendable, Equatable, CaseIterable {
            /// 0.25 Hz (00).
            case quarterHertz
            /// 1 Hz (01).
            case oneHertz
            /// 4 Hz (10, the power-up default).
            case fourHertz
            /// 8 Hz (11).
            case eightHertz

            /// The time between two conversions.
            public var period: Duration {
                switch self {
                case .quarterHertz: return .seconds(4)
                case .oneHertz: return .seconds(1)
                case .fourHertz: return .milliseconds(250)
                case .eightHertz: return .milliseconds(125)
                }
            }

            /// The two CR bits.
            var bits: UInt16 {
                switch self {
                case .quarterHertz: return 0b00
                case .oneHertz: return 0b01
                case .fourHertz: return 0b10
                case .eightHertz: return 0b11
                }
            }
        }

        /// Consecutive faults before the alert changes (F1:F0, bits 12:11; §6.5.3.4).
        public enum FaultQueue: Sendable, Equatable, CaseIterable {
            /// 1, 2, 4 or 6 consecutive faults (00, 01, 10, 11).
            case one, two, four, six

            /// The two F bits.
            var bits: UInt16 {
                switch self {
                case .one: return 0b00
                case .two: return 0b01
                case .four: return 0b10
                case .six: return 0b11
                }
            }
        }

        /// One-shot unless set.
        public var mode: Mode
        /// 4 Hz unless set; used in continuous mode.
        public var conversionRate: ConversionRate
        /// 13-bit extended mode (EM, bit 4; §6.4.2): range up to 150 °C, same 0.0625 °C step. Off unless set.
        public var extendedRange: Bool
        /// Interrupt instead of comparator thermostat mode (TM, bit 9; §6.4.5).
        public var thermostatInterruptMode: Bool
        /// ALERT pin active high instead of active low (POL, bit 10; §6.5.3.3).
        public var alertActiveHigh: Bool
        /// Fault queue length; one unless set.
        public var faultQueue: FaultQueue

        /// Creates a configuration; the defaults are the power-up settings except for one-shot mode.
        public init(mode: Mode = .oneShot, conversionRate: ConversionRate = .fourHertz, extendedRange: Bool = false,
                    thermostatInterruptMode: Bool = false, alertActiveHigh: Bool = false,
                    faultQueue: FaultQueue = .one) {
            self.mode = mode
            self.conversionRate = conversionRate
            self.extendedRange = extendedRange
            self.thermostatInterruptMode = thermostatInterruptMode
            self.alertActiveHigh = alertActiveHigh
            self.faultQueue = faultQueue
        }

        /// The configuration register word (§6.5.3): OS 15, R1:R0 14:13 (read-only, written as their fixed 11),
        /// F1:F0 12:11, POL 10, TM 9, SD 8, CR1:CR0 7:6, EM 4.
        public func configRegister(startOneShot: Bool = false) -> UInt16 {
            var value: UInt16 = 0b11 << 13 | faultQueue.bits << 11 | conversionRate.bits << 6
            if startOneShot { value |= 1 << 15 }
            if alertActiveHigh { value |= 1 << 10 }
            if thermostatInterruptMode { value |= 1 << 9 }
            if mode == .oneShot { value |= 1 << 8 }
            if extendedRange { value |= 1 << 4 }
            return value
        }
    }

    /// The address with ADD0 tied to ground (§6.3.4: GND 0x48, V+ 0x49, SDA 0x4A, SCL 0x4B).
    public static var defaultAddress: I2CAddress { I2CAddress(0x48)! }
    /// The configuration register's power-up/reset value (§6.5.3).
    public static var powerUpConfiguration: UInt16 { 0x60A0 }

    /// Register pointers (§6.5.1, P1:P0).
    enum Register {
        static var temperature: UInt8 { 0x00 }
        static var configuration: UInt8 { 0x01 }
        static var lowLimit: UInt8 { 0x02 }
        static var highLimit: UInt8 { 0x03 }
    }

    /// Maximum conversion time (§5.5: 26 ms typical, 35 ms maximum).
    public static var conversionTime: Duration { .milliseconds(35) }
    /// How often the OS bit is read for completion after the conversion time before giving up.
    static var readyPollAttempts: Int { 5 }
    /// The wait between two OS reads that still show the conversion running.
    static var readyPollInterval: Duration { .milliseconds(5) }

    /// The chip this driver reads: `tmp102`.
    public let model = "tmp102"
    /// Where the chip answers.
    public let address: I2CAddress
    /// The configuration the chip was given.
    public let configuration: Configuration
    private let bus: Bus
    private let delay: any Delay
    private var awaitingFirstConversion = true

    /// Checks the configuration register's read-only bits, then writes the configuration.
    ///
    /// The TMP102 has no id register and no device-specific reset (the general-call reset would reset every chip
    /// on the bus that obeys it), so `init` writes the whole configuration register and leaves TLOW/THIGH as
    /// they are. A register that fails the read-only-bit check throws `.unsupportedChip` with what was read.
    public init(bus: Bus, address: I2CAddress = TMP102.defaultAddress, delay: any Delay,
                configuration: Configuration = .init()) throws(SensorError) {
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        let current = try BigEndianWordAccess.read(bus, address, register: Register.configuration)
        guard Self.hasFixedConfigurationBits(current) else {
            throw .unsupportedChip(
                id: UInt32(current),
                detail: "register 0x01 at \(address) reads 0x\(String(current, radix: 16)); a TMP102 reads R1:R0 = 11 "
                    + "and bits 3:0 = 0 there (power-up value 0x60a0)")
        }
        try BigEndianWordAccess.write(bus, address, register: Register.configuration, configuration.configRegister())
    }

    /// Takes one reading: in one-shot mode starts a conversion, waits 35 ms and checks OS (in continuous mode the
    /// first reading waits one period plus 35 ms, so that the value was converted with the new settings); then
    /// reads the temperature register and checks its fixed bits.
    public mutating func read() throws(SensorError) -> Reading {
        switch configuration.mode {
        case .oneShot:
            try BigEndianWordAccess.write(bus, address, register: Register.configuration,
                                          configuration.configRegister(startOneShot: true))
            delay.sleep(for: Self.conversionTime)
            try waitForOneShot()
        case .continuous:
            if awaitingFirstConversion {
                // A conversion that ends after the configuration was written may start up to one period later.
                delay.sleep(for: configuration.conversionRate.period + Self.conversionTime)
                awaitingFirstConversion = false
            }
        }
        let raw = try BigEndianWordAccess.read(bus, address, register: Register.temperature)
        try Self.checkTemperatureFormat(raw, extended: configuration.extendedRange)
        return Reading(temperatureCelsius: Self.celsius(fromTemperature: raw))
    }

    /// Reads OS until it is 1 (conversion done, §6.4.4), at most `readyPollAttempts` times.
    private func waitForOneShot() throws(SensorError) {
        for attempt in 1...Self.readyPollAttempts {
            let value = try BigEndianWordAccess.read(bus, address, register: Register.configuration)
            if value & 0x8000 != 0 { return }
            if attempt < Self.readyPollAttempts { delay.sleep(for: Self.readyPollInterval) }
        }
        throw .timedOut("TMP102 at \(address) still converting \(Self.readyPollAttempts) reads after 35 ms (OS = 0)")
    }

    /// Whether the thermostat alert is active: the AL bit (5) equals POL (10) when it is (§6.5.3.8).
    public func alertActive() throws(SensorError) -> Bool {
        let value = try BigEndianWordAccess.read(bus, address, register: Register.configuration)
        return (value >> 5) & 1 == (value >> 10) & 1
    }

    /// Reads TLOW and THIGH (§6.5.4) in the format the configuration's EM bit selects.
    public func limits() throws(SensorError) -> (lowCelsius: Double, highCelsius: Double) {
        let low = try BigEndianWordAccess.read(bus, address, register: Register.lowLimit)
        let high = try BigEndianWordAccess.read(bus, address, register: Register.highLimit)
        return (Self.celsius(fromLimit: low, extended: configuration.extendedRange),
                Self.celsius(fromLimit: high, extended: configuration.extendedRange))
    }

    /// Writes TLOW and THIGH, rounded to 0.0625 °C and clamped to the configured format's range.
    public func setLimits(lowCelsius: Double, highCelsius: Double) throws(SensorError) {
        try BigEndianWordAccess.write(bus, address, register: Register.lowLimit,
                                      Self.limitRegister(celsius: lowCelsius, extended: configuration.extendedRange))
        try BigEndianWordAccess.write(bus, address, register: Register.highLimit,
                                      Self.limitRegister(celsius: highCelsius, extended: configuration.extendedRange))
    }

    // MARK: - Conversions (pure)

    /// Whether a configuration register word has the bits every TMP102 fixes: R1:R0 = 11 and D3:D0 = 0 (§6.5.3).
    public static func hasFixedConfigurationBits(_ value: UInt16) -> Bool {
        value & 0x600F == 0x6000
    }

    /// °C from the temperature register (§6.5.2): two's complement, 0.0625 °C per step, left-aligned; bit 0 says
    /// which format it is in (0: 12 bits in 15:4; 1: extended, 13 bits in 15:3).
    public static func celsius(fromTemperature raw: UInt16) -> Double {
        let shift: Int16 = raw & 1 == 1 ? 3 : 4
        return Double(Int16(bitPattern: raw) >> shift) / 16
    }

    /// °C from TLOW or THIGH, whose format follows EM like the temperature register's but with D0 = 0 (§6.5.4).
    public static func celsius(fromLimit raw: UInt16, extended: Bool) -> Double {
        Double(Int16(bitPattern: raw) >> (extended ? 3 : 4)) / 16
    }

    /// The TLOW/THIGH word for `celsius` in the 12-bit or extended 13-bit format, rounded to 0.0625 °C.
    public static func limitRegister(celsius: Double, extended: Bool) -> UInt16 {
        let limit: Double = extended ? 4_095 : 2_047
        let steps = max(-limit - 1, min(limit, (celsius * 16).rounded()))
        return UInt16(bitPattern: Int16(steps) << (extended ? 3 : 4))
    }

    /// Checks the temperature register's fixed bits (§6.5.2): D0 matches EM, and the unused bits below the data
    /// read 0. Line noise shows up here, since the chip has no checksum.
    static func checkTemperatureFormat(_ raw: UInt16, extended: Bool) throws(SensorError) {
        let valid = extended ? raw & 0x0007 == 0x0001 : raw & 0x000F == 0
        guard valid else {
            throw .implausibleData(
                "TMP102 temperature register 0x\(String(raw, radix: 16)): in \(extended ? "13" : "12")-bit mode "
                    + "bits \(extended ? "2:1 read 0 and bit 0 reads 1" : "3:0 read 0")")
        }
    }

    // MARK: - Datasheet

    /// Timing and supply currents with the default configuration.
    public static var datasheet: SensorDatasheet {
        SensorDatasheet(
            part: "Texas Instruments TMP102",
            source: "TI SBOS397I (June 2024): §5.5 conversion time 26 ms typ, 35 ms max; features list: quiescent "
                + "current 10 µA active (max), 1 µA shutdown (max) — maxima, as no typical figures were at hand",
            supplyVolts: 3.3,
            startupTime: conversionTime,
            measurementTime: conversionTime,
            currents: [.sleep: 1e-6, .measuring: 10e-6])
    }

    /// Timing and supply currents; they do not depend on the configuration.
    public var datasheet: SensorDatasheet { Self.datasheet }
}
