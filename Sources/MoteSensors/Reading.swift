import Foundation
import MoteHAL

/// One measurement of a sensor: the channels it has, in SI-derived units (°C, %RH, Pa); nil for absent channels.
public struct Reading: Sendable, Equatable {
    public var temperatureCelsius: Double?
    public var relativeHumidityPercent: Double?
    public var pressurePascals: Double?

    public init(temperatureCelsius: Double? = nil, relativeHumidityPercent: Double? = nil,
                pressurePascals: Double? = nil) {
        self.temperatureCelsius = temperatureCelsius
        self.relativeHumidityPercent = relativeHumidityPercent
        self.pressurePascals = pressurePascals
    }

    /// The reading with a user's per-channel offsets added; humidity stays within 0–100 %RH.
    public func applying(_ offsets: ChannelOffsets) -> Reading {
        Reading(
            temperatureCelsius: temperatureCelsius.map { $0 + offsets.temperatureCelsius },
            relativeHumidityPercent: relativeHumidityPercent.map { min(100, max(0, $0 + offsets.relativeHumidityPercent)) },
            pressurePascals: pressurePascals.map { $0 + offsets.pressurePascals })
    }

    /// Dew point in °C, when the reading has temperature and humidity (`Derived.dewPoint`).
    public var dewPointCelsius: Double? {
        guard let temperatureCelsius, let relativeHumidityPercent else { return nil }
        return Derived.dewPoint(temperatureCelsius: temperatureCelsius, relativeHumidityPercent: relativeHumidityPercent)
    }

    /// Absolute humidity in g/m³, when the reading has temperature and humidity (`Derived.absoluteHumidity`).
    public var absoluteHumidityGramsPerCubicMetre: Double? {
        guard let temperatureCelsius, let relativeHumidityPercent else { return nil }
        return Derived.absoluteHumidity(temperatureCelsius: temperatureCelsius,
                                        relativeHumidityPercent: relativeHumidityPercent)
    }
}

/// Corrections a user adds to each channel, e.g. from a calibration against a reference instrument.
public struct ChannelOffsets: Sendable, Equatable {
    public var temperatureCelsius: Double
    public var relativeHumidityPercent: Double
    public var pressurePascals: Double

    public init(temperatureCelsius: Double = 0, relativeHumidityPercent: Double = 0, pressurePascals: Double = 0) {
        self.temperatureCelsius = temperatureCelsius
        self.relativeHumidityPercent = relativeHumidityPercent
        self.pressurePascals = pressurePascals
    }
}

/// Values derived from a reading: dew point, absolute humidity, altitude and sea-level pressure.
public enum Derived {
    /// Magnus coefficients over water, from Sonntag (1990) as Sensirion's humidity application note uses them:
    /// valid from -45 °C to 60 °C.
    static let magnusB = 17.62
    static let magnusC = 243.12

    /// Dew point (°C) by the Magnus formula.
    public static func dewPoint(temperatureCelsius t: Double, relativeHumidityPercent rh: Double) -> Double {
        let gamma = log(max(rh, 1e-6) / 100) + magnusB * t / (magnusC + t)
        return magnusC * gamma / (magnusB - gamma)
    }

    /// Absolute humidity (g/m³): water vapour density from the Magnus saturation pressure (6.112 hPa at 0 °C) and
    /// the ideal gas law for water vapour (216.7 g·K/J = 1/R_v with pressure in hPa).
    public static func absoluteHumidity(temperatureCelsius t: Double, relativeHumidityPercent rh: Double) -> Double {
        let vapourPressureHectopascals = rh / 100 * 6.112 * exp(magnusB * t / (magnusC + t))
        return 216.7 * vapourPressureHectopascals / (273.15 + t)
    }

    /// Altitude (m) from pressure, by the international barometric formula of the standard atmosphere
    /// (Bosch BMP180 datasheet §3.6: h = 44330 · (1 − (p/p0)^(1/5.255))).
    public static func altitude(pressurePascals p: Double, seaLevelPascals p0: Double = 101_325) -> Double {
        44_330 * (1 - pow(p / p0, 1 / 5.255))
    }

    /// Sea-level pressure (Pa) from pressure measured at a known altitude, the inverse of `altitude`
    /// (Bosch BMP180 datasheet §3.7: p0 = p / (1 − h/44330)^5.255).
    public static func seaLevelPressure(pressurePascals p: Double, altitudeMetres h: Double) -> Double {
        p / pow(1 - h / 44_330, 5.255)
    }
}
