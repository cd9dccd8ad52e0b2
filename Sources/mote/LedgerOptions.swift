#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ArgumentParser
import Foundation
import MoteEnergy

/// `--profile NAME` and `--config FILE`: the board's power model, as `mote energy plan`, `mote read --duty-cycle`
/// and `mote node` take it.
struct PowerModelOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Board profile: \(BoardProfiles.names.joined(separator: ", ")) "
        + "(default \(BoardProfiles.defaultName)).", valueName: "name"))
    var profile: String?

    @Option(help: ArgumentHelp("A TOML file overriding the profile's figures and tasks.", valueName: "file"))
    var config: String?

    /// Whether either option was given.
    var isGiven: Bool { profile != nil || config != nil }

    /// The profile with the configuration applied, and the configuration's battery figures; a bad name or file is
    /// the failure to show (64 for an unknown profile, 65 for a malformed file, 66 for a missing one).
    func load() throws -> (PowerModel, BatteryOverrides) {
        try loadModel(profile: profile, config: config)
    }
}

/// `--state-dir DIR`: where the energy ledger is kept, for the commands that keep or show it.
struct StateDirectoryOptions: ParsableArguments {
    @Option(help: ArgumentHelp("""
        Where the energy ledger is kept (default $MOTE_STATE_DIR, else systemd's $STATE_DIRECTORY, else \
        /var/lib/mote for root and $XDG_STATE_HOME/mote or ~/.local/state/mote for anyone else).
        """, valueName: "dir"))
    var stateDir: String?

    /// The store in `--state-dir`, else `$MOTE_STATE_DIR`, else the first of systemd's `$STATE_DIRECTORY` (a unit's
    /// `StateDirectory=`), else `/var/lib/mote` for root and the XDG state directory for anyone else.
    var store: LedgerStore { LedgerStore(directory: stateDir ?? Self.defaultDirectory()) }

    static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment,
                                 isRoot: Bool = geteuid() == 0) -> String {
        func given(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if let directory = given("MOTE_STATE_DIR") { return directory }
        if let systemd = given("STATE_DIRECTORY") { return String(systemd.split(separator: ":")[0]) }
        if isRoot { return "/var/lib/mote" }
        if let state = given("XDG_STATE_HOME"), state.hasPrefix("/") { return state + "/mote" }
        return (given("HOME") ?? NSHomeDirectory()) + "/.local/state/mote"
    }
}

extension Failure {
    /// The ledger store's failure: 65 for a corrupt ledger, 75 for a directory another process holds, 77 for
    /// permission denied, 74 for any other I/O error.
    init(_ error: LedgerStoreError) {
        switch error {
        case .corrupt: self.init(error.description, code: Self.malformedInput)
        case .locked: self.init(error.description, code: Self.busy)
        case .io(_, _, let number):
            self.init(error.description, code: number == EACCES || number == EPERM ? Self.permission : Self.ioError)
        }
    }
}
