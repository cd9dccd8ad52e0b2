// Flow Updating (Jesus, Baquero, Almeida, "Fault-Tolerant Aggregation by Flow Updating", DAIS 2009, and "Flow
// Updating: Fault-tolerant aggregation for dynamic networks", JPDC 2015), in a pairwise request/reply form.
//
// Each node i keeps its input v_i and, per link to a partner j, the cumulative flow f_ij it has passed to j. Its
// estimate is e_i = v_i − Σ_j f_ij. Messages carry absolute flows, never increments, so
//   Σ_i e_i = Σ_i v_i − Σ_links (f_ij + f_ji)
// holds at every instant: whatever is lost, duplicated or reordered only leaves a link inconsistent
// (f_ij ≠ −f_ji) until a later message on it gets through, and the fixed point is the exact average. Dropping
// every link to a dead member removes exactly what it contributed: the survivors' sum becomes the survivors' inputs.
//
// One refinement over the published algorithm: each link has a single writer, the end with the smaller address.
// The writer's flow φ is authoritative and versioned; the reader mirrors −φ. An exchange moves both ends to their
// average: when the reader asks (ping with its estimate), the writer adds the transfer to φ and answers with φ;
// when the writer asks (ping with φ and its estimate), the reader proposes φ + transfer, applies it at once, and
// the writer accepts the proposal only if φ has not changed since (the proposal names the version it builds on).
// Two exchanges crossing on one link thus never overwrite each other's transfer with a stale flow, which in the
// symmetric form left links inconsistent until their next exchange, many periods later.

extension ChannelMoments {
    @inline(__always)
    static func + (lhs: ChannelMoments, rhs: ChannelMoments) -> ChannelMoments {
        ChannelMoments(count: lhs.count + rhs.count, shiftedSum: lhs.shiftedSum + rhs.shiftedSum,
                       shiftedSumOfSquares: lhs.shiftedSumOfSquares + rhs.shiftedSumOfSquares)
    }

    @inline(__always)
    static func - (lhs: ChannelMoments, rhs: ChannelMoments) -> ChannelMoments {
        ChannelMoments(count: lhs.count - rhs.count, shiftedSum: lhs.shiftedSum - rhs.shiftedSum,
                       shiftedSumOfSquares: lhs.shiftedSumOfSquares - rhs.shiftedSumOfSquares)
    }

    @inline(__always)
    static func * (lhs: ChannelMoments, factor: Double) -> ChannelMoments {
        ChannelMoments(count: lhs.count * factor, shiftedSum: lhs.shiftedSum * factor,
                       shiftedSumOfSquares: lhs.shiftedSumOfSquares * factor)
    }

    /// The moments of one reading, or zeros when there is none.
    init(reading: Double?, reference: Double) {
        guard let reading else {
            self.init()
            return
        }
        let shifted = reading - reference
        self.init(count: 1, shiftedSum: shifted, shiftedSumOfSquares: shifted * shifted)
    }

    /// Whether every component is within ±`bound` (false for NaN).
    @inline(__always)
    func isWithin(_ bound: Double) -> Bool {
        abs(count) <= bound && abs(shiftedSum) <= bound && abs(shiftedSumOfSquares) <= bound
    }
}

extension AggregationVector {
    @inline(__always)
    static func + (lhs: AggregationVector, rhs: AggregationVector) -> AggregationVector {
        AggregationVector(leaderWeight: lhs.leaderWeight + rhs.leaderWeight, temperature: lhs.temperature + rhs.temperature,
                          humidity: lhs.humidity + rhs.humidity, pressure: lhs.pressure + rhs.pressure)
    }

    @inline(__always)
    static func - (lhs: AggregationVector, rhs: AggregationVector) -> AggregationVector {
        AggregationVector(leaderWeight: lhs.leaderWeight - rhs.leaderWeight, temperature: lhs.temperature - rhs.temperature,
                          humidity: lhs.humidity - rhs.humidity, pressure: lhs.pressure - rhs.pressure)
    }

