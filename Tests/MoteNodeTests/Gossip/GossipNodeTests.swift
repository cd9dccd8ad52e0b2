import Foundation
import MoteGossip
import MoteSimulation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import XCTest

@testable import MoteNode

/// The NIO shell on loopback, in process: two nodes find each other; hostile datagrams are counted and ignored.
final class GossipNodeTests: XCTestCase {
    static let keyring = ClusterKeyring(primary: ClusterKey(bytes: [UInt8](repeating: 3, count: 32))!)

    /// Collects a node's reports from its event loop.
    final class Reports: Sendable {
        private let reports = NIOLockedValueBox<[NodeReport]>([])

        func append(_ event: GossipNodeEvent) {
            guard case .report(let report) = event else { return }
            reports.withLockedValue { $0.append(report) }
        }

        var latest: NodeReport? { reports.withLockedValue { $0.last } }
    }

    func startNode(port: UInt16 = 0, seeds: [NodeAddress] = [], reports: Reports) throws -> GossipNode {
        let listen = try NodeAddress(parsing: "127.0.0.1:\(port == 0 ? try Self.freePort() : port)",
                                     option: "--listen")
        let options = GossipNodeOptions(
            listen: listen, advertise: listen, seeds: seeds, cluster: "shell-test", keyring: Self.keyring,
            configuration: .scaled(toPeriod: .milliseconds(100)), sampleInterval: .milliseconds(500), statusFile: nil)
        let node = try GossipNode.start(options: options, makeSampler: { () throws(NodeError) in
            do {
                return try SensorSampler(board: try SimulatedBoard.defaultBoard())
            } catch let error as NodeError {
                throw error
            } catch {
                throw .noSensors("\(error)")
            }
        }, onEvent: reports.append)
        addTeardownBlock {
            node.close()
            node.waitUntilClosed()
        }
        return node
    }

    static func freePort() throws -> UInt16 {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let channel = try DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return UInt16(channel.localAddress?.port ?? 0)
    }

    /// Polls for up to 30 s (a bound on a hang, not a measure of speed).
    func eventually(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if condition() { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("not within 30 s: \(what)")
    }

    func testTwoNodesJoinAndHostileDatagramsAreCountedNotFatal() throws {
        let firstReports = Reports()
        let first = try startNode(reports: firstReports)
        let firstAddress = try XCTUnwrap(first.boundAddress.flatMap(PeerAddress.init).flatMap(NodeAddress.init))
        let secondReports = Reports()
        _ = try startNode(seeds: [firstAddress], reports: secondReports)
        eventually("the nodes see each other alive") {
            firstReports.latest?.count("alive") == 1 && secondReports.latest?.count("alive") == 1
        }

        // A stranger throws garbage, an oversized datagram, one sealed with another key, and replays.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let attacker = try DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? attacker.close().wait() }
        let target = firstAddress.socketAddress
        let forger = PeerAddress(ipv4: 0x7f00_0001, port: 9)
        var wrongKey = WireEndpoint(node: forger, generation: 1, cluster: "shell-test",
                                    keyring: ClusterKeyring(primary: ClusterKey(bytes: [UInt8](repeating: 4,
                                                                                               count: 32))!))
        var rightKey = WireEndpoint(node: forger, generation: 1, cluster: "shell-test", keyring: Self.keyring)
        let ping = GossipMessage(sender: forger, senderGeneration: 1, senderIncarnation: 0, receiverGeneration: 0,
                                 kind: .ping(sequence: 1))
        let authentic = try rightKey.seal(ping, nonce: [UInt8](repeating: 1, count: 12)).bytes
        let datagrams: [[UInt8]] = [
            Array("hello".utf8), [UInt8](repeating: 0x4d, count: 1_400),
            try wrongKey.seal(ping, nonce: [UInt8](repeating: 2, count: 12)).bytes, authentic, authentic, authentic,
        ]
        for bytes in datagrams {
            let envelope = AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: bytes))
            try attacker.writeAndFlush(envelope).wait()
        }
        eventually("every hostile datagram is counted") {
            let dropped = firstReports.latest?.wire.dropped ?? [:]
            return dropped["malformed_header"] == 1 && dropped["oversized"] == 1 && dropped["unknown_key"] == 1
                && dropped["replayed"] == 2
        }
        let before = firstReports.latest?.round ?? 0
        eventually("the node keeps reporting") { (firstReports.latest?.round ?? 0) > before + 2 }
        XCTAssertGreaterThanOrEqual(firstReports.latest?.wire.received ?? 0, 1)
    }

    /// An IPv4 socket cannot send to IPv6 members; before this filter, the first such send closed the socket.
    func testAnIPv4NodeLeavesOutIPv6MembersAndSenders() throws {
        let reports = Reports()
        let node = try startNode(reports: reports)
        let target = try XCTUnwrap(node.boundAddress)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let socket = try DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? socket.close().wait() }
        let ipv4Member = PeerAddress(ipv4: 0x7f00_0001, port: 9)
        let ipv6Member = try NodeAddress(parsing: "[fd00::2]:7946", option: "test").peer
        let ipv6Sender = try NodeAddress(parsing: "[fd00::3]:7946", option: "test").peer
        func send(from sender: PeerAddress, about members: [PeerAddress]) throws {
            var endpoint = WireEndpoint(node: sender, generation: 1, cluster: "shell-test", keyring: Self.keyring)
            let message = GossipMessage(
                sender: sender, senderGeneration: 1, senderIncarnation: 0, receiverGeneration: 0,
                kind: .ping(sequence: 1),
                membership: members.map { MembershipUpdate(member: $0, generation: 1, incarnation: 0, status: .alive) })
            let bytes = try endpoint.seal(message, nonce: [UInt8](repeating: 5, count: 12)).bytes
            try socket.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: ByteBuffer(bytes: bytes))).wait()
        }

        // An IPv6 sender, even with news of an IPv4 member, cannot be answered: dropped whole.
        try send(from: ipv6Sender, about: [PeerAddress(ipv4: 0x7f00_0001, port: 10)])
        // An IPv4 sender's news of an IPv6 member is left out; the rest of its datagram counts.
        try send(from: ipv4Member, about: [ipv6Member])
        eventually("the IPv4 sender is a member and the IPv6 one is counted") {
            let latest = reports.latest
            return latest?.members.contains { $0.address == ipv4Member.description } == true
                && latest?.wire.dropped[NodeReport.Wire.unreachableSender] == 1
        }
        let members = try XCTUnwrap(reports.latest?.members.map(\.address))
        XCTAssertEqual(members, [ipv4Member.description], "neither IPv6 member, nor the news the IPv6 sender carried")
        XCTAssertNil(node.socketFailure)
    }
}
