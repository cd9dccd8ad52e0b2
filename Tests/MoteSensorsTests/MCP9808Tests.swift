import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// The driver type used with the scripted bus.
private typealias ScriptedMCP9808 = MCP9808<ScriptedI2CBus>

final class MCP9808ConversionTests: XCTestCase {
    func testAmbientRegisterDecodesTemperatureAndAlertFlags() {
        // Vectors from periph/devices, mcp9808/mcp9808_test.go (TestSenseTemp, TestSenseWithAlerts), which checks
        // them against DS25095A pp. 24-25; 0x0194 is Equation 5-1 worked by hand: 0x01·2^4 + 0x94·2^-4 = 25.25.
        let vectors: [(raw: UInt16, celsius: Double, flags: ScriptedMCP9808.AlertFlags)] = [
            (0x0000, 0, []),
            (0x0010, 1, []),
            (0x00A0, 10, []),
            (0x0194, 25.25, []),
            (0x1F60, -10, []),
            (0x3FF0, -1, [.belowLower]),
            (0x4070, 7, [.aboveUpper]),
            (0xC0F0, 15, [.critical, .aboveUpper]),
        ]
        for vector in vectors {
            let decoded = ScriptedMCP9808.decodeAmbient(vector.raw)
            XCTAssertEqual(decoded.celsius, vector.celsius, "0x\(String(vector.raw, radix: 16))")
            XCTAssertEqual(decoded.flags, vector.flags, "0x\(String(vector.raw, radix: 16))")
        }
    }

    func testNegativeBranchIsTheSumMinus256() {
        // DS25095A §5.1.3.1, Equation 5-1 prints TA = 256 − (UpperByte·2^4 + LowerByte·2^−4) for TA < 0 °C, the
        // magnitude: for 0x1F60 the masked upper byte 0x0F gives 15·16 + 0x60/16 = 246, and TA is 246 − 256.
        let upper = 0x0F, lower = 0x60
        let sum = Double(upper) * 16 + Double(lower) / 16
        XCTAssertEqual(ScriptedMCP9808.decodeAmbient(0x1F60).celsius, sum - 256)
        XCTAssertEqual(ScriptedMCP9808.decodeAmbient(0x1FFF).celsius, -0.0625, "one step below 0 °C")
        XCTAssertEqual(ScriptedMCP9808.decodeAmbient(0x1000).celsius, -256, "most negative code")
    }

    func testLimitRegistersUseQuarterDegreesInBits12To2() {
        // §5.1.2: two's complement in bits 12:2, 0.25 °C per step. 10 °C = 0x00A0 and 5 °C = 0x0050 as in
        // periph/devices mcp9808_test.go (TestSenseWithAlerts).
        let vectors: [(celsius: Double, raw: UInt16)] = [
            (10, 0x00A0), (5, 0x0050), (0, 0x0000), (-1, 0x1FF0), (-10, 0x1F60), (25.25, 0x0194),
            (10.13, 0x00A4),  // rounded to 10.25
            (300, 0x0FFC),  // clamped to +255.75
            (-300, 0x1000),  // clamped to −256
        ]
        for vector in vectors {
            XCTAssertEqual(ScriptedMCP9808.limitRegister(celsius: vector.celsius), vector.raw, "\(vector.celsius)")
        }
        XCTAssertEqual(ScriptedMCP9808.celsius(fromLimit: 0x1F60), -10)
        XCTAssertEqual(ScriptedMCP9808.celsius(fromLimit: 0xE0A3), 10, "bits 15:13 and 1:0 are not part of a limit")
    }

    func testConversionTimesAndConfigurationWords() {
        // DS25095A §5.1.6 / tCONV: 30, 65, 130, 250 ms typical; the driver allows 10 % more.
        let times = ScriptedMCP9808.Configuration.Resolution.allCases.map(ScriptedMCP9808.conversionTime)
        XCTAssertEqual(times, [.milliseconds(30), .milliseconds(65), .milliseconds(130), .milliseconds(250)])
        XCTAssertEqual(ScriptedMCP9808.conversionAllowance(.quarterDegree), .microseconds(71_500))
        XCTAssertEqual(ScriptedMCP9808.datasheet.measurementTime, .milliseconds(275))
        // §5.1.1: THYST 10:9, SHDN 8, Alert Cnt 3, Alert Sel 2, Alert Pol 1, Alert Mod 0.
        XCTAssertEqual(ScriptedMCP9808.Configuration().configRegister(shutdown: true), 0x0100)
        XCTAssertEqual(ScriptedMCP9808.Configuration().configRegister(shutdown: false), 0x0000)
        let alerting = ScriptedMCP9808.Configuration(
            hysteresis: .oneAndAHalfDegrees,
            alertOutput: .init(enabled: true, interruptMode: true, activeHigh: true, criticalOnly: true))
        XCTAssertEqual(alerting.configRegister(shutdown: false), 0x020F)
        XCTAssertEqual(ScriptedMCP9808.Configuration(hysteresis: .sixDegrees).configRegister(shutdown: true), 0x0700)
    }
}

