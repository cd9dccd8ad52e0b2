import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// The trimming parameters of the BMP280 datasheet's worked example (BST-BMP280-DS001 §3.12), with the humidity
/// parameters of a production BME280 (dig_H1 75, dig_H2 362, dig_H3 0, dig_H4 313, dig_H5 50, dig_H6 30).
private let exampleCalibration = BME280Calibration(
    digT1: 27_504, digT2: 26_435, digT3: -1_000,
    digP1: 36_477, digP2: -10_685, digP3: 3_024, digP4: 2_855, digP5: 140, digP6: -7, digP7: 15_500,
    digP8: -14_600, digP9: 6_000,
    digH1: 75, digH2: 362, digH3: 0, digH4: 313, digH5: 50, digH6: 30)

/// The same parameters as the chip stores them, written out by hand from Table 16 of the BME280 datasheet:
/// 0x88…0xA1 (little-endian words, 0xA0 reserved, dig_H1 at 0xA1) and 0xE1…0xE7.
private let exampleLowBlock: [UInt8] = [
    0x70, 0x6B, 0x43, 0x67, 0x18, 0xFC,  // dig_T1 27504, dig_T2 26435, dig_T3 -1000
    0x7D, 0x8E, 0x43, 0xD6, 0xD0, 0x0B,  // dig_P1 36477, dig_P2 -10685, dig_P3 3024
    0x27, 0x0B, 0x8C, 0x00, 0xF9, 0xFF,  // dig_P4 2855, dig_P5 140, dig_P6 -7
    0x8C, 0x3C, 0xF8, 0xC6, 0x70, 0x17,  // dig_P7 15500, dig_P8 -14600, dig_P9 6000
    0x00, 0x4B,  // reserved, dig_H1 75
]
/// dig_H2 362 (0x016A), dig_H3 0, dig_H4 313 (0x139: 0x13 and low nibble 9), dig_H5 50 (0x032: 0x03 and low
/// nibble 2, in 0xE5 bits 7:4), dig_H6 30.
private let exampleHighBlock: [UInt8] = [0x6A, 0x01, 0x00, 0x13, 0x29, 0x03, 0x1E]

/// The data registers for adc_P 415148 (0x655AC) and adc_T 519888 (0x7EED0) of §3.12, and adc_H 30281 (0x7649).
private let exampleData: [UInt8] = [0x65, 0x5A, 0xC0, 0x7E, 0xED, 0x00, 0x76, 0x49]

final class BME280CompensationTests: XCTestCase {
    func testBMP280DatasheetWorkedExampleInDoubleAndInteger() throws {
        // BMP280 datasheet BST-BMP280-DS001 §3.12 ("Calculating pressure and temperature"), worked example:
        // adc_T 519888 -> t_fine 128422, T 25.08 °C; adc_P 415148 -> p 100653.27 Pa (double), 25767236/256 Pa
        // (64-bit integer). The printed p comes from an unrounded t_fine (128422.287 gives 100653.267 Pa); the
        // datasheet's code truncates t_fine, giving 100653.258 Pa. Executing its 64-bit code gives 25767233, three
        // 1/256 Pa below the printed figure, which the datasheet allows ("integer results may deviate slightly").
        let double = BME280Compensation.temperature(adc: 519_888, calibration: exampleCalibration)
        XCTAssertEqual(double.fine, 128_422)
        XCTAssertEqual(double.celsius, 25.08, accuracy: 0.005)
        let pressure = try XCTUnwrap(BME280Compensation.pressure(adc: 415_148, fine: double.fine,
                                                                 calibration: exampleCalibration))
        XCTAssertEqual(pressure, 100_653.27, accuracy: 0.015)
        XCTAssertEqual(pressure, 100_653.258_144_8, accuracy: 1e-6, "the datasheet's double code, executed")

        let integer = BME280Compensation.temperatureInteger(adc: 519_888, calibration: exampleCalibration)
        XCTAssertEqual(integer.fine, 128_422)
        XCTAssertEqual(integer.centidegrees, 2_508)
        let q24 = try XCTUnwrap(BME280Compensation.pressureInteger(adc: 415_148, fine: integer.fine,
                                                                  calibration: exampleCalibration))
        XCTAssertEqual(q24, 25_767_233, "the datasheet's 64-bit code, executed")
        XCTAssertEqual(Double(q24), 25_767_236, accuracy: 3, "the printed figure")
        XCTAssertEqual(q24 / 256, 100_653)
    }

