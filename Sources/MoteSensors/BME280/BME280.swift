import Foundation
import MoteHAL

/// Register addresses and fixed values of the BME280/BMP280 (BME280 datasheet §5.3, Table 18; BMP280 datasheet
/// §4.2, Table 18).
enum BME280Register {
    /// "id": the chip id (§5.4.1).
    static let chipID: UInt8 = 0xD0
    /// "reset": writing 0xB6 performs a power-on reset (§5.4.2).
    static let reset: UInt8 = 0xE0
    /// The value that triggers the soft reset (§5.4.2).
    static let resetCommand: UInt8 = 0xB6
    /// "ctrl_hum": humidity oversampling, effective after the next ctrl_meas write (§5.4.3; BME280 only).
    static let controlHumidity: UInt8 = 0xF2
    /// "status": bit 3 `measuring`, bit 0 `im_update` (§5.4.4).
    static let status: UInt8 = 0xF3
    /// "ctrl_meas": temperature/pressure oversampling and mode (§5.4.5).
    static let controlMeasurement: UInt8 = 0xF4
    /// "config": standby time, IIR filter, SPI 3-wire (§5.4.6).
    static let config: UInt8 = 0xF5
    /// "press_msb": first of the data registers 0xF7…0xFE (§5.4.7–5.4.9).
    static let data: UInt8 = 0xF7
    /// "calib00": first of the temperature/pressure trimming block 0x88…0xA1, dig_H1 included (§4.2.2, Table 16).
    static let temperaturePressureCalibration: UInt8 = 0x88
    /// "calib26": first of the humidity trimming block 0xE1…0xE7 (§4.2.2, Table 16; BME280 only).
    static let humidityCalibration: UInt8 = 0xE1
    /// The id a BME680 reports at 0xD0 (BME680 datasheet §5.3.3.1): a different chip at the same addresses.
    static let bme680ChipID: UInt8 = 0x61
}

/// The datasheet figures for the two chips.
public enum BME280Datasheets {
    /// Bosch BME280 with the default (weather-monitoring) configuration.
    ///
    /// BME280 datasheet BST-BME280-DS002-15, rev. 1.6 (Sept. 2018): Table 1 (V_DD typ. 1.8 V; I_DDSL 0.1 µA typ.;
    /// I_DDT 350 µA, I_DDP 714 µA, I_DDH 340 µA typ.; start-up 2 ms) and §9.1 (t_measure,max 9.3 ms at ×1/×1/×1).
    /// Measuring current is the time-weighted mean of the channel currents over their maximum conversion times.
    public static let bme280 = datasheet(for: .bme280, configuration: BME280Configuration())

    /// Bosch BMP280 with the default configuration.
    ///
    /// BMP280 datasheet BST-BMP280-DS001 rev. 1.14 (May 2015): Table 2 (V_DD typ. 1.8 V; sleep 0.1 µA typ.;
    /// standby 0.2 µA typ.; peak current while measuring 720 µA typ.; start-up 2 ms) and §3.8.1, Table 13
    /// (t_measure,max 6.4 ms at ×1/×1).
    public static let bmp280 = datasheet(for: .bmp280, configuration: BME280Configuration())

