import XCTest

@testable import MoteGossip

/// The wire format's primitives, header and sections, byte by byte.
final class WireFramingTests: XCTestCase {
    func testIntegersAndNumbersAreBigEndian() throws {
        var writer = WireWriter()
        writer.write(UInt8(0xab))
        writer.write(UInt16(0x0102))
        writer.write(UInt32(0x0304_0506))
        writer.write(UInt64(0x0708_090a_0b0c_0d0e))
        try writer.write(1.5, field: "x")
        // 1.5 = 0x3ff8000000000000 in IEEE 754 binary64.
        XCTAssertEqual(writer.bytes, [0xab, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                                      0x0d, 0x0e, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0])
        var reader = WireReader(writer.bytes)
        XCTAssertEqual(try reader.readUInt8("a"), 0xab)
        XCTAssertEqual(try reader.readUInt16("b"), 0x0102)
        XCTAssertEqual(try reader.readUInt32("c"), 0x0304_0506)
        XCTAssertEqual(try reader.readUInt64("d"), 0x0708_090a_0b0c_0d0e)
        XCTAssertEqual(try reader.readDouble("e"), 1.5)
        XCTAssertTrue(reader.isAtEnd)
        XCTAssertThrowsError(try reader.readUInt8("f")) {
            XCTAssertEqual($0 as? WireError, .truncated(field: "f", needed: 1, available: 0))
        }
    }

    func testNonFiniteNumbersAreRefusedBothWays() {
        var writer = WireWriter()
        for value in [Double.nan, .infinity, -.infinity, .signalingNaN] {
            XCTAssertThrowsError(try writer.write(value, field: "mean")) {
                XCTAssertEqual($0 as? WireError, .nonFiniteNumber(field: "mean"))
            }
        }
        XCTAssertEqual(writer.count, 0)
        let nonFinite: [UInt64] = [0x7ff8_0000_0000_0000, 0x7ff0_0000_0000_0000, 0xfff0_0000_0000_0000,
                                   0x7ff0_0000_0000_0001]
        for bits in nonFinite {
            var raw = WireWriter()
            raw.write(bits)
            var reader = WireReader(raw.bytes)
            XCTAssertThrowsError(try reader.readDouble("mean")) {
                XCTAssertEqual($0 as? WireError, .nonFiniteNumber(field: "mean"))
            }
        }
    }

    func testCountsCannotPromiseMoreThanTheBytesHold() throws {
        var writer = WireWriter()
        writer.write(UInt16(1_000))
        writer.write(bytes: [UInt8](repeating: 0, count: 30))
        var reader = WireReader(writer.bytes)
        XCTAssertThrowsError(try reader.readCount("entries", maximum: 5_000, minimumEntrySize: 10)) {
            XCTAssertEqual($0 as? WireError, .countOutOfRange(field: "entries", count: 1_000, maximum: 3))
        }
        var capped = WireReader([0x00, 0x09] + [UInt8](repeating: 0, count: 90))
        XCTAssertThrowsError(try capped.readCount("entries", maximum: 8, minimumEntrySize: 10))
        var fine = WireReader([0x00, 0x03] + [UInt8](repeating: 0, count: 30))
        XCTAssertEqual(try fine.readCount("entries", maximum: 8, minimumEntrySize: 10), 3)
    }

    static let sampleHeader = DatagramHeader(
        keyID: 0xdead_beef, sender: PeerAddress(ipv6High: 0x2001_0db8_0000_0001, ipv6Low: 0x0102_0304_0506_0708,
                                                port: 7946),
        generation: 42, sequence: 7, lamportClock: 0x1_0000_0001,
        nonce: Array(0xa0...0xab), sealedLength: 0x0130)

    func testHeaderBytesFollowTheDocumentedLayout() throws {
        let bytes = Self.sampleHeader.encoded
        XCTAssertEqual(bytes.count, WireFormat.headerSize)
        XCTAssertEqual(bytes, [
            0x4d, 0x47,                                        // magic "MG"
            0x01,                                              // version
            0xde, 0xad, 0xbe, 0xef,                            // key id
            0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x01,    // sender address 2001:db8:0:1:102:304:506:708
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
            0x1f, 0x0a,                                        // sender port 7946
            0, 0, 0, 0, 0, 0, 0, 42,                           // generation
            0, 0, 0, 0, 0, 0, 0, 7,                            // sequence number
            0, 0, 0, 0x01, 0, 0, 0, 0x01,                      // Lamport clock
            0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab, // nonce
            0x01, 0x30,                                        // sealed body length
        ])
        var reader = WireReader(bytes)
        XCTAssertEqual(try DatagramHeader.decode(from: &reader), Self.sampleHeader)
        XCTAssertTrue(reader.isAtEnd)
    }

