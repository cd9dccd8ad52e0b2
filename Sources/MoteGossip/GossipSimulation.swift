// A deterministic network of GossipInstance values: the same protocol code as the NIO shell runs, interpreted on a
// slotted clock with loss, partitions and churn drawn from one seed. Built for 100,000 nodes: instances in one array,
// messages in two reused buffers (one slot of latency), node addresses that map to array indices by arithmetic.

/// How the simulated nodes may reach each other.
public enum GossipTopology: Sendable, Equatable, CustomStringConvertible {
    /// Anyone may reach anyone; views are full up to `Scenario.fullViewLimit` nodes, random samples beyond.
    case complete
    /// A fixed random graph: each node links to about `degree` others (degree/2 chosen by each side) and knows only
    /// its neighbours.
    case random(degree: Int)

    /// `complete` or `random:K`.
    public var description: String {
        switch self {
        case .complete: "complete"
        case .random(let degree): "random:\(degree)"
        }
    }
}

/// A scripted crash: `count` random live nodes stop at the start of `round`.
public struct ScriptedCrash: Sendable, Equatable {
    /// How many nodes.
    public var count: Int
    /// When (1-based round).
    public var round: Int

    /// A crash.
    public init(count: Int, round: Int) {
        self.count = count
        self.round = round
    }
}

/// Random churn: every round each live node crashes with `crashProbability`; a crashed node restarts (with a new
/// generation, joining through three random nodes) after `downtimeRounds`, or never when that is 0.
public struct GossipChurn: Sendable, Equatable {
    /// Per node per round.
    public var crashProbability: Double
    /// Rounds down before the restart; 0 for none.
    public var downtimeRounds: Int

    /// Churn.
    public init(crashProbability: Double, downtimeRounds: Int) {
        self.crashProbability = crashProbability
        self.downtimeRounds = downtimeRounds
    }
}

/// A partition: a random `fraction` of the nodes cannot exchange datagrams with the rest from the start of round
/// `start` until the start of round `end` (0: never heals).
public struct GossipPartition: Sendable, Equatable {
    /// Share of nodes cut off.
    public var fraction: Double
    /// First round of the split.
    public var start: Int
    /// First round healed; 0 for never.
    public var end: Int

    /// A partition.
    public init(fraction: Double, start: Int, end: Int) {
        self.fraction = fraction
        self.start = start
        self.end = end
    }
}

/// What the simulator runs.
public struct GossipScenario: Sendable {
    /// Number of nodes (1 ... 16,000,000).
    public var nodes: Int
    /// Probability that any datagram is lost.
    public var loss: Double = 0
    /// Who may reach whom.
    public var topology: GossipTopology = .complete
    /// Random crashes and restarts.
    public var churn: GossipChurn?
    /// Scripted crashes.
    public var crashes: [ScriptedCrash] = []
    /// A partition and its heal.
    public var partition: GossipPartition?
    /// Seed of everything random: readings, topology, loss, every node's choices.
    public var seed: UInt64 = 1
    /// Clock slots per protocol period; a datagram takes one slot.
    public var slotsPerRound = 10
    /// Largest network in which every node knows every other (`complete` topology).
    public var fullViewLimit = 2_000
    /// Members each node starts with beyond `fullViewLimit`.
    public var partialViewSize = 8
    /// The protocol's configuration (member capacity and neighbourhood are set per topology).
    public var configuration = GossipConfiguration()

    /// A scenario of `nodes` nodes with everything else at defaults.
    public init(nodes: Int) {
        self.nodes = nodes
    }
}

/// What one round looked like.
public struct GossipRoundStatistics: Sendable, Equatable {
    /// 1-based round.
    public var round: Int
    /// Nodes running at the end of the round.
    public var liveNodes: Int
    /// Largest relative error of any live node's average, over the three channels, against the true average of
    /// the live nodes it can reach (1 for a node with no estimate).
    public var worstAverageError: Double
    /// Largest relative error of any live node's network-size estimate (1 for a node with none).
    public var worstNetworkSizeError: Double
    /// Largest relative error of any live node's variance, over the channels.
    public var worstVarianceError: Double
    /// Share of live nodes whose minimum and maximum are exactly the true ones, on every channel.
    public var extremaExact: Double
    /// Datagrams sent per live node this round.
    public var messagesPerNode: Double
    /// Estimated bytes sent per live node this round (the scenario's size function).
    public var bytesPerNode: Double
    /// Mean over live nodes of the share of their view that is right (alive believed alive or suspect, dead or
    /// restarted believed dead); above 20,000 nodes, over a regular sample of about 10,000.
    public var membershipAccuracy: Double
    /// The lowest such share (over the same nodes).
    public var worstMembershipAccuracy: Double
    /// Declarations of a live, reachable member's death so far.
    public var falseDeclarations: Int
    /// Share of live nodes that report every estimate converged.
    public var convergedShare: Double
}