    /// The figures for `chip` measuring with `configuration`: its maximum measurement time, and the standby rather
    /// than the sleep current between conversions in normal mode.
    public static func datasheet(for chip: BME280Chip, configuration: BME280Configuration) -> SensorDatasheet {
        let measurementTime = configuration.maximumMeasurementTime(on: chip)
        switch chip {
        case .bme280:
            // BME280 Table 1: I_DDSL 0.1 µA, I_DDSB 0.2 µA, I_DDT 350 µA, I_DDP 714 µA, I_DDH 340 µA (typical).
            var weightedMicroampMicroseconds = 350.0 * Double(2_300 * configuration.temperatureOversampling.samples)
            var activeMicroseconds = Double(2_300 * configuration.temperatureOversampling.samples)
            if configuration.pressureOversampling != .skipped {
                let time = Double(2_300 * configuration.pressureOversampling.samples + 575)
                weightedMicroampMicroseconds += 714 * time
                activeMicroseconds += time
            }
            if configuration.humidityOversampling != .skipped {
                let time = Double(2_300 * configuration.humidityOversampling.samples + 575)
                weightedMicroampMicroseconds += 340 * time
                activeMicroseconds += time
            }
            let measuring = weightedMicroampMicroseconds / max(activeMicroseconds, 1) * 1e-6
            return SensorDatasheet(
                part: "Bosch Sensortec BME280",
                source: "BME280 datasheet BST-BME280-DS002-15 rev. 1.6 (2018-09), Table 1 and Appendix B §9.1",
                supplyVolts: 1.8, startupTime: .milliseconds(2), measurementTime: measurementTime,
                currents: [.sleep: configuration.mode == .normal ? 0.2e-6 : 0.1e-6, .measuring: measuring])
        case .bmp280:
            return SensorDatasheet(
                part: "Bosch Sensortec BMP280",
                source: "BMP280 datasheet BST-BMP280-DS001 rev. 1.14 (2015-05), Table 2 and §3.8.1 Table 13",
                supplyVolts: 1.8, startupTime: .milliseconds(2), measurementTime: measurementTime,
                currents: [.sleep: configuration.mode == .normal ? 0.2e-6 : 0.1e-6, .measuring: 720e-6])
        }
    }
}

/// The status register's two flags (BME280 datasheet §5.4.4, Table 21).
public struct BME280Status: Sendable, Equatable {
    /// Bit 3: a conversion is running; cleared once its results are in the data registers.
    public var measuring: Bool
    /// Bit 0: the trimming parameters are being copied from NVM to the image registers.
    public var updatingCalibration: Bool

    /// Decodes the status register value.
    public init(register: UInt8) {
        measuring = register & 0x08 != 0
        updatingCalibration = register & 0x01 != 0
    }
}

/// A driver for the Bosch BME280 (humidity, pressure, temperature) and BMP280 (pressure, temperature) at 0x76/0x77.
///
/// Opening it reads the chip id (0xD0), soft-resets the chip (0xB6 to 0xE0) and waits for the trimming copy
/// (`im_update`) to finish, reads the trimming parameters (0x88…0xA1, and 0xE1…0xE7 on a BME280) and writes the
/// configuration. `read()` reports the datasheet's double-precision compensation (§8.1) with the limits described
/// on `BME280Compensation`; the integer forms are there as static functions too.
///
/// Every register access goes through `readRegisters`/`writeRegisters`, one register per write, so the driver works
/// on SMBus-only adapters. (Multi-byte writes to this chip are address/value pairs, §6.2.1, not a block.)
public struct BME280<Bus: I2CBus>: SensorDriver {
    /// The configuration type (shared with the BMP280).
    public typealias Configuration = BME280Configuration

    /// The datasheet figures of a BME280 with the default configuration.
    public static var datasheet: SensorDatasheet { BME280Datasheets.bme280 }

    /// How often `measuring` or `im_update` is polled after the datasheet's wait before giving up.
    public static var statusPollLimit: Int { 5 }
    /// The wait between two polls of the status register.
    public static var statusPollInterval: Duration { .milliseconds(1) }

    /// The bus the chip is on.
    public let bus: Bus
    /// Where the chip answers.
    public let address: I2CAddress
    /// Which chip it is.
    public let chip: BME280Chip
    /// What the chip reported at 0xD0.
    public let chipID: UInt8
    /// The chip's trimming parameters, read when the driver was opened.
    public let calibration: BME280Calibration
    /// The configuration the chip was last given.
    public private(set) var configuration: Configuration
    private let delay: any Delay

    /// `bme280` or `bmp280`.
    public var model: String { chip.rawValue }

    /// Timing and currents for this chip with its current configuration.
    public var datasheet: SensorDatasheet { BME280Datasheets.datasheet(for: chip, configuration: configuration) }

