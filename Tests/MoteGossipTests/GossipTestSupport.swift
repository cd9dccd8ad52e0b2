import XCTest

@testable import MoteGossip

// Helpers for driving `GossipInstance` values by hand: addresses, messages as other nodes would send them, the
// directives an instance returns, and a small network on a manual clock.

/// `10.0.0.n:7946`: node n of a test (a smaller n is a smaller address, so node 1 leads the aggregation).
func peer(_ number: Int) -> PeerAddress {
    PeerAddress(ipv4: 0x0A00_0000 + UInt32(number), port: 7_946)
}

/// A message as `sender` would send it.
func message(from sender: PeerAddress, generation: UInt64 = 1, incarnation: UInt32 = 0, toGeneration: UInt64 = 1,
             _ kind: GossipMessageKind, membership: [MembershipUpdate] = [],
             aggregation: AggregationPayload? = nil, nextPingIn: Duration? = nil) -> GossipMessage {
    GossipMessage(sender: sender, senderGeneration: generation, senderIncarnation: incarnation,
                  receiverGeneration: toGeneration, kind: kind, membership: membership, aggregation: aggregation,
                  nextPingIn: nextPingIn)
}

/// The membership fact `member` is `status`, at generation 1 unless told.
func fact(_ member: PeerAddress, _ status: MemberStatus, generation: UInt64 = 1, incarnation: UInt32 = 0,
          accuser: PeerAddress? = nil) -> MembershipUpdate {
    MembershipUpdate(member: member, generation: generation, incarnation: incarnation, status: status,
                     accuser: accuser)
}

/// A message the instance asked to send, and to whom.
struct Sent: Equatable {
    var message: GossipMessage
    var to: PeerAddress

    var kind: GossipMessageKind { message.kind }
}

extension Array where Element == GossipDirective {
    /// The `send` directives, in order.
    var sent: [Sent] {
        compactMap {
            guard case .send(let message, let to) = $0 else { return nil }
            return Sent(message: message, to: to)
        }
    }

    /// The `memberChanged` directives, in order.
    var changes: [MemberChange] {
        compactMap {
            guard case .memberChanged(let change) = $0 else { return nil }
            return change
        }
    }
}

extension GossipMessageKind {
    /// The sequence number of a ping, ack, ping request or nack.
    var sequence: UInt32? {
        switch self {
        case .ping(let sequence), .ack(let sequence), .nack(let sequence): sequence
        case .pingRequest(let sequence, _): sequence
        case .gossip: nil
        }
    }

    var isPing: Bool {
        if case .ping = self { return true }
        return false
    }

    var isPingRequest: Bool {
        if case .pingRequest = self { return true }
        return false
    }

    var isAck: Bool {
        if case .ack = self { return true }
        return false
    }
}

extension Duration {
    /// Seconds as a `Double`, for messages and arithmetic in assertions.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// A configuration for membership tests: no aggregation partners, so pings carry no aggregation payload and the
/// directives are exactly the SWIM messages.
func membershipOnly(_ change: (inout GossipConfiguration) -> Void = { _ in }) -> GossipConfiguration {
    var configuration = GossipConfiguration()
    configuration.aggregationPartners = 0
    change(&configuration)
    return configuration
}

/// Node 1 started at time zero, knowing `members` alive at generation 1.
func node(_ number: Int = 1, knowing members: [Int], configuration: GossipConfiguration = membershipOnly(),
          randomSeed: UInt64 = 42) -> GossipInstance {
    var instance = GossipInstance(address: peer(number), generation: 1, configuration: configuration,
                                  randomSeed: randomSeed, now: .zero)
    for member in members { instance.addMember(peer(member), generation: 1, now: .zero) }
    return instance
}

/// A handful of instances on a manual clock: every datagram arrives one step after it was sent, unless its
/// sender or receiver is down or `isCut` separates them. Each node is ticked when its `nextWakeUp` has come, as
/// the NIO shell and the simulator tick it.
struct TestNetwork {
    var nodes: [GossipInstance]
    var isUp: [Bool]
    /// Whether datagrams from the first node to the second are lost (a partition, a one-way loss).
    var isCut: (Int, Int) -> Bool = { _, _ in false }
    private(set) var now: Duration = .zero
    let step: Duration
    private var inFlight: [(from: Int, to: Int, message: GossipMessage)] = []
    /// Every membership change so far: when, at which node.
    private(set) var changes: [(time: Duration, node: Int, change: MemberChange)] = []
    /// Every datagram handed to the network so far (delivered or not): when, from and to which node, what.
    private(set) var sentLog: [(time: Duration, from: Int, to: Int, kind: GossipMessageKind)] = []

