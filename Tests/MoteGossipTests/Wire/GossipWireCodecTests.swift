import XCTest

@testable import MoteGossip

/// Bytes from hex with spaces, for golden vectors.
func hexBytes(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count - 1, by: 2).compactMap { UInt8(String(digits[$0...$0 + 1]), radix: 16) }
}

/// A number's IEEE 754 binary64 bytes, big-endian.
func doubleBytes(_ value: Double) -> [UInt8] { withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init) }

/// The message codec: golden bytes, round trips, every malformed field, and the section budgets.
final class GossipWireCodecTests: XCTestCase {
    static let alice = PeerAddress(ipv4: 0x0a00_0001, port: 7_946)
    static let bob = PeerAddress(ipv4: 0x0a00_0002, port: 7_946)
    static let carol = PeerAddress(ipv6High: 0x2001_0db8_0000_0000, ipv6Low: 1, port: 7_000)
    static let key = ClusterKeyring(primary: EnvelopeTests.key(1))

    /// The fixed message of the golden vector.
    static var goldenMessage: GossipMessage {
        let extrema = ChannelExtrema(temperatureMinimum: AgedExtremum(value: 21.5, age: 1),
                                     temperatureMaximum: AgedExtremum(value: 23, age: 0))
        let payload = AggregationPayload(
            epoch: 1, linkSequence: 2, leader: alice, leaderAge: 0,
            flow: AggregationVector(leaderWeight: 0.5, temperature: ChannelMoments(count: 1, shiftedSum: 2.5,
                                                                                   shiftedSumOfSquares: 6.25)),
            estimate: AggregationVector(leaderWeight: 0.25, temperature: ChannelMoments(count: 0.5, shiftedSum: 1,
                                                                                        shiftedSumOfSquares: 2)),
            extrema: extrema)
        return GossipMessage(
            sender: alice, senderGeneration: 3, senderIncarnation: 2, receiverGeneration: 5, kind: .ping(sequence: 9),
            membership: [
                MembershipUpdate(member: bob, generation: 4, incarnation: 1, status: .suspect, accuser: alice),
                MembershipUpdate(member: carol, generation: 6, incarnation: 0, status: .alive),
            ],
            aggregation: payload)
    }

    /// The golden body, field by field, as `GossipWireCodec`'s documentation lays it out.
    static let goldenBody: [UInt8] = {
        var bytes = hexBytes("01 0011")                                  // control section, 17 bytes
        bytes += hexBytes("00 00000002 0000000000000005 00000009")        // ping, incarnation 2, receiver gen 5, seq 9
        bytes += hexBytes("02 003d 0002")                                // membership section, 61 bytes, 2 updates
        bytes += hexBytes("81 04 0a000002 1f0a 0000000000000004 00000001 04 0a000001 1f0a") // suspect bob, by alice
        bytes += hexBytes("00 06 20010db8000000000000000000000001 1b58 0000000000000006 00000000") // alive carol
        bytes += hexBytes("03 00ce")                                     // aggregation section, 206 bytes
        bytes += hexBytes("00000001 00000002 04 0a000001 1f0a 0000")     // epoch 1, link seq 2, leader alice, age 0
        bytes += [0.5, 1, 2.5, 6.25, 0, 0, 0, 0, 0, 0].flatMap(doubleBytes) // flow
        bytes += [0.25, 0.5, 1, 2, 0, 0, 0, 0, 0, 0].flatMap(doubleBytes)   // estimate
        bytes += hexBytes("03 0001") + doubleBytes(21.5) + hexBytes("0000") + doubleBytes(23) // two extrema
        bytes += hexBytes("0000 0000 0000 0000")                         // four absent extrema, age 0
        return bytes
    }()

    func testGoldenBodyByteByByte() throws {
        let encoded = try GossipWireCodec.encode(Self.goldenMessage)
        let body = try encoded.sections.encoded()
        XCTAssertEqual(body.count, 293)
        for (index, (actual, expected)) in zip(body, Self.goldenBody).enumerated() where actual != expected {
            XCTFail(String(format: "byte %d: %02x, expected %02x", index, actual, expected))
        }
        XCTAssertEqual(body, Self.goldenBody)
        XCTAssertEqual(encoded.membershipSent, 2)
    }

