import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// A real BMP388's NVM and one measurement, as published in elixir-sensors/bmp3xx
/// (test/bmp3xx/bmp388/calibration_test.exs): 21 calibration bytes from 0x31 and 6 data bytes from 0x04.
private let publishedNVM: [UInt8] = [
    0x23, 0x6B, 0x58, 0x49, 0xF6, 0x5C, 0xFF, 0xCE, 0xF4, 0x23, 0x00,
    0xEA, 0x63, 0x6E, 0x79, 0xF3, 0xF6, 0xAA, 0x43, 0x12, 0xC4,
]
private let publishedData: [UInt8] = [0x97, 0x9F, 0x6D, 0x73, 0xD8, 0x85]

final class BMP388CompensationTests: XCTestCase {
    func testNVMScalingMatchesPublishedCoefficients() throws {
        // EmilNorden/bmp390-rs, src/calibration.rs, test_load_calibration: these 21 NVM bytes scale (§9.1) to the
        // f32 values listed there.
        let nvm: [UInt8] = [0x12, 0x34, 0x56, 0x78, 0x01, 0x0A, 0x01, 0xAB, 0xCD, 0x42, 0xFF, 0xEF, 0xBE, 0xAD,
                            0x0B, 0x02, 0xE7, 0xFE, 0xFE, 0x80, 0x40]
        let calibration = try BMP388Calibration(nvm: nvm)
        let expected: [(String, Double, Double)] = [
            ("par_t1", calibration.t1, 3_412_480.0), ("par_t2", calibration.t2, 2.8690323e-5),
            ("par_t3", calibration.t3, 3.5527137e-15), ("par_p1", calibration.p1, -0.015371323),
            ("par_p2", calibration.p2, -5.451776e-5), ("par_p3", calibration.p3, 1.53668225e-8),
            ("par_p4", calibration.p4, -7.275958e-12), ("par_p5", calibration.p5, 391_032.0),
            ("par_p6", calibration.p6, 46.703125), ("par_p7", calibration.p7, 0.0078125),
            ("par_p8", calibration.p8, -0.00076293945), ("par_p9", calibration.p9, -9.166001e-13),
            ("par_p10", calibration.p10, -4.5474735e-13), ("par_p11", calibration.p11, 1.7347235e-18),
        ]
        for (name, actual, published) in expected {
            // The published values are f32: agree to f32 precision.
            XCTAssertEqual(actual, published, accuracy: abs(published) * 1e-6, name)
        }
    }

