import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

private typealias ScriptedSHT4x = SHT4x<ScriptedI2CBus>
private let sht4xAddress = I2CAddress(0x44)!

/// What an SHT4x sends for `words`: each word big-endian and its CRC, framed by the model's own CRC code.
private func reply(_ words: UInt16...) -> [UInt8] { SensirionCRC.framed(words) }

/// The kind of the hardware error inside a `SensorError.bus`, or nil for any other error.
private func busErrorKind(_ error: Error) -> HardwareError.Kind? {
    guard case .bus(let hardware)? = error as? SensorError else { return nil }
    return hardware.kind
}

/// A serial-number reply captured from an SHT40: 0x0fbaf98f = 263 911 823 (elixir-sensors/sht4x,
/// test/sht4x/comm_test.exs).
private let capturedSerialReply: [UInt8] = [0x0F, 0xBA, 0x7C, 0xF9, 0x8F, 0x0E]

/// The exchange `SHT4x.init` has with a chip: serial number (0x89, 1 ms, six bytes), soft reset (0x94, 1 ms).
private func initExchange(serialReply: [UInt8] = capturedSerialReply) -> [ScriptedI2CBus.Expectation] {
    [
        .transfer(sht4xAddress, [.write([0x89])]),
        .wait(.milliseconds(1)),
        .transfer(sht4xAddress, [.read(count: 6)], replies: [serialReply]),
        .transfer(sht4xAddress, [.write([0x94])]),
        .wait(.milliseconds(1)),
    ]
}

final class SHT4xConversionTests: XCTestCase {
    func testACapturedFrameConvertsToThePublishedValues() throws {
        // elixir-sensors/sht4x test/sht4x/measurement_test.exs: <<101, 233, 234, 109, 229, 160>> is raw
        // temperature 26 089 and humidity 28 133, 24.67 °C and 47.66 %RH.
        let reading = try ScriptedSHT4x.reading(from: [101, 233, 234, 109, 229, 160])
        XCTAssertEqual(reading.temperatureCelsius ?? .nan, 24.67, accuracy: 0.005)
        XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, 47.66, accuracy: 0.005)
        XCTAssertEqual(try ScriptedSHT4x.serialNumber(from: capturedSerialReply), 263_911_823)
    }

    func testConversionAndTheHumidityCrop() {
        // SHT4x datasheet §4.6: T = -45 + 175·S/(2^16−1), RH = -6 + 125·S/(2^16−1), RH cropped to 0–100 %RH.
        // The unclamped ends -45/-6 and 130/119 are the vectors of sirhcel/sht4x tests/measurement.rs.
        let vectors: [(raw: UInt16, celsius: Double, unclamped: Double, percent: Double)] = [
            (0x0000, -45, -6, 0),
            (3146, -36.599, 0.0006, 0.0006),
            (0x8000, 42.501, 56.501, 56.501),
            (55050, 102.002, 99.001, 99.001),
            (0xFFFF, 130, 119, 100),
        ]
        for vector in vectors {
            XCTAssertEqual(ScriptedSHT4x.temperatureCelsius(raw: vector.raw), vector.celsius, accuracy: 0.001)
            XCTAssertEqual(ScriptedSHT4x.unclampedRelativeHumidityPercent(raw: vector.raw), vector.unclamped,
                           accuracy: 0.001)
            XCTAssertEqual(ScriptedSHT4x.relativeHumidityPercent(raw: vector.raw), vector.percent, accuracy: 0.001)
        }
    }

    func testAReplyWithAWrongCRCIsAnErrorNeverAValue() {
        var bytes: [UInt8] = [101, 233, 234, 109, 229, 160]
        bytes[0] ^= 0x80
        XCTAssertThrowsError(try ScriptedSHT4x.reading(from: bytes)) { error in
            guard case .crcMismatch(what: "SHT4x temperature", _, received: 234)? = error as? SensorError else {
                return XCTFail("\(error)")
            }
        }
        var serial = capturedSerialReply
        serial[5] = 0x0F
        XCTAssertThrowsError(try ScriptedSHT4x.serialNumber(from: serial)) { error in
            XCTAssertEqual(error as? SensorError,
                           .crcMismatch(what: "SHT4x serial number (low word)", expected: 0x0E, received: 0x0F))
        }
    }
}

