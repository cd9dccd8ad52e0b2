/// The kinds of section a version-1 body can hold, in the order they must appear.
public enum WireSectionKind: UInt8, Sendable, CaseIterable, Comparable {
    /// The datagram's protocol message: a probe, an acknowledgement, a request to probe for someone else…
    case control = 1
    /// Membership updates piggybacked on the message: joins, suspicions, refutations, deaths.
    case membership = 2
    /// Aggregation state: the per-link cumulative totals and the idempotent extremes.
    case aggregation = 3

    /// Orders kinds by their byte on the wire.
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How many bytes each kind of section may take in one body, its 3-byte framing included.
///
/// Budgets are hard limits on both sides: an encoder stops adding entries to a section when the next would go over,
/// leaving them for a later datagram, and a decoder refuses a section over its budget. So a burst of membership
/// changes cannot push the aggregation state out of datagrams, nor the other way round.
public struct SectionBudgets: Sendable, Equatable {
    /// The control section's budget.
    public var control: Int
    /// The membership section's budget.
    public var membership: Int
    /// The aggregation section's budget.
    public var aggregation: Int

    /// The default split of the 1,121-byte body: 64 bytes of control (the largest, a ping request to an IPv6
    /// target, takes 39), 320 of aggregation (one link payload takes at most 253) and the remaining 737 for
    /// membership updates (36 updates of 20 bytes, IPv4 members, down to 14 of 51, IPv6 suspicions naming an IPv6
    /// accuser).
    public static let standard = SectionBudgets(checked: (control: 64, membership: 737, aggregation: 320))

    /// Budgets from their byte counts; nil unless each can hold its framing and together they fit in a body.
    public init?(control: Int, membership: Int, aggregation: Int) {
        let all = [control, membership, aggregation]
        guard all.allSatisfy({ $0 >= WireFormat.sectionHeaderSize }),
            all.reduce(0, +) <= WireFormat.maximumBodySize
        else { return nil }
        self.init(checked: (control, membership, aggregation))
    }

    private init(checked budgets: (control: Int, membership: Int, aggregation: Int)) {
        control = budgets.control
        membership = budgets.membership
        aggregation = budgets.aggregation
    }

    /// The budget of one kind of section.
    public subscript(kind: WireSectionKind) -> Int {
        switch kind {
        case .control: return control
        case .membership: return membership
        case .aggregation: return aggregation
        }
    }
}

/// A body's sections as raw payloads, framed and checked but not yet decoded.
public struct WireSections: Sendable, Equatable {
    /// The payload of each section present (without its kind and length).
    public private(set) var payloads: [WireSectionKind: [UInt8]] = [:]

    /// No sections.
    public init() {}

    /// Adds or replaces a section's payload.
    public mutating func set(_ kind: WireSectionKind, _ payload: [UInt8]) { payloads[kind] = payload }

    /// A section's payload, or nil when the body has none of that kind.
    public subscript(kind: WireSectionKind) -> [UInt8]? { payloads[kind] }

    /// The body: each section present, in ascending kind order, as kind, 16-bit length and payload.
    ///
    /// - Throws: `WireError.sectionOverBudget` for a section over its budget (the packers never produce one).
    public func encoded(budgets: SectionBudgets = .standard) throws(WireError) -> [UInt8] {
        var writer = WireWriter(capacity: WireFormat.maximumBodySize)
        for kind in WireSectionKind.allCases {
            guard let payload = payloads[kind] else { continue }
            let size = WireFormat.sectionHeaderSize + payload.count
            guard size <= budgets[kind] else {
                throw .sectionOverBudget(kind: kind.rawValue, length: size, budget: budgets[kind])
            }
            writer.write(kind.rawValue)
            writer.write(UInt16(payload.count))
            writer.write(bytes: payload)
        }
        return writer.bytes
    }

    /// Splits a body into sections: known kinds only, strictly ascending, each within its budget, no bytes left.
    public init(decoding body: [UInt8], budgets: SectionBudgets = .standard) throws(WireError) {
        guard body.count <= WireFormat.maximumBodySize else {
            throw .oversized(size: body.count + WireFormat.overhead, maximum: WireFormat.maximumDatagramSize)
        }
        var reader = WireReader(body)
        var previous: UInt8 = 0
        while !reader.isAtEnd {
            let raw = try reader.readUInt8("section kind")
            guard let kind = WireSectionKind(rawValue: raw) else { throw .unknownSection(kind: raw) }
            guard raw > previous else { throw .sectionOutOfOrder(kind: raw, previous: previous) }
            previous = raw
            let length = Int(try reader.readUInt16("section length"))
            guard WireFormat.sectionHeaderSize + length <= budgets[kind] else {
                throw .sectionOverBudget(kind: raw, length: WireFormat.sectionHeaderSize + length,
                                         budget: budgets[kind])
            }
            payloads[kind] = try reader.readBytes(length, "section payload")
        }
    }
}

/// A value with a fixed wire encoding, decoded with every field validated.
public protocol WireCodable {
    /// The fewest bytes any value of the type takes: lets a decoder refuse a count the bytes left cannot hold.
    static var minimumEncodedSize: Int { get }
    /// Appends the value's encoding.
    func encode(into writer: inout WireWriter) throws(WireError)
    /// Reads one value, validating every field.
    static func decode(from reader: inout WireReader) throws(WireError) -> Self
}

/// Encodes and decodes a list of entries as one section's payload: a 16-bit count, then the entries.
public enum WireEntryList {
    /// Encodes as many entries as fit in `budget` bytes (the section's framing included), in order, skipping none:
    /// the first that does not fit ends the list. Returns the payload and how many entries it holds.
    ///
    /// - Parameter prefix: bytes the payload starts with, before the count (a section's fixed fields).
    public static func pack<Entry: WireCodable>(_ entries: some Sequence<Entry>, prefix: [UInt8] = [],
                                                budget: Int) throws(WireError) -> (payload: [UInt8], count: Int) {
        let room = budget - WireFormat.sectionHeaderSize - prefix.count - 2
        guard room >= 0 else {
            throw .sectionOverBudget(kind: 0, length: WireFormat.sectionHeaderSize + prefix.count + 2, budget: budget)
        }
        var body = WireWriter(capacity: room)
        var count = 0
        for entry in entries {
            var one = WireWriter(capacity: Entry.minimumEncodedSize)
            try entry.encode(into: &one)
            guard body.count + one.count <= room, count < Int(UInt16.max) else { break }
            body.write(bytes: one.bytes)
            count += 1
        }
        var payload = WireWriter(capacity: prefix.count + 2 + body.count)
        payload.write(bytes: prefix)
        payload.write(UInt16(count))
        payload.write(bytes: body.bytes)
        return (payload.bytes, count)
    }

    /// Reads a count and that many entries, refusing a count the remaining bytes cannot hold.
    public static func unpack<Entry: WireCodable>(_ type: Entry.Type, from reader: inout WireReader,
                                                  field: String, maximum: Int = Int(UInt16.max))
        throws(WireError) -> [Entry] {
        let count = try reader.readCount(field, maximum: maximum, minimumEntrySize: Entry.minimumEncodedSize)
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count { entries.append(try Entry.decode(from: &reader)) }
        return entries
    }
}
