import Foundation
import MoteHAL

/// A Microchip MCP9808 digital temperature sensor (datasheet DS25095A, 2011).
///
/// A pointer-register chip at 0x18–0x1F with 16-bit big-endian registers; it works on SMBus-only adapters (SMBus
/// read/write word, byte data for the 8-bit resolution register). The chip converts continuously unless shut down
/// (CONFIG bit 8) and has no one-shot command and no ready bit, so the default mode wakes it for each reading, waits
/// one conversion and shuts it down again. The ambient temperature register carries three alert flags in bits 15:13
/// (§5.1.3), which the driver masks off the temperature and exposes as `lastAlertFlags`.
public struct MCP9808<Bus: I2CBus>: SensorDriver {
    /// What the driver sets up on the chip (CONFIG register 0x01 §5.1.1, resolution register 0x08 §5.1.6).
    public struct Configuration: Sendable, Equatable {
        /// Temperature resolution (resolution register 0x08, bits 1:0) and its conversion time (§5.1.6).
        public enum Resolution: Sendable, Equatable, CaseIterable {
            /// 0.5 °C, 30 ms (00).
            case halfDegree
            /// 0.25 °C, 65 ms (01).
            case quarterDegree
            /// 0.125 °C, 130 ms (10).
            case eighthDegree
            /// 0.0625 °C, 250 ms (11, the power-up default).
            case sixteenthDegree

            /// The resolution register's value.
            public var registerValue: UInt8 {
                switch self {
                case .halfDegree: return 0b00
                case .quarterDegree: return 0b01
                case .eighthDegree: return 0b10
                case .sixteenthDegree: return 0b11
                }
            }

            /// One step of the temperature register at this resolution, in °C.
            public var celsiusPerStep: Double {
                switch self {
                case .halfDegree: return 0.5
                case .quarterDegree: return 0.25
                case .eighthDegree: return 0.125
                case .sixteenthDegree: return 0.0625
                }
            }
        }

        /// Whether the chip converts all the time or only around each reading.
        public enum Mode: Sendable, Equatable {
            /// SHDN set between readings: each reading wakes the chip, waits one conversion and shuts it down
            /// (0.1 µA instead of 200 µA between readings). The default, for weather monitoring.
            case shutdownBetweenReadings
            /// Continuous conversion: a reading returns the latest completed conversion at once.
            case continuous
        }

        /// Alert output hysteresis (THYST, CONFIG bits 10:9), applied to falling temperatures.
        public enum Hysteresis: Sendable, Equatable, CaseIterable {
            /// 0 °C (00, power-up default).
            case none
            /// +1.5 °C (01).
            case oneAndAHalfDegrees
            /// +3.0 °C (10).
            case threeDegrees
            /// +6.0 °C (11).
            case sixDegrees

            /// The two THYST bits.
            var bits: UInt16 {
                switch self {
                case .none: return 0b00
                case .oneAndAHalfDegrees: return 0b01
                case .threeDegrees: return 0b10
                case .sixDegrees: return 0b11
                }
            }
        }

        /// How the Alert pin behaves (CONFIG bits 3:0, §5.2.3).
        public struct AlertOutput: Sendable, Equatable {
            /// Whether the Alert pin is driven at all (Alert Cnt, bit 3).
            public var enabled: Bool
            /// Interrupt instead of comparator output (Alert Mod, bit 0).
            public var interruptMode: Bool
            /// Active-high instead of active-low (Alert Pol, bit 1).
            public var activeHigh: Bool
            /// Only TA ≥ TCRIT drives the pin (Alert Sel, bit 2).
            public var criticalOnly: Bool

            /// Creates an alert setup; the defaults (all off) are the power-up state.
            public init(enabled: Bool = false, interruptMode: Bool = false, activeHigh: Bool = false,
                        criticalOnly: Bool = false) {
                self.enabled = enabled
                self.interruptMode = interruptMode
                self.activeHigh = activeHigh
                self.criticalOnly = criticalOnly
            }
        }

        /// Resolution; 0.0625 °C (the power-up default) unless set.
        public var resolution: Resolution
        /// Shut down between readings unless set.
        public var mode: Mode
        /// Alert hysteresis; none unless set.
        public var hysteresis: Hysteresis
        /// Alert pin setup; disabled unless set.
        public var alertOutput: AlertOutput