    func testPimoroniReferenceVectors() throws {
        // pimoroni/bme280-python, tests/calibration.py (trimming) and tests/test_compensation.py (expected values):
        // adc_T 529191 -> 24.7894877676 °C, adc_P 326816 -> 1006.61517564 hPa, adc_H 30281 -> 68.66996648709039 %RH.
        // That library keeps t_fine unrounded; the datasheet truncates it, which moves p and RH in the 3rd decimal.
        let calibration = BME280Calibration(
            digT1: 28_009, digT2: 25_654, digT3: 50,
            digP1: 39_145, digP2: -10_750, digP3: 3_024, digP4: 5_667, digP5: -120, digP6: -7, digP7: 15_500,
            digP8: -14_600, digP9: 6_000,
            digH1: 75, digH2: 376, digH3: 0, digH4: 286, digH5: 50, digH6: 30)
        let (celsius, fine) = BME280Compensation.temperature(adc: 529_191, calibration: calibration)
        XCTAssertEqual(celsius, 24.7894877676, accuracy: 1e-9)
        let pressure = try XCTUnwrap(BME280Compensation.pressure(adc: 326_816, fine: fine, calibration: calibration))
        XCTAssertEqual(pressure, 100_661.517564, accuracy: 0.05)
        let humidity = BME280Compensation.humidity(adc: 30_281, fine: fine, calibration: calibration)
        XCTAssertEqual(humidity, 68.66996648709039, accuracy: 0.001)

        // The integer forms agree with the double ones to within their resolution (0.01 °C, 1/256 Pa, 1/1024 %RH)
        // plus the integer formulas' own rounding.
        let integer = BME280Compensation.temperatureInteger(adc: 529_191, calibration: calibration)
        XCTAssertEqual(Double(integer.centidegrees) / 100, celsius, accuracy: 0.01)
        // The integer code drops adc_T's low 3 bits (adc_T >> 3), worth up to 11 in t_fine (0.002 °C) here.
        XCTAssertEqual(integer.fine, fine, accuracy: 12)
        let q24 = try XCTUnwrap(BME280Compensation.pressureInteger(adc: 326_816, fine: integer.fine,
                                                                  calibration: calibration))
        XCTAssertEqual(Double(q24) / 256, pressure, accuracy: 0.5)
        let q22 = BME280Compensation.humidityInteger(adc: 30_281, fine: integer.fine, calibration: calibration)
        XCTAssertEqual(Double(q22) / 1024, humidity, accuracy: 0.01)
    }

    func testHumidityIsLimitedToZeroAndHundredAndPressureToTheReferenceDriversRange() {
        // BME280 datasheet §4.2.3 (humidity code limits to 0…100 %RH: 419430400 >> 22 = 100) and Bosch's
        // BME280_SensorAPI bme280.c (pressure_min 30000, pressure_max 110000 in the double path).
        let fine = BME280Compensation.temperature(adc: 519_888, calibration: exampleCalibration).fine
        XCTAssertEqual(BME280Compensation.humidity(adc: 0, fine: fine, calibration: exampleCalibration), 0)
        XCTAssertEqual(BME280Compensation.humidity(adc: 65_535, fine: fine, calibration: exampleCalibration), 100)
        XCTAssertEqual(BME280Compensation.humidityInteger(adc: 65_535, fine: fine, calibration: exampleCalibration),
                       100 << 10)
        XCTAssertEqual(BME280Compensation.humidityInteger(adc: 0, fine: fine, calibration: exampleCalibration), 0)
        var configuration = BME280Configuration()
        configuration.humidityOversampling = .x1
        let low = BME280Compensation.reading(BME280RawSample(pressure: 1_048_575, temperature: 519_888, humidity: 0),
                                             calibration: exampleCalibration, configuration: configuration,
                                             chip: .bme280)
        XCTAssertEqual(low.pressurePascals, 30_000, "adc_P at full scale is far below 300 hPa")
        XCTAssertEqual(low.relativeHumidityPercent, 0)
        let high = BME280Compensation.reading(BME280RawSample(pressure: 0, temperature: 519_888, humidity: nil),
                                              calibration: exampleCalibration, configuration: configuration,
                                              chip: .bmp280)
        XCTAssertEqual(high.pressurePascals, 110_000)
        XCTAssertNil(high.relativeHumidityPercent, "a BMP280 has no humidity")
    }

    func testZeroDigP1MakesPressureUndefinedInsteadOfDividingByZero() {
        var calibration = exampleCalibration
        calibration.digP1 = 0
        XCTAssertNil(BME280Compensation.pressure(adc: 415_148, fine: 128_422, calibration: calibration))
        XCTAssertNil(BME280Compensation.pressureInteger(adc: 415_148, fine: 128_422, calibration: calibration))
        XCTAssertFalse(calibration.isPlausible)
    }

    func testTrimmingBlocksParseIncludingThePackedH4AndH5Nibbles() throws {
        // BME280 datasheet §4.2.2, Table 16.
        let parsed = try XCTUnwrap(BME280Calibration(temperaturePressureBlock: exampleLowBlock,
                                                     humidityBlock: exampleHighBlock))
        XCTAssertEqual(parsed, exampleCalibration)
        // dig_H4/dig_H5 are signed 12-bit: 0xE4 and 0xE6 carry bits 11:4 with the sign.
        let negative = try XCTUnwrap(BME280Calibration(temperaturePressureBlock: exampleLowBlock,
                                                       humidityBlock: [0, 0, 0, 0x80, 0x5F, 0xFF, 0xE2]))
        XCTAssertEqual(negative.digH4, -2_033, "0x80 << 4 | 0xF = 0x80F = -2033")
        XCTAssertEqual(negative.digH5, -11, "0xFF << 4 | 0x5 = 0xFF5 = -11")
        XCTAssertEqual(negative.digH6, -30)
        let bmp = try XCTUnwrap(BME280Calibration(temperaturePressureBlock: exampleLowBlock, humidityBlock: nil))
        XCTAssertEqual(bmp.digH1, 0, "a BMP280's 0xA1 is not a humidity parameter")
        XCTAssertNil(BME280Calibration(temperaturePressureBlock: Array(exampleLowBlock.prefix(25)), humidityBlock: nil))
    }

