import Crypto
import Foundation

/// One pre-shared 256-bit cluster key and its public id.
public struct ClusterKey: Sendable {
    /// The key's bytes, kept as a plain array because swift-crypto 3's `SymmetricKey` is not `Sendable`.
    private let bytes: [UInt8]
    /// The first 4 bytes, big-endian, of SHA-256("mote-gossip-key-id" ‖ key): names the key in every datagram's
    /// header without revealing it, so a receiver tries the right key first.
    public let id: UInt32

    /// The length of a key in bytes.
    public static let byteCount = 32

    /// A key from its 32 bytes; nil for any other length.
    public init?(bytes: [UInt8]) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = bytes
        var hasher = SHA256()
        hasher.update(data: Array("mote-gossip-key-id".utf8))
        hasher.update(data: bytes)
        id = hasher.finalize().prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The key, for swift-crypto.
    public var key: SymmetricKey { SymmetricKey(data: bytes) }

    /// A fresh random key in the key file's format (base64 of 32 bytes), from the system's secure generator.
    public static func generateBase64() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
    }
}

/// The cluster's keys: the primary seals every datagram; the primary and the secondaries are all tried when
/// opening one, so keys rotate without downtime.
///
/// Rotation: add the new key as a secondary on every node (each still seals with the old primary and now opens
/// both); then make it the primary everywhere (nodes not yet switched still open it); then remove the old one.
public struct ClusterKeyring: Sendable {
    /// The key datagrams are sealed with.
    public let primary: ClusterKey
    /// Keys also accepted when opening datagrams, in the order they are tried after the primary.
    public let secondaries: [ClusterKey]

    /// A keyring of a primary and optional secondaries.
    public init(primary: ClusterKey, secondaries: [ClusterKey] = []) {
        self.primary = primary
        self.secondaries = secondaries
    }

    /// Every key, the primary first.
    public var all: [ClusterKey] { [primary] + secondaries }

    /// Parses a key file's text: one key per line, base64 of 32 bytes, the first key the primary. Blank lines and
    /// lines starting with `#` are skipped; spaces around a key are ignored. Errors name the line.
    public init(keyFileText text: String) throws(KeyFileError) {
        var keys: [ClusterKey] = []
        var ids: Set<UInt32> = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let data = Data(base64Encoded: line) else {
                throw .invalidKey(line: index + 1, reason: "not base64")
            }
            guard let key = ClusterKey(bytes: Array(data)) else {
                throw .invalidKey(line: index + 1, reason: "\(data.count) bytes, a key is \(ClusterKey.byteCount)")
            }
            guard ids.insert(key.id).inserted else { throw .invalidKey(line: index + 1, reason: "repeats a key") }
            keys.append(key)
        }
        guard let primary = keys.first else { throw .noKeys }
        self.init(primary: primary, secondaries: Array(keys.dropFirst()))
    }
}

/// What is wrong with a key file's contents.
public enum KeyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file has no key line at all.
    case noKeys
    /// A line is not a valid key.
    case invalidKey(line: Int, reason: String)

    /// What the user reads, after the file's name.
    public var description: String {
        switch self {
        case .noKeys:
            return "no key in the file (one base64 32-byte key per line; `mote node keygen` makes one)"
        case .invalidKey(let line, let reason):
            return "line \(line): \(reason) (a key is 32 random bytes in base64; `mote node keygen` makes one)"
        }
    }
}
