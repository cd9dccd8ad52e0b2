// The gossip protocol as a pure instance (ARCHITECTURE.md pattern 2, after apple/swift-cluster-membership's
// SWIM.Instance): events in (`tick`, `receive`, readings), directives out (`send`, `memberChanged`), with the time
// and the randomness handed in. It never reads a clock, sleeps or touches a socket, so the NIO shell, the tests and
// the 100,000-node simulator run this very code.

/// Something the shell must do (`send`) or may report (`memberChanged`).
public enum GossipDirective: Sendable, Equatable {
    /// Send `message` to `to` (its advertised address).
    case send(GossipMessage, to: PeerAddress)
    /// This node's view of a member changed.
    case memberChanged(MemberChange)
}

/// A change in this node's view of one member.
public struct MemberChange: Sendable, Equatable {
    /// The member.
    public var member: PeerAddress
    /// Its generation after the change.
    public var generation: UInt64
    /// Its incarnation after the change.
    public var incarnation: UInt32
    /// The status before; nil when the member was not known.
    public var previous: MemberStatus?
    /// The status after; nil when the member was forgotten (its death certificate expired).
    public var current: MemberStatus?
}

/// One member as this node sees it.
public struct MemberSnapshot: Sendable, Equatable {
    /// The member's advertised address.
    public var address: PeerAddress
    /// Its process generation.
    public var generation: UInt64
    /// Its incarnation.
    public var incarnation: UInt32
    /// Alive, suspect or dead.
    public var status: MemberStatus
    /// Whether it is one of this node's aggregation partners.
    public var isPartner: Bool
}

/// What the instance dropped or did, for a node's status output and for tests.
public struct GossipCounters: Sendable, Equatable {
    /// Messages handed to `receive`.
    public var messagesReceived = 0
    /// Messages dropped whole: from this node itself, from a port-0 sender, or from an older generation of the
    /// sender than one already seen.
    public var messagesIgnored = 0
    /// Piggybacked updates dropped as malformed (port 0, a suspicion without accuser).
    public var updatesRejected = 0
    /// Aggregation payloads dropped as malformed (non-finite or absurd numbers, extrema out of range).
    public var aggregationRejected = 0
    /// Aggregation payloads not used: another epoch, a repeated or older link sequence, another generation of
    /// this node, a sender not alive here, no link and none allowed.
    public var aggregationIgnored = 0
    /// Suspicions or deaths of this node refuted by raising its incarnation.
    public var refutations = 0
    /// Probes that got no ack in their period.
    public var probesFailed = 0
    /// Pings a partner promised (`GossipMessage.nextPingIn`) that did not come in time: each one probes the partner.
    public var latePings = 0
    /// Readings not aggregated because they were outside their channel's physical range or not finite.
    public var readingsRejected = 0
}

/// One channel's network-wide estimate at this node.
public struct ChannelEstimate: Sendable, Equatable {
    /// Mean of the readings; nil while no reading has reached this node's estimate.
    public var average: Double?
    /// Population variance of the readings.
    public var variance: Double?
    /// How many nodes report the channel; nil until the leader's weight has reached this node.
    public var count: Double?
    /// Sum of the readings; nil like `count`.
    public var sum: Double?
    /// Lowest reading known and not aged out.
    public var minimum: Double?
    /// Highest reading known and not aged out.
    public var maximum: Double?
    /// Relative change of average and count over the last protocol period (infinite when one was unknown).
    public var relativeChange: Double
    /// Whether the change has stayed below the tolerance for the configured number of periods.
    public var isConverged: Bool
}

/// Every estimate at this node.
public struct AggregateEstimate: Sendable, Equatable {
    /// The aggregation epoch the estimates belong to.
    public var epoch: UInt32
    /// Nodes in the network (1 / the average leader weight); nil until the leader's weight has arrived.
    public var networkSize: Double?
    /// Whether the network size has settled.
    public var networkSizeIsConverged: Bool
    /// Temperature (°C).
    public var temperature: ChannelEstimate
    /// Relative humidity (%RH).
    public var humidity: ChannelEstimate
    /// Pressure (Pa).
    public var pressure: ChannelEstimate
    /// The node whose weight the counts rest on.
    public var leader: PeerAddress

    /// The estimate of `channel`.
    public subscript(channel: AggregationChannel) -> ChannelEstimate {
        switch channel {
        case .temperature: temperature
        case .humidity: humidity
        case .pressure: pressure
        }
    }
}

struct Probe: Sendable {
    var target: PeerAddress
    /// The target's position in the member table when the probe started (a hint: checked before use).
    var targetPosition: Int
    var sequence: UInt32
    var directDeadline: Duration
    var deadline: Duration
    /// Whether the ping carried an aggregation request (a reply then completes the exchange).
    var exchangesAggregation: Bool
    /// When the next turn's ping to the target is due, if the ping promised it (the retry repeats the promise).
    var promisedTurn: Duration?
    var isIndirect = false
    /// The target sent this node a message while the probe ran: it is alive, whatever became of the ping or its ack.
    var heardFromTarget = false
    var nacksExpected = 0
    /// Intermediaries that reported the target silent: independent confirmations when the probe fails.
    var nackers: [PeerAddress] = []
}

/// A probe out of turn, by reason; the queue keeps accusations last (taken first), then repairs, then hearsay.
struct UrgentProbe: Sendable {
    enum Reason: Sendable {
        /// This node suspects the member: each period it asks again, so that a refutation can come back.
        case accusation
        /// The last aggregation exchange with the member went unanswered.
        case repair
        /// Others suspect the member, or declared an older incarnation dead.
        case hearsay
    }

    var member: PeerAddress
    var reason: Reason
}

/// A turn's ping sent while a probe ran: its aggregation exchange is repaired if no reply completes it in time.
struct UntrackedTurn: Sendable {
    var peer: PeerAddress
    var sequence: UInt32
    var deadline: Duration
}

struct Relay: Sendable {
    var requester: PeerAddress
    var requesterSequence: UInt32
    var target: PeerAddress
    var sequence: UInt32
    var nackDeadline: Duration
}

struct Suspicion: Sendable {
    var member: PeerAddress
    /// When this node itself accused the member; nil while it only heard others' suspicions.
    var accusedAt: Duration?
    /// When this node declares the member dead; never while it has not accused the member itself.
    var deadline: Duration
    var accusers: [PeerAddress]
    /// This node's own probe failed twice over (the ping and its retry): one confirmation beyond the accusers.
    var ownRetryFailed = false
    /// This node's own probes of the member that failed since the suspicion began, the intermediaries they asked
    /// and how many of those reported the member silent: a death needs this evidence to be strong enough
    /// (`isProven`) as well as Lifeguard's timeout.
    var failedProbes = 0
    var helpersAsked = 0
    var nacks = 0

    /// Lifeguard's C: independent confirmations beyond the first accusation.
    var confirmations: Int { accusers.count - 1 + (ownRetryFailed ? 1 : 0) }
}

struct PendingBroadcast: Sendable {
    var update: MembershipUpdate
    var transmissions: Int
    /// A death or a return from death: pushed to random members every gossip interval, not only piggybacked.
    var isUrgent: Bool
    /// `scanKey` of the member, for the search that replaces an older update about it.
    var memberKey: UInt64
}

struct DeathCertificate: Sendable {
    var member: PeerAddress
    var issued: Duration
    /// Whether the member's aggregation link and leadership have been given up (after the grace period).
    var contributionRemoved = false
}

/// A configuration held by reference, so that instances do not each carry its two hundred bytes.
final class SharedConfiguration: Sendable {
    let value: GossipConfiguration

    init(_ value: GossipConfiguration) {
        self.value = value
    }
}

/// One node's membership (SWIM with Lifeguard) and aggregation (Flow Updating) state machine.
///
/// Drive it with `tick(now:into:)` whenever `nextWakeUp` has come (or more often), `receive(_:now:into:)` for every
/// decoded datagram, and `setReadings` when the sensors give new values; carry out the `send` directives it appends.
/// `now` is any monotonic clock's reading since an arbitrary origin. Every input is validated: a hostile message can
/// make the node believe lies its key allowed, but never crash it.
public struct GossipInstance: Sendable {
    // Stored properties in the order a message touches them: the simulator holds 100,000 instances, and each
    // message costs mostly the cache lines of its node, so what every message needs comes first.

    /// This node's advertised address (its identity).
    public let address: PeerAddress
    /// This process's generation: higher than any earlier process at this address (e.g. start time in ms).
    public let generation: UInt64
    /// This node's incarnation, raised to refute suspicion.
    public private(set) var incarnation: UInt32 = 0
    /// Lifeguard's local health multiplier score (0 healthy … `localHealthMaximum` − 1); timeouts scale by score + 1.
    public private(set) var localHealth = 0
    /// Share of first pings to members that proved alive left unanswered before the direct timeout: 1 − (1 − l)²
    /// for per-datagram loss l. A failed probe counts once the member proves alive (a refutation, a later answer),
    /// never when it dies, so crashes do not pass for loss. It starts as a mean over `lossPriorSamples` imagined
    /// probes at 0.5 (about 30 % loss: a new node is slow to accuse), then follows the last
    /// `lossWindow` probes or so.
    public private(set) var directProbeLoss = 0.5
    /// Probes folded into `directProbeLoss` so far, up to `lossWindow`.
    var lossSamples: UInt8 = 0
    static let lossPriorSamples = 4
    static let lossWindow = 64
    /// The earliest time `tick` has something to do.
    public private(set) var nextWakeUp: Duration
    var table = MemberTable()
    var probe: Probe?
    var broadcasts: [PendingBroadcast] = []
    var certificates: [DeathCertificate] = []
    /// Which certificate the next message carries beyond the queued updates (`piggyback`), in turn.
    var certificateCursor = 0
    var aggregation: FlowUpdatingState
    var nextProbeAt: Duration
    var probeSequence: UInt32 = 0
    var random: SeededRandom
    var suspicions: [Suspicion] = []
    var relays: [Relay] = []
    var urgentProbes: [UrgentProbe] = []
    /// Whether this period's queued probe went out at the half period (or found the last probe still running).
    var halfPeriodServed = false
    /// No link expects a ping before this (a lower bound: expectations met since are not searched out).
    var earliestExpectation: Duration?
    /// Turns handed out so far: the last place given in the turn order.
    var turnsQueued: UInt64 = 0
    /// Turns' pings sent while a probe ran, until a reply completes their exchange or they are repaired.
    var untrackedTurns: [UntrackedTurn] = []
    static let maximumUrgentProbes = 32
    /// The last members whose refusals closed a link here (`partnerRefused(at:)`), newest last: not chosen again.
    var refusers: [PeerAddress] = []
    static let refusalsBeforeUnlinking = 2
    static let rememberedRefusers = 8
    var nextGossipAt: Duration
    var nextDeadRetryAt: Duration
    var nextSeedRetryAt: Duration
    var seeds: [PeerAddress]
    var hasPendingSeeds: Bool
    /// What was dropped or done.
    public private(set) var counters = GossipCounters()
    /// Immutable, and shared by every node of a simulation.
    private let settings: SharedConfiguration

