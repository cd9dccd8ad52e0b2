/// Encodes a `GossipMessage` into version-1 sections and decodes it back, validating every field.
///
/// The sender and its generation are not repeated in the body: they are the header's (authenticated) sender and
/// generation. Section payloads:
///
/// ```
/// control (kind 1), 13 to 36 bytes:
///   kind u8 (0 ping, 1 ack, 2 ping request, 3 nack, 4 gossip) ‖ sender incarnation u32 ‖ receiver generation u64
///   ‖ probe sequence u32 (all but gossip) ‖ target address, compact (ping request only)
///   ‖ milliseconds until the sender's next ping u32, rounded up (optional, on pings and acks only)
/// membership (kind 2): count u16, then per update, 20 to 51 bytes:
///   flags u8 (bits 0-1 status: 0 alive, 1 suspect, 2 dead; bit 7 an accuser follows; bits 2-6 zero)
///   ‖ member address, compact ‖ generation u64 ‖ incarnation u32 ‖ accuser address, compact (suspect only)
///   Members are distinct within a datagram.
/// aggregation (kind 3), 190 to 250 bytes:
///   epoch u32 ‖ link sequence u32 ‖ leader address, compact ‖ leader age u16
///   ‖ flow: 10 × f64 ‖ estimate: 10 × f64 (each vector: leader weight, then count, shifted sum and shifted sum
///   of squares for temperature, humidity, pressure)
///   ‖ extrema presence u8 (bit i set: extremum i has a value; bits 6-7 zero) ‖ 6 × (age u16 ‖ value f64 if
///   present), in the order temperature min, max, humidity min, max, pressure min, max.
/// ```
///
/// Compact addresses are described in `WireAddress.swift`; every f64 must be finite.
public enum GossipWireCodec {
    /// A message as sections, and how many of its membership updates fit.
    public struct Encoded: Sendable, Equatable {
        /// The body's sections.
        public var sections: WireSections
        /// The message's first `membershipSent` updates (duplicates of an earlier member skipped) are in the
        /// datagram; the rest did not fit the membership budget and should go in a later one.
        public var membershipSent: Int
    }

    /// The largest number of membership updates one datagram can hold (all IPv4, no accusers).
    static let maximumUpdates = WireFormat.maximumBodySize / MembershipUpdate.minimumEncodedSize

    /// Encodes a message's content: the control section, as many membership updates as the membership budget
    /// holds (in order, stopping at the first that does not fit, skipping a repeated member), and the aggregation
    /// payload.
    ///
    /// - Throws: `WireError` for a non-finite number in the aggregation payload, or a section over its budget.
    public static func encode(_ message: GossipMessage, budgets: SectionBudgets = .standard) throws(WireError)
        -> Encoded {
        var sections = WireSections()
        var control = WireWriter(capacity: 40)
        encodeControl(message, into: &control)
        sections.set(.control, control.bytes)
        var membershipSent = 0
        if !message.membership.isEmpty {
            var seen: Set<PeerAddress> = []
            var distinct: [MembershipUpdate] = []
            for update in message.membership {
                guard seen.insert(update.member).inserted else { continue }
                distinct.append(update)
            }
            let packed = try WireEntryList.pack(distinct, budget: budgets.membership)
            sections.set(.membership, packed.payload)
            membershipSent = packed.count
        }
        if let payload = message.aggregation {
            var writer = WireWriter(capacity: 256)
            try payload.encode(into: &writer)
            sections.set(.aggregation, writer.bytes)
        }
        _ = try sections.encoded(budgets: budgets)
        return Encoded(sections: sections, membershipSent: membershipSent)
    }