    @inline(__always)
    static func * (lhs: AggregationVector, factor: Double) -> AggregationVector {
        AggregationVector(leaderWeight: lhs.leaderWeight * factor, temperature: lhs.temperature * factor,
                          humidity: lhs.humidity * factor, pressure: lhs.pressure * factor)
    }

    @inline(__always)
    static func += (lhs: inout AggregationVector, rhs: AggregationVector) {
        lhs = lhs + rhs
    }

    /// The moments of `channel`.
    public subscript(channel: AggregationChannel) -> ChannelMoments {
        switch channel {
        case .temperature: temperature
        case .humidity: humidity
        case .pressure: pressure
        }
    }

    /// Whether every component is within ±`bound` (false for NaN).
    func isWithin(_ bound: Double) -> Bool {
        abs(leaderWeight) <= bound && temperature.isWithin(bound) && humidity.isWithin(bound)
            && pressure.isWithin(bound)
    }
}

extension ChannelExtrema {
    /// The minimum (or maximum) of `channel`.
    public func extremum(_ channel: AggregationChannel, maximum: Bool) -> AgedExtremum {
        switch (channel, maximum) {
        case (.temperature, false): temperatureMinimum
        case (.temperature, true): temperatureMaximum
        case (.humidity, false): humidityMinimum
        case (.humidity, true): humidityMaximum
        case (.pressure, false): pressureMinimum
        case (.pressure, true): pressureMaximum
        }
    }

    /// Each extremum is replaced by the other's when the other is better (lower minimum, higher maximum) and not
    /// older than `maximumAge`; an equal value keeps the younger age. Idempotent, commutative, associative.
    mutating func merge(_ other: ChannelExtrema, maximumAge: UInt16) {
        Self.merge(&temperatureMinimum, other.temperatureMinimum, maximumAge: maximumAge, keepsLarger: false)
        Self.merge(&temperatureMaximum, other.temperatureMaximum, maximumAge: maximumAge, keepsLarger: true)
        Self.merge(&humidityMinimum, other.humidityMinimum, maximumAge: maximumAge, keepsLarger: false)
        Self.merge(&humidityMaximum, other.humidityMaximum, maximumAge: maximumAge, keepsLarger: true)
        Self.merge(&pressureMinimum, other.pressureMinimum, maximumAge: maximumAge, keepsLarger: false)
        Self.merge(&pressureMaximum, other.pressureMaximum, maximumAge: maximumAge, keepsLarger: true)
    }

    /// One period older; what passes `maximumAge` is forgotten.
    mutating func age(maximumAge: UInt16) {
        Self.age(&temperatureMinimum, maximumAge: maximumAge)
        Self.age(&temperatureMaximum, maximumAge: maximumAge)
        Self.age(&humidityMinimum, maximumAge: maximumAge)
        Self.age(&humidityMaximum, maximumAge: maximumAge)
        Self.age(&pressureMinimum, maximumAge: maximumAge)
        Self.age(&pressureMaximum, maximumAge: maximumAge)
    }

    /// Whether every value is finite and within its channel's range.
    func isAcceptable(_ ranges: ChannelRanges) -> Bool {
        func fits(_ extremum: AgedExtremum, _ range: ClosedRange<Double>) -> Bool {
            extremum.value.map { range.contains($0) } ?? true
        }
        return fits(temperatureMinimum, ranges.temperatureCelsius) && fits(temperatureMaximum, ranges.temperatureCelsius)
            && fits(humidityMinimum, ranges.relativeHumidityPercent)
            && fits(humidityMaximum, ranges.relativeHumidityPercent)
            && fits(pressureMinimum, ranges.pressurePascals) && fits(pressureMaximum, ranges.pressurePascals)
    }

    private static func age(_ extremum: inout AgedExtremum, maximumAge: UInt16) {
        guard extremum.value != nil else { return }
        if extremum.age >= maximumAge {
            extremum = AgedExtremum()
        } else {
            extremum.age += 1
        }
    }

    private static func merge(_ mine: inout AgedExtremum, _ other: AgedExtremum, maximumAge: UInt16,
                              keepsLarger: Bool) {
        guard let value = other.value, other.age <= maximumAge else { return }
        guard let current = mine.value else {
            mine = other
            return
        }
        if keepsLarger ? value > current : value < current {
            mine = other
        } else if value == current, other.age < mine.age {
            mine.age = other.age
        }
    }
}

