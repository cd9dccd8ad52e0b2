import XCTest

@testable import MoteGossip

/// The turns and their promises: a node pings the partners it chose one a period, in turn, and tells each when its
/// next ping is due; a partner whose promised ping is late probes the node at once.
final class GossipTurnTests: XCTestCase {
    /// An aggregation request as a partner opening a link sends it.
    let request = AggregationPayload(epoch: 0, linkSequence: 1, leader: peer(9), leaderAge: 0, flow: .init(),
                                     estimate: .init(), extrema: .init())

    /// Node 1 choosing `partners` of `members`.
    func chooser(partners: Int, knowing members: [Int]) -> GossipInstance {
        var configuration = GossipConfiguration()
        configuration.aggregationPartners = partners
        return node(knowing: members, configuration: configuration)
    }

    /// Delivers a ping to `partners`' node and its ack back to `instance`.
    func answer(_ ping: Sent, by partners: inout [PeerAddress: GossipInstance], to instance: inout GossipInstance,
                at milliseconds: Int) throws {
        let now = Duration.milliseconds(milliseconds)
        var partner = try XCTUnwrap(partners[ping.to])
        let replies = partner.receive(ping.message, now: now)
        partners[ping.to] = partner
        for reply in replies.sent where reply.to == peer(1) { _ = instance.receive(reply.message, now: now) }
    }

    func testTheChosenPartnersArePingedInTurnAndEachPingPromisesTheNext() throws {
        var instance = chooser(partners: 3, knowing: [2, 3, 4])
        var partners: [PeerAddress: GossipInstance] = [:]
        for number in 2...4 { partners[peer(number)] = node(number, knowing: [1]) }
        var order: [PeerAddress] = []
        for second in 1...6 {
            let pings = instance.tick(now: .seconds(second)).sent.filter(\.kind.isPing)
            XCTAssertEqual(pings.count, 1, "one turn a period")
            let ping = try XCTUnwrap(pings.first)
            XCTAssertEqual(ping.message.nextPingIn, .seconds(3), "three chosen partners: the next turn in three periods")
            XCTAssertNotNil(ping.message.aggregation, "the turn is the link's exchange")
            order.append(ping.to)
            try answer(ping, by: &partners, to: &instance, at: second * 1_000 + 100)
        }
        XCTAssertEqual(Set(order.prefix(3)), Set([2, 3, 4].map(peer)), "each partner once in three periods")
        XCTAssertEqual(Array(order.suffix(3)), Array(order.prefix(3)), "in the same order")
        XCTAssertEqual(instance.counters.probesFailed, 0)

        // A partner that probes node 1 (its promised ping was lost, say) learns from the ack when its turn comes:
        // order[0] at 7 s, order[1] at 8 s. A member node 1 takes no turns with gets no promise.
        for (member, promise) in [(order[1], Duration.milliseconds(1_500)), (peer(5), nil)] {
            let acks = instance.receive(message(from: member, .ping(sequence: 77)), now: .milliseconds(6_500)).sent
            XCTAssertEqual(acks.map(\.kind), [.ack(sequence: 77)])
            XCTAssertEqual(acks.first?.message.nextPingIn, promise, "\(member)")
        }

        // The turn's retry repeats its promise: still due three periods after the first ping.
        let turn = try probe(instance.tick(now: .seconds(7)))
        XCTAssertEqual(turn.to, order[0])
        let retry = try XCTUnwrap(instance.tick(now: .milliseconds(7_400)).sent.first {
            $0.kind == turn.kind && $0.to == turn.to
        })
        XCTAssertEqual(retry.message.nextPingIn, .milliseconds(2_600))

        // A fourth partner joins the turns after the three promised ones: theirs still hold, and from now on each
        // promise is four periods.
        var configuration = GossipConfiguration()
        configuration.aggregationPartners = 4
        var wider = node(knowing: [2, 3, 4], configuration: configuration)
        partners[peer(5)] = node(5, knowing: [1])
        var turns: [PeerAddress] = []
        for second in 1...8 {
            if second == 4 { wider.addMember(peer(5), generation: 1, now: .milliseconds(3_500)) }
            let ping = try probe(wider.tick(now: .seconds(second)))
            XCTAssertEqual(ping.message.nextPingIn, .seconds(second < 4 ? 3 : 4), "second \(second)")
            turns.append(ping.to)
            try answer(ping, by: &partners, to: &wider, at: second * 1_000 + 100)
        }
        XCTAssertEqual(Array(turns[3..<6]), Array(turns[0..<3]), "the three promised turns kept their places")
        XCTAssertEqual(turns[6], peer(5), "the new partner went after them")
        XCTAssertEqual(turns[7], turns[0])
    }