/// A scripted crash's detection: when every live node that knew the crashed one had declared it dead.
public struct CrashDetection: Sendable, Equatable {
    /// The crashed node's address.
    public var member: PeerAddress
    /// When it crashed, in protocol periods since the start.
    public var crashedAt: Double
    /// Protocol periods from the crash until the last live node declared it dead; nil while some still have not.
    public var periodsUntilDeadEverywhere: Double?
}

/// The simulated network.
public struct GossipSimulation {
    /// Where a queued directive goes: its sender and destination node, or −1 when it is dropped (lost, cut off by
    /// the partition, addressed outside the network, or not a datagram).
    struct Route {
        var from: Int32
        var to: Int32
    }

    struct Readings {
        var temperature: Double?
        var humidity: Double?
        var pressure: Double?

        subscript(channel: AggregationChannel) -> Double? {
            switch channel {
            case .temperature: temperature
            case .humidity: humidity
            case .pressure: pressure
            }
        }
    }

    /// The scenario being run.
    public let scenario: GossipScenario
    /// Every node's instance (a crashed node keeps its last state until it restarts).
    public private(set) var nodes: [GossipInstance]
    /// Whether each node is running.
    public private(set) var isAlive: [Bool]
    /// Rounds completed.
    public private(set) var round = 0
    /// Scripted crashes and when they were detected everywhere.
    public private(set) var detections: [CrashDetection] = []

    var readings: [Readings]
    var generations: [UInt64]
    var downUntil: [Int]
    var side: [UInt8]
    var neighbours: [[Int32]]
    var random: SeededRandom
    /// Datagrams in flight, delivered next slot: the instances append their directives straight here (no copy),
    /// and `nextRoutes` says where each goes.
    var current: [GossipDirective] = []
    var currentRoutes: [Route] = []
    var next: [GossipDirective] = []
    var nextRoutes: [Route] = []
    var slot = 0
    var messagesThisRound = 0
    var bytesThisRound = 0
    var falseDeclarations = 0
    var pendingDetections: [Int] = []
    let slotLength: Duration
    /// Number of nodes (`nodes` is briefly moved out while a slot runs).
    let nodeCount: Int
    /// The configuration every node is built with, one object for all of them.
    let settings: SharedConfiguration

    /// Room each node has from the start for the members of a partial view, and for links (fewer when its whole view
    /// is smaller; a full view or a random graph's neighbourhood has room for all its members), so that a node's
    /// buffers are allocated together when it is built instead of wherever they happen to grow: the simulator is
    /// bound by memory latency, and 20 rounds of 100,000 nodes took 10.2 s with it against 12.2 s without. At
    /// 100,000 nodes a partial view holds 16 members on average after 30 rounds, and 99.5 % of them at most 24.
    static let reservedView = 24

    static let baseAddress: UInt32 = 0x0A00_0001
    static let port: UInt16 = 7946

    /// The address of node `index` (10.0.0.1 upwards, port 7946).
    public static func address(of index: Int) -> PeerAddress {
        PeerAddress(ipv4: baseAddress &+ UInt32(index), port: port)
    }

    /// The node index of `address`, if it is one of the simulation's.
    public func index(of address: PeerAddress) -> Int? {
        guard let ipv4 = address.ipv4, address.port == Self.port, ipv4 >= Self.baseAddress else { return nil }
        let index = Int(ipv4 - Self.baseAddress)
        return index < nodeCount ? index : nil
    }

