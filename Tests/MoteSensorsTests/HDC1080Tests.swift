import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// The driver type used with the scripted bus.
private typealias ScriptedHDC1080 = HDC1080<ScriptedI2CBus>

final class HDC1080ConversionTests: XCTestCase {
    func testTemperatureFromRawFollowsTheDatasheetEquation() {
        // SNAS672A §8.6.1, Equation 1: T = raw / 2^16 · 165 °C − 40 °C. The datasheet prints no worked example, so
        // the vectors are the equation's end points and exact binary fractions of full scale.
        let vectors: [(raw: UInt16, celsius: Double)] = [
            (0x0000, -40),  // bottom of the range
            (0x4000, 1.25),  // 1/4 · 165 − 40
            (0x6000, 21.875),  // 3/8 · 165 − 40
            (0x8000, 42.5),  // 1/2 · 165 − 40
            (0xFFFC, 124.989_929_199_218_75),  // largest 14-bit code: 65532 / 65536 · 165 − 40
        ]
        for vector in vectors {
            XCTAssertEqual(ScriptedHDC1080.temperatureCelsius(fromRaw: vector.raw), vector.celsius, accuracy: 1e-9,
                           "raw 0x\(String(vector.raw, radix: 16))")
        }
    }

    func testHumidityFromRawFollowsTheDatasheetEquation() {
        // SNAS672A §8.6.2, Equation 2: RH = raw / 2^16 · 100 %RH.
        let vectors: [(raw: UInt16, percent: Double)] = [
            (0x0000, 0), (0x4000, 25), (0x8000, 50), (0xC000, 75), (0xFFFC, 99.993_896_484_375),
        ]
        for vector in vectors {
            XCTAssertEqual(ScriptedHDC1080.relativeHumidityPercent(fromRaw: vector.raw), vector.percent,
                           accuracy: 1e-9, "raw 0x\(String(vector.raw, radix: 16))")
        }
    }

    func testConfigurationRegisterMatchesTheDatasheetLayout() {
        // SNAS672A §8.6 Table 1: the configuration register resets to 0x1000 (MODE = 1, 14-bit, heater off), which
        // is the driver's default configuration.
        XCTAssertEqual(ScriptedHDC1080.Configuration().registerValue, 0x1000)
        // §8.6.3: HEAT bit 13, MODE bit 12, TRES bit 10, HRES bits 9:8 (01 = 11 bit, 10 = 8 bit).
        let everything = ScriptedHDC1080.Configuration(temperatureResolution: .bits11, humidityResolution: .bits8,
                                                       acquisition: .sequential, heater: true)
        XCTAssertEqual(everything.registerValue, 0x3600)
        XCTAssertEqual(ScriptedHDC1080.Configuration(humidityResolution: .bits11, acquisition: .separate).registerValue,
                       0x0100)
    }

    func testConversionTimesAreTheDatasheetTable() {
        // SNAS672A §7.5: temperature 6.35 / 3.65 ms, humidity 6.50 / 3.85 / 2.50 ms (typical).
        XCTAssertEqual(ScriptedHDC1080.conversionTime(ScriptedHDC1080.Configuration.TemperatureResolution.bits14),
                       .microseconds(6_350))
        XCTAssertEqual(ScriptedHDC1080.conversionTime(ScriptedHDC1080.Configuration.TemperatureResolution.bits11),
                       .microseconds(3_650))
        XCTAssertEqual(ScriptedHDC1080.conversionTime(ScriptedHDC1080.Configuration.HumidityResolution.bits14),
                       .microseconds(6_500))
        XCTAssertEqual(ScriptedHDC1080.conversionTime(ScriptedHDC1080.Configuration.HumidityResolution.bits11),
                       .microseconds(3_850))
        XCTAssertEqual(ScriptedHDC1080.conversionTime(.bits8), .microseconds(2_500))
        XCTAssertEqual(ScriptedHDC1080.datasheet.measurementTime, .microseconds(12_850))
        XCTAssertEqual(ScriptedHDC1080.datasheet.startupTime, .milliseconds(15))
    }

