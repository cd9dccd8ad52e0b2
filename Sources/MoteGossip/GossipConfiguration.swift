/// The protocol's knobs: SWIM probing, Lifeguard's local health and suspicion, dissemination, aggregation.
///
/// Defaults follow the published protocols where they give numbers (SWIM: k = 3 indirect probes; Lifeguard: local
/// health maximum 8, suspicion β = 6 and K = 3 confirmations, as HashiCorp's memberlist ships them) and this
/// project's benchmark goals where they do not (see `suspicionMultiplier`).
public struct GossipConfiguration: Sendable {
    /// The protocol period T: one probe (and one aggregation exchange) per period.
    public var protocolPeriod: Duration = .seconds(1)
    /// How long a direct ping waits for its ack before indirect probes go out, stretched by local health (up to
    /// the period less one unstretched timeout). The indirect phase lasts one unstretched timeout, and the probe
    /// fails at its end.
    public var probeTimeout: Duration = .milliseconds(400)
    /// How many members are asked to ping a silent target on our behalf (SWIM's k).
    public var indirectProbeCount = 3
    /// Whether a second direct ping goes out with the indirect probes (memberlist sends a TCP ping then; on UDP
    /// only, a repeated datagram plays that part).
    public var retriesDirectProbe = true
    /// How late a partner's promised ping may be (`GossipMessage.nextPingIn`) before this node probes it at once.
    /// Each node pings the partners it chose in turn, one a period, and tells each when its next ping is due; a
    /// node that crashed is probed by each of them this long after the turn it missed. The promise runs from the
    /// ping's arrival, so the latency cancels out and the slack covers its jitter and the timers'. A false alarm
    /// costs one probe.
    public var promiseSlack: Duration = .milliseconds(150)
    /// Lifeguard's S: the local health multiplier counts 0 ..< S, and timeouts are multiplied by (score + 1).
    public var localHealthMaximum = 8
    /// Lifeguard's α: the shortest suspicion lasts α · max(1, log10 n) protocol periods, n the member count.
    /// memberlist uses 4 for one-second periods; the default here is smaller so that a crashed node is dead
    /// everywhere within five periods, with the loss-derived re-probes (`falseSuspicionTolerance`) keeping false
    /// declarations away. At 1,000 members it is 1.5 periods: at 10 % loss two failed probes suffice, the second a
    /// period after the accusation, and the half period left gives a refutation time to arrive.
    public var suspicionMultiplier = 0.5
    /// Lifeguard's β: an unconfirmed suspicion lasts β times the shortest.
    public var suspicionMaximumMultiplier = 6.0
    /// Lifeguard's K: independent confirmations that bring a suspicion down to the shortest timeout.
    public var suspicionConfirmations = 3
    /// Accusers keep re-probing a suspect for as many periods as it takes, under the loss they observe, for a live
    /// member to have answered one of them except with this probability (see `GossipInstance.reprobePeriods`).
    public var falseSuspicionTolerance = 1e-5
    /// How long after a death the member's aggregation link is dropped (its contribution leaves the sums) and, if
    /// it led, its leadership is given up; a refutation within this time leaves the sums untouched. Meanwhile the
    /// member is pinged every period, so that a live one learns of its death and refutes it in time.
    public var deadContributionGrace: Duration = .seconds(8)
    /// How long a death certificate is kept (and spread, and answered with) before the member is forgotten.
    public var deathCertificateLifetime: Duration = .seconds(120)
    /// How often one dead member (a random one) is pinged, so that the two sides of a healed partition find each
    /// other and refute their deaths.
    public var deadMemberRetryInterval: Duration = .seconds(2)
    /// How often seeds that are not alive members are pinged again (joining, and rejoining after a long split).
    public var seedRetryInterval: Duration = .seconds(5)
    /// How often pending membership updates are pushed to `gossipFanout` random members (only while there are
    /// some; memberlist's gossip interval, as its local-network profile sets it). Each update is still sent only
    /// `retransmitMultiplier` · ⌈log10(n + 1)⌉ times; a shorter interval spends them sooner: 40 crashes of 1,000 nodes at
    /// 10 % loss were dead everywhere 0.34 periods sooner on average than at 200 ms.
    public var gossipInterval: Duration = .milliseconds(100)
    /// Members per gossip push.
    public var gossipFanout = 4
    /// Each update is sent λ · ⌈log10(n + 1)⌉ times (memberlist's retransmit multiplier λ).
    public var retransmitMultiplier = 4
    /// Bytes of membership updates per message: the wire's membership section less its framing and count (732).
    public var membershipByteBudget = SectionBudgets.standard.membership - WireFormat.sectionHeaderSize - 2
    /// Members kept at most; beyond it, members heard of only by gossip are not added (direct contacts are).
    public var memberCapacity = Int.max
    /// Whether members heard of only in piggybacked updates are added (off: only direct contacts and seeds, for a
    /// fixed neighbourhood).
    public var learnsMembersFromGossip = true
    /// Aggregation partners this node chooses (others may choose it too); `Int.max` makes every member a partner.
    public var aggregationPartners = 8
    /// Extra partners taken from members that come back from the dead, so that a healed partition mixes again.
    public var reconnectionPartners = 2
    /// Aggregation links kept at most (chosen and accepted); requests beyond are not answered with state.
    public var maximumLinks = 64
    /// Protocol periods after which a minimum or maximum nobody vouches for any more is forgotten (a dead node's
    /// extreme ages out after this). Claims travel only with exchanges between partners, so a live extreme can
    /// be tens of periods old at the far side of a lossy network.
    public var extremumMaximumAge: UInt16 = 60
    /// Protocol periods after which a leader nobody vouches for is replaced. Much longer than for extrema: a node
    /// that gives up a live leader restarts its counting and loses the weight it held, so this must not happen
    /// by accident; a leader known dead is replaced at once.
    public var leaderMaximumAge: UInt16 = 240
    /// The physical range per channel; a reading outside it (or not finite) is not aggregated.
    public var channelRanges = ChannelRanges()
    /// Relative change per period below which an estimate counts as settled.
    public var convergenceTolerance = 1e-6
    /// Consecutive settled periods after which an estimate is reported converged.
    public var convergencePeriods = 3

