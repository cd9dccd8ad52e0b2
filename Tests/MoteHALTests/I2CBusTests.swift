import MoteHAL
import MoteSimulation
import XCTest

final class I2CAddressTests: XCTestCase {
    func testParsesLikeStrtolBaseZero() {
        XCTAssertEqual(I2CAddress(parsing: "0x76")?.rawValue, 0x76)
        XCTAssertEqual(I2CAddress(parsing: "118")?.rawValue, 0x76)
        XCTAssertEqual(I2CAddress(parsing: "0166")?.rawValue, 0x76)
        XCTAssertEqual(I2CAddress(parsing: "0")?.rawValue, 0)
        XCTAssertNil(I2CAddress(parsing: "0x80"), "8-bit addresses are out of range")
        XCTAssertNil(I2CAddress(parsing: "-1"))
        XCTAssertNil(I2CAddress(parsing: "0x7g"))
        XCTAssertNil(I2CAddress(parsing: "--5"))
        XCTAssertNil(I2CAddress(parsing: ""))
        XCTAssertEqual(I2CAddress(parsing: "0x44")?.description, "0x44")
    }
}

final class RegisterHelperTests: XCTestCase {
    let bme = I2CAddress(0x76)!

    func testReadRegistersIsOneCombinedTransactionOnAnI2CAdapter() throws {
        let bus = ScriptedI2CBus([.transfer(bme, [.write([0x88]), .read(count: 26)], replies: [Array(0..<26)])])
        XCTAssertEqual(try bus.readRegisters(bme, from: 0x88, count: 26), Array(0..<26))
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testReadRegistersSplitsIntoI2CBlockReadsOnAnSMBusOnlyAdapter() throws {
        // 40 bytes from 0xe0: blocks of 32 then 8, each addressed at its own first register.
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(bme, .readI2CBlock(command: 0xE0, count: 32), reply: Array(repeating: 1, count: 32)),
            .smbus(bme, .readI2CBlock(command: 0x00, count: 8), reply: Array(repeating: 2, count: 8)),
        ])
        XCTAssertThrowsError(try bus.readRegisters(bme, from: 0xE0, count: 40)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .invalidArgument, "0xe0 + 40 runs past register 0xff")
        }
        let fits = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(bme, .readI2CBlock(command: 0x88, count: 32), reply: Array(repeating: 1, count: 32)),
            .smbus(bme, .readI2CBlock(command: 0xA8, count: 8), reply: Array(repeating: 2, count: 8)),
        ])
        XCTAssertEqual(try fits.readRegisters(bme, from: 0x88, count: 40),
                       Array(repeating: 1, count: 32) + Array(repeating: 2, count: 8))
        XCTAssertEqual(fits.unusedExpectations, [])
        _ = bus
    }

    func testWriteRegisterUsesWriteByteDataOnSMBusAndOneWriteOnI2C() throws {
        let smbus = ScriptedI2CBus(capabilities: .smbusOnly, [.smbus(bme, .writeByteData(command: 0xE0, value: 0xB6))])
        try smbus.writeRegisters(bme, at: 0xE0, [0xB6])
        XCTAssertEqual(smbus.unusedExpectations, [])
        let i2c = ScriptedI2CBus([.transfer(bme, [.write([0xF2, 0x01, 0xF4, 0x25])])])
        try i2c.writeRegisters(bme, at: 0xF2, [0x01, 0xF4, 0x25])
        XCTAssertEqual(i2c.unusedExpectations, [])
    }

    func testScriptedBusRecordsAViolationAndLeavesTheExpectationUnused() {
        let bus = ScriptedI2CBus([.transfer(bme, [.write([0xD0]), .read(count: 1)], replies: [[0x60]])])
        XCTAssertThrowsError(try bus.write(bme, [0xD0]))
        XCTAssertEqual(bus.violations.count, 1)
        XCTAssertTrue(bus.violations[0].contains("transfer(0x76"), bus.violations[0])
        let empty = ScriptedI2CBus([])
        XCTAssertThrowsError(try empty.read(bme, count: 1))
        XCTAssertEqual(empty.violations.count, 1)
    }

    func testScriptedFailuresPropagateAsTypedErrors() {
        let bus = ScriptedI2CBus([.failure(bme, .noAcknowledge)])
        XCTAssertThrowsError(try bus.smbus(bme, .receiveByte)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .noAcknowledge)
        }
        XCTAssertEqual(bus.violations, [])
    }

    func testSMBusOperationsCarryTheSpecificationsI2CExchanges() {
        // SMBus 3.1 §6.5.5 / §6.5.7: Read Word is command, repeated START, two bytes low first.
        XCTAssertEqual(SMBusOperation.readWordData(command: 0x05).i2cOperations, [.write([0x05]), .read(count: 2)])
        XCTAssertEqual(SMBusOperation.writeWordData(command: 0x01, value: 0x1234).i2cOperations,
                       [.write([0x01, 0x34, 0x12])])
        XCTAssertEqual(SMBusOperation.quick(.write).i2cOperations, [.write([])])
        XCTAssertEqual(SMBusOperation.readI2CBlock(command: 0x88, count: 26).replyCount, 26)
    }
}

