import Crypto
import Foundation

/// Seals and opens datagram bodies with ChaCha20-Poly1305 (RFC 8439) under the cluster's keyring.
///
/// The associated data is the cluster name (its UTF-8 length as 2 bytes, then its bytes) followed by the whole
/// cleartext header, so a datagram of another cluster, or one whose header was altered, fails authentication.
///
/// The nonce is 96 random bits drawn by the shell from the system's secure generator for every datagram and sent
/// in the header. Random rather than counter nonces because every node of a cluster seals with the same key: a
/// counter nonce would need ids and generations guaranteed unique across nodes and restarts, which a
/// misconfiguration (two nodes with one id, a clock set back) would silently break. The cost is the birthday bound:
/// keep each key under 2^32 datagrams, cluster-wide (a 50-node cluster sending 10 datagrams a second per node
/// reaches that in about 100 days), by rotating keys (`ClusterKeyring`).
public enum DatagramEnvelope {
    /// Why a datagram's sealed body could not be opened.
    public enum OpenFailure: Error, Equatable, Sendable {
        /// No key of the keyring has the header's key id, and none opened it: a stranger's or a retired key.
        case unknownKey
        /// A key with the header's id exists but the tag does not verify: the datagram (header or body) was
        /// altered, or it comes from another cluster.
        case authenticationFailed
    }

    /// Seals `body` into a complete datagram with the keyring's primary key.
    ///
    /// - Throws: `WireError.oversized` when the datagram would exceed `WireFormat.maximumDatagramSize`, and
    ///   `WireError.invalidValue` for a nonce that is not 12 bytes.
    public static func seal(body: [UInt8], sender: PeerAddress, generation: UInt64, sequence: UInt64,
                            lamportClock: UInt64, nonce: [UInt8], keyring: ClusterKeyring,
                            cluster: String) throws(WireError) -> [UInt8] {
        guard body.count <= WireFormat.maximumBodySize else {
            throw .oversized(size: body.count + WireFormat.overhead, maximum: WireFormat.maximumDatagramSize)
        }
        guard nonce.count == WireFormat.nonceSize, let chachaNonce = try? ChaChaPoly.Nonce(data: nonce) else {
            throw .invalidValue(field: "nonce", reason: "\(nonce.count) bytes, a nonce is \(WireFormat.nonceSize)")
        }
        let header = DatagramHeader(keyID: keyring.primary.id, sender: sender, generation: generation,
                                    sequence: sequence, lamportClock: lamportClock, nonce: nonce,
                                    sealedLength: body.count + WireFormat.tagSize)
        let headerBytes = header.encoded
        let authenticated = associatedData(cluster: cluster, header: headerBytes)
        guard let box = try? ChaChaPoly.seal(body, using: keyring.primary.key, nonce: chachaNonce,
                                              authenticating: authenticated)
        else { throw .invalidValue(field: "key", reason: "ChaCha20-Poly1305 refused to seal") }
        return headerBytes + Array(box.ciphertext) + Array(box.tag)
    }

    /// Opens a datagram's body: keys with the header's key id first, then every other key of the keyring.
    public static func open(_ datagram: SealedDatagram, keyring: ClusterKeyring,
                            cluster: String) -> Result<[UInt8], OpenFailure> {
        let header = datagram.header
        let ciphertextCount = datagram.sealedBody.count - WireFormat.tagSize
        guard ciphertextCount >= 0,
            let nonce = try? ChaChaPoly.Nonce(data: header.nonce),
            let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: datagram.sealedBody.prefix(ciphertextCount),
                                                tag: datagram.sealedBody.suffix(WireFormat.tagSize))
        else { return .failure(.authenticationFailed) }
        let authenticated = associatedData(cluster: cluster, header: header.encoded)
        let named = keyring.all.filter { $0.id == header.keyID }
        let others = keyring.all.filter { $0.id != header.keyID }
        for key in named + others {
            if let body = try? ChaChaPoly.open(box, using: key.key, authenticating: authenticated) {
                return .success(Array(body))
            }
        }
        return .failure(named.isEmpty ? .unknownKey : .authenticationFailed)
    }

    /// The AEAD's associated data: the cluster name, length-prefixed so no two (name, header) pairs run together
    /// into the same bytes, then the header.
    static func associatedData(cluster: String, header: [UInt8]) -> [UInt8] {
        let name = Array(cluster.utf8.prefix(Int(UInt16.max)))
        var writer = WireWriter(capacity: 2 + name.count + header.count)
        writer.write(UInt16(name.count))
        writer.write(bytes: name)
        writer.write(bytes: header)
        return writer.bytes
    }
}
