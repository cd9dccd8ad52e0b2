import Foundation
import MoteEnergy
import MoteGossip
import MoteNode
import MoteSensors
import XCTest

/// The gossip node's ledger as a value, fed by hand (tier 4: a manual clock, no socket, no kernel): what a period's
/// CPU time, bytes and sensor readings cost, and that the saved totals survive a crash.
final class NodeEnergyAccountTests: XCTestCase {
    /// A 3 V node with figures for hand arithmetic: a two-core CPU idling at 2 mA (4 mA active), a 40 kbit/s radio
    /// idling at 1 mA (12 mA transmit, 4 mA receive); the profile also describes an SHT31 the bus may lack.
    func profile() throws -> PowerModel {
        let sht31 = try XCTUnwrap(SensorDefaults.datasheet(forDriver: "sht3x"))
        return PowerModel(
            name: "hand", summary: "figures for hand arithmetic", supply: .direct,
            components: [
                ComponentModel(name: "cpu", kind: .cpu, supplyVolts: 3, currents: [.idle: 2e-3, .active: 4e-3],
                               restingState: .idle, cores: 2, source: "test"),
                ComponentModel(name: "radio", kind: .radio, supplyVolts: 3,
                               currents: [.idle: 1e-3, .transmit: 12e-3, .receive: 4e-3], restingState: .idle,
                               bitRate: 40_000, source: "test"),
                SensorDefaults.component(named: "sht3x@0x44", datasheet: sht31, gated: false),
            ],
            tasks: [SamplingNeed(name: "gossip.round", component: "radio", minimumPeriod: .seconds(1),
                                 maximumPeriod: .seconds(60), transmitBytes: 36)])
    }

    /// The node's model with one BME280 at 0x76 found on its bus.
    func model() throws -> PowerModel {
        try NodeEnergyAccount.model(profile: profile(), sensors: [("bme280@0x76", "bme280")])
    }

    /// For every component, the time across its states equals the elapsed time (exactly: Duration arithmetic).
    func assertTimeIsConserved(_ account: NodeEnergyAccount, file: StaticString = #filePath, line: UInt = #line) {
        let ledger = account.ledger
        for component in ledger.model.components {
            let total = ledger.timeInStates(of: component.name).values.reduce(Duration.zero, +)
            XCTAssertEqual(total, ledger.elapsed, "\(component.name) at \(ledger.now)", file: file, line: line)
        }
    }

    func testTheModelHasTheSensorsFoundWithTheirDatasheetFiguresAndNoOthers() throws {
        let model = try model()
        XCTAssertEqual(model.components.map(\.name), ["cpu", "radio", "bme280@0x76"])
        let bme280 = try XCTUnwrap(model.component(named: "bme280@0x76"))
        XCTAssertEqual(bme280.measurementTime, BME280Datasheets.bme280.measurementTime)
        XCTAssertEqual(bme280.current(in: .measuring), BME280Datasheets.bme280.currents[.measuring])
        XCTAssertEqual(bme280.restingState, .sleep, "an ungated sensor sleeps between readings")
        XCTAssertEqual(model.tasks.map(\.name), ["sense.bme280@0x76"], "the scheduler's network task is gone")
    }

    func testTimeAcrossStatesEqualsElapsedTimeAtEveryStep() throws {
        var generator = SeededRandom(seed: 4)
        var account = try NodeEnergyAccount(model: model(), start: .seconds(7), processCPUTime: .seconds(2))
        var now = Duration.seconds(7)
        var cpu = Duration.seconds(2)
        var traffic = NodeEnergyAccount.Traffic()
        for _ in 0..<500 {
            now += .milliseconds(Int64.random(in: 100...1_500, using: &generator))
            if Bool.random(using: &generator) {
                // A sampling round that started a little before now, maybe before the last period closed.
                let started = now - .microseconds(Int64.random(in: 0...20_000, using: &generator))
                try account.recordSampling(devices: ["bme280@0x76"], at: max(started, .seconds(7)))
                assertTimeIsConserved(account)
            }
            cpu += .microseconds(Int64.random(in: 0...2_000, using: &generator))
            // At most 276 link bytes a period: 55 ms at 40 kbit/s, within the shortest period.
            traffic.addSent(payload: Int.random(in: 0...100, using: &generator), ipv4: true)
            traffic.addReceived(payload: Int.random(in: 0...100, using: &generator), ipv4: false)
            try account.recordPeriod(at: now, processCPUTime: cpu, traffic: traffic)
            assertTimeIsConserved(account)
            XCTAssertEqual(account.ledger.elapsed, now - .seconds(7))
        }
        XCTAssertEqual(account.ledger.unplacedTime, [:], "every CPU and radio second found idle time to take")
    }