    /// Builds the network: readings, topology, initial views, all nodes started at time zero.
    public init(_ scenario: GossipScenario) {
        self.scenario = scenario
        let count = Swift.max(1, Swift.min(scenario.nodes, 16_000_000))
        nodeCount = count
        settings = Self.configuration(for: scenario, nodes: count)
        var random = SeededRandom(seed: scenario.seed)
        slotLength = scenario.configuration.protocolPeriod / Swift.max(1, scenario.slotsPerRound)
        readings = (0..<count).map { _ in Self.syntheticReadings(&random) }
        generations = Array(repeating: 1, count: count)
        downUntil = Array(repeating: 0, count: count)
        side = Array(repeating: 0, count: count)
        isAlive = Array(repeating: true, count: count)
        neighbours = []
        if case .random(let degree) = scenario.topology {
            neighbours = Self.randomGraph(nodes: count, degree: degree, random: &random)
        }
        nodes = []
        nodes.reserveCapacity(count)
        self.random = random
        for index in 0..<count {
            nodes.append(makeNode(index, seeds: [], bootstrap: true))
        }
        if let partition = scenario.partition {
            var order = Array(0..<count)
            order.shuffle(using: &self.random)
            for index in order.prefix(Int(Double(count) * partition.fraction)) { side[index] = 1 }
        }
    }

    /// Temperature around 20 °C, humidity on 70 % of nodes, pressure around 101,325 Pa, and one node in 200 whose
    /// temperature sensor reports an impossible 300 °C (not aggregated).
    static func syntheticReadings(_ random: inout SeededRandom) -> Readings {
        func normal(_ random: inout SeededRandom) -> Double {
            // Sum of 12 uniforms minus 6: mean 0, variance 1, bounded; enough for synthetic readings.
            var sum = 0.0
            for _ in 0..<12 { sum += Double(random.next() >> 11) * 0x1p-53 }
            return sum - 6
        }
        let broken = random.chance(0.005)
        let temperature = broken ? 300 : 20 + 3 * normal(&random)
        let humidity: Double? = random.chance(0.7) ? 30 + 40 * Double(random.next() >> 11) * 0x1p-53 : nil
        let pressure = 101_325 + 300 * normal(&random)
        return Readings(temperature: temperature, humidity: humidity, pressure: pressure)
    }

    static func randomGraph(nodes count: Int, degree: Int, random: inout SeededRandom) -> [[Int32]] {
        var adjacency = [[Int32]](repeating: [], count: count)
        guard count > 1 else { return adjacency }
        let chosen = Swift.max(1, (degree + 1) / 2)
        for node in 0..<count {
            var picks = 0
            var attempts = 0
            while picks < Swift.min(chosen, count - 1), attempts < 8 * chosen {
                attempts += 1
                let other = random.index(below: count)
                guard other != node, !adjacency[node].contains(Int32(other)) else { continue }
                adjacency[node].append(Int32(other))
                adjacency[other].append(Int32(node))
                picks += 1
            }
        }
        return adjacency
    }

    /// The scenario's configuration with the member capacity and neighbourhood its topology needs.
    static func configuration(for scenario: GossipScenario, nodes count: Int) -> SharedConfiguration {
        var configuration = scenario.configuration
        switch scenario.topology {
        case .complete:
            if count > scenario.fullViewLimit {
                configuration.memberCapacity = Swift.max(configuration.aggregationPartners, scenario.partialViewSize)
            }
        case .random:
            configuration.learnsMembersFromGossip = false
            configuration.aggregationPartners = Int.max
        }
        return SharedConfiguration(configuration)
    }

    var now: Duration { slotLength * (round * scenario.slotsPerRound + slot) }

    mutating func makeNode(_ index: Int, seeds: [Int], bootstrap: Bool) -> GossipInstance {
        let count = readings.count
        var node = GossipInstance(address: Self.address(of: index), generation: generations[index],
                                  settings: settings, seeds: seeds.map(Self.address(of:)),
                                  randomSeed: random.next(), now: now)
        let view = switch scenario.topology {
        case .random: neighbours[index].count
        case .complete where count <= scenario.fullViewLimit: count - 1
        case .complete: Self.reservedView
        }
        node.reserveCapacity(members: view, links: Swift.min(view, Self.reservedView))
        let reading = readings[index]
        node.setReadings(temperatureCelsius: reading.temperature, relativeHumidityPercent: reading.humidity,
                         pressurePascals: reading.pressure)
        guard bootstrap else { return node }
        switch scenario.topology {
        case .random:
            for other in neighbours[index] { node.addMember(Self.address(of: Int(other)), generation: 1, now: now) }
        case .complete where count <= scenario.fullViewLimit:
            for other in 0..<count where other != index {
                node.addMember(Self.address(of: other), generation: 1, now: now)
            }
        case .complete:
            var added = 0
            var attempts = 0
            while added < scenario.partialViewSize, attempts < 4 * scenario.partialViewSize {
                attempts += 1
                let other = random.index(below: count)
                guard other != index, node.member(Self.address(of: other)) == nil else { continue }
                node.addMember(Self.address(of: other), generation: 1, now: now)
                added += 1
            }
        }
        return node
    }