final class MCP9808ScriptedTests: XCTestCase {
    let address = I2CAddress(0x18)!

    func initExchange(resolution: UInt8 = 0x03, configuration: [UInt8] = [0x01, 0x00])
        -> [ScriptedI2CBus.Expectation]
    {
        [
            .transfer(address, [.write([0x06]), .read(count: 2)], replies: [[0x00, 0x54]]),
            .transfer(address, [.write([0x07]), .read(count: 2)], replies: [[0x04, 0x00]]),
            .transfer(address, [.write([0x08, resolution])]),
            .transfer(address, [.write([0x01] + configuration)]),
        ]
    }

    func assertFinished(_ bus: ScriptedI2CBus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bus.unusedExpectations, [], file: file, line: line)
        XCTAssertEqual(bus.violations, [], file: file, line: line)
    }

    func testReadWakesWaitsReadsAndShutsDown() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x01, 0x00, 0x00])]),
            .wait(.milliseconds(275)),
            .transfer(address, [.write([0x05]), .read(count: 2)], replies: [[0xC1, 0x94]]),
            .transfer(address, [.write([0x01, 0x01, 0x00])]),
        ])
        var sensor = try MCP9808(bus: bus, delay: bus)
        XCTAssertEqual(sensor.deviceRevision, 0)
        XCTAssertEqual(try sensor.read().temperatureCelsius, 25.25, "flags masked off")
        XCTAssertEqual(sensor.lastAlertFlags, [.critical, .aboveUpper])
        assertFinished(bus)
    }

    func testContinuousModeWaitsOnlyBeforeTheFirstReading() throws {
        let bus = ScriptedI2CBus(initExchange(resolution: 0x00, configuration: [0x00, 0x00]) + [
            .wait(.milliseconds(33)),
            .transfer(address, [.write([0x05]), .read(count: 2)], replies: [[0x1F, 0x60]]),
            .transfer(address, [.write([0x05]), .read(count: 2)], replies: [[0x00, 0xA8]]),
        ])
        var sensor = try MCP9808(bus: bus, delay: bus, configuration: .init(resolution: .halfDegree, mode: .continuous))
        XCTAssertEqual(try sensor.read().temperatureCelsius, -10)
        XCTAssertEqual(try sensor.read().temperatureCelsius, 10.5)
        assertFinished(bus)
    }

    func testAFailedReadStillShutsTheChipDown() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x01, 0x00, 0x00])]),
            .wait(.milliseconds(275)),
            .failure(address, .busError),
            .transfer(address, [.write([0x01, 0x01, 0x00])]),
        ])
        var sensor = try MCP9808(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .busError)
        }
        assertFinished(bus)
    }

    func testBitsBelowACoarseResolutionMustReadZero() throws {
        let bus = ScriptedI2CBus(initExchange(resolution: 0x01) + [
            .transfer(address, [.write([0x01, 0x00, 0x00])]),
            .wait(.microseconds(71_500)),
            .transfer(address, [.write([0x05]), .read(count: 2)], replies: [[0x01, 0x95]]),
            .transfer(address, [.write([0x01, 0x01, 0x00])]),
        ])
        var sensor = try MCP9808(bus: bus, delay: bus, configuration: .init(resolution: .quarterDegree))
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .implausibleData = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(bus)
    }

    func testOtherJC42SensorIsUnsupported() {
        // An MCP9804 shares the manufacturer id and has device id 0x02 (DS22203C §5.1.5).
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0x06]), .read(count: 2)], replies: [[0x00, 0x54]]),
            .transfer(address, [.write([0x07]), .read(count: 2)], replies: [[0x02, 0x01]]),
        ])
        XCTAssertThrowsError(try MCP9808(bus: bus, delay: bus)) { error in
            guard case .unsupportedChip(let id, let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(id, 0x0054_0201)
            XCTAssertTrue(detail.contains("0x54/0x201"), detail)
        }
        assertFinished(bus)
    }

    func testSMBusOnlyAdapterUsesSwappedWordsAndByteData() throws {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readWordData(command: 0x06), reply: [0x00, 0x54]),
            .smbus(address, .readWordData(command: 0x07), reply: [0x04, 0x01]),
            .smbus(address, .writeByteData(command: 0x08, value: 0x03)),
            .smbus(address, .writeWordData(command: 0x01, value: 0x0001)),
            .smbus(address, .writeWordData(command: 0x01, value: 0x0000)),
            .wait(.milliseconds(275)),
            .smbus(address, .readWordData(command: 0x05), reply: [0x01, 0x94]),
            .smbus(address, .writeWordData(command: 0x01, value: 0x0001)),
        ])
        var sensor = try MCP9808(bus: bus, delay: bus)
        XCTAssertEqual(sensor.deviceRevision, 1)
        XCTAssertEqual(try sensor.read().temperatureCelsius, 25.25)
        assertFinished(bus)
    }

    func testLimitsAreWrittenAndReadInQuarterDegrees() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x02, 0x01, 0x90])]),
            .transfer(address, [.write([0x03, 0x1F, 0xF0])]),
            .transfer(address, [.write([0x04, 0x01, 0xE0])]),
            .transfer(address, [.write([0x02]), .read(count: 2)], replies: [[0x01, 0x90]]),
            .transfer(address, [.write([0x03]), .read(count: 2)], replies: [[0x1F, 0xF0]]),
            .transfer(address, [.write([0x04]), .read(count: 2)], replies: [[0x01, 0xE0]]),
        ])
        let sensor = try MCP9808(bus: bus, delay: bus)
        let limits = ScriptedMCP9808.Limits(upperCelsius: 25, lowerCelsius: -1, criticalCelsius: 30)
        try sensor.setLimits(limits)
        XCTAssertEqual(try sensor.limits(), limits)
        assertFinished(bus)
    }
}

