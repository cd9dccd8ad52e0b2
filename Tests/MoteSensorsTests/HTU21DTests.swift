import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// Three bytes as the chip sends a measurement: MSB, LSB, CRC.
private func measurementFrame(_ raw: UInt16) -> [UInt8] {
    let bytes = [UInt8(raw >> 8), UInt8(raw & 0xFF)]
    return bytes + [HTU21DChip.checksum(bytes)]
}

/// The electronic ID's second access for a device byte: (id, b2, CRC, b1, b0, CRC), checksums per pair.
private func secondAccess(_ bytes: [UInt8]) -> [UInt8] {
    [bytes[0], bytes[1], HTU21DChip.checksum(bytes[0...1]), bytes[2], bytes[3], HTU21DChip.checksum(bytes[2...3])]
}

private func assertThrows(_ expected: (SensorError) -> Bool, _ message: String = "", file: StaticString = #filePath,
                          line: UInt = #line, _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("no error thrown \(message)", file: file, line: line)
    } catch let error as SensorError {
        XCTAssertTrue(expected(error), "unexpected \(error) \(message)", file: file, line: line)
    } catch {
        XCTFail("not a SensorError: \(error)", file: file, line: line)
    }
}

final class HTU21DConversionTests: XCTestCase {
    func testChecksumMatchesTheDatasheetExamples() {
        // HTU21D(F) datasheet, "CRC checksum" examples, as quoted in
        // sparkfun/SparkFun_HTU21D_Breakout_Arduino_Library src/SparkFunHTU21D.cpp (check_crc test cases).
        let vectors: [([UInt8], UInt8)] = [([0xDC], 0x79), ([0x68, 0x3A], 0x7C), ([0x4E, 0x85], 0x6B)]
        for (bytes, crc) in vectors {
            XCTAssertEqual(HTU21DChip.checksum(bytes), crc, "\(bytes)")
        }
    }

    func testConversionsMatchTheDatasheetExamples() {
        // HTU21D(F) datasheet, "Relative humidity conversion": 0x7C80 gives 54.8 %RH;
        // "Temperature conversion": 0x683A gives 24.7 °C (both printed to one decimal).
        XCTAssertEqual(HTU21DChip.relativeHumidity(raw: 0x7C80), 54.8, accuracy: 0.05)
        XCTAssertEqual(HTU21DChip.temperatureCelsius(raw: 0x683A), 24.7, accuracy: 0.05)
    }

    func testFormulaEndpointsStatusBitsAndClamping() {
        // RH = -6 + 125 S / 2^16, T = -46.85 + 175.72 S / 2^16; the two status bits are cleared first.
        let table: [(raw: UInt16, humidity: Double, unclamped: Double, temperature: Double)] = [
            (0x0000, 0, -6, -46.85),
            (0x0003, 0, -6, -46.85),
            (0x8000, 56.5, 56.5, 41.01),
            (0xFFFF, 100, -6 + 125 * 65_532 / 65_536, -46.85 + 175.72 * 65_532 / 65_536),
        ]
        for row in table {
            XCTAssertEqual(HTU21DChip.relativeHumidity(raw: row.raw), row.humidity, accuracy: 1e-9, "\(row.raw)")
            XCTAssertEqual(HTU21DChip.unclampedRelativeHumidity(raw: row.raw), row.unclamped, accuracy: 1e-9)
            XCTAssertEqual(HTU21DChip.temperatureCelsius(raw: row.raw), row.temperature, accuracy: 1e-9)
        }
        XCTAssertEqual(HTU21DChip.relativeHumidity(raw: 0x7C83), HTU21DChip.relativeHumidity(raw: 0x7C80))
    }