    func testSerialNumberTakesBitsFromTheThreeRegisters() {
        // §8.6.4: 0xFB holds serial bits 40:25, 0xFC bits 24:9, 0xFD bits 8:0 in its bits 15:7.
        XCTAssertEqual(ScriptedHDC1080.serialNumber(first: 0xFFFF, middle: 0, last: 0), 0x1FF_FE00_0000)
        XCTAssertEqual(ScriptedHDC1080.serialNumber(first: 0, middle: 0xFFFF, last: 0), 0x1FF_FE00)
        XCTAssertEqual(ScriptedHDC1080.serialNumber(first: 0, middle: 0, last: 0xFF80), 0x1FF)
        XCTAssertEqual(ScriptedHDC1080.serialNumber(first: 0, middle: 0, last: 0x007F), 0, "bits 6:0 are not id")
    }
}

final class HDC1080ScriptedTests: XCTestCase {
    let address = I2CAddress(0x40)!

    /// Identification, reset and configuration on a plain I2C adapter, device id first (§8.6.5, §8.6.6).
    func initExchange(configuration: UInt16 = 0x1000) -> [ScriptedI2CBus.Expectation] {
        [
            .transfer(address, [.write([0xFF]), .read(count: 2)], replies: [[0x10, 0x50]]),
            .transfer(address, [.write([0xFE]), .read(count: 2)], replies: [[0x54, 0x49]]),
            .transfer(address, [.write([0x02, 0x80, 0x00])]),
            .wait(.milliseconds(15)),
            .transfer(address, [.write([0x02, UInt8(configuration >> 8), UInt8(configuration & 0xFF)])]),
        ]
    }

