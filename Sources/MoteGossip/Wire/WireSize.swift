// Encoded sizes computed from the version-1 layout (see `GossipWireCodec` and `WireFormat`) without encoding
// anything: the protocol sizes its piggybacked updates with them, and the simulator counts the bytes of every
// datagram with them. The codec tests check each one against what the encoder and the envelope produce.

extension PeerAddress {
    /// Bytes of the compact form: family (1), 4 or 16 address bytes, port (2).
    var compactEncodedSize: Int { ipv4 != nil ? 7 : 19 }
}

extension MembershipUpdate {
    /// Bytes of the update in a membership section: flags (1), member, generation (8), incarnation (4), and the
    /// accuser for a suspicion.
    public var encodedSize: Int {
        1 + member.compactEncodedSize + 12 + (status == .suspect ? accuser?.compactEncodedSize ?? 0 : 0)
    }
}

extension AggregationPayload {
    /// Bytes of the aggregation section's payload: epoch and link sequence (8), leader and its age, two vectors of
    /// ten doubles (160), the extrema's presence byte, and per extremum its age (2) and value (8) when present.
    var encodedSize: Int {
        var size = 8 + leader.compactEncodedSize + 2 + 160 + 1
        for extremum in extrema.all { size += extremum.value == nil ? 2 : 10 }
        return size
    }
}

extension GossipMessage {
    /// Bytes of the datagram that carries this message: header, sections and tag.
    ///
    /// Exact for a message whose updates are distinct and fit the membership budget, as every message the
    /// instance builds; the encoder would drop a repeated member or an update beyond the budget.
    public var datagramSize: Int {
        var control = 13
        switch kind {
        case .ping, .ack: control += nextPingIn == nil ? 4 : 8
        case .nack: control += 4
        case .pingRequest(_, let target): control += 4 + target.compactEncodedSize
        case .gossip: break
        }
        var size = WireFormat.overhead + WireFormat.sectionHeaderSize + control
        if !membership.isEmpty {
            size += WireFormat.sectionHeaderSize + 2
            for update in membership { size += update.encodedSize }
        }
        if let aggregation { size += WireFormat.sectionHeaderSize + aggregation.encodedSize }
        return size
    }
}