    /// Runs one protocol period and returns its statistics.
    public mutating func step() -> GossipRoundStatistics {
        startOfRound()
        messagesThisRound = 0
        bytesThisRound = 0
        for slotIndex in 0..<scenario.slotsPerRound {
            slot = slotIndex
            runSlot()
            if !pendingDetections.isEmpty { checkDetections() }
        }
        slot = 0
        round += 1
        return statistics()
    }

    private mutating func startOfRound() {
        let upcoming = round + 1
        if let partition = scenario.partition, partition.end == upcoming {
            for index in side.indices { side[index] = 0 }
        }
        for crash in scenario.crashes where crash.round == upcoming {
            var crashed = 0
            var attempts = 0
            while crashed < crash.count, attempts < 100 * crash.count {
                attempts += 1
                let index = random.index(below: nodes.count)
                guard isAlive[index] else { continue }
                isAlive[index] = false
                crashed += 1
                detections.append(CrashDetection(member: Self.address(of: index),
                                                 crashedAt: Double(round), periodsUntilDeadEverywhere: nil))
                pendingDetections.append(detections.count - 1)
            }
        }
        if let churn = scenario.churn {
            for index in nodes.indices {
                if isAlive[index] {
                    guard churn.crashProbability > 0, random.chance(churn.crashProbability) else { continue }
                    isAlive[index] = false
                    downUntil[index] = churn.downtimeRounds > 0 ? upcoming + churn.downtimeRounds : Int.max
                } else if downUntil[index] <= upcoming {
                    restart(index)
                }
            }
        }
    }

    /// Whether the partition separates the sides during the round being run.
    private var partitionActive: Bool { isPartitioned(inRound: round + 1) }

    /// Whether the partition separates the sides during `round` (1-based): the statistics of a completed round
    /// (`round` after `step`) are measured against that round's partition, not the next one's.
    private func isPartitioned(inRound round: Int) -> Bool {
        guard let partition = scenario.partition else { return false }
        return round >= partition.start && (partition.end == 0 || round < partition.end)
    }

    private mutating func restart(_ index: Int) {
        generations[index] += 1
        isAlive[index] = true
        downUntil[index] = 0
        var seeds: [Int] = []
        switch scenario.topology {
        case .random:
            seeds = neighbours[index].map(Int.init)
        case .complete:
            while seeds.count < Swift.min(3, nodes.count - 1) {
                let other = random.index(below: nodes.count)
                if other != index, !seeds.contains(other) { seeds.append(other) }
            }
        }
        nodes[index] = makeNode(index, seeds: seeds, bootstrap: false)
    }

    private mutating func runSlot() {
        let time = now
        swap(&current, &next)
        swap(&currentRoutes, &nextRoutes)
        next.removeAll(keepingCapacity: true)
        nextRoutes.removeAll(keepingCapacity: true)
        // The instances are reached through a buffer pointer: `nodes[i].property` on the array would copy the whole
        // instance (hundreds of bytes and a dozen retains) for every read.
        var instances = nodes
        nodes = []
        defer { nodes = instances }
        let delivered = current
        let routes = currentRoutes
        instances.withUnsafeMutableBufferPointer { instances in
            delivered.withUnsafeBufferPointer { directives in
                for position in directives.indices {
                    let destination = Int(routes[position].to)
                    guard destination >= 0, isAlive[destination],
                          case .send(let message, _) = directives[position] else { continue }
                    let start = next.count
                    instances[destination].receive(message, now: time, into: &next)
                    route(from: destination, startingAt: start)
                }
            }
            for index in instances.indices where isAlive[index] && instances[index].nextWakeUp <= time {
                let start = next.count
                instances[index].tick(now: time, into: &next)
                route(from: index, startingAt: start)
            }
        }
    }

    /// Decides the fate of the directives node `sender` just appended to `next`.
    private mutating func route(from sender: Int, startingAt start: Int) {
        let partitioned = partitionActive
        for position in start..<next.count {
            var destination = -1
            switch next[position] {
            case .send(let message, let address):
                messagesThisRound += 1
                bytesThisRound += message.datagramSize
                guard let target = index(of: address) else { break }
                if partitioned, side[target] != side[sender] { break }
                if scenario.loss > 0, random.chance(scenario.loss) { break }
                destination = target
            case .memberChanged(let change):
                guard change.current == .dead, let member = index(of: change.member), isAlive[member],
                      generations[member] == change.generation, !partitioned || side[member] == side[sender]
                else { break }
                falseDeclarations += 1
            }
            nextRoutes.append(Route(from: Int32(sender), to: Int32(destination)))
        }
    }

