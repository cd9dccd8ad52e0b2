import Foundation
import MoteHAL

/// Which of the two register-compatible Bosch chips a `BME280` driver talks to.
public enum BME280Chip: String, Sendable, CaseIterable {
    /// Humidity, pressure and temperature; chip id 0x60 (BME280 datasheet §5.4.1).
    case bme280
    /// Pressure and temperature only; chip id 0x58, 0x56/0x57 on engineering samples (BMP280 datasheet §4.3.1).
    case bmp280

    /// The chip an id register value names, or nil when it is neither a BME280 nor a BMP280.
    public init?(chipID: UInt8) {
        switch chipID {
        case 0x60: self = .bme280
        case 0x56, 0x57, 0x58: self = .bmp280
        default: return nil
        }
    }

    /// Whether the chip has the humidity channel (registers 0xF2, 0xFD–0xFE and trimming 0xA1, 0xE1–0xE7).
    public var hasHumidity: Bool { self == .bme280 }

    /// The normal-mode standby times t_sb codes 000…111 select, in microseconds.
    ///
    /// BME280 datasheet §5.4.6, Table 27 (codes 110 and 111 are 10 ms and 20 ms); BMP280 datasheet §3.6.3,
    /// Table 11 (codes 110 and 111 are 2 s and 4 s).
    public var standbyTimesMicroseconds: [Int] {
        switch self {
        case .bme280: return [500, 62_500, 125_000, 250_000, 500_000, 1_000_000, 10_000, 20_000]
        case .bmp280: return [500, 62_500, 125_000, 250_000, 500_000, 1_000_000, 2_000_000, 4_000_000]
        }
    }
}

/// How a BME280 or BMP280 measures: oversampling per channel, IIR filter, mode and normal-mode standby time.
///
/// The defaults are the datasheet's weather-monitoring setting (BME280 datasheet §3.5.1, Table 7): forced mode,
/// ×1 oversampling on every channel, filter off. Temperature cannot be skipped: the pressure and humidity
/// compensation need the fine temperature it produces (§4.2.3).
public struct BME280Configuration: Sendable, Equatable {
    /// Oversampling of one channel (osrs_t / osrs_p / osrs_h, BME280 datasheet §5.4.3 and §5.4.5, Tables 20–24).
    public enum Oversampling: UInt8, Sendable, CaseIterable {
        /// The channel is not measured; its data registers hold 0x80000 (0x8000 for humidity).
        case skipped = 0
        /// One sample (code 001): 16-bit temperature/pressure without the filter.
        case x1 = 1
        /// Two samples averaged (code 010).
        case x2 = 2
        /// Four samples averaged (code 011).
        case x4 = 3
        /// Eight samples averaged (code 100).
        case x8 = 4
        /// Sixteen samples averaged (code 101): 20-bit temperature/pressure.
        case x16 = 5

        /// How many samples the chip averages: 0 when skipped, else 1–16.
        public var samples: Int { self == .skipped ? 0 : 1 << Int(rawValue - 1) }
    }

    /// IIR filter coefficient for temperature and pressure (BME280 datasheet §3.4.4 and §5.4.6, Table 28).
    public enum Filter: UInt8, Sendable, CaseIterable {
        /// No filtering (code 000); outputs have the oversampling's resolution.
        case off = 0
        /// Coefficient 2 (code 001): 2 samples to reach 75 % of a step (Table 6).
        case coefficient2 = 1
        /// Coefficient 4 (code 010): 5 samples to reach 75 % of a step.
        case coefficient4 = 2
        /// Coefficient 8 (code 011): 11 samples to reach 75 % of a step.
        case coefficient8 = 3
        /// Coefficient 16 (code 100): 22 samples to reach 75 % of a step.
        case coefficient16 = 4
    }

    /// How conversions are started (BME280 datasheet §3.3).
    public enum Mode: Sendable, Equatable {
        /// One conversion per `read()`, then the chip sleeps (mode 01, §3.3.3).
        case forced
        /// The chip converts every t_measure + standby time on its own; `read()` takes the latest result
        /// (mode 11, §3.3.4).
        case normal
    }

