// The messages the gossip instance sends and receives, as plain values. The wire half encodes them (binary,
// versioned, inside the authenticated envelope); nothing here knows about bytes, sockets or keys.

/// A node's advertised UDP endpoint: an IPv6 address (IPv4 as the mapped form `::ffff:a.b.c.d`) and a port.
///
/// It is also the node's identity in membership and aggregation: ordering is by address words, then port, which
/// makes the smallest address the aggregation leader. Stored as two 64-bit words so that member tables and
/// messages hold it inline, without allocation.
public struct PeerAddress: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first eight bytes of the IPv6 address, big-endian.
    public var ipv6High: UInt64
    /// The last eight bytes of the IPv6 address, big-endian.
    public var ipv6Low: UInt64
    /// The UDP port.
    public var port: UInt16

    static let ipv4MappedPrefix: UInt64 = 0x0000_FFFF_0000_0000

    /// An address from its two IPv6 words and a port.
    public init(ipv6High: UInt64, ipv6Low: UInt64, port: UInt16) {
        self.ipv6High = ipv6High
        self.ipv6Low = ipv6Low
        self.port = port
    }

    /// An IPv4 address (host byte order, `0x0A000001` is 10.0.0.1) and a port, stored IPv4-mapped.
    public init(ipv4: UInt32, port: UInt16) {
        self.init(ipv6High: 0, ipv6Low: Self.ipv4MappedPrefix | UInt64(ipv4), port: port)
    }

    /// An IPv6 address from its 16 bytes in network order; nil unless there are exactly 16.
    public init?(ipv6Bytes bytes: [UInt8], port: UInt16) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for index in 0..<8 { high = high << 8 | UInt64(bytes[index]) }
        for index in 8..<16 { low = low << 8 | UInt64(bytes[index]) }
        self.init(ipv6High: high, ipv6Low: low, port: port)
    }

    /// `a.b.c.d:port` (IPv4 only); nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let port = UInt16(parts[1]) else { return nil }
        let octets = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var value: UInt32 = 0
        for octet in octets {
            guard octet.count <= 3, let byte = UInt8(octet) else { return nil }
            value = value << 8 | UInt32(byte)
        }
        self.init(ipv4: value, port: port)
    }

    /// The IPv4 address in host byte order when this is an IPv4-mapped address.
    public var ipv4: UInt32? {
        guard ipv6High == 0, ipv6Low & 0xFFFF_FFFF_0000_0000 == Self.ipv4MappedPrefix else { return nil }
        return UInt32(truncatingIfNeeded: ipv6Low)
    }

    /// The 16 bytes of the IPv6 (or IPv4-mapped) address in network order.
    public var ipv6Bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: ipv6High >> (56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: ipv6Low >> (56 - 8 * $0)) }
    }

    /// `10.0.0.1:7946`, or `[0011:2233:…:eeff]:7946` for IPv6 (uncompressed groups).
    public var description: String {
        if let ipv4 {
            return "\(ipv4 >> 24).\(ipv4 >> 16 & 0xFF).\(ipv4 >> 8 & 0xFF).\(ipv4 & 0xFF):\(port)"
        }
        let groups = (0..<8).map { index -> String in
            let word = index < 4 ? ipv6High >> (48 - 16 * index) : ipv6Low >> (48 - 16 * (index - 4))
            let hex = String(UInt16(truncatingIfNeeded: word), radix: 16)
            return String(repeating: "0", count: 4 - hex.count) + hex
        }
        return "[\(groups.joined(separator: ":"))]:\(port)"
    }

    /// A 64-bit digest of address and port for fast scans (equal addresses have equal keys; verify on a match).
    @inline(__always)
    var scanKey: UInt64 {
        (ipv6Low ^ (ipv6High &* 0x9E37_79B9_7F4A_7C15)) &+ UInt64(port) &* 0xC2B2_AE3D_27D4_EB4F
    }

    /// Orders by address, then port.
    public static func < (lhs: PeerAddress, rhs: PeerAddress) -> Bool {
        (lhs.ipv6High, lhs.ipv6Low, lhs.port) < (rhs.ipv6High, rhs.ipv6Low, rhs.port)
    }
}

/// What a node believes about a member (SWIM §4.2, Das et al. 2002): alive, suspected of having failed, or
/// confirmed dead. The raw values are what the wire format carries.
public enum MemberStatus: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Answering probes, or not yet suspected.
    case alive = 0
    /// A probe failed; the member has until its suspicion times out to refute with a higher incarnation.
    case suspect = 1
    /// Declared failed; a death certificate that expires, refuted only by a higher incarnation or generation.
    case dead = 2

    /// `alive`, `suspect` or `dead`.
    public var description: String {
        switch self {
        case .alive: "alive"
        case .suspect: "suspect"
        case .dead: "dead"
        }
    }
}

