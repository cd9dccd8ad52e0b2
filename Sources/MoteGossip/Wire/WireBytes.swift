/// Appends big-endian integers, IEEE 754 numbers and raw bytes to a byte array: the wire format's only writer.
public struct WireWriter: Sendable {
    /// What has been written so far.
    public private(set) var bytes: [UInt8]

    /// An empty writer with room for `capacity` bytes.
    public init(capacity: Int = WireFormat.maximumDatagramSize) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// How many bytes have been written.
    public var count: Int { bytes.count }

    /// Appends one byte.
    public mutating func write(_ value: UInt8) { bytes.append(value) }

    /// Appends a 16-bit integer, big-endian.
    public mutating func write(_ value: UInt16) { writeBigEndian(UInt64(value), size: 2) }

    /// Appends a 32-bit integer, big-endian.
    public mutating func write(_ value: UInt32) { writeBigEndian(UInt64(value), size: 4) }

    /// Appends a 64-bit integer, big-endian.
    public mutating func write(_ value: UInt64) { writeBigEndian(value, size: 8) }

    /// Appends a number as IEEE 754 binary64, big-endian; refuses NaN and infinities, which no field may hold.
    public mutating func write(_ value: Double, field: String) throws(WireError) {
        guard value.isFinite else { throw .nonFiniteNumber(field: field) }
        write(value.bitPattern)
    }

    /// Appends raw bytes.
    public mutating func write<Bytes: Sequence>(bytes more: Bytes) where Bytes.Element == UInt8 {
        bytes.append(contentsOf: more)
    }

    /// Overwrites a 16-bit big-endian integer written earlier at `offset` (a length filled in afterwards).
    public mutating func patch(_ value: UInt16, at offset: Int) {
        bytes[offset] = UInt8(value >> 8)
        bytes[offset + 1] = UInt8(value & 0xff)
    }

    private mutating func writeBigEndian(_ value: UInt64, size: Int) {
        for index in stride(from: size - 1, through: 0, by: -1) {
            bytes.append(UInt8(truncatingIfNeeded: value >> (UInt64(index) * 8)))
        }
    }
}

/// Reads big-endian integers, IEEE 754 numbers and raw bytes from a byte array, checking every length.
///
/// A reader never reads past its end: each read that would throws `WireError.truncated` naming the field.
public struct WireReader: Sendable {
    private let bytes: [UInt8]
    /// The index of the next byte to read.
    public private(set) var position: Int
    /// One past the last byte this reader may read.
    public let end: Int

    /// A reader over all of `bytes`.
    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    private init(bytes: [UInt8], position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    /// How many bytes are left.
    public var remaining: Int { end - position }

    /// Whether every byte has been read.
    public var isAtEnd: Bool { position == end }

    /// Reads one byte.
    public mutating func readUInt8(_ field: String) throws(WireError) -> UInt8 {
        try require(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    /// Reads a big-endian 16-bit integer.
    public mutating func readUInt16(_ field: String) throws(WireError) -> UInt16 {
        UInt16(try readBigEndian(2, field))
    }

    /// Reads a big-endian 32-bit integer.
    public mutating func readUInt32(_ field: String) throws(WireError) -> UInt32 {
        UInt32(try readBigEndian(4, field))
    }

    /// Reads a big-endian 64-bit integer.
    public mutating func readUInt64(_ field: String) throws(WireError) -> UInt64 {
        try readBigEndian(8, field)
    }

    /// Reads an IEEE 754 binary64 number, rejecting NaN and infinities.
    public mutating func readDouble(_ field: String) throws(WireError) -> Double {
        let value = Double(bitPattern: try readBigEndian(8, field))
        guard value.isFinite else { throw .nonFiniteNumber(field: field) }
        return value
    }

    /// Reads `count` raw bytes.
    public mutating func readBytes(_ count: Int, _ field: String) throws(WireError) -> [UInt8] {
        try require(count, field)
        defer { position += count }
        return Array(bytes[position..<position + count])
    }

    /// Reads a count and checks it against a maximum and against the bytes left, given each entry's smallest
    /// encoded size: a hostile count cannot make the decoder allocate or loop for entries that are not there.
    public mutating func readCount(_ field: String, maximum: Int, minimumEntrySize: Int) throws(WireError) -> Int {
        let count = Int(try readUInt16(field))
        let fitting = minimumEntrySize > 0 ? remaining / minimumEntrySize : Int.max
        guard count <= maximum, count <= fitting else {
            throw .countOutOfRange(field: field, count: count, maximum: min(maximum, fitting))
        }
        return count
    }

    /// Splits off the next `length` bytes as a reader of their own, and skips past them.
    public mutating func subReader(_ length: Int, _ field: String) throws(WireError) -> WireReader {
        try require(length, field)
        defer { position += length }
        return WireReader(bytes: bytes, position: position, end: position + length)
    }

    /// Throws unless every byte has been read.
    public func expectEnd(_ context: String) throws(WireError) {
        guard isAtEnd else { throw .trailingBytes(count: remaining, after: context) }
    }

    private func require(_ count: Int, _ field: String) throws(WireError) {
        guard count >= 0, count <= remaining else {
            throw .truncated(field: field, needed: count, available: remaining)
        }
    }

    private mutating func readBigEndian(_ size: Int, _ field: String) throws(WireError) -> UInt64 {
        try require(size, field)
        var value: UInt64 = 0
        for index in position..<position + size { value = value << 8 | UInt64(bytes[index]) }
        position += size
        return value
    }
}
