import Foundation
import MoteHAL

/// The factory trimming parameters of one BME280 or BMP280 (BME280 datasheet §4.2.2, Table 16; BMP280 datasheet
/// §3.11.2, Table 17), as the compensation formulas name them.
public struct BME280Calibration: Sendable, Equatable {
    /// dig_T1…dig_T3: temperature.
    public var digT1: UInt16, digT2: Int16, digT3: Int16
    /// dig_P1…dig_P9: pressure.
    public var digP1: UInt16, digP2: Int16, digP3: Int16, digP4: Int16, digP5: Int16, digP6: Int16
    public var digP7: Int16, digP8: Int16, digP9: Int16
    /// dig_H1…dig_H6: humidity (BME280 only; zero on a BMP280).
    public var digH1: UInt8, digH2: Int16, digH3: UInt8, digH4: Int16, digH5: Int16, digH6: Int8

    /// Creates a calibration from its parameters; the humidity ones default to zero (a BMP280 has none).
    public init(digT1: UInt16, digT2: Int16, digT3: Int16,
                digP1: UInt16, digP2: Int16, digP3: Int16, digP4: Int16, digP5: Int16, digP6: Int16,
                digP7: Int16, digP8: Int16, digP9: Int16,
                digH1: UInt8 = 0, digH2: Int16 = 0, digH3: UInt8 = 0, digH4: Int16 = 0, digH5: Int16 = 0,
                digH6: Int8 = 0) {
        self.digT1 = digT1
        self.digT2 = digT2
        self.digT3 = digT3
        self.digP1 = digP1
        self.digP2 = digP2
        self.digP3 = digP3
        self.digP4 = digP4
        self.digP5 = digP5
        self.digP6 = digP6
        self.digP7 = digP7
        self.digP8 = digP8
        self.digP9 = digP9
        self.digH1 = digH1
        self.digH2 = digH2
        self.digH3 = digH3
        self.digH4 = digH4
        self.digH5 = digH5
        self.digH6 = digH6
    }

    /// Parses the registers 0x88…0xA1 (26 bytes) and, for a BME280, 0xE1…0xE7 (7 bytes).
    ///
    /// Table 16: words are little-endian; dig_H1 is 0xA1; dig_H4 is 0xE4 (bits 11:4, signed) with 0xE5 bits 3:0;
    /// dig_H5 is 0xE6 (bits 11:4, signed) with 0xE5 bits 7:4. Returns nil when a block is too short.
    public init?(temperaturePressureBlock block: [UInt8], humidityBlock: [UInt8]?) {
        guard block.count >= 26 else { return nil }
        func unsigned(_ index: Int) -> UInt16 { UInt16(block[index]) | UInt16(block[index + 1]) << 8 }
        func signed(_ index: Int) -> Int16 { Int16(bitPattern: unsigned(index)) }
        self.init(digT1: unsigned(0), digT2: signed(2), digT3: signed(4),
                  digP1: unsigned(6), digP2: signed(8), digP3: signed(10), digP4: signed(12), digP5: signed(14),
                  digP6: signed(16), digP7: signed(18), digP8: signed(20), digP9: signed(22))
        guard let humidity = humidityBlock else { return }
        guard humidity.count >= 7 else { return nil }
        digH1 = block[25]
        digH2 = Int16(bitPattern: UInt16(humidity[0]) | UInt16(humidity[1]) << 8)
        digH3 = humidity[2]
        digH4 = Int16(Int8(bitPattern: humidity[3])) * 16 | Int16(humidity[4] & 0x0F)
        digH5 = Int16(Int8(bitPattern: humidity[5])) * 16 | Int16(humidity[4] >> 4)
        digH6 = Int8(bitPattern: humidity[6])
    }

    /// Whether the parameters look programmed: dig_T1 and dig_P1 are never zero on a trimmed part, and a zero
    /// dig_P1 would make the pressure formula divide by zero.
    public var isPlausible: Bool { digT1 != 0 && digP1 != 0 }
}

/// One burst of raw ADC values, as the data registers 0xF7…0xFE hold them (BME280 datasheet §5.4.7–5.4.9).
public struct BME280RawSample: Sendable, Equatable {
    /// adc_P, 20 bits (0x80000 when pressure was skipped).
    public var pressure: Int32
    /// adc_T, 20 bits (0x80000 when temperature was skipped).
    public var temperature: Int32
    /// adc_H, 16 bits (0x8000 when humidity was skipped); nil on a BMP280.
    public var humidity: Int32?

