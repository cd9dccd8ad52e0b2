import Foundation
import MoteHAL

/// What the Aosong AHT20 datasheet (AHT20 product manual v1.1, 2020-04-16) says, as data and pure functions; the
/// AHT21 speaks the same protocol.
public enum AHT20Chip {
    /// The chip's only address (datasheet §5.3).
    public static let address: UInt8 = 0x38

    /// Command bytes with their fixed parameters (datasheet §5.3 Table 9, §5.4, §5.5).
    public enum Command {
        /// Initialise (load calibration): 0xBE with parameters 0x08, 0x00; wait 10 ms.
        public static let initialize: [UInt8] = [0xBE, 0x08, 0x00]
        /// Trigger a measurement: 0xAC with parameters 0x33, 0x00; wait 80 ms.
        public static let triggerMeasurement: [UInt8] = [0xAC, 0x33, 0x00]
        /// Soft reset: the chip restarts without a power cycle in at most 20 ms.
        public static let softReset: UInt8 = 0xBA
    }

    /// Status byte bit 7: the chip is measuring (datasheet Table 10).
    public static let busyBit: UInt8 = 0x80
    /// Status byte bit 3: calibration is enabled (loaded) (datasheet Table 10).
    public static let calibratedBit: UInt8 = 0x08

    /// Power-on to the first status read (datasheet §5.4 step 1).
    public static let powerOnTime = Duration.milliseconds(40)
    /// After the initialise command (datasheet §5.4 step 1).
    public static let initializationTime = Duration.milliseconds(10)
    /// After a trigger, before the status is polled (datasheet §5.4 step 3).
    public static let measurementTime = Duration.milliseconds(80)
    /// Soft reset to ready, at most (datasheet §5.5).
    public static let softResetTime = Duration.milliseconds(20)
    /// 2^20: full scale of the 20-bit humidity and temperature fields.
    static let fullScale = 1_048_576.0

    /// The status byte's flags.
    public struct Status: Sendable, Equatable {
        /// The byte as read.
        public let rawValue: UInt8
        /// Creates the flags of a status byte.
        public init(rawValue: UInt8) { self.rawValue = rawValue }
        /// Bit 7: measuring.
        public var isBusy: Bool { rawValue & AHT20Chip.busyBit != 0 }
        /// Bit 3: calibration loaded.
        public var isCalibrated: Bool { rawValue & AHT20Chip.calibratedBit != 0 }
    }

    /// The checksum after the status and data bytes: CRC-8, polynomial x^8 + x^5 + x^4 + 1, initial 0xFF
    /// (datasheet §5.4 step 4).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        crc8(bytes, polynomial: 0x31, initial: 0xFF)
    }

    /// The 20-bit humidity and temperature fields of the five data bytes after the status byte: humidity is the
    /// first 20 bits, temperature the last 20, sharing the middle byte (datasheet §5.4, Figure of the read).
    public static func rawFields(data: [UInt8]) -> (humidity: UInt32, temperature: UInt32)? {
        guard data.count == 5 else { return nil }
        let bytes = data.map(UInt32.init)
        let humidity = bytes[0] << 12 | bytes[1] << 4 | bytes[2] >> 4
        let temperature = (bytes[2] & 0x0F) << 16 | bytes[3] << 8 | bytes[4]
        return (humidity, temperature)
    }

    /// Relative humidity (%RH) from the 20-bit field: RH = S / 2^20 · 100 (datasheet §6.1); at most 99.9999 %.
    public static func relativeHumidity(raw: UInt32) -> Double {
        Double(raw & 0xF_FFFF) / fullScale * 100
    }

    /// Temperature (°C) from the 20-bit field: T = S / 2^20 · 200 − 50 (datasheet §6.2).
    public static func temperatureCelsius(raw: UInt32) -> Double {
        Double(raw & 0xF_FFFF) / fullScale * 200 - 50
    }

    /// Datasheet figures (Table 2 and §5.4): 3.3 V typical supply, 40 ms power-on wait, 80 ms measurement,
    /// 0.25 µA asleep and 23 µA measuring as Table 2 gives them (typical).
    public static let datasheet = SensorDatasheet(
        part: "Aosong AHT20",
        source: "Aosong AHT20 product manual v1.1 (2020-04-16): Table 2 (electrical characteristics), §5.4",
        supplyVolts: 3.3, startupTime: powerOnTime, measurementTime: measurementTime,
        currents: [.sleep: 0.25e-6, .measuring: 23e-6])
}
