import XCTest

@testable import MoteGossip

/// The crypto envelope and the replay guard: wrong, rotated and unknown keys, tampering, replays, reordering and
/// generations, each counted under its own reason.
final class EnvelopeTests: XCTestCase {
    static func key(_ byte: UInt8) -> ClusterKey {
        guard let key = ClusterKey(bytes: [UInt8](repeating: byte, count: 32)) else {
            preconditionFailure("32 bytes make a key")
        }
        return key
    }

    /// Node `number` at 127.0.0.1, port 7000 + number.
    static func address(_ number: UInt16) -> PeerAddress { PeerAddress(ipv4: 0x7f00_0001, port: 7_000 + number) }

    static func endpoint(_ node: UInt16, generation: UInt64 = 1, keys: [UInt8] = [1],
                         cluster: String = "orchard") -> WireEndpoint {
        let keyring = ClusterKeyring(primary: key(keys[0]), secondaries: keys.dropFirst().map { key($0) })
        return WireEndpoint(node: address(node), generation: generation, cluster: cluster, keyring: keyring)
    }

    /// A distinct nonce per call, as the shell's secure generator gives.
    var nonceCounter: UInt32 = 0
    func nonce() -> [UInt8] {
        nonceCounter += 1
        return [UInt8](repeating: 0x5a, count: 8) + withUnsafeBytes(of: nonceCounter.bigEndian, Array.init)
    }

    func sections(_ payload: [UInt8] = [0x01, 0x02, 0x03]) -> WireSections {
        var sections = WireSections()
        sections.set(.control, payload)
        return sections
    }

    func testRoundTripCarriesHeaderFieldsAndTicksLamportClocks() throws {
        var alice = Self.endpoint(1)
        var bob = Self.endpoint(2)
        let datagram = try alice.seal(sections(), nonce: nonce())
        XCTAssertEqual(datagram.count, WireFormat.overhead + 3 + 3)
        let opened = try XCTUnwrap(bob.open(datagram))
        XCTAssertEqual(opened.sections, sections())
        XCTAssertEqual(opened.header.sender, Self.address(1))
        XCTAssertEqual(opened.header.generation, 1)
        XCTAssertEqual(opened.header.sequence, 1)
        XCTAssertEqual(opened.header.lamportClock, 1)
        XCTAssertEqual(opened.header.keyID, Self.key(1).id)
        XCTAssertEqual(alice.lamportClock, 1)
        XCTAssertEqual(alice.nextSequence, 2)
        XCTAssertEqual(bob.lamportClock, 2, "max(0, 1) + 1")
        let reply = try bob.seal(sections(), nonce: nonce())
        XCTAssertEqual(try XCTUnwrap(alice.open(reply)).header.lamportClock, 3)
        XCTAssertEqual(alice.lamportClock, 4)
        XCTAssertEqual(bob.drops.total + alice.drops.total, 0)
    }

    func testWrongKeyUnknownKeyAndOtherClusterAreDropped() throws {
        var alice = Self.endpoint(1, keys: [1])
        var stranger = Self.endpoint(2, keys: [9])
        XCTAssertNil(stranger.open(try alice.seal(sections(), nonce: nonce())))
        XCTAssertEqual(stranger.drops[.unknownKey], 1)
        var otherCluster = Self.endpoint(3, keys: [1], cluster: "vineyard")
        XCTAssertNil(otherCluster.open(try alice.seal(sections(), nonce: nonce())))
        XCTAssertEqual(otherCluster.drops[.authenticationFailed], 1)
        XCTAssertEqual(otherCluster.accepted + stranger.accepted, 0)
    }

    func testRotationOpensWithEitherKeyAndSealsWithThePrimary() throws {
        var old = Self.endpoint(1, keys: [1])
        var both = Self.endpoint(2, keys: [1, 2])
        var rotated = Self.endpoint(3, keys: [2, 1])
        var new = Self.endpoint(4, keys: [2])
        XCTAssertNotNil(both.open(try old.seal(sections(), nonce: nonce())), "a secondary opens")
        XCTAssertNotNil(rotated.open(try old.seal(sections(), nonce: nonce())))
        let fromRotated = try rotated.seal(sections(), nonce: nonce())
        XCTAssertEqual(try SealedDatagram(parsing: fromRotated).header.keyID, Self.key(2).id, "sealed with primary")
        XCTAssertNotNil(both.open(fromRotated))
        XCTAssertNotNil(new.open(fromRotated))
        XCTAssertNil(old.open(fromRotated), "the old-only node cannot open the new key")
        XCTAssertEqual(old.drops[.unknownKey], 1)
    }

    func testAKeyIsTriedEvenWhenTheKeyIDDoesNotNameIt() throws {
        var alice = Self.endpoint(1, keys: [1])
        var datagram = try alice.seal(sections(), nonce: nonce())
        // A key id no key has: the header is authenticated, so changing it must fail as a forgery, not open.
        datagram[3] ^= 0xff
        var bob = Self.endpoint(2, keys: [2, 1])
        XCTAssertNil(bob.open(datagram))
        XCTAssertEqual(bob.drops[.unknownKey], 1)
    }