    /// The whole datagram under key 32 × 0x01, nonce 00 01 … 0b, cluster "orchard", sequence 1, Lamport clock 1.
    /// The sealed part was computed independently with Python's `cryptography` (OpenSSL's ChaCha20-Poly1305) from
    /// the documented layout: see the comment at the end of this file.
    func testGoldenDatagramMatchesAnIndependentImplementation() throws {
        var endpoint = WireEndpoint(node: Self.alice, generation: 3, cluster: "orchard", keyring: Self.key)
        let sealed = try endpoint.seal(Self.goldenMessage, nonce: Array(0..<12))
        let header = hexBytes("""
            4d47 01 1b43f783 00000000000000000000ffff0a000001 1f0a 0000000000000003 0000000000000001
            0000000000000001 000102030405060708090a0b 0135
            """)
        let sealedBody = hexBytes("""
            9db37568eb45976c6df9568174f1a12c36b39093d29acddffe6ee242d3ed1e27a180a592725c8fbc226cc4ef0fbb2a2374ac18638a9d
            d5df681b594839d0243d03ffabf09e7bfab9098ed8f94d1c8a0458c3d95b1dcc13aa8c3ac8f3228d56ae9fd5cbdc95a48f8b93d332f8
            94a33cbd2073aab0464aad3d276d3a6670d01dec687d69581c0e0a6bf365df78113d7e6e52322598ef0b0e79238cf65ea82b4cda88d3
            47a3dedd130e0a9a2ee2d5b36ea8ef16595371ccfc9e9bbd25014c5e6f3e6f1d71f551c955015f84705cce2c84d6f87c153d83863b78
            bd703f1b52b409365c063baef6366784cd9ba6a0bb62b817fd1f2cb9aa78e6e40a4d565d624b0d336723cc528f2c895e4fa069c971fc
            c2eb3ff96a89a2cccec1e5daaa115af3548129e63fb9cf0171ff6cb178f55cd28320b6407ca475
            """)
        XCTAssertEqual(Array(sealed.bytes.prefix(63)), header)
        XCTAssertEqual(Array(sealed.bytes.dropFirst(63)), sealedBody)
        var bob = WireEndpoint(node: Self.bob, generation: 1, cluster: "orchard", keyring: Self.key)
        let received = try XCTUnwrap(bob.receive(header + sealedBody))
        XCTAssertEqual(received.message, Self.goldenMessage)
        XCTAssertEqual(received.header.lamportClock, 1)
    }

    func testEveryKindRoundTrips() throws {
        let kinds: [GossipMessageKind] = [.ping(sequence: 0), .ack(sequence: .max), .nack(sequence: 77), .gossip,
                                          .pingRequest(sequence: 5, target: Self.carol),
                                          .pingRequest(sequence: 6, target: Self.bob)]
        var alice = WireEndpoint(node: Self.alice, generation: 3, cluster: "c", keyring: Self.key)
        var bob = WireEndpoint(node: Self.bob, generation: 1, cluster: "c", keyring: Self.key)
        for (index, kind) in kinds.enumerated() {
            let message = GossipMessage(sender: Self.alice, senderGeneration: 3, senderIncarnation: UInt32(index),
                                        receiverGeneration: .max, kind: kind)
            let sealed = try alice.seal(message, nonce: nonce(index))
            XCTAssertEqual(bob.receive(sealed.bytes)?.message, message, "\(kind)")
        }
        XCTAssertEqual(bob.accepted, kinds.count)
    }

    func testRandomMessagesRoundTrip() throws {
        var random = SeededRandom(seed: 0x5eed)
        var alice = WireEndpoint(node: Self.alice, generation: 3, cluster: "c", keyring: Self.key)
        var bob = WireEndpoint(node: Self.bob, generation: 1, cluster: "c", keyring: Self.key)
        for round in 0..<300 {
            let message = random.message(sender: Self.alice, generation: 3)
            let sealed = try alice.seal(message, nonce: nonce(round))
            XCTAssertLessThanOrEqual(sealed.bytes.count, WireFormat.maximumDatagramSize)
            guard let received = bob.receive(sealed.bytes) else {
                return XCTFail("round \(round): \(bob.drops)")
            }
            var expected = message
            expected.membership = Array(message.membership.prefix(sealed.membershipSent))
            XCTAssertEqual(received.message, expected, "round \(round)")
            XCTAssertEqual(expected.datagramSize, sealed.bytes.count, "round \(round): the computed size")
        }
    }