    func testTemperatureCoefficientCompensationFollowsTheHTU21DEquation() {
        // HTU21D(F) datasheet, "Temperature coefficient compensation equation": RH + (25 - T) * -0.15, 0–80 °C.
        XCTAssertEqual(HTU21DChip.temperatureCompensatedHumidity(relativeHumidityPercent: 50, temperatureCelsius: 25),
                       50, accuracy: 1e-12)
        XCTAssertEqual(HTU21DChip.temperatureCompensatedHumidity(relativeHumidityPercent: 50, temperatureCelsius: 5),
                       47, accuracy: 1e-12)
        XCTAssertEqual(HTU21DChip.temperatureCompensatedHumidity(relativeHumidityPercent: 50, temperatureCelsius: 65),
                       56, accuracy: 1e-12)
        XCTAssertEqual(HTU21DChip.temperatureCompensatedHumidity(relativeHumidityPercent: 50, temperatureCelsius: -10),
                       50, "outside 0–80 °C the equation does not apply")
    }

    func testResolutionBitsAndMaximumConversionTimes() {
        // User register bits 7 and 0 (HTU21D "User register"; Si7021 "User Register 1").
        let bits: [(HTU21DChip.Resolution, UInt8)] = [
            (.humidity12Temperature14, 0x00), (.humidity8Temperature12, 0x01),
            (.humidity10Temperature13, 0x80), (.humidity11Temperature11, 0x81),
        ]
        for (resolution, value) in bits {
            XCTAssertEqual(resolution.userRegisterBits, value)
            XCTAssertEqual(HTU21DChip.Resolution(userRegister: value | 0x3A), resolution)
        }
        // HTU21D "Measuring time" (max, ms) and Si7021 Table 2 tCONV (max, ms; humidity includes temperature).
        let htu21d: [(HTU21DChip.Resolution, Duration, Duration)] = [
            (.humidity12Temperature14, .milliseconds(16), .milliseconds(50)),
            (.humidity8Temperature12, .milliseconds(3), .milliseconds(13)),
            (.humidity10Temperature13, .milliseconds(5), .milliseconds(25)),
            (.humidity11Temperature11, .milliseconds(8), .milliseconds(7)),
        ]
        for (resolution, humidity, temperature) in htu21d {
            let times = HTU21DChip.maximumConversionTimes(for: resolution, variant: .htu21d)
            XCTAssertEqual(times.humidity, humidity)
            XCTAssertEqual(times.temperature, temperature)
        }
        let si7021: [(HTU21DChip.Resolution, Duration, Duration)] = [
            (.humidity12Temperature14, .microseconds(22_800), .microseconds(10_800)),
            (.humidity8Temperature12, .microseconds(6_900), .microseconds(3_800)),
            (.humidity10Temperature13, .microseconds(10_700), .microseconds(6_200)),
            (.humidity11Temperature11, .microseconds(9_400), .microseconds(2_400)),
        ]
        for (resolution, humidity, temperature) in si7021 {
            let times = HTU21DChip.maximumConversionTimes(for: resolution, variant: .si7021)
            XCTAssertEqual(times.humidity, humidity)
            XCTAssertEqual(times.temperature, temperature)
        }
    }