    /// The knobs.
    public var configuration: GossipConfiguration { settings.value }

    /// A node that has just started at `now`.
    ///
    /// - Parameters:
    ///   - seeds: addresses to join through; they are pinged until they are alive members.
    ///   - randomSeed: the seed of every random choice the node makes.
    public init(address: PeerAddress, generation: UInt64, configuration: GossipConfiguration = .init(),
                seeds: [PeerAddress] = [], randomSeed: UInt64, now: Duration) {
        self.init(address: address, generation: generation, settings: SharedConfiguration(configuration),
                  seeds: seeds, randomSeed: randomSeed, now: now)
    }

    /// A node whose configuration object is shared with others (the simulator's 100,000 nodes read one copy, which
    /// stays in cache, instead of one each).
    init(address: PeerAddress, generation: UInt64, settings: SharedConfiguration, seeds: [PeerAddress],
         randomSeed: UInt64, now: Duration) {
        self.settings = settings
        let configuration = settings.value
        self.address = address
        self.generation = generation
        self.seeds = seeds.filter { $0 != address && $0.port != 0 }
        hasPendingSeeds = !self.seeds.isEmpty
        random = SeededRandom(seed: randomSeed)
        aggregation = FlowUpdatingState(owner: address, maximumAge: configuration.extremumMaximumAge,
                                        leaderMaximumAge: configuration.leaderMaximumAge,
                                        ranges: configuration.channelRanges)
        // A random phase within the first period, so that nodes started together do not probe in lockstep.
        let phase = Double(random.index(below: 1 << 20)) / Double(1 << 20)
        nextProbeAt = now + configuration.protocolPeriod * phase
        nextGossipAt = now
        nextDeadRetryAt = now + configuration.deadMemberRetryInterval
        nextSeedRetryAt = now
        nextWakeUp = now
    }

    // MARK: inputs

    /// New sensor readings (°C, %RH, Pa); a missing channel, or one outside its physical range, is not aggregated.
    public mutating func setReadings(temperatureCelsius: Double?, relativeHumidityPercent: Double?,
                                     pressurePascals: Double?) {
        let ranges = configuration.channelRanges
        func accepted(_ value: Double?, _ range: ClosedRange<Double>) -> Double? {
            guard let value else { return nil }
            guard range.contains(value) else {
                counters.readingsRejected += 1
                return nil
            }
            return value
        }
        aggregation.setReadings(temperature: accepted(temperatureCelsius, ranges.temperatureCelsius),
                                humidity: accepted(relativeHumidityPercent, ranges.relativeHumidityPercent),
                                pressure: accepted(pressurePascals, ranges.pressurePascals))
    }

    /// Adds a member as if it had been heard alive (a bootstrap list, or the simulator's initial views).
    public mutating func addMember(_ member: PeerAddress, generation memberGeneration: UInt64,
                                   incarnation memberIncarnation: UInt32 = 0, now: Duration) {
        guard member != address, member.port != 0, table.position(of: member) == nil else { return }
        table.append(Member(address: member, generation: memberGeneration, incarnation: memberIncarnation,
                            status: .alive, statusSince: now))
    }

    /// Room for `members` members and `links` aggregation links, allocated now (the simulator builds 100,000 nodes and
    /// wants each node's buffers next to each other).
    mutating func reserveCapacity(members: Int, links: Int) {
        table.reserveCapacity(members)
        aggregation.reserveLinks(links)
    }

    /// Starts a new aggregation epoch: every flow restarts from zero here, and at each node that hears of it.
    public mutating func restartAggregation() {
        aggregation.restart(epoch: aggregation.epoch &+ 1)
    }

    /// Handles time passing: probe deadlines, suspicion timeouts, expired certificates, the next probe, gossip and
    /// retries. Appends what to send to `directives`.
    public mutating func tick(now: Duration, into directives: inout [GossipDirective]) {
        if let earliest = earliestExpectation, now >= earliest { raiseAlarms(now: now) }
        if var current = probe {
            if !current.isIndirect, now >= current.directDeadline, now < current.deadline {
                current.isIndirect = true
                current.nacksExpected = sendIndirectProbes(for: current, now: now, into: &directives)
                probe = current
            }
            if now >= current.deadline {
                probe = nil
                if current.heardFromTarget {
                    answeredByContact(current)
                } else {
                    probeFailed(current, now: now, into: &directives)
                }
            }
        }
        if !relays.isEmpty { expireRelays(now: now, into: &directives) }
        if !untrackedTurns.isEmpty { expireUntrackedTurns(now: now) }
        if !suspicions.isEmpty { expireSuspicions(now: now, into: &directives) }
        if !certificates.isEmpty { expireCertificates(now: now, into: &directives) }
        if now >= nextProbeAt {
            periodElapsed(now: now)
            if !certificates.isEmpty { pingTheDeadInGrace(into: &directives) }
            // A member this node accused goes before the turn (its refutation, or the evidence of its death, is
            // due), and the turn's ping then goes untracked.
            if hasPendingAccusation { startQueuedProbe(now: now, into: &directives) }
            takeTurn(now: now, into: &directives)
            nextProbeAt = now + configuration.protocolPeriod
            halfPeriodServed = false
        } else if probe == nil, hasPendingAccusation {
            startQueuedProbe(now: now, into: &directives)
        } else if !urgentProbes.isEmpty, !halfPeriodServed, now >= halfPeriod {
            // Repairs and hearsay wait for the half period, and are skipped for a period when the turn's probe
            // still runs then: the turns are never given up.
            halfPeriodServed = true
            startQueuedProbe(now: now, into: &directives)
        }
        if now >= nextGossipAt, hasUrgentBroadcasts {
            gossip(into: &directives)
            nextGossipAt = now + configuration.gossipInterval
        }
        if !certificates.isEmpty, now >= nextDeadRetryAt {
            let certificate = certificates[random.index(below: certificates.count)]
            if let position = table.position(of: certificate.member) {
                pingTheDead(at: position, into: &directives)
            }
            nextDeadRetryAt = now + configuration.deadMemberRetryInterval
        }
        if hasPendingSeeds, now >= nextSeedRetryAt {
            retrySeeds(into: &directives)
            nextSeedRetryAt = now + configuration.seedRetryInterval
        }
        scheduleWakeUp(now: now)
    }