    /// Decodes the message a datagram carries: its sender and generation from the header, the rest from the
    /// sections, each of which must be read to its last byte.
    public static func decode(_ datagram: OpenedDatagram) throws(WireError) -> GossipMessage {
        guard let controlBytes = datagram.sections[.control] else {
            throw .invalidValue(field: "body", reason: "no control section")
        }
        var control = WireReader(controlBytes)
        let kindByte = try control.readUInt8("message kind")
        let incarnation = try control.readUInt32("sender incarnation")
        let receiverGeneration = try control.readUInt64("receiver generation")
        let kind: GossipMessageKind
        switch kindByte {
        case 0: kind = .ping(sequence: try control.readUInt32("probe sequence"))
        case 1: kind = .ack(sequence: try control.readUInt32("probe sequence"))
        case 2:
            let sequence = try control.readUInt32("probe sequence")
            kind = .pingRequest(sequence: sequence, target: try control.readCompactAddress("probe target"))
        case 3: kind = .nack(sequence: try control.readUInt32("probe sequence"))
        case 4: kind = .gossip
        default: throw .invalidEnumValue(field: "message kind", value: UInt64(kindByte))
        }
        var nextPingIn: Duration? // a ping's or an ack's last field, when present
        if kindByte <= 1, !control.isAtEnd { nextPingIn = .milliseconds(try control.readUInt32("next ping")) }
        try control.expectEnd("the control section")
        var message = GossipMessage(sender: datagram.header.sender, senderGeneration: datagram.header.generation,
                                    senderIncarnation: incarnation, receiverGeneration: receiverGeneration,
                                    kind: kind, nextPingIn: nextPingIn)
        if let membershipBytes = datagram.sections[.membership] {
            var reader = WireReader(membershipBytes)
            message.membership = try WireEntryList.unpack(MembershipUpdate.self, from: &reader,
                                                          field: "membership updates", maximum: maximumUpdates)
            try reader.expectEnd("the membership section")
            var seen: Set<PeerAddress> = []
            for update in message.membership where !seen.insert(update.member).inserted {
                throw .duplicateEntry(field: "membership update", id: update.member.description)
            }
        }
        if let aggregationBytes = datagram.sections[.aggregation] {
            var reader = WireReader(aggregationBytes)
            message.aggregation = try AggregationPayload.decode(from: &reader)
            try reader.expectEnd("the aggregation section")
        }
        return message
    }

    private static func encodeControl(_ message: GossipMessage, into writer: inout WireWriter) {
        let kindByte: UInt8
        switch message.kind {
        case .ping: kindByte = 0
        case .ack: kindByte = 1
        case .pingRequest: kindByte = 2
        case .nack: kindByte = 3
        case .gossip: kindByte = 4
        }
        writer.write(kindByte)
        writer.write(message.senderIncarnation)
        writer.write(message.receiverGeneration)
        switch message.kind {
        case .ping(let sequence), .ack(let sequence):
            writer.write(sequence)
            if let nextPingIn = message.nextPingIn { writer.write(wireMilliseconds(nextPingIn)) }
        case .nack(let sequence): writer.write(sequence)
        case .pingRequest(let sequence, let target):
            writer.write(sequence)
            writer.write(compactAddress: target)
        case .gossip: break
        }
    }

    /// A duration in whole milliseconds, rounded up and clamped to what a u32 holds (none is negative).
    static func wireMilliseconds(_ duration: Duration) -> UInt32 {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        let perMillisecond: Int64 = 1_000_000_000_000_000
        let fraction = (attoseconds + perMillisecond - 1) / perMillisecond
        let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        guard !overflow, milliseconds < Int64(UInt32.max) - fraction else { return .max }
        return UInt32(milliseconds + fraction)
    }
}

extension MembershipUpdate: WireCodable {
    /// An IPv4 member, alive or dead: flags, 7-byte address, generation and incarnation.
    public static let minimumEncodedSize = 20

    static let accuserFlag: UInt8 = 0x80
    static let statusMask: UInt8 = 0x03

    /// Appends the update (layout in `GossipWireCodec`).
    public func encode(into writer: inout WireWriter) throws(WireError) {
        let accuserToSend = status == .suspect ? accuser : nil
        writer.write(status.rawValue | (accuserToSend == nil ? 0 : Self.accuserFlag))
        writer.write(compactAddress: member)
        writer.write(generation)
        writer.write(incarnation)
        if let accuserToSend { writer.write(compactAddress: accuserToSend) }
    }