/// One aggregation link: the partner, and the cumulative flow this node has passed to it.
struct AggregationLink: Sendable {
    var peer: PeerAddress
    var peerGeneration: UInt64
    /// Chosen by this node (counts towards its partners), rather than accepted from the partner's request.
    var isChosen: Bool
    /// Whether this end writes the link's flow (its address is the smaller).
    var isWriter: Bool
    /// This node's flow to the peer: φ at the writer, −φ (or a pending proposal) at the reader.
    var flow = AggregationVector()
    /// The writer's count of changes to φ; at the reader, the version its flow builds on.
    var version: UInt32 = 0
    /// Where the peer is in the node's member table (kept by the instance), so the probe loop need not search.
    var memberPosition: Int32 = -1
    /// `contactClock` when the peer was last heard from (0: never); the probe goes to the smallest.
    var lastContact: UInt64 = 0
    /// This node's requests on the link the peer answered in a row without its state (`refused(onLinkAt:)`).
    var refusals: UInt8 = 0
    /// On a chosen link: its place in this node's turns, the smallest next (0: not queued yet, or the peer dead).
    var turnOrder: UInt64 = 0
    /// When the peer's promised turn ping is overdue (the promise plus the slack); nil when none is expected, or the
    /// peer was heard from around the time it promised.
    var expectedBy: Duration?
}

/// How one estimate has moved: its last value and how many periods in a row it changed by less than the tolerance.
struct ConvergenceTrack: Sendable {
    var lastAverage: Double?
    var lastCount: Double?
    var settledPeriods = 0
    var relativeChange = Double.infinity

    /// Relative change; none when both are unknown, infinite when only one is.
    static func change(_ new: Double?, _ old: Double?) -> Double {
        if new == nil, old == nil { return 0 }
        guard let new, let old else { return .infinity }
        return abs(new - old) / max(abs(new), 1e-300)
    }

    mutating func record(average: Double?, count: Double?, tolerance: Double) {
        relativeChange = max(Self.change(average, lastAverage), Self.change(count, lastCount))
        settledPeriods = relativeChange < tolerance ? settledPeriods + 1 : 0
        lastAverage = average
        lastCount = count
    }
}

/// A node's Flow Updating state, its leader claim and its extrema.
struct FlowUpdatingState: Sendable {
    // Hot fields first (see GossipInstance).
    let owner: PeerAddress
    var epoch: UInt32 = 0
    var leaderAge: UInt16 = 0
    let maximumAge: UInt16
    let leaderMaximumAge: UInt16
    /// The smallest address this node believes alive, whose unit weight makes counts out of averages.
    var leader: PeerAddress
    private(set) var links: [AggregationLink] = []
    /// Σ of the links' flows, kept as flows change and recomputed exactly every 16 periods.
    var outflow = AggregationVector()
    /// The moments of this node's own readings (leader weight 0: it comes from `isLeader`).
    var readings = AggregationVector()
    var extrema = ChannelExtrema()
    /// Links this node chose.
    private(set) var chosenLinks = 0
    private var periodsSinceRecompute = 0
    /// Counts every change this node makes to a flow it writes; a link's version is the count at its last change,
    /// so a link closed and opened again (one end declared the other dead, then saw it refute) starts above every
    /// version its reader may still hold from before.
    private var versionClock: UInt32 = 0
    /// Counts messages heard from partners: the links' `lastContact` order.
    private var contactClock: UInt64 = 0
    let ranges: ChannelRanges
    var ownExtrema = ChannelExtrema()
    var networkSizeTrack = ConvergenceTrack()
    var temperatureTrack = ConvergenceTrack()
    var humidityTrack = ConvergenceTrack()
    var pressureTrack = ConvergenceTrack()

    init(owner: PeerAddress, maximumAge: UInt16, leaderMaximumAge: UInt16, ranges: ChannelRanges) {
        self.leaderMaximumAge = leaderMaximumAge
        self.owner = owner
        self.maximumAge = maximumAge
        self.ranges = ranges
        leader = owner
    }

