import Foundation
import XCTest

/// Runs the built `mote` as a user would; the test classes below inherit the helpers, not each other's tests.
class MoteProcessTestCase: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL { Bundle.main.bundleURL.appendingPathComponent("mote") }

    func mote(_ arguments: [String], prefix: [String] = []) throws -> Run {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            XCTFail("mote is not built at \(Self.executable.path): run `swift build --build-tests` first")
            return Run(status: -1, stdout: "", stderr: "")
        }
        let process = Process()
        if prefix.isEmpty {
            process.executableURL = Self.executable
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [Self.executable.path] + arguments
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Asserts a failure: the exit code, and exactly one line on stderr that contains `text`.
    func assertFails(_ arguments: [String], code: Int32, saying text: String, file: StaticString = #filePath,
                     line: UInt = #line) throws {
        let run = try mote(arguments)
        XCTAssertEqual(run.status, code, "\(arguments): \(run.stderr)", file: file, line: line)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, "one line: \(run.stderr)", file: file, line: line)
        XCTAssertTrue(run.stderr.hasPrefix("mote: "), run.stderr, file: file, line: line)
        XCTAssertTrue(run.stderr.contains(text), "\(run.stderr) lacks \(text)", file: file, line: line)
        XCTAssertEqual(run.stdout, "", file: file, line: line)
    }

    /// The command prefix that runs `mote` as nobody when the tests run as root (root reads anything, so a
    /// permission check would mean nothing), else none.
    var unprivilegedPrefix: [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mote-cli-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}

final class CLITests: MoteProcessTestCase {
    // MARK: scan

