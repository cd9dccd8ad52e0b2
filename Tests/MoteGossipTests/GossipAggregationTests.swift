import XCTest

@testable import MoteGossip

/// Flow Updating between two and three instances on a manual clock (Jesus, Baquero, Almeida, "Fault-Tolerant
/// Aggregation by Flow Updating", DAIS 2009): agreement on the exact aggregates, readings that are not aggregated, a
/// dead member's contribution leaving the sums after the grace period (or staying when it refutes in time), and
/// epochs.
final class GossipAggregationTests: XCTestCase {
    typealias Readings = (Double?, Double?, Double?)

    /// The true aggregates of `readings`, per channel: count, sum, average, population variance, minimum, maximum.
    private struct Truth {
        var count: Double
        var sum: Double
        var average: Double
        var variance: Double
        var minimum: Double
        var maximum: Double

        init(_ values: [Double]) {
            count = Double(values.count)
            sum = values.reduce(0, +)
            average = sum / count
            let mean = average
            variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / count
            minimum = values.min() ?? .nan
            maximum = values.max() ?? .nan
        }
    }

    private func truths(_ readings: [Readings]) -> [AggregationChannel: Truth] {
        [
            .temperature: Truth(readings.compactMap(\.0)),
            .humidity: Truth(readings.compactMap(\.1)),
            .pressure: Truth(readings.compactMap(\.2)),
        ]
    }

    /// Asserts that node `index` holds the true aggregates of `readings` (relative `tolerance`; extrema exactly,
    /// unless `extrema` is false).
    private func assertEstimates(of network: TestNetwork, at index: Int, match readings: [Readings],
                                 tolerance: Double, extrema: Bool = true, file: StaticString = #filePath,
                                 line: UInt = #line) {
        let estimate = network.nodes[index].aggregates
        let node = index + 1
        func close(_ value: Double?, _ expected: Double, _ what: String) {
            guard let value else { return XCTFail("node \(node): no \(what)", file: file, line: line) }
            XCTAssertLessThanOrEqual(abs(value - expected), tolerance * max(abs(expected), 1),
                                     "node \(node): \(what) \(value), expected \(expected)", file: file, line: line)
        }
        close(estimate.networkSize, Double(readings.count), "network size")
        for (channel, truth) in truths(readings) {
            let channelEstimate = estimate[channel]
            close(channelEstimate.count, truth.count, "\(channel) count")
            close(channelEstimate.sum, truth.sum, "\(channel) sum")
            close(channelEstimate.average, truth.average, "\(channel) average")
            close(channelEstimate.variance, truth.variance, "\(channel) variance")
            guard extrema else { continue }
            XCTAssertEqual(channelEstimate.minimum, truth.minimum, "node \(node): \(channel) minimum",
                           file: file, line: line)
            XCTAssertEqual(channelEstimate.maximum, truth.maximum, "node \(node): \(channel) maximum",
                           file: file, line: line)
        }
    }

    // MARK: agreement

    func testTwoNodesAgreeOnTheExactAggregates() {
        // Readings whose differences halve exactly in binary: one exchange moves both ends to the same value.
        var network = TestNetwork(count: 2, readings: [(20, 40, 101_325), (22, 60, 101_425)])
        network.run(until: .seconds(10))
        for index in 0..<2 {
            let estimate = network.nodes[index].aggregates
            XCTAssertEqual(estimate.epoch, 0)
            XCTAssertEqual(estimate.leader, peer(1), "the smallest address leads")
            XCTAssertEqual(estimate.networkSize, 2)
            XCTAssertTrue(estimate.networkSizeIsConverged)
            XCTAssertEqual(estimate.temperature, ChannelEstimate(average: 21, variance: 1, count: 2, sum: 42,
                                                                 minimum: 20, maximum: 22, relativeChange: 0,
                                                                 isConverged: true))
            XCTAssertEqual(estimate.humidity, ChannelEstimate(average: 50, variance: 100, count: 2, sum: 100,
                                                              minimum: 40, maximum: 60, relativeChange: 0,
                                                              isConverged: true))
            XCTAssertEqual(estimate.pressure, ChannelEstimate(average: 101_375, variance: 2_500, count: 2,
                                                              sum: 202_750, minimum: 101_325, maximum: 101_425,
                                                              relativeChange: 0, isConverged: true))
        }
    }