    func assertFinished(_ bus: ScriptedI2CBus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bus.unusedExpectations, [], file: file, line: line)
        XCTAssertEqual(bus.violations, [], file: file, line: line)
    }

    func testInitIdentifiesResetsAndConfigures() throws {
        let bus = ScriptedI2CBus(initExchange())
        let sensor = try HDC1080(bus: bus, delay: bus)
        XCTAssertEqual(sensor.model, "hdc1080")
        XCTAssertEqual(sensor.address, address)
        assertFinished(bus)
    }

    func testSequentialReadTriggersWaitsAndReadsFourBytes() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x00])]),
            .wait(.microseconds(12_850)),
            .transfer(address, [.read(count: 4)], replies: [[0x60, 0x00, 0x80, 0x00]]),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus)
        let reading = try sensor.read()
        XCTAssertEqual(reading.temperatureCelsius, 21.875)
        XCTAssertEqual(reading.relativeHumidityPercent, 50)
        XCTAssertNil(reading.pressurePascals)
        assertFinished(bus)
    }

    func testSeparateAcquisitionTriggersEachQuantity() throws {
        let configuration = HDC1080<ScriptedI2CBus>.Configuration(
            temperatureResolution: .bits11, humidityResolution: .bits8, acquisition: .separate)
        let bus = ScriptedI2CBus(initExchange(configuration: 0x0600) + [
            .transfer(address, [.write([0x00])]),
            .wait(.microseconds(3_650)),
            .transfer(address, [.read(count: 2)], replies: [[0x80, 0x00]]),
            .transfer(address, [.write([0x01])]),
            .wait(.microseconds(2_500)),
            .transfer(address, [.read(count: 2)], replies: [[0x40, 0x00]]),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus, configuration: configuration)
        let reading = try sensor.read()
        XCTAssertEqual(reading.temperatureCelsius, 42.5)
        XCTAssertEqual(reading.relativeHumidityPercent, 25)
        assertFinished(bus)
    }

    func testANotAcknowledgedResultReadIsRetriedAfterAMillisecond() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x00])]),
            .wait(.microseconds(12_850)),
            .failure(address, .noAcknowledge),
            .wait(.milliseconds(1)),
            .transfer(address, [.read(count: 4)], replies: [[0x80, 0x00, 0x00, 0x00]]),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus)
        XCTAssertEqual(try sensor.read().temperatureCelsius, 42.5)
        assertFinished(bus)
    }

    func testAChipThatNeverFinishesTimesOut() throws {
        var script = initExchange() + [.transfer(address, [.write([0x00])]), .wait(.microseconds(12_850))]
        for attempt in 1...5 {
            script.append(.failure(address, .noAcknowledge))
            if attempt < 5 { script.append(.wait(.milliseconds(1))) }
        }
        let bus = ScriptedI2CBus(script)
        var sensor = try HDC1080(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut(let detail) = error as? SensorError else {
                return XCTFail("expected a timeout, got \(error)")
            }
            XCTAssertTrue(detail.contains("5 reads"), detail)
        }
        assertFinished(bus)
    }

    func testOtherBusErrorsAreNotRetried() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x00])]),
            .wait(.microseconds(12_850)),
            .failure(address, .busError),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .busError)
        }
        assertFinished(bus)
    }

    func testReservedResultBitsSetAreRejected() throws {
        // §8.6.1/§8.6.2: D1:D0 of both result registers always read 0.
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x00])]),
            .wait(.microseconds(12_850)),
            .transfer(address, [.read(count: 4)], replies: [[0x60, 0x00, 0x80, 0x01]]),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .implausibleData = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(bus)
    }

    func testWrongDeviceIDIsUnsupportedAndTheManufacturerRegisterIsNeverTouched() {
        // A Si7021 at 0x40 would take a write of 0xFE as its reset command.
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0xFF]), .read(count: 2)], replies: [[0x10, 0x00]]),
        ])
        XCTAssertThrowsError(try HDC1080(bus: bus, delay: bus)) { error in
            XCTAssertEqual(error as? SensorError, .unsupportedChip(
                id: 0x1000, detail: "register 0xff at 0x40 reads 0x1000; an HDC1080 reads 0x1050"))
        }
        assertFinished(bus)
    }

    func testWrongManufacturerIsUnsupported() {
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0xFF]), .read(count: 2)], replies: [[0x10, 0x50]]),
            .transfer(address, [.write([0xFE]), .read(count: 2)], replies: [[0x00, 0x54]]),
        ])
        XCTAssertThrowsError(try HDC1080(bus: bus, delay: bus)) { error in
            guard case .unsupportedChip(let id, _) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(id, 0x0054_1050)
        }
        assertFinished(bus)
    }

    func testIdentificationErrorsPropagateAsBusErrors() {
        let bus = ScriptedI2CBus([.failure(address, .noAcknowledge)])
        XCTAssertThrowsError(try HDC1080(bus: bus, delay: bus)) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .noAcknowledge)
        }
        assertFinished(bus)
    }

    func testSMBusOnlyAdapterIdentifiesAndConfiguresWithWordsButCannotMeasure() throws {
        // SMBus words go low byte first: the reply bytes are in wire order (MSB first for this chip), and a word
        // written must be byte-swapped so that the MSB goes first.
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readWordData(command: 0xFF), reply: [0x10, 0x50]),
            .smbus(address, .readWordData(command: 0xFE), reply: [0x54, 0x49]),
            .smbus(address, .writeWordData(command: 0x02, value: 0x0080)),
            .wait(.milliseconds(15)),
            .smbus(address, .writeWordData(command: 0x02, value: 0x0010)),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .unsupported)
            XCTAssertTrue(hardware.detail.contains("plain I2C"), hardware.detail)
        }
        assertFinished(bus)
    }

    func testHeaterSerialNumberAndBatteryStatus() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x02, 0x30, 0x00])]),
            .transfer(address, [.write([0xFB]), .read(count: 2)], replies: [[0x12, 0x34]]),
            .transfer(address, [.write([0xFC]), .read(count: 2)], replies: [[0x56, 0x78]]),
            .transfer(address, [.write([0xFD]), .read(count: 2)], replies: [[0x9A, 0x80]]),
            .transfer(address, [.write([0x02]), .read(count: 2)], replies: [[0x38, 0x00]]),
        ])
        var sensor = try HDC1080(bus: bus, delay: bus)
        try sensor.setHeater(true)
        XCTAssertTrue(sensor.configuration.heater)
        XCTAssertEqual(try sensor.serialNumber(), 0x1234 << 25 | 0x5678 << 9 | 0x9A80 >> 7)
        XCTAssertTrue(try sensor.batteryLow(), "BTST, bit 11, is set in 0x3800")
        assertFinished(bus)
    }
}

final class HDC1080ModelRoundTripTests: XCTestCase {
    let address = I2CAddress(0x40)!

    func makeBus(_ environment: SimulatedEnvironment, clock: ManualClock,
                 capabilities: I2CCapabilities = .fullI2C) -> (SimulatedI2CBus, HDC1080Model) {
        let bus = SimulatedI2CBus(number: 1, capabilities: capabilities)
        let model = HDC1080Model(clock: clock, environment: environment)
        bus.attach(model, at: address)
        return (bus, model)
    }

