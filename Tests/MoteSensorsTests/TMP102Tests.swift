import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

/// The driver type used with the scripted bus.
private typealias ScriptedTMP102 = TMP102<ScriptedI2CBus>

final class TMP102ConversionTests: XCTestCase {
    /// The 12-bit data format table (TMP102 datasheet §6.5.2; the same rows are Table 7-2 of the TMP102-Q1
    /// datasheet SBOS702E): °C and the 12-bit code, which sits in register bits 15:4.
    static let normalFormat: [(celsius: Double, code: UInt16)] = [
        (127.9375, 0x7FF), (100, 0x640), (80, 0x500), (75, 0x4B0), (50, 0x320), (25, 0x190), (0.25, 0x004),
        (0, 0x000), (-0.25, 0xFFC), (-25, 0xE70), (-55, 0xC90),
    ]

    /// The 13-bit extended-mode table (SBOS397B Table 6): the code sits in bits 15:3 and D0 reads 1.
    static let extendedFormat: [(celsius: Double, code: UInt16)] = [
        (150, 0x0960), (128, 0x0800), (127.9375, 0x07FF), (100, 0x0640), (80, 0x0500), (75, 0x04B0), (50, 0x0320),
        (25, 0x0190), (0.25, 0x0004), (0, 0x0000), (-0.25, 0x1FFC), (-25, 0x1E70), (-55, 0x1C90),
    ]

    func testTemperatureRegisterDecodesBothFormatsFromTheDatasheetTables() {
        for (celsius, code) in Self.normalFormat {
            XCTAssertEqual(ScriptedTMP102.celsius(fromTemperature: code << 4), celsius, "12-bit 0x\(code)")
        }
        for (celsius, code) in Self.extendedFormat {
            XCTAssertEqual(ScriptedTMP102.celsius(fromTemperature: code << 3 | 1), celsius, "13-bit 0x\(code)")
        }
    }

    func testLimitRegistersEncodeWithTheSameTables() {
        for (celsius, code) in Self.normalFormat {
            XCTAssertEqual(ScriptedTMP102.limitRegister(celsius: celsius, extended: false), code << 4, "\(celsius)")
            XCTAssertEqual(ScriptedTMP102.celsius(fromLimit: code << 4, extended: false), celsius)
        }
        for (celsius, code) in Self.extendedFormat {
            XCTAssertEqual(ScriptedTMP102.limitRegister(celsius: celsius, extended: true), code << 3, "\(celsius)")
            XCTAssertEqual(ScriptedTMP102.celsius(fromLimit: code << 3, extended: true), celsius)
        }
        // §6.5.4: power-up TLOW = 75 °C and THIGH = 80 °C; the 12-bit table clamps 128 °C to 0x7FF.
        XCTAssertEqual(ScriptedTMP102.limitRegister(celsius: 75, extended: false), 0x4B00)
        XCTAssertEqual(ScriptedTMP102.limitRegister(celsius: 80, extended: false), 0x5000)
        XCTAssertEqual(ScriptedTMP102.limitRegister(celsius: 128, extended: false), 0x7FF0)
        XCTAssertEqual(ScriptedTMP102.limitRegister(celsius: 25.03, extended: false), 0x1900, "rounded to 0.0625")
    }

    func testFixedConfigurationBitsAcceptATMP102AndRejectItsNeighbours() {
        // §6.5.3: power-up 0x60A0; R1:R0 = 11 and D3:D0 = 0 always.
        XCTAssertTrue(ScriptedTMP102.hasFixedConfigurationBits(0x60A0))
        XCTAssertTrue(ScriptedTMP102.hasFixedConfigurationBits(0xE1B0), "OS, SD and EM set")
        XCTAssertFalse(ScriptedTMP102.hasFixedConfigurationBits(0x8583), "ADS1115 power-up configuration")
        XCTAssertFalse(ScriptedTMP102.hasFixedConfigurationBits(0x0000), "LM75 power-up configuration")
        XCTAssertFalse(ScriptedTMP102.hasFixedConfigurationBits(0x60A1))
    }