    /// Creates a sample from raw values.
    public init(pressure: Int32, temperature: Int32, humidity: Int32?) {
        self.pressure = pressure
        self.temperature = temperature
        self.humidity = humidity
    }

    /// Unpacks press_msb/lsb/xlsb, temp_msb/lsb/xlsb and (when 8 bytes are given) hum_msb/lsb; nil if too short.
    public init?(registers bytes: [UInt8]) {
        guard bytes.count >= 6 else { return nil }
        func twentyBits(_ index: Int) -> Int32 {
            Int32(bytes[index]) << 12 | Int32(bytes[index + 1]) << 4 | Int32(bytes[index + 2]) >> 4
        }
        pressure = twentyBits(0)
        temperature = twentyBits(3)
        humidity = bytes.count >= 8 ? Int32(bytes[6]) << 8 | Int32(bytes[7]) : nil
    }
}

/// The BME280/BMP280 compensation formulas, in both the datasheet's double-precision and integer forms.
///
/// Double: BME280 datasheet §8.1 (BMP280 datasheet §8.1). Integer: 32-bit temperature, 64-bit pressure and 32-bit
/// humidity of BME280 datasheet §4.2.3 / §8.2. `BME280.read()` reports the double results, with pressure limited
/// to 30 000–110 000 Pa as Bosch's reference driver (BME280_SensorAPI, bme280.c) does and humidity to 0–100 %RH as
/// the datasheet's code does; temperature is not limited, so a reading outside −40…85 °C stays visible.
public enum BME280Compensation {
    /// The lowest pressure a reading reports (Pa), after Bosch's reference driver.
    public static let minimumPressurePascals = 30_000.0
    /// The highest pressure a reading reports (Pa), after Bosch's reference driver.
    public static let maximumPressurePascals = 110_000.0

    /// Temperature in °C and the fine temperature t_fine the other channels need (double form, §8.1).
    ///
    /// t_fine is truncated to an integer, as the datasheet's code does.
    public static func temperature(adc: Int32, calibration c: BME280Calibration) -> (celsius: Double, fine: Int32) {
        let adc = Double(adc)
        let var1 = (adc / 16_384 - Double(c.digT1) / 1_024) * Double(c.digT2)
        let offset = adc / 131_072 - Double(c.digT1) / 8_192
        let var2 = offset * offset * Double(c.digT3)
        let sum = var1 + var2
        return (sum / 5_120, truncatedInt32(sum))
    }

    /// Pressure in Pa (double form, §8.1), or nil when the calibration makes the formula divide by zero.
    public static func pressure(adc: Int32, fine: Int32, calibration c: BME280Calibration) -> Double? {
        var var1 = Double(fine) / 2 - 64_000
        var var2 = var1 * var1 * Double(c.digP6) / 32_768
        var2 += var1 * Double(c.digP5) * 2
        var2 = var2 / 4 + Double(c.digP4) * 65_536
        var1 = (Double(c.digP3) * var1 * var1 / 524_288 + Double(c.digP2) * var1) / 524_288
        var1 = (1 + var1 / 32_768) * Double(c.digP1)
        guard var1 != 0 else { return nil }
        var pressure = 1_048_576 - Double(adc)
        pressure = (pressure - var2 / 4_096) * 6_250 / var1
        var1 = Double(c.digP9) * pressure * pressure / 2_147_483_648
        var2 = pressure * Double(c.digP8) / 32_768
        return pressure + (var1 + var2 + Double(c.digP7)) / 16
    }

    /// Relative humidity in %RH, limited to 0–100 as the datasheet's code does (double form, §8.1).
    public static func humidity(adc: Int32, fine: Int32, calibration c: BME280Calibration) -> Double {
        let x = Double(fine) - 76_800
        let offset = Double(adc) - (Double(c.digH4) * 64 + Double(c.digH5) / 16_384 * x)
        let gain = Double(c.digH2) / 65_536
            * (1 + Double(c.digH6) / 67_108_864 * x * (1 + Double(c.digH3) / 67_108_864 * x))
        var humidity = offset * gain
        humidity *= 1 - Double(c.digH1) * humidity / 524_288
        return min(100, max(0, humidity))
    }

