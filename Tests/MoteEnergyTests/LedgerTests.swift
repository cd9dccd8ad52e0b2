import MoteEnergy
import XCTest

/// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): a seeded
/// generator, so every randomized test replays the same sequence.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A small node whose figures make hand arithmetic easy: a 3 V MCU, a 40 kbit/s radio, a gated sensor, a fan.
func handModel() -> PowerModel {
    PowerModel(
        name: "hand", summary: "figures chosen for hand arithmetic", supply: .direct,
        components: [
            ComponentModel(name: "cpu", kind: .cpu, supplyVolts: 3,
                           currents: [.sleep: 10e-6, .idle: 2e-3, .active: 4e-3], restingState: .idle, cores: 2,
                           activeTimePerWakeUp: .milliseconds(2), source: "test"),
            ComponentModel(name: "radio", kind: .radio, supplyVolts: 3,
                           currents: [.idle: 1e-3, .transmit: 12e-3, .receive: 4e-3], restingState: .idle,
                           bitRate: 40_000, source: "test"),
            ComponentModel(name: "sensor", kind: .sensor, supplyVolts: 1.8,
                           currents: [.sleep: 1e-6, .boot: 0.5e-3, .measuring: 0.5e-3], restingState: .off,
                           startupTime: .milliseconds(10), measurementTime: .milliseconds(20), source: "test"),
            ComponentModel(name: "fan", kind: .load, supplyVolts: 5, currents: [.active: 0.1], restingState: .off,
                           source: "test"),
        ],
        tasks: [])
}

/// Seconds of a duration.
func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}

final class LedgerTests: XCTestCase {
    /// For every component, the time across its states equals the elapsed time (exactly: Duration arithmetic).
    func assertTimeIsConserved(_ ledger: EnergyLedger, file: StaticString = #filePath, line: UInt = #line) {
        for component in ledger.model.components {
            let total = ledger.timeInStates(of: component.name).values.reduce(Duration.zero, +)
            XCTAssertEqual(total, ledger.elapsed, "\(component.name) at \(ledger.now)", file: file, line: line)
        }
        XCTAssertEqual(ledger.totals.elapsed, ledger.elapsed, file: file, line: line)
    }

    func testHandCheckedAccounting() throws {
        // Energest-style by hand: the CPU idles (2 mA) except 0.5 s active (4 mA) for a sample; the sensor is off
        // except 10 ms booting and 20 ms measuring at 0.5 mA (1.8 V); the fan runs 2 s at 100 mA (5 V).
        var ledger = EnergyLedger(model: handModel(), start: .seconds(100))
        try ledger.enter(.active, component: "cpu", activity: "sense.sensor", at: .seconds(101))
        try ledger.enter(.boot, component: "sensor", activity: "sense.sensor", at: .seconds(101))
        try ledger.enter(.measuring, component: "sensor", activity: "sense.sensor", at: .milliseconds(101_010))
        try ledger.rest("sensor", at: .milliseconds(101_030))
        try ledger.rest("cpu", at: .milliseconds(101_500))
        try ledger.enter(.active, component: "fan", activity: "cool", at: .seconds(104))
        try ledger.rest("fan", at: .seconds(106))
        try ledger.advance(to: .seconds(110))
        assertTimeIsConserved(ledger)

        XCTAssertEqual(ledger.elapsed, .seconds(10))
        XCTAssertEqual(ledger.timeInStates(of: "cpu"), [.idle: .milliseconds(9_500), .active: .milliseconds(500)])
        XCTAssertEqual(ledger.timeInStates(of: "sensor"),
                       [.off: .milliseconds(9_970), .boot: .milliseconds(10), .measuring: .milliseconds(20)])
        let cpu = ledger.totals.byState(of: "cpu")
        XCTAssertEqual(cpu[.active]?.chargeCoulombs ?? 0, 4e-3 * 0.5, accuracy: 1e-12)        // 2 mC
        XCTAssertEqual(cpu[.idle]?.chargeCoulombs ?? 0, 2e-3 * 9.5, accuracy: 1e-12)          // 19 mC
        XCTAssertEqual(ledger.totals.total(of: "cpu").energyJoules, 3 * (2e-3 + 19e-3), accuracy: 1e-12)
        let sensor = ledger.totals.total(of: "sensor")
        XCTAssertEqual(sensor.chargeCoulombs, 0.5e-3 * 0.030, accuracy: 1e-15)                // 15 µC
        XCTAssertEqual(sensor.energyJoules, 0.5e-3 * 0.030 * 1.8, accuracy: 1e-15)            // 27 µJ
        XCTAssertEqual(ledger.totals.total(of: "fan").energyJoules, 0.1 * 2 * 5, accuracy: 1e-12) // 1 J
        XCTAssertEqual(ledger.totals.total(of: "fan").chargeMilliampereHours, 200 / 3_600, accuracy: 1e-12)
        // Per activity: the sample's CPU and sensor time, and the fan's run.
        let activities = ledger.totals.byActivity
        XCTAssertEqual(activities["sense.sensor"]?.time, .milliseconds(530))
        XCTAssertEqual(activities["sense.sensor"]?.chargeCoulombs ?? 0, 2e-3 + 15e-6, accuracy: 1e-12)
        XCTAssertEqual(activities["cool"]?.time, .seconds(2))
        XCTAssertEqual(activities[EnergyLedger.unlabelled]?.time, .seconds(40) - .milliseconds(2_530))
    }