/// One membership fact, piggybacked on other messages (SWIM §4.1's infection-style dissemination).
///
/// `generation` is chosen by the member's process at start (a restart has a higher one), `incarnation` by the member
/// itself to refute suspicion (SWIM §4.2). Facts about the same member are ordered by generation, then incarnation,
/// then status (dead over suspect over alive), so every node ends at the same view whatever order they arrive in.
public struct MembershipUpdate: Hashable, Sendable {
    /// The member the fact is about.
    public var member: PeerAddress
    /// The member's process generation.
    public var generation: UInt64
    /// The member's incarnation within that generation.
    public var incarnation: UInt32
    /// What the sender believes.
    public var status: MemberStatus
    /// For `suspect`: the node whose probe failed, so receivers count independent suspicions (Lifeguard §IV.B,
    /// Dadgar et al. 2018). Nil for `alive` and `dead`.
    public var accuser: PeerAddress?

    /// A membership fact.
    public init(member: PeerAddress, generation: UInt64, incarnation: UInt32, status: MemberStatus,
                accuser: PeerAddress? = nil) {
        self.member = member
        self.generation = generation
        self.incarnation = incarnation
        self.status = status
        self.accuser = accuser
    }
}

/// What the message asks or answers (SWIM §3's probe messages, with Lifeguard §IV.A's nack).
public enum GossipMessageKind: Hashable, Sendable {
    /// Probe: the receiver answers with `ack` carrying the same sequence. With an aggregation payload it is also
    /// an aggregation request.
    case ping(sequence: UInt32)
    /// Answer to a ping, or, sent by an intermediary, proof that the target of a `pingRequest` answered. With an
    /// aggregation payload it is an aggregation reply.
    case ack(sequence: UInt32)
    /// Asks the receiver to ping `target` and to relay an `ack` (or a `nack` when the target stays silent).
    case pingRequest(sequence: UInt32, target: PeerAddress)
    /// From an intermediary: the target did not answer in time, but the intermediary is alive and reachable.
    case nack(sequence: UInt32)
    /// Membership updates only, sent while there is news to spread; never answered.
    case gossip
}

/// One datagram's content: who sends, what it asks or answers, membership updates and aggregation state.
public struct GossipMessage: Hashable, Sendable {
    /// The sender's advertised address (what others should send to; the UDP source may differ behind NAT).
    public var sender: PeerAddress
    /// The sender's process generation.
    public var senderGeneration: UInt64
    /// The sender's current incarnation.
    public var senderIncarnation: UInt32
    /// The generation the sender believes the receiver has; 0 when unknown. A receiver ignores aggregation state
    /// addressed to another generation of itself (it belongs to a link with its previous process).
    public var receiverGeneration: UInt64
    /// What the message asks or answers.
    public var kind: GossipMessageKind
    /// Piggybacked membership updates, most urgent first.
    public var membership: [MembershipUpdate]
    /// Aggregation state for the link between sender and receiver, on pings and acks between partners.
    public var aggregation: AggregationPayload?
    /// On a ping or an ack from a partner that pings the receiver in turn (it chose the link): how long until its
    /// next turn's ping to the receiver is due. The receiver probes the sender when that ping is late
    /// (`GossipConfiguration.promiseSlack`). Milliseconds on the wire, rounded up; only pings and acks carry it.
    public var nextPingIn: Duration?

    /// A message.
    public init(sender: PeerAddress, senderGeneration: UInt64, senderIncarnation: UInt32,
                receiverGeneration: UInt64, kind: GossipMessageKind, membership: [MembershipUpdate] = [],
                aggregation: AggregationPayload? = nil, nextPingIn: Duration? = nil) {
        self.sender = sender
        self.senderGeneration = senderGeneration
        self.senderIncarnation = senderIncarnation
        self.receiverGeneration = receiverGeneration
        self.kind = kind
        self.membership = membership
        self.aggregation = aggregation
        self.nextPingIn = nextPingIn
    }
}

/// Count, sum and sum of squares of one channel's readings, shifted by the channel's reference value so that
/// squares stay small (pressure near 101,325 Pa would otherwise lose the variance to cancellation).
public struct ChannelMoments: Hashable, Sendable {
    /// How many readings (1 or 0 at a node; averaged across the network).
    public var count: Double
    /// Sum of (reading − reference).
    public var shiftedSum: Double
    /// Sum of (reading − reference)².
    public var shiftedSumOfSquares: Double

