/// A 7-bit I2C target address (0x00–0x7F).
///
/// The general-call and reserved addresses are representable, because scanning with `-a` probes them; 10-bit
/// addressing is not supported by this type.
public struct I2CAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The address as a number in 0x00...0x7F.
    public let rawValue: UInt8

    /// Creates an address, or nil when `rawValue` does not fit in 7 bits.
    public init?(rawValue: UInt8) {
        guard rawValue <= 0x7F else { return nil }
        self.rawValue = rawValue
    }

    /// Creates an address from any integer, or nil when it is outside 0x00...0x7F.
    public init?(_ value: some BinaryInteger) {
        guard value >= 0, value <= 0x7F else { return nil }
        self.rawValue = UInt8(value)
    }

    /// Parses `0x76`, `118` or `0o166` the way `strtol(…, 0)` does; nil when not a number or out of range.
    public init?(parsing text: String) {
        guard let value = parseCInteger(text) else { return nil }
        self.init(value)
    }

    public static func < (lhs: I2CAddress, rhs: I2CAddress) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The address as i2c-tools print it: `0x76`.
    public var description: String { "0x" + hex2(rawValue) }
}

/// Two lowercase hexadecimal digits, as i2c-tools print bytes.
public func hex2(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
}

/// Parses an integer with C's base-0 rules: `0x` hexadecimal, leading `0` octal, otherwise decimal.
///
/// Returns nil for anything `strtol` would not consume completely, so `0x7g` and `12abc` are rejected.
public func parseCInteger(_ text: String) -> Int? {
    var body = Substring(text)
    var negative = false
    if body.first == "-" || body.first == "+" {
        negative = body.first == "-"
        body = body.dropFirst()
    }
    let radix: Int
    if body.lowercased().hasPrefix("0x") {
        radix = 16
        body = body.dropFirst(2)
    } else if body.count > 1, body.hasPrefix("0") {
        radix = 8
        body = body.dropFirst()
    } else {
        radix = 10
    }
    guard body.first?.isHexDigit == true, let magnitude = Int(body, radix: radix) else { return nil }
    return negative ? -magnitude : magnitude
}