    func testRawSampleUnpacksTwentyBitAndSixteenBitValues() {
        XCTAssertEqual(BME280RawSample(registers: exampleData),
                       BME280RawSample(pressure: 415_148, temperature: 519_888, humidity: 30_281))
        XCTAssertEqual(BME280RawSample(registers: Array(exampleData.prefix(6)))?.humidity, nil)
        XCTAssertNil(BME280RawSample(registers: [0x80, 0x00]))
    }

    func testMaximumMeasurementTimesMatchTheDatasheets() {
        // BME280 datasheet Appendix B §9.1: T ×1, P ×4, no humidity -> t_measure,max = 1.25 + 2.3 + 9.775 ms.
        let example = BME280Configuration(temperatureOversampling: .x1, pressureOversampling: .x4,
                                          humidityOversampling: .skipped)
        XCTAssertEqual(example.maximumMeasurementTime(on: .bme280), .microseconds(13_325))
        // Default ×1/×1/×1: 1.25 + 2.3 + 2.875 + 2.875 = 9.3 ms.
        XCTAssertEqual(BME280Configuration().maximumMeasurementTime(on: .bme280), .microseconds(9_300))
        // BMP280 datasheet §3.8.1, Table 13 (maximum column, rounded to 0.1 ms there).
        let table13: [(BME280Configuration.Oversampling, BME280Configuration.Oversampling, Int)] = [
            (.x1, .x1, 6_400), (.x2, .x1, 8_700), (.x4, .x1, 13_300), (.x8, .x1, 22_500), (.x16, .x2, 43_200),
        ]
        for (pressure, temperature, tableMicroseconds) in table13 {
            let configuration = BME280Configuration(temperatureOversampling: temperature,
                                                    pressureOversampling: pressure)
            let (_, attoseconds) = configuration.maximumMeasurementTime(on: .bmp280).components
            let microseconds = Int(attoseconds / 1_000_000_000_000)
            XCTAssertEqual(microseconds, tableMicroseconds, accuracy: 50, "osrs_p \(pressure), osrs_t \(temperature)")
        }
    }

    func testRegisterEncodings() {
        // BME280 datasheet §5.4.5 (ctrl_meas osrs_t 7:5, osrs_p 4:2, mode 1:0), §5.4.6 (config t_sb 7:5, filter 4:2;
        // Table 27: 1000 ms is 101, 10 ms is 110 on a BME280), §5.4.3 (ctrl_hum osrs_h 2:0).
        let defaults = BME280Configuration()
        XCTAssertEqual(defaults.controlMeasurementRegister(modeBits: 0b01), 0x25)
        XCTAssertEqual(defaults.configRegister(on: .bme280), 0xA0)
        XCTAssertEqual(defaults.controlHumidityRegister, 0x01)
        let busy = BME280Configuration(temperatureOversampling: .x2, pressureOversampling: .x16,
                                       humidityOversampling: .x4, filter: .coefficient16, mode: .normal,
                                       standbyTime: .milliseconds(10))
        XCTAssertEqual(busy.controlMeasurementRegister(modeBits: 0b11), 0b010_101_11)
        XCTAssertEqual(busy.configRegister(on: .bme280), 0b110_100_00)
        XCTAssertNil(busy.standbyCode(on: .bmp280), "BMP280 Table 11: 110 is 2000 ms, not 10 ms")
        XCTAssertEqual(BME280Configuration(standbyTime: .seconds(4)).standbyCode(on: .bmp280), 0b111)
        XCTAssertEqual(BME280Status(register: 0x09), BME280Status(register: 0x08 | 0x01))
        XCTAssertTrue(BME280Status(register: 0x08).measuring)
        XCTAssertFalse(BME280Status(register: 0x08).updatingCalibration)
        XCTAssertTrue(BME280Status(register: 0x01).updatingCalibration)
    }
}

final class BME280ScriptedTests: XCTestCase {
    let address = I2CAddress(0x76)!

    /// The I2C exchanges that open a BME280 with the default configuration.
    func openingBME280(status: [UInt8] = [0x00]) -> [ScriptedI2CBus.Expectation] {
        var script: [ScriptedI2CBus.Expectation] = [
            .transfer(address, [.write([0xD0]), .read(count: 1)], replies: [[0x60]]),
            .transfer(address, [.write([0xE0, 0xB6])]),
            .wait(.milliseconds(2)),
        ]
        for (index, value) in status.enumerated() {
            if index > 0 { script.append(.wait(.milliseconds(1))) }
            script.append(.transfer(address, [.write([0xF3]), .read(count: 1)], replies: [[value]]))
        }
        return script + [
            .transfer(address, [.write([0x88]), .read(count: 26)], replies: [exampleLowBlock]),
            .transfer(address, [.write([0xE1]), .read(count: 7)], replies: [exampleHighBlock]),
            .transfer(address, [.write([0xF2, 0x01])]),
            .transfer(address, [.write([0xF5, 0xA0])]),
            .transfer(address, [.write([0xF4, 0x24])]),
        ]
    }

