import XCTest
@testable import MoteGossip

final class MessageTests: XCTestCase {
    func testIPv4AddressesParsePrintAndMapIntoIPv6() throws {
        let address = try XCTUnwrap(PeerAddress(parsing: "10.1.2.3:7946"))
        XCTAssertEqual(address.ipv4, 0x0A01_0203)
        XCTAssertEqual(address.port, 7946)
        XCTAssertEqual(address.description, "10.1.2.3:7946")
        XCTAssertEqual(address.ipv6Bytes, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 10, 1, 2, 3])
        XCTAssertEqual(PeerAddress(ipv6Bytes: address.ipv6Bytes, port: 7946), address)
        for bad in ["10.1.2:7946", "10.1.2.3", "10.1.2.300:1", "10.1.2.3:70000", "a.b.c.d:1", "10.1.2.3:"] {
            XCTAssertNil(PeerAddress(parsing: bad), bad)
        }
    }

    func testIPv6AddressesPrintTheirGroupsAndOrderBeforeTheirPort() throws {
        let bytes: [UInt8] = [0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        let address = try XCTUnwrap(PeerAddress(ipv6Bytes: bytes, port: 1))
        XCTAssertNil(address.ipv4)
        XCTAssertEqual(address.description, "[fe80:0000:0000:0000:0000:0000:0000:0001]:1")
        XCTAssertNil(PeerAddress(ipv6Bytes: [1, 2, 3], port: 1))
        XCTAssertLessThan(PeerAddress(ipv4: 1, port: 9), PeerAddress(ipv4: 2, port: 1))
        XCTAssertLessThan(PeerAddress(ipv4: 1, port: 1), PeerAddress(ipv4: 1, port: 2))
        XCTAssertLessThan(PeerAddress(ipv4: 0xFFFF_FFFF, port: 1), address, "IPv4-mapped sort before fe80::")
    }
}