    func testDeviceIDsFirmwareVersionsUserRegisterPatternAndHeaterCurrents() {
        // Si7021 "Electronic Serial Number": SNB_3 0x0D Si7013, 0x14 Si7020, 0x15 Si7021, 0x00/0xFF samples;
        // 0x32 is the HTU21D/SHT21 device byte (SNC_1).
        let ids: [(UInt8, HTU21DChip.Variant?)] = [
            (0x15, .si7021), (0x14, .si7020), (0x0D, .si7013), (0x06, .si7006), (0x32, .htu21d),
            (0x00, .si70xxEngineeringSample), (0xFF, .si70xxEngineeringSample), (0x42, nil),
        ]
        for (id, variant) in ids { XCTAssertEqual(HTU21DChip.Variant(deviceID: id), variant, "0x\(hex2(id))") }
        // Si7021 "Firmware Revision": 0xFF = 1.0, 0x20 = 2.0.
        XCTAssertEqual(HTU21DChip.firmwareVersion(revisionByte: 0xFF), "1.0")
        XCTAssertEqual(HTU21DChip.firmwareVersion(revisionByte: 0x20), "2.0")
        XCTAssertNil(HTU21DChip.firmwareVersion(revisionByte: 0x11))
        // Reset values: HTU21D 0x02, SHT21/Si7021 0x3A; heater and resolution bits may be set.
        for value: UInt8 in [0x02, 0x3A, 0x3E, 0xBB, 0x43] { XCTAssertTrue(HTU21DChip.isFamilyUserRegister(value)) }
        for value: UInt8 in [0x00, 0xFF, 0x12, 0x38, 0x2A] { XCTAssertFalse(HTU21DChip.isFamilyUserRegister(value)) }
        // Si7021 "Heater Control Register": 3.09 mA at 0, 27.39 mA at 4, 94.20 mA at 15.
        XCTAssertEqual(HTU21DChip.si70xxHeaterCurrent(level: 0) ?? 0, 3.09e-3, accuracy: 1e-9)
        XCTAssertEqual(HTU21DChip.si70xxHeaterCurrent(level: 4) ?? 0, 27.39e-3, accuracy: 1e-9)
        XCTAssertEqual(HTU21DChip.si70xxHeaterCurrent(level: 15) ?? 0, 94.20e-3, accuracy: 1e-9)
        XCTAssertEqual(HTU21DChip.si70xxHeaterCurrent(level: 3) ?? 0, (15.24e-3 + 27.39e-3) / 2, accuracy: 1e-9)
        XCTAssertNil(HTU21DChip.si70xxHeaterCurrent(level: 16))
    }
}

final class HTU21DScriptedTests: XCTestCase {
    let address = I2CAddress(0x40)!

