import Foundation
import MoteEnergy
import MoteHAL
import MoteNode
import MoteSensors
import MoteSimulation
import XCTest

/// The scheduler's shell on the simulated default board, on a manual clock: GPIO gating seen on the chip's pins,
/// readings from the device models, the ledger kept and saved.
final class ScheduleRunnerTests: XCTestCase {
    /// The default board's SENSOR_POWER line (DefaultBoard.swift), switching the BME280 here.
    let sensorPower = PowerLine(chip: "gpiochip0", offset: 5)

    /// The pi-zero-2w profile's two sensor tasks (its gossip task dropped: no network here), every minute.
    func model(extraSensor: String? = nil) throws -> PowerModel {
        var model = try BoardProfiles.load("pi-zero-2w").model
        model.tasks.removeAll { $0.name == "gossip.round" }
        if let extraSensor, let datasheet = SensorDefaults.datasheet(forDriver: "bme280") {
            model.components.append(SensorDefaults.component(named: extraSensor, datasheet: datasheet, gated: false))
            model.tasks.append(SamplingNeed(name: "sense.\(extraSensor)", component: extraSensor,
                                            minimumPeriod: .seconds(1), maximumPeriod: .seconds(3600)))
        }
        return model
    }

    func sensors(extraSensor: String? = nil) throws -> [ScheduledSensor] {
        var sensors = [
            ScheduledSensor(device: "bme280@0x76", bus: 1, address: try XCTUnwrap(I2CAddress(0x76)), family: .bme280),
            ScheduledSensor(device: "sht3x@0x44", bus: 1, address: try XCTUnwrap(I2CAddress(0x44)), family: .sht3x),
        ]
        if let extraSensor {
            sensors.append(ScheduledSensor(device: extraSensor, bus: 1, address: try XCTUnwrap(I2CAddress(0x77)),
                                           family: .bme280))
        }
        return sensors
    }

    /// A node on the default board on a manual clock standing at 100 s: its runner, its GPIO chip, its readings.
    struct Node {
        var runner: ScheduleRunner
        var chip: SimulatedGPIOChip
        var collector: ReadingCollector
        var model: PowerModel
    }

    func node(powerLines: [String: PowerLine], periods: [String: Duration] = [:], store: LedgerStore? = nil,
              extraSensor: String? = nil) throws -> Node {
        let clock = ManualClock(start: .seconds(100))
        let board = try SimulatedBoard.defaultBoard(clock: clock)
        let model = try model(extraSensor: extraSensor)
        let scheduler = try DutyCycleScheduler(
            try DutyCycleScheduler.Configuration(model: model, powerLines: powerLines), plannedPeriods: periods)
        let collector = ReadingCollector()
        let runner = try ScheduleRunner(
            board: board, scheduler: scheduler, sensors: try sensors(extraSensor: extraSensor), clock: { clock.now },
            ledger: EnergyLedger(model: model, start: clock.now), batteryVolts: 3.7, store: store,
            onReading: { collector.readings.append($0) })
        return Node(runner: runner, chip: board.chips[0], collector: collector, model: model)
    }

    /// Keeps the readings a runner delivers.
    final class ReadingCollector {
        var readings: [SampledReading] = []
    }