    /// Handles one decoded message. Appends replies and anything it triggers to `directives`.
    public mutating func receive(_ message: GossipMessage, now: Duration, into directives: inout [GossipDirective]) {
        counters.messagesReceived += 1
        let sender = message.sender
        let probeWasRunning = probe != nil
        guard sender != address, sender.port != 0 else {
            counters.messagesIgnored += 1
            return
        }
        var senderPosition: Int?
        if let probe, probe.target == sender, let position = position(of: probe) {
            senderPosition = position // the answer to our probe: no search
        } else {
            senderPosition = table.position(of: sender)
        }
        if let position = senderPosition {
            let known = table[position]
            if known.generation > message.senderGeneration {
                counters.messagesIgnored += 1 // a datagram from the sender's previous process
                return
            }
            if known.generation != message.senderGeneration || known.incarnation < message.senderIncarnation {
                apply(MembershipUpdate(member: sender, generation: message.senderGeneration,
                                       incarnation: message.senderIncarnation, status: .alive),
                      direct: true, now: now, into: &directives)
            }
        } else {
            apply(MembershipUpdate(member: sender, generation: message.senderGeneration,
                                   incarnation: message.senderIncarnation, status: .alive),
                  direct: true, now: now, into: &directives)
            senderPosition = table.position(of: sender)
        }
        if let position = senderPosition, table[position].link >= 0 {
            let link = Int(table[position].link)
            aggregation.heard(onLinkAt: link)
            // Heard from around the time it promised a ping (or later): alive, whatever became of that ping.
            if let expected = aggregation.links[link].expectedBy, now >= expected - configuration.promiseSlack * 2 {
                aggregation.setExpectedBy(nil, ofLinkAt: link)
            }
        }
        if let index = suspicions.firstIndex(where: { $0.member == sender && $0.accusedAt != nil }) {
            // The suspect itself wrote: whatever failed before, it is alive now, so that evidence proves nothing.
            // The suspicion stands (only the suspect's refutation clears it, and the reply to this message tells it)
            // and only probes that fail from now on count toward a death.
            suspicions[index].failedProbes = 0
            suspicions[index].helpersAsked = 0
            suspicions[index].nacks = 0
        }
        let incarnationBefore = incarnation
        var accusers: [PeerAddress] = []
        var senderHoldsRefutedDeath = false
        for update in message.membership {
            guard update.member.port != 0, update.status != .suspect || update.accuser != nil else {
                counters.updatesRejected += 1
                continue
            }
            if update.member == address, update.status == .dead, update.generation == generation,
               update.incarnation < incarnationBefore {
                senderHoldsRefutedDeath = true
            }
            apply(update, direct: false, now: now, into: &directives)
            if update.member == address, let accuser = update.accuser, accuser != sender, accuser != address,
               !accusers.contains(accuser) {
                accusers.append(accuser)
            }
        }
        if incarnation != incarnationBefore {
            // Refuted: tell the sender and the accusers at once (the refutation also rides on every message from now
            // on). The sender hears it in a datagram of its own even when an ack is about to carry it too: that
            // sender is usually the accuser re-probing, and a lost ack then left a live member to be declared dead
            // (1,000 nodes at 10 % loss, seed 3: the refutation reached its accuser by gossip only after its death).
            send(.gossip, to: sender, at: senderPosition, into: &directives)
            for accuser in accusers.prefix(3) { send(.gossip, to: accuser, into: &directives) }
        } else if senderHoldsRefutedDeath {
            // The sender still holds this node dead at an incarnation it has refuted: the refutation has not reached
            // it, and a declarer that does not hear it within the grace drops the link's flow from the sums. Tell it
            // again in a datagram of its own, not only in the ack. Seen at 10,000 nodes and 30 % loss (seed 1): the
            // five acks that carried it were lost, and the link was dropped 0.2 s before the next one arrived.
            send(.gossip, to: sender, at: senderPosition, into: &directives)
        }
        switch message.kind {
        case .ping(let sequence):
            let reply = message.aggregation.flatMap {
                aggregate($0, of: message, senderPosition: senderPosition, isRequest: true, now: now)
            }
            if let nextPingIn = message.nextPingIn, let position = senderPosition {
                expectPing(fromMemberAt: position, after: nextPingIn, now: now)
            }
            let nextPingIn = senderPosition.flatMap { nextTurnDue(toMemberAt: $0) }.map { $0 - now }
            send(.ack(sequence: sequence), to: sender, at: senderPosition, aggregation: reply, nextPingIn: nextPingIn,
                 into: &directives)
        case .ack(let sequence):
            if let nextPingIn = message.nextPingIn, let position = senderPosition {
                expectPing(fromMemberAt: position, after: nextPingIn, now: now)
            }
            if message.aggregation != nil, !untrackedTurns.isEmpty {
                untrackedTurns.removeAll { $0.sequence == sequence && $0.peer == sender }
            }
            if let payload = message.aggregation {
                correct(aggregate(payload, of: message, senderPosition: senderPosition, isRequest: false, now: now),
                        to: sender, at: senderPosition, into: &directives)
            }
            acknowledged(sequence: sequence, by: sender, carriedAggregation: message.aggregation != nil,
                         into: &directives)
        case .pingRequest(let sequence, let target):
            relayProbe(to: target, for: sender, sequence: sequence, now: now, into: &directives)
        case .nack(let sequence):
            if probe?.sequence == sequence, probe?.nackers.contains(sender) == false { probe?.nackers.append(sender) }
        case .gossip:
            if let payload = message.aggregation {
                correct(aggregate(payload, of: message, senderPosition: senderPosition, isRequest: false, now: now),
                        to: sender, at: senderPosition, into: &directives)
            }
        }
        if probe?.target == sender {
            // Any message from the target shows it alive, a ping crossing ours, say, while our ping or its ack was
            // lost: the probe cannot fail any more. It still waits for its own ack (which measures loss and
            // completes the aggregation exchange), but asks no relay to speak for a member that spoke for itself.
            probe?.heardFromTarget = true
        }
        if probeWasRunning, probe == nil {
            scheduleWakeUp(now: now) // the probe's deadlines are gone: no tick for them
        } else {
            lowerWakeUp(now: now)
        }
    }

    /// `tick(now:into:)` returning the directives (for shells that do not keep a buffer).
    public mutating func tick(now: Duration) -> [GossipDirective] {
        var directives: [GossipDirective] = []
        tick(now: now, into: &directives)
        return directives
    }

    /// `receive(_:now:into:)` returning the directives.
    public mutating func receive(_ message: GossipMessage, now: Duration) -> [GossipDirective] {
        var directives: [GossipDirective] = []
        receive(message, now: now, into: &directives)
        return directives
    }

    // MARK: outputs

    /// Every member this node knows, with its status.
    public var members: [MemberSnapshot] {
        table.members.map { snapshot(of: $0) }
    }

    /// What this node knows about `member`, if anything.
    public func member(_ member: PeerAddress) -> MemberSnapshot? {
        table.position(of: member).map { snapshot(of: table[$0]) }
    }

    /// This node's aggregation partners.
    public var partners: [PeerAddress] {
        aggregation.links.map(\.peer)
    }

    /// The network-wide estimates at this node.
    public var aggregates: AggregateEstimate {
        let state = aggregation
        let estimate = state.estimate
        let size = estimate.leaderWeight > 0 ? 1 / estimate.leaderWeight : nil
        let needed = configuration.convergencePeriods
        func channel(_ channel: AggregationChannel, _ track: ConvergenceTrack) -> ChannelEstimate {
            let moments = estimate[channel]
            let mean = moments.count > 0 ? moments.shiftedSum / moments.count : nil
            let count = size.map { moments.count * $0 }
            return ChannelEstimate(
                average: mean.map { $0 + channel.reference },
                variance: mean.map { Swift.max(0, moments.shiftedSumOfSquares / moments.count - $0 * $0) },
                count: count,
                sum: size.map { (moments.shiftedSum + channel.reference * moments.count) * $0 },
                minimum: state.extrema.extremum(channel, maximum: false).value,
                maximum: state.extrema.extremum(channel, maximum: true).value,
                relativeChange: track.relativeChange, isConverged: track.settledPeriods >= needed)
        }
        return AggregateEstimate(
            epoch: state.epoch, networkSize: size, networkSizeIsConverged: state.networkSizeTrack.settledPeriods >= needed,
            temperature: channel(.temperature, state.temperatureTrack), humidity: channel(.humidity, state.humidityTrack),
            pressure: channel(.pressure, state.pressureTrack), leader: state.leader)
    }

    /// The raw averaged vector (input minus flows), for invariant checks.
    public var aggregationEstimate: AggregationVector { aggregation.estimate }

    /// This node's input to the averages: its readings' moments and, at the leader, the unit weight.
    public var aggregationInput: AggregationVector { aggregation.input }

    /// Cumulative flow to each partner, for invariant checks (`Σ estimates + Σ flows = Σ inputs`).
    public var aggregationFlows: [(peer: PeerAddress, flow: AggregationVector)] {
        aggregation.links.map { ($0.peer, $0.flow) }
    }

    func snapshot(of member: Member) -> MemberSnapshot {
        MemberSnapshot(address: member.address, generation: member.generation, incarnation: member.incarnation,
                       status: member.status, isPartner: member.link >= 0)
    }
}

// MARK: - Membership

extension MemberStatus {
    /// Among facts of the same incarnation: dead beats suspect beats alive (SWIM §4.2).
    var precedence: Int { Int(rawValue) }
}

extension GossipInstance {
    /// Applies one membership fact; returns whether it changed this node's view (and so was queued to spread).
    @discardableResult
    mutating func apply(_ update: MembershipUpdate, direct: Bool, now: Duration,
                        into directives: inout [GossipDirective]) -> Bool {
        if update.member == address { return refuteIfNeeded(update) }
        guard let position = table.position(of: update.member) else {
            // A stranger's suspicion or death is not this node's to track; a live stranger joins.
            guard update.status == .alive,
                  direct || (configuration.learnsMembersFromGossip && table.count < configuration.memberCapacity)
            else { return false }
            table.append(Member(address: update.member, generation: update.generation,
                                incarnation: update.incarnation, status: .alive, statusSince: now))
            directives.append(.memberChanged(MemberChange(member: update.member, generation: update.generation,
                                                          incarnation: update.incarnation, previous: nil,
                                                          current: .alive)))
            // With a full view a stranger is news (a join); with a partial one it is only someone else's view.
            if configuration.memberCapacity == Int.max { enqueue(update) }
            return true
        }
        let known = table[position]
        if update.generation < known.generation { return false }
        if update.generation == known.generation {
            let newer = update.incarnation > known.incarnation
                || (update.incarnation == known.incarnation && update.status.precedence > known.status.precedence)
            guard newer else {
                if update.status == .suspect, known.status == .suspect, update.incarnation == known.incarnation,
                   let accuser = update.accuser, confirmSuspicion(of: update.member, by: accuser, now: now) {
                    enqueue(update)
                    return true
                }
                if update.status == .dead, known.status != .dead {
                    // Someone declared an older incarnation dead: see for ourselves (nobody else may probe it).
                    requestProbe(of: update.member, accusedHere: false)
                }
                return false
            }
        } else {
            // A new process at this address: whatever flowed to the old one leaves the sums.
            dropLink(ofMemberAt: position)
        }
        let wasDead = known.status == .dead && update.generation == known.generation
        setStatus(of: position, to: update, now: now, into: &directives)
        enqueue(update, urgent: wasDead)
        return true
    }

    /// A suspicion or death of this node, at its generation and current incarnation or later, is refuted by a
    /// higher incarnation (SWIM §4.2); Lifeguard counts it against local health.
    private mutating func refuteIfNeeded(_ update: MembershipUpdate) -> Bool {
        guard update.generation == generation, update.status != .alive, update.incarnation >= incarnation else {
            return false
        }
        incarnation = update.incarnation &+ 1
        counters.refutations += 1
        raiseLocalHealth()
        enqueue(MembershipUpdate(member: address, generation: generation, incarnation: incarnation, status: .alive),
                urgent: update.status == .dead)
        return true
    }

