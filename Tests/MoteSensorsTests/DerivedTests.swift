import MoteSensors
import XCTest

final class DerivedTests: XCTestCase {
    func testDewPointAgainstPublishedValues() {
        // Magnus/Sonntag 1990 with b = 17.62, c = 243.12 °C (Sensirion, "Introduction to Humidity", dew point
        // formula). 25 °C at 60 %RH gives 16.69 °C; at 100 %RH the dew point is the temperature itself.
        XCTAssertEqual(Derived.dewPoint(temperatureCelsius: 25, relativeHumidityPercent: 60), 16.69, accuracy: 0.02)
        XCTAssertEqual(Derived.dewPoint(temperatureCelsius: 10, relativeHumidityPercent: 100), 10, accuracy: 1e-9)
        XCTAssertEqual(Derived.dewPoint(temperatureCelsius: 0, relativeHumidityPercent: 50), -9.19, accuracy: 0.02)
    }

    func testAbsoluteHumidity() {
        // Saturated air at 20 °C holds 17.3 g/m³ (standard psychrometric tables); at 30 °C, 30.4 g/m³.
        XCTAssertEqual(Derived.absoluteHumidity(temperatureCelsius: 20, relativeHumidityPercent: 100), 17.3,
                       accuracy: 0.1)
        XCTAssertEqual(Derived.absoluteHumidity(temperatureCelsius: 30, relativeHumidityPercent: 100), 30.4,
                       accuracy: 0.2)
    }

    func testAltitudeAndSeaLevelPressureAreInverses() {
        // Standard atmosphere: 898.76 hPa at 1000 m (ICAO standard atmosphere table).
        XCTAssertEqual(Derived.altitude(pressurePascals: 89_876), 1000, accuracy: 2)
        XCTAssertEqual(Derived.altitude(pressurePascals: 101_325), 0, accuracy: 1e-9)
        let p0 = Derived.seaLevelPressure(pressurePascals: 95_000, altitudeMetres: 540)
        XCTAssertEqual(Derived.altitude(pressurePascals: 95_000, seaLevelPascals: p0), 540, accuracy: 1e-6)
    }

    func testOffsetsAndCRC() {
        let reading = Reading(temperatureCelsius: 20, relativeHumidityPercent: 99, pressurePascals: 100_000)
        let corrected = reading.applying(ChannelOffsets(temperatureCelsius: -0.5, relativeHumidityPercent: 3,
                                                        pressurePascals: 12))
        XCTAssertEqual(corrected, Reading(temperatureCelsius: 19.5, relativeHumidityPercent: 100, pressurePascals: 100_012))
        // Sensirion SHT3x-DIS datasheet §4.12: CRC-8(0xBEEF) = 0x92 with polynomial 0x31, initial 0xFF.
        XCTAssertEqual(crc8([0xBE, 0xEF]), 0x92)
        // TE HTU21D datasheet, CRC example: 0x683A with initial 0x00 gives 0x7C.
        XCTAssertEqual(crc8([0x68, 0x3A], initial: 0x00), 0x7C)
    }
}