final class ScanTests: XCTestCase {
    func testAutomaticModeReadsAtEEPROMAndWriteProtectRangesAndQuickWritesElsewhere() throws {
        let bus = SimulatedI2CBus(number: 1)
        let probes = RecordingModel()
        for address in [0x30, 0x44, 0x50, 0x5F, 0x60] { bus.attach(probes, at: I2CAddress(address)!) }
        let results = try bus.scan()
        XCTAssertEqual(probes.log, ["r1", "w0", "r1", "r1", "w0"], "0x30/0x50/0x5f read a byte; 0x44/0x60 quick-write")
        XCTAssertEqual(results[0x44], .present)
        XCTAssertEqual(results[0x45], .absent)
        XCTAssertEqual(results[0x07], .skipped, "bookworm's i2cdetect (i2c-tools 4.3) starts at 0x08")
        XCTAssertEqual(results[0x08], .absent)
        XCTAssertEqual(results[0x78], .skipped)
    }

    func testGridMatchesI2CDetectByteForByte() {
        var results = [I2CProbeResult](repeating: .skipped, count: 128)
        for address in 0x08...0x77 { results[address] = .absent }
        results[0x44] = .present
        results[0x76] = .present
        results[0x1A] = .inUse
        // Layout of i2c-tools' i2cdetect.c: a 5-space header, "%02x: " rows, "xx " cells, blanks of 3 spaces.
        let expected = """
                 0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f
            00:                         -- -- -- -- -- -- -- -- \n\
            10: -- -- -- -- -- -- -- -- -- -- UU -- -- -- -- -- \n\
            20: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            30: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            40: -- -- -- -- 44 -- -- -- -- -- -- -- -- -- -- -- \n\
            50: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            60: -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- -- \n\
            70: -- -- -- -- -- -- 76 --                         \n
            """
        XCTAssertEqual(detectGrid(results), expected)
    }

    func testSMBusOnlyAdapterWithoutQuickSkipsThoseAddresses() throws {
        let bus = SimulatedI2CBus(number: 0, capabilities: [.smbusReadByte, .smbusReadByteData])
        bus.attach(RecordingModel(), at: I2CAddress(0x50)!)
        bus.attach(RecordingModel(), at: I2CAddress(0x44)!)
        let results = try bus.scan()
        XCTAssertEqual(results[0x44], .skipped, "quick write is unavailable, so 0x44 is not probed")
        XCTAssertEqual(results[0x50], .present)
        XCTAssertNil(bus.scanRefusal(.automatic))
        XCTAssertNotNil(bus.scanRefusal(.quickWrite))
        XCTAssertEqual(SimulatedI2CBus(number: 2, capabilities: [.i2c]).scanRefusal(.automatic),
                       "bus doesn't support detection commands")
    }

    func testAddressHeldByAKernelDriverIsUU() throws {
        let bus = ScriptedI2CBus(capabilities: .fullI2C, [.failure(I2CAddress(0x50)!, .addressInUse)])
        let results = try bus.scan(0x50...0x50)
        XCTAssertEqual(results[0x50], .inUse)
    }

    func testPermissionDeniedAbortsTheScan() {
        // 0x08 is the first address probed by default.
        let bus = ScriptedI2CBus(capabilities: .fullI2C, [.failure(I2CAddress(0x08)!, .permissionDenied)])
        XCTAssertThrowsError(try bus.scan()) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .permissionDenied)
        }
    }
}

final class HardwareErrorTests: XCTestCase {
    func testPermissionHintNamesTheRightGroup() {
        let i2c = HardwareError(.permissionDenied, device: "/dev/i2c-1", detail: "open: Permission denied", errno: 13)
        XCTAssertTrue(i2c.description.hasPrefix("/dev/i2c-1: permission denied (open: Permission denied): "))
        XCTAssertTrue(i2c.description.contains("i2c group"))
        let gpio = HardwareError(.permissionDenied, device: "/dev/gpiochip0", detail: "", errno: 13)
        XCTAssertTrue(gpio.description.contains("gpio group"))
        XCTAssertFalse(gpio.description.contains("\n"))
    }
}

/// Logs each start as r/w and the byte count, so tests see which probe reached the device.
final class RecordingModel: I2CDeviceModel {
    let modelName = "recording"
    var log: [String] = []
    private var reading = false
    func start(read: Bool) -> Bool {
        reading = read
        return true
    }
    func write(_ bytes: [UInt8]) throws(DeviceRefusal) { log.append("w\(bytes.count)") }
    func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        log.append("r\(count)")
        return Array(repeating: 0, count: count)
    }
    func stop() {}
}

final class ScriptedWaitTests: XCTestCase {
    func testWaitsAreCheckedInOrder() throws {
        let address = I2CAddress(0x44)!
        let bus = ScriptedI2CBus([.transfer(address, [.write([0x24, 0x00])]), .wait(.milliseconds(16)),
                                  .transfer(address, [.read(count: 1)], replies: [[0]])])
        try bus.write(address, [0x24, 0x00])
        bus.sleep(for: .milliseconds(15))
        XCTAssertEqual(bus.violations, ["unexpected wait(0.015 seconds), expected wait(0.016 seconds)"])
        _ = try bus.read(address, count: 1)
        XCTAssertEqual(bus.unusedExpectations, [])
    }
}
