import XCTest

@testable import MoteGossip

/// Seeded mutation fuzzing: valid datagrams, mutated, must each end accepted or dropped under exactly one reason,
/// and never crash. The seed is fixed so a failure replays; set `MOTE_FUZZ_SEED` to explore others.
final class WireFuzzTests: XCTestCase {
    static let alice = GossipWireCodecTests.alice
    static let bob = GossipWireCodecTests.bob
    static let keyring = GossipWireCodecTests.key

    var seed: UInt64 {
        ProcessInfo.processInfo.environment["MOTE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0xf022_2026
    }

    enum Mutation: CaseIterable {
        case flipBit, setByte, truncate, extend, duplicateRange, deleteRange, splice, empty
    }

    func mutate(_ bytes: [UInt8], with mutation: Mutation, donor: [UInt8],
                random: inout SeededRandom) -> [UInt8] {
        var bytes = bytes
        let index = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
        switch mutation {
        case .flipBit:
            bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
        case .setByte:
            bytes[index] = [0x00, 0xff, 0x7f, 0x80, UInt8.random(in: 0...255, using: &random)]
                .randomElement(using: &random) ?? 0
        case .truncate:
            bytes.removeLast(bytes.count - index)
        case .extend:
            let extra = Int.random(in: 1...1_300, using: &random)
            bytes += (0..<extra).map { _ in UInt8.random(in: 0...255, using: &random) }
        case .duplicateRange:
            let end = min(bytes.count, index + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: bytes[index..<end], at: index)
        case .deleteRange:
            let end = min(bytes.count, index + Int.random(in: 1...64, using: &random))
            bytes.removeSubrange(index..<end)
        case .splice:
            let cut = min(index, donor.count)
            bytes = Array(bytes.prefix(index)) + Array(donor.dropFirst(cut))
        case .empty:
            bytes = []
        }
        return bytes
    }

    /// Mutations of sealed datagrams: only an unchanged datagram may be accepted; everything is counted.
    func testMutatedDatagramsAreDroppedAndCountedNeverAccepted() throws {
        var random = SeededRandom(seed: seed)
        var alice = WireEndpoint(node: Self.alice, generation: 3, cluster: "orchard", keyring: Self.keyring)
        var bob = WireEndpoint(node: Self.bob, generation: 1, cluster: "orchard", keyring: Self.keyring)
        var previous: [UInt8] = []
        var unchanged = 0
        let rounds = 4_000
        for round in 0..<rounds {
            let message = random.message(sender: Self.alice, generation: 3)
            let datagram = try alice.seal(message, nonce: (0..<12).map { _ in UInt8.random(in: 0...255,
                                                                                           using: &random) }).bytes
            let mutation = Mutation.allCases.randomElement(using: &random) ?? .flipBit
            let mutated = mutate(datagram, with: mutation, donor: previous, random: &random)
            let previousSent = previous
            previous = datagram
            let acceptedBefore = bob.accepted
            let dropsBefore = bob.drops.total
            let received = bob.receive(mutated)
            XCTAssertEqual(bob.accepted + bob.drops.total, acceptedBefore + dropsBefore + 1,
                           "round \(round): counted exactly once")
            // A splice at 0 is the previous datagram whole: authentic, never delivered, within the window.
            if mutated == datagram || mutated == previousSent {
                unchanged += 1
                XCTAssertTrue(received != nil, "round \(round): an authentic datagram is accepted")
            } else {
                XCTAssertTrue(received == nil, "round \(round): \(mutation) was accepted")
            }
        }
        XCTAssertEqual(bob.accepted, unchanged)
        XCTAssertEqual(bob.accepted + bob.drops.total, rounds)
        // The mutations reach more than one check: framing, authentication and size all see some.
        XCTAssertGreaterThan(bob.drops[.authenticationFailed], 0)
        XCTAssertGreaterThan(bob.drops[.malformedHeader], 0)
        XCTAssertGreaterThan(bob.drops[.oversized], 0)
    }

    /// Mutations of the plaintext body, sealed properly: they pass authentication and reach the body decoder,
    /// which must reject them or decode something that encodes again, and never crash.
    func testMutatedBodiesUnderAValidSealReachTheDecoderAndNeverCrashIt() throws {
        var random = SeededRandom(seed: seed ^ 0xb0d1)
        var bob = WireEndpoint(node: Self.bob, generation: 1, cluster: "orchard", keyring: Self.keyring)
        var previous: [UInt8] = []
        var sequence: UInt64 = 0
        var decodedMutants = 0
        let rounds = 4_000
        for round in 0..<rounds {
            let message = random.message(sender: Self.alice, generation: 3)
            let body = try GossipWireCodec.encode(message).sections.encoded()
            let mutation = Mutation.allCases.randomElement(using: &random) ?? .flipBit
            var mutated = mutate(body, with: mutation, donor: previous, random: &random)
            mutated = Array(mutated.prefix(WireFormat.maximumBodySize))
            previous = body
            sequence += 1
            let datagram = try DatagramEnvelope.seal(body: mutated, sender: Self.alice, generation: 3,
                                                     sequence: sequence, lamportClock: sequence,
                                                     nonce: (0..<12).map { _ in UInt8.random(in: 0...255,
                                                                                             using: &random) },
                                                     keyring: Self.keyring, cluster: "orchard")
            let dropsBefore = bob.drops.total
            if let received = bob.receive(datagram) {
                if mutated != body { decodedMutants += 1 }
                // What decodes must be a message the encoder can send again.
                XCTAssertNoThrow(try GossipWireCodec.encode(received.message), "round \(round)")
            } else {
                XCTAssertEqual(bob.drops.total, dropsBefore + 1)
                XCTAssertEqual(bob.drops.total, bob.drops[.malformedBody], "round \(round): only body errors")
            }
        }
        XCTAssertEqual(bob.accepted + bob.drops.total, rounds)
        XCTAssertGreaterThan(bob.drops[.malformedBody], rounds / 4, "most mutations break the body")
        XCTAssertGreaterThan(decodedMutants, 0, "some mutations (a changed number) still decode")
    }
}