    var isLeader: Bool { leader == owner }

    /// This node's input: its readings' moments and, at the leader, the unit weight.
    var input: AggregationVector {
        var input = readings
        input.leaderWeight = isLeader ? 1 : 0
        return input
    }

    /// The node's current estimate of the network averages: its input minus everything it has passed on.
    var estimate: AggregationVector { input - outflow }

    /// The link to `peer`, by a linear search (the instance keeps each member's link position for the hot path).
    func linkPosition(of peer: PeerAddress) -> Int? {
        links.firstIndex { $0.peer == peer }
    }

    /// Room for `capacity` links without reallocating.
    mutating func reserveLinks(_ capacity: Int) {
        links.reserveCapacity(capacity)
    }

    mutating func addLink(to peer: PeerAddress, generation: UInt64, chosen: Bool, memberPosition: Int = -1) -> Int {
        links.append(AggregationLink(peer: peer, peerGeneration: generation, isChosen: chosen, isWriter: owner < peer,
                                     version: owner < peer ? versionClock : 0, memberPosition: Int32(memberPosition)))
        if chosen { chosenLinks += 1 }
        return links.count - 1
    }

    /// Forgets the link at `position`: what flowed over it is no longer counted, which is how a dead member's
    /// contribution leaves the network's sums. Returns the member position of the link moved into `position`.
    mutating func removeLink(at position: Int) -> Int? {
        outflow = outflow - links[position].flow
        if links[position].isChosen { chosenLinks -= 1 }
        let last = links.count - 1
        links.swapAt(position, last)
        links.removeLast()
        return position < last ? Int(links[position].memberPosition) : nil
    }

    /// Records the place of the chosen link at `position` in this node's turns.
    mutating func setTurnOrder(_ order: UInt64, ofLinkAt position: Int) {
        links[position].turnOrder = order
    }

    /// Records when the peer's promised ping on the link at `position` is late (nil: none expected).
    mutating func setExpectedBy(_ time: Duration?, ofLinkAt position: Int) {
        links[position].expectedBy = time
    }

    /// Records where the peer of the link at `position` sits in the member table.
    mutating func setMemberPosition(_ memberPosition: Int, ofLinkAt position: Int) {
        links[position].memberPosition = Int32(memberPosition)
    }

    /// Counts a request of this node's that the peer of the link at `position` answered without its state;
    /// returns how many in a row (any payload from the peer ends the run).
    mutating func refused(onLinkAt position: Int) -> Int {
        if links[position].refusals < .max { links[position].refusals += 1 }
        return Int(links[position].refusals)
    }

    /// Records that the peer of the link at `position` was just heard from.
    mutating func heard(onLinkAt position: Int) {
        contactClock &+= 1
        links[position].lastContact = contactClock
    }

    mutating func setFlow(_ flow: AggregationVector, onLinkAt position: Int) {
        outflow = outflow + (flow - links[position].flow)
        links[position].flow = flow
    }

    /// Recomputes the cached outflow from the links, so rounding cannot accumulate.
    mutating func recomputeOutflow() {
        var total = AggregationVector()
        for link in links { total = total + link.flow }
        outflow = total
    }

    mutating func setReadings(temperature: Double?, humidity: Double?, pressure: Double?) {
        readings.temperature = ChannelMoments(reading: temperature, reference: AggregationChannel.temperature.reference)
        readings.humidity = ChannelMoments(reading: humidity, reference: AggregationChannel.humidity.reference)
        readings.pressure = ChannelMoments(reading: pressure, reference: AggregationChannel.pressure.reference)
        ownExtrema = ChannelExtrema(
            temperatureMinimum: AgedExtremum(value: temperature), temperatureMaximum: AgedExtremum(value: temperature),
            humidityMinimum: AgedExtremum(value: humidity), humidityMaximum: AgedExtremum(value: humidity),
            pressureMinimum: AgedExtremum(value: pressure), pressureMaximum: AgedExtremum(value: pressure))
        extrema.merge(ownExtrema, maximumAge: maximumAge)
    }