    func testConfigurationWords() {
        // §6.5.3: the power-up value less the read-only AL bit is continuous mode with the default settings.
        XCTAssertEqual(ScriptedTMP102.Configuration(mode: .continuous).configRegister(), 0x6080)
        XCTAssertEqual(ScriptedTMP102.Configuration().configRegister(), 0x6180, "SD for one-shot mode")
        XCTAssertEqual(ScriptedTMP102.Configuration().configRegister(startOneShot: true), 0xE180)
        let everything = ScriptedTMP102.Configuration(
            mode: .oneShot, conversionRate: .eightHertz, extendedRange: true, thermostatInterruptMode: true,
            alertActiveHigh: true, faultQueue: .six)
        XCTAssertEqual(everything.configRegister(), 0x7FD0)
        XCTAssertEqual(ScriptedTMP102.datasheet.measurementTime, .milliseconds(35), "§5.5 maximum conversion time")
    }
}

final class TMP102ScriptedTests: XCTestCase {
    let address = I2CAddress(0x48)!

    func initExchange(found: [UInt8] = [0x60, 0xA0], written: [UInt8] = [0x61, 0x80]) -> [ScriptedI2CBus.Expectation] {
        [
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [found]),
            .transfer(address, [.write([0x01] + written)]),
        ]
    }

    func assertFinished(_ bus: ScriptedI2CBus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bus.unusedExpectations, [], file: file, line: line)
        XCTAssertEqual(bus.violations, [], file: file, line: line)
    }

    func testOneShotReadStartsWaitsChecksOSAndReads() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x01, 0xE1, 0x80])]),
            .wait(.milliseconds(35)),
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0xE1, 0xA0]]),
            .transfer(address, [.write([0x00]), .read(count: 2)], replies: [[0xE7, 0x00]]),
        ])
        var sensor = try TMP102(bus: bus, delay: bus)
        XCTAssertEqual(try sensor.read().temperatureCelsius, -25)
        assertFinished(bus)
    }

    func testOSIsPolledUntilTheConversionIsDone() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x01, 0xE1, 0x80])]),
            .wait(.milliseconds(35)),
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0x61, 0xA0]]),
            .wait(.milliseconds(5)),
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0xE1, 0xA0]]),
            .transfer(address, [.write([0x00]), .read(count: 2)], replies: [[0x19, 0x00]]),
        ])
        var sensor = try TMP102(bus: bus, delay: bus)
        XCTAssertEqual(try sensor.read().temperatureCelsius, 25)
        assertFinished(bus)
    }

    func testOSThatNeverSetsTimesOut() throws {
        var script = initExchange() + [.transfer(address, [.write([0x01, 0xE1, 0x80])]), .wait(.milliseconds(35))]
        for attempt in 1...5 {
            script.append(.transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0x61, 0xA0]]))
            if attempt < 5 { script.append(.wait(.milliseconds(5))) }
        }
        let bus = ScriptedI2CBus(script)
        var sensor = try TMP102(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(bus)
    }

    func testExtendedContinuousModeWaitsOnceAndDecodes13Bits() throws {
        let bus = ScriptedI2CBus(initExchange(written: [0x60, 0x90]) + [
            .wait(.milliseconds(285)),  // one 4 Hz period plus the 35 ms conversion
            .transfer(address, [.write([0x00]), .read(count: 2)], replies: [[0x4B, 0x01]]),
            .transfer(address, [.write([0x00]), .read(count: 2)], replies: [[0xE4, 0x81]]),
        ])
        var sensor = try TMP102(bus: bus, delay: bus, configuration: .init(mode: .continuous, extendedRange: true))
        XCTAssertEqual(try sensor.read().temperatureCelsius, 150)
        XCTAssertEqual(try sensor.read().temperatureCelsius, -55)
        assertFinished(bus)
    }

    func testATemperatureInTheWrongFormatOrWithStrayBitsIsRejected() throws {
        for reply: [UInt8] in [[0x19, 0x01], [0x19, 0x08]] {
            let bus = ScriptedI2CBus(initExchange(written: [0x60, 0x80]) + [
                .wait(.milliseconds(285)),
                .transfer(address, [.write([0x00]), .read(count: 2)], replies: [reply]),
            ])
            var sensor = try TMP102(bus: bus, delay: bus, configuration: .init(mode: .continuous))
            XCTAssertThrowsError(try sensor.read(), "\(reply)") { error in
                guard case .implausibleData = error as? SensorError else { return XCTFail("\(error)") }
            }
            assertFinished(bus)
        }
    }

    func testAChipWithoutTheFixedBitsIsUnsupported() {
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0x85, 0x83]]),
        ])
        XCTAssertThrowsError(try TMP102(bus: bus, delay: bus)) { error in
            guard case .unsupportedChip(let id, let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(id, 0x8583)
            XCTAssertTrue(detail.contains("0x8583"), detail)
        }
        assertFinished(bus)
    }

    func testBusErrorsPropagate() throws {
        let bus = ScriptedI2CBus(initExchange() + [.failure(address, .timeout)])
        var sensor = try TMP102(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .timeout)
        }
        assertFinished(bus)
    }

    func testSMBusOnlyAdapterUsesSwappedWords() throws {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readWordData(command: 0x01), reply: [0x60, 0xA0]),
            .smbus(address, .writeWordData(command: 0x01, value: 0x8061)),
            .smbus(address, .writeWordData(command: 0x01, value: 0x80E1)),
            .wait(.milliseconds(35)),
            .smbus(address, .readWordData(command: 0x01), reply: [0xE1, 0xA0]),
            .smbus(address, .readWordData(command: 0x00), reply: [0xFF, 0xC0]),
        ])
        var sensor = try TMP102(bus: bus, delay: bus)
        XCTAssertEqual(try sensor.read().temperatureCelsius, -0.25)
        assertFinished(bus)
    }

    func testLimitsAndAlert() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(address, [.write([0x02, 0x19, 0x00])]),
            .transfer(address, [.write([0x03, 0x1E, 0x00])]),
            .transfer(address, [.write([0x02]), .read(count: 2)], replies: [[0x19, 0x00]]),
            .transfer(address, [.write([0x03]), .read(count: 2)], replies: [[0x1E, 0x00]]),
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0x61, 0x80]]),  // AL = 0, POL = 0
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0x61, 0xA0]]),  // AL = 1, POL = 0
        ])
        let sensor = try TMP102(bus: bus, delay: bus)
        try sensor.setLimits(lowCelsius: 25, highCelsius: 30)
        let limits = try sensor.limits()
        XCTAssertEqual(limits.lowCelsius, 25)
        XCTAssertEqual(limits.highCelsius, 30)
        XCTAssertTrue(try sensor.alertActive())
        XCTAssertFalse(try sensor.alertActive())
        assertFinished(bus)
    }
}

