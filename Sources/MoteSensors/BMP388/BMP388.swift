import Foundation
import MoteHAL

/// The two chips the BMP388 driver handles, told apart by CHIP_ID at register 0x00.
public enum BMP388Variant: String, Sendable, CaseIterable {
    /// Bosch BMP388: CHIP_ID 0x50 (BMP388 datasheet §4.3, CHIP_ID).
    case bmp388
    /// Bosch BMP390: CHIP_ID 0x60 (BMP390 datasheet §4.3, CHIP_ID); same register map and compensation.
    case bmp390

    /// The CHIP_ID value this variant reports at register 0x00.
    public var chipID: UInt8 { self == .bmp388 ? 0x50 : 0x60 }

    /// The variant reporting `chipID`, or nil.
    public init?(chipID: UInt8) {
        switch chipID {
        case 0x50: self = .bmp388
        case 0x60: self = .bmp390
        default: return nil
        }
    }
}

/// How a BMP388/BMP390 measures: oversampling, IIR filter and whether pressure is converted (datasheet §3.4, §3.5).
///
/// The defaults are the datasheet's "weather monitoring (lowest power)" use case (§3.5, recommended settings):
/// forced mode, pressure and temperature oversampling ×1, IIR filter off.
public struct BMP388Configuration: Sendable, Equatable {
    /// Oversampling of one channel: `osr_p` / `osr_t` in the OSR register 0x1C (§3.4.1, §3.4.2).
    public enum Oversampling: UInt8, Sendable, CaseIterable {
        case x1 = 0, x2, x4, x8, x16, x32

        /// How many ADC samples one measurement averages.
        public var samples: Int { 1 << Int(rawValue) }
    }

    /// The IIR filter coefficient: `iir_filter` in CONFIG 0x1F, bits 3:1 (§3.4.3); `.off` bypasses it.
    public enum Filter: UInt8, Sendable, CaseIterable {
        case off = 0, coefficient1, coefficient3, coefficient7, coefficient15, coefficient31, coefficient63
        case coefficient127
    }

    /// Pressure oversampling (`osr_p`).
    public var pressureOversampling: Oversampling
    /// Temperature oversampling (`osr_t`).
    public var temperatureOversampling: Oversampling
    /// IIR filter on pressure and temperature.
    public var filter: Filter
    /// Whether pressure is converted (`press_en`); temperature always is, since pressure compensation needs it.
    public var measuresPressure: Bool

    /// Creates a configuration; the defaults are the lowest-power weather-monitoring settings.
    public init(pressureOversampling: Oversampling = .x1, temperatureOversampling: Oversampling = .x1,
                filter: Filter = .off, measuresPressure: Bool = true) {
        self.pressureOversampling = pressureOversampling
        self.temperatureOversampling = temperatureOversampling
        self.filter = filter
        self.measuresPressure = measuresPressure
    }

    /// The OSR register (0x1C): `osr_t` in bits 5:3, `osr_p` in bits 2:0.
    public var oversamplingRegister: UInt8 { temperatureOversampling.rawValue << 3 | pressureOversampling.rawValue }

    /// The CONFIG register (0x1F): `iir_filter` in bits 3:1.
    public var filterRegister: UInt8 { filter.rawValue << 1 }

    /// PWR_CTRL (0x1B) that starts one forced measurement: mode 01 in bits 5:4, `temp_en` bit 1, `press_en` bit 0.
    public var forcedMeasurementPowerControl: UInt8 { 0x10 | 0x02 | (measuresPressure ? 0x01 : 0x00) }

    /// The longest a forced measurement can take (§3.9.2, maximum values):
    /// 234 µs + press_en·(392 µs + 2^osr_p·2020 µs) + temp_en·(163 µs + 2^osr_t·2020 µs).
    public var maximumConversionTime: Duration {
        var microseconds = 234 + 163 + temperatureOversampling.samples * 2_020
        if measuresPressure { microseconds += 392 + pressureOversampling.samples * 2_020 }
        return .microseconds(microseconds)
    }
}

/// The errors ERR_REG (0x02) reports; reading the register clears them (§4.3, ERR_REG).
public struct BMP388ErrorFlags: Sendable, Equatable, CustomStringConvertible {
    /// `fatal_err` (bit 0).
    public var fatal: Bool
    /// `cmd_err` (bit 1): a command failed or was not recognised.
    public var command: Bool
    /// `conf_err` (bit 2): the sensor configuration is inconsistent.
    public var configuration: Bool

