import MoteEnergy

/// Why the node's power model cannot account for what the node does.
public struct NodeEnergyModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// One line saying what the model lacks and what would do.
    public var message: String

    /// Creates an error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// The gossip node's energy ledger, kept from what the node's shell measured (ARCHITECTURE.md, pattern 2: a value
/// that never reads a clock, the kernel or a socket; the shell passes in every figure).
///
/// What is charged, and how:
/// - **CPU**: the process's CPU time from the kernel's accounting (`ProcessCPUTime`, cumulative, as the duty-cycle
///   runner passes it), re-filed from the CPU's resting state to `active` under the activity `node`, divided by
///   the cores; the rest of the wall time stays in the resting state (`idle` on the Raspberry Pi profiles).
/// - **Radio**: the bytes the socket sent and received since the last period, on the link: each datagram's
///   sealed bytes plus its UDP and IP headers (`datagramOverhead`), re-filed from the radio's resting state to
///   `transmit` (activity `gossip.transmit`) and `receive` (`gossip.receive`) at bytes × 8 / the model's on-air
///   bit rate. Link-layer framing (Ethernet, 802.11 MAC and PHY headers, acknowledgements) is medium-specific and
///   not counted: the model has no figure for it.
/// - **Sensors**: each sampling round, each sensor read converts for its datasheet measurement time in
///   `measuring` under `sense.DEVICE` (the duty-cycle scheduler's activity), one after another from the round's
///   start as the drivers' blocking reads on one bus do, then returns to its resting state.
///
/// Sensor transitions may lie ahead of the latest event (a conversion still running when a period ends): they are
/// kept in time order and entered as the events' times pass them, so the ledger's timeline stays monotonic and,
/// for every component, the time across its states equals the elapsed time.
public struct NodeEnergyAccount: Sendable {
    /// The activity of the node process's CPU time, as `ScheduleRunner` files it.
    public static let processActivity = "node"
    /// The activity of bytes sent.
    public static let transmitActivity = "gossip.transmit"
    /// The activity of bytes received.
    public static let receiveActivity = "gossip.receive"

    /// What the node's socket has carried since it opened, on the link: cumulative bytes, headers included.
    public struct Traffic: Sendable, Equatable {
        /// Bytes sent.
        public var sentBytes: Int
        /// Bytes received (authentic or dropped: the receiver was on for both).
        public var receivedBytes: Int

        /// Counters.
        public init(sentBytes: Int = 0, receivedBytes: Int = 0) {
            self.sentBytes = sentBytes
            self.receivedBytes = receivedBytes
        }

        /// Adds one datagram of `payload` bytes sent over IPv4 (or IPv6 when `ipv4` is false).
        public mutating func addSent(payload: Int, ipv4: Bool) {
            sentBytes += payload + NodeEnergyAccount.datagramOverhead(ipv4: ipv4)
        }

        /// Adds one datagram of `payload` bytes received over IPv4 (or IPv6).
        public mutating func addReceived(payload: Int, ipv4: Bool) {
            receivedBytes += payload + NodeEnergyAccount.datagramOverhead(ipv4: ipv4)
        }
    }

    /// The bytes a UDP datagram carries on the link besides its payload: the UDP header (8, RFC 768) and the IP
    /// header, 20 for IPv4 without options (RFC 791) or 40 for IPv6 without extension headers (RFC 8200).
    public static func datagramOverhead(ipv4: Bool) -> Int { 8 + (ipv4 ? 20 : 40) }

    private struct Transition: Sendable {
        var time: Duration
        var device: String
        var state: PowerState
        var activity: String?
    }

    /// The power model the ledger charges.
    public var model: PowerModel { ledger.model }
    /// This session's ledger.
    public private(set) var ledger: EnergyLedger
    /// The totals of the sessions before this one, as loaded from the store.
    public let earlierSessions: LedgerSnapshot
    private let radio: String
    private var traffic = Traffic()
    private var pending: [Transition] = []

    /// The model of a node with `sensors` (device and driver, as the sampler found them) on the board `profile`
    /// describes: the duty-cycle command's model (`DutyCycleSetup`), with no power lines.
    public static func model(profile: PowerModel, sensors: [(device: String, driver: String)])
        throws(NodeEnergyModelError) -> PowerModel
    {
        do throws(SetupError) {
            return try DutyCycleSetup.model(profile: profile, sensors: sensors, powerLines: [:])
        } catch {
            throw NodeEnergyModelError(error.description)
        }
    }

