import Foundation
import MoteHAL

/// The two ST parts the LPS22 driver handles, told apart by WHO_AM_I (register 0x0F) and by their register maps.
public enum LPS22Variant: String, Sendable, CaseIterable {
    /// LPS22HB: WHO_AM_I 0xB1 (LPS22HB datasheet, WHO_AM_I); RES_CONF at 0x1A, maximum ODR 75 Hz.
    case lps22hb
    /// LPS22HH: WHO_AM_I 0xB3 (LPS22HH datasheet, WHO_AM_I); IF_CTRL at 0x0E, LOW_NOISE_EN in CTRL_REG2,
    /// maximum ODR 200 Hz (75 Hz in low-noise mode).
    case lps22hh

    /// The WHO_AM_I value this variant reports at register 0x0F.
    public var whoAmI: UInt8 { self == .lps22hb ? 0xB1 : 0xB3 }

    /// The variant reporting `whoAmI`, or nil.
    public init?(whoAmI: UInt8) {
        switch whoAmI {
        case 0xB1: self = .lps22hb
        case 0xB3: self = .lps22hh
        default: return nil
        }
    }
}

/// How an LPS22 measures in one-shot mode (ODR 000, power-down between measurements).
///
/// The defaults suit weather monitoring: low-power (LPS22HB low-current) mode, low-pass filter off, block data
/// update on.
public struct LPS22Configuration: Sendable, Equatable {
    /// The noise/current trade-off: LPS22HB RES_CONF `LC_EN` (1 = low-current), LPS22HH CTRL_REG2 `LOW_NOISE_EN`.
    public enum NoiseMode: Sendable, Equatable, CaseIterable {
        /// Fewer internal averages, less current (LPS22HB LC_EN = 1; LPS22HH LOW_NOISE_EN = 0).
        case lowPower
        /// More internal averages, lower noise (LPS22HB LC_EN = 0; LPS22HH LOW_NOISE_EN = 1).
        case lowNoise
    }

    /// The pressure low-pass filter: CTRL_REG1 `EN_LPFP` (bit 3) and `LPFP_CFG` (bit 2); bandwidth ODR/9 or ODR/20.
    public enum LowPassFilter: UInt8, Sendable, CaseIterable {
        /// Filter off: bandwidth ODR/2.
        case off = 0x00
        /// EN_LPFP = 1, LPFP_CFG = 0: bandwidth ODR/9.
        case odrOver9 = 0x08
        /// EN_LPFP = 1, LPFP_CFG = 1: bandwidth ODR/20.
        case odrOver20 = 0x0C
    }

    /// Low-power or low-noise conversion.
    public var noiseMode: NoiseMode
    /// The pressure low-pass filter.
    public var lowPassFilter: LowPassFilter
    /// Block data update: output registers are not updated until both parts have been read (CTRL_REG1 bit 1).
    public var blockDataUpdate: Bool

    /// Creates a configuration; the defaults are low power, no filter, block data update.
    public init(noiseMode: NoiseMode = .lowPower, lowPassFilter: LowPassFilter = .off, blockDataUpdate: Bool = true) {
        self.noiseMode = noiseMode
        self.lowPassFilter = lowPassFilter
        self.blockDataUpdate = blockDataUpdate
    }

    /// CTRL_REG1 (0x10): ODR 000 (power-down, one-shot), the filter bits, BDU in bit 1.
    public var controlRegister1: UInt8 { lowPassFilter.rawValue | (blockDataUpdate ? 0x02 : 0x00) }

    /// CTRL_REG2 (0x11) at rest: IF_ADD_INC (bit 4, register auto-increment) and, on an LPS22HH in low-noise mode,
    /// LOW_NOISE_EN (bit 1); the LPS22HB's bit 1 must stay 0.
    public func controlRegister2(for variant: LPS22Variant) -> UInt8 {
        0x10 | (variant == .lps22hh && noiseMode == .lowNoise ? 0x02 : 0x00)
    }

    /// The longest a one-shot conversion of pressure and temperature can take.
    ///
    /// Neither datasheet tabulates a one-shot time; a conversion cannot take longer than one period at the
    /// highest output data rate the mode supports, so that period is the bound: LPS22HB 1/75 Hz (CTRL_REG1 ODR
    /// field); LPS22HH 1/200 Hz in low-power mode and 1/75 Hz in low-noise mode (CTRL_REG1 ODR, CTRL_REG2
    /// LOW_NOISE_EN: low-noise only below 100 Hz; ST's lps22hh_reg.h lists low-noise rates up to 75 Hz).
    public func maximumConversionTime(for variant: LPS22Variant) -> Duration {
        variant == .lps22hh && noiseMode == .lowPower ? .microseconds(5_000) : .microseconds(13_334)
    }
}

/// Conversions of the LPS22HB/HH output registers (LPS22HB datasheet Table 3 sensitivities; the same on the HH).
public enum LPS22Conversion {
    /// Pressure sensitivity: 4096 LSB/hPa (Table 3, PsensP).
    public static let pressureLSBPerHectopascal = 4096.0
    /// Temperature sensitivity: 100 LSB/°C (Table 3, Tsens).
    public static let temperatureLSBPerDegree = 100.0