    private mutating func setStatus(of position: Int, to update: MembershipUpdate, now: Duration,
                                    into directives: inout [GossipDirective]) {
        let previous = table[position]
        table[position].generation = update.generation
        table[position].incarnation = update.incarnation
        table[position].status = update.status
        table[position].statusSince = now
        let member = previous.address
        if previous.status == .suspect || update.status != .suspect,
           let index = suspicions.firstIndex(where: { $0.member == member }) {
            // A suspect that refuted was alive all along: its failed probes were loss. A death, or a new process at
            // the address, leaves them out.
            if update.status != .dead, update.generation == previous.generation {
                recordFirstPings(answered: false, count: suspicions[index].failedProbes)
            }
            suspicions.remove(at: index)
        }
        if previous.status == .dead, update.status != .dead {
            certificates.removeAll { $0.member == member }
            addReconnectionPartner(at: position)
        }
        switch update.status {
        case .alive:
            break
        case .suspect:
            let accusers = update.accuser.map { [$0] } ?? []
            suspicions.append(Suspicion(member: member, accusedAt: nil, deadline: verificationTime(from: now),
                                        accusers: accusers))
            if update.accuser == address { startSuspicionTimer(ofSuspicionAt: suspicions.count - 1, now: now) }
            if table[position].link >= 0, probe?.target != member {
                requestProbe(of: member, accusedHere: false) // confirm or clear it ourselves, quickly
            }
        case .dead:
            // The member's contribution leaves the sums only after a grace period: a false death refuted in time
            // then costs nothing, where dropping at once would jolt every partner's estimate twice.
            certificates.append(DeathCertificate(member: member, issued: now))
            urgentProbes.removeAll { $0.member == member }
            // A probe of it still running has nothing left to learn: its indirect phase would only ask others to
            // ping the dead, and its failure would count against local health for no fault of this node's.
            if probe?.target == member { probe = nil }
        }
        directives.append(.memberChanged(MemberChange(member: member, generation: update.generation,
                                                      incarnation: update.incarnation, previous: previous.status,
                                                      current: update.status)))
    }

    /// Adds `accuser` to the suspicion of `member`; true when it is a new, independent confirmation, which shortens
    /// the timeout (Lifeguard §IV.B).
    private mutating func confirmSuspicion(of member: PeerAddress, by accuser: PeerAddress, now: Duration) -> Bool {
        guard let index = suspicions.firstIndex(where: { $0.member == member }) else { return false }
        if accuser == address, suspicions[index].accusedAt == nil {
            if !suspicions[index].accusers.contains(accuser) { suspicions[index].accusers.append(accuser) }
            startSuspicionTimer(ofSuspicionAt: index, now: now)
            return true
        }
        guard !suspicions[index].accusers.contains(accuser),
              suspicions[index].accusers.count <= configuration.suspicionConfirmations
        else { return false }
        suspicions[index].accusers.append(accuser)
        if accuser == address {
            startSuspicionTimer(ofSuspicionAt: index, now: now)
        } else if let accusedAt = suspicions[index].accusedAt {
            suspicions[index].deadline = accusedAt
                + suspicionTimeout(confirmations: suspicions[index].confirmations)
        }
        return true
    }

    /// This node's own probe failed: from now its timer runs, shortened by every other accuser (Lifeguard §IV.B).
    ///
    /// Only accusers time a suspicion out; a node that merely heard one waits for the death certificate or the
    /// refutation. SWIM has every node time out on hearsay, which under heavy loss turns suspicions whose
    /// refutation has not spread yet into false deaths; here a death needs a node whose own probes failed, and
    /// every member has partners that probe it (and that probe it at once on hearing it suspected).
    private mutating func startSuspicionTimer(ofSuspicionAt index: Int, now: Duration) {
        guard suspicions[index].accusedAt == nil else { return }
        suspicions[index].accusedAt = now
        suspicions[index].deadline = now + suspicionTimeout(confirmations: suspicions[index].confirmations)
    }

    /// When a node that only heard of a suspicion probes the member itself, if nothing has settled it by then:
    /// after the longest timeout an accuser could have.
    private func verificationTime(from now: Duration) -> Duration {
        now + suspicionTimeout(confirmations: 0)
    }

    /// Lifeguard's dynamic suspicion timeout: from β · Min down to Min = α · max(1, log10 n) periods as
    /// independent confirmations C arrive, by Max − (Max − Min) · log(C + 1) / log(K + 1); and never shorter than
    /// the re-probes the loss calls for. The timer starts when the first probe has already failed (on the
    /// defaults 0.8 to 1 period after it began, as local health stretches it), so those re-probes take at most
    /// `reprobePeriods` − 1 periods more (counting the first probe again held deaths at 10 % loss to about two
    /// periods after the accusation, when the second failed probe comes after one).
    func suspicionTimeout(confirmations: Int) -> Duration {
        let members = Double(table.count + 1)
        let minimum = configuration.suspicionMultiplier * Swift.max(1, decimalLogarithm(members))
        let maximum = configuration.suspicionMaximumMultiplier * minimum
        // With few members, fewer independent accusers exist (memberlist caps K at n − 2).
        let expected = Swift.min(configuration.suspicionConfirmations, Swift.max(0, table.count - 1))
        var periods = minimum
        if expected > 0, confirmations < expected {
            let fraction = naturalLogarithm(Double(confirmations) + 1) / naturalLogarithm(Double(expected) + 1)
            periods = Swift.max(minimum, maximum - (maximum - minimum) * fraction)
        }
        return configuration.protocolPeriod * Swift.max(periods, reprobePeriods - 1)
    }

    /// Periods of re-probing after which a live member, under the loss this node observes, would have answered at
    /// least once except with probability `falseSuspicionTolerance`.
    ///
    /// Lifeguard's timeout is in fixed periods; under heavy loss a live member can miss several probes in a row.
    /// With per-datagram loss l, a direct ping and its ack arrive with d = (1 − l)², a whole probe (ping, retry, k
    /// relayed paths of four datagrams) fails with p = (1 − d)² · (1 − (1 − l)⁴)^k, and n periods of re-probes all
    /// fail with pⁿ. This node measures 1 − d directly (`directProbeLoss`). At 10 % loss p ≈ 1.5e-3 (two probes),
    /// at 30 % p ≈ 0.11 (six: 5.3 rounded up).
    ///
    /// The measurement is counted over every probe of a live member, not only the successful ones: the share of
    /// successful probes whose first ping went unanswered, 1 − d / (1 − p), barely moves between 25 % and 40 % loss
    /// (0.40 to 0.51), so its sampling noise at 30 % loss sent the count from six down to two to four, and made
    /// false deaths a hundred times likelier than the tolerance.
    var reprobePeriods: Double {
        let direct = directDelivery
        guard direct < 1 else { return 0 }
        let failure = probeFailure(direct: direct, helpers: configuration.indirectProbeCount)
        guard failure > 0, failure < 1 else { return failure >= 1 ? Double(Int16.max) : 0 }
        return naturalLogarithm(configuration.falseSuspicionTolerance) / naturalLogarithm(failure)
    }

    /// d: the chance that a direct ping and its ack both arrive, 1 − `directProbeLoss`.
    private var directDelivery: Double { 1 - Swift.min(Swift.max(directProbeLoss, 0), 1) }

    /// The chance that a live member fails a probe that asked `helpers` intermediaries: its direct pings (the
    /// first and, with `retriesDirectProbe`, the retry) go unanswered, 1 − d each, and so does every relayed path
    /// of four datagrams, 1 − d² each.
    private func probeFailure(direct: Double, helpers: Int) -> Double {
        var failure = configuration.retriesDirectProbe ? (1 - direct) * (1 - direct) : 1 - direct
        for _ in 0..<helpers { failure *= 1 - direct * direct }
        return failure
    }

    private mutating func expireSuspicions(now: Duration, into directives: inout [GossipDirective]) {
        // A suspicion only heard of and still unsettled: a partner is probed now (this node becomes an accuser if
        // that fails too), and again each time the timer runs out. Any other member is probed once: the news of
        // the suspicion's end (a refutation, a death) should have come by now, so it was lost on its way here, and
        // the member's answer, or its silence, settles it. Seen at 200 nodes and 10 % loss: a non-partner that
        // missed a refutation still held the member suspect ten periods on, and nothing else would have cleared it.
        var settled: [PeerAddress] = []
        for index in suspicions.indices where suspicions[index].accusedAt == nil && now >= suspicions[index].deadline {
            let member = suspicions[index].member
            guard let position = table.position(of: member) else {
                settled.append(member)
                continue
            }
            requestProbe(of: member, accusedHere: false)
            if table[position].link >= 0 {
                suspicions[index].deadline = verificationTime(from: now)
            } else {
                settled.append(member)
            }
        }
        if !settled.isEmpty { suspicions.removeAll { $0.accusedAt == nil && settled.contains($0.member) } }
        let expired = suspicions.filter { $0.accusedAt != nil && now >= $0.deadline && isProven($0) }
        guard !expired.isEmpty else { return }
        suspicions.removeAll { suspicion in expired.contains { $0.member == suspicion.member } }
        for suspicion in expired {
            guard let position = table.position(of: suspicion.member), table[position].status == .suspect else {
                continue
            }
            let member = table[position]
            let death = MembershipUpdate(member: member.address, generation: member.generation,
                                         incarnation: member.incarnation, status: .dead)
            setStatus(of: position, to: death, now: now, into: &directives)
            enqueue(death)
        }
    }

    /// Pings, once a period, each dead member whose contribution is still in the sums here (a partner, or the
    /// leader): the ping carries the death, so a member declared dead by mistake learns of it and refutes before
    /// the grace period ends, instead of when a random dead-member retry happens to pick it. Without this, 10,000
    /// nodes at 30 % loss dropped a live partner's contribution twice in 80 periods, and each time the worst
    /// node's average jumped from below 1e-6 to 4e-3.
    private mutating func pingTheDeadInGrace(into directives: inout [GossipDirective]) {
        for certificate in certificates where !certificate.contributionRemoved {
            guard let position = table.position(of: certificate.member),
                  table[position].link >= 0 || certificate.member == aggregation.leader else { continue }
            pingTheDead(at: position, into: &directives)
        }
    }