    /// Temperature in hundredths of a °C and t_fine, by the datasheet's 32-bit integer formula (§4.2.3).
    ///
    /// Arithmetic wraps as the 32-bit C code would instead of trapping, so no bus value can crash it. (Swift's
    /// shifts bind tighter than its multiplications, hence the explicit parentheses throughout.)
    public static func temperatureInteger(adc: Int32, calibration c: BME280Calibration)
        -> (centidegrees: Int32, fine: Int32)
    {
        let t1 = Int32(c.digT1)
        let var1 = (((adc >> 3) &- (t1 << 1)) &* Int32(c.digT2)) >> 11
        let offset = (adc >> 4) &- t1
        let var2 = (((offset &* offset) >> 12) &* Int32(c.digT3)) >> 14
        let fine = var1 &+ var2
        return (((fine &* 5) &+ 128) >> 8, fine)
    }

    /// Pressure in Pa as unsigned Q24.8 (divide by 256), by the datasheet's 64-bit integer formula (§4.2.3);
    /// nil when the calibration makes it divide by zero.
    public static func pressureInteger(adc: Int32, fine: Int32, calibration c: BME280Calibration) -> UInt32? {
        var var1 = Int64(fine) - 128_000
        var var2 = var1 &* var1 &* Int64(c.digP6)
        var2 = var2 &+ ((var1 &* Int64(c.digP5)) << 17)
        var2 = var2 &+ (Int64(c.digP4) << 35)
        var1 = ((var1 &* var1 &* Int64(c.digP3)) >> 8) &+ ((var1 &* Int64(c.digP2)) << 12)
        var1 = (((Int64(1) << 47) &+ var1) &* Int64(c.digP1)) >> 33
        guard var1 != 0 else { return nil }
        let difference = 1_048_576 - Int64(adc)
        let numerator = ((difference << 31) &- var2) &* 3_125
        let (quotient, overflow) = numerator.dividedReportingOverflow(by: var1)
        guard !overflow else { return nil }
        var p = quotient
        var1 = (Int64(c.digP9) &* (p >> 13) &* (p >> 13)) >> 25
        var2 = (Int64(c.digP8) &* p) >> 19
        p = ((p &+ var1 &+ var2) >> 8) &+ (Int64(c.digP7) << 4)
        return UInt32(truncatingIfNeeded: p)
    }

    /// Relative humidity in %RH as unsigned Q22.10 (divide by 1024), by the datasheet's 32-bit integer formula
    /// (§4.2.3), limited there to 0…100 %RH.
    public static func humidityInteger(adc: Int32, fine: Int32, calibration c: BME280Calibration) -> UInt32 {
        let x = fine &- 76_800
        let offset = (((adc << 14) &- (Int32(c.digH4) << 20) &- (Int32(c.digH5) &* x)) &+ 16_384) >> 15
        let curvature = (((x &* Int32(c.digH6)) >> 10) &* (((x &* Int32(c.digH3)) >> 11) &+ 32_768)) >> 10
        let slope = (((curvature &+ 2_097_152) &* Int32(c.digH2)) &+ 8_192) >> 14
        var value = offset &* slope
        value = value &- (((((value >> 15) &* (value >> 15)) >> 7) &* Int32(c.digH1)) >> 4)
        value = min(419_430_400, max(0, value))
        return UInt32(value >> 12)
    }

    /// The reading a driver reports for `sample`: double compensation, pressure limited to 30 000–110 000 Pa,
    /// humidity to 0–100 %RH; channels that were skipped (or that the chip lacks) are nil.
    public static func reading(_ sample: BME280RawSample, calibration: BME280Calibration,
                               configuration: BME280Configuration, chip: BME280Chip) -> Reading {
        let (celsius, fine) = temperature(adc: sample.temperature, calibration: calibration)
        var reading = Reading(temperatureCelsius: celsius)
        if configuration.pressureOversampling != .skipped,
            let pascals = pressure(adc: sample.pressure, fine: fine, calibration: calibration)
        {
            reading.pressurePascals = min(maximumPressurePascals, max(minimumPressurePascals, pascals))
        }
        if chip.hasHumidity, configuration.humidityOversampling != .skipped, let adc = sample.humidity {
            reading.relativeHumidityPercent = humidity(adc: adc, fine: fine, calibration: calibration)
        }
        return reading
    }

    /// `value` truncated toward zero into Int32 range, as C's `(int32_t)` cast does for in-range values.
    static func truncatedInt32(_ value: Double) -> Int32 {
        guard value.isFinite else { return 0 }
        return Int32(max(Double(Int32.min), min(Double(Int32.max), value.rounded(.towardZero))))
    }
}
