// Sizes the protocol uses to decide what fits in a datagram before the wire half encodes it. The wire codec owns
// the real layout and enforces the real limits; these estimates only have to be close and never much too small.

/// Estimated encoded sizes in bytes, for piggyback budgets and the simulator's byte counts.
///
/// The layout assumed: a one-byte tag per field group, addresses as family byte + 4 or 16 address bytes + port,
/// integers at their full width, doubles as 8 bytes, and `envelopeOverhead` for the authenticated envelope.
public enum GossipSizeEstimate {
    /// Envelope bytes around every message: version and key id (2), AEAD nonce (12) and tag (16), Lamport clock
    /// (8), replay-window sequence (8).
    public static let envelopeOverhead = 46

    /// Header bytes: kind (1), sender generation (8) and incarnation (4), receiver generation (8), sequence (4),
    /// section lengths (3), plus the sender's address.
    static let headerFixed = 28

    /// A membership update about an IPv4 member without accuser (20 bytes): how many fit is judged by it.
    static let typicalUpdateSize = 20

    /// An encoded address: family (1), 4 or 16 address bytes, port (2).
    public static func address(_ address: PeerAddress) -> Int {
        address.ipv4 != nil ? 7 : 19
    }

    /// One membership update: status (1), address, generation (8), incarnation (4), and the accuser's address for
    /// a suspicion.
    public static func update(_ update: MembershipUpdate) -> Int {
        1 + address(update.member) + 12 + (update.accuser.map(address) ?? 0)
    }

    /// An aggregation payload: epoch (4), link sequence (4), leader address and age (2), two ten-double vectors
    /// (160), six extrema of presence (1), value (8) and age (2).
    public static func aggregation(_ payload: AggregationPayload) -> Int {
        10 + address(payload.leader) + 160 + 6 * 11
    }

    /// A whole message inside its envelope.
    public static func message(_ message: GossipMessage) -> Int {
        var size = envelopeOverhead + headerFixed + address(message.sender)
        switch message.kind {
        case .pingRequest(_, let target): size += address(target)
        case .ping, .ack, .nack, .gossip: break
        }
        for update in message.membership { size += Self.update(update) }
        if let payload = message.aggregation { size += aggregation(payload) }
        return size
    }
}

extension MembershipUpdate {
    /// Estimated encoded size in bytes (`GossipSizeEstimate.update`).
    public var estimatedEncodedSize: Int { GossipSizeEstimate.update(self) }
}

extension GossipMessage {
    /// Estimated encoded size in bytes, envelope included (`GossipSizeEstimate.message`).
    public var estimatedEncodedSize: Int { GossipSizeEstimate.message(self) }
}