        /// Creates a configuration.
        public init(resolution: Resolution = .sixteenthDegree, mode: Mode = .shutdownBetweenReadings,
                    hysteresis: Hysteresis = .none, alertOutput: AlertOutput = AlertOutput()) {
            self.resolution = resolution
            self.mode = mode
            self.hysteresis = hysteresis
            self.alertOutput = alertOutput
        }

        /// The CONFIG register word (§5.1.1) with SHDN (bit 8) as given; the lock bits are left clear.
        public func configRegister(shutdown: Bool) -> UInt16 {
            var value = hysteresis.bits << 9
            if shutdown { value |= 1 << 8 }
            if alertOutput.enabled { value |= 1 << 3 }
            if alertOutput.criticalOnly { value |= 1 << 2 }
            if alertOutput.activeHigh { value |= 1 << 1 }
            if alertOutput.interruptMode { value |= 1 << 0 }
            return value
        }
    }

    /// The alert flags of the ambient temperature register, bits 15:13 (§5.1.3).
    public struct AlertFlags: OptionSet, Sendable, Hashable {
        /// Bits 15:13 of the register, shifted down to 2:0.
        public let rawValue: UInt8
        /// Creates flags from bits 15:13 shifted down to 2:0.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// Bit 15: TA ≥ TCRIT.
        public static var critical: AlertFlags { AlertFlags(rawValue: 1 << 2) }
        /// Bit 14: TA > TUPPER.
        public static var aboveUpper: AlertFlags { AlertFlags(rawValue: 1 << 1) }
        /// Bit 13: TA < TLOWER.
        public static var belowLower: AlertFlags { AlertFlags(rawValue: 1 << 0) }
    }

    /// The three alert limits (TUPPER 0x02, TLOWER 0x03, TCRIT 0x04; 0.25 °C steps, §5.1.2).
    public struct Limits: Sendable, Equatable {
        /// TUPPER: the upper window boundary.
        public var upperCelsius: Double
        /// TLOWER: the lower window boundary.
        public var lowerCelsius: Double
        /// TCRIT: the critical temperature.
        public var criticalCelsius: Double

        /// Creates a set of limits.
        public init(upperCelsius: Double, lowerCelsius: Double, criticalCelsius: Double) {
            self.upperCelsius = upperCelsius
            self.lowerCelsius = lowerCelsius
            self.criticalCelsius = criticalCelsius
        }
    }

    /// The address with A2 A1 A0 tied low (0011 A2 A1 A0, §4.1.4, Table 3-2).
    public static var defaultAddress: I2CAddress { I2CAddress(0x18)! }
    /// Microchip's manufacturer id, register 0x06 (§5.1.4).
    public static var manufacturerID: UInt16 { 0x0054 }
    /// The MCP9808's device id, the upper byte of register 0x07 (§5.1.5).
    public static var deviceID: UInt8 { 0x04 }

    /// Register pointers (§5.1, Register 5-1).
    enum Register {
        static var configuration: UInt8 { 0x01 }
        static var upperLimit: UInt8 { 0x02 }
        static var lowerLimit: UInt8 { 0x03 }
        static var criticalLimit: UInt8 { 0x04 }
        static var ambientTemperature: UInt8 { 0x05 }
        static var manufacturerID: UInt8 { 0x06 }
        static var deviceID: UInt8 { 0x07 }
        static var resolution: UInt8 { 0x08 }
    }

    /// The chip this driver reads: `mcp9808`.
    public let model = "mcp9808"
    /// Where the chip answers.
    public let address: I2CAddress
    /// The device revision, the lower byte of register 0x07 (§5.1.5).
    public let deviceRevision: UInt8
    /// The configuration the chip was given.
    public let configuration: Configuration
    /// The alert flags of the last reading (bits 15:13 of the ambient temperature register).
    public private(set) var lastAlertFlags: AlertFlags = []
    private let bus: Bus
    private let delay: any Delay
    private var awaitingFirstConversion: Bool