    /// Nodes 1 ... `count` (indices 0 ..< count), each knowing all others, with the given readings (°C, %RH, Pa).
    init(count: Int, configuration: GossipConfiguration = GossipConfiguration(), step: Duration = .milliseconds(10),
         readings: [(Double?, Double?, Double?)] = []) {
        self.step = step
        nodes = (0..<count).map { index in
            var instance = GossipInstance(address: Self.address(index), generation: 1, configuration: configuration,
                                          randomSeed: UInt64(1_000 + index), now: .zero)
            for other in 0..<count where other != index {
                instance.addMember(Self.address(other), generation: 1, now: .zero)
            }
            if index < readings.count {
                let (temperature, humidity, pressure) = readings[index]
                instance.setReadings(temperatureCelsius: temperature, relativeHumidityPercent: humidity,
                                     pressurePascals: pressure)
            }
            return instance
        }
        isUp = Array(repeating: true, count: count)
    }

    static func address(_ index: Int) -> PeerAddress { peer(index + 1) }

    func index(of address: PeerAddress) -> Int? {
        guard let ipv4 = address.ipv4, address.port == 7_946 else { return nil }
        let index = Int(ipv4) - 0x0A00_0001
        return nodes.indices.contains(index) ? index : nil
    }

    /// One step: deliver what was sent in the previous step, then tick every node whose wake-up has come.
    mutating func advance() {
        now += step
        let delivering = inFlight
        inFlight = []
        for datagram in delivering where isUp[datagram.to] && !isCut(datagram.from, datagram.to) {
            var directives: [GossipDirective] = []
            nodes[datagram.to].receive(datagram.message, now: now, into: &directives)
            route(directives, from: datagram.to)
        }
        for index in nodes.indices where isUp[index] && nodes[index].nextWakeUp <= now {
            var directives: [GossipDirective] = []
            nodes[index].tick(now: now, into: &directives)
            route(directives, from: index)
        }
    }

    /// Hands `message` to node `index` now, as if it had just arrived, and sends what it answers.
    mutating func deliver(_ message: GossipMessage, to index: Int) {
        var directives: [GossipDirective] = []
        nodes[index].receive(message, now: now, into: &directives)
        route(directives, from: index)
    }

    /// Steps until `time` (inclusive).
    mutating func run(until time: Duration) {
        while now + step <= time { advance() }
    }

    /// Steps until `condition` holds (checked after every step) or `limit` is reached; returns the time it held.
    mutating func run(until limit: Duration, while waiting: (TestNetwork) -> Bool) -> Duration? {
        while now + step <= limit {
            advance()
            if !waiting(self) { return now }
        }
        return nil
    }

    private mutating func route(_ directives: [GossipDirective], from sender: Int) {
        for directive in directives {
            switch directive {
            case .send(let message, let address):
                guard let receiver = index(of: address) else { continue }
                sentLog.append((now, sender, receiver, message.kind))
                inFlight.append((sender, receiver, message))
            case .memberChanged(let change):
                changes.append((now, sender, change))
            }
        }
    }

    /// What node `index` believes about node `member`.
    func status(at index: Int, of member: Int) -> MemberStatus? {
        nodes[index].member(Self.address(member))?.status
    }
}