final class TMP102ModelRoundTripTests: XCTestCase {
    let address = I2CAddress(0x49)!

    func makeBus(_ environment: SimulatedEnvironment, clock: ManualClock, justPoweredUp: Bool = false,
                 capabilities: I2CCapabilities = .fullI2C) -> (SimulatedI2CBus, TMP102Model) {
        let bus = SimulatedI2CBus(number: 1, capabilities: capabilities)
        let model = TMP102Model(clock: clock, environment: environment, justPoweredUp: justPoweredUp)
        bus.attach(model, at: address)
        return (bus, model)
    }

    func testReadingsMatchTheEnvironmentInEveryModeAndFormat() throws {
        let configurations: [TMP102<SimulatedI2CBus>.Configuration] = [
            .init(), .init(extendedRange: true), .init(mode: .continuous),
            .init(mode: .continuous, extendedRange: true),
        ]
        let temperatures = [-55, -25.3, -0.0625, -0.01, 0, 22.5, 100, 127.9]
        for configuration in configurations {
            for capabilities in [I2CCapabilities.fullI2C, .smbusOnly] {
                for celsius in temperatures {
                    let clock = ManualClock()
                    let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: celsius), clock: clock,
                                               capabilities: capabilities)
                    var sensor = try TMP102(bus: bus, address: address, delay: clock, configuration: configuration)
                    let reading = try XCTUnwrap(sensor.read().temperatureCelsius)
                    XCTAssertEqual(reading, celsius, accuracy: 0.0625 / 2, "\(configuration) \(celsius)")
                    XCTAssertEqual(model.isShutDown, configuration.mode == .oneShot)
                }
            }
        }
    }

    func testExtendedModeReachesAbove128Degrees() throws {
        let clock = ManualClock()
        let (bus, _) = makeBus(SimulatedEnvironment(temperatureCelsius: 149.5), clock: clock)
        var normal = try TMP102(bus: bus, address: address, delay: clock)
        XCTAssertEqual(try normal.read().temperatureCelsius, 127.9375, "12 bits clamp at 0x7FF")
        var extended = try TMP102(bus: bus, address: address, delay: clock, configuration: .init(extendedRange: true))
        XCTAssertEqual(try extended.read().temperatureCelsius, 149.5)
    }

    func testOneShotBitReadsZeroWhileConvertingAndOneAfterwards() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: 30), clock: clock)
        try bus.write(address, [0x01, 0x61, 0xA0])  // SD
        XCTAssertTrue(model.isShutDown)
        model.environment.temperatureCelsius = 31
        clock.advance(by: .seconds(5))
        XCTAssertEqual(try bus.writeRead(address, [0x00], count: 2), [0x1E, 0x00], "no conversions in shutdown")
        try bus.write(address, [0x01, 0xE1, 0xA0])
        clock.advance(by: .milliseconds(25))
        XCTAssertEqual(try bus.writeRead(address, [0x01], count: 2)[0] & 0x80, 0, "OS reads 0 while converting")
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(try bus.writeRead(address, [0x01], count: 2)[0] & 0x80, 0x80, "and 1 when done")
        XCTAssertEqual(try bus.writeRead(address, [0x00], count: 2), [0x1F, 0x00])
    }

    func testPowerUpStateAndContinuousConversions() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: -10), clock: clock, justPoweredUp: true)
        XCTAssertEqual(try bus.writeRead(address, [0x01], count: 2), [0x60, 0xA0], "§6.5.3 power-up value")
        XCTAssertEqual(try bus.writeRead(address, [0x02], count: 2), [0x4B, 0x00], "TLOW 75 °C")
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 2), [0x50, 0x00], "THIGH 80 °C")
        XCTAssertEqual(try bus.writeRead(address, [0x00], count: 2), [0x00, 0x00], "0 °C before the first conversion")
        clock.advance(by: .milliseconds(26))
        XCTAssertEqual(try bus.writeRead(address, [0x00], count: 2), [0xF6, 0x00], "−10 °C")
        model.environment.temperatureCelsius = -11
        clock.advance(by: .milliseconds(249))
        XCTAssertEqual(try bus.writeRead(address, [0x00], count: 2), [0xF6, 0x00], "next conversion ends at 276 ms")
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(try bus.writeRead(address, [0x00], count: 2), [0xF5, 0x00])
    }

    func testAOneByteWriteChangesOnlyTheFirstByte() throws {
        let clock = ManualClock()
        let (bus, _) = makeBus(SimulatedEnvironment(), clock: clock)
        try bus.write(address, [0x03, 0x20])
        XCTAssertEqual(try bus.writeRead(address, [0x03], count: 2), [0x20, 0x00])
        try bus.write(address, [0x01, 0x61])
        XCTAssertEqual(try bus.writeRead(address, [0x01], count: 2), [0x61, 0xA0], "CR and AL unchanged")
    }

    func testAlertFollowsTheFaultQueueAndPolarity() throws {
        let clock = ManualClock()
        let (bus, model) = makeBus(SimulatedEnvironment(temperatureCelsius: 20), clock: clock)
        var sensor = try TMP102(bus: bus, address: address, delay: clock, configuration: .init(faultQueue: .two))
        try sensor.setLimits(lowCelsius: 25, highCelsius: 30)
        let sequence: [(Double, Bool)] = [(20, false), (31, false), (31, true), (27, true), (24, true), (24, false)]
        for (celsius, active) in sequence {
            model.environment.temperatureCelsius = celsius
            _ = try sensor.read()
            XCTAssertEqual(try sensor.alertActive(), active, "\(celsius) °C")
        }
        var inverted = try TMP102(bus: bus, address: address, delay: clock, configuration: .init(alertActiveHigh: true))
        _ = try inverted.read()
        XCTAssertFalse(try inverted.alertActive())
        XCTAssertEqual(try bus.writeRead(address, [0x01], count: 2)[1] & 0x20, 0,
                       "AL reads 0 with POL = 1 and no alert")
    }
}