    /// Decodes ERR_REG.
    public init(register: UInt8) {
        fatal = register & 0x01 != 0
        command = register & 0x02 != 0
        configuration = register & 0x04 != 0
    }

    /// Whether any error is set.
    public var any: Bool { fatal || command || configuration }

    /// The set flags by their datasheet names (`cmd_err, conf_err`), or `no error`.
    public var description: String {
        let names = [(fatal, "fatal_err"), (command, "cmd_err"), (configuration, "conf_err")].filter(\.0).map(\.1)
        return names.isEmpty ? "no error" : names.joined(separator: ", ")
    }
}

/// Register addresses (BMP388 datasheet §4.3, register map).
enum BMP388Register {
    static let chipID: UInt8 = 0x00
    static let errors: UInt8 = 0x02
    static let status: UInt8 = 0x03
    static let data: UInt8 = 0x04
    static let powerControl: UInt8 = 0x1B
    static let oversampling: UInt8 = 0x1C
    static let filter: UInt8 = 0x1F
    static let calibration: UInt8 = 0x31
    static let command: UInt8 = 0x7E
}

/// A Bosch BMP388 or BMP390 barometric pressure and temperature sensor on I2C, measured in forced mode.
///
/// `init` checks CHIP_ID (0x50 BMP388, 0x60 BMP390 at register 0x00), soft-resets the chip, loads its calibration
/// NVM and writes the oversampling and filter settings, checking ERR_REG for a configuration error. `read()`
/// starts one forced measurement, waits the datasheet's maximum conversion time, checks the STATUS data-ready bits
/// and reads pressure and temperature in one 6-byte burst. Only register reads and single-register writes are
/// used, so SMBus-only adapters work too.
public struct BMP388<Bus: I2CBus>: SensorDriver {
    /// The driver's configuration type.
    public typealias Configuration = BMP388Configuration

    /// The soft-reset command written to CMD 0x7E (§4.3, CMD).
    static var softResetCommand: UInt8 { 0xB6 }
    /// STATUS bits drdy_temp (6) and drdy_press (5) (§4.3, STATUS).
    static var temperatureReadyBit: UInt8 { 0x40 }
    static var pressureReadyBit: UInt8 { 0x20 }
    /// How many times STATUS is read after the conversion time before giving up.
    static var readyPollAttempts: Int { 3 }
    /// The wait between two STATUS reads that found the data not ready.
    static var readyPollInterval: Duration { .milliseconds(1) }

    /// The address with SDO tied to GND; 0x77 with SDO tied to VDDIO (I2C interface, device address).
    public static var defaultAddress: I2CAddress { I2CAddress(0x76)! }

    /// The BMP388's figures for the default configuration (BMP388 datasheet, Table 2 and §3.9.2).
    public static var datasheet: SensorDatasheet { datasheet(for: .bmp388, configuration: Configuration()) }

    /// Timing and currents for `variant` measuring with `configuration`.
    ///
    /// Supply 1.8 V typical; start-up (power-on or soft reset to first communication) 2 ms; measuring current is
    /// the typical peak current during a pressure measurement, sleep the typical sleep-mode current (BMP388 2 µA,
    /// BMP390 1.4 µA). Measurement time is the §3.9.2 maximum for `configuration`.
    public static func datasheet(for variant: BMP388Variant, configuration: Configuration) -> SensorDatasheet {
        let document = variant == .bmp388
            ? "Bosch Sensortec BMP388 datasheet BST-BMP388-DS001 (rev 1.x): Table 2 electrical parameters; §3.9.2"
            : "Bosch Sensortec BMP390 datasheet BST-BMP390-DS002 (rev 1.x): Table 2 electrical parameters; §3.9.2"
        return SensorDatasheet(
            part: variant == .bmp388 ? "Bosch BMP388" : "Bosch BMP390",
            source: document + " measurement time (maximum)",
            supplyVolts: 1.8,
            startupTime: .milliseconds(2),
            measurementTime: configuration.maximumConversionTime,
            currents: [.sleep: variant == .bmp388 ? 2.0e-6 : 1.4e-6, .measuring: 700e-6])
    }

    /// The decoded ERR_REG.
    public typealias ErrorFlags = BMP388ErrorFlags

    /// `bmp388` or `bmp390`, from CHIP_ID.
    public var model: String { variant.rawValue }
    /// Where the chip answers.
    public let address: I2CAddress
    /// Which chip answered.
    public let variant: BMP388Variant
    /// The settings `read()` measures with.
    public let configuration: Configuration
    /// The coefficients loaded from NVM at `init`.
    public let calibration: BMP388Calibration
    /// Timing and currents for this chip and configuration.
    public var datasheet: SensorDatasheet { Self.datasheet(for: variant, configuration: configuration) }