    /// A ping to a member believed dead, carrying that belief and nothing else: a live member refutes it, and
    /// piggybacked news would spend its few transmissions (and the death's own) on a node that is most likely
    /// gone.
    private mutating func pingTheDead(at position: Int, into directives: inout [GossipDirective]) {
        let member = table[position]
        guard member.status == .dead else { return }
        probeSequence &+= 1
        let message = GossipMessage(
            sender: address, senderGeneration: generation, senderIncarnation: incarnation,
            receiverGeneration: member.generation, kind: .ping(sequence: probeSequence), membership: [member.update],
            aggregation: nil)
        directives.append(.send(message, to: member.address))
    }

    private mutating func expireCertificates(now: Duration, into directives: inout [GossipDirective]) {
        let grace = configuration.deadContributionGrace
        for index in certificates.indices
        where !certificates[index].contributionRemoved && now >= certificates[index].issued + grace {
            certificates[index].contributionRemoved = true
            let member = certificates[index].member
            if let position = table.position(of: member), table[position].status == .dead {
                dropLink(ofMemberAt: position)
                aggregation.leaderDied(member)
            }
        }
        let lifetime = configuration.deathCertificateLifetime
        let expired = certificates.filter { now >= $0.issued + lifetime }
        guard !expired.isEmpty else { return }
        certificates.removeAll { now >= $0.issued + lifetime }
        for certificate in expired {
            guard let position = table.position(of: certificate.member), table[position].status == .dead else {
                continue
            }
            let member = table[position]
            table.remove(at: position)
            if position < table.count, table[position].link >= 0 {
                aggregation.setMemberPosition(position, ofLinkAt: Int(table[position].link))
            }
            broadcasts.removeAll { $0.update.member == member.address }
            directives.append(.memberChanged(MemberChange(member: member.address, generation: member.generation,
                                                          incarnation: member.incarnation, previous: .dead,
                                                          current: nil)))
        }
    }

    /// Queues an update for piggybacking, replacing any older one about the same member.
    mutating func enqueue(_ update: MembershipUpdate, urgent: Bool = false) {
        let key = update.member.scanKey
        let pending = PendingBroadcast(update: update, transmissions: 0, isUrgent: urgent || update.status == .dead,
                                       memberKey: key)
        if let index = broadcasts.firstIndex(where: { $0.memberKey == key && $0.update.member == update.member }) {
            broadcasts[index] = pending
        } else {
            broadcasts.append(pending)
        }
    }

    /// Whether a death or a return from death is waiting to be pushed.
    var hasUrgentBroadcasts: Bool { broadcasts.contains { $0.isUrgent } }

    /// λ · ⌈log10(n + 1)⌉ transmissions per update (memberlist's retransmit limit), n the members including this.
    var retransmitLimit: Int {
        var digits = 1
        var remaining = table.count + 1
        while remaining >= 10 {
            remaining /= 10
            digits += 1
        }
        return configuration.retransmitMultiplier * digits
    }

    /// Updates for a message to `target`, within the byte budget: first what this node believes about the target
    /// when that is not "alive" (so that it can refute at once), then queued updates about the target, then the
    /// least transmitted, then one of the deaths this node holds a certificate for.
    mutating func piggyback(for target: PeerAddress, targetPosition: Int?) -> [MembershipUpdate] {
        var budget = configuration.membershipByteBudget
        var chosen: [MembershipUpdate] = []
        if let targetPosition, table[targetPosition].status != .alive {
            var fact = table[targetPosition].update
            if fact.status == .suspect {
                // The first accuser this node knows of: the suspect answers this node anyway, and tells the
                // accuser too. Naming only the sender, a node re-probing a suspect it had heard of got the
                // refutation while the accuser, whose own probes kept failing, declared the death 0.2 periods
                // before the refutation reached it (1,000 nodes at 10 % loss, seed 9, round 275: 913 false
                // declarations).
                fact.accuser = suspicions.first { $0.member == fact.member }?.accusers.first ?? address
            }
            chosen.append(fact)
            budget -= fact.encodedSize
        }
        if !broadcasts.isEmpty { piggybackQueued(for: target, budget: &budget, into: &chosen) }
        if !certificates.isEmpty { piggybackCertificate(budget: budget, into: &chosen) }
        return chosen
    }

    /// A death keeps travelling through its grace period, one certificate per message in turn and in room the
    /// queued updates left. Its queued transmissions spread it to nearly every node, but a node that missed them
    /// all kept the member alive for good: nothing else tells it, and it never probes a member that is not its
    /// partner. 1,000 nodes at 10 % loss over 1,000 periods (seeds 1 to 12, five crashes each) left 2 of the 60
    /// crashed nodes alive in some view to the end of the run. Not for the whole life of the certificate: after a
    /// partition heals, the deaths each side declared long before would reach the nodes of the other side that
    /// always knew the member alive, and be refuted only after they had been taken as true.
    private mutating func piggybackCertificate(budget: Int, into chosen: inout [MembershipUpdate]) {
        for _ in 0..<certificates.count {
            certificateCursor = (certificateCursor + 1) % certificates.count
            guard !certificates[certificateCursor].contributionRemoved else { continue }
            let member = certificates[certificateCursor].member
            guard let position = table.position(of: member), table[position].status == .dead,
                  !chosen.contains(where: { $0.member == member }) else { return }
            let fact = table[position].update
            if fact.encodedSize <= budget { chosen.append(fact) }
            return
        }
    }

    /// The queued updates `piggyback` takes, within `budget`.
    private mutating func piggybackQueued(for target: PeerAddress, budget: inout Int,
                                          into chosen: inout [MembershipUpdate]) {
        let limit = retransmitLimit
        // Updates about the target first (it may need to refute them); then the least transmitted, found by a
        // histogram of transmission counts rather than a sort: this runs for every message.
        var histogram = [Int](repeating: 0, count: limit + 1)
        for index in broadcasts.indices {
            let pending = broadcasts[index]
            if pending.update.member == target {
                if let first = chosen.first, first.member == target, pending.update.status == first.status,
                   pending.update.incarnation == first.incarnation {
                    broadcasts[index].transmissions += 1 // already carried as the target's fact
                    continue
                }
                let size = pending.update.encodedSize
                guard size <= budget else { continue }
                budget -= size
                chosen.append(pending.update)
                broadcasts[index].transmissions += 1
            } else {
                histogram[Swift.min(pending.transmissions, limit)] += 1
            }
        }
        // The smallest count T such that the updates sent at most T times already fill the budget.
        let fitting = budget / MembershipUpdate.minimumEncodedSize
        var threshold = 0
        var upToThreshold = histogram[0]
        while threshold < limit, upToThreshold < fitting {
            threshold += 1
            upToThreshold += histogram[threshold]
        }
        // Counted once both passes are done: an update the first pass takes reaches the threshold, and the second
        // pass must not take it again (a message would carry it twice, and count a transmission never made).
        var taken: [Int] = []
        for pass in 0..<2 {
            for index in broadcasts.indices where broadcasts[index].update.member != target {
                let transmissions = broadcasts[index].transmissions
                guard pass == 0 ? transmissions < threshold : transmissions == threshold else { continue }
                let size = broadcasts[index].update.encodedSize
                guard size <= budget else { continue }
                budget -= size
                chosen.append(broadcasts[index].update)
                taken.append(index)
            }
        }
        for index in taken { broadcasts[index].transmissions += 1 }
        broadcasts.removeAll { $0.transmissions >= limit }
    }

    /// A message from this node, with piggybacked updates chosen for `target`.
    mutating func send(_ kind: GossipMessageKind, to target: PeerAddress, aggregation payload: AggregationPayload? = nil,
                       nextPingIn: Duration? = nil, into directives: inout [GossipDirective]) {
        send(kind, to: target, at: table.position(of: target), aggregation: payload, nextPingIn: nextPingIn,
             into: &directives)
    }

    /// `send` when the target's position in the member table is already known.
    mutating func send(_ kind: GossipMessageKind, to target: PeerAddress, at position: Int?,
                       aggregation payload: AggregationPayload? = nil, nextPingIn: Duration? = nil,
                       into directives: inout [GossipDirective]) {
        let message = GossipMessage(
            sender: address, senderGeneration: generation, senderIncarnation: incarnation,
            receiverGeneration: position.map { table[$0].generation } ?? 0, kind: kind,
            membership: piggyback(for: target, targetPosition: position), aggregation: payload,
            nextPingIn: nextPingIn)
        directives.append(.send(message, to: target))
    }

    /// Folds `count` probes of members known alive into `directProbeLoss`: a running mean (after the prior) until
    /// `lossWindow` probes, then a moving one over about that many (loss changes, and a new node must learn it).
    mutating func recordFirstPings(answered: Bool, count: Int = 1) {
        for _ in 0..<count {
            if lossSamples < Self.lossWindow { lossSamples += 1 }
            let weight = 1 / Double(Swift.min(Int(lossSamples) + Self.lossPriorSamples, Int(Self.lossWindow)))
            directProbeLoss += ((answered ? 0 : 1) - directProbeLoss) * weight
        }
    }

    mutating func raiseLocalHealth() {
        localHealth = Swift.min(localHealth + 1, Swift.max(0, configuration.localHealthMaximum - 1))
    }

    // MARK: probing

    /// The member's position when it may be probed (known and not dead).
    private func probeablePosition(_ member: PeerAddress) -> Int? {
        guard let position = table.position(of: member), table[position].status != .dead else { return nil }
        return position
    }

    /// Where the probe's target is in the member table, if its remembered position still holds it.
    private func position(of probe: Probe) -> Int? {
        probe.targetPosition < table.count && table[probe.targetPosition].address == probe.target
            ? probe.targetPosition : nil
    }