    func testRadioTimeIsBytesTimesEightOverTheBitRateExactly() throws {
        var account = try NodeEnergyAccount(model: model(), start: .zero, processCPUTime: .zero)
        // 472 payload bytes over IPv4 are 500 on the link: 100 ms at 40 kbit/s; 952 over IPv6 are 1,000: 200 ms.
        var traffic = NodeEnergyAccount.Traffic()
        traffic.addSent(payload: 472, ipv4: true)
        traffic.addReceived(payload: 952, ipv4: false)
        XCTAssertEqual(traffic, NodeEnergyAccount.Traffic(sentBytes: 500, receivedBytes: 1_000))
        try account.recordPeriod(at: .seconds(1), processCPUTime: .zero, traffic: traffic)
        XCTAssertEqual(account.ledger.timeInStates(of: "radio"),
                       [.idle: .milliseconds(700), .transmit: .milliseconds(100), .receive: .milliseconds(200)])
        // The counters are cumulative: the next period charges only what was added, 1,000 more bytes sent.
        traffic.sentBytes += 1_000
        try account.recordPeriod(at: .seconds(2), processCPUTime: .zero, traffic: traffic)
        let radio = account.ledger.totals.byActivity(of: "radio")
        XCTAssertEqual(radio[NodeEnergyAccount.transmitActivity]?.time, .milliseconds(300))
        XCTAssertEqual(radio[NodeEnergyAccount.receiveActivity]?.time, .milliseconds(200))
        XCTAssertEqual(account.ledger.timeInStates(of: "radio")[.idle], .milliseconds(1_500))
        assertTimeIsConserved(account)
    }

    func testEnergyIsCurrentTimesVoltageTimesTimeForEveryActivity() throws {
        let model = try model()
        var account = try NodeEnergyAccount(model: model, start: .zero, processCPUTime: .seconds(1))
        // Three readings; 300 ms of CPU time on two cores; 250 bytes sent, 125 received (link bytes).
        for second in 0..<3 {
            try account.recordSampling(devices: ["bme280@0x76"], at: .seconds(Int64(second)) + .milliseconds(100))
        }
        try account.recordPeriod(at: .seconds(3), processCPUTime: .milliseconds(1_300),
                                 traffic: .init(sentBytes: 250, receivedBytes: 125))
        assertTimeIsConserved(account)
        let activities = account.ledger.totals.byActivity
        let bme280 = try XCTUnwrap(model.component(named: "bme280@0x76"))
        let measuring = try XCTUnwrap(bme280.current(in: .measuring))
        let sense = try XCTUnwrap(activities["sense.bme280@0x76"])
        XCTAssertEqual(sense.time, bme280.measurementTime * 3)
        XCTAssertEqual(sense.energyJoules, measuring * bme280.supplyVolts * 3 * seconds(bme280.measurementTime),
                       accuracy: 1e-15)
        let node = try XCTUnwrap(activities[NodeEnergyAccount.processActivity])
        XCTAssertEqual(node.time, .milliseconds(150), "300 ms of CPU time over two cores")
        XCTAssertEqual(node.energyJoules, 4e-3 * 3 * 0.150, accuracy: 1e-15)
        let transmit = try XCTUnwrap(activities[NodeEnergyAccount.transmitActivity])
        XCTAssertEqual(transmit.time, .milliseconds(50))
        XCTAssertEqual(transmit.energyJoules, 12e-3 * 3 * 0.050, accuracy: 1e-15)
        let receive = try XCTUnwrap(activities[NodeEnergyAccount.receiveActivity])
        XCTAssertEqual(receive.time, .milliseconds(25))
        XCTAssertEqual(receive.energyJoules, 4e-3 * 3 * 0.025, accuracy: 1e-15)
        // What no activity claimed rests: the CPU idles 2.85 s, the radio 2.925 s, the sensor sleeps the rest.
        XCTAssertEqual(account.ledger.timeInStates(of: "cpu"), [.idle: .milliseconds(2_850), .active: .milliseconds(150)])
        XCTAssertEqual(account.ledger.timeInStates(of: "bme280@0x76")[.sleep], .seconds(3) - bme280.measurementTime * 3)
    }

