import Foundation
import MoteHAL
import MoteSensors

/// One device's result in one round: a reading, or the error that stopped it.
struct ReadingResult {
    var bus: Int
    var address: I2CAddress
    var model: String
    var time: Date
    var reading: Reading?
    var error: String?
}

/// Prints readings as a table, JSON lines, CSV or InfluxDB line protocol.
struct ReadingOutput {
    var format: Read.Format
    var watch: Bool
    var derived: Bool
    var altitude: Double?
    var seaLevelPressure: Double?
    var temperatureUnit: Read.TemperatureUnit
    var pressureUnit: Read.PressureUnit
    /// The MODEL column's least width, so tables printed a reading at a time (the duty cycle) line up.
    var modelColumnWidth = 0

    /// The machine-readable fields of a result, in a fixed order, SI units, with derived values when asked.
    func fields(_ result: ReadingResult) -> [(String, Double)] {
        guard let reading = result.reading else { return [] }
        var fields: [(String, Double)] = []
        if let value = reading.temperatureCelsius { fields.append(("temperature_celsius", value)) }
        if let value = reading.relativeHumidityPercent { fields.append(("relative_humidity_percent", value)) }
        if let value = reading.pressurePascals { fields.append(("pressure_pascals", value)) }
        if derived, let value = reading.dewPointCelsius { fields.append(("dew_point_celsius", value)) }
        if derived, let value = reading.absoluteHumidityGramsPerCubicMetre {
            fields.append(("absolute_humidity_grams_per_cubic_metre", value))
        }
        if let altitude, let pressure = reading.pressurePascals {
            fields.append(("sea_level_pressure_pascals",
                           Derived.seaLevelPressure(pressurePascals: pressure, altitudeMetres: altitude)))
        }
        if let seaLevelPressure, let pressure = reading.pressurePascals {
            fields.append(("altitude_metres", Derived.altitude(pressurePascals: pressure, seaLevelPascals: seaLevelPressure)))
        }
        return fields
    }

    /// RFC 3339 in UTC with milliseconds: `2026-11-21T14:05:00.123Z`.
    static let timeFormatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)

    func emit(_ results: [ReadingResult], round: Int) {
        switch format {
        case .table: table(results, round: round)
        case .json: results.forEach { print(json($0)) }
        case .csv:
            if round == 0 {
                print((["time", "bus", "address", "model"] + csvColumns + ["error"]).joined(separator: ","))
            }
            results.forEach { print(csv($0)) }
        case .influx: results.filter { $0.reading != nil }.forEach { print(influx($0)) }
        }
        fflush(nil)
    }

    /// Every column a CSV can have, so rows line up whatever each sensor measures.
    var csvColumns: [String] {
        var columns = ["temperature_celsius", "relative_humidity_percent", "pressure_pascals"]
        if derived { columns += ["dew_point_celsius", "absolute_humidity_grams_per_cubic_metre"] }
        if altitude != nil { columns.append("sea_level_pressure_pascals") }
        if seaLevelPressure != nil { columns.append("altitude_metres") }
        return columns
    }

    func json(_ result: ReadingResult) -> String {
        var parts = [
            "\"bus\":\(result.bus)", "\"address\":\"\(result.address)\"", "\"model\":\(quoted(result.model))",
            "\"time\":\"\(Self.timeFormatter.format(result.time))\"",
        ]
        parts += fields(result).map { "\"\($0.0)\":\(number($0.1))" }
        if let error = result.error { parts.append("\"error\":\(quoted(error))") }
        return "{" + parts.joined(separator: ",") + "}"
    }

    func csv(_ result: ReadingResult) -> String {
        let values = Dictionary(fields(result), uniquingKeysWith: { $1 })
        let cells = [Self.timeFormatter.format(result.time), String(result.bus), result.address.description,
                     result.model] + csvColumns.map { values[$0].map(number) ?? "" }
            + [result.error.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" } ?? ""]
        return cells.joined(separator: ",")
    }

    func influx(_ result: ReadingResult) -> String {
        let fieldText = fields(result).map { "\($0.0)=\(number($0.1))" }.joined(separator: ",")
        let nanoseconds = Int64((result.time.timeIntervalSince1970 * 1e9).rounded())
        return "mote,bus=\(result.bus),address=\(result.address),model=\(result.model) \(fieldText) \(nanoseconds)"
    }

    func table(_ results: [ReadingResult], round: Int) {
        let temperatureHeader = temperatureUnit == .celsius ? "TEMP °C" : "TEMP °F"
        let pressureHeader = pressureUnit == .hpa ? "PRESSURE hPa" : "PRESSURE Pa"
        var header = ["ADDRESS", "MODEL", temperatureHeader, "HUMIDITY %RH", pressureHeader]
        if derived { header += ["DEW POINT °C", "ABS HUM g/m³"] }
        if altitude != nil { header.append("SEA LEVEL hPa") }
        if seaLevelPressure != nil { header.append("ALTITUDE m") }
        header.append("STATUS")
        var rows: [[String]] = []
        for result in results {
            let reading = result.reading
            let temperature: String = reading?.temperatureCelsius.map { celsius in
                fixed(temperatureUnit == .celsius ? celsius : celsius * 9 / 5 + 32, 2)
            } ?? "-"
            let humidity: String = reading?.relativeHumidityPercent.map { fixed($0, 2) } ?? "-"
            let pressure: String = reading?.pressurePascals.map { fixed(pressureUnit == .hpa ? $0 / 100 : $0, 2) } ?? "-"
            var row = [result.address.description, result.model, temperature, humidity, pressure]
            if derived {
                row.append(reading?.dewPointCelsius.map { fixed($0, 2) } ?? "-")
                row.append(reading?.absoluteHumidityGramsPerCubicMetre.map { fixed($0, 2) } ?? "-")
            }
            if let altitude {
                row.append(reading?.pressurePascals.map {
                    fixed(Derived.seaLevelPressure(pressurePascals: $0, altitudeMetres: altitude) / 100, 2)
                } ?? "-")
            }
            if let seaLevelPressure {
                row.append(reading?.pressurePascals.map {
                    fixed(Derived.altitude(pressurePascals: $0, seaLevelPascals: seaLevelPressure), 1)
                } ?? "-")
            }
            row.append(result.error ?? "ok")
            rows.append(row)
        }
        let widths = header.indices.map { column in
            max(([header[column]] + rows.map { $0[column] }).map(\.count).max() ?? 0, column == 1 ? modelColumnWidth : 0)
        }
        let render = { (cells: [String]) in
            zip(cells, widths).map { $0.padding($1) }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        if watch {
            print("\u{1B}[H\u{1B}[2J", terminator: "")
            let time = results.first.map { Self.timeFormatter.format($0.time) } ?? ""
            print("mote read — bus \(results.first?.bus ?? 0) — \(time) — round \(round + 1) (Ctrl-C to stop)\n")
        }
        if watch || round == 0 { print(render(header)) }
        rows.forEach { print(render($0)) }
    }

    private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }

    /// A number as JSON, CSV and line protocol want it: rounded to 4 decimals (below every sensor's resolution),
    /// in Swift's shortest form, so 100919.4382 Pa keeps its precision and 22.5 stays 22.5.
    private func number(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let rounded = (value * 10_000).rounded() / 10_000
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : String(rounded)
    }

    private func quoted(_ text: String) -> String {
        var escaped = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default:
                escaped += scalar.value < 0x20 ? String(format: "\\u%04x", scalar.value) : String(scalar)
            }
        }
        return escaped + "\""
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }
}