    /// The one ping among `directives`.
    func probe(_ directives: [GossipDirective], line: UInt = #line) throws -> Sent {
        let pings = directives.sent.filter(\.kind.isPing)
        XCTAssertEqual(pings.count, 1, line: line)
        return try XCTUnwrap(pings.first, line: line)
    }

    /// Node 2, whose own turns go to node 3, after node 1 opened a link to it with a ping promising the next in
    /// `promise` ms, at 1 s.
    func acceptor(promise: Int) -> GossipInstance {
        var configuration = GossipConfiguration()
        configuration.aggregationPartners = 1
        var instance = node(2, knowing: [3], configuration: configuration)
        _ = instance.tick(now: .milliseconds(999))
        XCTAssertEqual(instance.partners, [peer(3)])
        _ = instance.receive(message(from: peer(1), .ping(sequence: 1), aggregation: request,
                                     nextPingIn: .milliseconds(promise)), now: .seconds(1))
        XCTAssertEqual(Set(instance.partners), [peer(1), peer(3)])
        return instance
    }

    /// Ticks `instance` every 10 ms through `range`, node 3 answering its pings at once; returns its pings to 1.
    func pingsToNode1(_ instance: inout GossipInstance, _ range: ClosedRange<Int>) -> [(Int, Sent)] {
        var pings: [(Int, Sent)] = []
        for milliseconds in stride(from: range.lowerBound, through: range.upperBound, by: 10) {
            let now = Duration.milliseconds(milliseconds)
            for sent in instance.tick(now: now).sent where sent.kind.isPing {
                if sent.to == peer(1) {
                    pings.append((milliseconds, sent))
                } else {
                    for reply in node3.receive(sent.message, now: now).sent where reply.to == peer(2) {
                        _ = instance.receive(reply.message, now: now)
                    }
                }
            }
        }
        return pings
    }

    var node3 = node(3, knowing: [2])

    func testAPartnerWhosePromisedPingIsLateIsProbedAtOnce() throws {
        // Due at 4 s; the slack is 150 ms.
        var late = acceptor(promise: 3_000)
        XCTAssertEqual(GossipConfiguration().promiseSlack, .milliseconds(150))
        XCTAssertTrue(pingsToNode1(&late, 1_000...4_140).isEmpty)
        let alarm = pingsToNode1(&late, 4_150...4_150)
        XCTAssertEqual(alarm.map(\.0), [4_150], "probed when the slack ran out")
        XCTAssertNotNil(alarm.first?.1.message.aggregation, "with the link's exchange")
        XCTAssertNil(alarm.first?.1.message.nextPingIn, "an alarm is no turn")
        XCTAssertEqual(late.counters.latePings, 1)
        XCTAssertEqual(late.member(peer(1))?.status, .alive, "a probe, not yet a suspicion")
        // Its ack tells when the next turn is due, and that ping is expected in turn.
        let sequence = try XCTUnwrap(alarm.first?.1.kind.sequence)
        _ = late.receive(message(from: peer(1), .ack(sequence: sequence), aggregation: request,
                                 nextPingIn: .milliseconds(2_800)), now: .milliseconds(4_200))
        XCTAssertTrue(pingsToNode1(&late, 4_160...7_140).isEmpty)
        XCTAssertEqual(pingsToNode1(&late, 7_150...7_150).map(\.0), [7_150])
        XCTAssertEqual(late.counters.latePings, 2)

        // The ping coming in time, a little early, sets the next expectation instead.
        var kept = acceptor(promise: 3_000)
        XCTAssertTrue(pingsToNode1(&kept, 1_000...3_990).isEmpty)
        _ = kept.receive(message(from: peer(1), .ping(sequence: 2), aggregation: request,
                                 nextPingIn: .milliseconds(2_000)), now: .milliseconds(3_995))
        XCTAssertTrue(pingsToNode1(&kept, 4_000...6_140).isEmpty)
        XCTAssertEqual(pingsToNode1(&kept, 6_150...6_150).map(\.0), [6_150])

        // Any message from the partner around the promised time shows it alive: no alarm when its ping is lost.
        var heard = acceptor(promise: 3_000)
        _ = heard.receive(message(from: peer(1), .gossip), now: .milliseconds(3_900))
        XCTAssertTrue(pingsToNode1(&heard, 1_000...6_000).isEmpty)
        XCTAssertEqual(heard.counters.latePings, 0)

        // But not one long before it.
        var early = acceptor(promise: 3_000)
        _ = early.receive(message(from: peer(1), .gossip), now: .milliseconds(2_000))
        XCTAssertEqual(pingsToNode1(&early, 1_000...4_150).map(\.0), [4_150])
    }