    func testProcessCPUTimeMovesIdleTimeToActiveOverTheCores() throws {
        var ledger = EnergyLedger(model: handModel(), start: .zero, processCPUTime: .seconds(3))
        // 0.4 s of CPU time over 1 s on two cores: 0.2 s of all-cores-active, 0.8 s idle.
        try ledger.recordProcessCPUTime(.milliseconds(3_400), activity: "node", at: .seconds(1))
        assertTimeIsConserved(ledger)
        XCTAssertEqual(ledger.timeInStates(of: "cpu"), [.idle: .milliseconds(800), .active: .milliseconds(200)])
        XCTAssertEqual(ledger.totals.byActivity(of: "cpu")["node"]?.time, .milliseconds(200))
        XCTAssertEqual(ledger.totals.total(of: "cpu").chargeCoulombs, 0.8 * 2e-3 + 0.2 * 4e-3, accuracy: 1e-12)
        // A late report re-files time the idle segment accrued since it began (1.8 s by now); what exceeds that
        // cannot be placed: it is counted, not invented. 5 s of CPU over two cores is 2.5 s: 0.7 s unplaced.
        try ledger.recordProcessCPUTime(.milliseconds(8_400), activity: "node", at: .seconds(2))
        XCTAssertEqual(ledger.timeInStates(of: "cpu")[.active], .milliseconds(2_000))
        XCTAssertEqual(ledger.timeInStates(of: "cpu")[.idle], .zero)
        XCTAssertEqual(ledger.unplacedTime["cpu"], .milliseconds(700))
        assertTimeIsConserved(ledger)
        XCTAssertThrowsError(try ledger.recordProcessCPUTime(.seconds(1), at: .seconds(3))) { error in
            guard case LedgerError.negativeAmount = error else { return XCTFail("\(error)") }
        }
    }

    func testTrafficIsChargedAtTheLinkRate() throws {
        var ledger = EnergyLedger(model: handModel(), start: .zero)
        // 500 bytes at 40 kbit/s = 100 ms of transmit; 1000 bytes = 200 ms of receive, out of 1 s of radio idle.
        try ledger.recordTraffic(sentBytes: 500, receivedBytes: 1_000, activity: "gossip.round", at: .seconds(1))
        assertTimeIsConserved(ledger)
        XCTAssertEqual(ledger.timeInStates(of: "radio"),
                       [.idle: .milliseconds(700), .transmit: .milliseconds(100), .receive: .milliseconds(200)])
        let radio = ledger.totals.total(of: "radio")
        XCTAssertEqual(radio.chargeCoulombs, 0.7 * 1e-3 + 0.1 * 12e-3 + 0.2 * 4e-3, accuracy: 1e-12)
        XCTAssertEqual(ledger.totals.byActivity["gossip.round"]?.chargeCoulombs ?? 0, 1.2e-3 + 0.8e-3,
                       accuracy: 1e-12)
    }

