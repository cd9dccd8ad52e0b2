import Foundation
import Logging
import MoteEnergy
import MoteGossip
import NIOCore
import NIOPosix
import Synchronization

/// How a node runs: where it listens and what it advertises, whom it joins, its cluster and keys, the protocol's
/// configuration, how often it samples its sensors and where it writes its status.
public struct GossipNodeOptions: Sendable {
    /// The address the UDP socket binds (may be 0.0.0.0 or ::).
    public var listen: NodeAddress
    /// The address other members send to, and this node's identity; defaults to `listen`.
    public var advertise: NodeAddress
    /// Members to join through.
    public var seeds: [NodeAddress]
    /// The cluster name, authenticated in every datagram.
    public var cluster: String
    /// The keys.
    public var keyring: ClusterKeyring
    /// The protocol's knobs.
    public var configuration: GossipConfiguration
    /// Time between sensor readings.
    public var sampleInterval: Duration
    /// Where to write the status file; nil for none.
    public var statusFile: String?
    /// How many reports to make before closing; nil to run until closed.
    public var stopAfterRounds: Int?
    /// Where and how to keep the energy ledger; nil for none.
    public var energy: NodeEnergyOptions?

    /// Options with every field given.
    public init(listen: NodeAddress, advertise: NodeAddress, seeds: [NodeAddress], cluster: String,
                keyring: ClusterKeyring, configuration: GossipConfiguration, sampleInterval: Duration,
                statusFile: String?, stopAfterRounds: Int? = nil, energy: NodeEnergyOptions? = nil) {
        self.listen = listen
        self.advertise = advertise
        self.seeds = seeds
        self.cluster = cluster
        self.keyring = keyring
        self.configuration = configuration
        self.sampleInterval = sampleInterval
        self.statusFile = statusFile
        self.stopAfterRounds = stopAfterRounds
        self.energy = energy
    }
}

/// What a running node tells its owner (the CLI prints these).
public enum GossipNodeEvent: Sendable {
    /// The report of one protocol period.
    case report(NodeReport)
    /// This node's view of a member changed.
    case memberChanged(MemberChange)
    /// Some sensors failed in a sampling round.
    case samplingFailed([String])
}

/// A gossip node: the NIO UDP shell around the pure `GossipInstance` (membership and aggregation) and the
/// `WireEndpoint` (codec, crypto and replay protection).
///
/// The shell owns everything the instance must not touch: the socket, the clock, randomness for nonces, the
/// sensors. On one event loop it feeds the instance every authentic datagram (`receive`), wakes it when its
/// `nextWakeUp` comes (`tick`), hands it the sensors' readings (`setReadings`), and carries out the directives it
/// returns: `send` becomes a sealed datagram, `memberChanged` an event. Sensors are read on a second event loop of
/// their own, so a slow conversion never delays a probe.
///
/// With `GossipNodeOptions.energy`, it also keeps the energy ledger (`NodeEnergyAccount`): each sampling round's
/// conversions, and at every report the kernel's CPU time for the process and the socket's bytes since the last
/// one (the report's wire counters plus each datagram's UDP/IP header), saved atomically then and when the node
/// closes.
public final class GossipNode: Sendable {
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup
    private let samplingGroup: MultiThreadedEventLoopGroup
    private let outcome: NodeOutcome

    /// The address the socket is bound to.
    public var boundAddress: SocketAddress? { channel.localAddress }

    /// Why the energy ledger could not be saved when the node closed, or nil (saved, or kept by no ledger). Read it
    /// after `waitUntilClosed`.
    public var ledgerFailure: LedgerStoreError? { outcome.ledgerFailure }

    /// Why the socket closed when nobody asked it to, or nil. Read it after `waitUntilClosed`.
    public var socketFailure: NodeError? { outcome.socketFailure }

    private init(channel: any Channel, group: MultiThreadedEventLoopGroup,
                 samplingGroup: MultiThreadedEventLoopGroup, outcome: NodeOutcome) {
        self.channel = channel
        self.group = group
        self.samplingGroup = samplingGroup
        self.outcome = outcome
    }

