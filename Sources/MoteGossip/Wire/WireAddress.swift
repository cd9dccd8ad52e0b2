/// Addresses on the wire, in two forms: fixed (16 address bytes and a port: the header, where every field has
/// one offset) and compact (a family byte, 4 or 16 address bytes, a port: entries, where IPv4 members take 7 bytes
/// instead of 19).
///
/// Compact form: family 4 is followed by an IPv4 address, family 6 by an IPv6 address that is not IPv4-mapped
/// (that address has exactly one encoding, family 4). Both forms refuse port 0 and the unspecified address, which
/// no node can be reached at.
extension WireWriter {
    /// Appends an address in the fixed 18-byte form.
    public mutating func write(fixedAddress address: PeerAddress) {
        write(address.ipv6High)
        write(address.ipv6Low)
        write(address.port)
    }

    /// Appends an address in the compact form: 7 bytes for IPv4, 19 for IPv6.
    public mutating func write(compactAddress address: PeerAddress) {
        if let ipv4 = address.ipv4 {
            write(UInt8(4))
            write(ipv4)
        } else {
            write(UInt8(6))
            write(address.ipv6High)
            write(address.ipv6Low)
        }
        write(address.port)
    }
}

extension WireReader {
    /// Reads an address in the fixed 18-byte form.
    public mutating func readFixedAddress(_ field: String) throws(WireError) -> PeerAddress {
        let high = try readUInt64(field)
        let low = try readUInt64(field)
        let port = try readUInt16(field)
        return try Self.checked(PeerAddress(ipv6High: high, ipv6Low: low, port: port), field)
    }

    /// Reads an address in the compact form, refusing unknown families and a second encoding of IPv4.
    public mutating func readCompactAddress(_ field: String) throws(WireError) -> PeerAddress {
        let family = try readUInt8("\(field) family")
        let address: PeerAddress
        switch family {
        case 4:
            let ipv4 = try readUInt32(field)
            address = PeerAddress(ipv4: ipv4, port: try readUInt16("\(field) port"))
        case 6:
            let high = try readUInt64(field)
            let low = try readUInt64(field)
            address = PeerAddress(ipv6High: high, ipv6Low: low, port: try readUInt16("\(field) port"))
            guard address.ipv4 == nil else {
                throw .invalidValue(field: field, reason: "an IPv4-mapped address must be sent as family 4")
            }
        default:
            throw .invalidEnumValue(field: "\(field) family", value: UInt64(family))
        }
        return try Self.checked(address, field)
    }

    private static func checked(_ address: PeerAddress, _ field: String) throws(WireError) -> PeerAddress {
        guard address.port != 0 else { throw .invalidValue(field: field, reason: "port 0") }
        guard address.ipv6High != 0 || (address.ipv6Low != 0 && address.ipv6Low != PeerAddress.ipv4MappedPrefix)
        else { throw .invalidValue(field: field, reason: "the unspecified address") }
        return address
    }
}
