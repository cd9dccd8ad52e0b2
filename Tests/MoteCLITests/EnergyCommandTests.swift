import Foundation
import MoteEnergy
import XCTest

/// `mote energy plan` and `mote energy report` end to end, bad input included.
final class EnergyCommandTests: MoteProcessTestCase {
    let micaYear = ["energy", "plan", "--profile", "mica", "--battery", "2850mAh", "--voltage", "3V",
                    "--lifetime", "365d"]

    func testMicaOnTwoAACellsReproducesTheTextbookReasoning() throws {
        let run = try mote(micaYear)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stderr, "")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines[1], "battery: 2850 mAh at 3 V for 365 d")
        XCTAssertEqual(lines[2], "budget: 2850 mAh / 8760 h = 325.3 µA raw; × 0.65 usable = 211.5 µA; "
            + "− 9.760 µA self-discharge = 201.7 µA average")
        XCTAssertTrue(lines[4].hasPrefix("TASK "), lines[4])
        XCTAssertTrue(lines.contains { $0.hasPrefix("gossip.round ") && $0.contains("1 s – 60 min") }, run.stdout)
        XCTAssertTrue(run.stdout.contains("predicted average current: 201.7 µA"), run.stdout)
        XCTAssertTrue(run.stdout.contains("predicted lifetime: 365 d"), run.stdout)
        XCTAssertTrue(run.stdout.contains("\ndominant: radio ("), run.stdout)
        XCTAssertTrue(run.stdout.contains("radio ") && run.stdout.contains("█"), "a bar chart: \(run.stdout)")
        XCTAssertTrue(run.stdout.contains("assumptions:\n  - battery: 2850 mAh rated at 3.00 V; 65.0 % of it usable"))
    }

    func testPlanJSONIsInSIUnits() throws {
        let run = try mote(micaYear + ["--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let budget = try XCTUnwrap(object["budget_amperes"] as? Double)
        let average = try XCTUnwrap(object["average_current_amperes"] as? Double)
        XCTAssertEqual(budget, 201.7e-6, accuracy: 0.05e-6)
        XCTAssertLessThanOrEqual(average, budget)
        XCTAssertGreaterThanOrEqual(average, 0.95 * budget)
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(object["lifetime_seconds"] as? Double), 365 * 86_400)
        XCTAssertEqual(object["dominant_component"] as? String, "radio")
        let tasks = try XCTUnwrap(object["tasks"] as? [[String: Any]])
        XCTAssertEqual(tasks.count, 7)
        for task in tasks {
            let period = try XCTUnwrap(task["period_seconds"] as? Double)
            XCTAssertGreaterThanOrEqual(period, try XCTUnwrap(task["min_period_seconds"] as? Double))
            XCTAssertLessThanOrEqual(period, try XCTUnwrap(task["max_period_seconds"] as? Double))
        }
        let battery = try XCTUnwrap(object["battery"] as? [String: Any])
        XCTAssertEqual(battery["capacity_ampere_hours"] as? Double, 2.85)
        XCTAssertFalse((object["assumptions"] as? [String] ?? []).isEmpty)
    }

    func testAConfigFileOverridesTheProfile() throws {
        let directory = try temporaryDirectory()
        let config = directory + "/node.toml"
        // Zhao & Guibas's reading of the TR1000's receive current (1.8 mA), and a longer listening window.
        try "[[component]]\nname = \"radio\"\nreceive_amperes = 1.8e-3\n"
            .write(toFile: config, atomically: true, encoding: .utf8)
        let base = try planJSON(micaYear)
        let changed = try planJSON(micaYear + ["--config", config])
        XCTAssertLessThan(try radioShare(changed), try radioShare(base))
        let derated = try planJSON(micaYear + ["--usable-fraction", "0.5"])
        XCTAssertLessThan(try XCTUnwrap(derated["budget_amperes"] as? Double),
                          try XCTUnwrap(base["budget_amperes"] as? Double))
    }

    private func planJSON(_ arguments: [String]) throws -> [String: Any] {
        let run = try mote(arguments + ["--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
    }

    private func radioShare(_ plan: [String: Any]) throws -> Double {
        let components = try XCTUnwrap(plan["components"] as? [[String: Any]])
        return try XCTUnwrap(components.first { $0["name"] as? String == "radio" }?["average_current_amperes"]
            as? Double)
    }

    func testAnImpossibleBudgetSaysByHowMuchAndWhatWouldFit() throws {
        // The default profile is a Raspberry Pi Zero 2 W: 120 mA idle at 5 V is far beyond two AA cells for a year.
        try assertFails(["energy", "plan", "--battery", "2850mAh", "--voltage", "3V", "--lifetime", "365d"],
                        code: 78, saying: "impossible budget: the minimum duty")
        let run = try mote(["energy", "plan", "--battery", "2850mAh", "--voltage", "3V", "--lifetime", "365d"])
        XCTAssertTrue(run.stderr.contains("over the 201.7 µA budget for 365 d"), run.stderr)
        XCTAssertTrue(run.stderr.contains("this battery lasts"), run.stderr)
        XCTAssertTrue(run.stderr.contains("Ah of the same cells"), run.stderr)
        try assertFails(Array(micaYear.dropLast(2)) + ["--lifetime", "40y"], code: 78, saying: "self-discharge")
    }

    func testBadUnitsAndProfilesListWhatIsValid() throws {
        let plan = ["energy", "plan", "--profile", "mica"]
        try assertFails(plan + ["--battery", "2850", "--voltage", "3V", "--lifetime", "365d"], code: 64,
                        saying: "--battery \"2850\": a capacity needs a unit: mAh, Ah (e.g. 2850mAh)")
        try assertFails(plan + ["--battery", "2850mWh", "--voltage", "3V", "--lifetime", "365d"], code: 64,
                        saying: "unknown unit \"mWh\" for a capacity; valid units: mAh, Ah")
        try assertFails(plan + ["--battery", "2850mAh", "--voltage", "3", "--lifetime", "365d"], code: 64,
                        saying: "--voltage \"3\": a voltage needs a unit: mV, V")
        try assertFails(plan + ["--battery", "2850mAh", "--voltage", "3V", "--lifetime", "365m"], code: 64,
                        saying: "unknown unit \"m\" for a duration; valid units: ns, us, µs, ms, s, min, h, d, y")
        try assertFails(plan + ["--battery", "0mAh", "--voltage", "3V", "--lifetime", "365d"], code: 64,
                        saying: "must be greater than zero")
        try assertFails(["energy", "plan", "--profile", "mica3", "--battery", "2850mAh", "--voltage", "3V",
                         "--lifetime", "365d"], code: 64,
                        saying: "unknown profile \"mica3\"; valid profiles: mica, pi-4b, pi-zero-2w")
        try assertFails(micaYear + ["--usable-fraction", "1.5"], code: 64, saying: "usable fraction")
        try assertFails(micaYear + ["--format", "yaml"], code: 64, saying: "yaml")
        try assertFails(["energy", "plan", "--battery", "2850mAh"], code: 64, saying: "--voltage")
    }

    func testConfigFileMistakesAreFileLineErrors() throws {
        let directory = try temporaryDirectory()
        let bad = directory + "/bad.toml"
        try "[[component]]\nname = \"radio\"\nreceive_amps = 1\n".write(toFile: bad, atomically: true, encoding: .utf8)
        try assertFails(micaYear + ["--config", bad], code: 65, saying: "\(bad):3: unknown key \"receive_amps\"")
        let broken = directory + "/broken.toml"
        try "[[task]\n".write(toFile: broken, atomically: true, encoding: .utf8)
        try assertFails(micaYear + ["--config", broken], code: 65, saying: "\(broken):1: not valid TOML")
        let wrongProfile = directory + "/profile.toml"
        try "profile = \"pi-5\"\n".write(toFile: wrongProfile, atomically: true, encoding: .utf8)
        try assertFails(["energy", "plan", "--battery", "2850mAh", "--voltage", "3V", "--lifetime", "365d",
                         "--config", wrongProfile], code: 65, saying: "\(wrongProfile):1: unknown profile \"pi-5\"")
        try assertFails(micaYear + ["--config", directory + "/none.toml"], code: 66, saying: "none.toml: no such file")
    }

    func testUnreadableConfigIsPermissionDenied() throws {
        let directory = try temporaryDirectory()
        let secret = directory + "/secret.toml"
        try "name = \"x\"\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: secret)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        let run = try mote(micaYear + ["--config", secret], prefix: unprivilegedPrefix)
        XCTAssertEqual(run.status, 77, run.stderr)
        XCTAssertTrue(run.stderr.contains("permission denied"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1)
    }

    // MARK: report

    /// A ledger of a few seconds of the mica model, saved where the report will look.
    private func savedLedger(in directory: String) throws -> LedgerSnapshot {
        let model = try BoardProfiles.load("mica").model
        var ledger = EnergyLedger(model: model, start: .zero)
        for second in 0..<10 {
            let now = Duration.seconds(Int64(second))
            try ledger.enter(.active, component: "cpu", activity: "sense.humidity", at: now)
            try ledger.enter(.boot, component: "humidity", activity: "sense.humidity", at: now)
            try ledger.enter(.measuring, component: "humidity", activity: "sense.humidity",
                             at: now + .milliseconds(500))
            try ledger.rest("humidity", at: now + .milliseconds(502))
            try ledger.rest("cpu", at: now + .milliseconds(504))
            try ledger.enter(.transmit, component: "radio", activity: "gossip.round", at: now + .milliseconds(600))
            try ledger.rest("radio", at: now + .milliseconds(610))
        }
        try ledger.advance(to: .seconds(10))
        let snapshot = LedgerSnapshot.empty.appending(ledger.totals)
        try LedgerStore(directory: directory).save(snapshot)
        return snapshot
    }

    func testReportShowsTotalsPerComponentStateAndActivityWithBars() throws {
        let directory = try temporaryDirectory()
        _ = try savedLedger(in: directory)
        let run = try mote(["energy", "report", "--state-dir", directory])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "energy ledger \(directory)/ledger.json: 1 session, 10 s recorded")
        XCTAssertTrue(lines.contains { $0.hasPrefix("COMPONENT  ") && $0.contains("ENERGY") }, run.stdout)
        // The CPU's 5.04 s active at 4.6 mA dominates: it heads the component table with a full bar.
        let first = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("COMPONENT  ") })
        XCTAssertTrue(lines[first + 1].hasPrefix("cpu "), lines[first + 1])
        XCTAssertTrue(lines[first + 1].hasSuffix(String(repeating: "█", count: 30)), lines[first + 1])
        XCTAssertTrue(lines.contains { $0.hasPrefix("humidity") && $0.contains(" boot ") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("sense.humidity ") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix("gossip.round ") }, run.stdout)
    }

    func testReportJSONIsInSIUnits() throws {
        let directory = try temporaryDirectory()
        let snapshot = try savedLedger(in: directory)
        let run = try mote(["energy", "report", "--state-dir", directory, "--format", "json"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["sessions"] as? Int, 1)
        XCTAssertEqual(try XCTUnwrap(object["elapsed_seconds"] as? Double), 10, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(object["energy_joules"] as? Double), snapshot.totals.grandTotal.energyJoules,
                       accuracy: 1e-12)
        let components = try XCTUnwrap(object["components"] as? [[String: Any]])
        let humidity = try XCTUnwrap(components.first { $0["name"] as? String == "humidity" })
        // 10 × (500 ms boot + 2 ms measuring) at 0.775 mA.
        XCTAssertEqual(try XCTUnwrap(humidity["charge_coulombs"] as? Double), 10 * 0.502 * 0.775e-3, accuracy: 1e-12)
        let states = try XCTUnwrap(humidity["states"] as? [[String: Any]])
        XCTAssertEqual(states.compactMap { $0["name"] as? String }, ["off", "measuring", "boot"])
        let activities = try XCTUnwrap(object["activities"] as? [[String: Any]])
        XCTAssertEqual(activities.compactMap { $0["name"] as? String },
                       ["gossip.round", "sense.humidity", "unlabelled"])
    }

    func testReportRefusesACorruptLedgerAndLeavesIt() throws {
        let directory = try temporaryDirectory()
        _ = try savedLedger(in: directory)
        let path = directory + "/ledger.json"
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: path))
        bytes.removeLast(5)
        try bytes.write(to: URL(fileURLWithPath: path))
        try assertFails(["energy", "report", "--state-dir", directory], code: 65,
                        saying: "\(path): corrupt energy ledger, truncated")
        XCTAssertEqual(FileManager.default.contents(atPath: path), bytes, "left as it is")
        try "not a ledger\n".write(toFile: path, atomically: true, encoding: .utf8)
        try assertFails(["energy", "report", "--state-dir", directory], code: 65, saying: "not an energy ledger")
    }

    func testUnreadableLedgerIsPermissionDenied() throws {
        let directory = try temporaryDirectory()
        _ = try savedLedger(in: directory)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: directory + "/ledger.json")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        let run = try mote(["energy", "report", "--state-dir", directory], prefix: unprivilegedPrefix)
        XCTAssertEqual(run.status, 77, run.stderr)
        XCTAssertTrue(run.stderr.hasPrefix("mote: open \(directory)/ledger.json: permission denied"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1)
    }

    func testReportWithoutALedgerSaysSo() throws {
        let directory = try temporaryDirectory()
        try assertFails(["energy", "report", "--state-dir", directory], code: 66,
                        saying: "\(directory)/ledger.json: no energy ledger yet")
        try assertFails(["energy", "report", "--state-dir", directory, "--format", "xml"], code: 64, saying: "xml")
    }
}