    func testReadingsMatchTheEnvironmentWithinOneStep() throws {
        let environments = [
            SimulatedEnvironment(temperatureCelsius: -40, relativeHumidityPercent: 0),
            SimulatedEnvironment(temperatureCelsius: -12.3, relativeHumidityPercent: 87.6),
            SimulatedEnvironment(temperatureCelsius: 0, relativeHumidityPercent: 100),
            SimulatedEnvironment(temperatureCelsius: 22.5, relativeHumidityPercent: 45),
            SimulatedEnvironment(temperatureCelsius: 85.25, relativeHumidityPercent: 3.3),
        ]
        for environment in environments {
            let clock = ManualClock()
            let (bus, _) = makeBus(environment, clock: clock)
            var sensor = try HDC1080(bus: bus, delay: clock)
            let reading = try sensor.read()
            // One 14-bit step: 165 / 2^14 °C and 100 / 2^14 %RH; 100 %RH is the top code, one step below.
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), environment.temperatureCelsius,
                           accuracy: 165.0 / 16_384, "\(environment)")
            XCTAssertEqual(try XCTUnwrap(reading.relativeHumidityPercent), environment.relativeHumidityPercent,
                           accuracy: 100.0 / 16_384, "\(environment)")
            XCTAssertEqual(clock.now, .milliseconds(15) + .microseconds(12_850), "reset wait plus one conversion")
        }
    }

    func testLowerResolutionsAndSeparateAcquisitionStayWithinTheirStep() throws {
        let environment = SimulatedEnvironment(temperatureCelsius: -7.77, relativeHumidityPercent: 61.1)
        let clock = ManualClock()
        let (bus, _) = makeBus(environment, clock: clock)
        var sensor = try HDC1080(bus: bus, delay: clock, configuration: .init(
            temperatureResolution: .bits11, humidityResolution: .bits8, acquisition: .separate))
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), -7.77, accuracy: 165.0 / 2_048)
        XCTAssertEqual(try XCTUnwrap(reading.relativeHumidityPercent), 61.1, accuracy: 100.0 / 256)
        XCTAssertNotEqual(try XCTUnwrap(reading.relativeHumidityPercent), 61.1, "8 bits cannot hit 61.1 exactly")
    }

    func testModelNotAcknowledgesAResultReadDuringTheConversion() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(), clock: clock)
        try bus.write(address, [0x02, 0x30, 0x00])  // heater on, sequential
        try bus.write(address, [0x00])
        XCTAssertTrue(model.isHeating)
        clock.advance(by: .microseconds(12_849))
        XCTAssertThrowsError(try bus.read(address, count: 4)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .noAcknowledge)
        }
        clock.advance(by: .microseconds(1))
        XCTAssertEqual(try bus.read(address, count: 4).count, 4)
        XCTAssertFalse(model.isHeating)
    }

    func testModelSoftResetRestoresThePowerOnConfigurationAndBatteryStatusFollowsTheSupply() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(), clock: clock)
        try bus.write(address, [0x02, 0x26, 0x00])
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 2), [0x26, 0x00])
        try bus.write(address, [0x02, 0x80, 0x00])
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 2), [0x10, 0x00], "power-on value, Table 1")
        model.supplyVolts = 2.7
        try bus.write(address, [0x00])
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 2), [0x18, 0x00], "BTST set below 2.8 V")
    }

    func testSerialNumberRoundTripsThroughTheModel() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(HDC1080Model(clock: clock, serialNumber: 0x1AB_CDEF_0123), at: address)
        let sensor = try HDC1080(bus: bus, delay: clock)
        XCTAssertEqual(try sensor.serialNumber(), 0x1AB_CDEF_0123)
    }

    func testSMBusOnlyBusOpensTheModelButMeasuringNeedsPlainI2C() throws {
        let clock = ManualClock()
        let (bus, _) = makeBus(SimulatedEnvironment(), clock: clock, capabilities: .smbusOnly)
        var sensor = try HDC1080(bus: bus, delay: clock)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .unsupported)
        }
    }
}

final class HDC1080FaultTests: XCTestCase {
    let address = I2CAddress(0x40)!

