import Foundation
import MoteHAL

/// The BMP388/BMP390 trimming coefficients as floating-point numbers, and the datasheet's float compensation.
///
/// The 21 NVM bytes at 0x31…0x45 (BMP388 datasheet §9.1, Table "Memory map of calibration data") hold fourteen
/// integers; §9.1 scales each by a power of two into the `par_*` values stored here, and §9.2/§9.3 turn raw ADC
/// readings into °C and Pa with them. Pure functions: testable without a bus.
public struct BMP388Calibration: Sendable, Equatable {
    /// par_t1 = NVM_PAR_T1 / 2^-8 (u16 at 0x31).
    public var t1: Double
    /// par_t2 = NVM_PAR_T2 / 2^30 (u16 at 0x33).
    public var t2: Double
    /// par_t3 = NVM_PAR_T3 / 2^48 (i8 at 0x35).
    public var t3: Double
    /// par_p1 = (NVM_PAR_P1 − 2^14) / 2^20 (i16 at 0x36).
    public var p1: Double
    /// par_p2 = (NVM_PAR_P2 − 2^14) / 2^29 (i16 at 0x38).
    public var p2: Double
    /// par_p3 = NVM_PAR_P3 / 2^32 (i8 at 0x3a).
    public var p3: Double
    /// par_p4 = NVM_PAR_P4 / 2^37 (i8 at 0x3b).
    public var p4: Double
    /// par_p5 = NVM_PAR_P5 / 2^-3 (u16 at 0x3c).
    public var p5: Double
    /// par_p6 = NVM_PAR_P6 / 2^6 (u16 at 0x3e).
    public var p6: Double
    /// par_p7 = NVM_PAR_P7 / 2^8 (i8 at 0x40).
    public var p7: Double
    /// par_p8 = NVM_PAR_P8 / 2^15 (i8 at 0x41).
    public var p8: Double
    /// par_p9 = NVM_PAR_P9 / 2^48 (i16 at 0x42).
    public var p9: Double
    /// par_p10 = NVM_PAR_P10 / 2^48 (i8 at 0x44).
    public var p10: Double
    /// par_p11 = NVM_PAR_P11 / 2^65 (i8 at 0x45).
    public var p11: Double

    /// How many NVM bytes hold the coefficients (0x31…0x45).
    public static let nvmLength = 21

    /// Scales the 21 calibration bytes read from 0x31 (little-endian words) as §9.1 prescribes.
    ///
    /// Throws `.implausibleData` for a wrong length and `.notCalibrated` for an NVM that reads all 0x00 or all 0xFF
    /// (a blank part, or a bus that returns nothing but the idle level).
    public init(nvm bytes: [UInt8]) throws(SensorError) {
        guard bytes.count == Self.nvmLength else {
            throw .implausibleData("BMP388 calibration NVM is \(Self.nvmLength) bytes, got \(bytes.count)")
        }
        if bytes.allSatisfy({ $0 == 0x00 }) || bytes.allSatisfy({ $0 == 0xFF }) {
            throw .notCalibrated("BMP388 calibration NVM (0x31…0x45) reads all 0x\(hex2(bytes[0]))")
        }
        func unsigned16(_ index: Int) -> Double { Double(UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])) }
        func signed16(_ index: Int) -> Double {
            Double(Int16(bitPattern: UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])))
        }
        func signed8(_ index: Int) -> Double { Double(Int8(bitPattern: bytes[index])) }
        t1 = unsigned16(0) * 0x1p8
        t2 = unsigned16(2) * 0x1p-30
        t3 = signed8(4) * 0x1p-48
        p1 = (signed16(5) - 16_384) * 0x1p-20
        p2 = (signed16(7) - 16_384) * 0x1p-29
        p3 = signed8(9) * 0x1p-32
        p4 = signed8(10) * 0x1p-37
        p5 = unsigned16(11) * 0x1p3
        p6 = unsigned16(13) * 0x1p-6
        p7 = signed8(15) * 0x1p-8
        p8 = signed8(16) * 0x1p-15
        p9 = signed16(17) * 0x1p-48
        p10 = signed8(19) * 0x1p-48
        p11 = signed8(20) * 0x1p-65
    }

    /// Compensated temperature (°C, the datasheet's t_lin) from the raw 24-bit temperature (§9.2).
    public func temperatureCelsius(rawTemperature raw: UInt32) -> Double {
        let offset = Double(raw) - t1
        return offset * t2 + offset * offset * t3
    }

    /// Compensated pressure (Pa) from the raw 24-bit pressure and the compensated temperature (§9.3).
    ///
    /// Offset and sensitivity are cubic in temperature; the raw value enters up to its cube.
    public func pressurePascals(rawPressure raw: UInt32, temperatureCelsius t: Double) -> Double {
        let u = Double(raw)
        let offset = p5 + p6 * t + p7 * t * t + p8 * t * t * t
        let sensitivity = p1 + p2 * t + p3 * t * t + p4 * t * t * t
        let quadratic = p9 + p10 * t
        return offset + u * sensitivity + u * u * quadratic + u * u * u * p11
    }
}

extension BMP388Calibration {
    /// The raw 24-bit pressure and temperature in the 6 bytes at 0x04…0x09, each XLSB, LSB, MSB (§4.3, DATA);
    /// nil unless there are exactly 6 bytes.
    public static func rawValues(_ data: [UInt8]) -> (pressure: UInt32, temperature: UInt32)? {
        guard data.count == 6 else { return nil }
        func word(_ index: Int) -> UInt32 {
            UInt32(data[index + 2]) << 16 | UInt32(data[index + 1]) << 8 | UInt32(data[index])
        }
        return (word(0), word(3))
    }

    /// A reading from the 6 data bytes: the float compensation of §9.2/§9.3, unclamped.
    ///
    /// Results far outside the chip's operating range (−40…85 °C, 300…1250 hPa), or all-zero data, throw
    /// `.implausibleData` rather than being clamped: a clamp would make a broken part look like extreme weather.
    /// With `measuresPressure` false the pressure bytes are ignored.
    public func reading(data: [UInt8], measuresPressure: Bool = true) throws(SensorError) -> Reading {
        guard let raw = Self.rawValues(data) else {
            throw .implausibleData("BMP388 data burst is 6 bytes (0x04…0x09), got \(data.count)")
        }
        if raw.temperature == 0, raw.pressure == 0 || !measuresPressure {
            throw .implausibleData("BMP388 data registers read zero (no measurement completed)")
        }
        let temperature = temperatureCelsius(rawTemperature: raw.temperature)
        guard (-60...120).contains(temperature) else {
            throw .implausibleData(
                "BMP388 temperature \(temperature) °C from raw 0x\(String(raw.temperature, radix: 16)) is outside "
                    + "what the chip can measure")
        }
        guard measuresPressure else { return Reading(temperatureCelsius: temperature) }
        let pressure = pressurePascals(rawPressure: raw.pressure, temperatureCelsius: temperature)
        guard (20_000...140_000).contains(pressure) else {
            throw .implausibleData(
                "BMP388 pressure \(pressure) Pa from raw 0x\(String(raw.pressure, radix: 16)) is outside what the "
                    + "chip can measure")
        }
        return Reading(temperatureCelsius: temperature, pressurePascals: pressure)
    }
}
