import Foundation
import XCTest

@testable import MoteGossip

/// The SWIM failure detector of `GossipInstance`, driven message by message on a manual clock with no network, as
/// apple/swift-cluster-membership tests its SWIM.Instance: probes, indirect probes, relays, suspicion, Lifeguard's
/// timeouts and local health, refutation.
///
/// SWIM: Das, Gupta, Motivala, "SWIM: Scalable Weakly-consistent Infection-style Process Group Membership
/// Protocol", DSN 2002. Lifeguard: Dadgar, Phillips, Currey, "Lifeguard: Local Health Awareness for More Accurate
/// Failure Detection", DSN Workshops 2018.
final class GossipInstanceTests: XCTestCase {
    /// Ticks `instance` at `time` and returns its directives.
    private func tick(_ instance: inout GossipInstance, at milliseconds: Int) -> [GossipDirective] {
        instance.tick(now: .milliseconds(milliseconds))
    }

    /// The one ping a tick started (the probe's target and sequence).
    private func probe(in directives: [GossipDirective], file: StaticString = #filePath,
                       line: UInt = #line) throws -> Sent {
        let pings = directives.sent.filter(\.kind.isPing)
        XCTAssertEqual(pings.count, 1, "one probe per period", file: file, line: line)
        return try XCTUnwrap(pings.first, file: file, line: line)
    }

    /// Ticks `instance` every 10 ms from `start` to `end` and returns the first time a directive satisfies
    /// `condition`, in seconds.
    private func firstTime(_ instance: inout GossipInstance, from start: Int, to end: Int,
                           where condition: (GossipDirective) -> Bool) -> Double? {
        for milliseconds in stride(from: start, through: end, by: 10) {
            if instance.tick(now: .milliseconds(milliseconds)).contains(where: condition) {
                return Double(milliseconds) / 1_000
            }
        }
        return nil
    }

    private func isDeath(of member: PeerAddress) -> (GossipDirective) -> Bool {
        { directive in
            guard case .memberChanged(let change) = directive else { return false }
            return change.member == member && change.current == .dead
        }
    }

    // MARK: ping and ack (SWIM §3)

    func testAPingIsAnsweredByAnAckWithTheSameSequence() {
        var known = node(2, knowing: [1])
        XCTAssertEqual(known.receive(message(from: peer(1), .ping(sequence: 7)), now: .seconds(5)),
                       [.send(message(from: peer(2), .ack(sequence: 7)), to: peer(1))])

        // A ping from a stranger makes it a member, and its join rides on the ack (it is news to spread).
        var stranger = node(2, knowing: [])
        XCTAssertEqual(stranger.receive(message(from: peer(1), .ping(sequence: 9)), now: .seconds(5)), [
            .memberChanged(MemberChange(member: peer(1), generation: 1, incarnation: 0, previous: nil,
                                        current: .alive)),
            .send(message(from: peer(2), .ack(sequence: 9), membership: [fact(peer(1), .alive)]), to: peer(1)),
        ])
    }

    func testAProbeAnsweredInTimeLeavesTheMemberAlive() throws {
        var instance = node(knowing: [2])
        // The first probe goes out within the first period (at a random phase), with sequence 1.
        XCTAssertEqual(tick(&instance, at: 1_000), [.send(message(from: peer(1), .ping(sequence: 1)), to: peer(2))])
        XCTAssertEqual(instance.nextWakeUp, .milliseconds(1_400), "the direct probe's timeout")
        // An ack of another sequence is no answer; the right one ends the probe.
        XCTAssertEqual(instance.receive(message(from: peer(2), .ack(sequence: 99)), now: .milliseconds(1_100)), [])
        XCTAssertEqual(instance.receive(message(from: peer(2), .ack(sequence: 1)), now: .milliseconds(1_200)), [])
        XCTAssertEqual(tick(&instance, at: 1_400), [], "no indirect probe after an answer")
        XCTAssertEqual(tick(&instance, at: 1_999), [])
        XCTAssertEqual(instance.member(peer(2))?.status, .alive)
        XCTAssertEqual(instance.counters.probesFailed, 0)
        XCTAssertEqual(instance.localHealth, 0)
        XCTAssertEqual(tick(&instance, at: 2_000), [.send(message(from: peer(1), .ping(sequence: 2)), to: peer(2))],
                       "one probe per protocol period")
    }

    func testANodeThatChoseNoPartnerProbesThePartnerHeardFromLeastRecentlyAndRepairsAtTheHalfPeriod() throws {
        // Every member linked to node 1 first, so it chooses none of them: it has no turns to take.
        var instance = node(knowing: [2, 3, 4, 5], configuration: GossipConfiguration())
        let request = AggregationPayload(epoch: 0, linkSequence: 1, leader: peer(2), leaderAge: 0, flow: .init(),
                                         estimate: .init(), extrema: .init())
        // Each member opens a link with an aggregation request, in this order; then 4 speaks again.
        for (time, member) in [(100, 4), (200, 2), (300, 5), (400, 3)] {
            _ = instance.receive(message(from: peer(member), .ping(sequence: 1), aggregation: request),
                                 now: .milliseconds(time))
        }
        XCTAssertEqual(Set(instance.partners), Set([2, 3, 4, 5].map(peer)))
        _ = instance.receive(message(from: peer(4), .gossip), now: .milliseconds(500))
        let first = try probe(in: tick(&instance, at: 1_000))
        XCTAssertEqual(first.to, peer(2), "heard from at 200 ms, the longest ago")
        XCTAssertNil(first.message.nextPingIn, "no turn, no promise")
        // 2 answers only through a helper (not 3), twice: the exchange did not complete, so it is probed again at
        // the half period (a repair), and the relayed acks are news of 2 as well.
        func answerThroughAHelper(_ ping: Sent, at time: Int) throws {
            let helpers = tick(&instance, at: time + 400).sent.filter(\.kind.isPingRequest).map(\.to)
            let helper = try XCTUnwrap(helpers.first { $0 != peer(3) })
            _ = instance.receive(message(from: helper, .ack(sequence: try XCTUnwrap(ping.kind.sequence))),
                                 now: .milliseconds(time + 500))
        }
        try answerThroughAHelper(first, at: 1_000)
        XCTAssertEqual(instance.nextWakeUp, .milliseconds(1_500), "the half period")
        let repair = try probe(in: tick(&instance, at: 1_500))
        XCTAssertEqual(repair.to, peer(2), "the repair")
        try answerThroughAHelper(repair, at: 1_500)
        XCTAssertEqual(instance.member(peer(2))?.status, .alive)
        // Then 3, heard from at 400 ms, and not 2: without the relayed acks, 2 would still date from 200 ms. The
        // second repair of 2 waits for this period's half.
        XCTAssertEqual(try probe(in: tick(&instance, at: 2_000)).to, peer(3))
        XCTAssertEqual(instance.nextWakeUp, .milliseconds(2_400), "the probe's timeout comes before the half period")
    }

