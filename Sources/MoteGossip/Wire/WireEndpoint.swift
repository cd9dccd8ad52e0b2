/// Why a received datagram was dropped.
public enum DropReason: String, Sendable, CaseIterable, Codable {
    /// Larger than `WireFormat.maximumDatagramSize`.
    case oversized
    /// The cleartext header is truncated, lacks the magic, or declares an impossible or wrong length.
    case malformedHeader = "malformed_header"
    /// A version this code does not speak.
    case unsupportedVersion = "unsupported_version"
    /// Carries this node's own address as sender: an echo, or another node advertising the same address.
    case fromSelf = "from_self"
    /// Sealed with a key the keyring does not hold.
    case unknownKey = "unknown_key"
    /// The tag does not verify: altered in transit, forged, or from another cluster.
    case authenticationFailed = "authentication_failed"
    /// A sequence number already accepted from that sender and generation.
    case replayed
    /// A sequence number older than the sender's replay window reaches.
    case outsideReplayWindow = "outside_replay_window"
    /// From an older generation (an earlier process) of a sender that has since restarted.
    case staleGeneration = "stale_generation"
    /// Authentic, but the body breaks the format (sections, counts, values).
    case malformedBody = "malformed_body"
}

/// How many datagrams were dropped, per reason.
public struct DropCounts: Sendable, Equatable {
    private var counts: [DropReason: Int] = [:]

    /// No drops.
    public init() {}

    /// The drops for one reason.
    public subscript(reason: DropReason) -> Int {
        get { counts[reason, default: 0] }
        set { counts[reason] = newValue }
    }

    /// Every drop, whatever the reason.
    public var total: Int { counts.values.reduce(0, +) }
}

/// A datagram that passed every check: authentic, fresh, and its body split into sections.
public struct OpenedDatagram: Sendable, Equatable {
    /// The header as received.
    public var header: DatagramHeader
    /// The body's sections, framed and within their budgets, not yet decoded.
    public var sections: WireSections
}

/// A sealed message, ready to send.
public struct SealedMessage: Sendable, Equatable {
    /// The datagram.
    public var bytes: [UInt8]
    /// How many of the message's membership updates it carries (the rest did not fit the membership budget).
    public var membershipSent: Int
}

/// A message received from a peer, with the header that brought it.
public struct ReceivedMessage: Sendable, Equatable {
    /// The message; its sender and sender generation are the header's.
    public var message: GossipMessage
    /// The authenticated header: sequence number, Lamport clock, key id.
    public var header: DatagramHeader
}

/// One node's end of the secure wire: seals outgoing bodies and opens incoming datagrams, with the sequence numbers,
/// replay windows, Lamport clock and drop counters that takes.
///
/// A value type that performs no I/O and reads no clock or randomness: the shell passes a fresh random nonce to
/// every `seal`, and hands every received datagram to `receive`, which never throws and never traps: it returns
/// the message, or nil having counted why not.
public struct WireEndpoint: Sendable {
    /// This node's advertised address: its identity, the sender of every datagram it seals.
    public let node: PeerAddress
    /// This process's generation: must grow at every start of the node.
    public let generation: UInt64
    /// The cluster name, authenticated in every datagram.
    public let cluster: String
    /// The keys.
    public var keyring: ClusterKeyring
    /// The section budgets a body is checked against.
    public let budgets: SectionBudgets
    /// The Lamport clock: ticks at every send, and jumps past every clock received.
    public private(set) var lamportClock: UInt64 = 0
    /// The sequence number the next datagram will carry.
    public private(set) var nextSequence: UInt64 = 1
    /// Datagrams dropped, per reason.
    public private(set) var drops = DropCounts()
    /// Datagrams accepted.
    public private(set) var accepted = 0
    /// Datagrams sealed.
    public private(set) var sealed = 0
    private var replayGuard: ReplayGuard

    /// An endpoint for `node` in its `generation`, remembering replay windows for up to `senderCapacity` senders.
    public init(node: PeerAddress, generation: UInt64, cluster: String, keyring: ClusterKeyring,
                budgets: SectionBudgets = .standard, senderCapacity: Int = 16_384) {
        self.node = node
        self.generation = generation
        self.cluster = cluster
        self.keyring = keyring
        self.budgets = budgets
        replayGuard = ReplayGuard(capacity: senderCapacity)
    }