    func testCompensationMatchesAPublishedMeasurement() throws {
        // elixir-sensors/bmp3xx, test/bmp3xx/bmp388/calibration_test.exs: NVM par_t1 27427 … par_p11 −60 and data
        // 0x979F6D73D885 give 100876.00634692199 Pa and 30.499314453874284 °C (double-precision §9.2/§9.3).
        let calibration = try BMP388Calibration(nvm: publishedNVM)
        let raw = try XCTUnwrap(BMP388Calibration.rawValues(publishedData))
        XCTAssertEqual(raw.pressure, 7_184_279)
        XCTAssertEqual(raw.temperature, 8_771_699)
        let reading = try calibration.reading(data: publishedData)
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 30.499314453874284, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 100_876.00634692199, accuracy: 1e-6)
        XCTAssertNil(reading.relativeHumidityPercent)
        let temperatureOnly = try calibration.reading(data: publishedData, measuresPressure: false)
        XCTAssertNil(temperatureOnly.pressurePascals)
    }

    func testBlankOrShortNVMAndImplausibleDataAreRejected() throws {
        XCTAssertThrowsError(try BMP388Calibration(nvm: [UInt8](repeating: 0xFF, count: 21))) {
            guard case .notCalibrated = $0 as? SensorError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try BMP388Calibration(nvm: [UInt8](repeating: 0x12, count: 20))) {
            guard case .implausibleData = $0 as? SensorError else { return XCTFail("\($0)") }
        }
        let calibration = try BMP388Calibration(nvm: publishedNVM)
        XCTAssertThrowsError(try calibration.reading(data: [0, 0, 0, 0, 0, 0]), "all-zero data")
        XCTAssertThrowsError(try calibration.reading(data: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), "saturated data")
        XCTAssertThrowsError(try calibration.reading(data: Array(publishedData.prefix(5))), "short burst")
    }

    func testMaximumConversionTimeFollowsTheDatasheetFormula() {
        // §3.9.2: T = 234 + press_en·(392 + 2^osr_p·2020) + temp_en·(163 + 2^osr_t·2020) µs (maximum values).
        typealias Configuration = BMP388Configuration
        let cases: [(Configuration, Int)] = [
            (Configuration(), 234 + 392 + 2_020 + 163 + 2_020),
            (Configuration(pressureOversampling: .x8, temperatureOversampling: .x1), 234 + 392 + 16_160 + 163 + 2_020),
            (Configuration(pressureOversampling: .x32, temperatureOversampling: .x2), 234 + 392 + 64_640 + 163 + 4_040),
            (Configuration(temperatureOversampling: .x4, measuresPressure: false), 234 + 163 + 8_080),
        ]
        for (configuration, microseconds) in cases {
            XCTAssertEqual(configuration.maximumConversionTime, .microseconds(microseconds), "\(configuration)")
        }
        XCTAssertEqual(BMP388<ScriptedI2CBus>.datasheet.measurementTime, .microseconds(4_829))
        XCTAssertEqual(BMP388<ScriptedI2CBus>.datasheet.startupTime, .milliseconds(2))
    }

    func testRegisterEncodings() {
        // §4.3: OSR has osr_t in bits 5:3 and osr_p in 2:0; CONFIG has iir_filter in bits 3:1; PWR_CTRL forced
        // mode is 01 in bits 5:4 with temp_en (bit 1) and press_en (bit 0).
        let configuration = BMP388Configuration(pressureOversampling: .x8, temperatureOversampling: .x2,
                                                filter: .coefficient3)
        XCTAssertEqual(configuration.oversamplingRegister, 0x0B)
        XCTAssertEqual(configuration.filterRegister, 0x04)
        XCTAssertEqual(configuration.forcedMeasurementPowerControl, 0x13)
        XCTAssertEqual(BMP388Configuration(measuresPressure: false).forcedMeasurementPowerControl, 0x12)
        let errors = BMP388ErrorFlags(register: 0x06)
        XCTAssertEqual([errors.fatal, errors.command, errors.configuration], [false, true, true])
        XCTAssertEqual(errors.description, "cmd_err, conf_err")
    }
}

final class BMP388ScriptedTests: XCTestCase {
    let address = I2CAddress(0x76)!