    func testAPartnerThatRefusesTheExchangeTwiceInARowIsDroppedAndNotChosenAgain() throws {
        // Node 1 chooses one partner among 2 ... 10, and every candidate is full (`maximumLinks` 0 here, 64 by
        // default): it answers each aggregation request with a bare ack. Node 1 asks once more (the repair), then
        // closes the link and chooses another partner. Before, it re-asked every other probe for as long as the
        // partner stayed full.
        var configuration = GossipConfiguration()
        configuration.aggregationPartners = 1
        var instance = node(knowing: Array(2...10), configuration: configuration)
        var full = GossipConfiguration()
        full.maximumLinks = 0
        var refusers = (2...10).map { node($0, knowing: [1], configuration: full) }
        /// Delivers `ping` to its target and the target's answer back; returns whether the answer carried state.
        func answer(_ ping: Sent, at milliseconds: Int) throws -> Bool {
            let index = try XCTUnwrap((2...10).map(peer).firstIndex(of: ping.to))
            let replies = refusers[index].receive(ping.message, now: .milliseconds(milliseconds)).sent
            let ack = try XCTUnwrap(replies.first { $0.kind.isAck && $0.to == peer(1) })
            _ = instance.receive(ack.message, now: .milliseconds(milliseconds))
            return ack.message.aggregation != nil
        }
        let first = try probe(in: tick(&instance, at: 1_000))
        let partner = first.to
        XCTAssertEqual(instance.partners, [partner])
        XCTAssertNotNil(first.message.aggregation, "an aggregation request")
        XCTAssertFalse(try answer(first, at: 1_100), "refused: the partner is full")
        XCTAssertEqual(instance.partners, [partner], "one refusal may be transient: the link stays")
        let repair = try probe(in: tick(&instance, at: 2_000))
        XCTAssertEqual(repair.to, partner, "the repair")
        XCTAssertFalse(try answer(repair, at: 2_100))
        XCTAssertEqual(instance.partners, [], "refused twice in a row: the link is closed")
        XCTAssertEqual(instance.member(partner)?.status, .alive, "a refusal is no failure")
        // The next period brings another partner, never the refuser, and no further repair.
        for period in 3...10 {
            let next = try probe(in: tick(&instance, at: period * 1_000))
            XCTAssertNotEqual(next.to, partner, "period \(period)")
            XCTAssertFalse(instance.partners.contains(partner), "period \(period)")
            XCTAssertEqual(instance.partners.count, 1, "period \(period)")
            _ = try answer(next, at: period * 1_000 + 100)
        }
    }

    func testARefusalFollowedByAnExchangeStartsTheCountAgain() throws {
        // A partner that refused once (it took node 1 for dead, say) and then exchanged, and later refused once
        // more, is kept: only refusals in a row close a link.
        var instance = node(knowing: [2], configuration: GossipConfiguration())
        var partner = node(2, knowing: [1], configuration: GossipConfiguration())
        func probeAndAnswer(at milliseconds: Int, refuse: Bool) throws {
            let ping = try probe(in: tick(&instance, at: milliseconds))
            XCTAssertEqual(ping.to, peer(2))
            var ack = try XCTUnwrap(partner.receive(ping.message, now: .milliseconds(milliseconds + 50)).sent
                .first { $0.kind.isAck }).message
            XCTAssertNotNil(ack.aggregation)
            if refuse { ack.aggregation = nil }
            _ = instance.receive(ack, now: .milliseconds(milliseconds + 100))
        }
        for (period, refuse) in [(1, true), (2, false), (3, true), (4, false), (5, true)] {
            try probeAndAnswer(at: period * 1_000, refuse: refuse)
            XCTAssertEqual(instance.partners, [peer(2)], "period \(period)")
        }
    }

    // MARK: indirect probes (SWIM §3.1)

    func testASilentTargetIsPingedIndirectlyThroughKOtherMembersAndOnceMoreDirectly() throws {
        for k in [1, 3, 4] {
            var instance = node(knowing: [2, 3, 4, 5, 6], configuration: membershipOnly { $0.indirectProbeCount = k })
            let ping = try probe(in: tick(&instance, at: 1_000))
            XCTAssertEqual(tick(&instance, at: 1_399), [], "k = \(k): the direct ping still has time")
            let sent = tick(&instance, at: 1_400).sent
            let requests = sent.filter(\.kind.isPingRequest)
            XCTAssertEqual(requests.count, k, "k = \(k)")
            XCTAssertEqual(Set(requests.map(\.to)).count, k, "k = \(k): k different members")
            for request in requests {
                XCTAssertEqual(request.kind, .pingRequest(sequence: 1, target: ping.to))
                XCTAssertNotEqual(request.to, ping.to, "never the target itself")
                XCTAssertTrue([2, 3, 4, 5, 6].map(peer).contains(request.to))
            }
            XCTAssertEqual(sent.filter(\.kind.isPing), [ping], "k = \(k): the direct ping is repeated once")
            XCTAssertEqual(sent.count, k + 1)
        }
    }

    func testAMessageFromTheTargetDuringTheProbeKeepsItFromFailingAndAsksNoRelay() throws {
        var instance = node(knowing: [2, 3, 4, 5, 6])
        let ping = try probe(in: tick(&instance, at: 1_000))
        // The target pings this node while our ping (or its ack) is lost: a crossing ping is alive's best proof.
        let reply = instance.receive(message(from: ping.to, .ping(sequence: 9)), now: .milliseconds(1_100))
        XCTAssertEqual(reply.sent.map(\.kind), [.ack(sequence: 9)])
        let retry = tick(&instance, at: 1_400).sent
        XCTAssertEqual(retry, [ping], "the direct ping is repeated, and no member is asked to relay")
        XCTAssertEqual(tick(&instance, at: 1_800), [], "the probe ends without a suspicion")
        XCTAssertEqual(instance.member(ping.to)?.status, .alive)
        XCTAssertEqual(instance.counters.probesFailed, 0)
        // The same probe without that message fails at 1.8 s.
        var silent = node(knowing: [2, 3, 4, 5, 6])
        let unanswered = try probe(in: tick(&silent, at: 1_000))
        XCTAssertEqual(tick(&silent, at: 1_400).sent.filter(\.kind.isPingRequest).count, 3)
        _ = tick(&silent, at: 1_800)
        XCTAssertEqual(silent.member(unanswered.to)?.status, .suspect)
    }