    /// Starts a session at `start` with every component at rest.
    ///
    /// `processCPUTime` is the process's CPU time at `start`, the baseline of the first period's CPU time;
    /// `earlierSessions` the snapshot the store held, which `snapshot` adds this session to. Throws what
    /// `validate` finds.
    public init(model: PowerModel, start: Duration, processCPUTime: Duration,
                earlierSessions: LedgerSnapshot = .empty) throws(NodeEnergyModelError)
    {
        radio = try Self.validate(model)
        self.earlierSessions = earlierSessions
        ledger = EnergyLedger(model: model, start: start, processCPUTime: processCPUTime)
    }

    /// Checks that `model` can charge what the node does and returns the radio traffic goes to: a CPU with an
    /// `active` current, a radio with a bit rate and transmit and receive currents, and a `measuring` current
    /// for every sensor.
    @discardableResult
    public static func validate(_ model: PowerModel) throws(NodeEnergyModelError) -> String {
        guard model.cpu?.current(in: .active) != nil else {
            throw NodeEnergyModelError("the power model \(model.name) has no CPU with an active current")
        }
        guard let radio = model.radio, radio.bitRate.map({ $0 > 0 }) == true,
              radio.current(in: .transmit) != nil, radio.current(in: .receive) != nil
        else {
            throw NodeEnergyModelError("the power model \(model.name) has no radio component with a bit_rate and "
                + "transmit and receive currents, which the node's traffic is charged to")
        }
        for component in model.components where component.kind == .sensor {
            guard component.current(in: .measuring) != nil else {
                throw NodeEnergyModelError("\(component.name) has no measuring current in the power model")
            }
        }
        return radio.name
    }

    /// What to save: the earlier sessions' totals plus this one's.
    public var snapshot: LedgerSnapshot { earlierSessions.appending(ledger.totals) }

    /// Charges a sampling round that started at `time` and read `devices` (`bme280@0x76`), in that order.
    ///
    /// The conversions are laid end to end from `time` (or from the ledger's time, or the end of conversions still
    /// pending, when later) and entered as later events pass them.
    public mutating func recordSampling(devices: [String], at time: Duration) throws(LedgerError) {
        try enterPending(upTo: time)
        var clock = max(time, ledger.now, pending.last?.time ?? .zero)
        for device in devices {
            guard let component = model.component(named: device), component.kind == .sensor else {
                throw .unknownComponent(device, valid: model.components.filter { $0.kind == .sensor }.map(\.name))
            }
            let activity = model.tasks.first { $0.component == device }?.name ?? "sense.\(device)"
            pending.append(Transition(time: clock, device: device, state: .measuring, activity: activity))
            clock += component.measurementTime
            pending.append(Transition(time: clock, device: device, state: component.restingState, activity: nil))
        }
        try enterPending(upTo: time)
    }

    /// Closes a period at `now`: enters the sensor transitions due by then, charges the CPU time the kernel
    /// reports (`processCPUTime`, cumulative) and the bytes the socket carried since the last period (`traffic`,
    /// cumulative).
    public mutating func recordPeriod(at now: Duration, processCPUTime: Duration, traffic: Traffic)
        throws(LedgerError)
    {
        guard traffic.sentBytes >= self.traffic.sentBytes, traffic.receivedBytes >= self.traffic.receivedBytes else {
            throw .negativeAmount("the socket's byte counters went down (\(traffic.sentBytes) sent, "
                + "\(traffic.receivedBytes) received after \(self.traffic.sentBytes) and "
                + "\(self.traffic.receivedBytes))")
        }
        try enterPending(upTo: now)
        try ledger.recordProcessCPUTime(processCPUTime, activity: Self.processActivity, at: now)
        try ledger.recordTraffic(sentBytes: traffic.sentBytes - self.traffic.sentBytes, receivedBytes: 0,
                                 activity: Self.transmitActivity, component: radio, at: now)
        try ledger.recordTraffic(sentBytes: 0, receivedBytes: traffic.receivedBytes - self.traffic.receivedBytes,
                                 activity: Self.receiveActivity, component: radio, at: now)
        self.traffic = traffic
    }

    /// Enters every pending transition due at or before `time`, in time order.
    private mutating func enterPending(upTo time: Duration) throws(LedgerError) {
        while let first = pending.first, first.time <= time {
            try ledger.enter(first.state, component: first.device, activity: first.activity, at: first.time)
            pending.removeFirst()
        }
    }
}
