import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// Every device model placed at its usual address is named correctly by detection and read by its driver, and
/// register-only devices at those addresses are not mistaken for sensors.
final class CatalogTests: XCTestCase {
    /// (model kind, address, expected identification, expected driver model)
    let placements: [(String, UInt8, String)] = [
        ("bme280", 0x76, "bme280"), ("bmp280", 0x77, "bmp280"), ("bmp388", 0x76, "bmp388"),
        ("bmp390", 0x77, "bmp390"), ("lps22hb", 0x5C, "lps22hb"), ("lps22hh", 0x5D, "lps22hh"),
        ("hdc1080", 0x40, "hdc1080"), ("mcp9808", 0x18, "mcp9808"), ("aht20", 0x38, "aht20"),
        ("tmp102", 0x48, "tmp102"), ("sht4x", 0x44, "sht4x"), ("sht3x", 0x45, "sht3x"),
        ("htu21d", 0x40, "htu21d"), ("si7021", 0x40, "si7021"),
    ]

    func testEveryModelIsIdentifiedAndReadAtItsAddress() throws {
        for (kindName, rawAddress, expected) in placements {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            let address = try XCTUnwrap(I2CAddress(rawAddress))
            let kind = try XCTUnwrap(DeviceModels.named(kindName), kindName)
            let environment = SimulatedEnvironment(temperatureCelsius: 18.5, relativeHumidityPercent: 55,
                                                   pressurePascals: 98_700)
            bus.attach(kind.make(DeviceModelContext(clock: clock, environment: environment)), at: address)
            clock.advance(by: .milliseconds(100))  // past every chip's power-up time
            let found = SensorCatalog.identify(on: bus, at: address, delay: clock)
            XCTAssertEqual(found?.1.model, expected, "\(kindName) at \(address): \(String(describing: found?.1))")
            guard let (family, _) = found else { continue }
            var driver = try family.open(bus, address, clock)
            let reading = try driver.read()
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius, kindName), 18.5, accuracy: 0.3, kindName)
            if let humidity = reading.relativeHumidityPercent {
                XCTAssertEqual(humidity, 55, accuracy: 1, kindName)
            }
            if let pressure = reading.pressurePascals {
                XCTAssertEqual(pressure, 98_700, accuracy: 20, kindName)
            }
        }
    }

    func testRegisterChipsAtSensorAddressesAreNotNamed() throws {
        // An EEPROM-like register file full of 0xa5 answers everywhere a sensor could be.
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        let addresses = Set(SensorCatalog.families.flatMap(\.addresses))
        for raw in addresses {
            bus.attach(RegisterFileDevice(image: Array(repeating: 0xA5, count: 256)), at: try XCTUnwrap(I2CAddress(raw)))
        }
        for raw in addresses.sorted() {
            let address = try XCTUnwrap(I2CAddress(raw))
            XCTAssertNil(SensorCatalog.identify(on: bus, at: address, delay: clock)?.1, "0x\(hex2(raw))")
        }
    }

    func testFamiliesAreFoundByNameAndAlias() {
        XCTAssertEqual(SensorCatalog.family(named: "BMP280")?.name, "bme280")
        XCTAssertEqual(SensorCatalog.family(named: "sht31")?.name, "sht3x")
        XCTAssertEqual(SensorCatalog.family(named: "si7021")?.name, "htu21d")
        XCTAssertNil(SensorCatalog.family(named: "bme680"))
        XCTAssertEqual(Set(SensorCatalog.families.map(\.name)).count, SensorCatalog.families.count)
    }
}