    /// Identifies, resets, calibrates and configures the chip at `address`.
    ///
    /// Throws `.unsupportedChip` for any id but 0x60 (BME280) and 0x56–0x58 (BMP280), naming a BME680 (0x61)
    /// when it finds one; `.invalidConfiguration` for settings the chip lacks; `.notCalibrated` when the trimming
    /// block reads as zeros; `.timedOut` when the trimming copy does not finish; `.bus` for bus failures.
    public init(bus: Bus, address: I2CAddress = I2CAddress(0x76)!, delay: any Delay,
                configuration: Configuration = Configuration()) throws(SensorError) {
        self.bus = bus
        self.address = address
        self.delay = delay
        let id = try Self.readRegisters(bus, address, BME280Register.chipID, count: 1).first ?? 0
        guard let chip = BME280Chip(chipID: id) else {
            let found = id == BME280Register.bme680ChipID
                ? "a Bosch BME680 (gas sensor), which this driver does not read"
                : "not a BME280 (0x60) or BMP280 (0x56–0x58)"
            throw .unsupportedChip(
                id: UInt32(id), detail: "chip id 0x\(hex2(id)) at register 0xd0 of \(address) on \(bus.name): \(found)")
        }
        try configuration.validate(for: chip)
        self.chip = chip
        self.chipID = id
        self.configuration = configuration
        try Self.softReset(bus: bus, address: address, delay: delay)
        let block = try Self.readRegisters(bus, address, BME280Register.temperaturePressureCalibration, count: 26)
        let humidityBlock = chip.hasHumidity
            ? try Self.readRegisters(bus, address, BME280Register.humidityCalibration, count: 7)
            : nil
        guard let calibration = BME280Calibration(temperaturePressureBlock: block, humidityBlock: humidityBlock),
            calibration.isPlausible
        else {
            throw .notCalibrated(
                "\(chip.rawValue) at \(address) on \(bus.name): trimming parameters at 0x88 read as "
                    + "\(block.prefix(8).map { "0x" + hex2($0) }.joined(separator: " ")) …; dig_T1 and dig_P1 "
                    + "must not be zero")
        }
        self.calibration = calibration
        try writeConfiguration()
    }

    /// Takes one measurement and returns temperature, pressure and (on a BME280) humidity.
    ///
    /// Forced mode: starts a conversion, waits the datasheet's maximum measurement time, polls `measuring`, then
    /// reads all channels in one burst. Normal mode: reads the latest conversion in one burst (the chip shadows
    /// the data registers during a burst, §4.1, so the channels belong to the same conversion).
    public mutating func read() throws(SensorError) -> Reading {
        let sample = try measureRaw()
        return BME280Compensation.reading(sample, calibration: calibration, configuration: configuration, chip: chip)
    }

    /// Takes one measurement and returns the raw ADC values, uncompensated.
    public mutating func measureRaw() throws(SensorError) -> BME280RawSample {
        if configuration.mode == .forced {
            let start = configuration.controlMeasurementRegister(modeBits: 0b01)
            try writeRegister(BME280Register.controlMeasurement, start)
            delay.sleep(for: configuration.maximumMeasurementTime(on: chip))
            try waitUntilStatusClears(\.measuring, what: "conversion (status bit 3, measuring)")
        }
        let count = chip.hasHumidity ? 8 : 6
        let bytes = try Self.readRegisters(bus, address, BME280Register.data, count: count)
        guard let sample = BME280RawSample(registers: bytes) else {
            throw .implausibleData("\(chip.rawValue) at \(address): data burst returned \(bytes.count) bytes")
        }
        return sample
    }

    /// Changes the configuration: validates it, puts the chip to sleep so the config register is accepted
    /// (§5.4.6), and writes ctrl_hum, config and ctrl_meas in that order (ctrl_hum takes effect on the ctrl_meas
    /// write, §5.4.3).
    ///
    /// Leaving normal mode waits one maximum measurement time first: a mode change asked for during a conversion
    /// only happens when it ends, and writes to ctrl_hum before then are ignored (§3.3.1).
    public mutating func configure(_ configuration: Configuration) throws(SensorError) {
        try configuration.validate(for: chip)
        let previous = self.configuration
        try writeRegister(BME280Register.controlMeasurement, previous.controlMeasurementRegister(modeBits: 0))
        if previous.mode == .normal { delay.sleep(for: previous.maximumMeasurementTime(on: chip)) }
        self.configuration = configuration
        try writeConfiguration()
    }