    /// Identifies the chip by its manufacturer and device ids and writes the resolution and configuration.
    ///
    /// The MCP9808 has no software reset; writing the whole CONFIG register sets every writable bit. Lock bits set
    /// by an earlier user stay set until power-off, and while they are set the chip ignores SHDN (§5.1.1): it then
    /// converts continuously, and readings still work.
    public init(bus: Bus, address: I2CAddress = MCP9808.defaultAddress, delay: any Delay,
                configuration: Configuration = .init()) throws(SensorError) {
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        self.awaitingFirstConversion = true
        let manufacturer = try BigEndianWordAccess.read(bus, address, register: Register.manufacturerID)
        let device = try BigEndianWordAccess.read(bus, address, register: Register.deviceID)
        guard manufacturer == Self.manufacturerID, UInt8(device >> 8) == Self.deviceID else {
            throw .unsupportedChip(
                id: UInt32(manufacturer) << 16 | UInt32(device),
                detail: "registers 0x06/0x07 at \(address) read 0x\(String(manufacturer, radix: 16))/"
                    + "0x\(String(device, radix: 16)); an MCP9808 reads manufacturer 0x54 and device 0x04xx")
        }
        deviceRevision = UInt8(device & 0xFF)
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: Register.resolution, [configuration.resolution.registerValue])
        }
        try BigEndianWordAccess.write(
            bus, address, register: Register.configuration,
            configuration.configRegister(shutdown: configuration.mode == .shutdownBetweenReadings))
    }

    /// Takes one reading: wakes the chip and waits one conversion when it was shut down, reads TA and masks the
    /// alert flags off it (§5.1.3).
    public mutating func read() throws(SensorError) -> Reading {
        let allowance = Self.conversionAllowance(configuration.resolution)
        let raw: UInt16
        switch configuration.mode {
        case .continuous:
            if awaitingFirstConversion {
                delay.sleep(for: allowance)
                awaitingFirstConversion = false
            }
            raw = try BigEndianWordAccess.read(bus, address, register: Register.ambientTemperature)
        case .shutdownBetweenReadings:
            try writeConfiguration(shutdown: false)
            do throws(SensorError) {
                delay.sleep(for: allowance)
                raw = try BigEndianWordAccess.read(bus, address, register: Register.ambientTemperature)
            } catch {
                // Best effort: do not leave the chip drawing 200 µA until the next reading.
                try? writeConfiguration(shutdown: true)
                throw error
            }
            try writeConfiguration(shutdown: true)
        }
        try Self.checkUnusedBits(raw, resolution: configuration.resolution)
        let (celsius, flags) = Self.decodeAmbient(raw)
        lastAlertFlags = flags
        return Reading(temperatureCelsius: celsius)
    }

    /// Reads the alert limits TUPPER, TLOWER and TCRIT.
    public func limits() throws(SensorError) -> Limits {
        let upper = try BigEndianWordAccess.read(bus, address, register: Register.upperLimit)
        let lower = try BigEndianWordAccess.read(bus, address, register: Register.lowerLimit)
        let critical = try BigEndianWordAccess.read(bus, address, register: Register.criticalLimit)
        return Limits(upperCelsius: Self.celsius(fromLimit: upper), lowerCelsius: Self.celsius(fromLimit: lower),
                      criticalCelsius: Self.celsius(fromLimit: critical))
    }

    /// Writes the alert limits, rounded to 0.25 °C; a locked chip (CONFIG bits 7:6) keeps its old limits.
    public func setLimits(_ limits: Limits) throws(SensorError) {
        try BigEndianWordAccess.write(bus, address, register: Register.upperLimit,
                                      Self.limitRegister(celsius: limits.upperCelsius))
        try BigEndianWordAccess.write(bus, address, register: Register.lowerLimit,
                                      Self.limitRegister(celsius: limits.lowerCelsius))
        try BigEndianWordAccess.write(bus, address, register: Register.criticalLimit,
                                      Self.limitRegister(celsius: limits.criticalCelsius))
    }

    private func writeConfiguration(shutdown: Bool) throws(SensorError) {
        try BigEndianWordAccess.write(bus, address, register: Register.configuration,
                                      configuration.configRegister(shutdown: shutdown))
    }

    // MARK: - Conversions (pure)

    /// Splits the ambient temperature register into °C and the alert flags (§5.1.3, Equation 5-1).
    ///
    /// Bits 15:13 are the flags; bits 12:0 are the temperature in two's complement with 1/16 °C per step. Equation
    /// 5-1 prints the negative branch as 256 − (UpperByte·2^4 + LowerByte·2^−4), the magnitude; the value is that
    /// sum minus 256, which is what sign-extending the 13 bits gives.
    public static func decodeAmbient(_ raw: UInt16) -> (celsius: Double, flags: AlertFlags) {
        (celsius(fromThirteenBits: raw), AlertFlags(rawValue: UInt8(raw >> 13)))
    }

    /// Checks that the temperature bits finer than `resolution` read 0, as they do on the chip (§5.1.3, TA register
    /// note 2). It is the only integrity check the chip allows, having no checksum, and it is empty at 0.0625 °C.
    static func checkUnusedBits(_ raw: UInt16, resolution: Configuration.Resolution) throws(SensorError) {
        let unused: UInt16 = switch resolution {
        case .halfDegree: 0x0007
        case .quarterDegree: 0x0003
        case .eighthDegree: 0x0001
        case .sixteenthDegree: 0x0000
        }
        guard raw & unused == 0 else {
            throw .implausibleData(
                "MCP9808 temperature register 0x\(String(raw, radix: 16)) has bits set below the "
                    + "\(resolution.celsiusPerStep) °C resolution; they read 0")
        }
    }

    /// A limit register (two's complement in bits 12:2, 0.25 °C steps, §5.1.2) in °C.
    public static func celsius(fromLimit raw: UInt16) -> Double {
        celsius(fromThirteenBits: raw & 0x1FFC)
    }

    /// The limit register word for `celsius`, rounded to 0.25 °C and clamped to the register's −256…+255.75 °C.
    public static func limitRegister(celsius: Double) -> UInt16 {
        let quarters = max(-1_024, min(1_023, (celsius * 4).rounded()))
        return UInt16(bitPattern: Int16(quarters) << 2) & 0x1FFC
    }

    private static func celsius(fromThirteenBits raw: UInt16) -> Double {
        let signExtended = Int16(bitPattern: (raw & 0x1FFF) << 3) >> 3
        return Double(signExtended) / 16
    }

    /// Typical conversion time for `resolution` (§5.1.6 and tCONV in the DC characteristics: 30, 65, 130, 250 ms;
    /// no maximum is given).
    public static func conversionTime(_ resolution: Configuration.Resolution) -> Duration {
        switch resolution {
        case .halfDegree: return .milliseconds(30)
        case .quarterDegree: return .milliseconds(65)
        case .eighthDegree: return .milliseconds(130)
        case .sixteenthDegree: return .milliseconds(250)
        }
    }

    /// What the driver waits for one conversion: the typical time plus 10 %, since the chip has no ready bit and
    /// the datasheet gives no maximum.
    public static func conversionAllowance(_ resolution: Configuration.Resolution) -> Duration {
        conversionTime(resolution) * 11 / 10
    }

    // MARK: - Datasheet

    /// Timing and supply currents with the default configuration.
    public static var datasheet: SensorDatasheet { datasheet(for: Configuration()) }

    /// Timing and supply currents with this driver's configuration.
    public var datasheet: SensorDatasheet { Self.datasheet(for: configuration) }

    /// The datasheet figures for `configuration` (typical values, VDD = 3.3 V).
    public static func datasheet(for configuration: Configuration) -> SensorDatasheet {
        SensorDatasheet(
            part: "Microchip MCP9808",
            source: "Microchip DS25095A (2011), DC Characteristics: operating current 200 µA typ (400 µA max), "
                + "shutdown current 0.1 µA typ (2 µA max); §5.1.6 conversion times (typical, +10 % allowed); "
                + "start-up = one conversion at the power-up resolution",
            supplyVolts: 3.3,
            startupTime: conversionTime(.sixteenthDegree),
            measurementTime: conversionAllowance(configuration.resolution),
            currents: [.sleep: 0.1e-6, .measuring: 200e-6])
    }
}