    /// Opens the sensors, binds the socket and starts gossiping; `onEvent` is called on the node's event loop.
    ///
    /// - Parameters:
    ///   - makeSampler: opens the sensors; it runs on the sampling loop, where the sampler then stays.
    ///   - generation: this process's generation; by default the wall-clock time in milliseconds, which grows
    ///     from one start to the next as long as the clock is not set back.
    /// - Throws: `NodeError` when the sensors cannot be opened, the energy ledger cannot be kept (its model or its
    ///   state directory), or the address cannot be bound.
    public static func start(options: GossipNodeOptions,
                             generation: UInt64 = UInt64(max(0, Date().timeIntervalSince1970 * 1_000)),
                             makeSampler: @escaping @Sendable () throws(NodeError) -> SensorSampler,
                             onEvent: @escaping @Sendable (GossipNodeEvent) -> Void) throws(NodeError) -> GossipNode {
        let samplingGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let samplingLoop = samplingGroup.next()
        let sampler: NIOLoopBound<SensorSampler>
        let devices: [(device: String, driver: String)]
        do {
            (sampler, devices) = try samplingLoop.submit {
                () throws -> (NIOLoopBound<SensorSampler>, [(device: String, driver: String)]) in
                let opened = try makeSampler()
                return (NIOLoopBound(opened, eventLoop: samplingLoop), opened.devices)
            }.wait()
        } catch {
            try? samplingGroup.syncShutdownGracefully()
            throw (error as? NodeError) ?? .noSensors("cannot open the sensors: \(error)")
        }
        let origin = NIODeadline.now()
        let ledger: NodeLedgerKeeper?
        do throws(NodeError) {
            ledger = try options.energy.map { energy throws(NodeError) in
                try NodeLedgerKeeper(options: energy, sensors: devices, now: .zero,
                                     processCPUTime: ProcessCPUTime.current())
            }
        } catch {
            try? samplingGroup.syncShutdownGracefully()
            throw error
        }
        let outcome = NodeOutcome()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        // Datagrams larger than the format allows still arrive (truncated to 2,048 bytes) and count as oversized.
        let bootstrap = DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2_048))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let handler = GossipChannelHandler(options: options, generation: generation, sampler: sampler,
                                                       samplingLoop: samplingLoop, origin: origin, ledger: ledger,
                                                       outcome: outcome, onEvent: onEvent)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
        do {
            let channel = try bootstrap.bind(to: options.listen.socketAddress).wait()
            return GossipNode(channel: channel, group: group, samplingGroup: samplingGroup,
                              outcome: outcome)
        } catch {
            try? group.syncShutdownGracefully()
            try? samplingGroup.syncShutdownGracefully()
            throw bindError(error, address: options.listen)
        }
    }

    /// Closes the socket; `waitUntilClosed` then returns.
    public func close() {
        outcome.closeRequested = true
        channel.close(promise: nil)
    }

    /// Blocks until the node is closed, then releases its threads.
    public func waitUntilClosed() {
        try? channel.closeFuture.wait()
        // The sampling loop first: a reading still in flight hops back to the node's loop, which must still run.
        try? samplingGroup.syncShutdownGracefully()
        try? group.syncShutdownGracefully()
    }

    private static func bindError(_ error: any Error, address: NodeAddress) -> NodeError {
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE: return .addressInUse(address.description)
        case EADDRNOTAVAIL: return .cannotBind(address: address.description, reason: "not an address of this machine")
        case EACCES: return .cannotBind(address: address.description, reason: "permission denied")
        default: return .cannotBind(address: address.description, reason: describe(error))
        }
    }
}

/// `strerror`'s text and the number for a system call's error, else the error's own description.
private func describe(_ error: any Error) -> String {
    guard let ioError = error as? IOError else { return "\(error)" }
    return "\(String(cString: strerror(ioError.errnoCode))) (errno \(ioError.errnoCode))"
}

