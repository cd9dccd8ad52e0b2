/// A value with a unit that could not be read: what was given and what was expected, valid units listed.
public struct UnitError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text as given.
    public var text: String
    /// What was wrong: `unknown unit "mWh" for a capacity; valid units: mAh, Ah`.
    public var message: String

    /// `"TEXT": message`.
    public var description: String { "\"\(text)\": \(message)" }
}

/// A physical quantity as the CLI and configuration files write it: a number and a unit, no space needed.
///
/// Parsing is strict: the unit is required, matched exactly (case matters: `mAh`, not `MAH`), and must be one of
/// the kind's units; the value must be a finite positive decimal. `m` alone is refused for durations (minutes or
/// milli-?): write `min` or `ms`.
public enum Quantity: String, Sendable, CaseIterable {
    /// Battery capacity, in ampere-hours.
    case capacity
    /// Voltage, in volts.
    case voltage
    /// Duration, in seconds (`y` is 365 days).
    case duration
    /// Current, in amperes.
    case current

    /// The accepted units and their factor to the SI (or ampere-hour) base.
    public var units: [(symbol: String, factor: Double)] {
        switch self {
        case .capacity: return [("mAh", 1e-3), ("Ah", 1)]
        case .voltage: return [("mV", 1e-3), ("V", 1)]
        case .duration:
            return [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("ms", 1e-3), ("s", 1), ("min", 60), ("h", 3600),
                    ("d", 86_400), ("y", 365 * 86_400)]
        case .current: return [("nA", 1e-9), ("uA", 1e-6), ("µA", 1e-6), ("mA", 1e-3), ("A", 1)]
        }
    }

    /// An example to show in messages.
    public var example: String {
        switch self {
        case .capacity: return "2850mAh"
        case .voltage: return "3V"
        case .duration: return "365d"
        case .current: return "200uA"
        }
    }

    /// Reads `text` (`2850mAh`, `2.85Ah`, `3V`, `3300mV`, `365d`, `1.5h`, `200µA`) as this quantity: ampere-hours
    /// for a capacity, volts, seconds, amperes.
    public func parse(_ text: String) throws(UnitError) -> Double {
        let trimmed = text.trimmingPrefix(while: { $0 == " " })
        let numberEnd = trimmed.firstIndex { !($0.isNumber || $0 == "." || $0 == "e" || $0 == "E" || $0 == "+") }
            ?? trimmed.endIndex
        let numberText = String(trimmed[..<numberEnd])
        let unit = String(trimmed[numberEnd...]).trimmingPrefix(while: { $0 == " " })
        let symbols = units.map(\.symbol).joined(separator: ", ")
        guard !numberText.isEmpty, let value = Double(numberText), value.isFinite else {
            throw UnitError(text: text, message: "not a \(rawValue): write a number and a unit, e.g. \(example) "
                + "(units: \(symbols))")
        }
        guard !unit.isEmpty else {
            throw UnitError(text: text, message: "a \(rawValue) needs a unit: \(symbols) (e.g. \(example))")
        }
        guard let factor = units.first(where: { $0.symbol == unit })?.factor else {
            throw UnitError(text: text, message: "unknown unit \"\(unit)\" for a \(rawValue); valid units: \(symbols)")
        }
        guard value > 0 else {
            throw UnitError(text: text, message: "a \(rawValue) must be greater than zero")
        }
        return value * factor
    }

    /// Reads a duration, as `parse` does, as a `Duration`.
    public static func parseDuration(_ text: String) throws(UnitError) -> Duration {
        MoteEnergy.duration(seconds: try Quantity.duration.parse(text))
    }
}

/// Human-readable figures for tables: engineering prefixes, three significant digits.
public enum HumanUnits {
    /// `201.7 µA`, `4.600 mA`, `1.200 A`.
    public static func current(_ amperes: Double) -> String {
        scaled(amperes, [(1, "A"), (1e-3, "mA"), (1e-6, "µA"), (1e-9, "nA")])
    }