    func assertFinished(_ bus: ScriptedI2CBus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bus.unusedExpectations, [], file: file, line: line)
        XCTAssertEqual(bus.violations, [], file: file, line: line)
    }

    func testOpensAndReadsInForcedModeWithTheMaximumWaitAndOneBurst() throws {
        let bus = ScriptedI2CBus(openingBME280() + [
            .transfer(address, [.write([0xF4, 0x25])]),
            .wait(.microseconds(9_300)),
            .transfer(address, [.write([0xF3]), .read(count: 1)], replies: [[0x00]]),
            .transfer(address, [.write([0xF7]), .read(count: 8)], replies: [exampleData]),
        ])
        var sensor = try BME280(bus: bus, delay: bus)
        XCTAssertEqual(sensor.model, "bme280")
        XCTAssertEqual(sensor.chipID, 0x60)
        XCTAssertEqual(sensor.calibration, exampleCalibration)
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 25.08, accuracy: 0.005, "BMP280 §3.12")
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 100_653.27, accuracy: 0.015, "BMP280 §3.12")
        let fine = BME280Compensation.temperature(adc: 519_888, calibration: exampleCalibration).fine
        XCTAssertEqual(reading.relativeHumidityPercent,
                       BME280Compensation.humidity(adc: 30_281, fine: fine, calibration: exampleCalibration))
        assertFinished(bus)
    }

    func testWorksOnAnSMBusOnlyAdapter() throws {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readI2CBlock(command: 0xD0, count: 1), reply: [0x60]),
            .smbus(address, .writeByteData(command: 0xE0, value: 0xB6)),
            .wait(.milliseconds(2)),
            .smbus(address, .readI2CBlock(command: 0xF3, count: 1), reply: [0x00]),
            .smbus(address, .readI2CBlock(command: 0x88, count: 26), reply: exampleLowBlock),
            .smbus(address, .readI2CBlock(command: 0xE1, count: 7), reply: exampleHighBlock),
            .smbus(address, .writeByteData(command: 0xF2, value: 0x01)),
            .smbus(address, .writeByteData(command: 0xF5, value: 0xA0)),
            .smbus(address, .writeByteData(command: 0xF4, value: 0x24)),
            .smbus(address, .writeByteData(command: 0xF4, value: 0x25)),
            .wait(.microseconds(9_300)),
            .smbus(address, .readI2CBlock(command: 0xF3, count: 1), reply: [0x00]),
            .smbus(address, .readI2CBlock(command: 0xF7, count: 8), reply: exampleData),
        ])
        var sensor = try BME280(bus: bus, delay: bus)
        XCTAssertEqual(try XCTUnwrap(sensor.read().pressurePascals), 100_653.27, accuracy: 0.015)
        assertFinished(bus)
    }

    func testBMP280SkipsHumidityRegistersAndReadsSixBytes() throws {
        let at77 = I2CAddress(0x77)!
        let bus = ScriptedI2CBus([
            .transfer(at77, [.write([0xD0]), .read(count: 1)], replies: [[0x58]]),
            .transfer(at77, [.write([0xE0, 0xB6])]),
            .wait(.milliseconds(2)),
            .transfer(at77, [.write([0xF3]), .read(count: 1)], replies: [[0x00]]),
            .transfer(at77, [.write([0x88]), .read(count: 26)], replies: [exampleLowBlock]),
            .transfer(at77, [.write([0xF5, 0xA0])]),
            .transfer(at77, [.write([0xF4, 0x24])]),
            .transfer(at77, [.write([0xF4, 0x25])]),
            .wait(.microseconds(6_425)),
            .transfer(at77, [.write([0xF3]), .read(count: 1)], replies: [[0x00]]),
            .transfer(at77, [.write([0xF7]), .read(count: 6)], replies: [Array(exampleData.prefix(6))]),
        ])
        var sensor = try BME280(bus: bus, address: at77, delay: bus)
        XCTAssertEqual(sensor.model, "bmp280")
        XCTAssertEqual(sensor.datasheet.part, "Bosch Sensortec BMP280")
        let reading = try sensor.read()
        XCTAssertNil(reading.relativeHumidityPercent)
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 25.08, accuracy: 0.005)
        assertFinished(bus)
    }

    func testWaitsForTheTrimmingCopyAndTimesOutWhenItNeverEnds() throws {
        let bus = ScriptedI2CBus(openingBME280(status: [0x01, 0x01, 0x00]))
        _ = try BME280(bus: bus, delay: bus)
        assertFinished(bus)

        let stuck = ScriptedI2CBus(Array(openingBME280(status: [0x01, 0x01, 0x01, 0x01, 0x01]).prefix(12)))
        XCTAssertThrowsError(try BME280(bus: stuck, delay: stuck)) { error in
            guard case .timedOut(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("im_update"), detail)
        }
        assertFinished(stuck)
    }

    func testPollsMeasuringAfterTheWaitAndTimesOutWhenItStaysSet() throws {
        let conversion: [ScriptedI2CBus.Expectation] = [
            .transfer(address, [.write([0xF4, 0x25])]),
            .wait(.microseconds(9_300)),
            .transfer(address, [.write([0xF3]), .read(count: 1)], replies: [[0x08]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0xF3]), .read(count: 1)], replies: [[0x00]]),
            .transfer(address, [.write([0xF7]), .read(count: 8)], replies: [exampleData]),
        ]
        var stuckScript: [ScriptedI2CBus.Expectation] = [
            .transfer(address, [.write([0xF4, 0x25])]), .wait(.microseconds(9_300)),
        ]
        for attempt in 1...5 {
            if attempt > 1 { stuckScript.append(.wait(.milliseconds(1))) }
            stuckScript.append(.transfer(address, [.write([0xF3]), .read(count: 1)], replies: [[0x08]]))
        }
        let bus = ScriptedI2CBus(openingBME280() + conversion + stuckScript)
        var sensor = try BME280(bus: bus, delay: bus)
        XCTAssertNotNil(try sensor.read().temperatureCelsius)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("measuring"), detail)
        }
        assertFinished(bus)
    }

    func testRefusesABME680AndUnknownChipsAfterReadingOnlyTheId() {
        for (id, expected) in [(UInt8(0x61), "BME680"), (0x55, "not a BME280")] {
            let bus = ScriptedI2CBus([.transfer(address, [.write([0xD0]), .read(count: 1)], replies: [[id]])])
            XCTAssertThrowsError(try BME280(bus: bus, delay: bus)) { error in
                guard case .unsupportedChip(let reported, let detail) = error as? SensorError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(reported, UInt32(id))
                XCTAssertTrue(detail.contains(expected), detail)
            }
            assertFinished(bus)
        }
    }

    func testBusErrorsPropagateTyped() throws {
        let bus = ScriptedI2CBus(openingBME280() + [
            .transfer(address, [.write([0xF4, 0x25])]),
            .wait(.microseconds(9_300)),
            .transfer(address, [.write([0xF3]), .read(count: 1)], replies: [[0x00]]),
            .failure(address, .busError),
        ])
        var sensor = try BME280(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .busError)
        }
        assertFinished(bus)

        let absent = ScriptedI2CBus([.failure(address, .noAcknowledge)])
        XCTAssertThrowsError(try BME280(bus: absent, delay: absent)) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .noAcknowledge)
        }
    }

    func testBlankTrimmingIsReportedAsNotCalibrated() {
        var script = openingBME280()
        script[4] = .transfer(address, [.write([0x88]), .read(count: 26)], replies: [Array(repeating: 0, count: 26)])
        let bus = ScriptedI2CBus(Array(script.prefix(6)))
        XCTAssertThrowsError(try BME280(bus: bus, delay: bus)) { error in
            guard case .notCalibrated = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(bus)
    }

    func testInvalidConfigurationsAreRefusedBeforeAnythingIsWritten() {
        let skipped = BME280Configuration(temperatureOversampling: .skipped)
        let bus = ScriptedI2CBus([.transfer(address, [.write([0xD0]), .read(count: 1)], replies: [[0x60]])])
        XCTAssertThrowsError(try BME280(bus: bus, delay: bus, configuration: skipped)) { error in
            guard case .invalidConfiguration = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(bus)
        let tenMilliseconds = BME280Configuration(mode: .normal, standbyTime: .milliseconds(10))
        let bmp = ScriptedI2CBus([.transfer(address, [.write([0xD0]), .read(count: 1)], replies: [[0x58]])])
        XCTAssertThrowsError(try BME280(bus: bmp, delay: bmp, configuration: tenMilliseconds)) { error in
            guard case .invalidConfiguration(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("bmp280"), detail)
        }
        assertFinished(bmp)
    }

    func testNormalModeWaitsForTheFirstConversionThenReadsWithoutTriggering() throws {
        let configuration = BME280Configuration(temperatureOversampling: .x2, pressureOversampling: .x16,
                                                humidityOversampling: .x1, filter: .coefficient16, mode: .normal,
                                                standbyTime: .microseconds(62_500))
        var script = Array(openingBME280().prefix(6))
        script += [
            .transfer(address, [.write([0xF2, 0x01])]),
            .transfer(address, [.write([0xF5, 0b001_100_00])]),
            .transfer(address, [.write([0xF4, 0b010_101_11])]),
            // 1.25 + 2.3·2 + (2.3·16 + 0.575) + (2.3·1 + 0.575) = 46.1 ms
            .wait(.microseconds(46_100)),
            .transfer(address, [.write([0xF7]), .read(count: 8)], replies: [exampleData]),
        ]
        let bus = ScriptedI2CBus(script)
        var sensor = try BME280(bus: bus, delay: bus, configuration: configuration)
        XCTAssertEqual(sensor.datasheet.measurementTime, .microseconds(46_100))
        XCTAssertEqual(sensor.datasheet.currents[.sleep], 0.2e-6, "normal mode idles at the standby current")
        _ = try sensor.read()
        assertFinished(bus)
    }

    func testDatasheetFiguresForTheDefaultConfiguration() {
        let sheet = BME280<ScriptedI2CBus>.datasheet
        XCTAssertEqual(sheet.measurementTime, .microseconds(9_300))
        XCTAssertEqual(sheet.startupTime, .milliseconds(2))
        XCTAssertEqual(sheet.supplyVolts, 1.8)
        XCTAssertEqual(sheet.currents[.sleep], 0.1e-6)
        // (350·2.3 + 714·2.875 + 340·2.875) / 8.05 µA
        XCTAssertEqual(sheet.currents[.measuring] ?? 0, 476.4e-6, accuracy: 0.1e-6)
        XCTAssertEqual(BME280Datasheets.bmp280.measurementTime, .microseconds(6_425))
    }
}

final class BME280ModelRoundTripTests: XCTestCase {
    let address = I2CAddress(0x76)!
    var clock: ManualClock!
    var bus: SimulatedI2CBus!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
    }

    func attach(_ environment: SimulatedEnvironment, variant: BME280Model.Variant = .bme280) -> BME280Model {
        let model = BME280Model(clock: clock, environment: environment, variant: variant)
        bus.attach(model, at: address)
        return model
    }

    func testReadingsFollowTheEnvironmentWithinTheDatasheetsResolution() throws {
        // ×1 resolution: 16 bit, 0.0050 °C and 2.62 Pa (BME280 Tables 4 and 5); humidity 0.008 %RH (Table 2).
        let environments = [
            SimulatedEnvironment(temperatureCelsius: 22.5, relativeHumidityPercent: 45, pressurePascals: 101_325),
            SimulatedEnvironment(temperatureCelsius: -20, relativeHumidityPercent: 80, pressurePascals: 95_000),
            SimulatedEnvironment(temperatureCelsius: -40, relativeHumidityPercent: 5, pressurePascals: 30_500),
            SimulatedEnvironment(temperatureCelsius: 85, relativeHumidityPercent: 97, pressurePascals: 109_000),
            SimulatedEnvironment(temperatureCelsius: 0, relativeHumidityPercent: 0, pressurePascals: 70_000),
        ]
        let model = attach(environments[0])
        var sensor = try BME280(bus: bus, delay: clock)
        for environment in environments {
            model.environment = environment
            let reading = try sensor.read()
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), environment.temperatureCelsius,
                           accuracy: 0.005, "\(environment)")
            XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), environment.pressurePascals, accuracy: 2.62,
                           "\(environment)")
            XCTAssertEqual(try XCTUnwrap(reading.relativeHumidityPercent), environment.relativeHumidityPercent,
                           accuracy: 0.01, "\(environment)")
        }
    }

    func testHighOversamplingWithTheFilterResolvesFiner() throws {
        let environment = SimulatedEnvironment(temperatureCelsius: 18.123, relativeHumidityPercent: 61.5,
                                               pressurePascals: 98_765.4)
        _ = attach(environment)
        let configuration = BME280Configuration(temperatureOversampling: .x16, pressureOversampling: .x16,
                                                humidityOversampling: .x16, filter: .coefficient4)
        var sensor = try BME280(bus: bus, delay: clock, configuration: configuration)
        for _ in 0..<3 {
            let reading = try sensor.read()
            // 20-bit resolution: 0.0003 °C and 0.16 Pa (BME280 Tables 4 and 5).
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 18.123, accuracy: 0.001)
            XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 98_765.4, accuracy: 0.2)
            XCTAssertEqual(try XCTUnwrap(reading.relativeHumidityPercent), 61.5, accuracy: 0.01)
        }
    }

    func testBMP280VariantAndSMBusOnlyAdapter() throws {
        bus = SimulatedI2CBus(number: 2, capabilities: .smbusOnly)
        _ = attach(SimulatedEnvironment(temperatureCelsius: -5.5, relativeHumidityPercent: 30,
                                        pressurePascals: 87_000), variant: .bmp280)
        var sensor = try BME280(bus: bus, delay: clock)
        XCTAssertEqual(sensor.model, "bmp280")
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), -5.5, accuracy: 0.005)
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 87_000, accuracy: 2.62)
        XCTAssertNil(reading.relativeHumidityPercent)
    }

    func testSkippedChannelsAreAbsentFromTheReading() throws {
        _ = attach(SimulatedEnvironment())
        let configuration = BME280Configuration(pressureOversampling: .skipped, humidityOversampling: .skipped)
        var sensor = try BME280(bus: bus, delay: clock, configuration: configuration)
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 22.5, accuracy: 0.005)
        XCTAssertNil(reading.pressurePascals)
        XCTAssertNil(reading.relativeHumidityPercent)
        // The model reports skipped channels as the datasheet says: 0x80000 and 0x8000 (§3.4.1–3.4.3).
        let raw = try bus.readRegisters(address, from: 0xF7, count: 8)
        XCTAssertEqual(Array(raw[0...2]), [0x80, 0x00, 0x00])
        XCTAssertEqual(Array(raw[6...7]), [0x80, 0x00])
    }

    func testNormalModeFollowsAChangingEnvironment() throws {
        let model = attach(SimulatedEnvironment(temperatureCelsius: 10))
        let configuration = BME280Configuration(mode: .normal, standbyTime: .microseconds(62_500))
        var sensor = try BME280(bus: bus, delay: clock)
        try sensor.configure(configuration)
        XCTAssertEqual(try XCTUnwrap(sensor.read().temperatureCelsius), 10, accuracy: 0.005)
        model.environment.temperatureCelsius = 30
        XCTAssertEqual(try XCTUnwrap(sensor.read().temperatureCelsius), 10, accuracy: 0.005,
                       "no new conversion has happened yet")
        clock.advance(by: .milliseconds(80))
        XCTAssertEqual(try XCTUnwrap(sensor.read().temperatureCelsius), 30, accuracy: 0.005)
    }

    func testSoftResetKeepsTheDriverWorking() throws {
        _ = attach(SimulatedEnvironment(temperatureCelsius: 12))
        var sensor = try BME280(bus: bus, delay: clock)
        try sensor.softReset()
        XCTAssertEqual(try XCTUnwrap(sensor.read().temperatureCelsius), 12, accuracy: 0.005)
    }
}

