import Foundation
import MoteHAL

/// What the datasheets of the HTU21D-compatible family say, as data and pure functions: TE HTU21D(F), Sensirion
/// SHT21 and Silicon Labs Si7006/Si7013/Si7020/Si7021, which share one command set at address 0x40.
///
/// Sources: TE Connectivity "HTU21D(F) RH/T Sensor IC" datasheet (05/2017 edition) and Silicon Labs "Si7021-A20"
/// datasheet (Rev. 1.1); sections are cited by their titles.
public enum HTU21DChip {
    /// The address every member of the family answers at (HTU21D "I2C communication"; Si7021 Table 10).
    public static let address: UInt8 = 0x40

    /// Command codes (HTU21D "Commands" table; Si7021 Table 11, "I2C Command Table").
    public enum Command {
        /// Trigger a temperature measurement, holding SCL low until it is done.
        public static let measureTemperatureHoldMaster: UInt8 = 0xE3
        /// Trigger a humidity measurement, holding SCL low until it is done.
        public static let measureHumidityHoldMaster: UInt8 = 0xE5
        /// Trigger a temperature measurement; reads are not acknowledged until it is done.
        public static let measureTemperatureNoHold: UInt8 = 0xF3
        /// Trigger a humidity measurement; reads are not acknowledged until it is done.
        public static let measureHumidityNoHold: UInt8 = 0xF5
        /// Si70xx only: the temperature measured during the previous humidity conversion (2 bytes, no checksum).
        public static let readTemperatureFromPreviousHumidity: UInt8 = 0xE0
        /// Write the user register (one data byte follows).
        public static let writeUserRegister: UInt8 = 0xE6
        /// Read the user register (one byte, no checksum).
        public static let readUserRegister: UInt8 = 0xE7
        /// Si70xx only: write the heater control register (one data byte follows).
        public static let writeHeaterControlRegister: UInt8 = 0x51
        /// Si70xx only: read the heater control register.
        public static let readHeaterControlRegister: UInt8 = 0x11
        /// Soft reset: the chip restarts with default settings, except the heater bit.
        public static let softReset: UInt8 = 0xFE
        /// First access to the electronic ID: 4 bytes, each followed by a checksum.
        public static let readElectronicIDFirstAccess: [UInt8] = [0xFA, 0x0F]
        /// Second access to the electronic ID: 2 × (2 bytes and a checksum); its first byte names the device.
        public static let readElectronicIDSecondAccess: [UInt8] = [0xFC, 0xC9]
        /// Si70xx only: the firmware revision byte.
        public static let readFirmwareRevision: [UInt8] = [0x84, 0xB8]
    }

    /// The chip behind the common command set, as its electronic ID names it.
    public enum Variant: String, Sendable, CaseIterable {
        /// TE HTU21D(F) or Sensirion SHT21 (device id 0x32): no temperature-from-humidity command.
        case htu21d
        /// Silicon Labs Si7006 (device id 0x06).
        case si7006
        /// Silicon Labs Si7013 (device id 0x0D).
        case si7013
        /// Silicon Labs Si7020 (device id 0x14).
        case si7020
        /// Silicon Labs Si7021 (device id 0x15).
        case si7021
        /// A Silicon Labs engineering sample (device id 0x00 or 0xFF).
        case si70xxEngineeringSample = "si70xx-sample"

        /// The variant a device-id byte names (Si7021 "Electronic Serial Number": SNB_3; HTU21D: SNC_1 = 0x32),
        /// or nil for an id this driver does not know.
        public init?(deviceID: UInt8) {
            switch deviceID {
            case 0x32: self = .htu21d
            case 0x06: self = .si7006
            case 0x0D: self = .si7013
            case 0x14: self = .si7020
            case 0x15: self = .si7021
            case 0x00, 0xFF: self = .si70xxEngineeringSample
            default: return nil
            }
        }

        /// Whether this is a Silicon Labs part: it has the heater control register, the firmware revision, and
        /// measures temperature during every humidity conversion (readable with command 0xE0).
        public var isSiliconLabs: Bool { self != .htu21d }

        /// The part as its maker names it.
        public var partName: String {
            switch self {
            case .htu21d: return "TE HTU21D(F) / Sensirion SHT21"
            case .si7006: return "Silicon Labs Si7006"
            case .si7013: return "Silicon Labs Si7013"
            case .si7020: return "Silicon Labs Si7020"
            case .si7021: return "Silicon Labs Si7021"
            case .si70xxEngineeringSample: return "Silicon Labs Si70xx engineering sample"
            }
        }
    }

