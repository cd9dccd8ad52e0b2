import MoteGossip
import NIOCore

/// An `ADDRESS:PORT` argument: `127.0.0.1:7946` or `[::1]:7946`, numeric only (no name lookups: a node's
/// identity is its advertised address, and a name could resolve differently on every member).
public struct NodeAddress: Sendable, Equatable, CustomStringConvertible {
    /// The address as the gossip protocol names members.
    public let peer: PeerAddress
    /// The address for NIO.
    public let socketAddress: SocketAddress

    /// Parses `text` given for `option` (the option's name goes into the error).
    public init(parsing text: String, option: String) throws(NodeError) {
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw .badAddress(option: option, value: text, reason: "expected [IPv6]:PORT")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw .badAddress(option: option, value: text, reason: "expected ADDRESS:PORT, e.g. 127.0.0.1:7946")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else {
                throw .badAddress(option: option, value: text, reason: "an IPv6 address goes in brackets: [::1]:7946")
            }
        }
        guard let port = UInt16(portText), port > 0 else {
            throw .badAddress(option: option, value: text, reason: "the port must be 1-65535")
        }
        let socketAddress: SocketAddress
        do {
            socketAddress = try SocketAddress(ipAddress: String(host), port: Int(port))
        } catch {
            throw .badAddress(option: option, value: text, reason: "'\(host)' is not a numeric IPv4 or IPv6 address")
        }
        guard let peer = PeerAddress(socketAddress) else {
            throw .badAddress(option: option, value: text, reason: "not an IP address")
        }
        self.peer = peer
        self.socketAddress = socketAddress
    }

    /// The address of a member, to send to.
    public init?(peer: PeerAddress) {
        let host: String
        if let ipv4 = peer.ipv4 {
            host = "\(ipv4 >> 24).\(ipv4 >> 16 & 0xff).\(ipv4 >> 8 & 0xff).\(ipv4 & 0xff)"
        } else {
            let bytes = peer.ipv6Bytes
            host = stride(from: 0, to: 16, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]),
                                                               radix: 16) }.joined(separator: ":")
        }
        guard let socketAddress = try? SocketAddress(ipAddress: host, port: Int(peer.port)) else { return nil }
        self.peer = peer
        self.socketAddress = socketAddress
    }

    /// Whether this is 0.0.0.0 or `::`: fine to listen on, never to advertise.
    public var isUnspecified: Bool {
        peer.ipv6High == 0 && (peer.ipv6Low == 0 || peer.ipv6Low == 0x0000_ffff_0000_0000)
    }

    /// Whether a socket bound to this address can exchange datagrams with `other`. An IPv4 socket reaches IPv4
    /// addresses only; an IPv6 one is not judged here (on `[::]` Linux carries IPv4 too, as v4-mapped addresses).
    public func reaches(_ other: PeerAddress) -> Bool {
        if case .v4 = socketAddress { return other.ipv4 != nil }
        return true
    }

    /// `127.0.0.1:7946` or `[…]:7946`.
    public var description: String { peer.description }
}

extension PeerAddress {
    /// The member address of a socket address; nil for a Unix-domain socket.
    public init?(_ socketAddress: SocketAddress) {
        guard let port = socketAddress.port, let port16 = UInt16(exactly: port) else { return nil }
        switch socketAddress {
        case .v4(let address):
            self.init(ipv4: UInt32(bigEndian: address.address.sin_addr.s_addr), port: port16)
        case .v6(let address):
            var storage = address.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            self.init(ipv6Bytes: bytes, port: port16)
        case .unixDomainSocket:
            return nil
        }
    }
}