    func testEveryTamperedByteIsDetected() throws {
        var alice = Self.endpoint(1)
        var bob = Self.endpoint(2)
        let datagram = try alice.seal(sections([0x10, 0x20, 0x30, 0x40]), nonce: nonce())
        // Every byte after the magic and version and before the length (which fail framing instead), and every
        // byte of ciphertext and tag.
        let authenticatedOnly = Array(3..<61) + Array(WireFormat.headerSize..<datagram.count)
        for index in authenticatedOnly {
            var tampered = datagram
            tampered[index] ^= 0x01
            XCTAssertNil(bob.open(tampered), "byte \(index)")
        }
        // Flipping a key-id bit names a key Bob does not hold; flipping the last bit of sequence number 1 makes it
        // 0, which framing refuses; every other flip is a forgery the tag exposes.
        let keyIDBytes = 4
        XCTAssertEqual(bob.drops[.unknownKey], keyIDBytes)
        XCTAssertEqual(bob.drops[.malformedHeader], 1)
        XCTAssertEqual(bob.drops[.authenticationFailed], authenticatedOnly.count - keyIDBytes - 1)
        XCTAssertEqual(bob.drops.total, authenticatedOnly.count)
        XCTAssertNotNil(bob.open(datagram), "the original still opens: forgeries never touched the window")
    }

    func testReplaysAreDroppedAndReorderingWithinTheWindowIsAccepted() throws {
        var alice = Self.endpoint(1)
        var bob = Self.endpoint(2)
        let datagrams = try (0..<70).map { _ in try alice.seal(sections(), nonce: nonce()) }
        XCTAssertNotNil(bob.open(datagrams[69]))
        for index in stride(from: 68, through: 6, by: -1) {
            XCTAssertNotNil(bob.open(datagrams[index]), "sequence \(index + 1) is within 63 of 70")
        }
        XCTAssertNil(bob.open(datagrams[5]), "sequence 6 is 64 below 70: outside the window")
        XCTAssertEqual(bob.drops[.outsideReplayWindow], 1)
        XCTAssertNil(bob.open(datagrams[69]))
        XCTAssertNil(bob.open(datagrams[30]))
        XCTAssertEqual(bob.drops[.replayed], 2)
        XCTAssertEqual(bob.accepted, 64)
    }

    func testANewGenerationResetsTheWindowAndTheOldOneIsRefused() throws {
        var first = Self.endpoint(1, generation: 100)
        var bob = Self.endpoint(2)
        let before = try (0..<3).map { _ in try first.seal(sections(), nonce: nonce()) }
        XCTAssertNotNil(bob.open(before[0]))
        XCTAssertNotNil(bob.open(before[1]))
        var restarted = Self.endpoint(1, generation: 101)
        let after = try restarted.seal(sections(), nonce: nonce())
        XCTAssertEqual(try SealedDatagram(parsing: after).header.sequence, 1, "a new generation counts from 1")
        XCTAssertNotNil(bob.open(after))
        XCTAssertEqual(bob.generation(of: Self.address(1)), 101)
        XCTAssertNil(bob.open(before[2]), "a delayed datagram of the previous process")
        XCTAssertEqual(bob.drops[.staleGeneration], 1)
        XCTAssertNil(bob.open(after))
        XCTAssertEqual(bob.drops[.replayed], 1)
    }

    func testOwnDatagramsOversizedAndGarbageAreCounted() throws {
        var alice = Self.endpoint(1)
        let own = try alice.seal(sections(), nonce: nonce())
        XCTAssertNil(alice.open(own))
        XCTAssertEqual(alice.drops[.fromSelf], 1)
        XCTAssertNil(alice.open([UInt8](repeating: 0x4d, count: 1_201)))
        XCTAssertEqual(alice.drops[.oversized], 1)
        XCTAssertNil(alice.open([0x4d, 0x47, 0x02] + [UInt8](repeating: 0, count: 80)))
        XCTAssertEqual(alice.drops[.unsupportedVersion], 1)
        XCTAssertNil(alice.open([]))
        XCTAssertNil(alice.open(Array("GET / HTTP/1.1\r\n".utf8)))
        XCTAssertEqual(alice.drops[.malformedHeader], 2)
        XCTAssertEqual(alice.drops.total, 5)
    }

    func testAuthenticBodyThatBreaksTheFormatIsCountedAsMalformed() throws {
        var bob = Self.endpoint(2)
        let keyring = ClusterKeyring(primary: Self.key(1))
        let datagram = try DatagramEnvelope.seal(body: [0x07, 0x00, 0x00], sender: Self.address(1), generation: 1,
                                                 sequence: 1,
                                                 lamportClock: 1, nonce: nonce(), keyring: keyring,
                                                 cluster: "orchard")
        XCTAssertNil(bob.open(datagram))
        XCTAssertEqual(bob.drops[.malformedBody], 1)
        XCTAssertNil(bob.open(datagram), "its sequence number was still used up")
        XCTAssertEqual(bob.drops[.replayed], 1)
    }