    private mutating func checkDetections() {
        let periods = Double(round) + Double(slot + 1) / Double(scenario.slotsPerRound)
        let instances = nodes
        pendingDetections.removeAll { detectionIndex in
            let member = detections[detectionIndex].member
            let stillAlive = instances.withUnsafeBufferPointer { instances in
                instances.indices.contains { index in
                    guard isAlive[index], let position = instances[index].table.position(of: member) else {
                        return false
                    }
                    return instances[index].table[position].status != .dead
                }
            }
            if stillAlive { return false }
            detections[detectionIndex].periodsUntilDeadEverywhere = periods - detections[detectionIndex].crashedAt
            return true
        }
    }

    /// The live nodes' true aggregates for each side of the partition (one side when there is none).
    struct Truth {
        var liveNodes = 0
        var counts = [0.0, 0.0, 0.0]
        var sums = [0.0, 0.0, 0.0]
        /// Sums of squares of the values shifted by the channel's reference (as the nodes keep them).
        var squares = [0.0, 0.0, 0.0]
        var minima = [Double.infinity, .infinity, .infinity]
        var maxima = [-Double.infinity, -.infinity, -.infinity]

        func average(_ channel: Int) -> Double { sums[channel] / counts[channel] }
    }

    func truths() -> [Truth] {
        var truths = [Truth(), Truth()]
        let ranges = scenario.configuration.channelRanges
        let split = isPartitioned(inRound: round)
        for index in nodes.indices where isAlive[index] {
            let which = split ? Int(side[index]) : 0
            truths[which].liveNodes += 1
            for channel in AggregationChannel.allCases {
                guard let value = readings[index][channel], ranges.range(of: channel).contains(value) else { continue }
                let shifted = value - channel.reference
                truths[which].counts[channel.rawValue] += 1
                truths[which].sums[channel.rawValue] += value
                truths[which].squares[channel.rawValue] += shifted * shifted
                truths[which].minima[channel.rawValue] = Swift.min(truths[which].minima[channel.rawValue], value)
                truths[which].maxima[channel.rawValue] = Swift.max(truths[which].maxima[channel.rawValue], value)
            }
        }
        return truths
    }

    func statistics() -> GossipRoundStatistics {
        let truths = truths()
        let split = isPartitioned(inRound: round)
        var worstAverage = 0.0
        var worstSize = 0.0
        var worstVariance = 0.0
        var exactExtrema = 0
        var converged = 0
        var live = 0
        var accuracySum = 0.0
        var accuracyNodes = 0
        var worstAccuracy = 1.0
        // Membership accuracy reads every member record of a node: above 20,000 nodes a regular sample of about
        // 10,000 keeps it from dominating the round.
        let accuracyStride = nodes.count > 20_000 ? nodes.count / 10_000 : 1
        nodes.withUnsafeBufferPointer { nodes in
        for index in nodes.indices where isAlive[index] {
            live += 1
            let truth = truths[split ? Int(side[index]) : 0]
            let estimate = nodes[index].aggregationEstimate
            let size = estimate.leaderWeight > 0 ? 1 / estimate.leaderWeight : 0
            worstSize = Swift.max(worstSize, abs(size - Double(truth.liveNodes)) / Double(truth.liveNodes))
            var extremaRight = true
            for channel in AggregationChannel.allCases {
                let c = channel.rawValue
                guard truth.counts[c] > 0 else { continue }
                let moments = estimate[channel]
                let trueAverage = truth.average(c)
                let trueShiftedMean = trueAverage - channel.reference
                let trueVariance = truth.squares[c] / truth.counts[c] - trueShiftedMean * trueShiftedMean
                if moments.count > 0 {
                    let mean = moments.shiftedSum / moments.count
                    let average = mean + channel.reference
                    worstAverage = Swift.max(worstAverage, abs(average - trueAverage) / abs(trueAverage))
                    let variance = moments.shiftedSumOfSquares / moments.count - mean * mean
                    worstVariance = Swift.max(worstVariance, abs(variance - trueVariance) / Swift.max(trueVariance,
                                                                                                      1e-300))
                } else {
                    worstAverage = Swift.max(worstAverage, 1)
                    worstVariance = Swift.max(worstVariance, 1)
                }
                let minimum = nodes[index].aggregation.extrema.extremum(channel, maximum: false).value
                let maximum = nodes[index].aggregation.extrema.extremum(channel, maximum: true).value
                if minimum != truth.minima[c] || maximum != truth.maxima[c] { extremaRight = false }
            }
            if extremaRight { exactExtrema += 1 }
            let needed = scenario.configuration.convergencePeriods
            if nodes[index].aggregation.networkSizeTrack.settledPeriods >= needed,
               nodes[index].aggregation.temperatureTrack.settledPeriods >= needed,
               nodes[index].aggregation.humidityTrack.settledPeriods >= needed,
               nodes[index].aggregation.pressureTrack.settledPeriods >= needed {
                converged += 1
            }
            if index % accuracyStride == 0 {
                let accuracy = membershipAccuracy(of: nodes[index].table)
                accuracySum += accuracy
                accuracyNodes += 1
                worstAccuracy = Swift.min(worstAccuracy, accuracy)
            }
        }
        }
        let liveCount = Double(Swift.max(live, 1))
        return GossipRoundStatistics(
            round: round, liveNodes: live, worstAverageError: worstAverage, worstNetworkSizeError: worstSize,
            worstVarianceError: worstVariance, extremaExact: Double(exactExtrema) / liveCount,
            messagesPerNode: Double(messagesThisRound) / liveCount, bytesPerNode: Double(bytesThisRound) / liveCount,
            membershipAccuracy: accuracySum / Double(Swift.max(accuracyNodes, 1)),
            worstMembershipAccuracy: accuracyNodes > 0 ? worstAccuracy : 0,
            falseDeclarations: falseDeclarations, convergedShare: Double(converged) / liveCount)
    }