    private let bus: Bus
    private let delay: any Delay

    /// Identifies, soft-resets and configures the chip at `address` and loads its calibration.
    ///
    /// Throws `.unsupportedChip` when CHIP_ID is neither 0x50 nor 0x60, `.notCalibrated` for a blank NVM,
    /// `.invalidConfiguration` when ERR_REG reports the reset or configuration failed, and `.bus` for bus errors.
    public init(bus: Bus, address: I2CAddress = Self.defaultAddress, delay: any Delay,
                configuration: Configuration = .init()) throws(SensorError) {
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        let chipID = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: BMP388Register.chipID, count: 1).first ?? 0
        }
        guard let variant = BMP388Variant(chipID: chipID) else {
            throw .unsupportedChip(
                id: UInt32(chipID),
                detail: "register 0x00 at \(address) on \(bus.name) reads 0x\(hex2(chipID)), not a BMP388 (0x50) "
                    + "or BMP390 (0x60) chip id")
        }
        self.variant = variant
        try Self.softReset(bus: bus, address: address, delay: delay)
        let nvm = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: BMP388Register.calibration, count: BMP388Calibration.nvmLength)
        }
        calibration = try BMP388Calibration(nvm: nvm)
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: BMP388Register.oversampling, [configuration.oversamplingRegister])
            try bus.writeRegisters(address, at: BMP388Register.filter, [configuration.filterRegister])
        }
        let errors = try Self.readErrors(bus: bus, address: address)
        if errors.any {
            throw .invalidConfiguration(
                "\(variant.rawValue) at \(address) rejected OSR 0x\(hex2(configuration.oversamplingRegister)) / "
                    + "CONFIG 0x\(hex2(configuration.filterRegister)): ERR_REG \(errors)")
        }
    }

    /// Takes one forced measurement: pressure (unless disabled) and temperature.
    public mutating func read() throws(SensorError) -> Reading {
        let bus = bus
        let address = address
        let powerControl = configuration.forcedMeasurementPowerControl
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: BMP388Register.powerControl, [powerControl])
        }
        delay.sleep(for: configuration.maximumConversionTime)
        let needed = Self.temperatureReadyBit | (configuration.measuresPressure ? Self.pressureReadyBit : 0)
        var status: UInt8 = 0
        for attempt in 1...Self.readyPollAttempts {
            status = try onBus { () throws(HardwareError) in
                try bus.readRegisters(address, from: BMP388Register.status, count: 1).first ?? 0
            }
            if status & needed == needed { break }
            if attempt == Self.readyPollAttempts {
                let errors = try Self.readErrors(bus: bus, address: address)
                throw .timedOut(
                    "\(variant.rawValue) at \(address): STATUS 0x\(hex2(status)) still lacks data-ready "
                        + "\(configuration.maximumConversionTime) after a forced measurement; ERR_REG \(errors)")
            }
            delay.sleep(for: Self.readyPollInterval)
        }
        let data = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: BMP388Register.data, count: 6)
        }
        return try calibration.reading(data: data, measuresPressure: configuration.measuresPressure)
    }

    /// Soft-resets the chip (CMD 0xB6), waits its start-up time and checks ERR_REG for a failed command.
    ///
    /// The reset returns every register to its default, so the configuration must be written again; `init` does.
    public func softReset() throws(SensorError) {
        try Self.softReset(bus: bus, address: address, delay: delay)
    }

    /// Reads (and so clears) ERR_REG.
    public func readErrors() throws(SensorError) -> ErrorFlags {
        try Self.readErrors(bus: bus, address: address)
    }

    private static func softReset(bus: Bus, address: I2CAddress, delay: any Delay) throws(SensorError) {
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: BMP388Register.command, [softResetCommand])
        }
        delay.sleep(for: datasheet.startupTime)
        let errors = try readErrors(bus: bus, address: address)
        if errors.command || errors.fatal {
            throw .invalidConfiguration("soft reset of the chip at \(address) failed: ERR_REG \(errors)")
        }
    }

    private static func readErrors(bus: Bus, address: I2CAddress) throws(SensorError) -> ErrorFlags {
        let register = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: BMP388Register.errors, count: 1).first ?? 0
        }
        return ErrorFlags(register: register)
    }
}