    /// The aggregation request for the member at `position`: its link's payload, when the link is to the member's
    /// current process.
    private func aggregationRequest(toMemberAt position: Int) -> AggregationPayload? {
        let link = Int(table[position].link)
        guard link >= 0, aggregation.links[link].peerGeneration == table[position].generation else { return nil }
        return aggregation.payload(onLinkAt: link)
    }

    /// Whether a member this node accused waits for its next probe (which then starts at once, out of period).
    var hasPendingAccusation: Bool { urgentProbes.last?.reason == .accusation }

    /// The half period: when a queued probe goes out, if the turn's probe is over.
    var halfPeriod: Duration { nextProbeAt - configuration.protocolPeriod / 2 }

    /// The period's probe. A node pings the partners it chose in turn, one a period, and each ping (its retry, and
    /// the ack to a ping from that partner) tells the partner when the next one to it is due
    /// (`GossipMessage.nextPingIn`), so that the partner can tell a crash from a turn not yet come: a partner whose
    /// promised ping is late probes this node at once (`raiseAlarms`). The turns go round the chosen partners
    /// (`nextTurn`). A turn is never given up: when the last probe still runs (an accusation's, a queued one), the
    /// turn's ping goes out untracked, with its promise and its aggregation request, and its exchange is repaired
    /// if no reply completes it (`expireUntrackedTurns`).
    ///
    /// A node that chose no partner probes the partner it heard from least recently, else any live member.
    ///
    /// Before promises, each member was probed when its turn came at each of its partners, in rounds the partners
    /// kept separately, so the wait for the first probe after a crash had a long tail: over 240 crashes of 1,000
    /// nodes at 10 % loss (seeds 1 to 48, five crashes each), 13 took more than five periods to be declared
    /// everywhere; with the promises none of 960 (README, "Turns and promises").
    private mutating func takeTurn(now: Duration, into directives: inout [GossipDirective]) {
        guard let (link, nextDue) = nextTurn(now: now) else {
            guard probe == nil, let (target, position) = leastRecentlyHeardTarget() else { return }
            startProbe(of: target, at: position, promisedTurn: nil, now: now, into: &directives)
            return
        }
        let peer = aggregation.links[link].peer
        let position = Int(aggregation.links[link].memberPosition)
        if probe == nil {
            startProbe(of: peer, at: position, promisedTurn: nextDue, now: now, into: &directives)
        } else {
            probeSequence &+= 1
            let payload = aggregationRequest(toMemberAt: position)
            send(.ping(sequence: probeSequence), to: peer, at: position, aggregation: payload,
                 nextPingIn: nextDue - now, into: &directives)
            if payload != nil {
                untrackedTurns.append(UntrackedTurn(peer: peer, sequence: probeSequence,
                                                    deadline: now + configuration.probeTimeout))
            }
        }
    }

    /// The chosen link (to a member not dead) whose turn is next, and when its next turn is due: after every other
    /// such link's, n periods from now for n of them. A new link, or one whose member comes back from the dead,
    /// joins at the end, so that the turns promised to the others still hold. One removed makes the others' turns
    /// come a period early, once.
    private mutating func nextTurn(now: Duration) -> (link: Int, nextDue: Duration)? {
        var turns = 0
        var first: Int?
        for index in aggregation.links.indices where aggregation.links[index].isChosen {
            guard table[Int(aggregation.links[index].memberPosition)].status != .dead else {
                if aggregation.links[index].turnOrder != 0 { aggregation.setTurnOrder(0, ofLinkAt: index) }
                continue
            }
            turns += 1
            if aggregation.links[index].turnOrder == 0 {
                turnsQueued += 1
                aggregation.setTurnOrder(turnsQueued, ofLinkAt: index)
            }
            if let current = first, aggregation.links[index].turnOrder >= aggregation.links[current].turnOrder {
                continue
            }
            first = index
        }
        guard let first else { return nil }
        turnsQueued += 1
        aggregation.setTurnOrder(turnsQueued, ofLinkAt: first)
        return (first, now + configuration.protocolPeriod * turns)
    }

    /// When this node's next turn pings the member at `position`, if it takes turns with it and has queued it: the
    /// turns before it come one a period from the next period on. A partner that probes this node (its promised
    /// ping was lost, say) learns it from the ack, and expects that ping again.
    private func nextTurnDue(toMemberAt position: Int) -> Duration? {
        let link = Int(table[position].link)
        guard link >= 0, aggregation.links[link].isChosen, table[position].status != .dead else { return nil }
        let order = aggregation.links[link].turnOrder
        guard order != 0 else { return nil }
        var before = 0
        for other in aggregation.links where other.isChosen && other.turnOrder != 0 && other.turnOrder < order {
            before += 1
        }
        return nextProbeAt + configuration.protocolPeriod * before
    }

    /// The partner heard from least recently, else any live member. Contacts are numbered, so only partners never
    /// heard from tie: one of them at random (a reservoir of one), or new nodes would all probe the same first
    /// partner.
    private mutating func leastRecentlyHeardTarget() -> (PeerAddress, Int)? {
        var oldest: (link: Int, contact: UInt64)?
        var ties = 0
        for link in aggregation.links.indices where table[Int(aggregation.links[link].memberPosition)].status != .dead {
            let contact = aggregation.links[link].lastContact
            if let current = oldest, contact > current.contact { continue }
            if contact == oldest?.contact {
                ties += 1
                guard random.index(below: ties) == 0 else { continue }
            } else {
                ties = 1
            }
            oldest = (link, contact)
        }
        if let oldest {
            let link = aggregation.links[oldest.link]
            return (link.peer, Int(link.memberPosition))
        }
        guard let member = randomMember(where: { $0.status != .dead }), let position = table.position(of: member)
        else { return nil }
        return (member, position)
    }

    /// Probes the first queued member still probeable (an accusation before repairs, repairs before hearsay), if
    /// no probe runs.
    private mutating func startQueuedProbe(now: Duration, into directives: inout [GossipDirective]) {
        guard probe == nil else { return }
        while let urgent = urgentProbes.popLast() {
            if let position = probeablePosition(urgent.member) {
                startProbe(of: urgent.member, at: position, promisedTurn: nil, now: now, into: &directives)
                return
            }
        }
    }

    /// The partner that sent this ping or ack promised its next turn's ping after `delay`. A link chosen at both
    /// ends takes turns at both, and each end expects the other's.
    private mutating func expectPing(fromMemberAt position: Int, after delay: Duration, now: Duration) {
        let link = Int(table[position].link)
        guard link >= 0 else { return }
        let expected = now + delay + configuration.promiseSlack
        aggregation.setExpectedBy(expected, ofLinkAt: link)
        if earliestExpectation.map({ expected < $0 }) ?? true { earliestExpectation = expected }
    }

    /// Probes at once each partner whose promised ping is late (unless it is being probed), as an accusation would:
    /// it has probably crashed. A crashed node's partners notice one a period, as its turns would have come.
    private mutating func raiseAlarms(now: Duration) {
        var earliest: Duration?
        for index in aggregation.links.indices {
            guard let expected = aggregation.links[index].expectedBy else { continue }
            guard now >= expected else {
                if earliest.map({ expected < $0 }) ?? true { earliest = expected }
                continue
            }
            aggregation.setExpectedBy(nil, ofLinkAt: index)
            let link = aggregation.links[index]
            guard table[Int(link.memberPosition)].status != .dead, probe?.target != link.peer else { continue }
            counters.latePings += 1
            requestProbe(of: link.peer, accusedHere: true)
        }
        earliestExpectation = earliest
    }

    /// The position of a random member satisfying `condition`, by a few random draws (nil when none is found).
    private mutating func randomMemberPosition(where condition: (Member) -> Bool) -> Int? {
        guard table.count > 0 else { return nil }
        for _ in 0..<16 {
            let position = random.index(below: table.count)
            if condition(table[position]) { return position }
        }
        return nil
    }

    /// A random member satisfying `condition`, by a few random draws (nil when none is found).
    private mutating func randomMember(excluding excluded: PeerAddress? = nil,
                                       where condition: (Member) -> Bool) -> PeerAddress? {
        guard table.count > 0 else { return nil }
        for _ in 0..<16 {
            let member = table[random.index(below: table.count)]
            if member.address != excluded, condition(member) { return member.address }
        }
        return nil
    }

    private mutating func startProbe(of target: PeerAddress, at position: Int, promisedTurn: Duration?, now: Duration,
                                     into directives: inout [GossipDirective]) {
        let payload = aggregationRequest(toMemberAt: position)
        probeSequence &+= 1
        // Lifeguard stretches the probe timeout by local health (a slow node gives others time to answer). The
        // period itself is not stretched, since aggregation rides on the probes, and the indirect phase keeps one
        // unstretched timeout: a relayed ping is two round trips, which the timeout (about two round trips of the
        // direct ping, with margin) covers. Heavy loss raises local health as surely as slowness does; when the
        // stretch ate the indirect phase, a probe at 30 % loss failed, by `reprobePeriods`' model, one time in four
        // instead of one in nine (10,000 nodes at 30 % loss: 491 false declarations in 80 periods, 81 with local
        // health off).
        //
        // The probe fails that one timeout after the indirect phase began, not at the end of the period: a crashed
        // member is accused 0.2 periods sooner on the 0.4 s / 1 s defaults, and its re-probes, which start as soon
        // as a probe fails, start as much sooner (each then lasts the period: the failure raised local health).
        // Over 120 crashes of 1,000 nodes at 10 % loss (seeds 1 to 24), dead everywhere after 3.79 periods on
        // average instead of 4.11, and 6 took over five periods instead of 13.
        let period = configuration.protocolPeriod
        let longest = Swift.max(configuration.probeTimeout, period - configuration.probeTimeout)
        let timeout = Swift.min(configuration.probeTimeout * (localHealth + 1), longest)
        let deadline = now + Swift.min(timeout + configuration.probeTimeout, period)
        probe = Probe(target: target, targetPosition: position, sequence: probeSequence,
                      directDeadline: now + timeout, deadline: deadline, exchangesAggregation: payload != nil,
                      promisedTurn: promisedTurn)
        send(.ping(sequence: probeSequence), to: target, at: position, aggregation: payload,
             nextPingIn: promisedTurn.map { $0 - now }, into: &directives)
    }