    /// Reads an update, refusing unknown flags and statuses and an accuser on anything but a suspicion.
    public static func decode(from reader: inout WireReader) throws(WireError) -> MembershipUpdate {
        let flags = try reader.readUInt8("membership flags")
        guard flags & ~(accuserFlag | statusMask) == 0 else {
            throw .invalidValue(field: "membership flags", reason: "reserved bits set in \(flags)")
        }
        guard let status = MemberStatus(rawValue: flags & statusMask) else {
            throw .invalidEnumValue(field: "member status", value: UInt64(flags & statusMask))
        }
        let member = try reader.readCompactAddress("member")
        let generation = try reader.readUInt64("member generation")
        let incarnation = try reader.readUInt32("member incarnation")
        var accuser: PeerAddress?
        if flags & accuserFlag != 0 {
            guard status == .suspect else {
                throw .invalidValue(field: "accuser", reason: "only a suspicion names an accuser")
            }
            accuser = try reader.readCompactAddress("accuser")
        }
        return MembershipUpdate(member: member, generation: generation, incarnation: incarnation, status: status,
                                accuser: accuser)
    }
}

extension AggregationPayload {
    /// Appends the payload (layout in `GossipWireCodec`).
    func encode(into writer: inout WireWriter) throws(WireError) {
        writer.write(epoch)
        writer.write(linkSequence)
        writer.write(compactAddress: leader)
        writer.write(leaderAge)
        try flow.encode(into: &writer, field: "flow")
        try estimate.encode(into: &writer, field: "estimate")
        let extrema = self.extrema.all
        var presence: UInt8 = 0
        for (index, extremum) in extrema.enumerated() where extremum.value != nil { presence |= 1 << index }
        writer.write(presence)
        for extremum in extrema {
            writer.write(extremum.age)
            if let value = extremum.value { try writer.write(value, field: "extremum") }
        }
    }

    /// Reads a payload, every number finite.
    static func decode(from reader: inout WireReader) throws(WireError) -> AggregationPayload {
        let epoch = try reader.readUInt32("epoch")
        let linkSequence = try reader.readUInt32("link sequence")
        let leader = try reader.readCompactAddress("leader")
        let leaderAge = try reader.readUInt16("leader age")
        let flow = try AggregationVector.decode(from: &reader, field: "flow")
        let estimate = try AggregationVector.decode(from: &reader, field: "estimate")
        let presence = try reader.readUInt8("extrema presence")
        guard presence & 0xc0 == 0 else {
            throw .invalidValue(field: "extrema presence", reason: "reserved bits set in \(presence)")
        }
        var extrema: [AgedExtremum] = []
        for index in 0..<6 {
            let age = try reader.readUInt16("extremum age")
            let value = presence & (1 << index) != 0 ? try reader.readDouble("extremum") : nil
            extrema.append(AgedExtremum(value: value, age: age))
        }
        return AggregationPayload(epoch: epoch, linkSequence: linkSequence, leader: leader, leaderAge: leaderAge,
                                  flow: flow, estimate: estimate, extrema: ChannelExtrema(ordered: extrema))
    }
}

extension AggregationVector {
    func encode(into writer: inout WireWriter, field: String) throws(WireError) {
        try writer.write(leaderWeight, field: "\(field) leader weight")
        for moments in [temperature, humidity, pressure] {
            try writer.write(moments.count, field: "\(field) count")
            try writer.write(moments.shiftedSum, field: "\(field) sum")
            try writer.write(moments.shiftedSumOfSquares, field: "\(field) sum of squares")
        }
    }

    static func decode(from reader: inout WireReader, field: String) throws(WireError) -> AggregationVector {
        let leaderWeight = try reader.readDouble("\(field) leader weight")
        var channels: [ChannelMoments] = []
        for _ in 0..<3 {
            let count = try reader.readDouble("\(field) count")
            let sum = try reader.readDouble("\(field) sum")
            let squares = try reader.readDouble("\(field) sum of squares")
            channels.append(ChannelMoments(count: count, shiftedSum: sum, shiftedSumOfSquares: squares))
        }
        return AggregationVector(leaderWeight: leaderWeight, temperature: channels[0], humidity: channels[1],
                                 pressure: channels[2])
    }
}

extension ChannelExtrema {
    /// The six extrema in wire order.
    var all: [AgedExtremum] {
        [temperatureMinimum, temperatureMaximum, humidityMinimum, humidityMaximum, pressureMinimum, pressureMaximum]
    }

    /// Extrema from six values in wire order.
    init(ordered: [AgedExtremum]) {
        self.init(temperatureMinimum: ordered[0], temperatureMaximum: ordered[1], humidityMinimum: ordered[2],
                  humidityMaximum: ordered[3], pressureMinimum: ordered[4], pressureMaximum: ordered[5])
    }
}