    func testHeaderRejectsEachBrokenField() {
        func rejects(_ change: (inout [UInt8]) -> Void, _ expected: WireError, line: UInt = #line) {
            var bytes = Self.sampleHeader.encoded
            change(&bytes)
            var reader = WireReader(bytes)
            XCTAssertThrowsError(try DatagramHeader.decode(from: &reader), line: line) {
                XCTAssertEqual($0 as? WireError, expected, line: line)
            }
        }
        rejects({ $0[0] = 0x4e }, .badMagic)
        rejects({ $0[2] = 2 }, .unsupportedVersion(2))
        rejects({ $0[23] = 0; $0[24] = 0 }, .invalidValue(field: "sender", reason: "port 0"))
        rejects({ $0.replaceSubrange(7..<23, with: [UInt8](repeating: 0, count: 16)) },
                .invalidValue(field: "sender", reason: "the unspecified address"))
        rejects({ $0.replaceSubrange(33..<41, with: [UInt8](repeating: 0, count: 8)) },
                .invalidValue(field: "sequence number", reason: "0 is never sent"))
        // 1,138 sealed bytes after a 63-byte header is 1,201.
        rejects({ $0[61] = 0x04; $0[62] = 0x72 }, .oversized(size: 1_200 + 1, maximum: 1_200))
        rejects({ $0[61] = 0; $0[62] = 15 }, .invalidValue(field: "sealed body length",
                                                          reason: "15 is shorter than the tag"))
        rejects({ $0.removeLast(3) }, .truncated(field: "nonce", needed: 12, available: 11))
    }

    func testWholeDatagramLengthMustMatchItsHeader() throws {
        let header = Self.sampleHeader
        let body = [UInt8](repeating: 0x55, count: header.sealedLength)
        XCTAssertEqual(try SealedDatagram(parsing: header.encoded + body).sealedBody, body)
        XCTAssertThrowsError(try SealedDatagram(parsing: header.encoded + body.dropLast())) {
            XCTAssertEqual($0 as? WireError, .lengthMismatch(declared: 0x130, actual: 0x12f))
        }
        XCTAssertThrowsError(try SealedDatagram(parsing: header.encoded + body + [0])) {
            XCTAssertEqual($0 as? WireError, .lengthMismatch(declared: 0x130, actual: 0x131))
        }
        XCTAssertThrowsError(try SealedDatagram(parsing: [UInt8](repeating: 0, count: 1_201))) {
            XCTAssertEqual($0 as? WireError, .oversized(size: 1_201, maximum: 1_200))
        }
        XCTAssertThrowsError(try SealedDatagram(parsing: []))
    }

    func testSectionsAreFramedInKindOrderWithinBudgets() throws {
        var sections = WireSections()
        sections.set(.aggregation, [0xcc])
        sections.set(.control, [0xaa, 0xab])
        let body = try sections.encoded()
        XCTAssertEqual(body, [0x01, 0x00, 0x02, 0xaa, 0xab, 0x03, 0x00, 0x01, 0xcc])
        XCTAssertEqual(try WireSections(decoding: body), sections)
        XCTAssertEqual(try WireSections(decoding: []), WireSections())
    }

    func testSectionsRejectUnknownRepeatedDisorderedOverBudgetAndTruncated() {
        func rejects(_ body: [UInt8], _ expected: WireError, line: UInt = #line) {
            XCTAssertThrowsError(try WireSections(decoding: body), line: line) {
                XCTAssertEqual($0 as? WireError, expected, line: line)
            }
        }
        rejects([0x04, 0x00, 0x00], .unknownSection(kind: 4))
        rejects([0x00, 0x00, 0x00], .unknownSection(kind: 0))
        rejects([0x02, 0x00, 0x00, 0x02, 0x00, 0x00], .sectionOutOfOrder(kind: 2, previous: 2))
        rejects([0x03, 0x00, 0x00, 0x01, 0x00, 0x00], .sectionOutOfOrder(kind: 1, previous: 3))
        rejects([0x01, 0x00, 0x3e] + [UInt8](repeating: 0, count: 0x3e),
                .sectionOverBudget(kind: 1, length: 65, budget: 64))
        rejects([0x02, 0x00, 0x05, 0x01], .truncated(field: "section payload", needed: 5, available: 1))
        rejects([0x02, 0x00], .truncated(field: "section length", needed: 2, available: 1))
        rejects([UInt8](repeating: 0, count: 1_122), .oversized(size: 1_201, maximum: 1_200))
    }

    func testEncodingRefusesASectionOverItsBudget() {
        var sections = WireSections()
        sections.set(.control, [UInt8](repeating: 1, count: 62))
        XCTAssertThrowsError(try sections.encoded()) {
            XCTAssertEqual($0 as? WireError, .sectionOverBudget(kind: 1, length: 65, budget: 64))
        }
    }

    func testBudgetsMustFitInABody() {
        XCTAssertNotNil(SectionBudgets(control: 100, membership: 500, aggregation: 521))
        XCTAssertNil(SectionBudgets(control: 100, membership: 500, aggregation: 522))
        XCTAssertNil(SectionBudgets(control: 2, membership: 500, aggregation: 500))
        let standard = SectionBudgets.standard
        XCTAssertLessThanOrEqual(standard.control + standard.membership + standard.aggregation,
                                 WireFormat.maximumBodySize)
        XCTAssertEqual(WireFormat.maximumBodySize, 1_121)
    }
}