final class BME280ModelBehaviourTests: XCTestCase {
    let address = I2CAddress(0x76)!
    var clock: ManualClock!
    var bus: SimulatedI2CBus!
    var model: BME280Model!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
        model = BME280Model(clock: clock, environment: SimulatedEnvironment(), justPoweredUp: true)
        bus.attach(model, at: address)
    }

    func register(_ register: UInt8) throws -> UInt8 {
        try bus.readRegisters(address, from: register, count: 1)[0]
    }

    func testResetValuesAndTrimmingCopyAfterPowerUp() throws {
        XCTAssertEqual(try register(0xD0), 0x60)
        XCTAssertEqual(try register(0xF3), 0x01, "im_update while the NVM is copied")
        XCTAssertEqual(try bus.readRegisters(address, from: 0x88, count: 2), [0, 0], "trimming not copied yet")
        clock.advance(by: .milliseconds(2))
        XCTAssertEqual(try register(0xF3), 0x00)
        XCTAssertEqual(try bus.readRegisters(address, from: 0x88, count: 26), exampleLowBlock)
        XCTAssertEqual(try bus.readRegisters(address, from: 0xE1, count: 7), exampleHighBlock)
        XCTAssertEqual(try bus.readRegisters(address, from: 0xF7, count: 8), [0x80, 0, 0, 0x80, 0, 0, 0x80, 0])
        XCTAssertEqual(try register(0xE0), 0x00, "the reset register reads 0")
    }

    func testForcedConversionSetsMeasuringThenReturnsToSleep() throws {
        clock.advance(by: .milliseconds(2))
        try bus.writeRegisters(address, at: 0xF2, [0x01])
        try bus.writeRegisters(address, at: 0xF4, [0x25])
        XCTAssertEqual(try register(0xF3) & 0x08, 0x08)
        // Typical time at ×1/×1/×1: 1 + 2 + 2.5 + 2.5 = 8 ms (BME280 §9.1).
        clock.advance(by: .microseconds(7_999))
        XCTAssertEqual(try register(0xF3) & 0x08, 0x08)
        XCTAssertEqual(try bus.readRegisters(address, from: 0xFA, count: 3), [0x80, 0, 0], "old data until done")
        clock.advance(by: .microseconds(1))
        XCTAssertEqual(try register(0xF3), 0x00)
        XCTAssertEqual(try register(0xF4), 0x24, "back in sleep mode")
        XCTAssertNotEqual(try bus.readRegisters(address, from: 0xFA, count: 3), [0x80, 0, 0])
    }

    func testCtrlHumTakesEffectOnlyAfterACtrlMeasWrite() throws {
        clock.advance(by: .milliseconds(2))
        try bus.writeRegisters(address, at: 0xF4, [0x24])  // sleep, humidity still skipped
        try bus.writeRegisters(address, at: 0xF2, [0x01])
        // Writing ctrl_meas with forced mode latches ctrl_hum: all three channels.
        try bus.writeRegisters(address, at: 0xF4, [0x25])
        clock.advance(by: .milliseconds(8))
        XCTAssertNotEqual(try bus.readRegisters(address, from: 0xFD, count: 2), [0x80, 0x00])

        model = BME280Model(clock: clock, environment: SimulatedEnvironment())
        bus.attach(model, at: address)
        // Register/value pairs in one write (§6.2.1): ctrl_meas written before ctrl_hum, so humidity stays off.
        try bus.write(address, [0xF4, 0x25, 0xF2, 0x01])
        clock.advance(by: .milliseconds(8))
        XCTAssertEqual(try register(0xF2), 0x01)
        XCTAssertEqual(try bus.readRegisters(address, from: 0xFD, count: 2), [0x80, 0x00])
    }

    func testSoftResetRestoresResetValues() throws {
        clock.advance(by: .milliseconds(2))
        try bus.writeRegisters(address, at: 0xF5, [0xA0])
        try bus.writeRegisters(address, at: 0xF4, [0x25])
        clock.advance(by: .milliseconds(10))
        try bus.writeRegisters(address, at: 0xE0, [0xB6])
        XCTAssertEqual(try register(0xF5), 0)
        XCTAssertEqual(try register(0xF3), 0x01)
        XCTAssertEqual(try bus.readRegisters(address, from: 0xFA, count: 3), [0x80, 0, 0])
    }

    func testNormalModeConvertsEveryMeasurementPlusStandbyTime() throws {
        clock.advance(by: .milliseconds(2))
        try bus.writeRegisters(address, at: 0xF5, [0x00])  // t_sb 0.5 ms
        try bus.writeRegisters(address, at: 0xF4, [0x27])  // ×1/×1, normal; typical 5.5 ms without humidity
        XCTAssertEqual(try register(0xF3), 0x08)
        clock.advance(by: .microseconds(5_500))
        XCTAssertEqual(try register(0xF3), 0x00, "standby")
        clock.advance(by: .microseconds(500))
        XCTAssertEqual(try register(0xF3), 0x08, "the next conversion starts after t_sb")
        try bus.writeRegisters(address, at: 0xF5, [0xA0])
        XCTAssertEqual(try register(0xF5), 0x00, "config writes are ignored in normal mode")
        try bus.writeRegisters(address, at: 0xF4, [0x24])
        XCTAssertEqual(try register(0xF4), 0x27, "the mode change waits for the running conversion")
        clock.advance(by: .microseconds(5_500))
        XCTAssertEqual(try register(0xF4), 0x24)
        XCTAssertEqual(try register(0xF3), 0x00)
    }

    func testBMP280VariantHasNoHumidity() throws {
        let bmp = BME280Model(clock: clock, variant: .bmp280)
        bus.attach(bmp, at: address)
        XCTAssertEqual(try register(0xD0), 0x58)
        try bus.writeRegisters(address, at: 0xF2, [0x05])
        XCTAssertEqual(try register(0xF2), 0x00, "a BMP280 has no ctrl_hum")
        XCTAssertEqual(try bus.readRegisters(address, from: 0xE1, count: 7), [0, 0, 0, 0, 0, 0, 0])
    }

    func testImageReplaysItsRegistersAsTheyAre() throws {
        var image = [UInt8?](repeating: 0, count: 256)
        image[0xD0] = 0x60
        for (offset, byte) in exampleLowBlock.enumerated() { image[0x88 + offset] = byte }
        for (offset, byte) in exampleHighBlock.enumerated() { image[0xE1 + offset] = byte }
        for (offset, byte) in exampleData.enumerated() { image[0xF7 + offset] = byte }
        image[0x00] = nil
        let replay = DeviceModelKind.bme280.make(DeviceModelContext(clock: clock, image: image))
        bus.attach(replay, at: address)
        XCTAssertEqual(replay.modelName, "bme280")
        var sensor = try BME280(bus: bus, delay: clock)
        for _ in 0..<2 {
            let reading = try sensor.read()
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 25.08, accuracy: 0.005)
            XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 100_653.27, accuracy: 0.015)
        }
        XCTAssertThrowsError(try bus.readRegisters(address, from: 0x00, count: 1), "XX in the dump stays unreadable")
    }
}