    /// The defaults.
    public init() {}
}

/// Readings each channel accepts: what the sensors Mote drives can physically report (the widest datasheet ranges
/// in the catalog: TMP102 −55…150 °C, humidity 0…100 %RH, LPS22HB 260…1260 hPa).
public struct ChannelRanges: Sendable, Equatable {
    /// Temperature (°C).
    public var temperatureCelsius: ClosedRange<Double> = -55...150
    /// Relative humidity (%RH).
    public var relativeHumidityPercent: ClosedRange<Double> = 0...100
    /// Pressure (Pa).
    public var pressurePascals: ClosedRange<Double> = 26_000...126_000

    /// The catalog's ranges.
    public init() {}

    /// The range of `channel`.
    public func range(of channel: AggregationChannel) -> ClosedRange<Double> {
        switch channel {
        case .temperature: temperatureCelsius
        case .humidity: relativeHumidityPercent
        case .pressure: pressurePascals
        }
    }
}

/// The three aggregated channels.
public enum AggregationChannel: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Temperature in °C.
    case temperature
    /// Relative humidity in %RH.
    case humidity
    /// Pressure in Pa.
    case pressure

    /// The value moments are shifted by (a typical reading), so sums of squares keep their precision.
    public var reference: Double {
        switch self {
        case .temperature: 20
        case .humidity: 50
        case .pressure: 101_325
        }
    }

    /// `temperature_celsius`, `relative_humidity_percent`, `pressure_pascals`: the machine-output names.
    public var description: String {
        switch self {
        case .temperature: "temperature_celsius"
        case .humidity: "relative_humidity_percent"
        case .pressure: "pressure_pascals"
        }
    }
}

extension GossipConfiguration {
    /// The default configuration with every duration scaled by `period` / 1 s, so that a node run with a short
    /// period (a test, a demonstration) keeps the same ratios of timeouts to periods. Every `Duration` field above
    /// is scaled here.
    public static func scaled(toPeriod period: Duration) -> GossipConfiguration {
        var configuration = GossipConfiguration()
        let factor = period / .seconds(1)
        configuration.protocolPeriod = period
        configuration.probeTimeout = configuration.probeTimeout * factor
        configuration.promiseSlack = configuration.promiseSlack * factor
        configuration.deathCertificateLifetime = configuration.deathCertificateLifetime * factor
        configuration.deadMemberRetryInterval = configuration.deadMemberRetryInterval * factor
        configuration.seedRetryInterval = configuration.seedRetryInterval * factor
        configuration.gossipInterval = configuration.gossipInterval * factor
        configuration.deadContributionGrace = configuration.deadContributionGrace * factor
        return configuration
    }
}
