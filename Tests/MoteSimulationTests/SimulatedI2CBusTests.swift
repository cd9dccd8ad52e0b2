import MoteHAL
import MoteSimulation
import XCTest

final class SimulatedI2CBusTests: XCTestCase {
    let address = I2CAddress(0x76)!
    var bus: SimulatedI2CBus!
    var device: RegisterFileDevice!

    override func setUp() {
        bus = SimulatedI2CBus(number: 1)
        var image = [UInt8?](repeating: 0, count: 256)
        image[0xD0] = 0x60
        image[0xD1] = nil
        device = RegisterFileDevice(image: image)
        bus.attach(device, at: address)
    }

    func testRoutesByAddressAndNACKsAbsentAddresses() throws {
        XCTAssertEqual(try bus.writeRead(address, [0xD0], count: 1), [0x60])
        XCTAssertThrowsError(try bus.writeRead(I2CAddress(0x77)!, [0xD0], count: 1)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .noAcknowledge)
        }
    }

    func testRegisterPointerAutoIncrementsAcrossWritesAndReads() throws {
        try bus.write(address, [0xF2, 0x01, 0x02, 0x03])
        XCTAssertEqual(try bus.writeRead(address, [0xF2], count: 3), [0x01, 0x02, 0x03])
        XCTAssertEqual(try bus.read(address, count: 1), [0x00], "the pointer continues at 0xf5")
    }

    func testUnreadableRegisterFromTheImageFailsTheRead() {
        XCTAssertThrowsError(try bus.writeRead(address, [0xD0], count: 2)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .noAcknowledge)
            XCTAssertTrue("\(error)".contains("0xd1") || "\(error)".contains("d1"), "\(error)")
        }
    }

    func testSMBusOperationsReachTheSameModel() throws {
        XCTAssertEqual(try bus.smbus(address, .readByteData(command: 0xD0)), [0x60])
        _ = try bus.smbus(address, .writeWordData(command: 0x10, value: 0xBEEF))
        XCTAssertEqual(try bus.smbus(address, .readWordData(command: 0x10)), [0xEF, 0xBE])
        XCTAssertEqual(try bus.smbus(address, .readI2CBlock(command: 0x10, count: 2)), [0xEF, 0xBE])
    }

    func testSMBusOnlyAdapterRefusesPlainTransfersLikeI2CStub() throws {
        let stub = SimulatedI2CBus(number: 0, adapterName: "SMBus stub driver", capabilities: .smbusOnly)
        stub.attach(device, at: address)
        XCTAssertThrowsError(try stub.writeRead(address, [0xD0], count: 1)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .unsupported)
            XCTAssertTrue("\(error)".contains("adapter does not support plain I2C transfers"))
        }
        XCTAssertEqual(try stub.readRegisters(address, from: 0xD0, count: 1), [0x60])
        XCTAssertThrowsError(try stub.smbus(address, .readByteData(command: 0), pec: true)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .unsupported, "i2c-stub has no PEC")
        }
        XCTAssertThrowsError(try stub.smbus(address, .readI2CBlock(command: 0, count: 33))) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .invalidArgument)
        }
    }

    func testInjectedNACKLastsExactlyNTransactions() throws {
        bus.inject(.noAcknowledge, at: address, times: 2)
        for _ in 0..<2 {
            XCTAssertThrowsError(try bus.writeRead(address, [0xD0], count: 1)) { error in
                XCTAssertEqual((error as? HardwareError)?.kind, .noAcknowledge)
            }
        }
        XCTAssertEqual(try bus.writeRead(address, [0xD0], count: 1), [0x60])
    }

    func testInjectedBusErrorTimeoutAndCorruption() throws {
        bus.inject(.busError)
        bus.inject(.timeout)
        bus.inject(.corruptedBytes)
        XCTAssertThrowsError(try bus.writeRead(address, [0xD0], count: 1)) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .busError)
        }
        XCTAssertThrowsError(try bus.writeRead(address, [0xD0], count: 1)) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .timeout)
        }
        XCTAssertEqual(try bus.writeRead(address, [0xD0], count: 1), [0x61], "one bit flipped")
        XCTAssertEqual(try bus.writeRead(address, [0xD0], count: 1), [0x60])
    }

    func testFaultAtOneAddressLeavesOthersAlone() throws {
        let other = I2CAddress(0x44)!
        bus.attach(RegisterFileDevice(image: [0x11]), at: other)
        bus.inject(.noAcknowledge, at: other)
        XCTAssertEqual(try bus.writeRead(address, [0xD0], count: 1), [0x60])
        XCTAssertThrowsError(try bus.writeRead(other, [0x00], count: 1))
        XCTAssertEqual(try bus.writeRead(other, [0x00], count: 1), [0x11])
    }

    func testDeviceVanishesAndComesBackWithItsState() throws {
        try bus.write(address, [0x20, 0xAA])
        bus.setPresent(false, at: address)
        XCTAssertEqual(bus.presentAddresses, [])
        XCTAssertThrowsError(try bus.smbus(address, .quick(.write)))
        bus.setPresent(true, at: address)
        XCTAssertEqual(try bus.writeRead(address, [0x20], count: 1), [0xAA])
    }
}

final class I2CDumpImageTests: XCTestCase {
    func testParsesTheBuiltInBME280Image() throws {
        let registers = try I2CDumpImage.parse(DefaultBoard.bme280Image)
        XCTAssertEqual(registers.count, 256)
        XCTAssertEqual(registers[0xD0], 0x60, "BME280 chip id (datasheet §5.4.1)")
        // dig_T1 = 27504 = 0x6b70, little-endian at 0x88 (BMP280 datasheet §3.12 example).
        XCTAssertEqual(registers[0x88], 0x70)
        XCTAssertEqual(registers[0x89], 0x6B)
    }

    func testUnreadableCellsAndPartialDumps() throws {
        let text = """
                 0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f    0123456789abcdef
            d0: 60 XX 00 00 00 00 00 00 00 00 00 00 00 00 00 00    `X..............
            e0:    6a 01                                            j?
            """
        let registers = try I2CDumpImage.parse(text)
        XCTAssertEqual(registers[0xD0], 0x60)
        XCTAssertNil(registers[0xD1])
        XCTAssertNil(registers[0xE0], "a blank cell is not in the image")
        XCTAssertEqual(registers[0xE1], 0x6A)
        XCTAssertNil(registers[0x00])
    }

    func testMalformedRowNamesItsLine() {
        let text = "No size specified (using byte-data access)\n"
            + "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f    0123456789abcdef\n"
            + "00: 00 zz 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................\n"
        XCTAssertThrowsError(try I2CDumpImage.parse(text)) { error in
            XCTAssertEqual((error as? I2CDumpParseError)?.line, 3)
            XCTAssertTrue("\(error)".contains("'zz'"), "\(error)")
        }
    }

    func testRefusesWordModeAndText() {
        XCTAssertThrowsError(try I2CDumpImage.parse("     0,8  1,9  2,a  3,b  4,c  5,d  6,e  7,f\n00: 0000\n")) {
            XCTAssertEqual(($0 as? I2CDumpParseError)?.line, 1)
            XCTAssertTrue("\($0)".contains("word-mode"))
        }
        XCTAssertThrowsError(try I2CDumpImage.parse("hello\nworld\n")) {
            XCTAssertTrue("\($0)".contains("no i2cdump header"))
        }
        XCTAssertThrowsError(try I2CDumpImage.parse(
            "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f\n00: 00\n00: 00\n")) {
            XCTAssertEqual(($0 as? I2CDumpParseError)?.line, 3)
        }
    }
}