    func testThreeNodesAgreeOnTheAggregatesOfTheChannelsEachReports() {
        // The third node has no humidity sensor: humidity is counted over two nodes, the rest over three.
        let readings: [Readings] = [(18.25, 41.5, 100_990), (21.5, 63.25, 101_512.5), (23.75, nil, 101_101)]
        var network = TestNetwork(count: 3, readings: readings)
        network.run(until: .seconds(60))
        for index in 0..<3 {
            assertEstimates(of: network, at: index, match: readings, tolerance: 1e-12)
            XCTAssertTrue(network.nodes[index].aggregates.temperature.isConverged)
        }
    }

    // MARK: readings that are not aggregated

    func testReadingsOutsideTheirPhysicalRangeOrNotFiniteAreNotAggregated() {
        var instance = node(knowing: [], configuration: GossipConfiguration())
        instance.setReadings(temperatureCelsius: 300, relativeHumidityPercent: .nan, pressurePascals: 101_325)
        XCTAssertEqual(instance.counters.readingsRejected, 2)
        XCTAssertEqual(instance.aggregationInput.temperature, ChannelMoments())
        XCTAssertEqual(instance.aggregationInput.humidity, ChannelMoments())
        XCTAssertEqual(instance.aggregationInput.pressure, ChannelMoments(count: 1))
        XCTAssertNil(instance.aggregates.temperature.average)
        XCTAssertNil(instance.aggregates.temperature.maximum)
        XCTAssertEqual(instance.aggregates.pressure.average, 101_325)

        // The catalog's ranges, bounds included (TMP102 −55…150 °C, 0…100 %RH, LPS22HB 260…1260 hPa).
        let accepted: [Readings] = [(-55, 0, 26_000), (150, 100, 126_000)]
        let rejected: [Readings] = [(-55.001, -0.001, 25_999), (150.001, 100.001, 126_001),
                                    (.infinity, -.infinity, .nan)]
        for (temperature, humidity, pressure) in accepted {
            var instance = node(knowing: [], configuration: GossipConfiguration())
            instance.setReadings(temperatureCelsius: temperature, relativeHumidityPercent: humidity,
                                 pressurePascals: pressure)
            XCTAssertEqual(instance.counters.readingsRejected, 0, "\(temperature!) \(humidity!) \(pressure!)")
            XCTAssertEqual(instance.aggregates.temperature.average, temperature)
        }
        for (temperature, humidity, pressure) in rejected {
            var instance = node(knowing: [], configuration: GossipConfiguration())
            instance.setReadings(temperatureCelsius: temperature, relativeHumidityPercent: humidity,
                                 pressurePascals: pressure)
            XCTAssertEqual(instance.counters.readingsRejected, 3, "\(temperature!) \(humidity!) \(pressure!)")
            XCTAssertEqual(instance.aggregationInput, AggregationVector(leaderWeight: 1))
        }

        // A node with a broken temperature sensor still counts in the network size and its other channels.
        let readings: [Readings] = [(20, 40, 101_000), (300, 60, 102_000)]
        var network = TestNetwork(count: 2, readings: readings)
        network.run(until: .seconds(10))
        for index in 0..<2 {
            assertEstimates(of: network, at: index, match: [(20, 40, 101_000), (nil, 60, 102_000)], tolerance: 1e-12)
        }
    }