    /// Soft-resets the chip (§5.4.2), waits for the trimming copy, and writes the configuration again.
    public mutating func softReset() throws(SensorError) {
        try Self.softReset(bus: bus, address: address, delay: delay)
        try writeConfiguration()
    }

    /// Reads the status register (§5.4.4).
    public func status() throws(SensorError) -> BME280Status {
        let value = try Self.readRegisters(bus, address, BME280Register.status, count: 1)
        return BME280Status(register: value.first ?? 0)
    }

    /// Writes 0xB6 to the reset register, waits the start-up time (Table 1: 2 ms) and polls `im_update` until
    /// the trimming parameters are in their image registers.
    static func softReset(bus: Bus, address: I2CAddress, delay: any Delay) throws(SensorError) {
        try writeRegister(bus, address, BME280Register.reset, BME280Register.resetCommand)
        delay.sleep(for: .milliseconds(2))
        try pollStatus(bus: bus, address: address, delay: delay, until: \.updatingCalibration,
                       what: "trimming copy after reset (status bit 0, im_update)")
    }

    private func waitUntilStatusClears(_ flag: KeyPath<BME280Status, Bool>, what: String) throws(SensorError) {
        try Self.pollStatus(bus: bus, address: address, delay: delay, until: flag, what: what)
    }

    /// Reads the status until `flag` is clear, waiting `statusPollInterval` between reads; `.timedOut` after
    /// `statusPollLimit` reads.
    private static func pollStatus(bus: Bus, address: I2CAddress, delay: any Delay,
                                   until flag: KeyPath<BME280Status, Bool>, what: String) throws(SensorError) {
        for attempt in 1...statusPollLimit {
            let value = try Self.readRegisters(bus, address, BME280Register.status, count: 1)
            if !BME280Status(register: value.first ?? 0)[keyPath: flag] { return }
            if attempt < statusPollLimit { delay.sleep(for: statusPollInterval) }
        }
        throw .timedOut("\(address) on \(bus.name): \(what) still set after \(statusPollLimit) polls")
    }

    /// Writes ctrl_hum (BME280), config and ctrl_meas; in normal mode also waits the maximum measurement time so
    /// the first `read()` finds a conversion rather than the registers' reset values. (No `measuring` poll there:
    /// with a short standby time the next conversion may already be running, which is harmless in normal mode.)
    private mutating func writeConfiguration() throws(SensorError) {
        if chip.hasHumidity {
            try writeRegister(BME280Register.controlHumidity, configuration.controlHumidityRegister)
        }
        try writeRegister(BME280Register.config, configuration.configRegister(on: chip))
        let modeBits: UInt8 = configuration.mode == .normal ? 0b11 : 0b00
        let controlMeasurement = configuration.controlMeasurementRegister(modeBits: modeBits)
        try writeRegister(BME280Register.controlMeasurement, controlMeasurement)
        if configuration.mode == .normal {
            delay.sleep(for: configuration.maximumMeasurementTime(on: chip))
        }
    }

    private func writeRegister(_ register: UInt8, _ value: UInt8) throws(SensorError) {
        try Self.writeRegister(bus, address, register, value)
    }

    /// Reads `count` consecutive registers from `register`, bus failures becoming `.bus`.
    static func readRegisters(_ bus: Bus, _ address: I2CAddress, _ register: UInt8, count: Int) throws(SensorError)
        -> [UInt8]
    {
        try onBus { () throws(HardwareError) -> [UInt8] in
            try bus.readRegisters(address, from: register, count: count)
        }
    }

    /// Writes one register, bus failures becoming `.bus`.
    static func writeRegister(_ bus: Bus, _ address: I2CAddress, _ register: UInt8, _ value: UInt8)
        throws(SensorError)
    {
        try onBus { () throws(HardwareError) in try bus.writeRegisters(address, at: register, [value]) }
    }
}