    /// Asks k random live members to ping the silent target (SWIM §3.1), none if it spoke meanwhile, and pings it
    /// once more directly.
    private mutating func sendIndirectProbes(for probe: Probe, now: Duration,
                                             into directives: inout [GossipDirective]) -> Int {
        var helpers: [PeerAddress] = []
        var attempts = 0
        let wanted = probe.heardFromTarget ? 0 : configuration.indirectProbeCount
        while helpers.count < wanted, attempts < 4 * wanted {
            attempts += 1
            guard let helper = randomMember(excluding: probe.target, where: { $0.status == .alive }),
                  !helpers.contains(helper) else { continue }
            helpers.append(helper)
        }
        for helper in helpers {
            send(.pingRequest(sequence: probe.sequence, target: probe.target), to: helper, into: &directives)
        }
        if configuration.retriesDirectProbe {
            // The retry carries the aggregation request again: if the first ping or its ack was lost, the link is
            // repaired in this period rather than at its next turn.
            let payload = position(of: probe).flatMap { aggregationRequest(toMemberAt: $0) }
            send(.ping(sequence: probe.sequence), to: probe.target, aggregation: payload,
                 nextPingIn: probe.promisedTurn.map { $0 - now }, into: &directives)
        }
        return helpers.count
    }

    private mutating func probeFailed(_ probe: Probe, now: Duration, into directives: inout [GossipDirective]) {
        counters.probesFailed += 1
        raiseLocalHealth()
        if probe.nackers.count < probe.nacksExpected { raiseLocalHealth() } // Lifeguard: the problem may be here
        guard let position = table.position(of: probe.target), table[position].status != .dead else { return }
        let member = table[position]
        apply(MembershipUpdate(member: member.address, generation: member.generation, incarnation: member.incarnation,
                               status: .suspect, accuser: address),
              direct: false, now: now, into: &directives)
        // Each intermediary that could not reach the target either is an independent vantage point: it confirms
        // the suspicion here (shortening this node's timer) as another accuser's suspicion would.
        if configuration.retriesDirectProbe, let index = suspicions.firstIndex(where: { $0.member == member.address }),
           !suspicions[index].ownRetryFailed, let accusedAt = suspicions[index].accusedAt {
            suspicions[index].ownRetryFailed = true
            suspicions[index].deadline = accusedAt + suspicionTimeout(confirmations: suspicions[index].confirmations)
        }
        for nacker in probe.nackers { _ = confirmSuspicion(of: member.address, by: nacker, now: now) }
        if let index = suspicions.firstIndex(where: { $0.member == member.address }) {
            suspicions[index].failedProbes += 1
            suspicions[index].helpersAsked += probe.nacksExpected
            suspicions[index].nacks += Swift.min(probe.nackers.count, probe.nacksExpected)
        }
        // Keep asking the suspect, before anything else: its ack would carry the refutation.
        requestProbe(of: member.address, accusedHere: true)
    }

    /// Queues a probe out of turn: a member this node accused goes first, one it only heard about after the others.
    private mutating func requestProbe(of member: PeerAddress, accusedHere: Bool) {
        if accusedHere {
            urgentProbes.removeAll { $0.member == member }
            urgentProbes.append(UrgentProbe(member: member, reason: .accusation))
        } else if !urgentProbes.contains(where: { $0.member == member }) {
            urgentProbes.insert(UrgentProbe(member: member, reason: .hearsay), at: 0)
            if urgentProbes.count > Self.maximumUrgentProbes, urgentProbes[0].reason == .hearsay {
                urgentProbes.removeFirst() // the newest hearsay waits least; the oldest is likely settled already
            }
        }
    }

    /// Queues a probe that completes an aggregation exchange left unanswered: after accusations, before hearsay.
    private mutating func requestRepair(of member: PeerAddress) {
        guard !urgentProbes.contains(where: { $0.member == member }) else { return }
        let firstAccusation = urgentProbes.firstIndex { $0.reason == .accusation } ?? urgentProbes.count
        urgentProbes.insert(UrgentProbe(member: member, reason: .repair), at: firstAccusation)
    }

    /// Whether this node's own failed probes of the suspect are evidence enough for a death: a live member, under
    /// the loss this node observes, would have failed them, with at least as many of their intermediaries
    /// reporting it silent, only with probability `falseSuspicionTolerance`.
    ///
    /// A probe that asked h intermediaries fails with (1 − d)² · (1 − d²)ʰ (see `reprobePeriods`). An
    /// intermediary whose relayed ping failed nacks, if the member is alive, with r = d / (1 + d) (the request and
    /// the nack arrive, d · (1 − d), against silence when either is lost, 1 − d); if it crashed, with d: at 10 %
    /// loss 0.45 against 0.81. So the nacks over all failed probes are evidence beyond the failures, and the
    /// chance is the failures' times the binomial tail of at least that many nacks. Counting failures alone asked
    /// for a third failed probe whenever the estimate strayed above 0.224 (0.19 at 10 % loss); a crashed member's
    /// nacks usually make two enough.
    func isProven(_ suspicion: Suspicion) -> Bool {
        guard suspicion.failedProbes > 0 else { return false }
        let direct = directDelivery
        let helpers = suspicion.helpersAsked
        // Every probe's direct pings failed, and every relayed path of all of them.
        var chance = probeFailure(direct: direct, helpers: helpers)
        let pings = probeFailure(direct: direct, helpers: 0)
        for _ in 1..<suspicion.failedProbes { chance *= pings }
        // P(Binomial(helpers, r) ≥ nacks), summed from the top term down; no credit where rⁿ underflows.
        let nacks = Swift.min(suspicion.nacks, helpers)
        if nacks > 0, direct > 0, chance > configuration.falseSuspicionTolerance {
            let nack = direct / (1 + direct)
            var term = 1.0
            for _ in 0..<helpers { term *= nack }
            if term > 0 {
                var tail = term
                var count = helpers
                while count > nacks {
                    term *= Double(count) / Double(helpers - count + 1) * (1 - nack) / nack
                    count -= 1
                    tail += term
                }
                chance *= Swift.min(tail, 1)
            }
        }
        return chance <= configuration.falseSuspicionTolerance
    }

    /// The probe's target was heard from, though not by the probe's acks: alive, with the direct ping counted
    /// unanswered (as when a relay answers) and the aggregation exchange, if the ping carried one, asked again
    /// soon.
    private mutating func answeredByContact(_ probe: Probe) {
        recordFirstPings(answered: false)
        localHealth = Swift.max(0, localHealth - 1)
        if probe.exchangesAggregation { requestRepair(of: probe.target) }
    }

    private mutating func acknowledged(sequence: UInt32, by sender: PeerAddress, carriedAggregation: Bool,
                                       into directives: inout [GossipDirective]) {
        if let current = probe, current.sequence == sequence, sender == current.target || current.isIndirect {
            // Only probes of live members measure loss: counting those of a dead one would make every failed probe
            // of it look like more loss, and ask for ever more probes before declaring it.
            recordFirstPings(answered: !current.isIndirect)
            probe = nil
            let targetPosition = position(of: current)
            if sender != current.target, let targetPosition, table[targetPosition].link >= 0 {
                aggregation.heard(onLinkAt: Int(table[targetPosition].link)) // through a relay
            }
            localHealth = Swift.max(0, localHealth - 1)
            if current.exchangesAggregation, sender != current.target || !carriedAggregation {
                // Alive, but the aggregation exchange did not complete: the link may hold a transfer one end has
                // not seen. Only the initiator knows, so it asks again soon (and again, every other probe, until
                // an exchange completes) instead of in its next turn; unless the target itself answered without
                // its state, twice in a row.
                if sender == current.target, let targetPosition, partnerRefused(at: targetPosition) { return }
                requestRepair(of: current.target)
            }
            return
        }
        if let index = relays.firstIndex(where: { $0.sequence == sequence && $0.target == sender }) {
            let relay = relays.remove(at: index)
            send(.ack(sequence: relay.requesterSequence), to: relay.requester, into: &directives)
        }
    }

    /// The partner at `position` answered this node's aggregation request without its state: it keeps no link to
    /// this node and may open none (it is at `maximumLinks`), or does not take this node for alive yet. A
    /// transient refusal passes, so the exchange is asked again once; a second refusal in a row closes the link
    /// here. Repairing it every other probe took half of this node's probes for as long as the partner stayed
    /// full, and a flow the partner no longer counts must leave the sums here as well. Returns whether it closed.
    private mutating func partnerRefused(at position: Int) -> Bool {
        guard table[position].link >= 0,
              aggregation.refused(onLinkAt: Int(table[position].link)) >= Self.refusalsBeforeUnlinking
        else { return false }
        let member = table[position].address
        dropLink(ofMemberAt: position)
        refusers.removeAll { $0 == member }
        refusers.append(member)
        if refusers.count > Self.rememberedRefusers { refusers.removeFirst() }
        return true
    }

    private mutating func relayProbe(to target: PeerAddress, for requester: PeerAddress, sequence: UInt32, now: Duration,
                                     into directives: inout [GossipDirective]) {
        guard target.port != 0 else { return }
        if target == address {
            send(.ack(sequence: sequence), to: requester, into: &directives)
            return
        }
        guard relays.count < 4 * Swift.max(1, configuration.indirectProbeCount) * 4 else { return }
        // Lifeguard's nack (§IV.A; memberlist sends it at 80 % of the timeout): the requester's probe fails one
        // timeout after it asked, so the relay answers at half of it, leaving the other half for the request to
        // arrive and the nack to travel back.
        probeSequence &+= 1
        relays.append(Relay(requester: requester, requesterSequence: sequence, target: target,
                            sequence: probeSequence, nackDeadline: now + configuration.probeTimeout * 0.5))
        send(.ping(sequence: probeSequence), to: target, into: &directives)
    }