    /// Seals a body into a datagram with the next sequence number and a ticked Lamport clock.
    ///
    /// - Parameter nonce: 12 bytes from a cryptographically secure generator, never used before with this key.
    /// - Throws: `WireError` for a body over budget or too large, or a nonce of the wrong size; nothing is
    ///   consumed then (the sequence number and the clock stay as they were).
    public mutating func seal(_ sections: WireSections, nonce: [UInt8]) throws(WireError) -> [UInt8] {
        let body = try sections.encoded(budgets: budgets)
        let datagram = try DatagramEnvelope.seal(body: body, sender: node, generation: generation,
                                                 sequence: nextSequence, lamportClock: lamportClock + 1,
                                                 nonce: nonce, keyring: keyring, cluster: cluster)
        lamportClock += 1
        nextSequence += 1
        sealed += 1
        return datagram
    }

    /// Seals a message: checks that it is this node's (sender and generation are the header's), encodes it within
    /// the section budgets and seals it.
    ///
    /// - Returns: the datagram, and how many membership updates it carries (`GossipWireCodec.Encoded`).
    public mutating func seal(_ message: GossipMessage, nonce: [UInt8]) throws(WireError) -> SealedMessage {
        guard message.sender == node, message.senderGeneration == generation else {
            throw .invalidValue(field: "sender", reason: "\(message.sender) generation \(message.senderGeneration) "
                                    + "is not this endpoint's \(node) generation \(generation)")
        }
        let encoded = try GossipWireCodec.encode(message, budgets: budgets)
        return SealedMessage(bytes: try seal(encoded.sections, nonce: nonce), membershipSent: encoded.membershipSent)
    }

    /// Opens a received datagram and decodes its message; nil, counted in `drops`, for any datagram that fails.
    public mutating func receive(_ bytes: [UInt8]) -> ReceivedMessage? {
        guard let opened = openSections(bytes) else { return nil }
        guard let message = try? GossipWireCodec.decode(opened) else { return drop(.malformedBody) }
        accepted += 1
        return ReceivedMessage(message: message, header: opened.header)
    }

    /// Opens a received datagram: framing, sender, replay window (before and after authentication), key and tag,
    /// then the body's sections. Returns nil for a datagram that fails any check, having counted it in `drops`.
    public mutating func open(_ bytes: [UInt8]) -> OpenedDatagram? {
        guard let opened = openSections(bytes) else { return nil }
        accepted += 1
        return opened
    }

    private mutating func openSections(_ bytes: [UInt8]) -> OpenedDatagram? {
        let datagram: SealedDatagram
        do {
            datagram = try SealedDatagram(parsing: bytes)
        } catch {
            switch error {
            case .oversized where bytes.count > WireFormat.maximumDatagramSize: return drop(.oversized)
            case .unsupportedVersion: return drop(.unsupportedVersion)
            default: return drop(.malformedHeader)
            }
        }
        let header = datagram.header
        guard header.sender != node else { return drop(.fromSelf) }
        let verdict = replayGuard.check(sender: header.sender, generation: header.generation,
                                        sequence: header.sequence)
        if let reason = Self.dropReason(verdict) { return drop(reason) }
        let body: [UInt8]
        switch DatagramEnvelope.open(datagram, keyring: keyring, cluster: cluster) {
        case .success(let opened): body = opened
        case .failure(.unknownKey): return drop(.unknownKey)
        case .failure(.authenticationFailed): return drop(.authenticationFailed)
        }
        replayGuard.record(sender: header.sender, generation: header.generation, sequence: header.sequence)
        lamportClock = max(lamportClock, header.lamportClock) + 1
        guard let sections = try? WireSections(decoding: body, budgets: budgets) else {
            return drop(.malformedBody)
        }
        return OpenedDatagram(header: header, sections: sections)
    }

    /// The generation on record for a sender, if it has been heard from.
    public func generation(of sender: PeerAddress) -> UInt64? { replayGuard.generation(of: sender) }

    private mutating func drop<Nothing>(_ reason: DropReason) -> Nothing? {
        drops[reason] += 1
        return nil
    }

    private static func dropReason(_ verdict: ReplayGuard.Verdict) -> DropReason? {
        switch verdict {
        case .fresh: return nil
        case .replayed: return .replayed
        case .tooOld: return .outsideReplayWindow
        case .staleGeneration: return .staleGeneration
        }
    }
}