/// How the node ended, read by the owner after it closed: the ledger's last save, and whether the socket failed.
final class NodeOutcome: Sendable {
    private let state = Mutex<(ledgerFailure: LedgerStoreError?, socketFailure: NodeError?, closeRequested: Bool)>(
        (nil, nil, false))

    /// The final ledger save's failure, or nil.
    var ledgerFailure: LedgerStoreError? {
        get { state.withLock { $0.ledgerFailure } }
        set { state.withLock { $0.ledgerFailure = newValue } }
    }

    /// Why the socket closed on its own, or nil.
    var socketFailure: NodeError? {
        get { state.withLock { $0.socketFailure } }
        set { state.withLock { $0.socketFailure = newValue } }
    }

    /// Whether the owner (or `stopAfterRounds`) closed the node: any other close is a failure.
    var closeRequested: Bool {
        get { state.withLock { $0.closeRequested } }
        set { state.withLock { $0.closeRequested = newValue } }
    }
}

/// The node's state and its event handling, confined to the channel's event loop.
final class GossipChannelHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let options: GossipNodeOptions
    private let sampler: NIOLoopBound<SensorSampler>
    private let samplingLoop: any EventLoop
    private let onEvent: @Sendable (GossipNodeEvent) -> Void
    private let logger = Logger(label: "mote.node")
    private var instance: GossipInstance
    private var endpoint: WireEndpoint
    private var context: ChannelHandlerContext?
    private let origin: NIODeadline
    private var ledger: NodeLedgerKeeper?
    private let outcome: NodeOutcome
    /// The socket's bytes on the link (sealed datagrams and their UDP/IP headers), for the ledger.
    private var onAir = NodeEnergyAccount.Traffic()
    private var wakeUp: Scheduled<Void>?
    private var wakeUpAt: Duration?
    private var nonceGenerator = SystemRandomNumberGenerator()
    private var wire = NodeReport.Wire()
    /// Authentic datagrams from members this socket cannot send to (IPv6 senders on an IPv4 socket).
    private var unreachableSenders = 0
    /// The failure of the last send, if it failed: NIO closes a datagram socket on most send errors (a firewall's
    /// EPERM, EINVAL), and this says why. Nil again after a send succeeds: NIO keeps the socket open after
    /// EHOSTUNREACH and EMSGSIZE, and a later close must not blame them.
    private var lastSendFailure: String?
    private var round = 0
    private var lastSample = LocalSample()
    private var statusFileFailed = false
    private var isActive = false

    init(options: GossipNodeOptions, generation: UInt64, sampler: NIOLoopBound<SensorSampler>,
         samplingLoop: any EventLoop, origin: NIODeadline = .now(), ledger: NodeLedgerKeeper? = nil,
         outcome: NodeOutcome = NodeOutcome(),
         onEvent: @escaping @Sendable (GossipNodeEvent) -> Void) {
        self.options = options
        self.sampler = sampler
        self.samplingLoop = samplingLoop
        self.origin = origin
        self.ledger = ledger
        self.outcome = outcome
        self.onEvent = onEvent
        var seedGenerator = SystemRandomNumberGenerator()
        instance = GossipInstance(address: options.advertise.peer, generation: generation,
                                  configuration: options.configuration, seeds: options.seeds.map(\.peer),
                                  randomSeed: seedGenerator.next(), now: .zero)
        endpoint = WireEndpoint(node: options.advertise.peer, generation: generation, cluster: options.cluster,
                                keyring: options.keyring)
    }

    /// The monotonic time since the node started, the instance's and the ledger's clock.
    private var now: Duration { Self.time(since: origin) }

    private static func time(since origin: NIODeadline) -> Duration {
        .nanoseconds((NIODeadline.now() - origin).nanoseconds)
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        isActive = true
        sample()
        scheduleReport()
        perform(instance.tick(now: now))
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        wakeUp?.cancel()
        self.context = nil
        // The last period's CPU time and traffic, saved before the close completes (SIGINT, SIGTERM, --rounds).
        closeLedgerPeriod()
        outcome.ledgerFailure = ledger?.saveFailure
        if !outcome.closeRequested {
            outcome.socketFailure = .socketFailed(address: options.listen.description,
                                                  reason: lastSendFailure ?? "closed by the system")
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        onAir.addReceived(payload: bytes.count, ipv4: PeerAddress(envelope.remoteAddress)?.ipv4 != nil)
        guard let received = endpoint.receive(bytes) else {
            wire.bytesDropped += bytes.count
            return
        }
        // An IPv4 socket cannot answer an IPv6 member, nor reach one it hears of, and NIO closes the socket on the
        // first such send (EAFNOSUPPORT): such a sender is dropped, and such members are left out (dual-stack
        // members carry them on).
        var message = received.message
        guard options.listen.reaches(message.sender) else {
            wire.bytesDropped += bytes.count
            unreachableSenders += 1
            return
        }
        message.membership.removeAll { !options.listen.reaches($0.member) }
        wire.received += 1
        wire.bytesReceived += bytes.count
        perform(instance.receive(message, now: now))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket reports, for instance, ICMP errors of earlier sends here; the node keeps running.
        logger.debug("socket error: \(error)")
    }

    // MARK: directives

    /// Carries out the instance's directives, then makes sure it is woken at its next wake-up.
    private func perform(_ directives: [GossipDirective]) {
        guard let context, isActive else { return }
        var wrote = false
        for directive in directives {
            switch directive {
            case .send(let message, let target):
                wrote = send(message, to: target, context: context) || wrote
            case .memberChanged(let change):
                onEvent(.memberChanged(change))
            }
        }
        if wrote { context.flush() }
        scheduleWakeUp(context: context)
    }

    private func send(_ message: GossipMessage, to target: PeerAddress, context: ChannelHandlerContext) -> Bool {
        guard let address = NodeAddress(peer: target) else {
            wire.sendFailures += 1
            return false
        }
        let nonce = (0..<WireFormat.nonceSize).map { _ in UInt8.random(in: 0...255, using: &nonceGenerator) }
        let sealed: SealedMessage
        do {
            sealed = try endpoint.seal(message, nonce: nonce)
        } catch {
            logger.error("cannot encode a message to \(target): \(error)")
            wire.sendFailures += 1
            return false
        }
        let buffer = context.channel.allocator.buffer(bytes: sealed.bytes)
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.assumeIsolated().whenComplete { [weak self] result in
            guard let self else { return }
            switch result {
            case .success:
                self.lastSendFailure = nil // the socket recovered: a later close is not this send's doing
            case .failure(let error):
                self.wire.sendFailures += 1
                self.lastSendFailure = "sending to \(target): \(describe(error))"
            }
        }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address.socketAddress, data: buffer)),
                      promise: promise)
        wire.sent += 1
        wire.bytesSent += sealed.bytes.count
        onAir.addSent(payload: sealed.bytes.count, ipv4: target.ipv4 != nil)
        return true
    }

    /// Schedules the next `tick` at the instance's `nextWakeUp`, unless one is already due no later.
    private func scheduleWakeUp(context: ChannelHandlerContext) {
        let next = instance.nextWakeUp
        if let wakeUpAt, wakeUpAt <= next { return }
        wakeUp?.cancel()
        wakeUpAt = next
        wakeUp = context.eventLoop.assumeIsolated().scheduleTask(deadline: origin + TimeAmount(next)) { [weak self] in
            guard let self else { return }
            self.wakeUpAt = nil
            self.perform(self.instance.tick(now: self.now))
        }
    }

    // MARK: sensors and reports

    /// Reads the sensors on the sampling loop, hands the result to the instance (and the conversions to the
    /// ledger, at the time the round started), and schedules the next round.
    private func sample() {
        guard let context, isActive else { return }
        let sampler = self.sampler
        let origin = self.origin
        samplingLoop.submit { () -> (Duration, LocalSample) in
            let started = Self.time(since: origin)
            return (started, sampler.value.sample())
        }
            .hop(to: context.eventLoop)
            .assumeIsolated()
            .whenSuccess { [weak self] result in
                guard let self else { return }
                let (started, sample) = result
                self.ledger?.recordSampling(devices: sample.devicesRead, at: started, logger: self.logger)
                self.apply(sample)
            }
        context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(options.sampleInterval)) { [weak self] in
            self?.sample()
        }
    }

    private func apply(_ sample: LocalSample) {
        lastSample = sample
        if !sample.failures.isEmpty { onEvent(.samplingFailed(sample.failures)) }
        instance.setReadings(temperatureCelsius: sample.temperatureCelsius,
                             relativeHumidityPercent: sample.relativeHumidityPercent,
                             pressurePascals: sample.pressurePascals)
    }

    /// Makes a report every protocol period: the event, and the status file.
    private func scheduleReport() {
        guard let context, isActive else { return }
        context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(options.configuration.protocolPeriod)) {
            [weak self] in
            guard let self, self.isActive else { return }
            self.round += 1
            let report = self.report()
            self.closeLedgerPeriod()
            self.onEvent(.report(report))
            self.writeStatus(report)
            if let last = self.options.stopAfterRounds, self.round >= last {
                self.outcome.closeRequested = true
                context.close(promise: nil)
                return
            }
            self.scheduleReport()
        }
    }

    /// Charges the period that ends now to the ledger (the kernel's CPU time, the socket's bytes) and saves it.
    private func closeLedgerPeriod() {
        ledger?.closePeriod(at: now, processCPUTime: ProcessCPUTime.current(), traffic: onAir, logger: logger)
    }

    private func writeStatus(_ report: NodeReport) {
        guard let path = options.statusFile else { return }
        do {
            try StatusFile.write(report, to: path)
            statusFileFailed = false
        } catch {
            if !statusFileFailed { logger.warning("cannot write the status file \(path): \(error)") }
            statusFileFailed = true
        }
    }

    private func report() -> NodeReport {
        let estimate = instance.aggregates
        var aggregates: [String: NodeReport.Aggregate] = [:]
        for channel in AggregationChannel.allCases {
            let value = estimate[channel]
            guard value.average != nil || value.minimum != nil else { continue }
            aggregates[channel.description] = NodeReport.Aggregate(
                average: value.average, sum: value.sum, count: value.count, minimum: value.minimum,
                maximum: value.maximum, variance: value.variance, converged: value.isConverged)
        }
        var local: [String: Double] = [:]
        local[AggregationChannel.temperature.description] = lastSample.temperatureCelsius
        local[AggregationChannel.humidity.description] = lastSample.relativeHumidityPercent
        local[AggregationChannel.pressure.description] = lastSample.pressurePascals
        var current = wire
        current.dropped = Dictionary(uniqueKeysWithValues: DropReason.allCases.compactMap { reason in
            endpoint.drops[reason] > 0 ? (reason.rawValue, endpoint.drops[reason]) : nil
        })
        if unreachableSenders > 0 { current.dropped[NodeReport.Wire.unreachableSender] = unreachableSenders }
        let members = instance.members.sorted { $0.address < $1.address }.map {
            NodeReport.Member(address: $0.address.description, status: $0.status.description,
                              generation: $0.generation, incarnation: $0.incarnation)
        }
        return NodeReport(
            time: Self.timeFormatter.format(Date()), node: options.advertise.description,
            generation: instance.generation, incarnation: instance.incarnation, round: round,
            periodSeconds: Double(options.configuration.protocolPeriod.components.seconds)
                + Double(options.configuration.protocolPeriod.components.attoseconds) / 1e18,
            lamportClock: endpoint.lamportClock, members: members, networkSize: estimate.networkSize,
            networkSizeConverged: estimate.networkSizeIsConverged, epoch: estimate.epoch, aggregates: aggregates,
            local: local, wire: current)
    }

    /// RFC 3339 in UTC with milliseconds, as `mote read` prints times.
    static let timeFormatter = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt)
}