    /// The exchanges of opening a chip with the default configuration.
    func openScript(userRegister: UInt8, id: [UInt8]) -> [ScriptedI2CBus.Expectation] {
        [
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[userRegister]]),
            .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)], replies: [secondAccess(id)]),
            .transfer(address, [.write([0xFE])]),
            .wait(.milliseconds(15)),
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[userRegister]]),
            .transfer(address, [.write([0xE6, userRegister & 0x3A])]),
        ]
    }

    func testSi7021ReadsOneHumidityConversionAndItsTemperature() throws {
        let bus = ScriptedI2CBus(openScript(userRegister: 0x3A, id: [0x15, 0xFF, 0xB5, 0xFF]) + [
            .transfer(address, [.write([0xF5])]),
            .wait(.microseconds(22_800)),
            .transfer(address, [.read(count: 3)], replies: [measurementFrame(0x7C82)]),
            .transfer(address, [.write([0xE0]), .read(count: 2)], replies: [[0x68, 0x38]]),
        ])
        var sensor = try HTU21D(bus: bus, delay: bus)
        XCTAssertEqual(sensor.model, "si7021")
        XCTAssertEqual(sensor.datasheet.measurementTime, .microseconds(22_800))
        XCTAssertEqual(sensor.datasheet.part, "Silicon Labs Si7021")
        let reading = try sensor.read()
        XCTAssertEqual(reading.relativeHumidityPercent ?? 0, -6 + 125 * 31_872 / 65_536, accuracy: 1e-9)
        XCTAssertEqual(reading.temperatureCelsius ?? 0, -46.85 + 175.72 * 26_680 / 65_536, accuracy: 1e-9)
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testHTU21DMeasuresTemperatureThenHumidityAndCanCompensate() throws {
        let bus = ScriptedI2CBus(openScript(userRegister: 0x02, id: [0x32, 0x61, 0x48, 0x54]) + [
            .transfer(address, [.write([0xF3])]),
            .wait(.milliseconds(50)),
            .transfer(address, [.read(count: 3)], replies: [measurementFrame(0x5E44)]),
            .transfer(address, [.write([0xF5])]),
            .wait(.milliseconds(16)),
            .transfer(address, [.read(count: 3)], replies: [measurementFrame(0x7C82)]),
        ])
        var sensor = try HTU21D(bus: bus, delay: bus,
                                configuration: .init(compensatesHumidityForTemperature: true))
        XCTAssertEqual(sensor.model, "htu21d")
        let reading = try sensor.read()
        let temperature = -46.85 + 175.72 * Double(0x5E44) / 65_536
        XCTAssertEqual(reading.temperatureCelsius ?? 0, temperature, accuracy: 1e-9)
        let humidity = -6 + 125 * 31_872 / 65_536.0
        XCTAssertEqual(reading.relativeHumidityPercent ?? 0, humidity + (25 - temperature) * -0.15, accuracy: 1e-9)
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testNoHoldReadIsRetriedWhileNotAcknowledgedThenTimesOut() throws {
        var script = openScript(userRegister: 0x3A, id: [0x15, 0xFF, 0xB5, 0xFF]) + [
            .transfer(address, [.write([0xF5])]),
            .wait(.microseconds(22_800)),
            .failure(address, .noAcknowledge),
            .wait(.milliseconds(5)),
            .transfer(address, [.read(count: 3)], replies: [measurementFrame(0x7C82)]),
            .transfer(address, [.write([0xE0]), .read(count: 2)], replies: [[0x68, 0x38]]),
            .transfer(address, [.write([0xF5])]),
            .wait(.microseconds(22_800)),
        ]
        for attempt in 0...10 {
            script.append(.failure(address, .noAcknowledge))
            if attempt < 10 { script.append(.wait(.milliseconds(5))) }
        }
        let bus = ScriptedI2CBus(script)
        var sensor = try HTU21D(bus: bus, delay: bus)
        XCTAssertNoThrow(try sensor.read(), "one NACK is retried 5 ms later")
        assertThrows({ if case .timedOut = $0 { true } else { false } }) { _ = try sensor.read() }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testCorruptedMeasurementAndWrongStatusBitAreRejected() throws {
        var bad = measurementFrame(0x7C82)
        bad[2] ^= 0x40
        let bus = ScriptedI2CBus(openScript(userRegister: 0x3A, id: [0x15, 0xFF, 0xB5, 0xFF]) + [
            .transfer(address, [.write([0xF5])]),
            .wait(.microseconds(22_800)),
            .transfer(address, [.read(count: 3)], replies: [bad]),
            .transfer(address, [.write([0xF5])]),
            .wait(.microseconds(22_800)),
            .transfer(address, [.read(count: 3)], replies: [measurementFrame(0x7C80)]),
        ])
        var sensor = try HTU21D(bus: bus, delay: bus)
        let good = HTU21DChip.checksum([0x7C, 0x82])
        assertThrows({ $0 == .crcMismatch(what: "humidity measurement", expected: good, received: good ^ 0x40) }) {
            _ = try sensor.read()
        }
        assertThrows({ if case .implausibleData = $0 { true } else { false } }, "bit 1 clear on humidity") {
            _ = try sensor.read()
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testBusErrorsPropagateTyped() throws {
        let bus = ScriptedI2CBus(openScript(userRegister: 0x3A, id: [0x15, 0xFF, 0xB5, 0xFF]) + [
            .failure(address, .busError),
            .transfer(address, [.write([0xF5])]),
            .wait(.microseconds(22_800)),
            .transfer(address, [.read(count: 3)], replies: [measurementFrame(0x7C82)]),
            .failure(address, .timeout),
        ])
        var sensor = try HTU21D(bus: bus, delay: bus)
        assertThrows({ if case .bus(let error) = $0 { error.kind == .busError } else { false } }) {
            _ = try sensor.read()
        }
        assertThrows({ if case .bus(let error) = $0 { error.kind == .timeout } else { false } }) {
            _ = try sensor.read()
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testWrongUserRegisterUnknownDeviceAndCorruptIDAreRefused() {
        let notFamily = ScriptedI2CBus([.transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[0x00]])])
        assertThrows({ if case .unsupportedChip(0x00, _) = $0 { true } else { false } }) {
            _ = try HTU21D(bus: notFamily, delay: notFamily)
        }
        XCTAssertEqual(notFamily.unusedExpectations, [])

        let unknown = ScriptedI2CBus([
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[0x3A]]),
            .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)], replies: [secondAccess([0x42, 0, 1, 2])]),
        ])
        assertThrows({ if case .unsupportedChip(0x42, let detail) = $0 { detail.contains("0x42") } else { false } }) {
            _ = try HTU21D(bus: unknown, delay: unknown)
        }
        XCTAssertEqual(unknown.unusedExpectations, [])

        var corrupt = secondAccess([0x15, 0xFF, 0xB5, 0xFF])
        corrupt[5] ^= 0x01
        let corrupted = ScriptedI2CBus([
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[0x3A]]),
            .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)], replies: [corrupt]),
        ])
        assertThrows({ if case .crcMismatch(what: "electronic id second access", _, _) = $0 { true } else { false } }) {
            _ = try HTU21D(bus: corrupted, delay: corrupted)
        }
        XCTAssertEqual(corrupted.violations, [])
    }

    func testCumulativeIDChecksumsAreAlsoAcceptedAndAMissingIDMeansHTU21D() throws {
        // The datasheet does not say whether the second checksum covers 2 or 4 bytes; both are accepted.
        let data: [UInt8] = [0x15, 0xFF, 0xB5, 0xFF]
        var cumulative = secondAccess(data)
        cumulative[5] = HTU21DChip.checksum(data)
        XCTAssertNotEqual(cumulative[5], secondAccess(data)[5])
        var script = openScript(userRegister: 0x3A, id: data)
        script[1] = .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)], replies: [cumulative])
        let bus = ScriptedI2CBus(script)
        XCTAssertEqual(try HTU21D(bus: bus, delay: bus).model, "si7021")
        XCTAssertEqual(bus.unusedExpectations, [])

        var noID = openScript(userRegister: 0x02, id: data)
        noID[1] = .failure(address, .noAcknowledge)
        let clone = ScriptedI2CBus(noID)
        let sensor = try HTU21D(bus: clone, delay: clone)
        XCTAssertEqual(sensor.model, "htu21d")
        XCTAssertTrue(sensor.identificationMethod.contains("not acknowledged"))
        XCTAssertEqual(clone.unusedExpectations, [])
        XCTAssertEqual(clone.violations, [])
    }

    func testConfigurationKeepsReservedBitsAndSetsTheHeaterLevel() throws {
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[0x3A]]),
            .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)], replies: [secondAccess([0x15, 0, 0, 0])]),
            .transfer(address, [.write([0xFE])]),
            .wait(.milliseconds(15)),
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[0x7A]]),
            // 0x7A: reserved 5:3 and bit 1 kept, low-supply bit 6 not written back; RES 11/11 and heater set.
            .transfer(address, [.write([0xE6, 0xBF])]),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0xA0]]),
            .transfer(address, [.write([0x51, 0xA5])]),
        ])
        let sensor = try HTU21D(bus: bus, delay: bus, configuration: .init(
            resolution: .humidity11Temperature11, heaterEnabled: true, heaterCurrentLevel: 5))
        XCTAssertEqual(sensor.datasheet.currents[.heating] ?? 0, 27.39e-3 + (51.69e-3 - 27.39e-3) / 4,
                       accuracy: 1e-9, "level 5 lies a quarter of the way from level 4 to level 8")
        XCTAssertEqual(sensor.datasheet.measurementTime, .microseconds(9_400))
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testInvalidConfigurationsAreRefused() {
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0xE7]), .read(count: 1)], replies: [[0x02]]),
            .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)], replies: [secondAccess([0x32, 0, 0, 0])]),
        ])
        assertThrows({ if case .invalidConfiguration = $0 { true } else { false } }, "HTU21D has no heater level") {
            _ = try HTU21D(bus: bus, delay: bus, configuration: .init(heaterCurrentLevel: 2))
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        let untouched = ScriptedI2CBus([])
        assertThrows({ if case .invalidConfiguration = $0 { true } else { false } }) {
            _ = try HTU21D(bus: untouched, delay: untouched, configuration: .init(heaterCurrentLevel: 16))
        }
        XCTAssertEqual(untouched.violations, [], "nothing is sent for an invalid configuration")
    }

    func testHoldMasterWorksOnAnSMBusOnlyAdapterAndNoHoldIsUnsupportedThere() throws {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readI2CBlock(command: 0xE7, count: 1), reply: [0x02]),
            .smbus(address, .sendByte(0xFE)),
            .wait(.milliseconds(15)),
            .smbus(address, .readI2CBlock(command: 0xE7, count: 1), reply: [0x02]),
            .smbus(address, .writeByteData(command: 0xE6, value: 0x02)),
            .smbus(address, .readI2CBlock(command: 0xE3, count: 3), reply: measurementFrame(0x6838)),
            .smbus(address, .readI2CBlock(command: 0xE5, count: 3), reply: measurementFrame(0x7C82)),
        ])
        var sensor = try HTU21D(bus: bus, delay: bus, configuration: .init(measurementMode: .holdMaster))
        XCTAssertEqual(sensor.model, "htu21d")
        XCTAssertTrue(sensor.identificationMethod.contains("plain I2C"))
        let reading = try sensor.read()
        XCTAssertEqual(reading.temperatureCelsius ?? 0, -46.85 + 175.72 * 26_680 / 65_536, accuracy: 1e-9)
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])

        let noHold = ScriptedI2CBus(capabilities: .smbusOnly, [])
        assertThrows({ if case .bus(let error) = $0 { error.kind == .unsupported } else { false } }) {
            _ = try HTU21D(bus: noHold, delay: noHold)
        }
    }

    func testSerialNumberAndFirmwareRevision() throws {
        let first: [UInt8] = [0x8A, 0x1C, 0x5E, 0x3D]
        let bus = ScriptedI2CBus(openScript(userRegister: 0x3A, id: [0x15, 0xFF, 0xB5, 0xFF]) + [
            .transfer(address, [.write([0xFA, 0x0F]), .read(count: 8)],
                      replies: [first.flatMap { [$0, HTU21DChip.checksum([$0])] }]),
            .transfer(address, [.write([0xFC, 0xC9]), .read(count: 6)],
                      replies: [secondAccess([0x15, 0xFF, 0xB5, 0xFF])]),
            .transfer(address, [.write([0x84, 0xB8]), .read(count: 1)], replies: [[0x20]]),
        ])
        let sensor = try HTU21D(bus: bus, delay: bus)
        XCTAssertEqual(try sensor.electronicSerialNumber(), 0x8A1C_5E3D_15FF_B5FF)
        XCTAssertEqual(HTU21DChip.firmwareVersion(revisionByte: try sensor.firmwareRevision()), "2.0")
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }
}