    /// The payload for the link at `position`: this node's flow on it, the version, the estimate.
    func payload(onLinkAt position: Int) -> AggregationPayload {
        AggregationPayload(epoch: epoch, linkSequence: links[position].version, leader: leader,
                           leaderAge: isLeader ? 0 : leaderAge, flow: links[position].flow, estimate: estimate,
                           extrema: extrema)
    }

    /// Whether a payload can be used at all: every number finite and sane, extrema within the channels' ranges.
    func isAcceptable(_ payload: AggregationPayload) -> Bool {
        payload.flow.isWithin(1e18) && payload.estimate.isWithin(1e18) && payload.leader.port != 0
            && payload.extrema.isAcceptable(ranges)
    }

    enum Outcome {
        /// The payload was used; a request is answered with `reply`.
        case used(reply: AggregationPayload?)
        /// Not used (older epoch, stale version, a proposal on a changed flow, no link and none may be made); a
        /// request is still answered with this node's state for the link, when there is one, and a rejected
        /// proposal with the writer's current flow (`reply` on a reply: a correction to send).
        case ignored(reply: AggregationPayload?)
    }

    /// Handles a request (from a ping, `isRequest`) or a reply sent by the peer of the link at `position`.
    ///
    /// - Parameter acceptsLeader: whether a smaller leader claim may be adopted (false for a member known dead).
    mutating func receive(_ payload: AggregationPayload, onLinkAt position: Int, isRequest: Bool,
                          acceptsLeader: (PeerAddress, UInt16) -> Bool) -> Outcome {
        links[position].refusals = 0 // the peer keeps state for the link
        if payload.epoch > epoch { restart(epoch: payload.epoch) }
        guard payload.epoch == epoch else { return .ignored(reply: isRequest ? self.payload(onLinkAt: position) : nil) }
        // Ages travel one period older than they were sent: every node ages its copies once a period, each at its
        // own moment, so a copy taken as is could undo the receiver's last ageing, and two nodes exchanging every
        // period would keep a dead node's claim young between them for ever.
        let (leaderAge, overflow) = payload.leaderAge.addingReportingOverflow(1)
        let sameLeader = mergeLeader(payload.leader, age: overflow ? .max : leaderAge, acceptsLeader: acceptsLeader)
        var incoming = payload.extrema
        incoming.age(maximumAge: maximumAge)
        extrema.merge(incoming, maximumAge: maximumAge)
        let isWriter = links[position].isWriter
        let used = isWriter
            ? writerReceives(payload, onLinkAt: position, isRequest: isRequest, sameLeader: sameLeader)
            : readerReceives(payload, onLinkAt: position, isRequest: isRequest, sameLeader: sameLeader)
        // A request is answered; a rejected proposal is corrected at once, since the reader has already applied it.
        let reply = isRequest || (isWriter && !used) ? self.payload(onLinkAt: position) : nil
        return used ? .used(reply: reply) : .ignored(reply: reply)
    }

    /// The writer: a request carries the reader's estimate, and φ moves by half the difference; a reply carries the
    /// reader's proposal, accepted when it builds on the current version.
    private mutating func writerReceives(_ payload: AggregationPayload, onLinkAt position: Int, isRequest: Bool,
                                         sameLeader: Bool) -> Bool {
        var flow = links[position].flow
        if isRequest {
            var transfer = (estimate - payload.estimate) * 0.5
            if !sameLeader { transfer.leaderWeight = 0 }
            flow += transfer
        } else {
            guard payload.linkSequence == links[position].version else { return false }
            let proposal = payload.flow * -1
            flow = AggregationVector(leaderWeight: sameLeader ? proposal.leaderWeight : flow.leaderWeight,
                                     temperature: proposal.temperature, humidity: proposal.humidity,
                                     pressure: proposal.pressure)
        }
        setFlow(flow, onLinkAt: position)
        bumpVersion(ofLinkAt: position)
        return true
    }

    private mutating func bumpVersion(ofLinkAt position: Int) {
        versionClock &+= 1
        links[position].version = versionClock
    }

