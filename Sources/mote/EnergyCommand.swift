import ArgumentParser
import Foundation
import MoteEnergy
import MoteTOML

/// `mote energy`: plan task periods for a battery and lifetime, and show what the node's ledger has recorded.
struct Energy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "energy",
        abstract: "Plan sampling periods for a battery budget, and report the energy ledger.",
        subcommands: [Plan.self, Report.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json
    }
}

extension Energy {
    struct Plan: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Choose task periods that make a battery last the lifetime asked for.",
            discussion: """
                Every task runs at the same fraction of its fastest rate, within its period bounds, as fast as the \
                average-current budget allows. The budget is the battery's usable charge over the lifetime, minus \
                self-discharge. Profiles: \(BoardProfiles.names.joined(separator: ", ")) (default \
                \(BoardProfiles.defaultName)); a --config file (TOML) overrides any figure or task of the profile.
                """)

        @Option(help: ArgumentHelp("Rated battery capacity: mAh or Ah (e.g. 2850mAh).", valueName: "capacity"))
        var battery: String

        @Option(help: ArgumentHelp("Nominal battery voltage: V or mV (e.g. 3V).", valueName: "voltage"))
        var voltage: String

        @Option(help: ArgumentHelp("Lifetime to reach: ms, s, min, h, d or y (e.g. 365d).", valueName: "duration"))
        var lifetime: String

        @OptionGroup var powerModel: PowerModelOptions

        @Option(help: ArgumentHelp(
            "Fraction of the rated capacity the node can use (default \(Battery.defaultUsableFraction)).",
            valueName: "fraction"))
        var usableFraction: Double?

        @Option(help: ArgumentHelp(
            "Fraction of the rated capacity lost per year (default \(Battery.defaultSelfDischargePerYear)).",
            valueName: "fraction"))
        var selfDischargePerYear: Double?

        @Option(help: "Output format: table or json.")
        var format: Format = .table

        func run() throws {
            let capacity = try quantity(.capacity, battery, option: "--battery")
            let volts = try quantity(.voltage, voltage, option: "--voltage")
            let life = try Duration.seconds(quantity(.duration, lifetime, option: "--lifetime"))
            let (model, overrides) = try powerModel.load()
            let pack = Battery(
                capacityAmpereHours: capacity, nominalVolts: volts,
                usableFraction: usableFraction ?? overrides.usableFraction ?? Battery.defaultUsableFraction,
                selfDischargePerYear: selfDischargePerYear ?? overrides.selfDischargePerYear
                    ?? Battery.defaultSelfDischargePerYear)
            let plan = try planOrFail(model, battery: pack, lifetime: life)
            switch format {
            case .table: print(PlanTable(plan: plan, model: model).text, terminator: "")
            case .json: try printJSON(PlanJSON(plan, model: model))
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the persisted energy ledger: totals per component, state and activity.",
            discussion: """
                The node saves its ledger to STATE-DIR/ledger.json while it runs; totals add up over restarts. \
                A damaged ledger is reported and left as it is.
                """)

        @OptionGroup var stateDirectory: StateDirectoryOptions

        @Option(help: "Output format: table or json.")
        var format: Format = .table

        func run() throws {
            let store = stateDirectory.store
            let loaded: LedgerSnapshot?
            do {
                loaded = try store.load()
            } catch {
                throw Failure(error)
            }
            guard let snapshot = loaded else {
                throw Failure("\(store.path): no energy ledger yet (the node writes it while it runs)",
                              code: Failure.missingInput)
            }
            switch format {
            case .table: print(ReportTable(snapshot: snapshot, path: store.path).text, terminator: "")
            case .json: try printJSON(ReportJSON(snapshot, path: store.path))
            }
        }
    }
}

/// Reads `text` as a quantity, turning a bad unit into a usage failure that names the option.
func quantity(_ kind: Quantity, _ text: String, option: String) throws -> Double {
    do {
        return try kind.parse(text)
    } catch {
        throw Failure("\(option) \(error)", code: Failure.usage)
    }
}

