/// A primary battery: rated capacity, nominal voltage, and the two losses that make a lifetime estimate honest.
///
/// The model is deliberately the textbook one. Of the rated capacity, only `usableFraction` reaches the node: the
/// rest is lost to the node's cut-off voltage (the cells still hold charge the node cannot use), pulsed loads and
/// cold. Self-discharge takes `selfDischargePerYear` of the rated capacity every year, whatever the load. So a
/// node drawing `I` on average lasts `usable / (I + selfDischarge)` and, for a target lifetime `T`, may draw
/// `usable / T − selfDischarge`. Temperature, rate-dependence beyond the derating, and the voltage curve are not
/// modelled; `assumptions` says so in every output.
public struct Battery: Sendable, Equatable {
    /// Rated capacity (Ah), as the cell's datasheet gives it.
    public var capacityAmpereHours: Double
    /// Nominal voltage of the pack (V).
    public var nominalVolts: Double
    /// The fraction (0–1] of the rated capacity the node can use.
    public var usableFraction: Double
    /// The fraction of the rated capacity lost per year to self-discharge.
    public var selfDischargePerYear: Double

    /// Hours in a 365-day year, the year self-discharge rates are given per.
    public static let hoursPerYear = 8_760.0

    /// The derating used when nothing else is said: 65 % of the rated capacity usable.
    ///
    /// An assumption, not a measurement: two alkaline cells (2 × 1.5 V) powering a 3 V node reach its cut-off
    /// (about 2.7 V for a Mica2, Crossbow MPR/MIB User's Manual 7430-0021-06 Table 6-1: "3.6 to 2.7" V) well before
    /// the 0.8 V per cell at which a cell's rated capacity is measured (Energizer E91: 2850 mAh to 0.8 V at 25 mA,
    /// 21 °C). 0.65 is what the classic "two AA cells for a year ⇒ about 200 µA" reasoning implies; measure the
    /// node's cut-off against the cell's discharge curve and pass the real figure.
    public static let defaultUsableFraction = 0.65

    /// The self-discharge used when nothing else is said: 3 % of the rated capacity per year.
    ///
    /// An assumption: alkaline manufacturers quote shelf lives of five to ten years at 21 °C, i.e. a few percent of
    /// capacity per year; 3 %/year is a round figure in that range, not a datasheet value.
    public static let defaultSelfDischargePerYear = 0.03

    /// Creates a battery; fractions are checked by `validate()`.
    public init(capacityAmpereHours: Double, nominalVolts: Double,
                usableFraction: Double = Battery.defaultUsableFraction,
                selfDischargePerYear: Double = Battery.defaultSelfDischargePerYear) {
        self.capacityAmpereHours = capacityAmpereHours
        self.nominalVolts = nominalVolts
        self.usableFraction = usableFraction
        self.selfDischargePerYear = selfDischargePerYear
    }

    /// Two AA alkaline cells in series: 2850 mAh (Energizer E91 rating, 25 mA to 0.8 V, 21 °C) at 3 V.
    public static let twoAAAlkaline = Battery(capacityAmpereHours: 2.850, nominalVolts: 3.0)

    /// The charge the node can use (Ah).
    public var usableAmpereHours: Double { capacityAmpereHours * usableFraction }

    /// Self-discharge as an equivalent continuous current (A).
    public var selfDischargeAmperes: Double { capacityAmpereHours * selfDischargePerYear / Self.hoursPerYear }

    /// What is wrong with the figures, or nil when they make a battery.
    public func validate() -> String? {
        guard capacityAmpereHours > 0, capacityAmpereHours.isFinite else { return "capacity must be positive" }
        guard nominalVolts > 0, nominalVolts.isFinite else { return "voltage must be positive" }
        guard usableFraction > 0, usableFraction <= 1 else { return "the usable fraction must be in (0, 1]" }
        guard selfDischargePerYear >= 0, selfDischargePerYear < 1 else {
            return "self-discharge must be in [0, 1) of the capacity per year"
        }
        return nil
    }

    /// The average current (A) the node may draw to last `lifetime`; zero or negative when self-discharge alone
    /// empties the battery sooner.
    public func averageCurrentBudget(for lifetime: Duration) -> Double {
        usableAmpereHours * 3_600 / seconds(lifetime) - selfDischargeAmperes
    }

    /// How long the battery lasts at `averageCurrent` (A), from full.
    public func lifetime(averageCurrent: Double) -> Duration {
        duration(seconds: usableAmpereHours * 3_600 / (averageCurrent + selfDischargeAmperes))
    }

    /// The rated capacity (Ah) a battery of the same kind (same derating and self-discharge rate) needs to last
    /// `lifetime` at `averageCurrent`, or nil when no capacity can: self-discharge alone outpaces the lifetime.
    public func capacityNeeded(averageCurrent: Double, lifetime: Duration) -> Double? {
        let hours = seconds(lifetime) / 3_600
        let perAmpereHour = usableFraction / hours - selfDischargePerYear / Self.hoursPerYear
        guard perAmpereHour > 0 else { return nil }
        return averageCurrent / perAmpereHour
    }

    /// The usable charge left (Ah) after the node has drawn `consumedCoulombs` over `elapsed`; never below zero.
    public func remainingAmpereHours(consumedCoulombs: Double, elapsed: Duration) -> Double {
        max(0, usableAmpereHours - consumedCoulombs / 3_600 - selfDischargeAmperes * seconds(elapsed) / 3_600)
    }

    /// The budget for `lifetime` worked out step by step, as the textbook does it: `2850 mAh / 8760 h = 325.3 µA
    /// raw; × 0.65 usable = 211.5 µA; − 9.760 µA self-discharge = 201.7 µA`.
    public func budgetReasoning(for lifetime: Duration) -> String {
        let hours = seconds(lifetime) / 3_600
        let raw = capacityAmpereHours / hours
        let hoursText = HumanUnits.trimmed(HumanUnits.significant(hours))
        return "\(HumanUnits.charge(ampereHours: capacityAmpereHours)) / \(hoursText) h = "
            + "\(HumanUnits.current(raw)) raw; × \(HumanUnits.trimmed(formatDecimal(usableFraction, places: 3))) "
            + "usable = \(HumanUnits.current(raw * usableFraction)); − \(HumanUnits.current(selfDischargeAmperes)) "
            + "self-discharge = \(HumanUnits.current(averageCurrentBudget(for: lifetime)))"
    }

    /// The assumptions behind every figure derived from this battery, for the output.
    public var assumptions: [String] {
        [
            "battery: \(HumanUnits.charge(ampereHours: capacityAmpereHours)) rated at "
                + "\(formatDecimal(nominalVolts, places: 2)) V; \(HumanUnits.percent(usableFraction)) of it usable "
                + "(cut-off voltage, pulsed load and temperature derating)",
            "self-discharge: \(HumanUnits.percent(selfDischargePerYear)) of the rated capacity per year, "
                + "i.e. \(HumanUnits.current(selfDischargeAmperes)) continuous",
            "lifetime = usable charge / (average current + self-discharge); temperature and the voltage curve "
                + "are not modelled beyond the derating",
        ]
    }
}
