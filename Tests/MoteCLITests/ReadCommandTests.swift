import Foundation
import XCTest

/// `mote read` end to end on the simulated default board and on small scenarios.
final class ReadCommandTests: MoteProcessTestCase {
    func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            return try XCTUnwrap(object, "not a JSON object: \(line)")
        }
    }

    func testJSONReadsEveryDetectedSensorOfTheDefaultBoard() throws {
        let run = try mote(["read", "--simulate", "--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let objects = try jsonLines(run.stdout)
        guard objects.count == 2 else { return XCTFail("two readings expected: \(run.stdout)") }
        XCTAssertEqual(objects.map { $0["model"] as? String }, ["sht3x", "bme280"])
        XCTAssertEqual(objects.map { $0["address"] as? String }, ["0x44", "0x76"])
        let bme = objects[1]
        XCTAssertEqual(bme["bus"] as? Int, 1)
        // The default board's environment for the BME280: 21.8 °C, 47 %RH, 100920 Pa (DefaultBoard.swift); the
        // BME280's resolution at x1 oversampling is 0.005 °C, 0.008 %RH and 2.6 Pa (datasheet Table 7/11/12).
        XCTAssertEqual(try XCTUnwrap(bme["temperature_celsius"] as? Double), 21.8, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(bme["relative_humidity_percent"] as? Double), 47, accuracy: 0.02)
        XCTAssertEqual(try XCTUnwrap(bme["pressure_pascals"] as? Double), 100_920, accuracy: 3)
        let time = try XCTUnwrap(bme["time"] as? String)
        XCTAssertNotNil(try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(time), time)
        XCTAssertTrue(time.hasSuffix("Z"), "UTC: \(time)")
        XCTAssertNil(objects[0]["pressure_pascals"], "the SHT31 has no pressure channel")
    }

    func testTableCSVAndInfluxFormats() throws {
        let table = try mote(["read", "--simulate", "--temperature-unit", "fahrenheit"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let rows = table.stdout.split(separator: "\n")
        guard rows.count == 3 else { return XCTFail(table.stdout) }
        XCTAssertTrue(rows[0].hasPrefix("ADDRESS  MODEL   TEMP °F"), String(rows[0]))
        XCTAssertTrue(rows[2].hasPrefix("0x76     bme280  71.2"), String(rows[2]))
        XCTAssertTrue(rows[2].hasSuffix("1009.20       ok") || rows[2].contains("1009.1"), String(rows[2]))

        let csv = try mote(["read", "--simulate", "--format", "csv", "--device", "bme280@0x76"])
        let lines = csv.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 3 else { return XCTFail(csv.stdout) }
        XCTAssertEqual(lines[0], "time,bus,address,model,temperature_celsius,relative_humidity_percent,pressure_pascals,error")
        let cells = lines[1].split(separator: ",", omittingEmptySubsequences: false)
        XCTAssertEqual(cells.count, 8)
        XCTAssertEqual(Array(cells[1...3]), ["1", "0x76", "bme280"])
        XCTAssertEqual(try XCTUnwrap(Double(cells[4])), 21.8, accuracy: 0.01)
        XCTAssertEqual(cells[7], "", "no error")

        let influx = try mote(["read", "--simulate", "--format", "influx", "--device", "sht31@0x44"])
        XCTAssertTrue(influx.stdout.hasPrefix(
            "mote,bus=1,address=0x44,model=sht3x temperature_celsius=22.5"), influx.stdout)
        let timestamp = try XCTUnwrap(Int64(influx.stdout.split(separator: " ").last?.dropLast() ?? ""))
        XCTAssertEqual(Double(timestamp) / 1e9, Date().timeIntervalSince1970, accuracy: 60, "nanoseconds since 1970")
    }

    func testCountIntervalDerivedAndOffsets() throws {
        let run = try mote(["read", "--simulate", "--format", "json", "--device", "bme280@0x76", "--count", "3",
                            "--interval", "20ms", "--derived", "--altitude", "500", "--temperature-offset=-1.8"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let objects = try jsonLines(run.stdout)
        XCTAssertEqual(objects.count, 3)
        let first = try XCTUnwrap(objects.first)
        XCTAssertEqual(try XCTUnwrap(first["temperature_celsius"] as? Double), 20.0, accuracy: 0.01)
        // Dew point of 20 °C at 47 %RH (Magnus, Sonntag 1990): 8.3 °C.
        XCTAssertEqual(try XCTUnwrap(first["dew_point_celsius"] as? Double), 8.33, accuracy: 0.05)
        XCTAssertNotNil(first["absolute_humidity_grams_per_cubic_metre"])
        // 100920 Pa at 500 m is about 107 000 Pa at sea level (BMP180 datasheet §3.7 formula).
        XCTAssertEqual(try XCTUnwrap(first["sea_level_pressure_pascals"] as? Double), 107_000, accuracy: 150)
    }

    func testAFailingDeviceIsReportedWhileOthersAreRead() throws {
        let run = try mote(["read", "--simulate", "--format", "json", "--device", "sht3x@0x45",
                            "--device", "bme280@0x76"])
        XCTAssertEqual(run.status, 74, run.stderr)
        let objects = try jsonLines(run.stdout)
        guard objects.count == 2 else { return XCTFail("two readings expected: \(run.stdout)") }
        XCTAssertTrue((objects[0]["error"] as? String)?.contains("no acknowledge") == true, "\(objects[0])")
        XCTAssertNil(objects[0]["temperature_celsius"])
        XCTAssertNotNil(objects[1]["temperature_celsius"])
        XCTAssertEqual(run.stderr, "mote: 1 of 2 readings failed\n")
    }

    func testBadDeviceSpecificationsAndEmptyBuses() throws {
        try assertFails(["read", "--simulate", "--device", "bme999@0x76"], code: 64, saying: "unknown model 'bme999'")
        try assertFails(["read", "--simulate", "--device", "bme280@0x80"], code: 64, saying: "not a 7-bit I2C address")
        try assertFails(["read", "--simulate", "--device", "bme280"], code: 64, saying: "expected MODEL@ADDRESS")
        try assertFails(["read", "--simulate", "--count", "0"], code: 64, saying: "--count must be at least 1")
        try assertFails(["read", "--bus", "250"], code: 69, saying: "/dev/i2c-250")
        let directory = try temporaryDirectory()
        try "[[i2c]]\nbus = 2\n".write(toFile: directory + "/empty.toml", atomically: true, encoding: .utf8)
        try assertFails(["read", "--simulate", directory + "/empty.toml"], code: 69,
                        saying: "no supported sensor found on bus 2")
    }
}

final class BenchCommandTests: MoteProcessTestCase {
    func testBenchReportsEveryDriverAndSimulatedRead() throws {
        let run = try mote(["bench", "--compensations", "10", "--reads", "3", "--json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 22, run.stdout)
        XCTAssertEqual(lines.filter { $0.contains("\"name\":\"read ") }.count, 11)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertGreaterThan(object?["ns_per_operation"] as? Double ?? 0, 0, String(line))
        }
    }
}