final class SHT4xScriptedTests: XCTestCase {
    func testInitReadsTheSerialResetsAndTheDefaultReadIsHighPrecision() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(sht4xAddress, [.write([0xFD])]),
            .wait(.microseconds(8_300)),
            .transfer(sht4xAddress, [.read(count: 6)], replies: [[101, 233, 234, 109, 229, 160]]),
        ])
        var sensor = try SHT4x(bus: bus, delay: bus)
        XCTAssertEqual(sensor.serialNumber, 0x0FBA_F98F)
        XCTAssertEqual(sensor.model, "sht4x")
        let reading = try sensor.read()
        XCTAssertEqual(reading.temperatureCelsius ?? .nan, 24.67, accuracy: 0.005)
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testEachPrecisionAndHeaterCommandWithItsWait() throws {
        // Command table and Table 5 maxima; a heater pulse is followed by a high-precision measurement (8.3 ms).
        let measurements: [(ScriptedSHT4x.Precision, UInt8, Duration)] = [
            (.high, 0xFD, .microseconds(8_300)), (.medium, 0xF6, .microseconds(4_500)),
            (.low, 0xE0, .microseconds(1_600)),
        ]
        let pulses: [(ScriptedSHT4x.HeaterPower, ScriptedSHT4x.HeaterDuration, UInt8, Duration)] = [
            (.high, .long, 0x39, .microseconds(1_108_300)), (.high, .short, 0x32, .microseconds(118_300)),
            (.medium, .long, 0x2F, .microseconds(1_108_300)), (.medium, .short, 0x24, .microseconds(118_300)),
            (.low, .long, 0x1E, .microseconds(1_108_300)), (.low, .short, 0x15, .microseconds(118_300)),
        ]
        var script = initExchange()
        for (_, command, wait) in measurements {
            script += [.transfer(sht4xAddress, [.write([command])]), .wait(wait),
                       .transfer(sht4xAddress, [.read(count: 6)], replies: [reply(0x8000, 0x8000)])]
        }
        for (_, _, command, wait) in pulses {
            script += [.transfer(sht4xAddress, [.write([command])]), .wait(wait),
                       .transfer(sht4xAddress, [.read(count: 6)], replies: [reply(0xFFFF, 0x0000)])]
        }
        let bus = ScriptedI2CBus(script)
        let sensor = try SHT4x(bus: bus, delay: bus)
        for (precision, _, _) in measurements {
            XCTAssertEqual(try sensor.measure(precision: precision).temperatureCelsius ?? .nan, 42.501,
                           accuracy: 0.001)
        }
        for (power, duration, _, _) in pulses {
            XCTAssertEqual(try sensor.heat(power: power, duration: duration),
                           Reading(temperatureCelsius: 130, relativeHumidityPercent: 0))
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testANotAcknowledgedReadIsRetriedAFewTimesThenTimesOut() throws {
        let notReady = ScriptedI2CBus.Expectation.failure(sht4xAddress, .noAcknowledge)
        let trigger: [ScriptedI2CBus.Expectation] = [
            .transfer(sht4xAddress, [.write([0xE0])]), .wait(.microseconds(1_600)),
        ]
        let bus = ScriptedI2CBus(initExchange() + trigger + [
            notReady, .wait(.milliseconds(2)),
            .transfer(sht4xAddress, [.read(count: 6)], replies: [reply(0x8000, 0x8000)]),
        ] + trigger + [notReady, .wait(.milliseconds(2)), notReady])
        var sensor = try SHT4x(bus: bus, delay: bus, configuration: .init(
            precision: .low, notReadyRetries: 1, notReadyRetryInterval: .milliseconds(2)))
        XCTAssertEqual(try sensor.read().relativeHumidityPercent ?? .nan, 56.501, accuracy: 0.001)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut? = error as? SensorError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testACorruptedMeasurementIsACRCMismatchAndATimeoutPropagates() throws {
        var corrupted = reply(0x8000, 0x8000)
        corrupted[4] ^= 0x01
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(sht4xAddress, [.write([0xFD])]),
            .wait(.microseconds(8_300)),
            .transfer(sht4xAddress, [.read(count: 6)], replies: [corrupted]),
            .failure(sht4xAddress, .timeout),
        ])
        var sensor = try SHT4x(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .crcMismatch(what: "SHT4x humidity", _, _)? = error as? SensorError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertThrowsError(try sensor.read()) { XCTAssertEqual(busErrorKind($0), .timeout) }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testASerialNumberThatNeverComesIsAnUnsupportedChipAndACorruptOneACRCMismatch() {
        // The serial read is polled 10 times 1 ms apart (covering the 10 ms Sensirion's driver waits).
        var silent: [ScriptedI2CBus.Expectation] = [
            .transfer(sht4xAddress, [.write([0x89])]), .wait(.milliseconds(1)),
        ]
        for _ in 0..<10 { silent += [.failure(sht4xAddress, .noAcknowledge), .wait(.milliseconds(1))] }
        silent.append(.failure(sht4xAddress, .noAcknowledge))
        let silentBus = ScriptedI2CBus(silent)
        XCTAssertThrowsError(try SHT4x(bus: silentBus, delay: silentBus)) { error in
            guard case .unsupportedChip(0, let detail)? = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("sht3x"), detail)
        }
        XCTAssertEqual(silentBus.unusedExpectations, [])
        XCTAssertEqual(silentBus.violations, [])

        var corrupted = capturedSerialReply
        corrupted[2] ^= 0xFF
        let corruptBus = ScriptedI2CBus(Array(initExchange(serialReply: corrupted).prefix(3)))
        XCTAssertThrowsError(try SHT4x(bus: corruptBus, delay: corruptBus)) { error in
            guard case .crcMismatch(what: "SHT4x serial number (high word)", _, _)? = error as? SensorError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(corruptBus.unusedExpectations, [])
        XCTAssertEqual(corruptBus.violations, [])
    }

    func testAnSMBusOnlyAdapterIsRefusedBeforeAnyTransfer() {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [])
        XCTAssertThrowsError(try SHT4x(bus: bus, delay: bus)) { XCTAssertEqual(busErrorKind($0), .unsupported) }
        XCTAssertEqual(bus.violations, [], "no transfer was attempted")
    }

    func testTheDatasheetFigures() {
        let sheet = ScriptedSHT4x.datasheet
        XCTAssertEqual(sheet.measurementTime, .microseconds(8_300))
        XCTAssertEqual(sheet.startupTime, .milliseconds(1))
        XCTAssertEqual(sheet.currents[.sleep], 0.08e-6)
        XCTAssertEqual(sheet.currents[.measuring], 320e-6)
        XCTAssertEqual(sheet.currents[.heating], 60e-3)
    }
}

final class SHT4xSimulatedTests: XCTestCase {
    private var clock: ManualClock!
    private var bus: SimulatedI2CBus!
    private var chip: SHT4xModel!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
        chip = SHT4xModel(clock: clock, serialNumber: 0x1234_ABCD, justPoweredUp: true)
        bus.attach(chip, at: sht4xAddress)
        clock.advance(by: .milliseconds(1))
    }

    func testRoundTripAtEveryPrecisionWithinTheResolution() throws {
        // Resolution: one raw step is 175/65535 ≈ 0.0027 °C and 125/65535 ≈ 0.0019 %RH (§4.6).
        let environments: [(Double, Double)] = [(-40, 5), (-7.25, 92.5), (0, 0), (21.3, 48.8), (85, 100),
                                                 (125, 1)]
        for precision in SHT4x<SimulatedI2CBus>.Precision.allCases {
            var sensor = try SHT4x(bus: bus, delay: clock, configuration: .init(precision: precision))
            XCTAssertEqual(sensor.serialNumber, 0x1234_ABCD)
            for (temperature, humidity) in environments {
                chip.environment = SimulatedEnvironment(temperatureCelsius: temperature,
                                                        relativeHumidityPercent: humidity)
                let before = clock.now
                let reading = try sensor.read()
                XCTAssertEqual(clock.now - before, precision.maximumMeasurementTime, "no retry was needed")
                XCTAssertEqual(reading.temperatureCelsius ?? .nan, temperature, accuracy: 0.0014, "\(precision)")
                XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, humidity, accuracy: 0.001, "\(precision)")
            }
        }
    }

    func testAReadBeforeTheMeasurementIsDoneIsNotAcknowledged() throws {
        try bus.write(sht4xAddress, [0xFD])
        clock.advance(by: .microseconds(8_200))
        XCTAssertThrowsError(try bus.read(sht4xAddress, count: 6)) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .noAcknowledge)
        }
        clock.advance(by: .microseconds(100))
        XCTAssertEqual(try bus.read(sht4xAddress, count: 6).count, 6)
        XCTAssertThrowsError(try bus.read(sht4xAddress, count: 6), "a result is read once")
        XCTAssertThrowsError(try bus.write(sht4xAddress, [0xF3, 0x2D]), "0xf3 is no SHT4x command")
        try bus.write(sht4xAddress, [0x94])
        XCTAssertThrowsError(try bus.write(sht4xAddress, [0xFD]), "busy for 1 ms after a soft reset")
    }

    func testAHeaterPulseTakesItsTimeAndReturnsAReading() throws {
        let sensor = try SHT4x(bus: bus, delay: clock)
        let before = clock.now
        let reading = try sensor.heat(power: .medium, duration: .short)
        XCTAssertEqual(clock.now - before, .microseconds(118_300))
        XCTAssertEqual(chip.heaterOnTime, .milliseconds(110))
        // The model does not heat up (see SHT4xModel), so the reading is the environment's.
        XCTAssertEqual(reading.temperatureCelsius ?? .nan, 22.5, accuracy: 0.003)
        _ = try sensor.heat(power: .high, duration: .long)
        XCTAssertEqual(chip.heaterOnTime, .milliseconds(1_210))
        XCTAssertEqual(try sensor.readSerialNumber(), 0x1234_ABCD)
    }

    func testEachInjectedFaultGivesItsErrorAndTheNextReadRecovers() throws {
        var sensor = try SHT4x(bus: bus, delay: clock)
        let faults: [(I2CFault, Int, (Error) -> Bool)] = [
            (.noAcknowledge, 1, { busErrorKind($0) == .noAcknowledge }),
            (.busError, 1, { busErrorKind($0) == .busError }),
            (.timeout, 1, { busErrorKind($0) == .timeout }),
            // The first transaction is the command write, which reads nothing; the second is the reply.
            (.corruptedBytes, 2, { if case .crcMismatch? = $0 as? SensorError { true } else { false } }),
        ]
        for (fault, times, expected) in faults {
            bus.inject(fault, at: sht4xAddress, times: times)
            XCTAssertThrowsError(try sensor.read(), "\(fault)") { XCTAssertTrue(expected($0), "\(fault): \($0)") }
            let reading = try sensor.read()
            XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, 45, accuracy: 0.002, "recovered after \(fault)")
        }
    }

    func testIdentificationRecognisesTheModelAndNothingElse() throws {
        let identification = try XCTUnwrap(SensorFamily.sht4x.identify(bus, sht4xAddress, clock))
        XCTAssertEqual(identification.model, "sht4x")
        XCTAssertTrue(identification.method.contains("0x1234abcd"), identification.method)
        XCTAssertNil(SensorFamily.sht4x.identify(bus, I2CAddress(0x45)!, clock), "nothing at 0x45")

        var image = [UInt8?](repeating: 0, count: 256)
        image[0xD0] = 0x60
        bus.attach(RegisterFileDevice(image: image), at: I2CAddress(0x46)!)
        XCTAssertNil(SensorFamily.sht4x.identify(bus, I2CAddress(0x46)!, clock), "a register chip")

        let driver = try SensorFamily.sht4x.open(bus, sht4xAddress, clock)
        XCTAssertEqual(driver.model, "sht4x")
        XCTAssertEqual(SensorFamily.sht4x.aliases, ["sht40", "sht41", "sht45"])
        XCTAssertEqual(SensorFamily.sht4x.addresses, [0x44, 0x45, 0x46])
        XCTAssertTrue(SensorFamily.sht4x.identifiesByCommand)
    }

    func testEachFamilyLeavesTheOtherChipAtTheSharedAddressUndisturbed() throws {
        // 0x44 is shared. SHT4x first: an SHT3x discards the lone byte 0x89 and does not acknowledge the read.
        // SHT3x second: an SHT4x refuses the byte 0xf3, which is none of its commands.
        let sht3xBus = SimulatedI2CBus(number: 2)
        let sht3xChip = SHT3xModel(clock: clock)
        sht3xBus.attach(sht3xChip, at: sht4xAddress)
        XCTAssertNil(SensorFamily.sht4x.identify(sht3xBus, sht4xAddress, clock))
        XCTAssertEqual(SensorFamily.sht3x.identify(sht3xBus, sht4xAddress, clock)?.model, "sht3x")
        XCTAssertThrowsError(try SHT4x(bus: sht3xBus, delay: clock)) { error in
            guard case .unsupportedChip? = error as? SensorError else { return XCTFail("\(error)") }
        }
        var sht3x = try SHT3x(bus: sht3xBus, delay: clock)
        XCTAssertEqual(try sht3x.read().temperatureCelsius ?? .nan, 22.5, accuracy: 0.003)

        XCTAssertNil(SensorFamily.sht3x.identify(bus, sht4xAddress, clock))
        XCTAssertEqual(SensorFamily.sht4x.identify(bus, sht4xAddress, clock)?.model, "sht4x")
        XCTAssertThrowsError(try SHT3x(bus: bus, delay: clock)) { XCTAssertEqual(busErrorKind($0), .noAcknowledge) }
        var sht4x = try SHT4x(bus: bus, delay: clock)
        XCTAssertEqual(try sht4x.read().temperatureCelsius ?? .nan, 22.5, accuracy: 0.003)
    }

    func testTheScenarioModelKindBuildsAnSHT4x() {
        let device = DeviceModelKind.sht4x.make(DeviceModelContext(clock: clock))
        XCTAssertEqual(device.modelName, "sht4x")
        XCTAssertTrue(device is SHT4xModel)
        XCTAssertEqual(DeviceModelKind.sht4x.name, "sht4x")
    }
}
