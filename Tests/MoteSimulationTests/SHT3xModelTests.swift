import MoteHAL
import MoteSimulation
import XCTest

final class SHT3xModelTests: XCTestCase {
    let address = I2CAddress(0x44)!
    var clock: ManualClock!
    var bus: SimulatedI2CBus!
    var sensor: SHT3xModel!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
        sensor = SHT3xModel(clock: clock, environment: SimulatedEnvironment(
            temperatureCelsius: 25, relativeHumidityPercent: 50), justPoweredUp: true)
        bus.attach(sensor, at: address)
    }

    func testCRCMatchesTheDatasheetExample() {
        // SHT3x-DIS datasheet §4.12, Table 19: CRC of 0xBEEF is 0x92.
        XCTAssertEqual(SensirionCRC.checksum([0xBE, 0xEF]), 0x92)
    }

    func testNotReadyDuringPowerUp() throws {
        XCTAssertThrowsError(try bus.smbus(address, .quick(.write)), "power-up time is 1.5 ms (Table 4)")
        clock.advance(by: .microseconds(1_500))
        XCTAssertNoThrow(try bus.smbus(address, .quick(.write)))
    }

    func testSingleShotWithoutStretchingNACKsUntilTheMeasurementIsDone() throws {
        clock.advance(by: .milliseconds(2))
        try bus.write(address, [0x24, 0x00])
        clock.advance(by: .milliseconds(15))
        XCTAssertThrowsError(try bus.read(address, count: 6), "high repeatability takes up to 15.5 ms") {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .noAcknowledge)
        }
        clock.advance(by: .microseconds(500))
        let bytes = try bus.read(address, count: 6)
        XCTAssertEqual(SensirionCRC.checksum(Array(bytes[0...1])), bytes[2])
        XCTAssertEqual(SensirionCRC.checksum(Array(bytes[3...4])), bytes[5])
        let rawTemperature = Double(UInt16(bytes[0]) << 8 | UInt16(bytes[1]))
        let rawHumidity = Double(UInt16(bytes[3]) << 8 | UInt16(bytes[4]))
        // §4.13: T = -45 + 175 * S_T / (2^16 - 1); RH = 100 * S_RH / (2^16 - 1).
        XCTAssertEqual(-45 + 175 * rawTemperature / 65535, 25, accuracy: 0.01)
        XCTAssertEqual(100 * rawHumidity / 65535, 50, accuracy: 0.01)
        XCTAssertThrowsError(try bus.read(address, count: 6), "a result is read once")
    }

    func testClockStretchingReadHoldsTheBusUntilTheMeasurementIsDone() throws {
        clock.advance(by: .milliseconds(2))
        try bus.write(address, [0x2C, 0x06])
        XCTAssertEqual(try bus.read(address, count: 6).count, 6)
        // §4.3: the read header is acknowledged and SCL is held low for the measurement (15.5 ms, Table 4).
        XCTAssertEqual(clock.now, .milliseconds(2) + .microseconds(15_500))
    }

    func testStatusHeaterAndClear() throws {
        clock.advance(by: .milliseconds(2))
        try bus.write(address, [0x30, 0x6D])
        try bus.write(address, [0xF3, 0x2D])
        var status = try bus.read(address, count: 3)
        XCTAssertEqual(status[0] & 0x20, 0x20, "heater bit 13")
        XCTAssertEqual(status[1] & 0x10, 0x10, "reset detected bit 4 after power-up")
        try bus.write(address, [0x30, 0x41])
        try bus.write(address, [0xF3, 0x2D])
        status = try bus.read(address, count: 3)
        XCTAssertEqual(status[1] & 0x10, 0)
        XCTAssertEqual(SensirionCRC.checksum(Array(status[0...1])), status[2])
    }

    func testUnknownCommandIsNotAcknowledged() {
        clock.advance(by: .milliseconds(2))
        XCTAssertThrowsError(try bus.write(address, [0x12, 0x34]))
    }

    func testPeriodicModeFetchesEachMeasurementOnceAndBreakStopsIt() throws {
        clock.advance(by: .milliseconds(2))
        try bus.write(address, [0x21, 0x30])  // 1 measurement per second, high repeatability
        try bus.write(address, [0xE0, 0x00])
        XCTAssertThrowsError(try bus.read(address, count: 6), "nothing measured yet")
        clock.advance(by: .milliseconds(16))
        try bus.write(address, [0xE0, 0x00])
        XCTAssertEqual(try bus.read(address, count: 6).count, 6)
        try bus.write(address, [0xE0, 0x00])
        XCTAssertThrowsError(try bus.read(address, count: 6), "already fetched")
        XCTAssertThrowsError(try bus.write(address, [0x24, 0x00]), "single shot is refused in periodic mode")
        try bus.write(address, [0x30, 0x93])
        XCTAssertThrowsError(try bus.write(address, [0x24, 0x00]), "a break takes 1 ms (§4.8)")
        clock.advance(by: .milliseconds(1))
        XCTAssertNoThrow(try bus.write(address, [0x24, 0x00]))
    }
}
