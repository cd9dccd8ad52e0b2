import MoteGossip
import NIOCore
import NIOTestUtils
import XCTest

@testable import MoteNode

/// The stream framing of datagrams, run under NIO's `ByteToMessageDecoderVerifier`, which feeds the input whole,
/// byte by byte and in random splits, and checks the decoder yields the same datagrams and leaves nothing behind.
final class GossipFrameDecoderTests: XCTestCase {
    static let keyring = ClusterKeyring(primary: ClusterKey(bytes: [UInt8](repeating: 7, count: 32))!)
    static let alice = PeerAddress(ipv4: 0x7f00_0001, port: 7_001)

    func datagrams(_ count: Int) throws -> [[UInt8]] {
        var endpoint = WireEndpoint(node: Self.alice, generation: 1, cluster: "orchard", keyring: Self.keyring)
        return try (0..<count).map { index in
            let message = GossipMessage(
                sender: Self.alice, senderGeneration: 1, senderIncarnation: 0, receiverGeneration: 0,
                kind: .ping(sequence: UInt32(index)),
                membership: (0..<index * 7).map {
                    MembershipUpdate(member: PeerAddress(ipv4: 0x0a00_0000 + UInt32($0) + 1, port: 7_946),
                                     generation: 1, incarnation: 0, status: .alive)
                })
            return try endpoint.seal(message, nonce: [UInt8](repeating: UInt8(index), count: 12)).bytes
        }
    }

    func testDatagramsLaidEndToEndDecodeUnderTheVerifier() throws {
        let datagrams = try datagrams(6)
        let expected = try datagrams.map { try SealedDatagram(parsing: $0) }
        var stream = ByteBuffer()
        datagrams.forEach { stream.writeBytes($0) }
        var single = ByteBuffer(bytes: datagrams[3])
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(stream, expected), (single, [expected[3]])],
            decoderFactory: { GossipFrameDecoder() })
        var decoder = GossipFrameDecoder()
        XCTAssertEqual(try decoder.decode(buffer: &single), expected[3])
        XCTAssertEqual(single.readableBytes, 0)
    }

    func testAPartialDatagramWaitsForTheRest() throws {
        let datagram = try datagrams(2)[1]
        var decoder = GossipFrameDecoder()
        var buffer = ByteBuffer(bytes: datagram.prefix(WireFormat.headerSize - 1))
        XCTAssertNil(try decoder.decode(buffer: &buffer))
        buffer.writeBytes(datagram.dropFirst(WireFormat.headerSize - 1).dropLast())
        XCTAssertNil(try decoder.decode(buffer: &buffer))
        buffer.writeBytes(datagram.suffix(1))
        XCTAssertEqual(try decoder.decode(buffer: &buffer)?.bytes, datagram)
    }

    func testABrokenHeaderStopsTheStreamWithItsError() throws {
        var datagram = try datagrams(1)[0]
        datagram[2] = 9
        var decoder = GossipFrameDecoder()
        var buffer = ByteBuffer(bytes: datagram)
        XCTAssertThrowsError(try decoder.decode(buffer: &buffer)) {
            XCTAssertEqual($0 as? WireError, .unsupportedVersion(9))
        }
    }
}