    func testAMessageFromASuspectVoidsTheEvidenceGatheredBeforeIt() throws {
        // As in `testNacksFromTheHelpersMakeTwoFailedProbesEnoughWhereSilentHelpersAskForThree`: d = 0.76 and
        // nacking helpers make two failed probes proof, and the death would come at 2.92 s.
        var instance = node(knowing: Array(2...9))
        instance.recordFirstPings(answered: false, count: 4)
        instance.recordFirstPings(answered: true, count: 17)
        let target = try probe(in: tick(&instance, at: 1_000)).to
        var death: Double?
        for time in stride(from: 1_010, through: 10_000, by: 10) {
            if time == 2_500 {
                // Accused at 1.8 s; during the second probe the suspect writes (its message crossed the pings).
                XCTAssertEqual(instance.member(target)?.status, .suspect)
                _ = instance.receive(message(from: target, .gossip), now: .milliseconds(time))
            }
            let directives = tick(&instance, at: time)
            if directives.contains(where: isDeath(of: target)) {
                death = Double(time) / 1_000
                break
            }
            for request in directives.sent where request.kind.isPingRequest {
                _ = instance.receive(message(from: request.to, .nack(sequence: request.kind.sequence ?? 0)),
                                     now: .milliseconds(time))
            }
        }
        // The second probe heard from its target and does not fail; the first one's failure no longer counts. Two
        // more must fail, the third probe (2.8 to 3.8 s) and the fourth (to 4.8 s).
        XCTAssertEqual(try XCTUnwrap(death), 4.8, accuracy: 1e-9)
        XCTAssertEqual(instance.counters.probesFailed, 3)
    }

    func testARelayForwardsThePingAndReturnsTheTargetsAck() {
        var relay = node(3, knowing: [1, 2])
        // The relay pings the target with a sequence of its own.
        XCTAssertEqual(relay.receive(message(from: peer(1), .pingRequest(sequence: 9, target: peer(2))),
                                     now: .milliseconds(500)),
                       [.send(message(from: peer(3), .ping(sequence: 1)), to: peer(2))])
        // The target's ack goes back to the requester under the requester's sequence.
        XCTAssertEqual(relay.receive(message(from: peer(2), .ack(sequence: 1)), now: .milliseconds(600)),
                       [.send(message(from: peer(3), .ack(sequence: 9)), to: peer(1))])
        let later = tick(&relay, at: 2_000).sent
        XCTAssertFalse(later.contains { $0.to == peer(1) && $0.kind == .nack(sequence: 9) }, "no nack after the ack")
    }

    func testARelayWhosePingTimesOutSendsANack() {
        var relay = node(3, knowing: [1, 2])
        _ = relay.receive(message(from: peer(1), .pingRequest(sequence: 9, target: peer(2))), now: .milliseconds(500))
        let nack = Sent(message: message(from: peer(3), .nack(sequence: 9)), to: peer(1))
        // Lifeguard §IV.A: the relay answers within the probe timeout; at half of it, since the requester's probe
        // fails one timeout after it asked, and the request and the nack each travel half of it at most.
        XCTAssertFalse(tick(&relay, at: 699).sent.contains(nack))
        XCTAssertEqual(tick(&relay, at: 700).sent.filter { $0.kind == .nack(sequence: 9) }, [nack])
        XCTAssertFalse(tick(&relay, at: 900).sent.contains(nack), "one nack only")
    }

    func testAPingRequestForTheRelayItselfIsAnsweredAtOnce() {
        var relay = node(3, knowing: [1])
        XCTAssertEqual(relay.receive(message(from: peer(1), .pingRequest(sequence: 4, target: peer(3))),
                                     now: .milliseconds(500)),
                       [.send(message(from: peer(3), .ack(sequence: 4)), to: peer(1))])
    }

    func testAnAckRelayedByAnIntermediaryEndsTheProbe() throws {
        var instance = node(knowing: [2, 3, 4, 5, 6])
        let ping = try probe(in: tick(&instance, at: 1_000))
        let helper = try XCTUnwrap(tick(&instance, at: 1_400).sent.first(where: \.kind.isPingRequest)).to
        XCTAssertEqual(instance.receive(message(from: helper, .ack(sequence: 1)), now: .milliseconds(1_500)), [])
        XCTAssertEqual(tick(&instance, at: 1_999), [])
        XCTAssertEqual(instance.member(ping.to)?.status, .alive)
        XCTAssertEqual(instance.counters.probesFailed, 0)
    }

    // MARK: suspicion (SWIM §4.2) and Lifeguard's dynamic suspicion timeout (§IV.B)

    func testASuspicionOnlyHeardOfThatOutlivesTheLongestTimerIsCheckedWithTheMember() throws {
        // Node 1 is no partner of member 2 (no aggregation here) and hears that 3 suspects it; then nothing, as when
        // the refutation that went round was lost on its way here. When the longest suspicion timer has run out,
        // node 1 probes 2 itself, once: its ack carries the refutation. Before, a non-partner waited for news for
        // good (seen at 200 nodes and 10 % loss: one node held a refuted member suspect for ten periods and more).
        var instance = node(knowing: Array(2...101))
        _ = instance.receive(message(from: peer(3), .gossip, membership: [fact(peer(2), .suspect, accuser: peer(3))]),
                             now: .milliseconds(500))
        XCTAssertEqual(instance.member(peer(2))?.status, .suspect)
        let timeout = Int(instance.suspicionTimeout(confirmations: 0).seconds * 1_000)
        XCTAssertEqual(timeout, 6_012, "β · α · log10(101) periods: 6 × 0.5 × 2.004")
        var refutedAt: Int?
        var pingsToTheSuspect = 0
        for milliseconds in stride(from: 510, through: 500 + timeout + 1_500, by: 10) {
            let now = Duration.milliseconds(milliseconds)
            for sent in instance.tick(now: now).sent where sent.kind.isPing {
                // Every member answers; member 2 has refuted by now, which only its own messages tell.
                let refuted = sent.to == peer(2)
                if refuted { pingsToTheSuspect += 1 }
                _ = instance.receive(message(from: sent.to, incarnation: refuted ? 1 : 0,
                                             .ack(sequence: try XCTUnwrap(sent.kind.sequence))), now: now)
                if refuted, instance.member(peer(2))?.status == .alive, refutedAt == nil { refutedAt = milliseconds }
            }
        }
        let time = try XCTUnwrap(refutedAt, "the member was never asked")
        XCTAssertGreaterThanOrEqual(time, 500 + timeout)
        XCTAssertLessThanOrEqual(time, 500 + timeout + 1_000, "at the first half period after the timer")
        XCTAssertEqual(pingsToTheSuspect, 1)
        XCTAssertEqual(instance.member(peer(2))?.incarnation, 1)
    }

