import MoteTOML
import TOMLKit

/// Why a power model could not be built: an unknown profile name, or a mistake in a profile or configuration file.
public enum ProfileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No built-in profile has this name; the valid ones are listed.
    case unknownProfile(String, valid: [String])
    /// A profile or configuration file is malformed (or missing, or unreadable): FILE:LINE and what was expected.
    case file(TOMLFileError)

    /// One line for the user.
    public var description: String {
        switch self {
        case .unknownProfile(let name, let valid):
            return "unknown profile \"\(name)\"; valid profiles: \(valid.joined(separator: ", "))"
        case .file(let error): return error.description
        }
    }
}

/// What a configuration file may say about the battery, beyond the capacity and voltage the CLI takes.
public struct BatteryOverrides: Sendable, Equatable {
    /// `battery_usable_fraction`: the usable fraction of the rated capacity.
    public var usableFraction: Double?
    /// `battery_self_discharge_per_year`: the fraction of the rated capacity lost per year.
    public var selfDischargePerYear: Double?

    /// No overrides.
    public init(usableFraction: Double? = nil, selfDischargePerYear: Double? = nil) {
        self.usableFraction = usableFraction
        self.selfDischargePerYear = selfDischargePerYear
    }
}

/// The built-in board profiles (TOML files embedded in the binary) and the loader that layers a user's
/// configuration over one of them.
///
/// Profile and configuration files share one format:
///
/// ```toml
/// profile = "mica"             # configuration only: the profile to start from
/// name = "mica"
/// summary = "…"
/// supply_volts = 3.0           # default for components that give none
/// regulator = "direct"         # direct (or linear) | switching
/// regulator_efficiency = 0.9   # switching only
/// battery_usable_fraction = 0.65
/// battery_self_discharge_per_year = 0.03
///
/// [[component]]
/// name = "cpu"                 # a component of the profile is overridden key by key; a new name adds one
/// kind = "cpu"                 # cpu | radio | sensor | load
/// rest = "sleep"               # the state between tasks
/// active_amperes = 4.6e-3      # <state>_amperes for off, sleep, idle, active, measuring, transmit, receive, boot
/// wake_active_seconds = 0.002  # cpu: awake time per task run
/// cores = 1                    # cpu
/// bit_rate = 40000             # radio: bit/s
/// driver = "bme280"            # sensor: figures from the driver's datasheet
/// gated = true                 # sensor/load: powered through a GPIO line, off between runs
/// startup_seconds = 0.5
/// measurement_seconds = 0.1
/// supply_volts = 3.3
/// source = "where the figures come from"
///
/// [[task]]
/// name = "sense.temperature"   # overridden key by key when the name exists
/// component = "temperature"
/// min_period_seconds = 1
/// max_period_seconds = 3600
/// transmit_bytes = 36          # network tasks
/// listen_seconds = 0.1
/// ```
public enum BoardProfiles {
    /// The profile used when none is named: the board this project runs on.
    public static let defaultName = "pi-zero-2w"

    /// The built-in profiles' names, sorted.
    public static let names = ["mica", "pi-4b", "pi-zero-2w"]