    /// Moments.
    public init(count: Double = 0, shiftedSum: Double = 0, shiftedSumOfSquares: Double = 0) {
        self.count = count
        self.shiftedSum = shiftedSum
        self.shiftedSumOfSquares = shiftedSumOfSquares
    }
}

/// The ten numbers that flow between partners: the leader's unit weight (which makes counts and sums from
/// averages) and each channel's moments.
public struct AggregationVector: Hashable, Sendable {
    /// 1 at the leader, 0 elsewhere; its network average is 1/N.
    public var leaderWeight: Double
    /// Temperature moments (°C).
    public var temperature: ChannelMoments
    /// Relative humidity moments (%RH).
    public var humidity: ChannelMoments
    /// Pressure moments (Pa).
    public var pressure: ChannelMoments

    /// A vector.
    public init(leaderWeight: Double = 0, temperature: ChannelMoments = .init(), humidity: ChannelMoments = .init(),
                pressure: ChannelMoments = .init()) {
        self.leaderWeight = leaderWeight
        self.temperature = temperature
        self.humidity = humidity
        self.pressure = pressure
    }
}

/// A minimum or maximum reading and how many protocol periods ago its owner last vouched for it; `value` is nil
/// when none is known. Merged idempotently; a value whose age passes the limit is forgotten, so a dead node's
/// extreme ages out.
public struct AgedExtremum: Hashable, Sendable {
    /// The reading, or nil.
    public var value: Double?
    /// Protocol periods since the owning node last sent it.
    public var age: UInt16

    /// An extremum.
    public init(value: Double? = nil, age: UInt16 = 0) {
        self.value = value
        self.age = age
    }
}

/// Minimum and maximum per channel.
public struct ChannelExtrema: Hashable, Sendable {
    /// Lowest temperature (°C).
    public var temperatureMinimum: AgedExtremum
    /// Highest temperature (°C).
    public var temperatureMaximum: AgedExtremum
    /// Lowest relative humidity (%RH).
    public var humidityMinimum: AgedExtremum
    /// Highest relative humidity (%RH).
    public var humidityMaximum: AgedExtremum
    /// Lowest pressure (Pa).
    public var pressureMinimum: AgedExtremum
    /// Highest pressure (Pa).
    public var pressureMaximum: AgedExtremum

    /// Extrema, none known by default.
    public init(temperatureMinimum: AgedExtremum = .init(), temperatureMaximum: AgedExtremum = .init(),
                humidityMinimum: AgedExtremum = .init(), humidityMaximum: AgedExtremum = .init(),
                pressureMinimum: AgedExtremum = .init(), pressureMaximum: AgedExtremum = .init()) {
        self.temperatureMinimum = temperatureMinimum
        self.temperatureMaximum = temperatureMaximum
        self.humidityMinimum = humidityMinimum
        self.humidityMaximum = humidityMaximum
        self.pressureMinimum = pressureMinimum
        self.pressureMaximum = pressureMaximum
    }
}

/// Aggregation state for one link, carried on pings (a request: the receiver averages with it) and acks (a reply:
/// the receiver adopts it).
///
/// Flow Updating (Jesus, Baquero, Almeida 2009/2015): `flow` is the cumulative amount the sender has passed to the
/// receiver over this link since the link began, an absolute total, so a lost message is repaired by the next one.
public struct AggregationPayload: Hashable, Sendable {
    /// The aggregation epoch; a node seeing a higher one restarts from its own readings.
    public var epoch: UInt32
    /// Increases with every payload the sender puts on this link; older or repeated ones are ignored.
    public var linkSequence: UInt32
    /// The node whose unit weight the sender's counts refer to (the smallest address it knows alive).
    public var leader: PeerAddress
    /// Protocol periods since the leader last vouched for itself, as the sender knows.
    public var leaderAge: UInt16
    /// Cumulative flow from sender to receiver on this link.
    public var flow: AggregationVector
    /// The sender's current estimate (its readings minus all its flows).
    public var estimate: AggregationVector
    /// The sender's minimum and maximum per channel.
    public var extrema: ChannelExtrema

    /// A payload.
    public init(epoch: UInt32, linkSequence: UInt32, leader: PeerAddress, leaderAge: UInt16,
                flow: AggregationVector, estimate: AggregationVector, extrema: ChannelExtrema) {
        self.epoch = epoch
        self.linkSequence = linkSequence
        self.leader = leader
        self.leaderAge = leaderAge
        self.flow = flow
        self.estimate = estimate
        self.extrema = extrema
    }
}
