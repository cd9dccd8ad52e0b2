import MoteGossip
import MoteSimulation
import NIOCore
import NIOEmbedded
import XCTest

@testable import MoteNode

/// The node's channel handler in an `EmbeddedChannel`, with a handler in front of it that fails chosen writes: what
/// the node reports when its socket closes.
final class GossipChannelHandlerTests: XCTestCase {
    /// Fails every write with `failure` while it is set.
    final class FailingWrites: ChannelOutboundHandler {
        typealias OutboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        var failure: (any Error)?

        init(failure: any Error) {
            self.failure = failure
        }

        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            if let failure {
                promise?.fail(failure)
            } else {
                context.write(data, promise: promise)
            }
        }
    }

    static let keyring = ClusterKeyring(primary: ClusterKey(bytes: [UInt8](repeating: 5, count: 32))!)
    static let cluster = "handler-test"

    /// A node joining through 10.0.0.9:7946, active in an embedded channel whose writes fail with `failure`: by
    /// default as NIO fails a datagram to an unreachable host (EHOSTUNREACH), keeping the socket open.
    func activeNode(failure: any Error = ChannelError.writeHostUnreachable) throws
        -> (channel: EmbeddedChannel, outcome: NodeOutcome, writes: FailingWrites, seed: NodeAddress) {
        let channel = EmbeddedChannel()
        let writes = FailingWrites(failure: failure)
        let outcome = NodeOutcome()
        let listen = try NodeAddress(parsing: "127.0.0.1:7946", option: "--listen")
        let seed = try NodeAddress(parsing: "10.0.0.9:7946", option: "--join")
        let options = GossipNodeOptions(
            listen: listen, advertise: listen, seeds: [seed], cluster: Self.cluster, keyring: Self.keyring,
            configuration: .scaled(toPeriod: .milliseconds(100)), sampleInterval: .seconds(60), statusFile: nil)
        let sampler = NIOLoopBound(try SensorSampler(board: try SimulatedBoard.defaultBoard()),
                                   eventLoop: channel.embeddedEventLoop)
        try channel.pipeline.syncOperations.addHandler(writes)
        try channel.pipeline.syncOperations.addHandler(
            GossipChannelHandler(options: options, generation: 1, sampler: sampler,
                                 samplingLoop: channel.embeddedEventLoop, outcome: outcome, onEvent: { _ in }))
        try channel.connect(to: listen.socketAddress).wait() // the first tick pings the seed, and the write fails
        return (channel, outcome, writes, seed)
    }

    /// Closes the channel as the system would, and returns the reason the node gives.
    func reasonForClosing(_ channel: EmbeddedChannel, _ outcome: NodeOutcome) throws -> String? {
        try channel.close().wait()
        guard case .socketFailed(_, let reason) = try XCTUnwrap(outcome.socketFailure) else {
            XCTFail("not a socket failure: \(String(describing: outcome.socketFailure))")
            return nil
        }
        return reason
    }

    /// A send that failed, then ones that went out: the failure is not the reason given for a later close (it was,
    /// though the socket had recovered and closed for something else).
    func testASendFailureIsForgottenOnceASendSucceeds() throws {
        let (channel, outcome, writes, seed) = try activeNode()
        writes.failure = nil
        var seedEndpoint = WireEndpoint(node: seed.peer, generation: 7, cluster: Self.cluster, keyring: Self.keyring)
        let ping = GossipMessage(sender: seed.peer, senderGeneration: 7, senderIncarnation: 0,
                                 receiverGeneration: 0, kind: .ping(sequence: 1))
        let sealed = try seedEndpoint.seal(ping, nonce: [UInt8](repeating: 9, count: WireFormat.nonceSize))
        try channel.writeInbound(AddressedEnvelope(remoteAddress: seed.socketAddress,
                                                   data: channel.allocator.buffer(bytes: sealed.bytes)))
        var answered = false
        while let sent = try channel.readOutbound(as: AddressedEnvelope<ByteBuffer>.self) {
            answered = answered || sent.remoteAddress == seed.socketAddress
        }
        XCTAssertTrue(answered, "the node did not answer the seed")
        XCTAssertEqual(try reasonForClosing(channel, outcome), "closed by the system")
    }

    /// A send's failure is the reason a close reports when no send went out since (NIO closes a datagram socket on
    /// most send errors, such as a firewall's EPERM).
    func testTheLastSendFailureIsTheReasonForAClose() throws {
        let (channel, outcome, _, _) = try activeNode(failure: IOError(errnoCode: EPERM, reason: "sendmsg"))
        XCTAssertEqual(try reasonForClosing(channel, outcome),
                       "sending to 10.0.0.9:7946: Operation not permitted (errno 1)")
    }
}
