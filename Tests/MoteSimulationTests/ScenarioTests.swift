import Foundation
import MoteHAL
import MoteSimulation
import XCTest

final class ScenarioTests: XCTestCase {
    func testDefaultBoardHasTheDocumentedDevices() throws {
        let board = try SimulatedBoard.defaultBoard(clock: ManualClock())
        XCTAssertEqual(try board.i2cAdapters().map(\.number), [1])
        let bus = try board.openI2CBus(1)
        let results = try bus.scan()
        XCTAssertEqual(results.indices.filter { results[$0] == .present }, [0x44, 0x76])
        XCTAssertEqual(try bus.writeRead(I2CAddress(0x76)!, [0xD0], count: 1), [0x60])
        let chip = try board.openGPIOChip(.name("gpiochip0"))
        XCTAssertEqual(chip.info.lineCount, 8)
        XCTAssertEqual(try chip.offset(ofLineNamed: "BUTTON"), 4)
        XCTAssertThrowsError(try board.openI2CBus(2)) { XCTAssertEqual(($0 as? HardwareError)?.kind, .noSuchDevice) }
        XCTAssertThrowsError(try board.openGPIOChip(.label("nope")))
        XCTAssertNoThrow(try board.openGPIOChip(.number(0)))
        XCTAssertNoThrow(try board.openGPIOChip(.label("mote-sim")))
    }

    func testReplaysADumpFileRelativeToTheScenario() throws {
        let directory = try temporaryDirectory()
        try DefaultBoard.bme280Image.write(toFile: directory + "/board.i2cdump", atomically: true, encoding: .utf8)
        let scenario = """
            [[i2c]]
            bus = 0
            smbus_only = true

            [[i2c.device]]
            address = 0x77
            model = "registers"
            dump = "board.i2cdump"
            """
        try scenario.write(toFile: directory + "/s.toml", atomically: true, encoding: .utf8)
        let board = try SimulatedBoard.load(path: directory + "/s.toml", clock: ManualClock())
        let bus = try board.openI2CBus(0)
        XCTAssertEqual(bus.capabilities, .smbusOnly)
        XCTAssertEqual(try bus.readRegisters(I2CAddress(0x77)!, from: 0x88, count: 2), [0x70, 0x6B])
        XCTAssertEqual(try board.i2cAdapters().first?.name, "SMBus stub driver")
    }

    func testErrorsNameFileLineAndWhatWasExpected() throws {
        let cases: [(String, Int?, String)] = [
            ("[[i2c]]\nbus = 1\n[[i2c.device]]\naddress = 0x80\nmodel = \"sht3x\"\n", 4, "out of range (0x0–0x7f)"),
            ("[[i2c]]\nbus = 1\n[[i2c.device]]\naddress = 0x44\nmodel = \"bmx\"\n", 5, "model must be one of"),
            ("[[i2c]]\nbus = 1\nspeed = 400\n", 3, "unknown key \"speed\""),
            ("[[i2c]]\nbus = \"one\"\n", 2, "bus must be an integer"),
            ("[[i2c]]\nbus = 1\n[[i2c]]\nbus = 1\n", 4, "bus 1 is listed twice"),
            ("[[i2c]]\nbus = 1\n[[i2c.device]]\naddress = 0x10\nmodel = \"registers\"\n", 5, "needs dump"),
            ("[[gpio]]\nlines = 8\n[[gpio.line]]\noffset = 8\n", 4, "offset = 8 is out of range (0–7)"),
            ("[[gpio]]\nlines = 8\n[[gpio.line]]\noffset = 1\npull = \"sideways\"\n", 5, "pull must be"),
            ("[[i2c]\nbus = 1\n", 1, "not valid TOML"),
            ("[[gpio]]\nlabel = \"x\"\n", 1, "missing lines ="),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(
                try SimulatedBoard(scenario: text, file: "s.toml", directory: ".", clock: ManualClock(),
                                   description: "test")
            ) { error in
                guard let error = error as? ScenarioError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.file, "s.toml")
                XCTAssertEqual(error.line, line, "\(text) -> \(error)")
                XCTAssertTrue(error.message.contains(message), "\(error.message) lacks \(message)")
            }
        }
    }

    func testSecondDeviceOfSecondBusIsLocated() {
        let text = """
            [[i2c]]
            bus = 1
            [[i2c.device]]
            address = 0x44
            model = "sht3x"
            [[i2c]]
            bus = 2
            [[i2c.device]]
            address = 0x44
            model = "sht3x"
            [[i2c.device]]
            address = 0x45
            model = "nope"
            """
        XCTAssertThrowsError(
            try SimulatedBoard(scenario: text, file: "s.toml", directory: ".", clock: ManualClock(), description: "")
        ) { error in
            XCTAssertEqual((error as? ScenarioError)?.line, 13)
        }
    }

    func testMissingFilesAreReportedAsSuch() throws {
        XCTAssertThrowsError(try SimulatedBoard.load(path: "/nonexistent/board.toml")) { error in
            XCTAssertEqual((error as? ScenarioError)?.message, "no such file")
        }
        let directory = try temporaryDirectory()
        let scenario = "[[i2c]]\nbus = 1\n[[i2c.device]]\naddress = 0x50\nmodel = \"registers\"\ndump = \"gone.txt\"\n"
        try scenario.write(toFile: directory + "/s.toml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SimulatedBoard.load(path: directory + "/s.toml")) { error in
            XCTAssertEqual((error as? ScenarioError)?.line, 6)
            XCTAssertTrue("\(error)".contains("gone.txt: no such file"), "\(error)")
        }
        try "garbage\n".write(toFile: directory + "/gone.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try SimulatedBoard.load(path: directory + "/s.toml")) { error in
            XCTAssertEqual((error as? ScenarioError)?.file, directory + "/gone.txt", "the dump's own file is named")
        }
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mote-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }
}