final class MCP9808ModelRoundTripTests: XCTestCase {
    let address = I2CAddress(0x1A)!

    func makeBus(_ environment: SimulatedEnvironment, clock: ManualClock,
                 capabilities: I2CCapabilities = .fullI2C) -> (SimulatedI2CBus, MCP9808Model) {
        let bus = SimulatedI2CBus(number: 1, capabilities: capabilities)
        let model = MCP9808Model(clock: clock, environment: environment)
        bus.attach(model, at: address)
        return (bus, model)
    }

    func testReadingsMatchTheEnvironmentAtEveryResolution() throws {
        let temperatures = [-40, -20.3, -0.04, 0, 22.5, 37.77, 99.9, 125]
        for resolution in MCP9808<SimulatedI2CBus>.Configuration.Resolution.allCases {
            for capabilities in [I2CCapabilities.fullI2C, .smbusOnly] {
                for celsius in temperatures {
                    let clock = ManualClock()
                    let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: 60), clock: clock,
                                               capabilities: capabilities)
                    var sensor = try MCP9808(bus: bus, address: address, delay: clock,
                                             configuration: .init(resolution: resolution))
                    model.environment.temperatureCelsius = celsius
                    let reading = try XCTUnwrap(sensor.read().temperatureCelsius)
                    XCTAssertEqual(reading, celsius, accuracy: resolution.celsiusPerStep / 2,
                                   "\(resolution) \(capabilities.adapterClass) \(celsius)")
                    XCTAssertTrue(model.isShutDown, "shut down again after the reading")
                }
            }
        }
    }

    func testContinuousModeReturnsTheLatestConversion() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: -5), clock: clock)
        var sensor = try MCP9808(bus: bus, address: address, delay: clock,
                                 configuration: .init(resolution: .eighthDegree, mode: .continuous))
        XCTAssertEqual(try sensor.read().temperatureCelsius, -5)
        XCTAssertFalse(model.isShutDown)
        model.environment.temperatureCelsius = -6.125
        XCTAssertEqual(try sensor.read().temperatureCelsius, -5, "no conversion finished since")
        clock.advance(by: .milliseconds(130))
        XCTAssertEqual(try sensor.read().temperatureCelsius, -6.125)
    }

    func testModelKeepsTheLastValueWhileShutDownAndStartsAfreshOnWaking() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: 20), clock: clock)
        try bus.write(address, [0x01, 0x01, 0x00])
        model.environment.temperatureCelsius = 30
        clock.advance(by: .seconds(10))
        // The power-up limits are all 0 °C, so a positive TA also carries TA ≥ TCRIT and TA > TUPPER (0xC000).
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0xC1, 0x40], "still 20 °C")
        try bus.write(address, [0x01, 0x00, 0x00])
        clock.advance(by: .milliseconds(249))
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0xC1, 0x40], "conversion not finished")
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0xC1, 0xE0], "30 °C")
    }

    func testPowerUpReadsZeroUntilTheFirstConversion() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(MCP9808Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: 21),
                                justPoweredUp: true), at: address)
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0x00, 0x00])
        XCTAssertEqual(try bus.writeRead(address, [0x08], count: 1), [0x03], "0.0625 °C at power-up")
        clock.advance(by: .milliseconds(250))
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0xC1, 0x50], "21 °C ≥ the 0 °C power-up TCRIT")
    }

    func testAlertFlagsFollowTheLimitsThroughTheDriver() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: 20), clock: clock)
        var sensor = try MCP9808(bus: bus, address: address, delay: clock)
        try sensor.setLimits(.init(upperCelsius: 25, lowerCelsius: 10, criticalCelsius: 30))
        XCTAssertEqual(try sensor.limits(), .init(upperCelsius: 25, lowerCelsius: 10, criticalCelsius: 30))
        let cases: [(Double, MCP9808<SimulatedI2CBus>.AlertFlags)] = [
            (20, []), (25, []), (25.0625, [.aboveUpper]), (29.9375, [.aboveUpper]), (30, [.critical, .aboveUpper]),
            (10, []), (9.9375, [.belowLower]), (-15, [.belowLower]),
        ]
        for (celsius, flags) in cases {
            model.environment.temperatureCelsius = celsius
            XCTAssertEqual(try sensor.read().temperatureCelsius, celsius)
            XCTAssertEqual(sensor.lastAlertFlags, flags, "\(celsius) °C")
        }
    }

    func testHysteresisHoldsFlagsOnFallingTemperatures() throws {
        // Alert output conditions (DS20005095B Figure 5-10): TUPPER clears at TA ≤ TUPPER − THYST; TLOWER sets at
        // TA < TLOWER − THYST and clears at TA ≥ TLOWER.
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: 20), clock: clock)
        var sensor = try MCP9808(bus: bus, address: address, delay: clock,
                                 configuration: .init(hysteresis: .oneAndAHalfDegrees))
        try sensor.setLimits(.init(upperCelsius: 25, lowerCelsius: 10, criticalCelsius: 100))
        let sequence: [(Double, MCP9808<SimulatedI2CBus>.AlertFlags)] = [
            (26, [.aboveUpper]), (24, [.aboveUpper]), (23.5, []),
            (9, []), (8.4375, [.belowLower]), (9.5, [.belowLower]), (10, []),
        ]
        for (celsius, flags) in sequence {
            model.environment.temperatureCelsius = celsius
            _ = try sensor.read()
            XCTAssertEqual(sensor.lastAlertFlags, flags, "\(celsius) °C")
        }
    }

    func testLockBitsFreezeTheWindowLimitsAndShutdown() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(), clock: clock)
        try bus.write(address, [0x02, 0x01, 0x90])
        try bus.write(address, [0x01, 0x00, 0x40])  // Win Lock
        try bus.write(address, [0x02, 0x00, 0x50])
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 2), [0x01, 0x90], "TUPPER locked")
        try bus.write(address, [0x01, 0x01, 0x00])
        XCTAssertFalse(model.isShutDown, "SHDN cannot be set while locked (§5.1.1)")
        XCTAssertEqual(try bus.writeRead(address, [0x01], count: 2), [0x00, 0x40], "the lock stays set")
    }
}