    func testThePowerLineIsHighExactlyWhileTheGatedSensorIsUsedAndLowWhileTheNodeSleeps() throws {
        let node = try node(powerLines: ["bme280@0x76": sensorPower],
                            periods: ["sense.bme280@0x76": .seconds(60), "sense.sht3x@0x44": .seconds(120)])
        let (runner, chip, collector, model) = (node.runner, node.chip, node.collector, node.model)
        var problems: [String] = []
        var powerOnAt: Duration?
        var checkedSleeps = 0
        runner.observer = { now, directive in
            let high = chip.physicalLevel(5)
            switch directive {
            case .powerOn:
                if !high { problems.append("\(now): low after powerOn") }
                powerOnAt = now
            case .powerOff:
                if high { problems.append("\(now): high after powerOff") }
                powerOnAt = nil
            case .initialise("bme280@0x76"):
                // BME280 datasheet §5.3.1 / Table 13: 2 ms from power-on to the first command.
                guard high, let powerOnAt, now - powerOnAt >= .milliseconds(2) else {
                    return problems.append("\(now): BME280 initialised \(String(describing: powerOnAt)) unsettled")
                }
            case .startMeasurement("bme280@0x76"), .read("bme280@0x76"):
                if !high { problems.append("\(now): \(directive) with the sensor unpowered") }
            case .sleep:
                if high { problems.append("\(now): sleeping with the sensor powered") }
                checkedSleeps += 1
            default: break
            }
        }
        try runner.run(until: { collector.readings.count >= 9 })
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThanOrEqual(checkedSleeps, 5)
        XCTAssertFalse(chip.physicalLevel(5), "off after the run")
        // Every minute the BME280, every second minute the SHT31 first (sensors without a rail go first): 0 s (both),
        // 60, 120 (both), 180, 240 (both)…
        XCTAssertEqual(collector.readings.map(\.device), [
            "sht3x@0x44", "bme280@0x76", "bme280@0x76", "sht3x@0x44", "bme280@0x76", "bme280@0x76", "sht3x@0x44",
            "bme280@0x76", "bme280@0x76",
        ])
        let bme = try XCTUnwrap(collector.readings.first { $0.device == "bme280@0x76" })
        XCTAssertNil(bme.error)
        // The default board's BME280 environment (DefaultBoard.swift): 21.8 °C, 47 %RH, 100920 Pa.
        XCTAssertEqual(try XCTUnwrap(bme.reading?.temperatureCelsius), 21.8, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(bme.reading?.pressurePascals), 100_920, accuracy: 3)
        XCTAssertEqual(collector.readings.map { ($0.time - .seconds(100)).components.seconds },
                       [0, 0, 60, 120, 120, 180, 240, 240, 300], "readings at the wake-ups, within the conversions")
        for component in model.components.map(\.name) {
            let total = runner.ledger.timeInStates(of: component).values.reduce(Duration.zero, +)
            XCTAssertEqual(total, runner.ledger.elapsed, "\(component): time across states = elapsed time")
        }
        let bmeStates = runner.ledger.timeInStates(of: "bme280@0x76")
        // Six power-ons, each the 2 ms start-up the scheduler waits plus the driver's own soft-reset wait while it
        // initialises (the chip is still starting then).
        XCTAssertEqual(bmeStates[.boot], .milliseconds(4) * 6)
        XCTAssertGreaterThan(bmeStates[.off] ?? .zero, .seconds(299))
    }

    func testALineHeldByAnotherConsumerStopsTheNodeBeforeItStarts() throws {
        // The default board's line 7 is held by w1-gpio.
        let node = try node(powerLines: ["bme280@0x76": PowerLine(chip: "gpiochip0", offset: 7)])
        XCTAssertThrowsError(try node.runner.start()) { error in
            guard case .hardware(let hardware)? = error as? ScheduleRunnerError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .busy)
        }
    }

    func testAFailingDeviceIsReportedWhileTheOthersAreRead() throws {
        let node = try node(powerLines: [:], extraSensor: "bme280@0x77")
        let collector = node.collector
        try node.runner.run(until: { collector.readings.count >= 6 })
        let missing = collector.readings.filter { $0.device == "bme280@0x77" }
        XCTAssertEqual(missing.count, 2)
        XCTAssertTrue(missing.allSatisfy { $0.reading == nil && $0.error != nil }, "\(missing)")
        XCTAssertEqual(collector.readings.filter { $0.reading != nil }.count, 4)
    }

    func testTheLedgerIsSavedAtTheStopAndTheNextSessionAddsToIt() throws {
        let directory = NSTemporaryDirectory() + "mote-node-" + UUID().uuidString
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let store = LedgerStore(directory: directory)
        for session in 1...2 {
            let node = try node(powerLines: ["bme280@0x76": sensorPower], store: store)
            let (runner, collector) = (node.runner, node.collector)
            try runner.run(until: { collector.readings.count >= 4 })
            let saved = try XCTUnwrap(try store.load())
            XCTAssertEqual(saved.sessions, session)
            XCTAssertEqual(saved.totals.elapsed, runner.ledger.elapsed * session, "each session ran as long")
            XCTAssertGreaterThan(saved.totals.total(of: "bme280@0x76").chargeCoulombs, 0)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.temporaryPath), "no half-written file left")
    }
}