final class TMP102FaultTests: XCTestCase {
    let address = I2CAddress(0x4A)!

    func testEachInjectedFaultGivesItsErrorAndTheNextReadRecovers() throws {
        let cases: [(I2CFault, HardwareError.Kind)] = [
            (.noAcknowledge, .noAcknowledge), (.busError, .busError), (.timeout, .timeout),
        ]
        for (fault, kind) in cases {
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            bus.attach(TMP102Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: -17.5)),
                       at: address)
            var sensor = try TMP102(bus: bus, address: address, delay: clock)
            bus.inject(fault, at: address, times: 1)
            XCTAssertThrowsError(try sensor.read(), "\(fault)") { error in
                guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
                XCTAssertEqual(hardware.kind, kind)
            }
            XCTAssertEqual(try sensor.read().temperatureCelsius, -17.5, "\(fault)")
        }
    }

    func testCorruptedBytesAreCaughtByTheTemperatureRegistersFixedBits() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(TMP102Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: 21)), at: address)
        var sensor = try TMP102(bus: bus, address: address, delay: clock)
        // One-shot write, OS poll (OS survives the flip of bit 8), temperature read: D0 flips to 1.
        bus.inject(.corruptedBytes, at: address, times: 3)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .implausibleData = error as? SensorError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try sensor.read().temperatureCelsius, 21)
    }
}