    /// Temperature oversampling; must not be `.skipped`.
    public var temperatureOversampling: Oversampling
    /// Pressure oversampling.
    public var pressureOversampling: Oversampling
    /// Humidity oversampling (ignored on a BMP280, which has no humidity channel).
    public var humidityOversampling: Oversampling
    /// IIR filter coefficient.
    public var filter: Filter
    /// Mode of operation.
    public var mode: Mode
    /// Standby time between normal-mode conversions; one of the chip's `standbyTimesMicroseconds`.
    public var standbyTime: Duration

    /// Creates a configuration; the defaults are the datasheet's weather-monitoring setting.
    public init(temperatureOversampling: Oversampling = .x1, pressureOversampling: Oversampling = .x1,
                humidityOversampling: Oversampling = .x1, filter: Filter = .off, mode: Mode = .forced,
                standbyTime: Duration = .milliseconds(1000)) {
        self.temperatureOversampling = temperatureOversampling
        self.pressureOversampling = pressureOversampling
        self.humidityOversampling = humidityOversampling
        self.filter = filter
        self.mode = mode
        self.standbyTime = standbyTime
    }

    /// The datasheet's maximum active measurement time for this configuration on `chip`.
    ///
    /// BME280 datasheet Appendix B §9.1: t_measure,max = 1.25 + 2.3·osrs_t + (2.3·osrs_p + 0.575)
    /// + (2.3·osrs_h + 0.575) ms, each bracket only when that channel is enabled. The BMP280's Table 13 (§3.8.1)
    /// agrees with the same formula without the humidity term (6.4 ms at ×1/×1).
    public func maximumMeasurementTime(on chip: BME280Chip) -> Duration {
        var microseconds = 1_250 + 2_300 * temperatureOversampling.samples
        if pressureOversampling != .skipped { microseconds += 2_300 * pressureOversampling.samples + 575 }
        if chip.hasHumidity, humidityOversampling != .skipped {
            microseconds += 2_300 * humidityOversampling.samples + 575
        }
        return .microseconds(microseconds)
    }

    /// The t_sb code (0–7) for `standbyTime` on `chip`, or nil when the chip cannot wait that long.
    public func standbyCode(on chip: BME280Chip) -> UInt8? {
        let wanted = standbyTime.components
        let microseconds = wanted.seconds * 1_000_000 + wanted.attoseconds / 1_000_000_000_000
        guard let index = chip.standbyTimesMicroseconds.firstIndex(of: Int(microseconds)) else { return nil }
        return UInt8(index)
    }

    /// Checks the configuration against what `chip` can do; throws `.invalidConfiguration` naming the problem.
    public func validate(for chip: BME280Chip) throws(SensorError) {
        guard temperatureOversampling != .skipped else {
            throw .invalidConfiguration(
                "temperature oversampling cannot be skipped: pressure and humidity compensation need the fine "
                    + "temperature (\(chip.rawValue) datasheet §4.2.3)")
        }
        guard standbyCode(on: chip) != nil else {
            let allowed = chip.standbyTimesMicroseconds.sorted().map { "\(Double($0) / 1000) ms" }
            throw .invalidConfiguration(
                "standby time \(standbyTime) is not one a \(chip.rawValue) offers (\(allowed.joined(separator: ", ")))")
        }
    }

    /// The ctrl_hum register value (0xF2, BME280 datasheet §5.4.3): osrs_h in bits 2:0.
    public var controlHumidityRegister: UInt8 { humidityOversampling.rawValue & 0x07 }

    /// The ctrl_meas register value (0xF4, BME280 datasheet §5.4.5) with mode bits `modeBits` (00 sleep,
    /// 01 forced, 11 normal): osrs_t in bits 7:5, osrs_p in bits 4:2, mode in bits 1:0.
    public func controlMeasurementRegister(modeBits: UInt8) -> UInt8 {
        temperatureOversampling.rawValue << 5 | pressureOversampling.rawValue << 2 | modeBits & 0x03
    }

    /// The config register value (0xF5, BME280 datasheet §5.4.6) on `chip`: t_sb in bits 7:5, filter in bits 4:2,
    /// spi3w_en (bit 0) off. An invalid standby time encodes as code 0; `validate(for:)` rejects it first.
    public func configRegister(on chip: BME280Chip) -> UInt8 {
        (standbyCode(on: chip) ?? 0) << 5 | filter.rawValue << 2
    }
}