    func testAnUnansweredProbeMakesTheTargetSuspectAndSpreadsTheAccusation() throws {
        var instance = node(knowing: [2, 3, 4, 5, 6])
        let target = try probe(in: tick(&instance, at: 1_000)).to
        _ = tick(&instance, at: 1_400)
        XCTAssertEqual(tick(&instance, at: 1_799), [])
        // One unstretched timeout after the indirect phase began: suspect, and the next probe (out of turn: an
        // accusation goes first) asks the target itself at once, carrying the suspicion so that it can refute.
        let accusation = fact(target, .suspect, accuser: peer(1))
        XCTAssertEqual(tick(&instance, at: 1_800), [
            .memberChanged(MemberChange(member: target, generation: 1, incarnation: 0, previous: .alive,
                                        current: .suspect)),
            .send(message(from: peer(1), .ping(sequence: 2), membership: [accusation]), to: target),
        ])
        XCTAssertEqual(instance.member(target)?.status, .suspect)
        XCTAssertEqual(instance.counters.probesFailed, 1)
        // Any other member hears of it on the next message it gets.
        let other = try XCTUnwrap([2, 3, 4, 5, 6].map(peer).first { $0 != target })
        XCTAssertEqual(instance.receive(message(from: other, .ping(sequence: 5)), now: .milliseconds(2_100)),
                       [.send(message(from: peer(1), .ack(sequence: 5), membership: [accusation]), to: other)])
    }

    /// Lifeguard's timeout in periods with C confirmations: Min = α · max(1, log10 n), Max = β · Min, and
    /// Max − (Max − Min) · log(C + 1) / log(K + 1), never below Min (Lifeguard §IV.B, eq. 1).
    private func lifeguardTimeout(confirmations: Int, members: Int, configuration: GossipConfiguration) -> Double {
        let minimum = configuration.suspicionMultiplier * max(1, log10(Double(members)))
        let maximum = configuration.suspicionMaximumMultiplier * minimum
        let k = Double(min(configuration.suspicionConfirmations, members - 2))
        guard Double(confirmations) < k else { return minimum }
        return max(minimum, maximum - (maximum - minimum) * log(Double(confirmations) + 1) / log(k + 1))
    }

    func testIndependentConfirmationsShortenTheSuspicionButNeverBelowTheMinimum() throws {
        // falseSuspicionTolerance 1 turns the loss-aware re-probing off: Lifeguard's timeout alone.
        let configuration = membershipOnly { $0.falseSuspicionTolerance = 1 }
        // Nine members (n ≤ 10, so Min = α = 0.5 periods and Max = β · α = 3); the failed retry of the direct
        // ping is one confirmation, each other accuser one more, and K = 3 bring it down to Min.
        let expected: [Double] = [3.75, 3.018_797, 2.5, 2.5, 2.5, 2.5]
        for others in 0..<expected.count {
            var instance = node(knowing: Array(2...9), configuration: configuration)
            let target = try probe(in: tick(&instance, at: 1_000)).to
            _ = tick(&instance, at: 1_400)
            _ = tick(&instance, at: 2_000) // accused at 2 s
            XCTAssertEqual(instance.member(target)?.status, .suspect)
            let accusers = (2...9).map(peer).filter { $0 != target }.prefix(others)
            for accuser in accusers {
                _ = instance.receive(message(from: accuser, .gossip,
                                             membership: [fact(target, .suspect, accuser: accuser)]),
                                     now: .milliseconds(2_005))
            }
            let deadline = 2 + lifeguardTimeout(confirmations: min(1 + others, 3), members: 9,
                                                configuration: configuration)
            XCTAssertEqual(deadline, expected[others], accuracy: 1e-6, "the formula's value")
            let death = try XCTUnwrap(firstTime(&instance, from: 2_010, to: 10_000, where: isDeath(of: target)))
            XCTAssertGreaterThanOrEqual(death, deadline - 1e-9, "\(others) other accusers: not before the timeout")
            XCTAssertLessThan(death, deadline + 0.010, "\(others) other accusers: at the first tick after it")
        }
    }

    func testWithoutTheRetryAnUnconfirmedSuspicionLastsBetaTimesTheMinimum() throws {
        let configuration = membershipOnly {
            $0.falseSuspicionTolerance = 1
            $0.retriesDirectProbe = false
        }
        var instance = node(knowing: Array(2...9), configuration: configuration)
        let target = try probe(in: tick(&instance, at: 1_000)).to
        XCTAssertEqual(tick(&instance, at: 1_400).sent.filter(\.kind.isPing), [], "no second direct ping")
        _ = tick(&instance, at: 2_000)
        // No confirmation at all: β · α = 6 · 0.5 = 3 periods; the node's own later failed probes of the suspect
        // are not independent confirmations.
        let death = try XCTUnwrap(firstTime(&instance, from: 2_010, to: 10_000, where: isDeath(of: target)))
        XCTAssertGreaterThanOrEqual(death, 5 - 1e-9)
        XCTAssertLessThan(death, 5.01 + 1e-9)
    }

    func testADeathNeedsTheTimeoutAndEnoughOwnFailedProbesUnderTheMeasuredLoss() throws {
        // Default tolerance: before any probe has been answered the node assumes half of its first pings go
        // unanswered (per-datagram loss 1 − √0.5 ≈ 29 %), under which a probe fails with p ≈ 0.105 and a live member
        // fails ⌈5.12⌉ = 6 probes in a row with probability 1e-5.
        var instance = node(knowing: Array(2...9))
        XCTAssertEqual(instance.directProbeLoss, 0.5)
        XCTAssertEqual(instance.reprobePeriods, 5.118, accuracy: 1e-3)
        XCTAssertEqual(instance.reprobePeriods.rounded(.up), 6)
        let target = try probe(in: tick(&instance, at: 1_000)).to
        _ = tick(&instance, at: 1_400)
        _ = tick(&instance, at: 2_000)
        // The timeout is stretched to the re-probes (above Lifeguard's 1.75 periods): 5.118 periods from the first
        // probe's start, 4.118 from the accusation at its end; and the suspect is re-probed every period meanwhile,
        // so the sixth failure, at 7 s, completes the count past the timeout (6.118 s).
        XCTAssertEqual(instance.suspicionTimeout(confirmations: 1), .seconds(1) * (instance.reprobePeriods - 1))
        let death = try XCTUnwrap(firstTime(&instance, from: 2_010, to: 20_000, where: isDeath(of: target)))
        XCTAssertEqual(death, 7, accuracy: 1e-9, "the tick of the sixth failed probe")
        XCTAssertEqual(instance.counters.probesFailed, 6)
    }

