import ArgumentParser
import Foundation
import MoteEnergy
import MoteGossip
import MoteHAL
import MoteNode

/// `mote node`: run a gossip node, ask a running one for its status, or make a cluster key.
struct Node: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Gossip with neighbours over UDP: membership, failure detection and network-wide aggregates.",
        subcommands: [Run.self, Status.self, Keygen.self],
        defaultSubcommand: Run.self)
}

extension Node {
    /// `mote node [run]`: the node in the foreground.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sample the sensors, gossip with the cluster, and print membership and aggregates.",
            discussion: """
                Every datagram is sealed with the cluster key (ChaCha20-Poly1305) and names the cluster; the key \
                file holds one base64 32-byte key per line, the first used to seal, all accepted to open, and must \
                be readable by its owner only (chmod 600). `mote node keygen` makes a key. One report is printed \
                per protocol period (a JSON object per line with --json) and written to the status file, which \
                `mote node status` reads. The node keeps the energy ledger in --state-dir, saved every period and \
                when it stops: the kernel's CPU time for the process, the bytes its socket sent and received (with \
                their UDP/IP headers) at the --profile's radio bit rate, and each sensor conversion; `mote energy \
                report` shows it.
                """)

        @Option(help: ArgumentHelp("The UDP address to listen on.", valueName: "addr:port"))
        var listen: String

        @Option(name: .customLong("join"), help: ArgumentHelp(
            "A member to join through; repeat for several.", valueName: "addr:port"))
        var seeds: [String] = []

        @Option(help: ArgumentHelp(
            "The address other members reach this node at, and its identity (default: --listen).",
            valueName: "addr:port"))
        var advertise: String?

        @Option(help: ArgumentHelp("The cluster's key file.", valueName: "file"))
        var keyFile: String = KeyFile.defaultPath

        @Option(help: "The cluster name: only nodes with the same name and key hear each other.")
        var cluster: String = "mote"

        @OptionGroup var board: BoardOptions

        @Option(help: "The I2C bus the sensors are on (default: 1, or the simulated board's first bus).")
        var bus: Int?

        @Option(help: """
            The protocol period (e.g. 1s, 200ms): one probe, one aggregation exchange and one report per period; \
            the protocol's timeouts scale with it.
            """)
        var period: DurationArgument = DurationArgument(argument: "1s")!

        @Option(help: "Time between sensor readings.")
        var sampleInterval: DurationArgument = DurationArgument(argument: "10s")!

        @Option(help: ArgumentHelp(
            "Where to write the status (default: $XDG_RUNTIME_DIR/mote/node-PORT.json, or the temporary directory).",
            valueName: "file"))
        var statusFile: String?

        @Option(help: "Stop after this many reports (default: run until interrupted).")
        var rounds: Int?

        @Flag(help: "Print one JSON object per report instead of the table.")
        var json = false

        @Flag(help: """
            Print no report per period, only member changes and errors (a service's journal); the status file \
            still holds the latest report.
            """)
        var quiet = false

        @OptionGroup var powerModel: PowerModelOptions

        @OptionGroup var stateDirectory: StateDirectoryOptions

        func validate() throws {
            if period.duration <= .zero { throw ValidationError("--period must be positive") }
            if sampleInterval.duration <= .zero { throw ValidationError("--sample-interval must be positive") }
            if let rounds, rounds < 1 { throw ValidationError("--rounds must be at least 1") }
            if cluster.isEmpty || cluster.utf8.count > 255 {
                throw ValidationError("--cluster must be 1 to 255 bytes")
            }
        }

        func run() throws {
            let listenAddress = try node { () throws(NodeError) in
                try NodeAddress(parsing: listen, option: "--listen")
            }
            let advertised = try node { () throws(NodeError) in
                guard let advertise else { return listenAddress }
                return try NodeAddress(parsing: advertise, option: "--advertise")
            }
            guard !advertised.isUnspecified else {
                throw Failure("--listen \(listen) is not an address others can reach: give --advertise ADDR:PORT",
                              code: Failure.usage)
            }
            let seedAddresses = try seeds.map { seed in
                try node { () throws(NodeError) in try NodeAddress(parsing: seed, option: "--join") }
            }
            // An IPv4 socket cannot send to an IPv6 member: NIO would close the socket on the first try.
            let given = [("--advertise", advertise ?? listen, advertised)]
                + zip(seeds, seedAddresses).map { ("--join", $0, $1) }
            for (option, text, address) in given where !listenAddress.reaches(address.peer) {
                throw Failure("\(option) \(text) is IPv6, but --listen \(listen) opens an IPv4 socket: "
                              + "listen on [::]:PORT to reach both", code: Failure.usage)
            }
            let keyring = try node { () throws(NodeError) in try KeyFile.load(path: keyFile) }
            _ = try board.board() // the board's own errors, with their exit codes, before anything starts
            let (profile, _) = try powerModel.load()
            let options = GossipNodeOptions(
                listen: listenAddress, advertise: advertised, seeds: seedAddresses, cluster: cluster,
                keyring: keyring, configuration: .scaled(toPeriod: period.duration),
                sampleInterval: sampleInterval.duration,
                statusFile: statusFile ?? StatusFile.defaultPath(port: listenAddress.peer.port,
                                                                 environment: ProcessInfo.processInfo.environment),
                stopAfterRounds: rounds,
                energy: NodeEnergyOptions(profile: profile, store: stateDirectory.store))
            let board = self.board
            let bus = self.bus
            let output = NodeOutput(json: json, quiet: quiet)
            let running = try node { () throws(NodeError) in
                try GossipNode.start(
                    options: options,
                    makeSampler: { () throws(NodeError) in
                        let opened: any Board
                        do {
                            opened = try board.board()
                        } catch {
                            throw .noSensors("\(error)")
                        }
                        return try SensorSampler(board: opened, bus: bus)
                    },
                    onEvent: { output.print($0) })
            }
            let signals = [SIGINT, SIGTERM].map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { running.close() }
                source.resume()
                return source
            }
            running.waitUntilClosed()
            signals.forEach { $0.cancel() }
            if let failure = running.socketFailure { throw Failure(failure) }
            if let failure = running.ledgerFailure { throw Failure(failure) }
        }
    }

    /// `mote node status`: what a running node last reported.
    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the status a running node writes every period.",
            discussion: """
                Reads the node's status file (replaced atomically every period). Without --status-file or --port, \
                reads the only node-PORT.json in the default directory. Exits 69 when the file is older than three \
                periods: the node is not running.
                """)

        @Option(help: ArgumentHelp("The node's status file.", valueName: "file"))
        var statusFile: String?

        @Option(help: "The node's listen port, to find its status file in the default directory.")
        var port: UInt16?

        @Flag(help: "Print the status as JSON.")
        var json = false

        func run() throws {
            let path = try resolvePath()
            guard FileManager.default.fileExists(atPath: path) else {
                throw Failure("no status at \(path): is `mote node` running? (--status-file names its file)",
                              code: Failure.missingInput)
            }
            let report: NodeReport
            do {
                report = try StatusFile.read(from: path)
            } catch {
                throw Failure("\(path): not a node status file", code: Failure.malformedInput)
            }
            let written = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
            let age = written.map { Date().timeIntervalSince($0) } ?? 0
            guard age <= max(3 * report.periodSeconds, 3) else {
                throw Failure("\(path) was last written \(Int(age)) s ago: the node at \(report.node) is not running",
                              code: Failure.unavailable)
            }
            if json {
                print(report.jsonLine())
            } else {
                NodeOutput(json: false).printStatus(report)
            }
        }

        private func resolvePath() throws -> String {
            if let statusFile { return statusFile }
            let environment = ProcessInfo.processInfo.environment
            if let port { return StatusFile.defaultPath(port: port, environment: environment) }
            let directory = (StatusFile.defaultPath(port: 1, environment: environment) as NSString)
                .deletingLastPathComponent
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasPrefix("node-") && $0.hasSuffix(".json") }.sorted()
            guard files.count == 1, let file = files.first else {
                let found = files.isEmpty ? "none" : files.joined(separator: ", ")
                throw Failure("\(files.isEmpty ? "no" : "several") node status files in \(directory) (\(found)): "
                                  + "give --port or --status-file", code: files.isEmpty ? Failure.missingInput
                                                                                         : Failure.usage)
            }
            return (directory as NSString).appendingPathComponent(file)
        }
    }

    /// `mote node keygen`: a fresh cluster key.
    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a new random cluster key (base64, 32 bytes) for a key file.",
            discussion: "mote node keygen > cluster.keys && chmod 600 cluster.keys")

        func run() {
            print(ClusterKey.generateBase64())
        }
    }
}

/// Runs `body`, turning a node error into the CLI's one-line failure with its exit code.
func node<T>(_ body: () throws(NodeError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw Failure(error)
    }
}

extension Failure {
    init(_ error: NodeError) {
        self.init(error.description, code: Self.code(for: error))
    }

    private static func code(for error: NodeError) -> Int32 {
        switch error {
        case .badAddress: return usage
        case .addressInUse: return busy
        case .cannotBind(_, let reason): return reason == "permission denied" ? permission : unavailable
        case .keyFileMissing: return missingInput
        case .keyFileInsecure: return infeasible
        case .keyFileUnreadable: return permission
        case .keyFileMalformed: return malformedInput
        case .noSensors: return unavailable
        case .energyLedger(let store): return Failure(store).code
        case .energyModel: return infeasible
        case .socketFailed: return ioError
        }
    }
}