final class HTU21DModelRoundTripTests: XCTestCase {
    let address = I2CAddress(0x40)!

    func makeBus(_ variant: HTU21DModel.Variant, _ environment: SimulatedEnvironment = SimulatedEnvironment())
        -> (SimulatedI2CBus, ManualClock, HTU21DModel)
    {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        let model = HTU21DModel(variant: variant, clock: clock, environment: environment)
        bus.attach(model, at: address)
        return (bus, clock, model)
    }

    func testEnvironmentsRoundTripWithinTheResolution() throws {
        let environments: [(Double, Double)] = [(-40, 10), (-12.3, 35), (0, 0), (22.5, 45), (38.9, 80), (85, 100)]
        let resolutions: [(HTU21DChip.Resolution, Double, Double)] = [
            // One step of each resolution: 125 / 2^bits %RH and 175.72 / 2^bits °C.
            (.humidity12Temperature14, 125.0 / 4096, 175.72 / 16_384),
            (.humidity8Temperature12, 125.0 / 256, 175.72 / 4096),
        ]
        for variant in HTU21DModel.Variant.allCases {
            for (resolution, humidityStep, temperatureStep) in resolutions {
                let (bus, clock, model) = makeBus(variant)
                var sensor = try HTU21D(bus: bus, delay: clock, configuration: .init(resolution: resolution))
                XCTAssertEqual(sensor.model, variant.rawValue)
                for (temperature, humidity) in environments {
                    model.environment = SimulatedEnvironment(temperatureCelsius: temperature,
                                                             relativeHumidityPercent: humidity)
                    let before = clock.now
                    let reading = try sensor.read()
                    XCTAssertEqual(reading.temperatureCelsius ?? .nan, temperature, accuracy: temperatureStep,
                                   "\(variant) \(resolution)")
                    XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, humidity, accuracy: humidityStep,
                                   "\(variant) \(resolution)")
                    XCTAssertEqual(clock.now - before, sensor.datasheet.measurementTime,
                                   "the driver waits exactly the maximum conversion time; the model needs all of it")
                }
            }
        }
    }

    func testHoldMasterStretchesTheClockByTheConversionTime() throws {
        let environment = SimulatedEnvironment(temperatureCelsius: -20, relativeHumidityPercent: 60)
        let (bus, clock, _) = makeBus(.htu21d, environment)
        var sensor = try HTU21D(bus: bus, delay: clock, configuration: .init(measurementMode: .holdMaster))
        let before = clock.now
        let reading = try sensor.read()
        XCTAssertEqual(clock.now - before, .milliseconds(66), "50 ms temperature + 16 ms humidity, stretched")
        XCTAssertEqual(reading.temperatureCelsius ?? .nan, -20, accuracy: 0.011)
        XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, 60, accuracy: 0.031)
    }

    func testModelIdentityHeaterAndResetFollowTheDatasheets() throws {
        let (bus, clock, model) = makeBus(.si7021)
        let sensor = try HTU21D(bus: bus, delay: clock, configuration: .init(heaterEnabled: true,
                                                                              heaterCurrentLevel: 3))
        XCTAssertEqual(model.userRegister, 0x3E, "reset value 0x3A with the heater bit")
        XCTAssertEqual(model.heaterControlRegister, 0x03)
        XCTAssertEqual(try sensor.electronicSerialNumber(), 0x8A1C_5E3D_15FF_B5FF)
        XCTAssertEqual(try sensor.firmwareRevision(), 0x20)
        try sensor.softReset()
        XCTAssertEqual(model.userRegister, 0x3E, "a soft reset keeps the heater bit")
        XCTAssertEqual(model.heaterControlRegister, 0x00)
        model.supplyIsLow = true
        XCTAssertTrue(try sensor.supplyIsLow())

        let (htuBus, htuClock, _) = makeBus(.htu21d)
        let htu = try HTU21D(bus: htuBus, delay: htuClock)
        XCTAssertEqual(try htu.electronicSerialNumber(), 0x004B_1D27_3261_4854)
        assertThrows({ if case .bus(let error) = $0 { error.kind == .noAcknowledge } else { false } },
                     "an HTU21D has no firmware revision command") { _ = try htu.firmwareRevision() }
    }

    func testNoHoldReadsAreNotAcknowledgedUntilTheConversionIsDone() throws {
        let (bus, clock, _) = makeBus(.htu21d)
        try bus.write(address, [0xF3])
        clock.advance(by: .microseconds(49_999))
        XCTAssertThrowsError(try bus.read(address, count: 3)) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .noAcknowledge)
        }
        clock.advance(by: .microseconds(1))
        XCTAssertEqual(try bus.read(address, count: 3).count, 3)
        XCTAssertThrowsError(try bus.read(address, count: 3), "a result is read once")
        XCTAssertThrowsError(try bus.write(address, [0xE0]), "0xE0 is a Si70xx command")
    }
}