    /// Queues a repair of each untracked turn's exchange that no reply completed within a probe timeout.
    private mutating func expireUntrackedTurns(now: Duration) {
        var index = 0
        while index < untrackedTurns.count {
            guard now >= untrackedTurns[index].deadline else {
                index += 1
                continue
            }
            requestRepair(of: untrackedTurns.remove(at: index).peer)
        }
    }

    private mutating func expireRelays(now: Duration, into directives: inout [GossipDirective]) {
        var index = 0
        while index < relays.count {
            guard now >= relays[index].nackDeadline else {
                index += 1
                continue
            }
            let relay = relays.remove(at: index)
            send(.nack(sequence: relay.requesterSequence), to: relay.requester, into: &directives)
        }
    }

    private mutating func gossip(into directives: inout [GossipDirective]) {
        var targets: [PeerAddress] = []
        var attempts = 0
        while targets.count < configuration.gossipFanout, attempts < 4 * configuration.gossipFanout {
            attempts += 1
            guard let target = randomMember(where: { $0.status != .dead }), !targets.contains(target) else { continue }
            targets.append(target)
        }
        for target in targets where hasUrgentBroadcasts {
            send(.gossip, to: target, into: &directives)
        }
    }

    private mutating func retrySeeds(into directives: inout [GossipDirective]) {
        hasPendingSeeds = false
        for seed in seeds {
            if let position = table.position(of: seed), table[position].status == .alive { continue }
            hasPendingSeeds = true
            probeSequence &+= 1
            send(.ping(sequence: probeSequence), to: seed, into: &directives)
        }
    }

    /// After a message: only what a message can add (news to gossip, a relay, a suspicion, an urgent probe, a death
    /// certificate) can bring the wake-up forward; anything it removed merely leaves a tick with nothing to do.
    private mutating func lowerWakeUp(now: Duration) {
        var next = nextWakeUp
        if hasUrgentBroadcasts { next = Swift.min(next, Swift.max(nextGossipAt, now)) }
        if probe == nil, hasPendingAccusation { next = now }
        if let relay = relays.last { next = Swift.min(next, relay.nackDeadline) }
        if let probe { next = Swift.min(next, probe.isIndirect ? probe.deadline : probe.directDeadline) }
        if !suspicions.isEmpty {
            for suspicion in suspicions where suspicion.accusedAt == nil || isProven(suspicion) {
                next = Swift.min(next, suspicion.deadline)
            }
        }
        if let certificate = certificates.last {
            next = Swift.min(next, nextDeadRetryAt, certificate.issued + configuration.deadContributionGrace)
        }
        next = Swift.min(next, promisesWakeUp(now: now))
        nextWakeUp = next
    }

    private mutating func scheduleWakeUp(now: Duration) {
        var next = nextProbeAt
        if let probe { next = Swift.min(next, probe.isIndirect ? probe.deadline : probe.directDeadline) }
        if probe == nil, hasPendingAccusation { next = now }
        for relay in relays { next = Swift.min(next, relay.nackDeadline) }
        if !suspicions.isEmpty {
            for suspicion in suspicions where suspicion.accusedAt == nil || isProven(suspicion) {
                next = Swift.min(next, suspicion.deadline)
            }
        }
        if hasUrgentBroadcasts { next = Swift.min(next, Swift.max(nextGossipAt, now)) }
        if !certificates.isEmpty {
            next = Swift.min(next, nextDeadRetryAt)
            for certificate in certificates {
                next = Swift.min(next, certificate.issued + (certificate.contributionRemoved
                    ? configuration.deathCertificateLifetime : configuration.deadContributionGrace))
            }
        }
        if hasPendingSeeds { next = Swift.min(next, nextSeedRetryAt) }
        next = Swift.min(next, promisesWakeUp(now: now))
        nextWakeUp = next
    }

    /// When a promised ping may be late, or a queued probe may go out at the half period.
    private func promisesWakeUp(now: Duration) -> Duration {
        var next = earliestExpectation ?? nextProbeAt
        for turn in untrackedTurns { next = Swift.min(next, turn.deadline) }
        if !urgentProbes.isEmpty, !halfPeriodServed { next = Swift.min(next, Swift.max(now, halfPeriod)) }
        return next
    }
}

// MARK: - Aggregation

extension GossipInstance {
    /// Once per protocol period: extrema and leader claims age, convergence is measured, partners are kept up.
    private mutating func periodElapsed(now: Duration) {
        aggregation.periodElapsed(tolerance: configuration.convergenceTolerance)
        maintainPartners()
    }

    /// Keeps `aggregationPartners` chosen partners among live members (every member with `Int.max`), none of them
    /// a member that refused lately.
    private mutating func maintainPartners() {
        let wanted = configuration.aggregationPartners
        let cap = configuration.maximumLinks
        let refusers = self.refusers
        if wanted == Int.max {
            for position in 0..<table.count where aggregation.links.count < cap {
                if table[position].status == .alive, table[position].link < 0,
                   !refusers.contains(table[position].address) {
                    addLink(toMemberAt: position, chosen: true)
                }
            }
            return
        }
        var chosen = aggregation.chosenLinks
        var attempts = 0
        while chosen < wanted, aggregation.links.count < cap, attempts < 8 {
            attempts += 1
            guard let position = randomMemberPosition(where: {
                $0.status == .alive && $0.link < 0 && !refusers.contains($0.address)
            }) else { continue }
            addLink(toMemberAt: position, chosen: true)
            chosen += 1
        }
    }

    /// A member back from the dead (a refutation, a healed partition) may become an extra partner, so that groups
    /// that aggregated apart mix again: at each node with the chance `aggregationPartners` / members, so that about
    /// as many nodes link to it as it chose itself. Every node saw the return; when each took it, a live member
    /// declared dead everywhere by mistake came back as a partner of nearly all of them (976 of 999 at 1,000 nodes
    /// and 10 % loss, seed 3), refused all but its `maximumLinks`, and each refused node then spent every other
    /// probe repairing the exchange it refused, which slowed every node's probing of its other partners.
    private mutating func addReconnectionPartner(at position: Int) {
        let wanted = configuration.aggregationPartners
        guard wanted != Int.max, table[position].link < 0, aggregation.links.count < configuration.maximumLinks,
              aggregation.chosenLinks < wanted + configuration.reconnectionPartners,
              random.chance(Double(wanted) / Double(Swift.max(1, table.count))) else { return }
        addLink(toMemberAt: position, chosen: true)
    }

    /// Opens an aggregation link to the member at `position` and remembers where it is.
    @discardableResult
    private mutating func addLink(toMemberAt position: Int, chosen: Bool) -> Int {
        let link = aggregation.addLink(to: table[position].address, generation: table[position].generation,
                                       chosen: chosen, memberPosition: position)
        table[position].link = Int32(link)
        return link
    }

    /// Closes the aggregation link to the member at `position`, if any: its flow leaves this node's sums.
    private mutating func dropLink(ofMemberAt position: Int) {
        let link = Int(table[position].link)
        guard link >= 0 else { return }
        table[position].link = -1
        if let movedPosition = aggregation.removeLink(at: link) { table[movedPosition].link = Int32(link) }
    }

    /// Sends the writer's flow to a reader whose proposal was refused (in a `gossip` message: nothing answers it),
    /// and probes the reader soon with the flow again: the reader applied its proposal already, and if this
    /// correction is lost the link would stay inconsistent until its next turn.
    private mutating func correct(_ correction: AggregationPayload?, to reader: PeerAddress, at position: Int?,
                                  into directives: inout [GossipDirective]) {
        guard let correction else { return }
        send(.gossip, to: reader, at: position, aggregation: correction, into: &directives)
        requestRepair(of: reader)
    }

    /// Uses an aggregation payload from a ping (a request), an ack (a reply) or a gossip message (a writer's
    /// correction); returns the answer for a request, or the correction for a refused proposal.
    private mutating func aggregate(_ payload: AggregationPayload, of message: GossipMessage, senderPosition: Int?,
                                    isRequest: Bool, now: Duration) -> AggregationPayload? {
        guard aggregation.isAcceptable(payload) else {
            counters.aggregationRejected += 1
            return nil
        }
        guard message.receiverGeneration == generation,
              let position = senderPosition, table[position].status != .dead,
              table[position].generation == message.senderGeneration
        else {
            counters.aggregationIgnored += 1
            return nil
        }
        var link = Int(table[position].link)
        if link >= 0, aggregation.links[link].peerGeneration != message.senderGeneration {
            dropLink(ofMemberAt: position)
            link = -1
        }
        if link < 0 {
            guard isRequest, aggregation.links.count < configuration.maximumLinks else {
                counters.aggregationIgnored += 1
                return nil
            }
            link = addLink(toMemberAt: position, chosen: false)
            aggregation.heard(onLinkAt: link) // the request that opened it
        }
        // A leader with a death certificate is refused, unless its claim is younger than the certificate: then it
        // vouched for itself after its supposed death (the refutation has not reached this node yet).
        let knownDead = certificates
        let period = configuration.protocolPeriod
        let outcome = aggregation.receive(payload, onLinkAt: link, isRequest: isRequest,
                                          acceptsLeader: { candidate, age in
            guard let certificate = knownDead.first(where: { $0.member == candidate }) else { return true }
            return period * Int(age) < now - certificate.issued
        })
        switch outcome {
        case .used(let reply):
            return reply
        case .ignored(let reply):
            counters.aggregationIgnored += 1
            return reply
        }
    }
}