    /// The raw pressure (24-bit two's complement) and temperature (16-bit two's complement) in the 5 bytes
    /// PRESS_OUT_XL, _L, _H, TEMP_OUT_L, _H (0x28…0x2C); nil unless there are exactly 5 bytes.
    public static func rawValues(_ data: [UInt8]) -> (pressure: Int32, temperature: Int16)? {
        guard data.count == 5 else { return nil }
        let pressureBits = UInt32(data[2]) << 24 | UInt32(data[1]) << 16 | UInt32(data[0]) << 8
        let pressure = Int32(bitPattern: pressureBits) >> 8
        let temperature = Int16(bitPattern: UInt16(data[4]) << 8 | UInt16(data[3]))
        return (pressure, temperature)
    }

    /// Pressure in Pa: raw / 4096 hPa, × 100.
    public static func pressurePascals(raw: Int32) -> Double { Double(raw) / pressureLSBPerHectopascal * 100 }

    /// Temperature in °C: raw / 100.
    public static func temperatureCelsius(raw: Int16) -> Double { Double(raw) / temperatureLSBPerDegree }

    /// A reading from the 5 output bytes; a non-positive pressure (impossible for an absolute sensor) throws
    /// `.implausibleData`.
    public static func reading(data: [UInt8]) throws(SensorError) -> Reading {
        guard let raw = rawValues(data) else {
            throw .implausibleData("LPS22 output burst is 5 bytes (0x28…0x2c), got \(data.count)")
        }
        guard raw.pressure > 0 else {
            let bits = UInt32(bitPattern: raw.pressure) & 0xFF_FFFF
            throw .implausibleData(
                "LPS22 pressure output 0x\(String(bits, radix: 16)) is not a positive absolute pressure")
        }
        return Reading(temperatureCelsius: temperatureCelsius(raw: raw.temperature),
                       pressurePascals: pressurePascals(raw: raw.pressure))
    }
}

/// Register addresses shared by the LPS22HB and LPS22HH, and the LPS22HB's RES_CONF (datasheets, register map).
enum LPS22Register {
    static let whoAmI: UInt8 = 0x0F
    static let control1: UInt8 = 0x10
    static let control2: UInt8 = 0x11
    static let resolution: UInt8 = 0x1A
    static let status: UInt8 = 0x27
    static let pressureOut: UInt8 = 0x28
    static let softwareResetBit: UInt8 = 0x04
    static let oneShotBit: UInt8 = 0x01
    static let dataAvailableBits: UInt8 = 0x03
    static let pollAttempts = 3
    static let pollInterval = Duration.milliseconds(1)
}

/// An ST LPS22HB or LPS22HH barometer on I2C, measured one shot at a time from power-down.
///
/// `init` reads WHO_AM_I (0xB1 LPS22HB, 0xB3 LPS22HH), software-resets the chip (SWRESET, waiting for the bit to
/// clear) and writes the configuration with ODR 000 (power-down). `read()` sets ONE_SHOT, waits the maximum
/// conversion time, checks STATUS P_DA/T_DA and reads PRESS_OUT_XL…TEMP_OUT_H in one 5-byte burst (IF_ADD_INC
/// auto-increment). Only register reads and single-register writes: SMBus-only adapters work too.
public struct LPS22<Bus: I2CBus>: SensorDriver {
    /// The driver's configuration type.
    public typealias Configuration = LPS22Configuration

    /// The address with SA0 tied to GND; 0x5D with SA0 tied to supply (datasheets, I2C operation).
    public static var defaultAddress: I2CAddress { I2CAddress(0x5C)! }

    /// The LPS22HB's figures for the default configuration.
    public static var datasheet: SensorDatasheet { datasheet(for: .lps22hb, configuration: Configuration()) }

    /// Timing and currents for `variant` in `configuration`.
    ///
    /// The datasheets give supply currents averaged at ODR 1 Hz, not during a conversion; the measuring current
    /// here is derived as (I_1Hz − I_power-down) · 1 s / conversion time + I_power-down, the current that spends
    /// the same charge per sample. Start-up: 4.5 ms boot after power-up (not re-verified).
    public static func datasheet(for variant: LPS22Variant, configuration: Configuration) -> SensorDatasheet {
        let conversion = configuration.maximumConversionTime(for: variant)
        let seconds = Double(conversion.components.seconds) + Double(conversion.components.attoseconds) * 1e-18
        let lowPower = configuration.noiseMode == .lowPower
        let (averageAt1Hz, powerDown, source): (Double, Double, String) = switch variant {
        case .lps22hb:
            (lowPower ? 3e-6 : 12e-6, 1e-6,
             "ST LPS22HB datasheet DocID027083 Rev 6: Table 4 (Idd at 1 Hz: 3 µA low-current, 12 µA normal; "
                + "power-down 1 µA); one-shot time bounded by the 75 Hz maximum ODR")
        case .lps22hh:
            (lowPower ? 4e-6 : 12e-6, 0.9e-6,
             "ST LPS22HH datasheet DocID030890 Rev 2: Table 4 (Idd at 1 Hz: 4 µA low-power, 12 µA low-noise; "
                + "power-down 0.9 µA); one-shot time bounded by the 200 Hz (low-noise 75 Hz) maximum ODR")
        }
        return SensorDatasheet(
            part: variant == .lps22hb ? "ST LPS22HB" : "ST LPS22HH", source: source, supplyVolts: 1.8,
            startupTime: .microseconds(4_500), measurementTime: conversion,
            currents: [.sleep: powerDown, .measuring: (averageAt1Hz - powerDown) / seconds + powerDown])
    }