    func testAPayloadWithANonFiniteNumberOrAnImpossibleExtremumIsRejected() {
        var instance = node(knowing: [2], configuration: GossipConfiguration())
        _ = instance.tick(now: .seconds(1)) // a link to member 2
        let sane = AggregationPayload(epoch: 0, linkSequence: 1, leader: peer(2), leaderAge: 0, flow: .init(),
                                      estimate: .init(), extrema: .init())
        var nonFinite = sane
        nonFinite.estimate.temperature.shiftedSum = .nan
        var impossible = sane
        impossible.extrema.temperatureMaximum = AgedExtremum(value: 300)
        for (sequence, payload) in [nonFinite, impossible].enumerated() {
            let answer = instance.receive(message(from: peer(2), .ping(sequence: UInt32(sequence)),
                                                  aggregation: payload), now: .seconds(1)).sent
            XCTAssertEqual(answer.map(\.kind), [.ack(sequence: UInt32(sequence))])
            XCTAssertNil(answer.first?.message.aggregation, "no state for a malformed request")
        }
        XCTAssertEqual(instance.counters.aggregationRejected, 2)
        XCTAssertEqual(instance.aggregationEstimate, instance.aggregationInput, "nothing flowed")
    }

    // MARK: a dead member's contribution

    /// Six nodes; node 6 holds every maximum, node 1 (the leader) every minimum.
    private let six: [Readings] = [(18, 40, 101_000), (20, 50, 101_300), (21, 55, 101_200), (19, 45, 101_100),
                                   (22, 60, 101_400), (25, 70, 101_900)]

    /// Runs `network` until node `observer` declares node `crashed` dead; returns when.
    private func runUntilDeclaredDead(_ network: inout TestNetwork, crashed: Int, at observer: Int) throws
        -> Duration {
        try XCTUnwrap(network.run(until: network.now + .seconds(30)) { network in
            network.status(at: observer, of: crashed) != .dead
        }, "node \(observer + 1) declares node \(crashed + 1) dead")
    }

    func testADeadMembersContributionLeavesTheSumsAfterTheGracePeriod() throws {
        var network = TestNetwork(count: 6, readings: six)
        network.run(until: .seconds(30))
        for index in 0..<6 { assertEstimates(of: network, at: index, match: six, tolerance: 1e-12) }
        network.isUp[5] = false
        let declared = try runUntilDeclaredDead(&network, crashed: 5, at: 0)
        // Within the grace period the dead member's flows still count; at its end they leave the sums.
        let grace = GossipConfiguration().deadContributionGrace
        network.run(until: declared + grace - network.step)
        XCTAssertTrue(network.nodes[0].partners.contains(peer(6)), "still in the sums")
        network.advance()
        XCTAssertFalse(network.nodes[0].partners.contains(peer(6)), "gone at the end of the grace period")
        // The survivors then agree on count, sums, averages and variances of their own readings.
        network.run(until: network.now + .seconds(35))
        for index in 0..<5 {
            assertEstimates(of: network, at: index, match: Array(six.prefix(5)), tolerance: 1e-12, extrema: false)
        }
    }

    func testACrashedNodesExtremaAgeOut() throws {
        // Nobody vouches for node 6's maxima after its crash: they are forgotten after `extremumMaximumAge` (60)
        // periods, and the survivors' own maxima take their place. (See also `ChannelExtrema.merge`: a copy
        // relayed back and forth between survivors must not keep an extremum young.)
        var network = TestNetwork(count: 6, readings: six)
        network.run(until: .seconds(30))
        network.isUp[5] = false
        network.run(until: .seconds(30 + 90))
        for index in 0..<5 {
            assertEstimates(of: network, at: index, match: Array(six.prefix(5)), tolerance: 1e-12)
        }
    }