final class HTU21DFaultTests: XCTestCase {
    let address = I2CAddress(0x40)!

    func testInjectedFaultsGiveTypedErrorsAndTheNextReadRecovers() throws {
        for variant in HTU21DModel.Variant.allCases {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            bus.attach(HTU21DModel(variant: variant, clock: clock), at: address)
            var sensor = try HTU21D(bus: bus, delay: clock)
            let faults: [(I2CFault, Int, (SensorError) -> Bool)] = [
                (.noAcknowledge, 1, { if case .bus(let e) = $0 { e.kind == .noAcknowledge } else { false } }),
                (.busError, 1, { if case .bus(let e) = $0 { e.kind == .busError } else { false } }),
                (.timeout, 1, { if case .bus(let e) = $0 { e.kind == .timeout } else { false } }),
                // The command write, then the corrupted result.
                (.corruptedBytes, 2, { if case .crcMismatch = $0 { true } else { false } }),
            ]
            for (fault, times, expected) in faults {
                bus.inject(fault, at: address, times: times)
                assertThrows(expected, "\(variant) \(fault)") { _ = try sensor.read() }
                XCTAssertNoThrow(try sensor.read(), "\(variant) recovers after \(fault)")
            }
        }
    }
}

final class HTU21DIdentificationTests: XCTestCase {
    let address = I2CAddress(0x40)!