    func membershipAccuracy(of table: MemberTable) -> Double {
        let count = table.count
        guard count > 0 else { return 1 }
        var right = 0
        for position in 0..<count {
            let member = table[position]
            guard let index = index(of: member.address) else { continue }
            let reallyAlive = isAlive[index] && generations[index] == member.generation
            if reallyAlive == (member.status != .dead) { right += 1 }
        }
        return Double(right) / Double(count)
    }

    /// Mass conservation across nodes and links (Flow Updating's invariant): the sum of live nodes' estimates plus
    /// the flows on their links (both directions, including links to crashed nodes) equals the sum of live
    /// nodes' inputs. Returns the largest absolute difference over the ten components, relative to the inputs'
    /// magnitude.
    public func massConservationError() -> Double {
        var estimates = AggregationVector()
        var flows = AggregationVector()
        var inputs = AggregationVector()
        for index in nodes.indices where isAlive[index] {
            estimates += nodes[index].aggregationEstimate
            inputs += nodes[index].aggregationInput
            for link in nodes[index].aggregation.links { flows += link.flow }
        }
        let difference = estimates + flows - inputs
        let components = [difference.leaderWeight, difference.temperature.count, difference.temperature.shiftedSum,
                          difference.temperature.shiftedSumOfSquares, difference.humidity.count,
                          difference.humidity.shiftedSum, difference.humidity.shiftedSumOfSquares,
                          difference.pressure.count, difference.pressure.shiftedSum,
                          difference.pressure.shiftedSumOfSquares]
        let scale = Swift.max(1, inputs.temperature.shiftedSumOfSquares, inputs.pressure.shiftedSumOfSquares,
                              inputs.humidity.shiftedSumOfSquares)
        return components.map { abs($0) }.max().map { $0 / scale } ?? 0
    }

    /// Largest |f_ij + f_ji| over links between live nodes (a link with one end only counts its flow): zero when
    /// every message has got through, so that the live nodes' estimates sum exactly to their inputs.
    public func largestLinkImbalance() -> Double {
        var largest = 0.0
        for index in nodes.indices where isAlive[index] {
            for link in nodes[index].aggregation.links {
                var imbalance = link.flow
                if let peer = self.index(of: link.peer), isAlive[peer],
                   let back = nodes[peer].aggregation.linkPosition(of: nodes[index].address) {
                    imbalance = imbalance + nodes[peer].aggregation.links[back].flow
                }
                largest = Swift.max(largest, abs(imbalance.leaderWeight), abs(imbalance.temperature.shiftedSum),
                                    abs(imbalance.pressure.shiftedSum), abs(imbalance.humidity.count))
            }
        }
        return largest
    }
}