    /// Measurement resolution, bits 7 and 0 of the user register (HTU21D "User register"; Si7021 "User Register 1").
    public enum Resolution: Sendable, CaseIterable, Equatable {
        /// 12-bit humidity, 14-bit temperature: the power-on default.
        case humidity12Temperature14
        /// 8-bit humidity, 12-bit temperature.
        case humidity8Temperature12
        /// 10-bit humidity, 13-bit temperature.
        case humidity10Temperature13
        /// 11-bit humidity, 11-bit temperature.
        case humidity11Temperature11

        /// The user-register bits (RES1 at bit 7, RES0 at bit 0) that select this resolution.
        public var userRegisterBits: UInt8 {
            switch self {
            case .humidity12Temperature14: return 0x00
            case .humidity8Temperature12: return 0x01
            case .humidity10Temperature13: return 0x80
            case .humidity11Temperature11: return 0x81
            }
        }

        /// The resolution a user-register value selects.
        public init(userRegister: UInt8) {
            switch userRegister & HTU21DChip.resolutionMask {
            case 0x01: self = .humidity8Temperature12
            case 0x80: self = .humidity10Temperature13
            case 0x81: self = .humidity11Temperature11
            default: self = .humidity12Temperature14
            }
        }

        /// Bits in a humidity result.
        public var humidityBits: Int {
            switch self {
            case .humidity12Temperature14: return 12
            case .humidity8Temperature12: return 8
            case .humidity10Temperature13: return 10
            case .humidity11Temperature11: return 11
            }
        }

        /// Bits in a temperature result.
        public var temperatureBits: Int {
            switch self {
            case .humidity12Temperature14: return 14
            case .humidity8Temperature12: return 12
            case .humidity10Temperature13: return 13
            case .humidity11Temperature11: return 11
            }
        }
    }

    /// How the chip tells the controller that a measurement is still running.
    public enum MeasurementMode: Sendable, Equatable {
        /// The chip NACKs read headers until it is done; the driver waits and polls. Needs plain I2C, works on
        /// every adapter that has it (the Raspberry Pi's included, whose clock stretching is unreliable).
        case noHoldMaster
        /// The chip stretches SCL until it is done, inside one write–read transaction; works on SMBus-only
        /// adapters (as an I2C block read), if the adapter tolerates stretches up to the conversion time.
        case holdMaster
    }

    /// Which quantity one measurement command converts.
    public enum Quantity: Sendable, Equatable {
        /// Relative humidity (status bit 1 set in the result).
        case humidity
        /// Temperature (status bit 1 clear in the result).
        case temperature
    }

    /// Maximum conversion times of one measurement.
    public struct ConversionTimes: Sendable, Equatable {
        /// A humidity measurement, including the temperature conversion a Si70xx makes with it.
        public var humidity: Duration
        /// A temperature measurement.
        public var temperature: Duration
    }

    /// User-register bits 7 and 0: the resolution.
    public static let resolutionMask: UInt8 = 0x81
    /// User-register bit 6: supply below 2.25 V (HTU21D) / 1.9 V (Si70xx); read-only.
    public static let lowSupplyBit: UInt8 = 0x40
    /// User-register bits 5:3: reserved; must be written back as read.
    public static let reservedBitsMask: UInt8 = 0x38
    /// User-register bit 2: on-chip heater enable.
    public static let heaterEnableBit: UInt8 = 0x04
    /// User-register bit 1: HTU21D "disable OTP reload" (set by default), reserved and set on the Si70xx.
    public static let otpReloadDisableBit: UInt8 = 0x02
    /// Status bit 1 of a measurement's low byte: set for humidity, clear for temperature.
    public static let humidityStatusBit: UInt16 = 0x0002
    /// The two status bits of a measurement's low byte, cleared before conversion.
    public static let statusBitsMask: UInt16 = 0x0003

    /// Soft reset to ready: 15 ms maximum (HTU21D "Soft reset"; Si7021 Table 2, "after software reset").
    public static let softResetTime = Duration.milliseconds(15)