final class MCP9808FaultTests: XCTestCase {
    let address = I2CAddress(0x18)!

    func testEachInjectedFaultGivesItsErrorAndTheNextReadRecovers() throws {
        let cases: [(I2CFault, HardwareError.Kind)] = [
            (.noAcknowledge, .noAcknowledge), (.busError, .busError), (.timeout, .timeout),
        ]
        for (fault, kind) in cases {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            let model = MCP9808Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: -3.5))
            bus.attach(model, at: address)
            var sensor = try MCP9808(bus: bus, delay: clock)
            bus.inject(fault, at: address, times: 1)
            XCTAssertThrowsError(try sensor.read(), "\(fault)") { error in
                guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
                XCTAssertEqual(hardware.kind, kind)
            }
            XCTAssertEqual(try sensor.read().temperatureCelsius, -3.5, "\(fault)")
            XCTAssertTrue(model.isShutDown)
        }
    }

    func testCorruptedBytesAreCaughtOnlyWhereTheResolutionLeavesBitsClear() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(MCP9808Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: 21)), at: address)
        var coarse = try MCP9808(bus: bus, delay: clock, configuration: .init(resolution: .halfDegree))
        // The wake-up write reads nothing; the temperature read then has each byte's lowest bit flipped.
        bus.inject(.corruptedBytes, at: address, times: 2)
        XCTAssertThrowsError(try coarse.read()) { error in
            guard case .implausibleData = error as? SensorError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try coarse.read().temperatureCelsius, 21)

        // At 0.0625 °C every bit carries data and the chip has no checksum: the damage cannot be seen.
        var fine = try MCP9808(bus: bus, delay: clock)
        bus.inject(.corruptedBytes, at: address, times: 2)
        XCTAssertEqual(try fine.read().temperatureCelsius, 21 - 16 + 0.0625, "bit 8 (16 °C) and bit 0 flipped")
        XCTAssertEqual(try fine.read().temperatureCelsius, 21)
    }
}

