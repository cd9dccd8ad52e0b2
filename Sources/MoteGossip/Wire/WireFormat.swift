/// The gossip wire format, version 1: sizes and constants shared by the codec, the envelope and the NIO shell.
///
/// A datagram is a 63-byte cleartext header, then the ChaCha20-Poly1305 ciphertext of the body, then its 16-byte
/// tag. All integers are big-endian; floating-point numbers are IEEE 754 binary64, big-endian.
///
/// ```
/// offset size  header (cleartext, authenticated: it is the AEAD's associated data, after the cluster name)
///      0    2  magic 0x4d 0x47 ("MG")
///      2    1  version (1)
///      3    4  key id: the first 4 bytes of SHA-256("mote-gossip-key-id" ‖ key) of the sealing key
///      7   16  sender's advertised IPv6 address (IPv4 as ::ffff:a.b.c.d): its identity in the cluster
///     23    2  sender's advertised UDP port (not 0)
///     25    8  sender generation (grows at every start of the sender's process)
///     33    8  sequence number (per sender and generation, from 1, never repeated)
///     41    8  Lamport clock
///     49   12  nonce (random, 96 bits)
///     61    2  sealed body length: ciphertext + 16-byte tag
///     63    …  ciphertext of the body
///      …   16  Poly1305 tag
/// ```
///
/// The body is a run of sections, each `kind (1) ‖ length (2) ‖ payload`, kinds strictly ascending (so each kind
/// appears at most once). Each kind has its own byte budget (`SectionBudgets`), so one kind of content cannot
/// crowd out another. The whole datagram is at most `maximumDatagramSize` bytes, encryption overhead included,
/// so it never needs IP fragmentation on a path with an MTU of 1,280 (IPv6's minimum) or more.
public enum WireFormat {
    /// The first two bytes of every datagram: "MG".
    public static let magic: [UInt8] = [0x4d, 0x47]
    /// The only version this code speaks; a datagram of another version is dropped as `unsupportedVersion`.
    public static let version: UInt8 = 1
    /// The largest datagram sent or accepted, header, ciphertext and tag included.
    public static let maximumDatagramSize = 1_200
    /// The cleartext header's size.
    public static let headerSize = 63
    /// The Poly1305 tag's size.
    public static let tagSize = 16
    /// The nonce's size (ChaCha20-Poly1305, RFC 8439).
    public static let nonceSize = 12
    /// The key id's size.
    public static let keyIDSize = 4
    /// What the header and the tag cost: 79 bytes.
    public static let overhead = headerSize + tagSize
    /// The largest body (plaintext): 1,121 bytes.
    public static let maximumBodySize = maximumDatagramSize - overhead
    /// A section's own framing: kind (1) and length (2).
    public static let sectionHeaderSize = 3
}
