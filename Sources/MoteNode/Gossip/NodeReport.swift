import Foundation

/// What a running node knows after one protocol period: its members, its estimates of the network's aggregates,
/// and what its wire did. It is the `--json` line `mote node` prints per round, and the status file's content.
///
/// Field names are snake case and SI, as in `mote read`'s JSON: channels are `temperature_celsius`,
/// `relative_humidity_percent` and `pressure_pascals`.
public struct NodeReport: Codable, Sendable, Equatable {
    /// One member as this node sees it.
    public struct Member: Codable, Sendable, Equatable {
        /// `127.0.0.1:7946`.
        public var address: String
        /// `alive`, `suspect` or `dead`.
        public var status: String
        /// Its process generation.
        public var generation: UInt64
        /// Its incarnation.
        public var incarnation: UInt32

        /// A member.
        public init(address: String, status: String, generation: UInt64, incarnation: UInt32) {
            self.address = address
            self.status = status
            self.generation = generation
            self.incarnation = incarnation
        }
    }

    /// The network-wide estimate for one channel; nil fields are not known yet.
    public struct Aggregate: Codable, Sendable, Equatable {
        /// Mean of the readings of every member that has the channel.
        public var average: Double?
        /// Sum of those readings.
        public var sum: Double?
        /// How many members have the channel.
        public var count: Double?
        /// Lowest reading.
        public var minimum: Double?
        /// Highest reading.
        public var maximum: Double?
        /// Population variance of the readings.
        public var variance: Double?
        /// Whether the estimate has stopped moving (the protocol's convergence indicator).
        public var converged: Bool

        /// An aggregate.
        public init(average: Double? = nil, sum: Double? = nil, count: Double? = nil, minimum: Double? = nil,
                    maximum: Double? = nil, variance: Double? = nil, converged: Bool = false) {
            self.average = average
            self.sum = sum
            self.count = count
            self.minimum = minimum
            self.maximum = maximum
            self.variance = variance
            self.converged = converged
        }
    }

    /// Datagram counters of the wire.
    public struct Wire: Codable, Sendable, Equatable {
        /// Datagrams sent.
        public var sent: Int
        /// Bytes sent.
        public var bytesSent: Int
        /// Datagrams accepted.
        public var received: Int
        /// Bytes accepted.
        public var bytesReceived: Int
        /// Bytes of the datagrams dropped (any reason): received all the same, so the energy ledger charges them.
        public var bytesDropped: Int
        /// Datagrams that could not be sent (the socket refused them).
        public var sendFailures: Int
        /// Datagrams dropped, per reason (`DropReason` raw values, and `unreachableSender`); reasons with no drop
        /// are left out.
        public var dropped: [String: Int]

        /// The drop reason of an authentic datagram whose sender's address family the socket cannot send to.
        public static let unreachableSender = "unreachable_sender"

        enum CodingKeys: String, CodingKey {
            case sent, received, dropped
            case bytesSent = "bytes_sent"
            case bytesReceived = "bytes_received"
            case bytesDropped = "bytes_dropped"
            case sendFailures = "send_failures"
        }

        /// Counters.
        public init(sent: Int = 0, bytesSent: Int = 0, received: Int = 0, bytesReceived: Int = 0,
                    bytesDropped: Int = 0, sendFailures: Int = 0, dropped: [String: Int] = [:]) {
            self.sent = sent
            self.bytesSent = bytesSent
            self.received = received
            self.bytesReceived = bytesReceived
            self.bytesDropped = bytesDropped
            self.sendFailures = sendFailures
            self.dropped = dropped
        }

        /// Decodes the counters; `bytes_dropped`, which status files of earlier versions lack, defaults to 0.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            sent = try container.decode(Int.self, forKey: .sent)
            bytesSent = try container.decode(Int.self, forKey: .bytesSent)
            received = try container.decode(Int.self, forKey: .received)
            bytesReceived = try container.decode(Int.self, forKey: .bytesReceived)
            bytesDropped = try container.decodeIfPresent(Int.self, forKey: .bytesDropped) ?? 0
            sendFailures = try container.decode(Int.self, forKey: .sendFailures)
            dropped = try container.decode([String: Int].self, forKey: .dropped)
        }
    }

    /// When the report was made (RFC 3339, UTC).
    public var time: String
    /// The node's advertised address.
    public var node: String
    /// The node's process generation.
    public var generation: UInt64
    /// The node's incarnation.
    public var incarnation: UInt32
    /// Reports made so far, from 1.
    public var round: Int
    /// The protocol period, in seconds: how often a report is made (`mote node status` judges staleness by it).
    public var periodSeconds: Double
    /// The wire's Lamport clock.
    public var lamportClock: UInt64
    /// Every member known, this node excluded, by address.
    public var members: [Member]
    /// The estimated number of nodes in the network, this one included.
    public var networkSize: Double?
    /// Whether the network-size estimate has stopped moving.
    public var networkSizeConverged: Bool
    /// The aggregation epoch.
    public var epoch: UInt32
    /// Per channel, the network-wide estimate.
    public var aggregates: [String: Aggregate]
    /// Per channel, this node's own reading.
    public var local: [String: Double]
    /// The wire's counters.
    public var wire: Wire

    enum CodingKeys: String, CodingKey {
        case time, node, generation, incarnation, round, members, epoch, aggregates, local, wire
        case periodSeconds = "period_seconds"
        case lamportClock = "lamport_clock"
        case networkSize = "network_size"
        case networkSizeConverged = "network_size_converged"
    }

    /// A report with every field given.
    public init(time: String, node: String, generation: UInt64, incarnation: UInt32, round: Int,
                periodSeconds: Double, lamportClock: UInt64, members: [Member], networkSize: Double?,
                networkSizeConverged: Bool, epoch: UInt32, aggregates: [String: Aggregate], local: [String: Double],
                wire: Wire) {
        self.time = time
        self.node = node
        self.generation = generation
        self.incarnation = incarnation
        self.round = round
        self.periodSeconds = periodSeconds
        self.lamportClock = lamportClock
        self.members = members
        self.networkSize = networkSize
        self.networkSizeConverged = networkSizeConverged
        self.epoch = epoch
        self.aggregates = aggregates
        self.local = local
        self.wire = wire
    }

    /// The report as one line of JSON, keys sorted.
    public func jsonLine() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    /// Members per status: `alive`, `suspect`, `dead`.
    public func count(_ status: String) -> Int { members.filter { $0.status == status }.count }
}

/// The status file a running node rewrites every period, for `mote node status` and scripts: its latest
/// `NodeReport` as JSON, replaced atomically (written to a temporary file in the same directory, then renamed over
/// the old one), so a reader never sees half a report.
public enum StatusFile {
    /// Where a node writes its status when not told: `$XDG_RUNTIME_DIR/mote/node-PORT.json`, or under `/tmp`
    /// when `XDG_RUNTIME_DIR` is not set.
    public static func defaultPath(port: UInt16, environment: [String: String]) -> String {
        let base = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? NSTemporaryDirectory()
        return (base as NSString).appendingPathComponent("mote/node-\(port).json")
    }

    /// Writes `report` to `path` atomically, creating the directory if needed.
    public static func write(_ report: NodeReport, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        try Data((report.jsonLine() + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads the report at `path`.
    public static func read(from path: String) throws -> NodeReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try JSONDecoder().decode(NodeReport.self, from: data)
    }
}
