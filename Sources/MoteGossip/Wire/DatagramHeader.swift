/// The cleartext header of a gossip datagram (layout in `WireFormat`): who sent it, in which process start, its
/// place in the sender's sequence, the sender's Lamport clock, and how to open the sealed body.
///
/// The header is not secret, but it is authenticated: it is the AEAD's associated data, so changing one bit of it
/// makes the datagram fail authentication.
public struct DatagramHeader: Sendable, Equatable {
    /// Which key sealed the body (`ClusterKey.id`).
    public var keyID: UInt32
    /// The sender's advertised address: its identity in the cluster.
    public var sender: PeerAddress
    /// The sender's generation: it grows at every start of the sender's process, and resets its sequence numbers.
    public var generation: UInt64
    /// The datagram's sequence number within the sender's generation, from 1; the replay window checks it.
    public var sequence: UInt64
    /// The sender's Lamport clock when it sent the datagram.
    public var lamportClock: UInt64
    /// The AEAD nonce (96 bits).
    public var nonce: [UInt8]
    /// The length of the sealed body that follows the header: ciphertext and tag.
    public var sealedLength: Int

    /// A header with every field given.
    public init(keyID: UInt32, sender: PeerAddress, generation: UInt64, sequence: UInt64, lamportClock: UInt64,
                nonce: [UInt8], sealedLength: Int) {
        self.keyID = keyID
        self.sender = sender
        self.generation = generation
        self.sequence = sequence
        self.lamportClock = lamportClock
        self.nonce = nonce
        self.sealedLength = sealedLength
    }

    /// The header's 63 bytes.
    public var encoded: [UInt8] {
        var writer = WireWriter(capacity: WireFormat.headerSize)
        writer.write(bytes: WireFormat.magic)
        writer.write(WireFormat.version)
        writer.write(keyID)
        writer.write(fixedAddress: sender)
        writer.write(generation)
        writer.write(sequence)
        writer.write(lamportClock)
        writer.write(bytes: nonce.prefix(WireFormat.nonceSize))
        writer.write(bytes: repeatElement(0, count: max(0, WireFormat.nonceSize - nonce.count)))
        writer.write(UInt16(clamping: sealedLength))
        return writer.bytes
    }

    /// Reads a header, checking the magic, the version and that the sealed length is possible (a tag at least,
    /// and no more than a maximum datagram can hold). It does not check what follows the header.
    public static func decode(from reader: inout WireReader) throws(WireError) -> DatagramHeader {
        let magic = try reader.readBytes(WireFormat.magic.count, "magic")
        guard magic == WireFormat.magic else { throw .badMagic }
        let version = try reader.readUInt8("version")
        guard version == WireFormat.version else { throw .unsupportedVersion(version) }
        let keyID = try reader.readUInt32("key id")
        let sender = try reader.readFixedAddress("sender")
        let generation = try reader.readUInt64("generation")
        let sequence = try reader.readUInt64("sequence number")
        guard sequence > 0 else { throw .invalidValue(field: "sequence number", reason: "0 is never sent") }
        let lamportClock = try reader.readUInt64("Lamport clock")
        let nonce = try reader.readBytes(WireFormat.nonceSize, "nonce")
        let sealedLength = Int(try reader.readUInt16("sealed body length"))
        let largest = WireFormat.maximumDatagramSize - WireFormat.headerSize
        guard sealedLength <= largest else {
            throw .oversized(size: WireFormat.headerSize + sealedLength, maximum: WireFormat.maximumDatagramSize)
        }
        guard sealedLength >= WireFormat.tagSize else {
            throw .invalidValue(field: "sealed body length", reason: "\(sealedLength) is shorter than the tag")
        }
        return DatagramHeader(keyID: keyID, sender: sender, generation: generation, sequence: sequence,
                              lamportClock: lamportClock, nonce: nonce, sealedLength: sealedLength)
    }
}

/// A datagram split into its header and its sealed body, not yet opened: what arrives from the network once its
/// framing has been checked.
public struct SealedDatagram: Sendable, Equatable {
    /// The cleartext header.
    public var header: DatagramHeader
    /// Ciphertext followed by the 16-byte tag.
    public var sealedBody: [UInt8]

    /// A datagram from its parts.
    public init(header: DatagramHeader, sealedBody: [UInt8]) {
        self.header = header
        self.sealedBody = sealedBody
    }

    /// Splits one whole datagram, checking its size, its header and that exactly `sealedLength` bytes follow.
    public init(parsing bytes: [UInt8]) throws(WireError) {
        guard bytes.count <= WireFormat.maximumDatagramSize else {
            throw .oversized(size: bytes.count, maximum: WireFormat.maximumDatagramSize)
        }
        var reader = WireReader(bytes)
        header = try DatagramHeader.decode(from: &reader)
        guard reader.remaining == header.sealedLength else {
            throw .lengthMismatch(declared: header.sealedLength, actual: reader.remaining)
        }
        sealedBody = try reader.readBytes(header.sealedLength, "sealed body")
    }

    /// The datagram's bytes, as sent.
    public var bytes: [UInt8] { header.encoded + sealedBody }
}
