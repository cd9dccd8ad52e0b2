/// Why bytes could not be decoded, or a value could not be encoded, in the gossip wire format.
///
/// Every check the decoder makes has a case here, so a test can assert which one rejected a datagram, and a hostile
/// datagram ends in one of these errors rather than in a crash.
public enum WireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Fewer bytes remained than `field` needs.
    case truncated(field: String, needed: Int, available: Int)
    /// The datagram does not start with the magic bytes "MG".
    case badMagic
    /// The datagram's version is not one this code speaks.
    case unsupportedVersion(UInt8)
    /// The datagram, or a body, is larger than the format allows.
    case oversized(size: Int, maximum: Int)
    /// The header's sealed body length disagrees with the bytes that follow it.
    case lengthMismatch(declared: Int, actual: Int)
    /// Bytes were left over after `context` was complete.
    case trailingBytes(count: Int, after: String)
    /// A section kind this version does not define.
    case unknownSection(kind: UInt8)
    /// Section kinds must be strictly ascending, so each appears once: `kind` came after `previous`.
    case sectionOutOfOrder(kind: UInt8, previous: UInt8)
    /// A section is longer than its kind's budget.
    case sectionOverBudget(kind: UInt8, length: Int, budget: Int)
    /// A field holds a value its enumeration does not define.
    case invalidEnumValue(field: String, value: UInt64)
    /// A count is larger than the format allows (or than the bytes that follow could hold).
    case countOutOfRange(field: String, count: Int, maximum: Int)
    /// A floating-point field is NaN or infinite.
    case nonFiniteNumber(field: String)
    /// The same id (an address) appears twice where ids must be distinct.
    case duplicateEntry(field: String, id: String)
    /// A field's value breaks a rule of the format.
    case invalidValue(field: String, reason: String)

    /// One line for logs and tests.
    public var description: String {
        switch self {
        case .truncated(let field, let needed, let available):
            return "truncated \(field): needs \(needed) bytes, \(available) left"
        case .badMagic: return "not a gossip datagram (bad magic)"
        case .unsupportedVersion(let version): return "unsupported version \(version)"
        case .oversized(let size, let maximum): return "\(size) bytes is over the maximum of \(maximum)"
        case .lengthMismatch(let declared, let actual):
            return "header declares \(declared) sealed bytes, \(actual) follow"
        case .trailingBytes(let count, let context): return "\(count) bytes left over after \(context)"
        case .unknownSection(let kind): return "unknown section kind \(kind)"
        case .sectionOutOfOrder(let kind, let previous):
            return "section kind \(kind) after kind \(previous): kinds must be ascending and distinct"
        case .sectionOverBudget(let kind, let length, let budget):
            return "section kind \(kind) is \(length) bytes, over its budget of \(budget)"
        case .invalidEnumValue(let field, let value): return "\(field): \(value) is not a defined value"
        case .countOutOfRange(let field, let count, let maximum): return "\(field): count \(count) over \(maximum)"
        case .nonFiniteNumber(let field): return "\(field) is NaN or infinite"
        case .duplicateEntry(let field, let id): return "\(field): \(id) appears twice"
        case .invalidValue(let field, let reason): return "\(field): \(reason)"
        }
    }
}