    func testEachInjectedFaultGivesItsErrorAndTheNextReadRecovers() throws {
        let cases: [(I2CFault, (SensorError) -> Bool)] = [
            (.noAcknowledge, { if case .bus(let error) = $0 { error.kind == .noAcknowledge } else { false } }),
            (.busError, { if case .bus(let error) = $0 { error.kind == .busError } else { false } }),
            (.timeout, { if case .bus(let error) = $0 { error.kind == .timeout } else { false } }),
        ]
        for (fault, matches) in cases {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            bus.attach(HDC1080Model(clock: clock, environment: SimulatedEnvironment(
                temperatureCelsius: 18, relativeHumidityPercent: 40)), at: address)
            var sensor = try HDC1080(bus: bus, delay: clock)
            bus.inject(fault, at: address, times: 1)
            XCTAssertThrowsError(try sensor.read(), "\(fault)") { error in
                XCTAssertTrue((error as? SensorError).map(matches) ?? false, "\(fault): \(error)")
            }
            XCTAssertEqual(try XCTUnwrap(sensor.read().temperatureCelsius), 18, accuracy: 0.02, "\(fault)")
        }
    }

    func testCorruptedResultBytesAreCaughtByTheReservedBits() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(HDC1080Model(clock: clock), at: address)
        var sensor = try HDC1080(bus: bus, delay: clock)
        // The trigger write passes (no bytes read); the result read has every byte's lowest bit flipped.
        bus.inject(.corruptedBytes, at: address, times: 2)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .implausibleData = error as? SensorError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try XCTUnwrap(sensor.read().relativeHumidityPercent), 45, accuracy: 0.01)
    }
}

final class HDC1080IdentificationTests: XCTestCase {
    let address = I2CAddress(0x40)!

    func testRecognisesTheModelOnBothKindsOfAdapter() throws {
        for capabilities in [I2CCapabilities.fullI2C, .smbusOnly] {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1, capabilities: capabilities)
            bus.attach(DeviceModelKind.hdc1080.make(DeviceModelContext(clock: clock)), at: address)
            let identification = SensorFamily.hdc1080.identify(bus, address, clock)
            XCTAssertEqual(identification?.model, "hdc1080")
            XCTAssertEqual(identification?.supported, true)
            XCTAssertEqual(identification?.method.contains("0x1050"), true)
            let driver = try SensorFamily.hdc1080.open(bus, address, clock)
            XCTAssertEqual(driver.model, "hdc1080")
        }
    }

    func testNothingAtTheAddressOrAnotherChipIsNotAnHDC1080() {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        XCTAssertNil(SensorFamily.hdc1080.identify(bus, address, clock), "empty address")
        var image = [UInt8?](repeating: 0, count: 256)
        image[0xFE] = 0x54
        image[0xFF] = 0x20  // a 2-byte read at 0xFF gives 0x2000 (the byte register file wraps to 0x00)
        bus.attach(RegisterFileDevice(image: image), at: address)
        XCTAssertNil(SensorFamily.hdc1080.identify(bus, address, clock))
    }

    func testAnotherChipNeverSeesThePointer0xFE() {
        let bus = ScriptedI2CBus([.transfer(address, [.write([0xFF]), .read(count: 2)], replies: [[0x00, 0x00]])])
        XCTAssertNil(SensorFamily.hdc1080.identify(bus, address, bus))
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testOlderHDC1000FamilyIsNamedButNotSupported() {
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0xFF]), .read(count: 2)], replies: [[0x10, 0x00]]),
            .transfer(address, [.write([0xFE]), .read(count: 2)], replies: [[0x54, 0x49]]),
        ])
        let identification = SensorFamily.hdc1080.identify(bus, address, bus)
        XCTAssertEqual(identification?.model, "hdc1000")
        XCTAssertEqual(identification?.supported, false)
    }

    func testAModelLoadedFromADumpIsStillIdentified() throws {
        // A byte-mode i2cdump of an HDC1080: 0x00/0x01 are XX (the one-byte read right after the trigger is not
        // acknowledged), 0x02 holds 0x10 and 0xFE/0xFF the ids' high bytes.
        var image = [UInt8?](repeating: 0x00, count: 256)
        image[0x00] = nil
        image[0x01] = nil
        image[0x02] = 0x10
        image[0xFE] = 0x54
        image[0xFF] = 0x10
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(DeviceModelKind.hdc1080.make(DeviceModelContext(clock: clock, image: image)), at: address)
        XCTAssertEqual(SensorFamily.hdc1080.identify(bus, address, clock)?.model, "hdc1080")
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 2), [0x10, 0x00])
        var sensor = try HDC1080(bus: bus, delay: clock)
        XCTAssertThrowsError(try sensor.read(), "the dump could not read the result registers")
    }
}
