import Foundation
import XCTest

/// `mote read --duty-cycle` end to end on the simulated default board.
final class DutyCycleTests: MoteProcessTestCase {
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try XCTUnwrap(object, "not a JSON object: \(line)")
        }
    }

    func times(_ objects: [[String: Any]], model: String) throws -> [Date] {
        try objects.filter { $0["model"] as? String == model }.map { object in
            let text = try XCTUnwrap(object["time"] as? String)
            return try Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)
        }
    }

    func testReadingsComeOnTheSchedulerPeriodsAndTheLedgerIsKept() throws {
        let directory = try temporaryDirectory()
        let run = try mote(["read", "--simulate", "--duty-cycle", "--virtual-time", "--format", "json", "--count", "6",
                            "--interval", "30s", "--power-line", "gpiochip0:SENSOR_POWER", "--state-dir", directory])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let objects = try jsonLines(run.stdout)
        XCTAssertEqual(objects.count, 6)
        // Sensors without a rail go first; here both are on SENSOR_POWER: in catalog order, BME280 then SHT31.
        XCTAssertEqual(Set(objects.map { $0["model"] as? String }), ["bme280", "sht3x"])
        for model in ["bme280", "sht3x"] {
            let times = try times(objects, model: model)
            XCTAssertEqual(times.count, 3)
            for (earlier, later) in zip(times, times.dropFirst()) {
                XCTAssertEqual(later.timeIntervalSince(earlier), 30, accuracy: 0.01, "\(model): every 30 s")
            }
        }
        let bme = try XCTUnwrap(objects.first { $0["model"] as? String == "bme280" })
        XCTAssertEqual(try XCTUnwrap(bme["temperature_celsius"] as? Double), 21.8, accuracy: 0.01)

        let report = try mote(["energy", "report", "--state-dir", directory, "--format", "json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let ledger = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(ledger["sessions"] as? Int, 1)
        XCTAssertTrue(report.stdout.contains("sense.bme280@0x76"), report.stdout)
        XCTAssertTrue(report.stdout.contains("\"off\""), "the gated sensors rest off: \(report.stdout)")
    }

    func testABudgetPlansThePeriods() throws {
        // A coin cell (225 mAh at 3 V) for a year on the mica's CPU: about 16 µA, 10 µA of it the CPU's suspend
        // current. What is left pays for the two sensors' runs every few seconds, not every 1 s --interval.
        let directory = try temporaryDirectory()
        let run = try mote(["read", "--simulate", "--duty-cycle", "--virtual-time", "--format", "json", "--count", "4",
                            "--profile", "mica", "--battery", "225mAh", "--voltage", "3V", "--lifetime", "365d",
                            "--power-line", "gpiochip0:5", "--state-dir", directory])
        XCTAssertEqual(run.status, 0, run.stderr)
        let times = try times(try jsonLines(run.stdout), model: "bme280")
        XCTAssertEqual(times.count, 2)
        XCTAssertGreaterThan(times[1].timeIntervalSince(times[0]), 2)
        XCTAssertLessThan(times[1].timeIntervalSince(times[0]), 60)
    }

    func testTheTableLinesUpAcrossReadingsPrintedOneAtATime() throws {
        let run = try mote(["read", "--simulate", "--duty-cycle", "--virtual-time", "--count", "4", "--state-dir",
                            try temporaryDirectory()])
        XCTAssertEqual(run.status, 0, run.stderr)
        let rows = run.stdout.split(separator: "\n")
        XCTAssertEqual(rows.count, 5, run.stdout)
        XCTAssertEqual(Set(rows.map { $0.range(of: "TEMP")?.lowerBound.utf16Offset(in: $0) ?? 17 }).count, 1,
                       "every row's third column starts where the header's does: \(run.stdout)")
    }

    func testBadInputIsOneLineWithItsOwnExitCode() throws {
        let directory = try temporaryDirectory()
        let base = ["read", "--simulate", "--duty-cycle", "--virtual-time", "--count", "1", "--state-dir", directory]
        try assertFails(base + ["--battery", "2850mAh", "--voltage", "3V", "--lifetime", "365d"], code: 78,
                        saying: "impossible budget: the minimum duty")
        try assertFails(base + ["--power-line", "gpiochip0:NOPE"], code: 69, saying: "no line named 'NOPE'")
        try assertFails(base + ["--power-line", "gpiochip9:1"], code: 69, saying: "gpiochip9")
        try assertFails(base + ["--power-line", "gpiochip0:99"], code: 64, saying: "offset 99 is out of range")
        try assertFails(base + ["--power-line", "gpiochip0:7"], code: 75, saying: "in use by w1-gpio")
        try assertFails(base + ["--power-line", "SENSOR_POWER"], code: 64, saying: "expected [DEVICE=]CHIP:LINE")
        try assertFails(base + ["--power-line", "bme280@0x77=gpiochip0:5"], code: 64,
                        saying: "no such sensor; sensors: sht3x@0x44, bme280@0x76")
        try assertFails(base + ["--battery", "2850mAh"], code: 64, saying: "give --battery, --voltage and --lifetime")
        try assertFails(base + ["--battery", "2850", "--voltage", "3V", "--lifetime", "365d"], code: 64,
                        saying: "--battery")
        try assertFails(base + ["--profile", "arduino"], code: 64, saying: "mica")
        try assertFails(["read", "--simulate", "--battery", "2850mAh"], code: 64, saying: "go with --duty-cycle")
        try assertFails(["read", "--duty-cycle", "--virtual-time"], code: 64, saying: "--virtual-time needs --simulate")
        try assertFails(base + ["--min-period", "10s", "--max-period", "5s"], code: 64, saying: "--min-period")
    }

    func testAnInterruptStopsTheNodeAndSavesTheLedger() throws {
        let directory = try temporaryDirectory()
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = ["read", "--simulate", "--duty-cycle", "--format", "json", "--min-period", "100ms",
                             "--interval", "100ms", "--state-dir", directory]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Real time on the simulated board: wait for the first reading, then interrupt as Ctrl-C would.
        var received = Data()
        while !received.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            received += chunk
        }
        process.interrupt()
        received += out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        XCTAssertGreaterThanOrEqual(try jsonLines(String(decoding: received, as: UTF8.self)).count, 1)
        let report = try mote(["energy", "report", "--state-dir", directory, "--format", "json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.contains("\"sessions\":1"), report.stdout)
    }
}

/// `mote bench energy` prints its figures; a short span keeps the test quick (the README's run a year each).
final class BenchEnergyTests: MoteProcessTestCase {
    func testEveryScenarioReportsItsFractionOfTheBudgetAndItsWakeUps() throws {
        let run = try mote(["bench", "energy", "--span", "2h", "--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "", "no invariant violated")
        let objects = try run.stdout.split(separator: "\n").map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], String(line))
        }
        XCTAssertEqual(objects.count, 5)
        for object in objects {
            XCTAssertEqual(object["violations"] as? Int, 0, "\(object)")
            let fraction = try XCTUnwrap(object["fraction_of_budget"] as? Double)
            XCTAssertGreaterThan(fraction, 0.5, "\(object)")
            let wakeUps = try XCTUnwrap(object["wake_ups_per_hour"] as? Double)
            let minimum = try XCTUnwrap(object["minimum_wake_ups_per_hour"] as? Double)
            XCTAssertGreaterThanOrEqual(wakeUps, minimum)
        }
    }
}
