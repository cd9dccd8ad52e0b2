import Foundation
import MoteHAL

/// A Texas Instruments HDC1080 humidity and temperature sensor (datasheet SNAS672A, November 2015, revised
/// January 2016).
///
/// A pointer-register chip at 0x40 whose measurements are triggered by writing the pointer 0x00 and read back, after
/// the conversion, by a plain I2C read without a pointer write (§8.5.1.3). Reading before the conversion is done is
/// not acknowledged, which the driver uses as its ready signal. Identification and configuration work on SMBus-only
/// adapters (SMBus read/write word); measuring needs plain I2C, because no SMBus transaction reads two or four bytes
/// without first writing a command byte, and writing the pointer 0x00 or 0x01 would trigger a new conversion.
public struct HDC1080<Bus: I2CBus>: SensorDriver {
    /// What the driver sets up on the chip (configuration register 0x02, §8.6.3).
    public struct Configuration: Sendable, Equatable {
        /// Temperature resolution (TRES, bit 10): 14 bit (0) or 11 bit (1).
        public enum TemperatureResolution: Sendable, Equatable, CaseIterable {
            case bits14, bits11
        }

        /// Humidity resolution (HRES, bits 9:8): 14 bit (00), 11 bit (01) or 8 bit (10).
        public enum HumidityResolution: Sendable, Equatable, CaseIterable {
            case bits14, bits11, bits8
        }

        /// How one reading is acquired (MODE, bit 12).
        public enum Acquisition: Sendable, Equatable {
            /// MODE = 1: one trigger converts temperature then humidity; both are read in one 4-byte read.
            case sequential
            /// MODE = 0: temperature and humidity are triggered and read one after the other.
            case separate
        }

        /// Temperature resolution; 14 bit by default (the power-on value).
        public var temperatureResolution: TemperatureResolution
        /// Humidity resolution; 14 bit by default (the power-on value).
        public var humidityResolution: HumidityResolution
        /// Sequential (one trigger, one burst read) by default.
        public var acquisition: Acquisition
        /// Whether the on-chip heater runs during measurements (HEAT, bit 13; §8.3.3); off by default.
        public var heater: Bool

        /// Creates a configuration; the defaults are the power-on resolutions with sequential acquisition.
        public init(temperatureResolution: TemperatureResolution = .bits14,
                    humidityResolution: HumidityResolution = .bits14, acquisition: Acquisition = .sequential,
                    heater: Bool = false) {
            self.temperatureResolution = temperatureResolution
            self.humidityResolution = humidityResolution
            self.acquisition = acquisition
            self.heater = heater
        }

        /// The configuration register word (§8.6.3): HEAT bit 13, MODE bit 12, TRES bit 10, HRES bits 9:8; the
        /// reserved bits 7:0 are written as 0.
        public var registerValue: UInt16 {
            var value: UInt16 = 0
            if heater { value |= 1 << 13 }
            if acquisition == .sequential { value |= 1 << 12 }
            if temperatureResolution == .bits11 { value |= 1 << 10 }
            switch humidityResolution {
            case .bits14: break
            case .bits11: value |= 0b01 << 8
            case .bits8: value |= 0b10 << 8
            }
            return value
        }
    }

    /// The chip's only address (§8.5.1.1: 1000000b).
    public static var defaultAddress: I2CAddress { I2CAddress(0x40)! }
    /// Texas Instruments' manufacturer id, register 0xFE (§8.6.5).
    public static var manufacturerID: UInt16 { 0x5449 }
    /// The HDC1080's device id, register 0xFF (§8.6.6). An HDC1050 reports the same id.
    public static var deviceID: UInt16 { 0x1050 }

    /// Registers (Table 1, §8.6).
    enum Register {
        static var temperature: UInt8 { 0x00 }
        static var humidity: UInt8 { 0x01 }
        static var configuration: UInt8 { 0x02 }
        static var serialIDFirst: UInt8 { 0xFB }
        static var serialIDMiddle: UInt8 { 0xFC }
        static var serialIDLast: UInt8 { 0xFD }
        static var manufacturerID: UInt8 { 0xFE }
        static var deviceID: UInt8 { 0xFF }
    }

    /// The software reset bit RST (bit 15, §8.6.3), which clears itself.
    static var softResetBit: UInt16 { 0x8000 }
    /// The battery status bit BTST (bit 11, §8.6.3): 1 when the supply is below 2.8 V.
    static var batteryLowBit: UInt16 { 0x0800 }
    /// After the ready wait, how often a not-acknowledged result read is retried before giving up.
    static var readyPollAttempts: Int { 5 }
    /// The wait between two result reads that were not acknowledged.
    static var readyPollInterval: Duration { .milliseconds(1) }