    /// The reader: adopts −φ of any version not older than its own; a request also carries the writer's estimate,
    /// so the reader proposes φ plus half the difference and applies it at once.
    private mutating func readerReceives(_ payload: AggregationPayload, onLinkAt position: Int, isRequest: Bool,
                                         sameLeader: Bool) -> Bool {
        guard payload.linkSequence &- links[position].version < 1 << 31 else { return false } // older than ours
        var flow = payload.flow * -1
        if !sameLeader { flow.leaderWeight = links[position].flow.leaderWeight }
        setFlow(flow, onLinkAt: position)
        links[position].version = payload.linkSequence
        guard isRequest else { return true }
        var transfer = (payload.estimate - estimate) * 0.5
        if !sameLeader { transfer.leaderWeight = 0 }
        setFlow(flow - transfer, onLinkAt: position)
        return true
    }

    /// Adopts a smaller, fresh leader claim (restarting the leader weight's flows: the new leader's averaging is
    /// another computation); returns whether this node and the claim now name the same leader.
    mutating func mergeLeader(_ candidate: PeerAddress, age: UInt16, acceptsLeader: (PeerAddress, UInt16) -> Bool) -> Bool {
        if candidate == leader {
            if !isLeader { leaderAge = min(leaderAge, age) }
            return true
        }
        guard candidate < leader, age <= leaderMaximumAge, acceptsLeader(candidate, age) else { return false }
        switchLeader(to: candidate, age: age)
        return true
    }

    mutating func switchLeader(to candidate: PeerAddress, age: UInt16) {
        leader = candidate
        leaderAge = candidate == owner ? 0 : age
        for position in links.indices where links[position].flow.leaderWeight != 0 {
            var flow = links[position].flow
            flow.leaderWeight = 0
            setFlow(flow, onLinkAt: position)
            if links[position].isWriter { bumpVersion(ofLinkAt: position) }
        }
    }

    /// The leader was declared dead: this node claims the role until it hears of a smaller live one.
    mutating func leaderDied(_ address: PeerAddress) {
        if leader == address, !isLeader { switchLeader(to: owner, age: 0) }
    }

    /// A new epoch: every flow starts again from zero, extrema from this node's own readings.
    mutating func restart(epoch newEpoch: UInt32) {
        epoch = newEpoch
        for position in links.indices {
            links[position].flow = AggregationVector()
            if links[position].isWriter { bumpVersion(ofLinkAt: position) }
        }
        outflow = AggregationVector()
        extrema = ownExtrema
        switchLeader(to: owner, age: 0)
        networkSizeTrack = ConvergenceTrack()
        temperatureTrack = ConvergenceTrack()
        humidityTrack = ConvergenceTrack()
        pressureTrack = ConvergenceTrack()
    }

    /// Once per protocol period: the leader claim and the extrema age, and convergence is measured.
    mutating func periodElapsed(tolerance: Double) {
        if !isLeader {
            leaderAge &+= 1
            if leaderAge > leaderMaximumAge || leaderAge == 0 { switchLeader(to: owner, age: 0) }
        }
        extrema.age(maximumAge: maximumAge)
        extrema.merge(ownExtrema, maximumAge: maximumAge)
        periodsSinceRecompute += 1
        if periodsSinceRecompute >= 16 {
            periodsSinceRecompute = 0
            recomputeOutflow()
        }
        measureConvergence(tolerance: tolerance)
    }

    private mutating func measureConvergence(tolerance: Double) {
        let current = estimate
        let size = current.leaderWeight > 0 ? 1 / current.leaderWeight : nil
        networkSizeTrack.record(average: size, count: nil, tolerance: tolerance)
        func record(_ track: inout ConvergenceTrack, _ channel: AggregationChannel) {
            let moments = current[channel]
            let average = moments.count > 0 ? moments.shiftedSum / moments.count + channel.reference : nil
            track.record(average: average, count: size.map { moments.count * $0 }, tolerance: tolerance)
        }
        record(&temperatureTrack, .temperature)
        record(&humidityTrack, .humidity)
        record(&pressureTrack, .pressure)
    }
}