    func testRecognisesBothModelsAndNothingElse() throws {
        for variant in HTU21DModel.Variant.allCases {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            bus.attach(HTU21DModel(variant: variant, clock: clock), at: address)
            let identification = SensorFamily.htu21d.identify(bus, address, clock)
            XCTAssertEqual(identification?.model, variant.rawValue)
            XCTAssertTrue(identification?.method.contains("electronic id") ?? false)
            let driver = try SensorFamily.htu21d.open(bus, address, clock)
            XCTAssertEqual(driver.model, variant.rawValue)
        }
        let clock = ManualClock()
        let empty = SimulatedI2CBus(number: 1)
        XCTAssertNil(SensorFamily.htu21d.identify(empty, address, clock))
    }

    func testRegisterChipsAtTheSameAddressAreNotRecognisedNorWritten() {
        // An 8-bit register chip (PCA9685-like, registers read 0) and one whose 0xE7 happens to read 0x3A: the
        // humidity check fails on both, so the two-byte ID command (which would store 0xC9 at 0xFC) is never sent.
        for userRegister: UInt8 in [0x00, 0x3A] {
            var image = [UInt8?](repeating: 0, count: 256)
            image[0xE7] = userRegister
            image[0xFC] = 0x5A
            let device = RegisterFileDevice(image: image)
            let bus = SimulatedI2CBus(number: 1)
            bus.attach(device, at: address)
            XCTAssertNil(SensorFamily.htu21d.identify(bus, address, ManualClock()))
            XCTAssertEqual(device.registers.compactMap { $0 }, image.compactMap { $0 }, "nothing stored")
        }
    }

    func testIdentifiesRightAfterAnotherProbesSoftReset() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(HTU21DModel(variant: .si7021, clock: clock), at: address)
        try bus.write(address, [0xFE])  // e.g. an HDC1080 probe setting its pointer to 0xFE
        XCTAssertEqual(SensorFamily.htu21d.identify(bus, address, clock)?.model, "si7021")
    }
}