    func testMembershipFillsItsBudgetAndLeavesTheRestWithoutStarvingAggregation() throws {
        var message = Self.goldenMessage
        message.membership = (1...200).map { index in
            MembershipUpdate(member: PeerAddress(ipv4: 0x0a01_0000 + UInt32(index), port: 7_946), generation: 1,
                             incarnation: 1, status: .dead)
        }
        let encoded = try GossipWireCodec.encode(message)
        // 737 bytes: 3 of framing, 2 of count, then 20 per IPv4 update: 36 fit.
        XCTAssertEqual(encoded.membershipSent, 36)
        XCTAssertEqual(encoded.sections[.membership]?.count, 2 + 36 * 20)
        XCTAssertNotNil(encoded.sections[.aggregation], "aggregation keeps its own budget")
        var alice = WireEndpoint(node: Self.alice, generation: 3, cluster: "c", keyring: Self.key)
        let sealed = try alice.seal(message, nonce: nonce(1))
        XCTAssertLessThanOrEqual(sealed.bytes.count, WireFormat.maximumDatagramSize)
        XCTAssertEqual(sealed.membershipSent, 36)
    }

    func testTheLargestMessageFitsInOneDatagram() throws {
        let ipv6 = { (index: UInt64) in PeerAddress(ipv6High: 0x2001_0db8_ffff_ffff, ipv6Low: index, port: 65_535) }
        let all = AgedExtremum(value: -1e300, age: .max)
        let vector = AggregationVector(leaderWeight: 1, temperature: ChannelMoments(count: 1, shiftedSum: 1,
                                                                                     shiftedSumOfSquares: 1))
        let payload = AggregationPayload(
            epoch: .max, linkSequence: .max, leader: ipv6(0), leaderAge: .max, flow: vector, estimate: vector,
            extrema: ChannelExtrema(temperatureMinimum: all, temperatureMaximum: all, humidityMinimum: all,
                                    humidityMaximum: all, pressureMinimum: all, pressureMaximum: all))
        let sender = ipv6(1)
        let message = GossipMessage(
            sender: sender, senderGeneration: .max, senderIncarnation: .max, receiverGeneration: .max,
            kind: .pingRequest(sequence: .max, target: ipv6(2)),
            membership: (3...100).map { MembershipUpdate(member: ipv6($0), generation: .max, incarnation: .max,
                                                         status: .suspect, accuser: ipv6($0 + 1000)) },
            aggregation: payload)
        var endpoint = WireEndpoint(node: sender, generation: .max, cluster: "c", keyring: Self.key)
        let sealed = try endpoint.seal(message, nonce: nonce(0))
        XCTAssertLessThanOrEqual(sealed.bytes.count, WireFormat.maximumDatagramSize)
        XCTAssertEqual(sealed.membershipSent, (737 - 5) / 51, "IPv6 suspicions with an IPv6 accuser are 51 bytes")
        let encoded = try GossipWireCodec.encode(message)
        XCTAssertEqual(encoded.sections[.control]?.count, 36)
        XCTAssertEqual(encoded.sections[.aggregation]?.count, 250)
    }

    func testTheNextPingsDelayIsWholeMillisecondsRoundedUp() throws {
        var ping = GossipMessage(sender: Self.alice, senderGeneration: 3, senderIncarnation: 2, receiverGeneration: 5,
                                 kind: .ping(sequence: 9), nextPingIn: .milliseconds(8_000) + .nanoseconds(1))
        let control = try XCTUnwrap(GossipWireCodec.encode(ping).sections[.control])
        XCTAssertEqual(control, hexBytes("00 00000002 0000000000000005 00000009 00001f41"), "8,001 ms")
        var alice = WireEndpoint(node: Self.alice, generation: 3, cluster: "c", keyring: Self.key)
        var bob = WireEndpoint(node: Self.bob, generation: 1, cluster: "c", keyring: Self.key)
        let sealed = try alice.seal(ping, nonce: nonce(0))
        XCTAssertEqual(ping.datagramSize, sealed.bytes.count, "four bytes more than a plain ping")
        XCTAssertEqual(ping.datagramSize, 103)
        XCTAssertEqual(bob.receive(sealed.bytes)?.message.nextPingIn, .milliseconds(8_001))
        for (delay, milliseconds) in [(Duration.zero, UInt32(0)), (.milliseconds(-5), 0), (.nanoseconds(1), 1),
                                      (.milliseconds(1_500), 1_500), (.seconds(4_294_967), 4_294_967_000),
                                      (.seconds(4_294_968), .max), (.seconds(Int64.max), .max)] {
            XCTAssertEqual(GossipWireCodec.wireMilliseconds(delay), milliseconds, "\(delay)")
        }
        ping.kind = .ack(sequence: 9)
        XCTAssertEqual(try GossipWireCodec.encode(ping).sections[.control]?.count, 21, "an ack carries it too")
        for kind in [GossipMessageKind.nack(sequence: 9), .gossip, .pingRequest(sequence: 9, target: Self.bob)] {
            ping.kind = kind
            let encoded = try GossipWireCodec.encode(ping).sections[.control]
            XCTAssertEqual(encoded?.count, kind == .gossip ? 13 : kind == .nack(sequence: 9) ? 17 : 24, "\(kind)")
        }
    }

