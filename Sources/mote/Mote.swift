import ArgumentParser
import Foundation
import Logging
import MoteHAL

/// `mote`: read sensors and drive GPIO on a Raspberry Pi-class node, or on a simulated board.
struct Mote: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mote",
        abstract: "Sensor-node toolkit: I2C sensors and GPIO on Linux, or on a simulated board.",
        subcommands: [Scan.self, Read.self, GPIO.self, Bench.self, Energy.self, Sim.self, Node.self])
}

@main
enum Main {
    static func main() {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["MOTE_LOG_LEVEL"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
            return handler
        }
        let arguments = normalizeSimulateFlag(Array(CommandLine.arguments.dropFirst()))
        do {
            var command = try Mote.parseAsRoot(arguments)
            try command.run()
        } catch let failure as Failure {
            printError("mote: \(failure.message)")
            exit(failure.code)
        } catch {
            let code = Mote.exitCode(for: error)
            if code == .success {
                print(Mote.fullMessage(for: error))
                exit(0)
            }
            printError("mote: \(Mote.message(for: error)) (see `mote help`)")
            exit(code == .validationFailure ? Failure.usage : code.rawValue)
        }
    }
}

/// Lets `--simulate` take a scenario as the usage reads, `--simulate board.toml` or `--simulate=board.toml`,
/// by rewriting it to `--simulate --scenario board.toml`; a bare `--simulate` stays a flag (the built-in board).
func normalizeSimulateFlag(_ arguments: [String]) -> [String] {
    var result: [String] = []
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        let next: String? = index + 1 < arguments.count ? arguments[index + 1] : nil
        if argument == "--simulate", let next, next.hasSuffix(".toml") {
            result += ["--simulate", "--scenario", next]
            index += 2
            continue
        }
        if argument.hasPrefix("--simulate=") {
            result += ["--simulate", "--scenario", String(argument.dropFirst("--simulate=".count))]
        } else {
            result.append(argument)
        }
        index += 1
    }
    return result
}