    private func initialization(chipID: UInt8 = 0x50, osr: UInt8 = 0x00, config: UInt8 = 0x00)
        -> [ScriptedI2CBus.Expectation]
    {
        [
            .transfer(address, [.write([0x00]), .read(count: 1)], replies: [[chipID]]),
            .transfer(address, [.write([0x7E, 0xB6])]),
            .wait(.milliseconds(2)),
            .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x00]]),
            .transfer(address, [.write([0x31]), .read(count: 21)], replies: [publishedNVM]),
            .transfer(address, [.write([0x1C, osr])]),
            .transfer(address, [.write([0x1F, config])]),
            .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x00]]),
        ]
    }

    private func assertFinished(_ bus: ScriptedI2CBus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bus.unusedExpectations, [], file: file, line: line)
        XCTAssertEqual(bus.violations, [], file: file, line: line)
    }

    func testInitResetsLoadsCalibrationConfiguresAndReadsInOneBurst() throws {
        let bus = ScriptedI2CBus(initialization() + [
            .transfer(address, [.write([0x1B, 0x13])]),
            .wait(.microseconds(4_829)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x70]]),
            .transfer(address, [.write([0x04]), .read(count: 6)], replies: [publishedData]),
        ])
        var sensor = try BMP388(bus: bus, delay: bus)
        XCTAssertEqual(sensor.model, "bmp388")
        XCTAssertEqual(sensor.address, address)
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 100_876.006, accuracy: 0.001)
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 30.4993, accuracy: 0.0001)
        assertFinished(bus)
    }

    func testBMP390ConfigurationAndPollingUntilReady() throws {
        let configuration = BMP388Configuration(pressureOversampling: .x8, temperatureOversampling: .x2,
                                                filter: .coefficient3)
        let bus = ScriptedI2CBus(initialization(chipID: 0x60, osr: 0x0B, config: 0x04) + [
            .transfer(address, [.write([0x1B, 0x13])]),
            .wait(.microseconds(234 + 392 + 16_160 + 163 + 4_040)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x50]]),  // pressure only ready
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x70]]),
            .transfer(address, [.write([0x04]), .read(count: 6)], replies: [publishedData]),
        ])
        var sensor = try BMP388(bus: bus, delay: bus, configuration: configuration)
        XCTAssertEqual(sensor.model, "bmp390")
        XCTAssertEqual(sensor.datasheet.part, "Bosch BMP390")
        XCTAssertEqual(sensor.datasheet.measurementTime, .microseconds(20_989))
        XCTAssertNotNil(try sensor.read().pressurePascals)
        assertFinished(bus)
    }

    func testTemperatureOnlyNeedsOnlyTheTemperatureReadyBit() throws {
        let bus = ScriptedI2CBus(initialization() + [
            .transfer(address, [.write([0x1B, 0x12])]),
            .wait(.microseconds(234 + 163 + 2_020)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x50]]),
            .transfer(address, [.write([0x04]), .read(count: 6)], replies: [publishedData]),
        ])
        var sensor = try BMP388(bus: bus, delay: bus, configuration: .init(measuresPressure: false))
        let reading = try sensor.read()
        XCTAssertNil(reading.pressurePascals)
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 30.4993, accuracy: 0.0001)
        assertFinished(bus)
    }

    func testWorksOnAnSMBusOnlyAdapter() throws {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readI2CBlock(command: 0x00, count: 1), reply: [0x50]),
            .smbus(address, .writeByteData(command: 0x7E, value: 0xB6)),
            .wait(.milliseconds(2)),
            .smbus(address, .readI2CBlock(command: 0x02, count: 1), reply: [0x00]),
            .smbus(address, .readI2CBlock(command: 0x31, count: 21), reply: publishedNVM),
            .smbus(address, .writeByteData(command: 0x1C, value: 0x00)),
            .smbus(address, .writeByteData(command: 0x1F, value: 0x00)),
            .smbus(address, .readI2CBlock(command: 0x02, count: 1), reply: [0x00]),
            .smbus(address, .writeByteData(command: 0x1B, value: 0x13)),
            .wait(.microseconds(4_829)),
            .smbus(address, .readI2CBlock(command: 0x03, count: 1), reply: [0x70]),
            .smbus(address, .readI2CBlock(command: 0x04, count: 6), reply: publishedData),
        ])
        var sensor = try BMP388(bus: bus, delay: bus)
        XCTAssertEqual(try XCTUnwrap(sensor.read().pressurePascals), 100_876.006, accuracy: 0.001)
        assertFinished(bus)
    }

    func testNeverReadyTimesOutWithTheErrorRegister() throws {
        let bus = ScriptedI2CBus(initialization() + [
            .transfer(address, [.write([0x1B, 0x13])]),
            .wait(.microseconds(4_829)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x10]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x10]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x03]), .read(count: 1)], replies: [[0x10]]),
            .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x01]]),
        ])
        var sensor = try BMP388(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("fatal_err"), detail)
        }
        assertFinished(bus)
    }

    func testUnsupportedChipIDsAreNamed() {
        // 0x58 is a BMP280's id, but at register 0xd0; a BMP388 driver must not take it.
        for id: UInt8 in [0x58, 0x00, 0xFF] {
            let bus = ScriptedI2CBus([.transfer(address, [.write([0x00]), .read(count: 1)], replies: [[id]])])
            XCTAssertThrowsError(try BMP388(bus: bus, delay: bus)) { error in
                guard case .unsupportedChip(let found, let detail) = error as? SensorError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(found, UInt32(id))
                XCTAssertTrue(detail.contains("0x\(hex2(id))"), detail)
            }
            assertFinished(bus)
        }
    }

    func testBusErrorsPropagateTyped() {
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0x00]), .read(count: 1)], replies: [[0x50]]),
            .failure(address, .noAcknowledge),
        ])
        XCTAssertThrowsError(try BMP388(bus: bus, delay: bus)) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .noAcknowledge)
        }
        assertFinished(bus)
    }

    func testFailedResetAndConfigurationErrorAreReported() {
        let resetFails = ScriptedI2CBus([
            .transfer(address, [.write([0x00]), .read(count: 1)], replies: [[0x50]]),
            .transfer(address, [.write([0x7E, 0xB6])]),
            .wait(.milliseconds(2)),
            .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x02]]),
        ])
        XCTAssertThrowsError(try BMP388(bus: resetFails, delay: resetFails)) { error in
            guard case .invalidConfiguration(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("cmd_err"), detail)
        }
        assertFinished(resetFails)

        var script = initialization()
        script[script.count - 1] = .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x04]])
        let configurationFails = ScriptedI2CBus(script)
        XCTAssertThrowsError(try BMP388(bus: configurationFails, delay: configurationFails)) { error in
            guard case .invalidConfiguration(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("conf_err"), detail)
        }
        assertFinished(configurationFails)
    }

    func testBlankNVMIsNotCalibrated() {
        var script = Array(initialization().prefix(4))
        script.append(.transfer(address, [.write([0x31]), .read(count: 21)],
                                replies: [[UInt8](repeating: 0, count: 21)]))
        let bus = ScriptedI2CBus(script)
        XCTAssertThrowsError(try BMP388(bus: bus, delay: bus)) { error in
            guard case .notCalibrated = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(bus)
    }

    func testSoftResetAndErrorRegisterExtras() throws {
        let bus = ScriptedI2CBus(initialization() + [
            .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x04]]),
            .transfer(address, [.write([0x7E, 0xB6])]),
            .wait(.milliseconds(2)),
            .transfer(address, [.write([0x02]), .read(count: 1)], replies: [[0x00]]),
        ])
        let sensor = try BMP388(bus: bus, delay: bus)
        XCTAssertEqual(try sensor.readErrors(), BMP388ErrorFlags(register: 0x04))
        try sensor.softReset()
        assertFinished(bus)
    }
}