    func testDatagramSizeIsWhatSealingProduces() throws {
        let bare = GossipMessage(sender: Self.alice, senderGeneration: 3, senderIncarnation: 0, receiverGeneration: 0,
                                 kind: .ping(sequence: 1))
        // 63 header + 16 tag + 3 framing + 17 control.
        XCTAssertEqual(bare.datagramSize, 99)
        var endpoint = WireEndpoint(node: Self.alice, generation: 3, cluster: "c", keyring: Self.key)
        for message in [bare, Self.goldenMessage] {
            XCTAssertEqual(message.datagramSize, try endpoint.seal(message, nonce: nonce(0)).bytes.count)
        }
    }

    func testARepeatedMemberIsSentOnce() throws {
        var message = Self.goldenMessage
        message.membership.insert(MembershipUpdate(member: Self.carol, generation: 9, incarnation: 9, status: .dead),
                                  at: 1)
        let encoded = try GossipWireCodec.encode(message)
        XCTAssertEqual(encoded.membershipSent, 2)
        let decoded = try GossipWireCodec.decode(OpenedDatagram(header: header(), sections: encoded.sections))
        XCTAssertEqual(decoded.membership.map(\.member), [Self.bob, Self.carol])
        XCTAssertEqual(decoded.membership.last?.status, .dead, "the first, most urgent, fact about carol is kept")
    }

    func testSealingAnotherNodesMessageOrANonFiniteNumberIsRefused() {
        var endpoint = WireEndpoint(node: Self.bob, generation: 3, cluster: "c", keyring: Self.key)
        XCTAssertThrowsError(try endpoint.seal(Self.goldenMessage, nonce: nonce(0)))
        var mine = Self.goldenMessage
        mine.sender = Self.bob
        mine.aggregation?.flow.pressure.shiftedSum = .nan
        XCTAssertThrowsError(try endpoint.seal(mine, nonce: nonce(0))) {
            XCTAssertEqual($0 as? WireError, .nonFiniteNumber(field: "flow sum"))
        }
        XCTAssertEqual(endpoint.nextSequence, 1)
    }

    // MARK: malformed bodies

    func header() -> DatagramHeader {
        DatagramHeader(keyID: 0, sender: Self.alice, generation: 3, sequence: 1, lamportClock: 1,
                       nonce: Array(0..<12), sealedLength: 16)
    }

    /// Decodes the golden body with one section's payload changed.
    func decodeWith(_ kind: WireSectionKind, _ change: (inout [UInt8]) -> Void) throws -> GossipMessage {
        var sections = try WireSections(decoding: Self.goldenBody)
        var payload = sections[kind] ?? []
        change(&payload)
        sections.set(kind, payload)
        return try GossipWireCodec.decode(OpenedDatagram(header: header(), sections: sections))
    }

    func assertRejects(_ kind: WireSectionKind, _ expected: WireError, line: UInt = #line,
                       _ change: (inout [UInt8]) -> Void) {
        XCTAssertThrowsError(try decodeWith(kind, change), line: line) {
            XCTAssertEqual($0 as? WireError, expected, line: line)
        }
    }

    func testGoldenBodyDecodes() throws {
        XCTAssertEqual(try decodeWith(.control) { _ in }, Self.goldenMessage)
    }