    func testScanGridOnTheDefaultBoard() throws {
        let run = try mote(["scan", "--simulate", "--no-identify", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, """
                 0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f
            00:                         -- -- -- -- -- -- -- -- \n\
            10: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            20: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            30: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            40: -- -- -- -- 44 -- -- -- -- -- -- -- -- -- -- -- \n\
            50: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            60: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            70: -- -- -- -- -- -- 76 --                         \n
            """)
        XCTAssertEqual(run.stderr, "")
    }

    func testScanNamesWhatItFindsAfterTheGrid() throws {
        let run = try mote(["scan", "--simulate", "1"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 13, run.stdout)
        XCTAssertEqual(lines[9], "", "a blank line separates the i2cdetect grid from the names")
        XCTAssertTrue(lines[10].hasPrefix("0x44  sht3x     status register"), String(lines[10]))
        XCTAssertEqual(lines[11], "0x76  bme280    chip id 0x60 at register 0xd0")
        let json = try mote(["scan", "--simulate", "1", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        let entries = object?["addresses"] as? [[String: Any]]
        XCTAssertEqual(entries?.compactMap { $0["model"] as? String }, ["sht3x", "bme280"])
        XCTAssertEqual(entries?.last?["identified_by"] as? String, "chip id 0x60 at register 0xd0")
    }

    func testScanAllAndNarrowedRanges() throws {
        let all = try mote(["scan", "--simulate", "-a", "-y", "--no-identify", "1"])
        XCTAssertTrue(all.stdout.contains("\n00: -- -- -- "), all.stdout)
        XCTAssertTrue(all.stdout.hasSuffix("70: -- -- -- -- -- -- 76 -- -- -- -- -- -- -- -- -- \n"), all.stdout)
        let narrow = try mote(["scan", "--simulate", "--no-identify", "1", "0x44", "0x45"])
        XCTAssertTrue(narrow.stdout.contains("\n40:             44 --                               \n"), narrow.stdout)
        XCTAssertTrue(narrow.stdout.contains("\n70:                                                 \n"))
    }

    func testScanJSONAndList() throws {
        let json = try mote(["scan", "--simulate", "1", "--json"])
        XCTAssertEqual(json.status, 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        XCTAssertEqual(object?["bus"] as? Int, 1)
        XCTAssertEqual(object?["first"] as? String, "0x08")
        let addresses = (object?["addresses"] as? [[String: Any]])?.compactMap { $0["address"] as? String }
        XCTAssertEqual(addresses, ["0x44", "0x76"])
        let list = try mote(["scan", "--simulate", "--list"])
        XCTAssertEqual(list.stdout, "i2c-1\ti2c       \tbcm2835 (i2c@7e804000)          \tI2C adapter\n")
        let functionality = try mote(["scan", "--simulate", "-F", "1"])
        XCTAssertTrue(functionality.stdout.contains("\nI2C                              yes\n"), functionality.stdout)
        XCTAssertTrue(functionality.stdout.contains("\nSMBus Block Read                 no\n"))
        // i2c-tools 4.3 prints fifteen capabilities after its header, ending with I2C Block Read.
        XCTAssertEqual(functionality.stdout.split(separator: "\n").count, 16, functionality.stdout)
        XCTAssertTrue(functionality.stdout.hasSuffix("\nI2C Block Read                   yes\n"), functionality.stdout)
    }

    func testScanOfAnSMBusOnlyScenarioWarnsAndStillProbes() throws {
        let directory = try temporaryDirectory()
        let scenario = directory + "/stub.toml"
        try """
            [[i2c]]
            bus = 3
            smbus_only = true
            [[i2c.device]]
            address = 0x44
            model = "sht3x"
            """.write(toFile: scenario, atomically: true, encoding: .utf8)
        let run = try mote(["scan", "--simulate", scenario, "3"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("40: -- -- -- -- 44 "), run.stdout)
        let list = try mote(["scan", "--simulate=\(scenario)", "--list"])
        XCTAssertEqual(list.stdout, "i2c-3\tsmbus     \tSMBus stub driver               \tSMBus adapter\n")
    }

    // MARK: bad input

    func testMissingBusSaysHowToEnableI2C() throws {
        try assertFails(["scan", "250"], code: 69, saying: "/dev/i2c-250: no such device")
        try assertFails(["scan", "--simulate", "5"], code: 69, saying: "sim:i2c-5")
        try assertFails(["scan", "--simulate"], code: 64, saying: "no bus given")
        try assertFails(["scan", "--simulate", "no-such-adapter"], code: 69, saying: "no adapter is called")
    }

    func testAddressOutOfRange() throws {
        try assertFails(["scan", "--simulate", "1", "0x02", "0x50"], code: 64, saying: "FIRST argument 0x02 out of range (0x08-0x77)")
        try assertFails(["scan", "--simulate", "1", "0x10", "0x80"], code: 64, saying: "LAST argument 0x80 out of range")
        try assertFails(["scan", "--simulate", "1", "zz", "0x50"], code: 64, saying: "not a number")
        try assertFails(["scan", "--simulate", "1", "0x10"], code: 64, saying: "both FIRST and LAST")
    }

    func testMalformedAndMissingScenarios() throws {
        let directory = try temporaryDirectory()
        let bad = directory + "/bad.toml"
        try "[[i2c]]\nbus = 1\n[[i2c.device]]\naddress = 0x99\nmodel = \"sht3x\"\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        try assertFails(["scan", "--simulate", bad, "1"], code: 65, saying: "\(bad):4: address = 0x99 is out of range")
        let broken = directory + "/broken.toml"
        try "[[i2c]\n".write(toFile: broken, atomically: true, encoding: .utf8)
        try assertFails(["scan", "--simulate", broken, "1"], code: 65, saying: "\(broken):1: not valid TOML")
        try assertFails(["scan", "--simulate", directory + "/none.toml", "1"], code: 66, saying: "no such file")
    }

    func testUnreadableScenarioIsPermissionDenied() throws {
        let directory = try temporaryDirectory()
        let secret = directory + "/secret.toml"
        try "[[i2c]]\nbus = 1\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: secret)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory)
        let run = try mote(["scan", "--simulate", secret, "1"], prefix: unprivilegedPrefix)
        XCTAssertEqual(run.status, 77, run.stderr)
        XCTAssertTrue(run.stderr.contains("permission denied"), run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1)
    }

    func testDurationDefaultsShowAsWrittenInHelp() throws {
        let node = try mote(["node", "run", "--help"])
        XCTAssertTrue(node.stdout.contains("(default: 1s)"), node.stdout)
        XCTAssertTrue(node.stdout.contains("(default: 10s)"), node.stdout)
        let read = try mote(["read", "--help"])
        XCTAssertTrue(read.stdout.contains("(default: 1s)"), read.stdout)
        XCTAssertFalse((node.stdout + read.stdout).contains("DurationArgument"))
    }

    func testUnknownOptionIsOneLine() throws {
        try assertFails(["scan", "--frobnicate"], code: 64, saying: "frobnicate")
        try assertFails(["gpio", "get", "--simulate", "gpiochip0"], code: 64, saying: "lines")
    }

    // MARK: gpio

    func testGPIODetectAndInfo() throws {
        XCTAssertEqual(try mote(["gpio", "detect", "--simulate"]).stdout, "gpiochip0 [mote-sim] (8 lines)\n")
        let info = try mote(["gpio", "info", "--simulate", "mote-sim"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let lines = info.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "gpiochip0 - 8 lines:")
        XCTAssertEqual(lines.count, 9)
        // libgpiod 1.6.3's gpioinfo, byte for byte (the real-kernel tier compares the two on gpio-sim).
        XCTAssertEqual(lines[5], "\tline   4:     \"BUTTON\"       unused   input  active-high ")
        XCTAssertEqual(lines[8], "\tline   7:    \"ONEWIRE\"    \"w1-gpio\"   input  active-high [used]")
        // A name wider than its 12 columns: it and every later field of the line go unpadded.
        XCTAssertEqual(lines[6], "\tline   5: \"SENSOR_POWER\" unused input active-high ")
    }

    func testGPIOGetReadsPullsByOffsetOrName() throws {
        XCTAssertEqual(try mote(["gpio", "get", "--simulate", "gpiochip0", "BUTTON", "5"]).stdout, "1 0\n")
        XCTAssertEqual(try mote(["gpio", "get", "--simulate", "0", "--bias", "pull-up", "3"]).stdout, "1\n")
        XCTAssertEqual(try mote(["gpio", "get", "--simulate", "/dev/gpiochip0", "-l", "4"]).stdout, "0\n")
    }

    func testGPIOErrors() throws {
        try assertFails(["gpio", "get", "--simulate", "gpiochip0", "ONEWIRE"], code: 75, saying: "in use by w1-gpio")
        try assertFails(["gpio", "get", "--simulate", "gpiochip9", "1"], code: 69, saying: "gpiochip9")
        try assertFails(["gpio", "get", "--simulate", "gpiochip0", "NOPE"], code: 69, saying: "no line named 'NOPE'")
        try assertFails(["gpio", "get", "--simulate", "gpiochip0", "8"], code: 64, saying: "offset 8 is out of range")
        try assertFails(["gpio", "set", "--simulate", "gpiochip0", "LED=2"], code: 64, saying: "VALUE 0 or 1")
        try assertFails(["gpio", "set", "--simulate", "gpiochip0", "ONEWIRE=1"], code: 75, saying: "in use")
        try assertFails(["gpio", "info", "/dev/gpiochip250"], code: 69, saying: "gpiochip250")
    }

    func testGPIOSetSucceeds() throws {
        let run = try mote(["gpio", "set", "--simulate", "gpiochip0", "LED=1", "SENSOR_POWER=0"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout + run.stderr, "")
    }

    func testGPIOMonitorPrintsTimestampedEdges() throws {
        let run = try mote(["gpio", "monitor", "--simulate", "gpiochip0", "BUTTON", "--num-events", "2"])
        XCTAssertEqual(run.status, 0, run.stderr)
        // The default board presses the button (pulls it low) at 0.5 s for 100 ms.
        XCTAssertEqual(run.stdout, """
            event: FALLING EDGE offset: 4 timestamp: [       0.500000000]
            event:  RISING EDGE offset: 4 timestamp: [       0.600000000]

            """)
        let json = try mote(["gpio", "monitor", "--simulate", "0", "4", "--edge", "falling", "-n", "1", "--json"])
        XCTAssertEqual(json.stdout, "{\"edge\":\"falling\",\"offset\":4,\"timestamp_ns\":500000000}\n")
        try assertFails(["gpio", "monitor", "--simulate", "0", "5", "-n", "1", "--timeout", "200ms"], code: 75,
                        saying: "timed out after 0 of 1 events")
    }
}