    func testRefusedEventsLeaveTheLedgerAsItWas() throws {
        var ledger = EnergyLedger(model: handModel(), start: .seconds(5))
        try ledger.advance(to: .seconds(6))
        let before = ledger.totals
        XCTAssertThrowsError(try ledger.advance(to: .seconds(4))) { error in
            XCTAssertEqual(error as? LedgerError, .timeWentBackwards(event: .seconds(4), ledger: .seconds(6)))
        }
        XCTAssertThrowsError(try ledger.enter(.active, component: "heater", at: .seconds(7))) { error in
            guard case LedgerError.unknownComponent("heater", let valid) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(valid, ["cpu", "radio", "sensor", "fan"])
        }
        XCTAssertThrowsError(try ledger.enter(.transmit, component: "sensor", at: .seconds(7))) { error in
            XCTAssertEqual(error as? LedgerError, .noCurrent(component: "sensor", state: .transmit))
        }
        XCTAssertThrowsError(try ledger.recordTraffic(sentBytes: -1, receivedBytes: 0, activity: "x", at: .seconds(7)))
        XCTAssertThrowsError(try ledger.recordTraffic(sentBytes: 1, receivedBytes: 0, activity: "x", component: "fan",
                                                      at: .seconds(7))) { error in
            XCTAssertEqual(error as? LedgerError, .noBitRate(component: "fan"))
        }
        XCTAssertEqual(ledger.totals, before)
        XCTAssertEqual(ledger.now, .seconds(6))
        XCTAssertEqual(ledger.state(of: "sensor"), .off)
    }

    func testTimeAcrossStatesEqualsElapsedTimeAtEveryStepOfRandomSequences() throws {
        for seed in [1, 2, 3, 42, 2024] as [UInt64] {
            var random = SeededGenerator(seed: seed)
            let model = handModel()
            var ledger = EnergyLedger(model: model, start: .milliseconds(Int64.random(in: 0...1_000_000,
                                                                                      using: &random)))
            var cpuTime = Duration.zero
            for step in 0..<3_000 {
                let now = ledger.now + .microseconds(Int64.random(in: 0...2_000_000, using: &random))
                let component = model.components.randomElement(using: &random)!
                switch Int.random(in: 0..<6, using: &random) {
                case 0:
                    try ledger.advance(to: now)
                case 1, 2:
                    let state = component.states.randomElement(using: &random)!
                    let activity = ["sense.a", "gossip.round", nil].randomElement(using: &random)!
                    try ledger.enter(state, component: component.name, activity: activity, at: now)
                case 3:
                    try ledger.rest(component.name, at: now)
                case 4:
                    cpuTime += .microseconds(Int64.random(in: 0...3_000_000, using: &random))
                    try ledger.recordProcessCPUTime(cpuTime, at: now)
                default:
                    try ledger.recordTraffic(sentBytes: Int.random(in: 0...20_000, using: &random),
                                             receivedBytes: Int.random(in: 0...20_000, using: &random),
                                             activity: "gossip.round", at: now)
                }
                assertTimeIsConserved(ledger)
                // Every state's charge is its time at its current, however the time got there.
                for component in model.components {
                    for (state, cell) in ledger.totals.byState(of: component.name) {
                        let expected = seconds(cell.time) * (component.current(in: state) ?? .nan)
                        XCTAssertEqual(cell.chargeCoulombs, expected, accuracy: 1e-9 + abs(expected) * 1e-9,
                                       "seed \(seed) step \(step): \(component.name) \(state)")
                        XCTAssertGreaterThanOrEqual(cell.time, .zero)
                    }
                }
            }
        }
    }

    func testAverageBatteryCurrentFollowsTheSupplyPath() throws {
        var model = handModel()
        model.components = [model.components[3]]                         // the 5 V fan alone
        var ledger = EnergyLedger(model: model, start: .zero)
        try ledger.enter(.active, component: "fan", at: .zero)
        try ledger.advance(to: .seconds(10))
        XCTAssertEqual(ledger.averageBatteryCurrent(batteryVolts: 3), 0.1, accuracy: 1e-12)
        model.supply = .switching(efficiency: 0.8)
        var boosted = EnergyLedger(model: model, start: .zero)
        try boosted.enter(.active, component: "fan", at: .zero)
        try boosted.advance(to: .seconds(10))
        // 0.5 W from a 3 V battery through an 80 % converter: 0.5 / (3 × 0.8) A.
        XCTAssertEqual(boosted.averageBatteryCurrent(batteryVolts: 3), 0.5 / 2.4, accuracy: 1e-12)
    }

    func testProcessCPUTimeComesFromTheKernelAndNeverDecreases() {
        let first = ProcessCPUTime.current()
        var sink = 0.0
        for index in 0..<200_000 { sink += Double(index).squareRoot() }
        let second = ProcessCPUTime.current()
        XCTAssertGreaterThan(first, .zero, "the test process has used some CPU time already")
        XCTAssertGreaterThanOrEqual(second, first)
        XCTAssertGreaterThan(sink, 0)
    }
}
