import Foundation
import MoteHAL
import MoteSimulation

/// A failure the user must see: one line on stderr and an exit code that says which kind it was.
///
/// Exit codes follow sysexits(3) so scripts can tell the cases apart:
/// 64 usage, 65 malformed input file (scenario, dump, energy configuration, a corrupt energy ledger), 66 missing
/// input file, 69 no such bus/chip/line, 70 an internal inconsistency (the scheduler and the power model
/// disagree), 74 I/O on the bus, 75 busy or in use, 76 adapter cannot do it,
/// 77 permission denied, 78 a configuration that cannot work (an energy budget no plan fits, a key file others
/// can read).
struct Failure: Error {
    var message: String
    var code: Int32

    static let usage: Int32 = 64
    static let malformedInput: Int32 = 65
    static let missingInput: Int32 = 66
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let ioError: Int32 = 74
    static let busy: Int32 = 75
    static let unsupported: Int32 = 76
    static let permission: Int32 = 77
    /// EX_CONFIG.
    static let infeasible: Int32 = 78

    init(_ message: String, code: Int32) {
        self.message = message
        self.code = code
    }

    init(_ error: HardwareError) {
        self.message = error.description
        switch error.kind {
        case .noSuchDevice: code = Self.unavailable
        case .permissionDenied: code = Self.permission
        case .busy, .addressInUse: code = Self.busy
        case .unsupported: code = Self.unsupported
        case .invalidArgument: code = Self.usage
        case .noAcknowledge, .busError, .arbitrationLost, .timeout, .dataCorrupted, .other: code = Self.ioError
        }
    }

    init(_ error: ScenarioError) {
        self.message = error.description
        switch error.message {
        case "no such file": code = Self.missingInput
        case "permission denied": code = Self.permission
        default: code = Self.malformedInput
        }
    }
}

/// Writes one line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