final class BME280FaultTests: XCTestCase {
    let address = I2CAddress(0x76)!

    func testEachInjectedFaultIsTypedAndTheNextReadRecovers() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(BME280Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: 21)), at: address)
        var sensor = try BME280(bus: bus, delay: clock)
        let clean = try sensor.read()
        for (fault, kind) in [(I2CFault.noAcknowledge, HardwareError.Kind.noAcknowledge), (.busError, .busError),
                              (.timeout, .timeout)] {
            bus.inject(fault, at: address)
            XCTAssertThrowsError(try sensor.read(), "\(fault)") { error in
                guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
                XCTAssertEqual(hardware.kind, kind)
            }
            XCTAssertEqual(try sensor.read(), clean, "recovers after \(fault)")
        }
        // No CRC on this chip: flipped bits change the values, which the next clean read restores.
        bus.inject(.corruptedBytes, at: address, times: 3)
        XCTAssertNotEqual(try sensor.read(), clean)
        XCTAssertEqual(try sensor.read(), clean)
    }

    func testACorruptedIdIsNotMistakenForABME280() {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(BME280Model(clock: clock), at: address)
        bus.inject(.corruptedBytes, at: address)
        XCTAssertThrowsError(try BME280(bus: bus, delay: clock)) { error in
            XCTAssertEqual(error as? SensorError, .unsupportedChip(
                id: 0x61, detail: "chip id 0x61 at register 0xd0 of 0x76 on sim:i2c-1: a Bosch BME680 (gas sensor), "
                    + "which this driver does not read"))
        }
    }
}