/// The profile (and configuration) as a model, or the failure to show.
func loadModel(profile: String?, config: String?) throws -> (PowerModel, BatteryOverrides) {
    var configuration: (file: String, text: String)?
    if let config {
        guard let text = try? String(contentsOfFile: config, encoding: .utf8) else {
            throw Failure(TOMLFileError(file: config, line: nil, message: TOMLFileError.readFailure(config)))
        }
        configuration = (config, text)
    }
    do {
        let loaded = try BoardProfiles.load(profile, config: configuration)
        return (loaded.model, loaded.battery)
    } catch {
        switch error {
        case .unknownProfile: throw Failure("--profile: \(error)", code: Failure.usage)
        case .file(let fileError): throw Failure(fileError)
        }
    }
}

// MARK: - Plan output

/// The plan as a table for people: currents in µA/mA, periods in s/min/h.
struct PlanTable {
    var plan: EnergyPlan
    var model: PowerModel

    var text: String {
        var lines: [String] = []
        let battery = plan.battery
        lines.append("profile \(model.name): \(model.summary)")
        lines.append("battery: \(HumanUnits.charge(ampereHours: battery.capacityAmpereHours)) at "
            + "\(formatNumber(battery.nominalVolts)) V for \(HumanUnits.duration(plan.targetLifetime))")
        lines.append("budget: " + battery.budgetReasoning(for: plan.targetLifetime) + " average")
        lines.append("")
        let rows = plan.tasks.map { task in
            [task.need.name, task.need.component, HumanUnits.duration(task.period),
             HumanUnits.duration(task.need.minimumPeriod) + " – " + HumanUnits.duration(task.need.maximumPeriod),
             HumanUnits.charge(coulombs: task.chargePerRunCoulombs), HumanUnits.current(task.averageCurrentAmperes)]
        }
        lines += columns(["TASK", "COMPONENT", "PERIOD", "BOUNDS", "PER RUN", "AVERAGE"], rows, rightAligned: [2, 4, 5])
        lines.append("")
        lines.append("predicted average current: \(HumanUnits.current(plan.averageCurrentAmperes)) "
            + "(\(HumanUnits.percent(plan.averageCurrentAmperes / plan.budgetAmperes)) of the budget; always-on "
            + "floor \(HumanUnits.current(plan.floorAmperes)))")
        lines.append("predicted lifetime: \(HumanUnits.duration(plan.lifetime))")
        if plan.budgetExceedsNeeds {
            lines.append("every task runs at its minimum period: the budget is more than the tasks can use")
        }
        lines.append("")
        let largest = plan.components.first?.averageCurrentAmperes ?? 0
        let shareRows = plan.components.map { share in
            [share.component, HumanUnits.current(share.averageCurrentAmperes), HumanUnits.percent(share.fraction),
             bar(share.averageCurrentAmperes, of: largest, width: 30)]
        }
        lines += columns(["COMPONENT", "AVERAGE", "SHARE", ""], shareRows, rightAligned: [1, 2])
        if let dominant = plan.dominant {
            lines.append("dominant: \(dominant.component) (\(HumanUnits.percent(dominant.fraction)) of the average "
                + "current)")
        }
        lines.append("")
        lines.append("assumptions:")
        lines += plan.assumptions.map { "  - " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The plan for machines: SI units throughout.
struct PlanJSON: Encodable {
    struct BatteryJSON: Encodable {
        var capacityAmpereHours: Double
        var nominalVolts: Double
        var usableFraction: Double
        var selfDischargePerYear: Double

        enum CodingKeys: String, CodingKey {
            case capacityAmpereHours = "capacity_ampere_hours", nominalVolts = "nominal_volts"
            case usableFraction = "usable_fraction", selfDischargePerYear = "self_discharge_per_year"
        }
    }

    struct TaskJSON: Encodable {
        var name: String
        var component: String
        var periodSeconds: Double
        var minPeriodSeconds: Double
        var maxPeriodSeconds: Double
        var chargePerRunCoulombs: Double
        var averageCurrentAmperes: Double

        enum CodingKeys: String, CodingKey {
            case name, component, periodSeconds = "period_seconds", minPeriodSeconds = "min_period_seconds"
            case maxPeriodSeconds = "max_period_seconds", chargePerRunCoulombs = "charge_per_run_coulombs"
            case averageCurrentAmperes = "average_current_amperes"
        }
    }

    struct ComponentJSON: Encodable {
        var name: String
        var averageCurrentAmperes: Double
        var fraction: Double

        enum CodingKeys: String, CodingKey {
            case name, averageCurrentAmperes = "average_current_amperes", fraction
        }
    }

    var profile: String
    var battery: BatteryJSON
    var targetLifetimeSeconds: Double
    var budgetAmperes: Double
    var floorAmperes: Double
    var averageCurrentAmperes: Double
    var budgetUsedFraction: Double
    var lifetimeSeconds: Double
    var tasks: [TaskJSON]
    var components: [ComponentJSON]
    var dominantComponent: String?
    var assumptions: [String]

    enum CodingKeys: String, CodingKey {
        case profile, battery, targetLifetimeSeconds = "target_lifetime_seconds", budgetAmperes = "budget_amperes"
        case floorAmperes = "floor_amperes", averageCurrentAmperes = "average_current_amperes"
        case budgetUsedFraction = "budget_used_fraction", lifetimeSeconds = "lifetime_seconds", tasks, components
        case dominantComponent = "dominant_component", assumptions
    }

    init(_ plan: EnergyPlan, model: PowerModel) {
        profile = model.name
        battery = BatteryJSON(capacityAmpereHours: plan.battery.capacityAmpereHours,
                              nominalVolts: plan.battery.nominalVolts, usableFraction: plan.battery.usableFraction,
                              selfDischargePerYear: plan.battery.selfDischargePerYear)
        targetLifetimeSeconds = secondsOf(plan.targetLifetime)
        budgetAmperes = plan.budgetAmperes
        floorAmperes = plan.floorAmperes
        averageCurrentAmperes = plan.averageCurrentAmperes
        budgetUsedFraction = plan.averageCurrentAmperes / plan.budgetAmperes
        lifetimeSeconds = secondsOf(plan.lifetime)
        tasks = plan.tasks.map { task in
            TaskJSON(name: task.need.name, component: task.need.component, periodSeconds: secondsOf(task.period),
                     minPeriodSeconds: secondsOf(task.need.minimumPeriod),
                     maxPeriodSeconds: secondsOf(task.need.maximumPeriod),
                     chargePerRunCoulombs: task.chargePerRunCoulombs, averageCurrentAmperes: task.averageCurrentAmperes)
        }
        components = plan.components.map {
            ComponentJSON(name: $0.component, averageCurrentAmperes: $0.averageCurrentAmperes, fraction: $0.fraction)
        }
        dominantComponent = plan.dominant?.component
        assumptions = plan.assumptions
    }
}

// MARK: - Report output

/// The ledger as tables with bar charts: components, their states, and activities.
struct ReportTable {
    var snapshot: LedgerSnapshot
    var path: String

    var text: String {
        let totals = snapshot.totals
        let total = totals.grandTotal
        var lines: [String] = []
        lines.append("energy ledger \(path): \(snapshot.sessions) session\(snapshot.sessions == 1 ? "" : "s"), "
            + "\(HumanUnits.duration(totals.elapsed)) recorded")
        lines.append("total: \(HumanUnits.energy(joules: total.energyJoules)) "
            + "(\(formatNumber(total.energyWattHours * 1_000)) mWh), "
            + "\(HumanUnits.charge(ampereHours: total.chargeCoulombs / 3_600)) at the components' supplies")
        lines.append("")
        let components = totals.componentNames.map { ($0, totals.total(of: $0)) }
            .sorted { $0.1.energyJoules > $1.1.energyJoules }
        let largest = components.first?.1.energyJoules ?? 0
        lines += columns(
            ["COMPONENT", "TIME", "CHARGE", "ENERGY", "SHARE", ""],
            components.map { name, cell in row(name, cell, total: total.energyJoules, largest: largest) },
            rightAligned: [1, 2, 3, 4])
        lines.append("")
        var stateRows: [[String]] = []
        for (name, _) in components {
            for (state, cell) in totals.byState(of: name).sorted(by: { $0.key < $1.key }) {
                stateRows.append([name, state.rawValue] + Array(row("", cell, total: total.energyJoules,
                                                                    largest: largest).dropFirst()))
            }
        }
        lines += columns(["COMPONENT", "STATE", "TIME", "CHARGE", "ENERGY", "SHARE", ""], stateRows,
                         rightAligned: [2, 3, 4, 5])
        lines.append("")
        let activities = totals.byActivity.sorted { $0.value.energyJoules > $1.value.energyJoules }
        let largestActivity = activities.first?.value.energyJoules ?? 0
        lines += columns(
            ["ACTIVITY", "TIME", "CHARGE", "ENERGY", "SHARE", ""],
            activities.map { row($0.key, $0.value, total: total.energyJoules, largest: largestActivity) },
            rightAligned: [1, 2, 3, 4])
        lines.append("(time per activity sums over components; charge is at each component's own supply)")
        return lines.joined(separator: "\n") + "\n"
    }

    private func row(_ name: String, _ cell: LedgerCell, total: Double, largest: Double) -> [String] {
        [name, HumanUnits.duration(cell.time), HumanUnits.charge(ampereHours: cell.chargeCoulombs / 3_600),
         HumanUnits.energy(joules: cell.energyJoules), HumanUnits.percent(total > 0 ? cell.energyJoules / total : 0),
         bar(cell.energyJoules, of: largest, width: 30)]
    }
}

/// The ledger for machines: seconds, coulombs and joules.
struct ReportJSON: Encodable {
    struct Cell: Encodable {
        var name: String
        var timeSeconds: Double
        var chargeCoulombs: Double
        var energyJoules: Double
        var states: [Cell]?

        enum CodingKeys: String, CodingKey {
            case name, timeSeconds = "time_seconds", chargeCoulombs = "charge_coulombs"
            case energyJoules = "energy_joules", states
        }

        init(_ name: String, _ cell: LedgerCell, states: [Cell]? = nil) {
            self.name = name
            timeSeconds = secondsOf(cell.time)
            chargeCoulombs = cell.chargeCoulombs
            energyJoules = cell.energyJoules
            self.states = states
        }
    }

    var path: String
    var sessions: Int
    var elapsedSeconds: Double
    var chargeCoulombs: Double
    var energyJoules: Double
    var components: [Cell]
    var activities: [Cell]

    enum CodingKeys: String, CodingKey {
        case path, sessions, elapsedSeconds = "elapsed_seconds", chargeCoulombs = "charge_coulombs"
        case energyJoules = "energy_joules", components, activities
    }

    init(_ snapshot: LedgerSnapshot, path: String) {
        let totals = snapshot.totals
        self.path = path
        sessions = snapshot.sessions
        elapsedSeconds = secondsOf(totals.elapsed)
        chargeCoulombs = totals.grandTotal.chargeCoulombs
        energyJoules = totals.grandTotal.energyJoules
        components = totals.componentNames.map { name in
            Cell(name, totals.total(of: name), states: totals.byState(of: name).sorted { $0.key < $1.key }
                .map { Cell($0.key.rawValue, $0.value) })
        }
        activities = totals.byActivity.sorted { $0.key < $1.key }.map { Cell($0.key, $0.value) }
    }
}

// MARK: - Helpers

/// Seconds of a duration.
private func secondsOf(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

/// A number for a sentence: up to three decimals, trailing zeros dropped.
private func formatNumber(_ value: Double) -> String {
    var text = String(format: "%.3f", value)
    while text.hasSuffix("0") { text.removeLast() }
    if text.hasSuffix(".") { text.removeLast() }
    return text
}

/// A horizontal bar of `value` against `largest` in `width` cells, in eighths (Unicode block elements).
func bar(_ value: Double, of largest: Double, width: Int) -> String {
    guard largest > 0, value > 0 else { return "" }
    let eighths = Int((value / largest * Double(width * 8)).rounded())
    let partial = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    let text = String(repeating: "█", count: eighths / 8) + partial[eighths % 8]
    return text.isEmpty ? "▏" : text
}

/// Rows under a header, each column as wide as its widest cell, two spaces apart; `rightAligned` columns are
/// padded on the left. Trailing spaces are trimmed.
func columns(_ header: [String], _ rows: [[String]], rightAligned: Set<Int>) -> [String] {
    let all = [header] + rows
    let widths = header.indices.map { column in
        all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0
    }
    return all.map { cells in
        var line = ""
        for (column, cell) in cells.enumerated() {
            let pad = String(repeating: " ", count: max(0, widths[column] - cell.count))
            if column > 0 { line += "  " }
            line += rightAligned.contains(column) ? pad + cell : cell + pad
        }
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }
}