    func testMalformedControlSections() throws {
        assertRejects(.control, .invalidEnumValue(field: "message kind", value: 5)) { $0[0] = 5 }
        assertRejects(.control, .truncated(field: "probe sequence", needed: 4, available: 3)) { $0.removeLast() }
        // A ping's or an ack's bytes beyond its sequence are the next ping's delay: four of them, no more.
        assertRejects(.control, .truncated(field: "next ping", needed: 4, available: 1)) { $0.append(0) }
        assertRejects(.control, .trailingBytes(count: 1, after: "the control section")) { $0 += [0, 0, 0, 1, 0] }
        assertRejects(.control, .truncated(field: "next ping", needed: 4, available: 2)) {
            $0[0] = 1
            $0 += [0, 0]
        }
        assertRejects(.control, .trailingBytes(count: 4, after: "the control section")) {
            $0[0] = 3 // a nack carries no delay
            $0 += [0, 0, 0, 1]
        }
        assertRejects(.control, .trailingBytes(count: 4, after: "the control section")) { $0[0] = 4 }
        assertRejects(.control, .truncated(field: "probe target family", needed: 1, available: 0)) { $0[0] = 2 }
        assertRejects(.control, .invalidEnumValue(field: "probe target family", value: 5)) {
            $0[0] = 2
            $0 += [5, 1, 2, 3, 4, 0, 1]
        }
        var sections = try WireSections(decoding: Self.goldenBody)
        sections.set(.control, [])
        var without = WireSections()
        without.set(.membership, sections[.membership] ?? [])
        XCTAssertThrowsError(try GossipWireCodec.decode(OpenedDatagram(header: header(), sections: without))) {
            XCTAssertEqual($0 as? WireError, .invalidValue(field: "body", reason: "no control section"))
        }
    }

    func testMalformedMembershipSections() {
        // Offsets in the membership payload: count 0-1; first update flags 2, family 3, address 4-7, port 8-9,
        // generation 10-17, incarnation 18-21, accuser family 22, address 23-26, port 27-28; second update from 29.
        assertRejects(.membership, .invalidEnumValue(field: "member status", value: 3)) { $0[2] = 0x83 }
        assertRejects(.membership, .invalidValue(field: "membership flags", reason: "reserved bits set in 5")) {
            $0[29] = 0x05
        }
        assertRejects(.membership, .invalidValue(field: "accuser", reason: "only a suspicion names an accuser")) {
            $0[2] = 0x82
        }
        assertRejects(.membership, .duplicateEntry(field: "membership update", id: "10.0.0.2:7946")) {
            $0 = [0, 2] + Array($0[2..<29]) + Array($0[2..<29])
        }
        assertRejects(.membership, .countOutOfRange(field: "membership updates", count: 3, maximum: 2)) { $0[1] = 3 }
        assertRejects(.membership, .trailingBytes(count: 32, after: "the membership section")) { $0[1] = 1 }
        assertRejects(.membership, .invalidEnumValue(field: "member family", value: 7)) { $0[3] = 7 }
        assertRejects(.membership, .invalidValue(field: "member", reason: "port 0")) { $0[8] = 0; $0[9] = 0 }
        assertRejects(.membership, .invalidValue(field: "accuser", reason: "the unspecified address")) {
            $0.replaceSubrange(23..<27, with: [0, 0, 0, 0])
        }
        assertRejects(.membership, .invalidValue(field: "member",
                                                 reason: "an IPv4-mapped address must be sent as family 4")) {
            $0.replaceSubrange(31..<47, with: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 3])
        }
        assertRejects(.membership, .truncated(field: "member incarnation", needed: 4, available: 2)) {
            $0.removeLast(2)
        }
    }

    func testMalformedAggregationSections() {
        // Offsets: epoch 0-3, link sequence 4-7, leader 8-14, age 15-16, flow 17-96, estimate 97-176, presence 177,
        // first extremum age 178-179 and value 180-187.
        for bits: UInt64 in [0x7ff8_0000_0000_0000, 0xfff0_0000_0000_0000] {
            assertRejects(.aggregation, .nonFiniteNumber(field: "flow count")) {
                $0.replaceSubrange(25..<33, with: withUnsafeBytes(of: bits.bigEndian, Array.init))
            }
            assertRejects(.aggregation, .nonFiniteNumber(field: "extremum")) {
                $0.replaceSubrange(180..<188, with: withUnsafeBytes(of: bits.bigEndian, Array.init))
            }
        }
        assertRejects(.aggregation, .invalidValue(field: "extrema presence", reason: "reserved bits set in 67")) {
            $0[177] = 0x43
        }
        assertRejects(.aggregation, .truncated(field: "extremum", needed: 8, available: 6)) { $0[177] = 0x07 }
        assertRejects(.aggregation, .trailingBytes(count: 8, after: "the aggregation section")) { $0[177] = 0x01 }
        assertRejects(.aggregation, .invalidEnumValue(field: "leader family", value: 0)) { $0[8] = 0 }
        assertRejects(.aggregation, .truncated(field: "epoch", needed: 4, available: 2)) { $0 = [0, 1] }
    }

    // MARK: helpers

    func nonce(_ index: Int) -> [UInt8] {
        [UInt8](repeating: 0xee, count: 4) + withUnsafeBytes(of: UInt64(index).bigEndian, Array.init)
    }
}