    func testAnAccusationGoesBeforeTheTurnWhosePingGoesUntrackedAndIsRepairedIfUnanswered() throws {
        var instance = chooser(partners: 1, knowing: [2])
        let first = try probe(instance.tick(now: .seconds(1)))
        XCTAssertEqual(first.to, peer(2))
        XCTAssertEqual(first.message.nextPingIn, .seconds(1))
        var partners = [peer(2): node(2, knowing: [1])]
        try answer(first, by: &partners, to: &instance, at: 1_100)
        // Node 3 links to node 1 and promises its next ping by 2 s (1,850 ms + the slack).
        _ = instance.receive(message(from: peer(3), .ping(sequence: 1), aggregation: request,
                                     nextPingIn: .milliseconds(850)), now: .milliseconds(1_000))
        XCTAssertEqual(instance.nextWakeUp, .seconds(2))
        let pings = instance.tick(now: .seconds(2)).sent.filter(\.kind.isPing)
        XCTAssertEqual(pings.map(\.to), [peer(3), peer(2)], "the late partner first, then the turn")
        XCTAssertNil(pings[0].message.nextPingIn)
        XCTAssertEqual(pings[1].message.nextPingIn, .seconds(1), "the turn keeps its promise")
        XCTAssertNotNil(pings[1].message.aggregation)
        // 3 answers; 2 does not, so its exchange is repaired at the half period, by a probe.
        _ = instance.receive(message(from: peer(3), .ack(sequence: try XCTUnwrap(pings[0].kind.sequence))),
                             now: .milliseconds(2_100))
        XCTAssertTrue(instance.tick(now: .milliseconds(2_400)).sent.isEmpty, "the untracked ping is not retried")
        let repair = try probe(instance.tick(now: .milliseconds(2_500)))
        XCTAssertEqual(repair.to, peer(2))
        XCTAssertNotNil(repair.message.aggregation)
        XCTAssertNil(repair.message.nextPingIn)

        // Answered in time, the untracked turn needs no repair.
        var answered = chooser(partners: 1, knowing: [2])
        var others = [peer(2): node(2, knowing: [1])]
        try answer(try probe(answered.tick(now: .seconds(1))), by: &others, to: &answered, at: 1_100)
        _ = answered.receive(message(from: peer(3), .ping(sequence: 1), aggregation: request,
                                     nextPingIn: .milliseconds(850)), now: .milliseconds(1_000))
        let turn = try XCTUnwrap(answered.tick(now: .seconds(2)).sent.last { $0.to == peer(2) })
        try answer(turn, by: &others, to: &answered, at: 2_100)
        for milliseconds in stride(from: 2_110, through: 2_990, by: 10) {
            XCTAssertFalse(answered.tick(now: .milliseconds(milliseconds)).sent.contains {
                $0.to == peer(2) && $0.kind.isPing
            })
        }
    }
}