    /// The embedded text of the profile `name`, or nil.
    public static func text(of name: String) -> String? {
        let bytes: [UInt8]
        switch name {
        case "mica": bytes = PackageResources.mica_toml
        case "pi-zero-2w": bytes = PackageResources.pi_zero_2w_toml
        case "pi-4b": bytes = PackageResources.pi_4b_toml
        default: return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Builds the power model of profile `name` (or the configuration's `profile =`, or the default), with the
    /// configuration `config` (its file name and text) applied over it.
    ///
    /// A name given here wins over the configuration's `profile =`. Errors name the file and line: the
    /// configuration's for its own mistakes, `<built-in profile NAME>` for the (tested) built-in files.
    public static func load(_ name: String?, config: (file: String, text: String)? = nil) throws(ProfileError)
        -> (model: PowerModel, battery: BatteryOverrides)
    {
        do {
            var configTable: TOMLTable?
            var configReader: TOMLFileReader?
            var chosen = name
            if let config {
                let reader = TOMLFileReader(file: config.file, text: config.text)
                let table = try reader.parse(config.text)
                if chosen == nil, let named = try reader.string(table, "profile", at: []) {
                    guard text(of: named) != nil else {
                        throw reader.error(at: [], key: "profile", ProfileError.unknownProfile(named, valid: names)
                            .description)
                    }
                    chosen = named
                }
                configTable = table
                configReader = reader
            }
            let profileName = chosen ?? defaultName
            guard let profileText = text(of: profileName) else {
                throw ProfileError.unknownProfile(profileName, valid: names)
            }
            var builder = ProfileBuilder()
            let profileReader = TOMLFileReader(file: "<built-in profile \(profileName)>", text: profileText)
            try builder.apply(try profileReader.parse(profileText), reader: profileReader, isConfiguration: false)
            if let configTable, let configReader {
                try builder.apply(configTable, reader: configReader, isConfiguration: true)
            }
            return (try builder.build(), builder.battery)
        } catch let error as ProfileError {
            throw error
        } catch let error as TOMLFileError {
            throw .file(error)
        } catch {
            throw .file(TOMLFileError(file: config?.file ?? "<profile>", line: nil, message: "\(error)"))
        }
    }
}

/// Accumulates a profile and the configurations over it, key by key, remembering where each part was defined so
/// late checks (a task naming a component that does not exist) still point at a line.
struct ProfileBuilder {
    struct ComponentDraft {
        var name: String
        var kind: ComponentKind
        var supplyVolts: Double?
        var currents: [PowerState: Double] = [:]
        var rest: PowerState?
        var startupTime: Duration = .zero
        var measurementTime: Duration = .zero
        var cores = 1
        var bitRate: Double?
        var wakeActiveTime: Duration = .zero
        var gated = false
        var source: String?
        var origin: TOMLFileError
    }

    struct TaskDraft {
        var need: SamplingNeed
        var origin: TOMLFileError
    }

    var name = ""
    var summary = ""
    var supplyVolts: Double?
    var supply: SupplyPath = .direct
    var components: [ComponentDraft] = []
    var tasks: [TaskDraft] = []
    var battery = BatteryOverrides()

    private static let topKeys: Set<String> = [
        "profile", "name", "summary", "supply_volts", "regulator", "regulator_efficiency",
        "battery_usable_fraction", "battery_self_discharge_per_year", "component", "task",
    ]
    private static let componentKeys: Set<String> = Set(PowerState.allCases.map { $0.rawValue + "_amperes" })
        .union(["name", "kind", "rest", "driver", "gated", "supply_volts", "startup_seconds", "measurement_seconds",
                "cores", "bit_rate", "wake_active_seconds", "source"])
    private static let taskKeys: Set<String> = [
        "name", "component", "min_period_seconds", "max_period_seconds", "transmit_bytes", "listen_seconds",
    ]
    private static let amperes = 0.0...100.0
    private static let secondsRange = 0.0...1e9

    mutating func apply(_ table: TOMLTable, reader: TOMLFileReader, isConfiguration: Bool) throws(TOMLFileError) {
        try reader.allowKeys(table, isConfiguration ? Self.topKeys : Self.topKeys.subtracting(["profile"]), at: [])
        if let value = try reader.string(table, "name", at: []) { name = value }
        if let value = try reader.string(table, "summary", at: []) { summary = value }
        if let value = try reader.double(table, "supply_volts", at: [], in: 0.1...1000) { supplyVolts = value }
        let efficiency = try reader.double(table, "regulator_efficiency", at: [], in: 0.01...1)
        switch try reader.string(table, "regulator", at: []) {
        case nil:
            if let efficiency { supply = .switching(efficiency: efficiency) }
        case "direct", "linear":
            supply = .direct
        case "switching":
            supply = .switching(efficiency: efficiency ?? 0.9)
        case let other?:
            throw reader.error(at: [], key: "regulator",
                               "regulator must be \"direct\", \"linear\" or \"switching\", not \"\(other)\"")
        }
        if let value = try reader.double(table, "battery_usable_fraction", at: [], in: 0.01...1) {
            battery.usableFraction = value
        }
        if let value = try reader.double(table, "battery_self_discharge_per_year", at: [], in: 0...0.99) {
            battery.selfDischargePerYear = value
        }
        for (index, componentTable) in try reader.tables(table, "component", at: []).enumerated() {
            try applyComponent(componentTable, at: [("component", index)], reader: reader)
        }
        for (index, taskTable) in try reader.tables(table, "task", at: []).enumerated() {
            try applyTask(taskTable, at: [("task", index)], reader: reader)
        }
    }

    private mutating func applyComponent(_ table: TOMLTable, at path: [(String, Int)], reader: TOMLFileReader)
        throws(TOMLFileError)
    {
        try reader.allowKeys(table, Self.componentKeys, at: path)
        guard let name = try reader.string(table, "name", at: path), !name.isEmpty else {
            throw reader.error(at: path, key: nil, "missing name = \"…\" (the component's name, e.g. \"cpu\")")
        }
        let kindText = try reader.string(table, "kind", at: path)
        let kind: ComponentKind?
        if let kindText {
            guard let parsed = ComponentKind(rawValue: kindText) else {
                let valid = ComponentKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error(at: path, key: "kind", "kind must be one of \(valid), not \"\(kindText)\"")
            }
            kind = parsed
        } else {
            kind = nil
        }
        let origin = reader.error(at: path, key: nil, "")
        var draft: ComponentDraft
        let existing = components.firstIndex { $0.name == name }
        if let existing {
            draft = components[existing]
            draft.origin = origin                       // later mistakes point at the last table that changed it
            if let kind, kind != draft.kind {
                throw reader.error(at: path, key: "kind",
                                   "component \"\(name)\" is a \(draft.kind.rawValue); its kind cannot change")
            }
        } else {
            guard let kind else {
                throw reader.error(at: path, key: nil,
                                   "missing kind = (cpu, radio, sensor or load) for the new component \"\(name)\"")
            }
            draft = ComponentDraft(name: name, kind: kind, origin: origin)
        }
        if let driver = try reader.string(table, "driver", at: path) {
            guard draft.kind == .sensor else {
                throw reader.error(at: path, key: "driver", "driver = is for sensor components only")
            }
            guard let sheet = SensorDefaults.datasheet(forDriver: driver) else {
                throw reader.error(at: path, key: "driver", "unknown driver \"\(driver)\"; valid drivers: "
                    + SensorDefaults.driverNames.joined(separator: ", "))
            }
            let defaults = SensorDefaults.component(named: name, datasheet: sheet, gated: draft.gated)
            draft.currents = defaults.currents
            draft.supplyVolts = defaults.supplyVolts
            draft.startupTime = defaults.startupTime
            draft.measurementTime = defaults.measurementTime
            draft.source = defaults.source
        }
        if let gated = try reader.bool(table, "gated", at: path) { draft.gated = gated }
        for state in PowerState.allCases {
            if let value = try reader.double(table, state.rawValue + "_amperes", at: path, in: Self.amperes) {
                draft.currents[state] = value
            }
        }
        if let restText = try reader.string(table, "rest", at: path) {
            guard let rest = PowerState(rawValue: restText) else {
                let valid = PowerState.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error(at: path, key: "rest", "rest must be one of \(valid), not \"\(restText)\"")
            }
            draft.rest = rest
        }
        if let value = try reader.double(table, "supply_volts", at: path, in: 0.1...1000) { draft.supplyVolts = value }
        if let value = try reader.double(table, "startup_seconds", at: path, in: Self.secondsRange) {
            draft.startupTime = duration(seconds: value)
        }
        if let value = try reader.double(table, "measurement_seconds", at: path, in: Self.secondsRange) {
            draft.measurementTime = duration(seconds: value)
        }
        if let value = try reader.double(table, "wake_active_seconds", at: path, in: Self.secondsRange) {
            draft.wakeActiveTime = duration(seconds: value)
        }
        if table["cores"] != nil { draft.cores = try reader.integer(table, "cores", at: path, in: 1...1024) }
        if let value = try reader.double(table, "bit_rate", at: path, in: 1...1e12) { draft.bitRate = value }
        if let value = try reader.string(table, "source", at: path) { draft.source = value }
        if let existing {
            components[existing] = draft
        } else {
            components.append(draft)
        }
    }

    private mutating func applyTask(_ table: TOMLTable, at path: [(String, Int)], reader: TOMLFileReader)
        throws(TOMLFileError)
    {
        try reader.allowKeys(table, Self.taskKeys, at: path)
        guard let name = try reader.string(table, "name", at: path), !name.isEmpty else {
            throw reader.error(at: path, key: nil,
                               "missing name = \"…\" (the task's activity label, e.g. \"sense.bme280@0x76\")")
        }
        let existing = tasks.firstIndex { $0.need.name == name }
        var need = existing.map { tasks[$0].need }
            ?? SamplingNeed(name: name, component: "", minimumPeriod: .zero, maximumPeriod: .zero)
        if let component = try reader.string(table, "component", at: path) {
            guard components.contains(where: { $0.name == component }) else {
                let valid = components.map(\.name).joined(separator: ", ")
                throw reader.error(at: path, key: "component",
                                   "no component \"\(component)\"; the components are \(valid)")
            }
            need.component = component
        }
        if let value = try reader.double(table, "min_period_seconds", at: path, in: 1e-3...1e9) {
            need.minimumPeriod = duration(seconds: value)
        }
        if let value = try reader.double(table, "max_period_seconds", at: path, in: 1e-3...1e9) {
            need.maximumPeriod = duration(seconds: value)
        }
        if table["transmit_bytes"] != nil {
            need.transmitBytes = try reader.integer(table, "transmit_bytes", at: path, in: 0...1_000_000_000)
        }
        if let value = try reader.double(table, "listen_seconds", at: path, in: Self.secondsRange) {
            need.listenTime = duration(seconds: value)
        }
        guard !need.component.isEmpty else {
            throw reader.error(at: path, key: nil, "missing component = \"…\" (the sensor or radio the task drives)")
        }
        guard need.minimumPeriod > .zero else {
            throw reader.error(at: path, key: nil, "missing min_period_seconds = (the shortest useful period)")
        }
        guard need.maximumPeriod > .zero else {
            throw reader.error(at: path, key: nil, "missing max_period_seconds = (the longest acceptable period)")
        }
        guard need.minimumPeriod <= need.maximumPeriod else {
            throw reader.error(at: path, key: "max_period_seconds",
                               "max_period_seconds must not be below min_period_seconds")
        }
        let task = TaskDraft(need: need, origin: reader.error(at: path, key: nil, ""))
        if let existing {
            tasks[existing] = task
        } else {
            tasks.append(task)
        }
    }

    func build() throws(TOMLFileError) -> PowerModel {
        var models: [ComponentModel] = []
        for draft in components {
            func fail(_ message: String) -> TOMLFileError {
                TOMLFileError(file: draft.origin.file, line: draft.origin.line, message: message)
            }
            guard let volts = draft.supplyVolts ?? supplyVolts else {
                throw fail("component \"\(draft.name)\" has no supply_volts (and the profile gives none)")
            }
            let rest = draft.rest ?? Self.defaultRest(for: draft)
            let model = ComponentModel(
                name: draft.name, kind: draft.kind, supplyVolts: volts, currents: draft.currents,
                restingState: rest, startupTime: draft.startupTime, measurementTime: draft.measurementTime,
                cores: draft.cores, bitRate: draft.bitRate, activeTimePerWakeUp: draft.wakeActiveTime,
                source: draft.source ?? "given in \(draft.origin.file)")
            guard model.current(in: rest) != nil else {
                throw fail("component \"\(draft.name)\" rests in \(rest.rawValue) but gives no "
                    + "\(rest.rawValue)_amperes")
            }
            models.append(model)
        }
        for task in tasks {
            let need = task.need
            func fail(_ message: String) -> TOMLFileError {
                TOMLFileError(file: task.origin.file, line: task.origin.line, message: message)
            }
            guard let component = models.first(where: { $0.name == need.component }) else {
                throw fail("task \"\(need.name)\" names no component")
            }
            switch component.kind {
            case .sensor, .load:
                guard component.current(in: .measuring) != nil || component.current(in: .active) != nil else {
                    throw fail("task \"\(need.name)\": \(component.name) gives neither measuring_amperes nor "
                        + "active_amperes")
                }
            case .radio:
                if need.transmitBytes > 0 {
                    guard component.bitRate != nil, component.current(in: .transmit) != nil else {
                        throw fail("task \"\(need.name)\" sends bytes: \(component.name) needs bit_rate and "
                            + "transmit_amperes")
                    }
                }
                if need.listenTime > .zero, component.current(in: .receive) == nil {
                    throw fail("task \"\(need.name)\" listens: \(component.name) needs receive_amperes")
                }
            case .cpu:
                throw fail("task \"\(need.name)\" drives the cpu \(component.name): tasks drive sensors, loads "
                    + "or radios (the cpu's cost per run is its wake_active_seconds)")
            }
        }
        return PowerModel(name: name, summary: summary, supply: supply, components: models,
                          tasks: tasks.map(\.need))
    }

    private static func defaultRest(for draft: ComponentDraft) -> PowerState {
        switch draft.kind {
        case .cpu: return draft.currents[.sleep] != nil ? .sleep : .idle
        case .radio: return .off
        case .sensor: return draft.gated || draft.currents[.sleep] == nil ? .off : .sleep
        case .load: return .off
        }
    }
}