final class TMP102IdentificationTests: XCTestCase {
    func testRecognisesTheModelAtEveryStrappedAddress() throws {
        XCTAssertEqual(SensorFamily.tmp102.addresses, [0x48, 0x49, 0x4A, 0x4B])
        for rawAddress in SensorFamily.tmp102.addresses {
            let address = try XCTUnwrap(I2CAddress(rawAddress))
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1, capabilities: rawAddress.isMultiple(of: 2) ? .fullI2C : .smbusOnly)
            bus.attach(DeviceModelKind.tmp102.make(DeviceModelContext(clock: clock)), at: address)
            let identification = SensorFamily.tmp102.identify(bus, address, clock)
            XCTAssertEqual(identification?.model, "tmp102")
            XCTAssertEqual(identification?.method.hasPrefix("power-up configuration 0x60a0"), true)
            XCTAssertEqual(try SensorFamily.tmp102.open(bus, address, clock).model, "tmp102")
            // After the driver has configured it (SD set; AL reads 1), it is still recognised by its fixed bits.
            XCTAssertEqual(SensorFamily.tmp102.identify(bus, address, clock)?.method.hasPrefix("configuration 0x61a0"),
                           true)
        }
    }

    func testNothingThereOrAnotherChipIsNotATMP102() {
        let address = I2CAddress(0x48)!
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        XCTAssertNil(SensorFamily.tmp102.identify(bus, address, clock), "empty address")
        // An ADS1115 at power-up: conversion register then configuration 0x8583 (a byte register file here).
        var image = [UInt8?](repeating: 0, count: 256)
        image[0x01] = 0x85
        image[0x02] = 0x83
        bus.attach(RegisterFileDevice(image: image), at: address)
        XCTAssertNil(SensorFamily.tmp102.identify(bus, address, clock))
    }

    func testStrayLowBitsInTheLimitsRejectAChipWhoseConfigurationLooksRight() {
        let address = I2CAddress(0x48)!
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0x01]), .read(count: 2)], replies: [[0x60, 0xA0]]),
            .transfer(address, [.write([0x00]), .read(count: 2)], replies: [[0x19, 0x00]]),
            .transfer(address, [.write([0x02]), .read(count: 2)], replies: [[0x4B, 0x00]]),
            .transfer(address, [.write([0x03]), .read(count: 2)], replies: [[0x50, 0x07]]),
        ])
        XCTAssertNil(SensorFamily.tmp102.identify(bus, address, bus))
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [], "identification only reads")
    }

    func testAModelLoadedFromADumpIsRecognisedAndReplaysItsRegisters() throws {
        let address = I2CAddress(0x48)!
        var image = [UInt8?](repeating: 0x00, count: 256)
        image[0x00] = 0x19
        image[0x01] = 0x60
        image[0x02] = 0x4B
        image[0x03] = 0x50
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(DeviceModelKind.tmp102.make(DeviceModelContext(clock: clock, image: image)), at: address)
        XCTAssertEqual(SensorFamily.tmp102.identify(bus, address, clock)?.model, "tmp102")
        var sensor = try TMP102(bus: bus, address: address, delay: clock, configuration: .init(mode: .continuous))
        XCTAssertEqual(try sensor.read().temperatureCelsius, 25, "the dumped 0x19 high byte")
    }
}