    func testPastTheTimeoutASuspectStaysSuspectUntilEnoughOwnProbesOfItHaveFailed() throws {
        // The suspect answers this node's probes for a while without refuting (as when its acks come back through
        // a relay, which does not carry the accusation to it): Lifeguard's timeout passes, but the node's own
        // failed probes are short of the evidence a death needs (`isProven`), so it stays suspect. Its acks void the
        // failure before them (the suspect spoke since). Then it falls silent: it is declared dead in the very tick
        // whose failed probe completes a new count.
        var instance = node(knowing: Array(2...9))
        let target = try probe(in: tick(&instance, at: 1_000)).to
        _ = tick(&instance, at: 1_400)
        _ = tick(&instance, at: 2_000)
        let deadline = try XCTUnwrap(instance.suspicions.first { $0.member == target }).deadline.seconds
        XCTAssertEqual(deadline, 6.118, accuracy: 1e-3)
        var death: Double?
        for time in stride(from: 2_010, through: 60_000, by: 10) where death == nil {
            let failedBefore = instance.counters.probesFailed
            let directives = tick(&instance, at: time)
            if time == 9_000 {
                XCTAssertEqual(instance.member(target)?.status, .suspect, "past the timeout")
                XCTAssertEqual(instance.counters.probesFailed, 1)
                XCTAssertGreaterThan(instance.reprobePeriods, 1)
            }
            if directives.contains(where: isDeath(of: target)) {
                death = Double(time) / 1_000
                // No helper nacks here: the failures since 9 s alone are the evidence (the one at 1.8 s is void).
                let required = Int(instance.reprobePeriods.rounded(.up))
                XCTAssertGreaterThanOrEqual(instance.counters.probesFailed - 1, required)
                XCTAssertLessThan(failedBefore - 1, required, "the failure completing the count")
            }
            // Every other member always answers; the suspect until 9 s.
            for ping in directives.sent where ping.kind.isPing && (ping.to != target || time < 9_000) {
                _ = instance.receive(message(from: ping.to, .ack(sequence: ping.kind.sequence ?? 0)),
                                     now: .milliseconds(time))
            }
        }
        XCTAssertEqual(instance.member(target)?.status, .dead)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(death), 10, "at least one more probe of it had to fail")
    }

    func testTheEvidenceForADeathIsTheChanceOfALiveMemberFailingAsManyProbesWithAsManyNacks() {
        // Under the prior (direct loss 0.5, so d = 0.5): a probe asking three helpers fails with
        // p = (1 − d)² · (1 − d²)³ = 0.25 · 0.75³ ≈ 0.1055, and a failing helper of a live member nacks with
        // r = d / (1 + d) = 1/3.
        let instance = node(knowing: Array(2...9))
        func proven(failed: Int, helpers: Int, nacks: Int) -> Bool {
            instance.isProven(Suspicion(member: peer(2), accusedAt: .zero, deadline: .zero, accusers: [peer(1)],
                                        failedProbes: failed, helpersAsked: helpers, nacks: nacks))
        }
        XCTAssertFalse(proven(failed: 5, helpers: 15, nacks: 0), "p⁵ ≈ 1.3e-5")
        XCTAssertTrue(proven(failed: 6, helpers: 18, nacks: 0), "p⁶ ≈ 1.3e-6")
        XCTAssertFalse(proven(failed: 2, helpers: 6, nacks: 6), "p² · r⁶ ≈ 1.5e-5")
        XCTAssertTrue(proven(failed: 3, helpers: 9, nacks: 9), "p³ · r⁹ ≈ 6.0e-8")
        XCTAssertFalse(proven(failed: 3, helpers: 9, nacks: 6), "p³ · P(Bin(9, r) ≥ 6) ≈ 1.2e-3 · 0.042")
        XCTAssertTrue(proven(failed: 3, helpers: 9, nacks: 8), "p³ · P(Bin(9, r) ≥ 8) ≈ 1.2e-3 · 9.6e-4")
        XCTAssertTrue(proven(failed: 3, helpers: 9, nacks: 20), "more nacks than helpers count as one each")
        XCTAssertFalse(proven(failed: 7, helpers: 0, nacks: 0), "no helper asked: (1 − d)¹⁴ ≈ 6.1e-5")
    }

    func testNacksFromTheHelpersMakeTwoFailedProbesEnoughWhereSilentHelpersAskForThree() throws {
        // A direct loss of 0.24 (d = 0.76): a probe of a live member fails with p = 0.24² · (1 − 0.76²)³ ≈ 4.3e-3,
        // so failures alone need three (p² ≈ 1.9e-5 > 1e-5). A failing helper of a live member nacks with
        // r = d / (1 + d) ≈ 0.43, a crashed member's with d: six nacks from six helpers leave p² · r⁶ ≈ 1.2e-7.
        func death(nacking: Bool) throws -> (seconds: Double, failedProbes: Int) {
            var instance = node(knowing: Array(2...9))
            instance.recordFirstPings(answered: false, count: 4)
            instance.recordFirstPings(answered: true, count: 17)
            XCTAssertEqual(instance.directProbeLoss, 0.24, accuracy: 1e-12, "(4 · 0.5 + 4) / (4 + 21)")
            XCTAssertEqual(instance.reprobePeriods.rounded(.up), 3)
            let target = try probe(in: tick(&instance, at: 1_000)).to
            for time in stride(from: 1_010, through: 10_000, by: 10) {
                let directives = tick(&instance, at: time)
                if directives.contains(where: isDeath(of: target)) {
                    return (Double(time) / 1_000, instance.counters.probesFailed)
                }
                for request in directives.sent where nacking && request.kind.isPingRequest {
                    _ = instance.receive(message(from: request.to, .nack(sequence: request.kind.sequence ?? 0)),
                                         now: .milliseconds(time))
                }
            }
            XCTFail("never declared dead")
            return (0, 0)
        }
        // Accused when the first probe fails at 1.8 s; the second fails at 2.8 s. With the nacks that is proof,
        // and the death waits only for the timer: Lifeguard's shortest (0.5 periods, the nacks confirm) stretched
        // to the 2.117 − 1 periods of re-probing that failures alone would call for, so 2.917 s.
        let nacked = try death(nacking: true)
        XCTAssertEqual(nacked.failedProbes, 2)
        XCTAssertEqual(nacked.seconds, 2.92, accuracy: 1e-9)
        // Without nacks it takes the third failure, at 3.8 s.
        let silent = try death(nacking: false)
        XCTAssertEqual(silent.failedProbes, 3)
        XCTAssertEqual(silent.seconds, 3.8, accuracy: 1e-9)
    }

    func testLossIsMeasuredOverEveryProbeOfAMemberThatProvedAliveAndNeverOverProbesOfTheDead() throws {
        // The estimate starts as a mean over four imagined probes at 0.5; each probe of a member known alive then
        // weighs 1 / (probes so far + 4). A failed probe waits: it is loss once its target refutes, nothing if the
        // target dies (a crash is not loss).
        var instance = node(knowing: Array(2...9))
        let first = try probe(in: tick(&instance, at: 1_000))
        _ = instance.receive(message(from: first.to, .ack(sequence: try XCTUnwrap(first.kind.sequence))),
                             now: .milliseconds(1_200))
        XCTAssertEqual(instance.directProbeLoss, 0.5 - 0.5 / 5, accuracy: 1e-12, "answered: one sample of 0")

        let silent = try probe(in: tick(&instance, at: 2_000)).to
        _ = tick(&instance, at: 2_400)
        let reprobe = try probe(in: tick(&instance, at: 3_000))
        XCTAssertEqual(instance.member(silent)?.status, .suspect)
        XCTAssertEqual(reprobe.to, silent, "the accusation goes first")
        XCTAssertEqual(instance.directProbeLoss, 0.4, accuracy: 1e-12, "a failed probe is not counted yet")
        let refutation = message(from: silent, incarnation: 1, .ack(sequence: try XCTUnwrap(reprobe.kind.sequence)),
                                 membership: [fact(silent, .alive, incarnation: 1)])
        _ = instance.receive(refutation, now: .milliseconds(3_100))
        XCTAssertEqual(instance.member(silent)?.status, .alive)
        // Refuted: its failed probe was loss (weight 1/6); then the re-probe's own answer (1/7).
        var expected = 0.4 + (1 - 0.4) / 6
        expected -= expected / 7
        XCTAssertEqual(instance.directProbeLoss, expected, accuracy: 1e-12)

        // A probe answered only through a relay: its first ping went unanswered by a member that is alive (1/8).
        let relayed = try probe(in: tick(&instance, at: 4_000))
        // (The failure left local health at 1: the direct phase lasts 600 ms.)
        let helper = try XCTUnwrap(tick(&instance, at: 4_600).sent.first(where: \.kind.isPingRequest)).to
        _ = instance.receive(message(from: helper, .ack(sequence: try XCTUnwrap(relayed.kind.sequence))),
                             now: .milliseconds(4_800))
        expected += (1 - expected) / 8
        XCTAssertEqual(instance.directProbeLoss, expected, accuracy: 1e-12)

        // A member that fails a probe and is then declared dead leaves the estimate as it was.
        let dying = try probe(in: tick(&instance, at: 5_000)).to
        _ = tick(&instance, at: 5_400)
        _ = tick(&instance, at: 6_000)
        XCTAssertEqual(instance.member(dying)?.status, .suspect)
        let before = instance.directProbeLoss
        let witness = try XCTUnwrap((2...9).map(peer).first { $0 != dying })
        _ = instance.receive(message(from: witness, .gossip, membership: [fact(dying, .dead)]),
                             now: .milliseconds(6_100))
        XCTAssertEqual(instance.member(dying)?.status, .dead)
        XCTAssertEqual(instance.directProbeLoss, before)
    }

    func testTheStretchedProbeTimeoutLeavesTheIndirectPhaseOneUnstretchedTimeout() throws {
        // Default 400 ms timeout in a 1 s period: Lifeguard's stretch (400 ms × (health + 1)) stops at 600 ms, so
        // that the helpers' two round trips still fit before the period ends. Before, the stretch ran to 800 ms,
        // and at 30 % loss a node whose health had risen lost its indirect probes altogether.
        var instance = node(knowing: Array(2...9))
        let start = try XCTUnwrap(startOfAProbe(&instance, from: 1_000, atHealth: 7))
        XCTAssertEqual(tick(&instance, at: start + 599).sent.filter(\.kind.isPingRequest), [])
        XCTAssertEqual(tick(&instance, at: start + 600).sent.filter(\.kind.isPingRequest).count, 3)
        XCTAssertEqual(instance.localHealth, 7)
    }

    /// Ticks `instance` every 10 ms from `time`, nobody answering, until its local health is `health`, then until
    /// its next probe starts; returns that start in milliseconds (the tick has run).
    private func startOfAProbe(_ instance: inout GossipInstance, from time: Int, atHealth health: Int) -> Int? {
        var time = time
        while instance.localHealth < health {
            guard time < 60_000 else { return nil }
            _ = tick(&instance, at: time)
            time += 10
        }
        let running = instance.probe?.sequence
        while time < 60_000 {
            _ = tick(&instance, at: time)
            if let probe = instance.probe, probe.sequence != running { return time }
            time += 10
        }
        return nil
    }

    func testAProbeWhoseTargetIsDeclaredDeadMeanwhileEndsWithoutPenalty() throws {
        // Member 2's death arrives while this node's probe of it is running: the probe has nothing left to learn.
        // Its indirect phase would ask k members to ping the dead, and its failure would count against local health
        // (Lifeguard §IV.A), stretching the next probes for something that says nothing about this node.
        var instance = node(knowing: Array(2...9))
        let target = try probe(in: tick(&instance, at: 1_000)).to
        let other = try XCTUnwrap((2...9).map(peer).first { $0 != target })
        _ = instance.receive(message(from: other, .gossip, membership: [fact(target, .dead)]),
                             now: .milliseconds(1_100))
        XCTAssertEqual(instance.member(target)?.status, .dead)
        let probing = tick(&instance, at: 1_400).sent.filter { $0.kind.isPingRequest || $0.to == target }
        XCTAssertEqual(probing, [], "no indirect probe of a dead member (only the news of its death goes out)")
        _ = tick(&instance, at: 2_000)
        XCTAssertEqual(instance.counters.probesFailed, 0)
        XCTAssertEqual(instance.localHealth, 0)
    }

    func testASuspicionOnlyHeardOfNeverTimesOutIntoADeathHere() throws {
        // Only a node whose own probes failed declares a death (see `startSuspicionTimer`): here member 2 is
        // suspected by member 3, but answers every probe this node sends (without refuting: it never hears of it).
        var instance = node(knowing: [2, 3, 4, 5, 6])
        _ = instance.receive(message(from: peer(3), .gossip, membership: [fact(peer(2), .suspect, accuser: peer(3))]),
                             now: .milliseconds(500))
        XCTAssertEqual(instance.member(peer(2))?.status, .suspect)
        for time in stride(from: 510, through: 60_000, by: 10) {
            let directives = tick(&instance, at: time)
            XCTAssertFalse(directives.changes.contains { $0.current == .dead }, "at \(time) ms")
            for ping in directives.sent where ping.kind.isPing {
                _ = instance.receive(message(from: ping.to, .ack(sequence: ping.kind.sequence ?? 0)),
                                     now: .milliseconds(time))
            }
        }
        XCTAssertEqual(instance.counters.probesFailed, 0)
    }

    // MARK: refutation (SWIM §4.2)

    func testASuspectedNodeRefutesWithAHigherIncarnationAndTheAccuserClearsTheSuspicion() throws {
        var accuser = node(knowing: [2, 3, 4, 5, 6])
        let target = try probe(in: tick(&accuser, at: 1_000)).to
        _ = tick(&accuser, at: 1_400)
        let reprobe = try probe(in: tick(&accuser, at: 2_000))
        let sequence = try XCTUnwrap(reprobe.kind.sequence)

        // The suspect hears the accusation on the re-probe: incarnation 1. The refutation rides on its ack, and
        // goes to the accuser in a datagram of its own as well: if the ack is lost, so is the only answer that
        // would have cleared the suspicion before its deadline.
        var suspect = GossipInstance(address: target, generation: 1, configuration: membershipOnly(), randomSeed: 7,
                                     now: .zero)
        suspect.addMember(peer(1), generation: 1, now: .zero)
        let answer = suspect.receive(reprobe.message, now: .milliseconds(2_050))
        let refutation = message(from: target, incarnation: 1, .ack(sequence: sequence),
                                 membership: [fact(target, .alive, incarnation: 1)])
        XCTAssertEqual(answer, [
            .send(message(from: target, incarnation: 1, .gossip, membership: [fact(target, .alive, incarnation: 1)]),
                  to: peer(1)),
            .send(refutation, to: peer(1)),
        ])
        XCTAssertEqual(suspect.incarnation, 1)
        XCTAssertEqual(suspect.counters.refutations, 1)
        XCTAssertEqual(suspect.localHealth, 1, "Lifeguard: being suspected counts against local health")

        // The accuser takes the higher incarnation as alive, and its suspicion is gone for good.
        XCTAssertEqual(accuser.receive(refutation, now: .milliseconds(2_100)).changes, [
            MemberChange(member: target, generation: 1, incarnation: 1, previous: .suspect, current: .alive),
        ])
        XCTAssertEqual(accuser.member(target)?.status, .alive)
        XCTAssertTrue(accuser.suspicions.isEmpty)
        XCTAssertNil(firstTime(&accuser, from: 2_110, to: 3_990, where: isDeath(of: target)),
                     "no death after the old deadline")

        // An accusation at the old incarnation changes nothing, at the suspect or at anyone else.
        XCTAssertEqual(suspect.receive(message(from: peer(1), .gossip, membership: [fact(target, .suspect,
                                                                                         accuser: peer(1))]),
                                       now: .milliseconds(2_200)), [])
        XCTAssertEqual(suspect.incarnation, 1)
        XCTAssertEqual(suspect.counters.refutations, 1)
    }

    func testAMemberStillHoldingThisNodeDeadAfterItsRefutationIsToldAgainInADatagramOfItsOwn() throws {
        var refuted = GossipInstance(address: peer(2), generation: 1, configuration: membershipOnly(), randomSeed: 7,
                                     now: .zero)
        refuted.addMember(peer(1), generation: 1, now: .zero)
        refuted.addMember(peer(3), generation: 1, now: .zero)
        _ = refuted.receive(message(from: peer(3), .gossip, membership: [fact(peer(2), .suspect, accuser: peer(3))]),
                            now: .milliseconds(100))
        XCTAssertEqual(refuted.incarnation, 1)

        // Member 1 declared incarnation 0 dead and pings it, as a declarer does through the grace: the answer goes
        // twice, in the ack and in a gossip datagram, each carrying incarnation 1.
        let stale = refuted.receive(message(from: peer(1), .ping(sequence: 9), membership: [fact(peer(2), .dead)]),
                                    now: .milliseconds(200))
        XCTAssertEqual(stale.sent.map(\.to), [peer(1), peer(1)])
        XCTAssertEqual(stale.sent.map(\.kind), [.gossip, .ack(sequence: 9)])
        XCTAssertEqual(stale.sent.map(\.message.senderIncarnation), [1, 1])
        XCTAssertEqual(refuted.incarnation, 1, "an old death is not refuted again")
        XCTAssertEqual(refuted.counters.refutations, 1)

        // Without the stale death, or with a stale suspicion only, the ping gets its ack alone.
        let plain = refuted.receive(message(from: peer(1), .ping(sequence: 10)), now: .milliseconds(300))
        XCTAssertEqual(plain.sent.map(\.kind), [.ack(sequence: 10)])
        let suspected = refuted.receive(message(from: peer(3), .ping(sequence: 11),
                                                membership: [fact(peer(2), .suspect, accuser: peer(3))]),
                                        now: .milliseconds(400))
        XCTAssertEqual(suspected.sent.map(\.kind), [.ack(sequence: 11)])
    }

    func testOlderIncarnationSuspicionsAndDeathsAreIgnored() throws {
        var instance = node(knowing: [3, 4, 5, 6])
        instance.addMember(peer(2), generation: 1, incarnation: 3, now: .zero)
        XCTAssertEqual(instance.receive(message(from: peer(3), .gossip, membership: [
            fact(peer(2), .suspect, incarnation: 2, accuser: peer(3)),
            fact(peer(2), .dead, incarnation: 2),
        ]), now: .milliseconds(500)), [])
        XCTAssertEqual(instance.member(peer(2))?.status, .alive)
        XCTAssertEqual(instance.member(peer(2))?.incarnation, 3)
        // A death of an older incarnation makes the node look for itself: member 2 is probed at the half period,
        // once the period's own probe is answered.
        let periodProbe = try probe(in: tick(&instance, at: 1_000))
        _ = instance.receive(message(from: periodProbe.to, .ack(sequence: try XCTUnwrap(periodProbe.kind.sequence))),
                             now: .milliseconds(1_100))
        XCTAssertEqual(try probe(in: tick(&instance, at: 1_500)).to, peer(2))
        // A suspicion of the current incarnation does count.
        XCTAssertEqual(instance.receive(message(from: peer(3), .gossip, membership: [
            fact(peer(2), .suspect, incarnation: 3, accuser: peer(3)),
        ]), now: .milliseconds(1_600)).changes, [
            MemberChange(member: peer(2), generation: 1, incarnation: 3, previous: .alive, current: .suspect),
        ])

        // The node itself: suspicions of an older incarnation or of its previous process are not refuted.
        var member = GossipInstance(address: peer(2), generation: 5, configuration: membershipOnly(), randomSeed: 1,
                                    now: .zero)
        member.addMember(peer(3), generation: 1, now: .zero)
        _ = member.receive(message(from: peer(3), toGeneration: 5, .gossip,
                                   membership: [fact(peer(2), .suspect, generation: 5, accuser: peer(3))]),
                           now: .zero)
        XCTAssertEqual(member.incarnation, 1)
        _ = member.receive(message(from: peer(3), toGeneration: 5, .gossip, membership: [
            fact(peer(2), .suspect, generation: 5, incarnation: 0, accuser: peer(3)),
            fact(peer(2), .dead, generation: 4, incarnation: 9),
        ]), now: .zero)
        XCTAssertEqual(member.incarnation, 1)
        XCTAssertEqual(member.counters.refutations, 1)
        // A death of its current incarnation is refuted too (SWIM: only a higher incarnation overrides it).
        _ = member.receive(message(from: peer(3), toGeneration: 5, .gossip,
                                   membership: [fact(peer(2), .dead, generation: 5, incarnation: 1)]), now: .zero)
        XCTAssertEqual(member.incarnation, 2)
    }

    // MARK: Lifeguard local health (§IV.A)

    func testLocalHealthRisesWithFailedProbesFallsWithAcksAndStretchesTheProbeTimeout() throws {
        // A 100 ms probe timeout, so that the stretch (timeout × (health + 1), up to the period less one
        // unstretched timeout) shows. Each probe fails one unstretched timeout after its indirect phase began, and
        // the next, of the member it accused, starts in that tick.
        let configuration = membershipOnly { $0.probeTimeout = .milliseconds(100) }
        var instance = node(knowing: [2, 3, 4, 5, 6], configuration: configuration)
        /// Checks that the probe started at `start` goes indirect after `expectedTimeout`, and returns its helpers.
        func helpers(ofProbeStartedAt start: Int, expectedTimeout: Int) -> [PeerAddress] {
            XCTAssertEqual(tick(&instance, at: start + expectedTimeout - 1).sent.filter(\.kind.isPingRequest), [],
                           "health \(instance.localHealth)")
            let helpers = tick(&instance, at: start + expectedTimeout).sent.filter(\.kind.isPingRequest).map(\.to)
            XCTAssertEqual(helpers.count, 3, "health \(instance.localHealth): indirect at \(expectedTimeout) ms")
            return helpers
        }

        // Healthy: 100 ms.
        _ = try probe(in: tick(&instance, at: 1_000))
        _ = helpers(ofProbeStartedAt: 1_000, expectedTimeout: 100)
        XCTAssertEqual(instance.localHealth, 0)
        // The probe fails and no helper sent a nack: +1 for the failure, +1 for the missing nacks (the fault may be
        // this node's own). Health 2: the accusation's probe waits 300 ms.
        let accusation = try probe(in: tick(&instance, at: 1_200))
        XCTAssertEqual(instance.localHealth, 2)
        // Every helper answers with a nack: the network works here, only the failure counts (+1).
        for helper in helpers(ofProbeStartedAt: 1_200, expectedTimeout: 300) {
            _ = instance.receive(message(from: helper, .nack(sequence: try XCTUnwrap(accusation.kind.sequence))),
                                 now: .milliseconds(1_550))
        }
        let retry = try probe(in: tick(&instance, at: 1_600))
        XCTAssertEqual(instance.localHealth, 3)
        _ = helpers(ofProbeStartedAt: 1_600, expectedTimeout: 400)
        // An ack lowers it by one.
        _ = instance.receive(message(from: retry.to, .ack(sequence: try XCTUnwrap(retry.kind.sequence))),
                             now: .milliseconds(2_050))
        XCTAssertEqual(instance.localHealth, 2)
        // Failures without nacks drive it to its maximum, S − 1 = 7: 800 ms, below the cap (the period less one
        // unstretched timeout, 900 ms).
        let start = try XCTUnwrap(startOfAProbe(&instance, from: 2_060, atHealth: 7))
        _ = helpers(ofProbeStartedAt: start, expectedTimeout: 800)
        XCTAssertEqual(instance.localHealth, 7)
    }

    func testNacksFromHelpersAreIndependentConfirmations() throws {
        let configuration = membershipOnly { $0.falseSuspicionTolerance = 1 }
        var instance = node(knowing: Array(2...9), configuration: configuration)
        let ping = try probe(in: tick(&instance, at: 1_000))
        let helpers = tick(&instance, at: 1_400).sent.filter(\.kind.isPingRequest).map(\.to)
        XCTAssertEqual(helpers.count, 3)
        for helper in helpers.prefix(2) {
            _ = instance.receive(message(from: helper, .nack(sequence: 1)), now: .milliseconds(1_700))
        }
        _ = tick(&instance, at: 2_000)
        // The failed retry and two nackers: three confirmations, K = 3, so the shortest timeout, Min = 0.5.
        let death = try XCTUnwrap(firstTime(&instance, from: 2_010, to: 10_000, where: isDeath(of: ping.to)))
        XCTAssertEqual(death, 2.5, accuracy: 0.0101)
        XCTAssertGreaterThanOrEqual(death, 2.5 - 1e-9)
    }
}