final class BME280IdentificationTests: XCTestCase {
    let address = I2CAddress(0x77)!

    func testRecognisesBothModelVariantsAndNamesABME680() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        let family = SensorFamily.bme280
        XCTAssertEqual(family.addresses, [0x76, 0x77])
        XCTAssertEqual(family.aliases, ["bmp280"])
        XCTAssertFalse(family.identifiesByCommand)

        bus.attach(BME280Model(clock: clock), at: address)
        XCTAssertEqual(family.identify(bus, address, clock),
                       SensorIdentification(model: "bme280", method: "chip id 0x60 at register 0xd0"))
        XCTAssertEqual(try family.open(bus, address, clock).model, "bme280")

        bus.attach(BME280Model(clock: clock, variant: .bmp280), at: address)
        XCTAssertEqual(family.identify(bus, address, clock)?.model, "bmp280")

        var bme680 = [UInt8?](repeating: 0, count: 256)
        bme680[0xD0] = 0x61
        bus.attach(RegisterFileDevice(image: bme680), at: address)
        XCTAssertEqual(family.identify(bus, address, clock),
                       SensorIdentification(model: "bme680", method: "chip id 0x61 at register 0xd0", supported: false))
        XCTAssertThrowsError(try family.open(bus, address, clock)) { error in
            guard case .unsupportedChip(id: 0x61, _) = error as? SensorError else { return XCTFail("\(error)") }
        }
    }

    func testReturnsNilForAnEmptyAddressOrAnotherChip() {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        XCTAssertNil(SensorFamily.bme280.identify(bus, address, clock))
        var other = [UInt8?](repeating: 0, count: 256)
        other[0xD0] = 0x55  // a BMP180's id
        bus.attach(RegisterFileDevice(image: other), at: address)
        XCTAssertNil(SensorFamily.bme280.identify(bus, address, clock))
        XCTAssertEqual(BME280Identification.identification(forChipID: 0x57)?.model, "bmp280")
    }
}