    func testSealRefusesOversizedBodiesAndBadNoncesWithoutConsumingASequenceNumber() throws {
        var alice = Self.endpoint(1)
        let keyring = ClusterKeyring(primary: Self.key(1))
        XCTAssertThrowsError(try DatagramEnvelope.seal(body: [UInt8](repeating: 0, count: 1_122),
                                                       sender: Self.address(1),
                                                       generation: 1, sequence: 1, lamportClock: 1, nonce: nonce(),
                                                       keyring: keyring, cluster: "c")) {
            XCTAssertEqual($0 as? WireError, .oversized(size: 1_201, maximum: 1_200))
        }
        let largest = try DatagramEnvelope.seal(body: [UInt8](repeating: 0, count: 1_121), sender: Self.address(1),
                                                generation: 1, sequence: 1, lamportClock: 1, nonce: nonce(),
                                                keyring: keyring, cluster: "c")
        XCTAssertEqual(largest.count, 1_200)
        XCTAssertThrowsError(try alice.seal(sections(), nonce: [1, 2, 3]))
        XCTAssertEqual(alice.nextSequence, 1)
        XCTAssertEqual(alice.lamportClock, 0)
    }

    func testReplayWindowBitmap() {
        var window = ReplayWindow()
        XCTAssertEqual(window.record(5), .fresh)
        XCTAssertEqual(window.bitmap, 1)
        XCTAssertEqual(window.record(3), .fresh)
        XCTAssertEqual(window.bitmap, 0b101)
        XCTAssertEqual(window.record(3), .replayed)
        XCTAssertEqual(window.record(10), .fresh)
        XCTAssertEqual(window.bitmap, 0b1010_0001)
        XCTAssertEqual(window.record(200), .fresh)
        XCTAssertEqual(window.bitmap, 1, "a jump beyond the width clears the bitmap")
        XCTAssertEqual(window.check(137), .fresh)
        XCTAssertEqual(window.check(136), .tooOld)
        XCTAssertEqual(window.record(UInt64.max), .fresh)
        XCTAssertEqual(window.check(UInt64.max), .replayed)
    }

    func testReplayGuardForgetsTheLeastRecentlyHeardSenderBeyondCapacity() {
        var guardian = ReplayGuard(capacity: 2)
        let (one, two, three) = (Self.address(1), Self.address(2), Self.address(3))
        guardian.record(sender: one, generation: 1, sequence: 1)
        guardian.record(sender: two, generation: 1, sequence: 1)
        guardian.record(sender: one, generation: 1, sequence: 2)
        guardian.record(sender: three, generation: 1, sequence: 1)
        XCTAssertEqual(guardian.count, 2)
        XCTAssertNil(guardian.generation(of: two))
        XCTAssertEqual(guardian.check(sender: one, generation: 1, sequence: 2), .replayed)
    }

    func testKeyFileText() throws {
        let first = Data([UInt8](repeating: 1, count: 32)).base64EncodedString()
        let second = Data([UInt8](repeating: 2, count: 32)).base64EncodedString()
        let keyring = try ClusterKeyring(keyFileText: "# cluster keys\n\n  \(first)  \n\(second)\n")
        XCTAssertEqual(keyring.primary.id, Self.key(1).id)
        XCTAssertEqual(keyring.secondaries.map(\.id), [Self.key(2).id])
        XCTAssertThrowsError(try ClusterKeyring(keyFileText: "# nothing\n")) {
            XCTAssertEqual($0 as? KeyFileError, .noKeys)
        }
        XCTAssertThrowsError(try ClusterKeyring(keyFileText: "\(first)\nnot base64!\n")) {
            XCTAssertEqual($0 as? KeyFileError, .invalidKey(line: 2, reason: "not base64"))
        }
        XCTAssertThrowsError(try ClusterKeyring(keyFileText: "AAAA\n")) {
            XCTAssertEqual($0 as? KeyFileError, .invalidKey(line: 1, reason: "3 bytes, a key is 32"))
        }
        XCTAssertThrowsError(try ClusterKeyring(keyFileText: "\(first)\n\(first)\n")) {
            XCTAssertEqual($0 as? KeyFileError, .invalidKey(line: 2, reason: "repeats a key"))
        }
        let generated = ClusterKey.generateBase64()
        XCTAssertEqual(Data(base64Encoded: generated)?.count, 32)
        XCTAssertNotEqual(generated, ClusterKey.generateBase64())
    }

    func testKeyIDIsTheDocumentedHashPrefix() throws {
        // SHA-256("mote-gossip-key-id" ‖ 32 × 0x01), first four bytes, computed with Python's hashlib:
        // hashlib.sha256(b"mote-gossip-key-id" + bytes([1]) * 32).hexdigest()[:8]
        XCTAssertEqual(String(Self.key(1).id, radix: 16), Self.expectedKeyIDOfOnes)
    }

    static let expectedKeyIDOfOnes = "1b43f783"
}