    /// `2850 mAh` from ampere-hours (Ah from 100 Ah up).
    public static func charge(ampereHours: Double) -> String {
        scaled(ampereHours, [(100, "Ah", 1), (1e-3, "mAh", 1e-3), (1e-6, "µAh", 1e-6), (1e-9, "nAh", 1e-9)])
    }

    /// `159.2 µC`, `1.234 mC`: the charge of one task run.
    public static func charge(coulombs: Double) -> String {
        scaled(coulombs, [(1, "C"), (1e-3, "mC"), (1e-6, "µC"), (1e-9, "nC")])
    }

    /// `12.3 J`, `4.56 mJ`, `1.2 kJ`.
    public static func energy(joules: Double) -> String {
        scaled(joules, [(1e6, "MJ"), (1e3, "kJ"), (1, "J"), (1e-3, "mJ"), (1e-6, "µJ"), (1e-9, "nJ")])
    }

    /// `250 ms`, `5.76 s`, `12 min`, `3 h`, `365 d`, `12.5 y`: three significant digits, trailing zeros dropped.
    public static func duration(_ value: Duration) -> String {
        let total = seconds(value)
        let magnitude = abs(total)
        let short = { (value: Double, unit: String) in trimmed(significant(value, digits: 3)) + " " + unit }
        if magnitude == 0 { return "0 s" }
        if magnitude < 1e-6 { return short(total * 1e9, "ns") }
        if magnitude < 1e-3 { return short(total * 1e6, "µs") }
        if magnitude < 1 { return short(total * 1e3, "ms") }
        if magnitude < 120 { return short(total, "s") }
        if magnitude < 7_200 { return short(total / 60, "min") }
        if magnitude < 172_800 { return short(total / 3_600, "h") }
        if magnitude < 2 * 31_536_000 { return short(total / 86_400, "d") }
        return short(total / 31_536_000, "y")
    }

    /// `12.5 %` from a fraction.
    public static func percent(_ fraction: Double) -> String {
        formatDecimal(fraction * 100, places: 1) + " %"
    }

    private static func scaled(_ value: Double, _ prefixes: [(Double, String)]) -> String {
        scaled(value, prefixes.map { ($0.0, $0.1, $0.0) })
    }

    /// `prefixes`: (threshold, symbol, factor): the first whose threshold the magnitude reaches is used.
    private static func scaled(_ value: Double, _ prefixes: [(Double, String, Double)]) -> String {
        let magnitude = abs(value)
        for (threshold, symbol, factor) in prefixes where magnitude >= threshold * 0.99995 {
            return significant(value / factor) + " " + symbol
        }
        guard let last = prefixes.last else { return significant(value) }
        // Zero in the unprefixed unit (`0 J`, not `0 MJ`).
        let unit = prefixes.first { $0.2 == 1 }?.1 ?? prefixes.first?.1 ?? last.1
        return magnitude == 0 ? "0 \(unit)" : significant(value / last.2) + " " + last.1
    }

    /// Four (or `digits`) significant digits, never in exponent form: 0.1234, 1.234, 12.34, 123.4, 1234.
    static func significant(_ value: Double, digits: Int = 4) -> String {
        let magnitude = abs(value)
        var places = digits - 1
        var limit = 10.0
        while places > 0, magnitude >= limit * 0.99995 {
            places -= 1
            limit *= 10
        }
        return formatDecimal(value, places: places)
    }

    /// `5.00` → `5`, `5.70` → `5.7`.
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = Substring(text)
        while result.hasSuffix("0") { result = result.dropLast() }
        if result.hasSuffix(".") { result = result.dropLast() }
        return String(result)
    }
}

/// `value` with exactly `places` decimals (rounded half away from zero), without Foundation.
func formatDecimal(_ value: Double, places: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
    var scale = 1.0
    for _ in 0..<places { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e18 else { return String(value) }
    let integer = Int64(scaled)
    let divisor = Int64(scale)
    let whole = integer / divisor
    let fraction = integer % divisor
    let sign = value < 0 && integer != 0 ? "-" : ""
    guard places > 0 else { return sign + String(whole) }
    let digits = String(fraction)
    return sign + String(whole) + "." + String(repeating: "0", count: places - digits.count) + digits
}