    func testACrashedLeaderIsReplacedAndTheCountRecovers() throws {
        // Thirty nodes (each aggregating with 8 chosen partners, so the leader's claim reaches most nodes second
        // hand): the leader crashes; once its death is certain everywhere, node 2 (the smallest live address)
        // leads, and counts and sums rest on its weight.
        let readings: [Readings] = (0..<30).map { index -> Readings in
            let temperature = 15 + Double(index % 7)
            let humidity = 40 + Double(index % 5)
            let pressure = 100_900 + 10 * Double(index)
            return (temperature, humidity, pressure)
        }
        var network = TestNetwork(count: 30, readings: readings)
        network.run(until: .seconds(60))
        for index in 0..<30 { assertEstimates(of: network, at: index, match: readings, tolerance: 1e-9) }
        network.isUp[0] = false
        network.run(until: .seconds(60 + 90))
        let survivors = 1..<30
        XCTAssertTrue(survivors.allSatisfy { network.status(at: $0, of: 0) == .dead }, "the leader is dead")
        XCTAssertEqual(Set(survivors.map { network.nodes[$0].aggregates.leader }), [peer(2)], "node 2 leads")
        let sizes = survivors.map { network.nodes[$0].aggregates.networkSize ?? .nan }
        XCTAssertTrue(sizes.allSatisfy { abs($0 - 29) < 1e-9 * 29 }, "every survivor counts 29: \(sizes)")
        // Averages never depended on the leader; sums and counts do, and follow the size.
        assertEstimates(of: network, at: 1, match: Array(readings.dropFirst()), tolerance: 1e-9, extrema: false)
    }

    func testADeathRefutedWithinTheGracePeriodLeavesTheSumsUntouched() throws {
        let readings: [Readings] = [(18, 40, 101_000), (20, 50, 101_300), (25, 70, 101_900)]
        var network = TestNetwork(count: 3, readings: readings)
        network.run(until: .seconds(30))
        // Node 1 is told that node 3 died (a false death: it is alive and reachable).
        network.deliver(message(from: peer(2), .gossip, membership: [fact(peer(3), .dead)]), to: 0)
        XCTAssertEqual(network.status(at: 0, of: 2), .dead)
        var revived: Duration?
        while network.now < .seconds(40) {
            network.advance()
            if revived == nil, network.status(at: 0, of: 2) == .alive { revived = network.now }
            XCTAssertTrue(network.nodes[0].partners.contains(peer(3)), "at \(network.now)")
            for index in 0..<3 {
                let size = try XCTUnwrap(network.nodes[index].aggregates.networkSize)
                XCTAssertEqual(size, 3, accuracy: 1e-9, "node \(index + 1) at \(network.now): no jolt in the sums")
            }
        }
        XCTAssertLessThan(try XCTUnwrap(revived), .seconds(30) + GossipConfiguration().deadContributionGrace)
        XCTAssertEqual(network.nodes[2].incarnation, 1, "node 3 refuted")
        network.run(until: .seconds(60))
        for index in 0..<3 { assertEstimates(of: network, at: index, match: readings, tolerance: 1e-12) }
    }

    // MARK: epochs

    func testAnEpochBumpRestartsEveryNodeCleanly() {
        let readings: [Readings] = [(18, 40, 101_000), (20, 50, 101_300), (25, 70, 101_900)]
        var network = TestNetwork(count: 3, readings: readings)
        network.run(until: .seconds(30))
        for index in 0..<3 { XCTAssertEqual(network.nodes[index].aggregates.epoch, 0) }
        // Node 2 restarts: its flows are zero, its estimate is its own input again, and it leads itself.
        network.nodes[1].restartAggregation()
        XCTAssertEqual(network.nodes[1].aggregates.epoch, 1)
        XCTAssertEqual(network.nodes[1].aggregationEstimate, network.nodes[1].aggregationInput)
        XCTAssertEqual(network.nodes[1].aggregationInput.leaderWeight, 1)
        XCTAssertTrue(network.nodes[1].aggregationFlows.allSatisfy { $0.flow == AggregationVector() })
        XCTAssertEqual(network.nodes[1].aggregates.networkSize, 1)
        // Every node hears of the new epoch, restarts in it, and they converge again to the same aggregates.
        network.run(until: .seconds(60))
        for index in 0..<3 {
            XCTAssertEqual(network.nodes[index].aggregates.epoch, 1)
            XCTAssertEqual(network.nodes[index].aggregates.leader, peer(1))
            assertEstimates(of: network, at: index, match: readings, tolerance: 1e-12)
        }
    }
}