/// Random wire values from the protocol's own seeded generator, so randomized tests replay exactly.
extension SeededRandom {
    mutating func address() -> PeerAddress {
        if Bool.random(using: &self) {
            return PeerAddress(ipv4: UInt32.random(in: 1...UInt32.max, using: &self),
                               port: UInt16.random(in: 1...UInt16.max, using: &self))
        }
        return PeerAddress(ipv6High: UInt64.random(in: 1...UInt64.max, using: &self), ipv6Low: next(),
                           port: UInt16.random(in: 1...UInt16.max, using: &self))
    }

    mutating func number() -> Double { Double.random(in: -1e6...1e6, using: &self) }

    mutating func vector() -> AggregationVector {
        let moments = { (random: inout SeededRandom) in
            ChannelMoments(count: random.number(), shiftedSum: random.number(), shiftedSumOfSquares: random.number())
        }
        return AggregationVector(leaderWeight: number(), temperature: moments(&self), humidity: moments(&self),
                                 pressure: moments(&self))
    }

    mutating func message(sender: PeerAddress, generation: UInt64) -> GossipMessage {
        let kinds: [GossipMessageKind] = [.ping(sequence: UInt32.random(in: 0...UInt32.max, using: &self)),
                                          .ack(sequence: 1), .nack(sequence: 2), .gossip,
                                          .pingRequest(sequence: 3, target: address())]
        var seen: Set<PeerAddress> = []
        let updates: [MembershipUpdate] = (0..<Int.random(in: 0...60, using: &self)).compactMap { _ in
            let member = address()
            guard seen.insert(member).inserted, let status = MemberStatus.allCases.randomElement(using: &self)
            else { return nil }
            let accuser = status == .suspect && Bool.random(using: &self) ? address() : nil
            return MembershipUpdate(member: member, generation: next(),
                                    incarnation: UInt32.random(in: 0...9, using: &self), status: status,
                                    accuser: accuser)
        }
        var payload: AggregationPayload?
        if Bool.random(using: &self) {
            let extremum = { (random: inout SeededRandom) in
                AgedExtremum(value: Bool.random(using: &random) ? random.number() : nil,
                             age: UInt16.random(in: 0...UInt16.max, using: &random))
            }
            payload = AggregationPayload(
                epoch: UInt32.random(in: 0...UInt32.max, using: &self), linkSequence: 1, leader: address(),
                leaderAge: 3, flow: vector(), estimate: vector(),
                extrema: ChannelExtrema(temperatureMinimum: extremum(&self), temperatureMaximum: extremum(&self),
                                        humidityMinimum: extremum(&self), humidityMaximum: extremum(&self),
                                        pressureMinimum: extremum(&self), pressureMaximum: extremum(&self)))
        }
        let kind = kinds.randomElement(using: &self) ?? .gossip
        var nextPingIn: Duration?
        if kind.sequence != nil, !kind.isPingRequest, kind != .nack(sequence: 2), Bool.random(using: &self) {
            nextPingIn = .milliseconds(UInt32.random(in: 0...UInt32.max, using: &self))
        }
        return GossipMessage(sender: sender, senderGeneration: generation, senderIncarnation: 7,
                             receiverGeneration: next(), kind: kind, membership: updates, aggregation: payload,
                             nextPingIn: nextPingIn)
    }
}

// The golden datagram, computed with Python 3 and `cryptography` 48 (pip package), from the documented layout:
//
//     from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
//     import hashlib, struct
//     key = bytes([1]) * 32; nonce = bytes(range(12)); cluster = b"orchard"
//     key_id = hashlib.sha256(b"mote-gossip-key-id" + key).digest()[:4]
//     sender = bytes(10) + b"\xff\xff" + bytes([10, 0, 0, 1]) + struct.pack(">H", 7946)
//     header = b"MG\x01" + key_id + sender + struct.pack(">QQQ", 3, 1, 1) + nonce + struct.pack(">H", 293 + 16)
//     sealed = ChaCha20Poly1305(key).encrypt(nonce, body, struct.pack(">H", 7) + cluster + header)
//
// where `body` is `goldenBody` above, built the same way field by field.
