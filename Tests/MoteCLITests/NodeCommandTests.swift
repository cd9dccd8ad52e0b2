import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `mote node`: bad input exits with one line and its own code; one node runs, reports and leaves a status.
extension MoteProcessTestCase {
    /// A directory with a private key file in it.
    func keyDirectory() throws -> (directory: String, keyFile: String) {
        let directory = try temporaryDirectory()
        let keyFile = directory + "/cluster.keys"
        let key = try mote(["node", "keygen"])
        XCTAssertEqual(key.status, 0, key.stderr)
        try key.stdout.write(toFile: keyFile, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
        return (directory, keyFile)
    }
}

final class NodeCommandTests: MoteProcessTestCase {
    func testKeygenPrintsA32ByteKey() throws {
        let run = try mote(["node", "keygen"])
        XCTAssertEqual(run.status, 0)
        let line = run.stdout.trimmingCharacters(in: .newlines)
        XCTAssertEqual(Data(base64Encoded: line)?.count, 32, line)
        XCTAssertNotEqual(try mote(["node", "keygen"]).stdout, run.stdout)
    }

    func testBadAddressesAreUsageErrors() throws {
        let (_, keyFile) = try keyDirectory()
        let base = ["node", "--simulate", "--key-file", keyFile]
        try assertFails(base + ["--listen", "127.0.0.1"], code: 64, saying: "--listen 127.0.0.1: expected ADDRESS:PORT")
        try assertFails(base + ["--listen", "127.0.0.1:99999"], code: 64, saying: "the port must be 1-65535")
        try assertFails(base + ["--listen", "localhost:7946"], code: 64, saying: "not a numeric IPv4 or IPv6")
        try assertFails(base + ["--listen", "127.0.0.1:7946", "--join", "10.0.0:1"], code: 64, saying: "--join")
        try assertFails(base + ["--listen", "0.0.0.0:7946"], code: 64, saying: "give --advertise")
        try assertFails(base + ["--listen", "127.0.0.1:7946", "--join", "[::1]:7947"], code: 64,
                        saying: "--join [::1]:7947 is IPv6, but --listen 127.0.0.1:7946 opens an IPv4 socket")
        try assertFails(base + ["--listen", "0.0.0.0:7946", "--advertise", "[fd00::1]:7946"], code: 64,
                        saying: "--advertise [fd00::1]:7946 is IPv6")
        try assertFails(base + ["--listen", "127.0.0.1:7946", "--period", "0s"], code: 64, saying: "--period")
    }

    func testKeyFileProblemsHaveTheirOwnCodes() throws {
        let (directory, keyFile) = try keyDirectory()
        let base = ["node", "--simulate", "--listen", "127.0.0.1:7946", "--key-file"]
        try assertFails(base + [directory + "/none"], code: 66, saying: "no key file at \(directory)/none")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: keyFile)
        try assertFails(base + [keyFile], code: 78, saying: "readable by others (mode 644): chmod 600")
        let malformed = directory + "/bad.keys"
        try "c2hvcnQ=\n".write(toFile: malformed, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: malformed)
        try assertFails(base + [malformed], code: 65, saying: "line 1: 5 bytes, a key is 32")
    }

    func testAPortInUseIsBusy() throws {
        let (directory, keyFile) = try keyDirectory()
        let socket = try BoundUDPSocket()
        defer { socket.close() }
        try assertFails(["node", "--simulate", "--key-file", keyFile, "--listen", "127.0.0.1:\(socket.port)",
                         "--state-dir", directory + "/state"],
                        code: 75, saying: "127.0.0.1:\(socket.port) is already in use")
    }

    /// NIO closes a UDP socket on most send errors; the node then stops with exit 74, so that systemd's
    /// `Restart=on-failure` starts it again (it used to exit 0 with a NIO complaint, and stay down).
    func testASocketThatFailsStopsTheNodeWithAnIOError() throws {
        let (directory, keyFile) = try keyDirectory()
        let port = try BoundUDPSocket.freePort()
        // A loopback socket cannot send to a documentation address (EINVAL here, ENETUNREACH with no route).
        try assertFails(["node", "--simulate", "--key-file", keyFile, "--listen", "127.0.0.1:\(port)",
                         "--join", "203.0.113.1:7946", "--period", "100ms", "--rounds", "50", "--quiet",
                         "--state-dir", directory + "/state"],
                        code: 74, saying: "the socket on 127.0.0.1:\(port) closed, sending to 203.0.113.1:7946: ")
    }

    func testAMissingScenarioKeepsItsCode() throws {
        let (directory, keyFile) = try keyDirectory()
        try assertFails(["node", "--simulate", directory + "/none.toml", "--key-file", keyFile,
                         "--listen", "127.0.0.1:7946"], code: 66, saying: "no such file")
    }

    /// One simulated node alone for three 100 ms rounds, printing as `output` says (`--json`, `--quiet`).
    private func runOneNode(_ output: String) throws -> (run: Run, port: UInt16, directory: String, status: String) {
        let (directory, keyFile) = try keyDirectory()
        let port = try BoundUDPSocket.freePort()
        let status = directory + "/status.json"
        let run = try mote(["node", "--simulate", "--key-file", keyFile, "--listen", "127.0.0.1:\(port)",
                            "--period", "100ms", "--rounds", "3", output, "--status-file", status,
                            "--state-dir", directory + "/state"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return (run, port, directory, status)
    }

    func testOneNodeReportsAsJSONAndLeavesItsStatus() throws {
        let (run, port, directory, status) = try runOneNode("--json")
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 3, run.stdout)
        let last = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8))
                                     as? [String: Any])
        XCTAssertEqual(last["node"] as? String, "127.0.0.1:\(port)")
        XCTAssertEqual(last["round"] as? Int, 3)
        XCTAssertEqual((last["members"] as? [Any])?.count, 0)
        let local = try XCTUnwrap(last["local"] as? [String: Double])
        XCTAssertEqual(try XCTUnwrap(local["temperature_celsius"]), (21.8 + 22.5) / 2, accuracy: 0.02)
        let shown = try mote(["node", "status", "--status-file", status])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.hasPrefix("round 3  127.0.0.1:\(port)  members 0 alive"), shown.stdout)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)],
                                              ofItemAtPath: status)
        try assertFails(["node", "status", "--status-file", status], code: 69, saying: "is not running")
        try assertFails(["node", "status", "--status-file", directory + "/none.json"], code: 66,
                        saying: "no status at")
    }

    func testQuietPrintsNoReportsButKeepsTheStatus() throws {
        let (run, _, _, status) = try runOneNode("--quiet")
        XCTAssertEqual(run.stdout, "")
        let shown = try mote(["node", "status", "--status-file", status, "--json"])
        XCTAssertEqual(shown.status, 0, shown.stderr)
        XCTAssertTrue(shown.stdout.contains("\"round\":3"), shown.stdout)
    }
}

/// A UDP socket bound to an ephemeral loopback port, to hold a port busy or to find a free one.
struct BoundUDPSocket {
    let descriptor: Int32
    let port: UInt16

    init() throws {
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let opened = descriptor
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(opened, generic, length) == 0 && getsockname(opened, generic, &length) == 0
            }
        }
        guard bound else {
            Glibc.close(opened)
            throw POSIXError(.EADDRINUSE)
        }
        port = UInt16(bigEndian: address.sin_port)
    }

    func close() { _ = Glibc.close(descriptor) }

    /// A port that was free a moment ago (the kernel's choice of an ephemeral one).
    static func freePort() throws -> UInt16 {
        let socket = try BoundUDPSocket()
        socket.close()
        return socket.port
    }
}