    /// Maximum conversion times per resolution, from the variant's datasheet.
    ///
    /// HTU21D "Measuring time" table (max): humidity 16 / 3 / 5 / 8 ms at 12 / 8 / 10 / 11 bits, temperature
    /// 50 / 13 / 25 / 7 ms at 14 / 12 / 13 / 11 bits. Si7021 Table 2, tCONV (max): humidity 12 / 3.1 / 4.5 / 7 ms,
    /// temperature 10.8 / 3.8 / 6.2 / 2.4 ms; a Si70xx humidity measurement converts temperature too ("Measuring
    /// Relative Humidity"), so its time is the sum.
    public static func maximumConversionTimes(for resolution: Resolution, variant: Variant) -> ConversionTimes {
        if variant.isSiliconLabs {
            let humidity: Duration
            let temperature: Duration
            switch resolution {
            case .humidity12Temperature14: (humidity, temperature) = (.microseconds(12_000), .microseconds(10_800))
            case .humidity8Temperature12: (humidity, temperature) = (.microseconds(3_100), .microseconds(3_800))
            case .humidity10Temperature13: (humidity, temperature) = (.microseconds(4_500), .microseconds(6_200))
            case .humidity11Temperature11: (humidity, temperature) = (.microseconds(7_000), .microseconds(2_400))
            }
            return ConversionTimes(humidity: humidity + temperature, temperature: temperature)
        }
        let (humidity, temperature): (Int64, Int64)
        switch resolution {
        case .humidity12Temperature14: (humidity, temperature) = (16, 50)
        case .humidity8Temperature12: (humidity, temperature) = (3, 13)
        case .humidity10Temperature13: (humidity, temperature) = (5, 25)
        case .humidity11Temperature11: (humidity, temperature) = (8, 7)
        }
        return ConversionTimes(humidity: .milliseconds(humidity), temperature: .milliseconds(temperature))
    }

    /// The longest one complete reading (both channels) takes: a Si70xx converts humidity once and reads the
    /// temperature it measured with it; an HTU21D converts temperature, then humidity.
    public static func readingTime(for resolution: Resolution, variant: Variant) -> Duration {
        let times = maximumConversionTimes(for: resolution, variant: variant)
        return variant.isSiliconLabs ? times.humidity : times.humidity + times.temperature
    }