final class BMP388ModelTests: XCTestCase {
    let address = I2CAddress(0x77)!
    var clock: ManualClock!
    var bus: SimulatedI2CBus!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
    }

    @discardableResult
    private func attach(_ chip: BMP388Model.Chip = .bmp388, environment: SimulatedEnvironment = .init())
        -> BMP388Model
    {
        let model = BMP388Model(clock: clock, environment: environment, chip: chip)
        bus.attach(model, at: address)
        return model
    }

    func testRoundTripsAcrossTheOperatingRange() throws {
        let environments = [
            SimulatedEnvironment(temperatureCelsius: 22.5, pressurePascals: 101_325),
            SimulatedEnvironment(temperatureCelsius: -40, pressurePascals: 30_000),
            SimulatedEnvironment(temperatureCelsius: -12.34, pressurePascals: 95_432.1),
            SimulatedEnvironment(temperatureCelsius: 0, pressurePascals: 70_000),
            SimulatedEnvironment(temperatureCelsius: 85, pressurePascals: 125_000),
        ]
        for chip in [BMP388Model.Chip.bmp388, .bmp390] {
            let model = attach(chip)
            var sensor = try BMP388(bus: bus, address: address, delay: clock)
            XCTAssertEqual(sensor.model, chip.rawValue)
            for environment in environments {
                model.environment = environment
                let reading = try sensor.read()
                // Raw LSBs are ~0.016 Pa and ~2e-5 °C: well inside the datasheet's 0.016 Pa / 0.005 °C resolution.
                XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), environment.temperatureCelsius,
                               accuracy: 0.005, "\(chip) \(environment)")
                XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), environment.pressurePascals,
                               accuracy: 0.02, "\(chip) \(environment)")
            }
        }
    }

    func testRoundTripWithFilterOversamplingAndSMBusOnly() throws {
        bus = SimulatedI2CBus(number: 2, capabilities: .smbusOnly)
        attach(.bmp390, environment: SimulatedEnvironment(temperatureCelsius: 5, pressurePascals: 99_000))
        let configuration = BMP388Configuration(pressureOversampling: .x16, temperatureOversampling: .x2,
                                                filter: .coefficient7)
        var sensor = try BMP388(bus: bus, address: address, delay: clock, configuration: configuration)
        let start = clock.now
        for _ in 0..<3 {
            let reading = try sensor.read()
            XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 99_000, accuracy: 0.02)
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 5, accuracy: 0.005)
        }
        XCTAssertEqual(clock.now - start, configuration.maximumConversionTime * 3, "waits are exactly the maximum")
    }

    func testForcedMeasurementTakesTheMaximumTimeThenReturnsToSleep() throws {
        attach()
        XCTAssertEqual(try bus.writeRead(address, [0x1C], count: 1), [0x02], "OSR resets to osr_p x4")
        try bus.write(address, [0x1C, 0x00])
        try bus.write(address, [0x1B, 0x13])
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 1), [0x10], "cmd_rdy only while converting")
        XCTAssertEqual(try bus.writeRead(address, [0x04], count: 6), [0, 0, 0, 0, 0, 0], "no data yet")
        clock.advance(by: .microseconds(4_828))
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 1), [0x10])
        XCTAssertEqual(try bus.writeRead(address, [0x1B], count: 1), [0x13], "still in forced mode")
        clock.advance(by: .microseconds(1))
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 1), [0x70])
        XCTAssertEqual(try bus.writeRead(address, [0x1B], count: 1), [0x03], "back to sleep, enables kept")
        let data = try bus.writeRead(address, [0x04], count: 6)
        XCTAssertNotEqual(data, [0, 0, 0, 0, 0, 0])
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 1), [0x10], "reading the data clears drdy")
    }

    func testSoftResetCommandErrorsAndNormalModeConfigurationError() throws {
        attach()
        XCTAssertEqual(try bus.writeRead(address, [0x10], count: 1), [0x01], "por_detected after power-up")
        XCTAssertEqual(try bus.writeRead(address, [0x10], count: 1), [0x00], "EVENT clears on read")
        try bus.write(address, [0x7E, 0x55])
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 1), [0x02], "unknown command sets cmd_err")
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 1), [0x00], "ERR_REG clears on read")
        // OSR x32/x32 cannot fit the 5 ms period of ODR 200 Hz: conf_err, back to sleep.
        try bus.write(address, [0x1C, 0x2D])
        try bus.write(address, [0x1B, 0x33])
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 1), [0x04])
        XCTAssertEqual(try bus.writeRead(address, [0x1B], count: 1), [0x03])
        try bus.write(address, [0x1C, 0x2D, 0x7E, 0xB6])  // register/data pairs
        XCTAssertThrowsError(try bus.writeRead(address, [0x00], count: 1), "no acknowledge during start-up")
        clock.advance(by: .milliseconds(2))
        XCTAssertEqual(try bus.writeRead(address, [0x1C], count: 1), [0x02], "OSR back to its default")
        XCTAssertEqual(try bus.writeRead(address, [0x31], count: 21), BMP388Model.bmp388Calibration)
    }

    func testNormalModeRefreshesEveryPeriod() throws {
        let model = attach()
        try bus.write(address, [0x1C, 0x00])
        try bus.write(address, [0x1D, 0x02])  // 50 Hz: 20 ms period
        try bus.write(address, [0x1B, 0x33])
        clock.advance(by: .microseconds(4_829))
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 1), [0x70])
        let first = try bus.writeRead(address, [0x04], count: 6)
        model.environment.pressurePascals = 90_000
        clock.advance(by: .milliseconds(20))
        XCTAssertNotEqual(try bus.writeRead(address, [0x04], count: 6), first)
        XCTAssertEqual(try bus.writeRead(address, [0x1B], count: 1), [0x33], "normal mode stays on")
    }

    func testFaultsGiveTypedErrorsAndTheNextReadRecovers() throws {
        attach()
        var sensor = try BMP388(bus: bus, address: address, delay: clock)
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
        // No CRC on this chip: corrupted bytes (lowest bit flipped) give a slightly wrong reading, not an error.
        bus.inject(.corruptedBytes, at: address, times: 3)
        XCTAssertNotEqual(try sensor.read(), clean)
        XCTAssertEqual(try sensor.read(), clean)
    }

    func testIdentification() throws {
        attach(.bmp390)
        let identification = try XCTUnwrap(SensorFamily.bmp388.identify(bus, address, clock))
        XCTAssertEqual(identification.model, "bmp390")
        XCTAssertTrue(identification.method.contains("chip id 0x60 at register 0x00"), identification.method)
        XCTAssertNil(SensorFamily.bmp388.identify(bus, I2CAddress(0x76)!, clock), "nothing there")

        var bme280 = [UInt8?](repeating: 0, count: 256)
        bme280[0xD0] = 0x60
        bus.attach(RegisterFileDevice(image: bme280), at: address)
        XCTAssertNil(SensorFamily.bmp388.identify(bus, address, clock), "a BME280 has 0x60 at 0xd0, not 0x00")
        bme280[0x00] = 0x60
        bus.attach(RegisterFileDevice(image: bme280), at: address)
        XCTAssertNil(SensorFamily.bmp388.identify(bus, address, clock), "0x60 at both: a BME280, not a BMP390")
        var other = [UInt8?](repeating: 0, count: 256)
        other[0x00] = 0x58
        bus.attach(RegisterFileDevice(image: other), at: address)
        XCTAssertNil(SensorFamily.bmp388.identify(bus, address, clock))

        attach(.bmp388)
        XCTAssertEqual(SensorFamily.bmp388.identify(bus, address, clock)?.model, "bmp388")
        let driver = try SensorFamily.bmp388.open(bus, address, clock)
        XCTAssertEqual(driver.model, "bmp388")
        XCTAssertEqual(SensorFamily.bmp388.aliases, ["bmp390"])
        XCTAssertEqual(SensorFamily.bmp388.addresses, [0x76, 0x77])
        XCTAssertFalse(SensorFamily.bmp388.identifiesByCommand)
    }

    func testReplaysAnI2CDumpImage() throws {
        // A register image holding the published BMP388's NVM and data: the model reports them as they are.
        var image = [UInt8?](repeating: 0, count: 256)
        image[0x00] = 0x50
        for (offset, byte) in publishedNVM.enumerated() { image[0x31 + offset] = byte }
        for (offset, byte) in publishedData.enumerated() { image[0x04 + offset] = byte }
        let model = DeviceModelKind.bmp388.make(DeviceModelContext(clock: clock, image: image))
        bus.attach(model, at: address)
        var sensor = try BMP388(bus: bus, address: address, delay: clock)
        XCTAssertEqual(try XCTUnwrap(sensor.read().pressurePascals), 100_876.006, accuracy: 0.001)
        XCTAssertEqual(DeviceModelKind.bmp390.make(DeviceModelContext(clock: clock)).modelName, "bmp390")
    }
}