    /// The chip this driver reads: `hdc1080`.
    public let model = "hdc1080"
    /// Where the chip answers.
    public let address: I2CAddress
    /// The configuration the chip was given.
    public private(set) var configuration: Configuration
    private let bus: Bus
    private let delay: any Delay

    /// Identifies the chip by its device and manufacturer ids, resets it and writes `configuration`.
    ///
    /// The device id (0xFF) is read before the manufacturer id (0xFE): a Si7021 or HTU21D at 0x40 takes the byte
    /// 0xFE as its reset command, so it must not see it unless the chip has already answered like an HDC1080.
    public init(bus: Bus, address: I2CAddress = HDC1080.defaultAddress, delay: any Delay,
                configuration: Configuration = .init()) throws(SensorError) {
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        let device = try BigEndianWordAccess.read(bus, address, register: Register.deviceID)
        guard device == Self.deviceID else {
            throw .unsupportedChip(
                id: UInt32(device),
                detail: "register 0xff at \(address) reads 0x\(String(device, radix: 16)); an HDC1080 reads 0x1050")
        }
        let manufacturer = try BigEndianWordAccess.read(bus, address, register: Register.manufacturerID)
        guard manufacturer == Self.manufacturerID else {
            throw .unsupportedChip(
                id: UInt32(manufacturer) << 16 | UInt32(device),
                detail: "register 0xfe at \(address) reads 0x\(String(manufacturer, radix: 16)); "
                    + "Texas Instruments parts read 0x5449")
        }
        try softReset()
    }

    /// Resets the chip (RST, §8.6.3), waits the start-up time and writes the configuration again.
    ///
    /// The datasheet gives no time for a software reset; the driver waits the power-up start-up time (§7.5).
    public func softReset() throws(SensorError) {
        try BigEndianWordAccess.write(bus, address, register: Register.configuration, Self.softResetBit)
        delay.sleep(for: Self.datasheet.startupTime)
        try BigEndianWordAccess.write(bus, address, register: Register.configuration, configuration.registerValue)
    }

    /// Turns the heater on or off (HEAT, bit 13); it heats only while a measurement runs (§8.3.3).
    public mutating func setHeater(_ on: Bool) throws(SensorError) {
        var updated = configuration
        updated.heater = on
        try BigEndianWordAccess.write(bus, address, register: Register.configuration, updated.registerValue)
        configuration = updated
    }

    /// Whether the supply is below 2.8 V (BTST, bit 11 of register 0x02; updated at each measurement, §8.3.2).
    public func batteryLow() throws(SensorError) -> Bool {
        let value = try BigEndianWordAccess.read(bus, address, register: Register.configuration)
        return value & Self.batteryLowBit != 0
    }

    /// The chip's 41-bit serial id from registers 0xFB, 0xFC and 0xFD (§8.6.4).
    public func serialNumber() throws(SensorError) -> UInt64 {
        let first = try BigEndianWordAccess.read(bus, address, register: Register.serialIDFirst)
        let middle = try BigEndianWordAccess.read(bus, address, register: Register.serialIDMiddle)
        let last = try BigEndianWordAccess.read(bus, address, register: Register.serialIDLast)
        return Self.serialNumber(first: first, middle: middle, last: last)
    }

    /// Takes one measurement: triggers, waits the conversion time, reads and converts.
    public mutating func read() throws(SensorError) -> Reading {
        try onBus { () throws(HardwareError) in
            try bus.requirePlainI2C(
                "an HDC1080 returns its measurement only to a plain I2C read after a separate pointer write "
                    + "(datasheet §8.5.1.3)")
        }
        switch configuration.acquisition {
        case .sequential:
            let words = try measure(trigger: Register.temperature, wait: Self.measurementTime(for: configuration),
                                    words: 2)
            return Reading(temperatureCelsius: Self.temperatureCelsius(fromRaw: words[0]),
                           relativeHumidityPercent: Self.relativeHumidityPercent(fromRaw: words[1]))
        case .separate:
            let temperature = try measure(
                trigger: Register.temperature, wait: Self.conversionTime(configuration.temperatureResolution), words: 1)
            let humidity = try measure(
                trigger: Register.humidity, wait: Self.conversionTime(configuration.humidityResolution), words: 1)
            return Reading(temperatureCelsius: Self.temperatureCelsius(fromRaw: temperature[0]),
                           relativeHumidityPercent: Self.relativeHumidityPercent(fromRaw: humidity[0]))
        }
    }