    /// The checksum the family sends after a measurement and in the electronic ID: CRC-8, polynomial
    /// x^8 + x^5 + x^4 + 1 (0x131), initial value 0x00 (HTU21D "CRC checksum"; Si7021 "Issuing a Measurement
    /// Command").
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        crc8(bytes, polynomial: 0x31, initial: 0x00)
    }

    /// Relative humidity (%RH) from a raw humidity result, status bits cleared: RH = −6 + 125 · S / 2^16
    /// (HTU21D "Relative humidity conversion"; Si7021 "Measuring Relative Humidity"), not limited.
    ///
    /// The formula reaches −6 %RH at S = 0 and about 119 %RH at S = 0xFFFF.
    public static func unclampedRelativeHumidity(raw: UInt16) -> Double {
        -6 + 125 * Double(raw & ~statusBitsMask) / 65_536
    }

    /// Relative humidity (%RH) as the driver reports it: the conversion formula limited to 0–100 %RH.
    ///
    /// The Si7021 datasheet ("Measuring Relative Humidity") says readings slightly outside 0–100 % near the ends
    /// are expected from normal accuracy spread and may be truncated by the host; this driver does so.
    public static func relativeHumidity(raw: UInt16) -> Double {
        min(100, max(0, unclampedRelativeHumidity(raw: raw)))
    }

    /// Temperature (°C) from a raw temperature result, status bits cleared: T = −46.85 + 175.72 · S / 2^16
    /// (HTU21D "Temperature conversion"; Si7021 "Measuring Temperature").
    public static func temperatureCelsius(raw: UInt16) -> Double {
        -46.85 + 175.72 * Double(raw & ~statusBitsMask) / 65_536
    }

    /// The HTU21D's temperature coefficient correction of humidity: RH + (25 − T) · (−0.15 %RH/°C), applied from
    /// 0 °C to 80 °C (HTU21D "Temperature coefficient compensation equation"); outside that range, unchanged.
    ///
    /// Not for Si70xx parts, which compensate internally.
    public static func temperatureCompensatedHumidity(relativeHumidityPercent rh: Double,
                                                      temperatureCelsius t: Double) -> Double {
        guard (0...80).contains(t) else { return rh }
        return min(100, max(0, rh + (25 - t) * -0.15))
    }

    /// Whether a user-register value looks like this family's: bit 1 set (HTU21D reset value 0x02, SHT21 and
    /// Si7021 0x3A) and the reserved bits 5:3 all clear or all set. 0xFF is refused: it is what a floating bus or
    /// an unimplemented register reads.
    public static func isFamilyUserRegister(_ value: UInt8) -> Bool {
        let reserved = value & reservedBitsMask
        return value != 0xFF && value & otpReloadDisableBit != 0 && (reserved == 0 || reserved == reservedBitsMask)
    }

    /// The firmware version a Si70xx revision byte names: 0xFF is 1.0, 0x20 is 2.0 (Si7021 "Firmware Revision").
    public static func firmwareVersion(revisionByte: UInt8) -> String? {
        switch revisionByte {
        case 0xFF: return "1.0"
        case 0x20: return "2.0"
        default: return nil
        }
    }

    /// Heater current (A) for a Si70xx heater-control level 0…15, interpolated between the typical currents the
    /// datasheet lists (Si7021 "Heater Control Register": 3.09, 9.18, 15.24, 27.39, 51.69, 94.20 mA at 0, 1, 2, 4,
    /// 8, 15); nil for a level out of range.
    public static func si70xxHeaterCurrent(level: UInt8) -> Double? {
        let table: [(level: Double, milliamperes: Double)] = [
            (0, 3.09), (1, 9.18), (2, 15.24), (4, 27.39), (8, 51.69), (15, 94.20),
        ]
        guard level <= 15 else { return nil }
        let x = Double(level)
        for (lower, upper) in zip(table, table.dropFirst()) where x <= upper.level {
            let fraction = (x - lower.level) / (upper.level - lower.level)
            return (lower.milliamperes + fraction * (upper.milliamperes - lower.milliamperes)) / 1000
        }
        return nil
    }

    /// Whether the checksums of one electronic-ID access match its data.
    ///
    /// `chunks` are the data bytes between checksums, `checksums` the bytes the chip sent after each chunk. The
    /// Si7021 datasheet requires the checksums ("Issuing a Measurement Command") but does not say whether each
    /// covers its own chunk or everything read so far in the access; both readings are accepted, and each
    /// checksum is still checked.
    static func electronicIDChecksumsMatch(chunks: [[UInt8]], checksums: [UInt8]) -> Bool {
        guard chunks.count == checksums.count else { return false }
        let perChunk = zip(chunks, checksums).allSatisfy { checksum($0) == $1 }
        var sofar: [UInt8] = []
        var cumulative = true
        for (chunk, received) in zip(chunks, checksums) {
            sofar += chunk
            cumulative = cumulative && checksum(sofar) == received
        }
        return perChunk || cumulative
    }

    /// HTU21D(F) figures (TE datasheet 05/2017, "Electrical and general items" and "Measuring time"): 3.0 V typical
    /// supply, 15 ms power-up, 66 ms for one temperature (14-bit, 50 ms) plus one humidity (12-bit, 16 ms)
    /// conversion, 0.02 µA asleep, 450 µA measuring; the heater dissipates 5.5 mW at 3.0 V, about 1.83 mA.
    public static let htu21dDatasheet = SensorDatasheet(
        part: "TE HTU21D(F)",
        source: "TE Connectivity HTU21D(F) RH/T Sensor IC datasheet, 05/2017: Electrical and general items, "
            + "Measuring time, Soft reset",
        supplyVolts: 3.0, startupTime: .milliseconds(15), measurementTime: .milliseconds(66),
        currents: [.sleep: 0.02e-6, .measuring: 450e-6, .heating: 5.5e-3 / 3.0])

    /// Si7021 figures (Si7021-A20 datasheet Rev. 1.1, Table 2): 3.3 V supply, 80 ms power-up (full temperature
    /// range), 22.8 ms for a humidity conversion with its temperature (12 + 10.8 ms), 0.06 µA standby, 150 µA
    /// during a humidity conversion, 3.09 mA heater at its reset level.
    public static let si7021Datasheet = SensorDatasheet(
        part: "Silicon Labs Si7021",
        source: "Silicon Labs Si7021-A20 datasheet Rev. 1.1: Table 2 (General Specifications), "
            + "Heater Control Register",
        supplyVolts: 3.3, startupTime: .milliseconds(80), measurementTime: .microseconds(22_800),
        currents: [.sleep: 0.06e-6, .measuring: 150e-6, .heating: 3.09e-3])
}