    /// `lps22hb` or `lps22hh`, from WHO_AM_I.
    public var model: String { variant.rawValue }
    /// Where the chip answers.
    public let address: I2CAddress
    /// Which chip answered.
    public let variant: LPS22Variant
    /// The settings `read()` measures with.
    public let configuration: Configuration
    /// Timing and currents for this chip and configuration.
    public var datasheet: SensorDatasheet { Self.datasheet(for: variant, configuration: configuration) }

    private let bus: Bus
    private let delay: any Delay

    /// Identifies, software-resets and configures the chip at `address`.
    ///
    /// Throws `.unsupportedChip` when WHO_AM_I is neither 0xB1 nor 0xB3, `.timedOut` when SWRESET does not clear,
    /// and `.bus` for bus errors.
    public init(bus: Bus, address: I2CAddress = Self.defaultAddress, delay: any Delay,
                configuration: Configuration = .init()) throws(SensorError) {
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        let whoAmI = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: LPS22Register.whoAmI, count: 1).first ?? 0
        }
        guard let variant = LPS22Variant(whoAmI: whoAmI) else {
            throw .unsupportedChip(
                id: UInt32(whoAmI),
                detail: "WHO_AM_I (register 0x0f) at \(address) on \(bus.name) reads 0x\(hex2(whoAmI)), not an "
                    + "LPS22HB (0xb1) or LPS22HH (0xb3)")
        }
        self.variant = variant
        try softwareReset()
        try configure()
    }

    /// Takes one one-shot measurement of pressure and temperature.
    public mutating func read() throws(SensorError) -> Reading {
        let bus = bus
        let address = address
        let trigger = configuration.controlRegister2(for: variant) | LPS22Register.oneShotBit
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: LPS22Register.control2, [trigger])
        }
        let conversion = configuration.maximumConversionTime(for: variant)
        delay.sleep(for: conversion)
        for attempt in 1...LPS22Register.pollAttempts {
            let status = try onBus { () throws(HardwareError) in
                try bus.readRegisters(address, from: LPS22Register.status, count: 1).first ?? 0
            }
            if status & LPS22Register.dataAvailableBits == LPS22Register.dataAvailableBits { break }
            if attempt == LPS22Register.pollAttempts {
                throw .timedOut("\(variant.rawValue) at \(address): STATUS 0x\(hex2(status)) lacks P_DA/T_DA "
                    + "\(conversion) after ONE_SHOT")
            }
            delay.sleep(for: LPS22Register.pollInterval)
        }
        let data = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: LPS22Register.pressureOut, count: 5)
        }
        return try LPS22Conversion.reading(data: data)
    }

    /// Software reset (CTRL_REG2 SWRESET): user registers return to their defaults; waits for the bit to clear.
    ///
    /// The configuration is not restored; `init` writes it after its reset.
    public func softwareReset() throws(SensorError) {
        let bus = bus
        let address = address
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: LPS22Register.control2, [0x10 | LPS22Register.softwareResetBit])
        }
        for attempt in 1...LPS22Register.pollAttempts {
            let control2 = try onBus { () throws(HardwareError) in
                try bus.readRegisters(address, from: LPS22Register.control2, count: 1).first ?? 0
            }
            if control2 & LPS22Register.softwareResetBit == 0 { return }
            if attempt == LPS22Register.pollAttempts {
                throw .timedOut("\(variant.rawValue) at \(address): SWRESET still set in CTRL_REG2 0x\(hex2(control2))")
            }
            delay.sleep(for: LPS22Register.pollInterval)
        }
    }

    private func configure() throws(SensorError) {
        let bus = bus
        let address = address
        let variant = variant
        let configuration = configuration
        try onBus { () throws(HardwareError) in
            switch variant {
            case .lps22hb:
                // RES_CONF bit 0 LC_EN, written only in power-down; the other bits are kept as read.
                let resolution = try bus.readRegisters(address, from: LPS22Register.resolution, count: 1).first ?? 0
                let lowCurrent: UInt8 = configuration.noiseMode == .lowPower ? 0x01 : 0x00
                try bus.writeRegisters(address, at: LPS22Register.resolution, [resolution & 0xFE | lowCurrent])
            case .lps22hh:
                let control2 = configuration.controlRegister2(for: variant)
                try bus.writeRegisters(address, at: LPS22Register.control2, [control2])
            }
            try bus.writeRegisters(address, at: LPS22Register.control1, [configuration.controlRegister1])
        }
    }
}