    /// Writes the pointer `trigger`, waits `wait`, then reads `words` result words, retrying while the chip does
    /// not acknowledge (the conversion is still running, §8.5.1.3).
    private func measure(trigger: UInt8, wait: Duration, words: Int) throws(SensorError) -> [UInt16] {
        try onBus { () throws(HardwareError) in try bus.write(address, [trigger]) }
        delay.sleep(for: wait)
        var attempt = 1
        while true {
            let bytes: [UInt8]
            do throws(HardwareError) {
                bytes = try bus.read(address, count: 2 * words)
            } catch where error.kind == .noAcknowledge && attempt < Self.readyPollAttempts {
                attempt += 1
                delay.sleep(for: Self.readyPollInterval)
                continue
            } catch where error.kind == .noAcknowledge {
                throw .timedOut(
                    "HDC1080 at \(address) still converting \(attempt) reads after the \(wait) conversion time")
            } catch {
                throw .bus(error)
            }
            return try Self.resultWords(bytes, expected: words)
        }
    }

    /// Splits result bytes into words and checks the reserved bits D1:D0, which always read 0 (§8.6.1, §8.6.2).
    static func resultWords(_ bytes: [UInt8], expected: Int) throws(SensorError) -> [UInt16] {
        guard bytes.count == 2 * expected else {
            throw .implausibleData("HDC1080 gave \(bytes.count) result bytes, expected \(2 * expected)")
        }
        let words = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        if let odd = words.first(where: { $0 & 0x0003 != 0 }) {
            throw .implausibleData(
                "HDC1080 result 0x\(String(odd, radix: 16)) has its reserved bits D1:D0 set; they always read 0")
        }
        return words
    }

    // MARK: - Conversions (pure)

    /// Temperature in °C from the temperature register: T = raw / 2^16 · 165 − 40 (§8.6.1, Equation 1).
    public static func temperatureCelsius(fromRaw raw: UInt16) -> Double {
        Double(raw) / 65_536 * 165 - 40
    }

    /// Relative humidity in %RH from the humidity register: RH = raw / 2^16 · 100 (§8.6.2, Equation 2).
    public static func relativeHumidityPercent(fromRaw raw: UInt16) -> Double {
        Double(raw) / 65_536 * 100
    }

    /// The 41-bit serial id: 0xFB holds bits 40:25, 0xFC bits 24:9, and bits 15:7 of 0xFD bits 8:0 (§8.6.4).
    public static func serialNumber(first: UInt16, middle: UInt16, last: UInt16) -> UInt64 {
        UInt64(first) << 25 | UInt64(middle) << 9 | UInt64(last >> 7)
    }

    /// Typical temperature conversion time (§7.5: 6.35 ms at 14 bit, 3.65 ms at 11 bit; no maximum is given).
    public static func conversionTime(_ resolution: Configuration.TemperatureResolution) -> Duration {
        switch resolution {
        case .bits14: return .microseconds(6_350)
        case .bits11: return .microseconds(3_650)
        }
    }

    /// Typical humidity conversion time (§7.5: 6.50 ms at 14 bit, 3.85 ms at 11 bit, 2.50 ms at 8 bit).
    public static func conversionTime(_ resolution: Configuration.HumidityResolution) -> Duration {
        switch resolution {
        case .bits14: return .microseconds(6_500)
        case .bits11: return .microseconds(3_850)
        case .bits8: return .microseconds(2_500)
        }
    }

    /// Conversion time of one reading: temperature plus humidity, which the chip converts one after the other.
    public static func measurementTime(for configuration: Configuration) -> Duration {
        conversionTime(configuration.temperatureResolution) + conversionTime(configuration.humidityResolution)
    }

    // MARK: - Datasheet

    /// Timing and supply currents with the default configuration.
    public static var datasheet: SensorDatasheet { datasheet(for: Configuration()) }

    /// Timing and supply currents with this driver's configuration.
    public var datasheet: SensorDatasheet { Self.datasheet(for: configuration) }

    /// The datasheet figures for `configuration`: typical values at VDD = 3 V, TA = 30 °C (§7.5).
    public static func datasheet(for configuration: Configuration) -> SensorDatasheet {
        SensorDatasheet(
            part: "Texas Instruments HDC1080",
            source: "TI SNAS672A (Nov 2015, rev. Jan 2016) §7.5 Electrical Characteristics: supply current RH "
                + "measurement 190 µA, sleep 100 nA, heater 7.2 mA, start-up 15 ms max; conversion times typical",
            supplyVolts: 3.0,
            startupTime: .milliseconds(15),
            measurementTime: measurementTime(for: configuration),
            currents: [.sleep: 100e-9, .measuring: 190e-6, .heating: 7.2e-3])
    }
}