final class MCP9808IdentificationTests: XCTestCase {
    func testRecognisesTheModelAtEveryStrappedAddress() throws {
        XCTAssertEqual(SensorFamily.mcp9808.addresses, Array(0x18...0x1F))
        for rawAddress in SensorFamily.mcp9808.addresses {
            let address = try XCTUnwrap(I2CAddress(rawAddress))
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1, capabilities: rawAddress.isMultiple(of: 2) ? .fullI2C : .smbusOnly)
            bus.attach(DeviceModelKind.mcp9808.make(DeviceModelContext(clock: clock)), at: address)
            let identification = SensorFamily.mcp9808.identify(bus, address, clock)
            XCTAssertEqual(identification?.model, "mcp9808")
            XCTAssertEqual(identification?.method,
                           "manufacturer id 0x0054 at register 0x06, device id 0x04 revision 0x00 at 0x07")
            XCTAssertEqual(try SensorFamily.mcp9808.open(bus, address, clock).model, "mcp9808")
        }
    }

    func testNothingThereOrAnotherIDIsNotAnMCP9808() {
        let address = I2CAddress(0x18)!
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        XCTAssertNil(SensorFamily.mcp9808.identify(bus, address, clock), "empty address")
        var image = [UInt8?](repeating: 0, count: 256)
        image[0x06] = 0x00
        image[0x07] = 0x54  // manufacturer 0x0054 read from 0x06..0x07, but device 0x5402 read from 0x07..0x08
        image[0x08] = 0x02
        bus.attach(RegisterFileDevice(image: image), at: address)
        XCTAssertNil(SensorFamily.mcp9808.identify(bus, address, clock))
    }

    func testAModelLoadedFromADumpReportsTheDumpedRegisters() throws {
        // A byte-mode i2cdump holds each register's high byte: TA 0xC1 (flags and 16 °C), the ids' high bytes
        // 0x00 and 0x04, and the 8-bit resolution register whole.
        let address = I2CAddress(0x18)!
        var image = [UInt8?](repeating: 0x00, count: 256)
        image[0x05] = 0xC1
        image[0x07] = 0x04
        image[0x08] = 0x02
        image[0x09] = nil
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(DeviceModelKind.mcp9808.make(DeviceModelContext(clock: clock, image: image)), at: address)
        XCTAssertEqual(SensorFamily.mcp9808.identify(bus, address, clock)?.model, "mcp9808")
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0xC1, 0x00])
        XCTAssertEqual(try bus.writeRead(address, [0x08], count: 1), [0x02])
        XCTAssertThrowsError(try bus.writeRead(address, [0x09], count: 2), "XX in the dump")
        try bus.write(address, [0x05, 0x12, 0x34])
        XCTAssertEqual(try bus.writeRead(address, [0x05], count: 2), [0xC1, 0x00], "writes do not change a dump")
    }
}