    func testAConversionStillRunningWhenAPeriodClosesIsFinishedInTheNext() throws {
        let model = try model()
        let conversion = try XCTUnwrap(model.component(named: "bme280@0x76")).measurementTime
        XCTAssertGreaterThan(conversion, .milliseconds(2))
        var account = try NodeEnergyAccount(model: model, start: .zero, processCPUTime: .zero)
        try account.recordSampling(devices: ["bme280@0x76"], at: .seconds(1) - .milliseconds(1))
        try account.recordPeriod(at: .seconds(1), processCPUTime: .zero, traffic: .init())
        XCTAssertEqual(account.ledger.timeInStates(of: "bme280@0x76")[.measuring], .milliseconds(1))
        XCTAssertEqual(account.ledger.state(of: "bme280@0x76"), .measuring)
        assertTimeIsConserved(account)
        // A sampling round that started before the ledger's time (it reached the event loop late) and a second
        // device queue up after what is pending; the next period enters them all.
        try account.recordSampling(devices: ["bme280@0x76", "bme280@0x76"], at: .milliseconds(500))
        try account.recordPeriod(at: .seconds(2), processCPUTime: .zero, traffic: .init())
        XCTAssertEqual(account.ledger.timeInStates(of: "bme280@0x76")[.measuring], conversion * 3)
        XCTAssertEqual(account.ledger.state(of: "bme280@0x76"), .sleep)
        assertTimeIsConserved(account)
    }

    func testTheSavedTotalsSurviveACrashAndOnlyGrow() throws {
        let directory = NSTemporaryDirectory() + "mote-node-ledger-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let store = LedgerStore(directory: directory)
        var previous = LedgerSnapshot.empty
        var traffic = NodeEnergyAccount.Traffic()
        for session in 1...3 {
            // A (re)start: load what the last run saved, account from zero on a new monotonic clock, save every
            // period, then crash: no final save, the process is simply gone.
            let loaded = try store.load() ?? .empty
            XCTAssertEqual(loaded, previous, "the snapshot the crashed session saved last")
            var account = try NodeEnergyAccount(model: model(), start: .zero, processCPUTime: .zero,
                                                earlierSessions: loaded)
            traffic = .init()
            for period in 1...4 {
                let now = Duration.seconds(Int64(period))
                try account.recordSampling(devices: ["bme280@0x76"], at: now - .milliseconds(500))
                traffic.addSent(payload: 100, ipv4: true)
                try account.recordPeriod(at: now, processCPUTime: .milliseconds(10 * Int64(period)),
                                         traffic: traffic)
                try store.save(account.snapshot)
                let saved = try XCTUnwrap(try store.load())
                XCTAssertTrue(saved.totals.covers(previous.totals), "session \(session), period \(period)")
                XCTAssertEqual(saved.sessions, session)
                previous = saved
            }
        }
        XCTAssertEqual(previous.totals.elapsed, .seconds(12))
        XCTAssertEqual(previous.totals.byActivity[NodeEnergyAccount.transmitActivity]?.time,
                       .microseconds(12 * 128 * 8 * 25), "128 link bytes (25.6 ms) a period, 12 periods")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.temporaryPath))
    }

    func testAModelThatCannotChargeTheNodeIsRefusedWithTheReason() throws {
        var noBitRate = try profile()
        noBitRate.components[1].bitRate = nil
        XCTAssertThrowsError(try NodeEnergyAccount(model: noBitRate, start: .zero, processCPUTime: .zero)) { error in
            XCTAssertTrue("\(error)".contains("no radio component with a bit_rate"), "\(error)")
        }
        var silentSensor = try profile()
        silentSensor.components[2].currents[.measuring] = nil
        XCTAssertThrowsError(try NodeEnergyAccount(model: silentSensor, start: .zero, processCPUTime: .zero)) {
            XCTAssertEqual("\($0)", "sht3x@0x44 has no measuring current in the power model")
        }
        var account = try NodeEnergyAccount(model: model(), start: .zero, processCPUTime: .zero)
        XCTAssertThrowsError(try account.recordSampling(devices: ["sht3x@0x44"], at: .seconds(1))) { error in
            guard case LedgerError.unknownComponent("sht3x@0x44", _) = error else { return XCTFail("\(error)") }
        }
        try account.recordPeriod(at: .seconds(1), processCPUTime: .zero, traffic: .init(sentBytes: 10))
        XCTAssertThrowsError(try account.recordPeriod(at: .seconds(2), processCPUTime: .zero, traffic: .init())) {
            guard case LedgerError.negativeAmount = $0 else { return XCTFail("\($0)") }
        }
    }
}

/// Seconds of a duration.
private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
}
