import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

private typealias ScriptedSHT3x = SHT3x<ScriptedI2CBus>
private typealias SimulatedSHT3x = SHT3x<SimulatedI2CBus>
private let sht3xAddress = I2CAddress(0x44)!

/// What an SHT3x sends for `words`: each word big-endian and its CRC, framed by the model's own CRC code.
private func reply(_ words: UInt16...) -> [UInt8] { SensirionCRC.framed(words) }

/// The kind of the hardware error inside a `SensorError.bus`, or nil for any other error.
private func busErrorKind(_ error: Error) -> HardwareError.Kind? {
    guard case .bus(let hardware)? = error as? SensorError else { return nil }
    return hardware.kind
}

/// The exchange `SHT3x.init` has with a chip reporting `status`: status read, break, soft reset (SHT3x-DIS §4.11,
/// §4.8, §4.9; 1 ms idle after a command, 1.5 ms soft reset, Table 4).
private func initExchange(status: UInt16 = 0x8010) -> [ScriptedI2CBus.Expectation] {
    [
        .transfer(sht3xAddress, [.write([0xF3, 0x2D])]),
        .wait(.milliseconds(1)),
        .transfer(sht3xAddress, [.read(count: 3)], replies: [reply(status)]),
        .transfer(sht3xAddress, [.write([0x30, 0x93])]),
        .wait(.milliseconds(1)),
        .transfer(sht3xAddress, [.write([0x30, 0xA2])]),
        .wait(.microseconds(1_500)),
    ]
}

final class SHT3xConversionTests: XCTestCase {
    func testSensirionCRCAgainstPublishedVectors() {
        let vectors: [(bytes: [UInt8], crc: UInt8, source: String)] = [
            ([0xBE, 0xEF], 0x92, "SHT3x-DIS datasheet §4.12, CRC properties table: CRC(0xBEEF) = 0x92"),
            ([0x00], 0xAC, "SHTC3 datasheet §5.10, as tested in Sensirion/sensirion-i2c-rs src/crc8.rs"),
            ([0x65, 0xE9], 0xEA, "SHT4x frame in elixir-sensors/sht4x test/sht4x/measurement_test.exs"),
            ([0x6D, 0xE5], 0xA0, "SHT4x frame in elixir-sensors/sht4x test/sht4x/measurement_test.exs"),
            ([0x0F, 0xBA], 0x7C, "SHT4x serial in elixir-sensors/sht4x test/sht4x/comm_test.exs"),
            ([0xF9, 0x8F], 0x0E, "SHT4x serial in elixir-sensors/sht4x test/sht4x/comm_test.exs"),
        ]
        for vector in vectors {
            XCTAssertEqual(crc8(vector.bytes), vector.crc, "driver CRC: \(vector.source)")
            XCTAssertEqual(SensirionCRC.checksum(vector.bytes), vector.crc, "model CRC: \(vector.source)")
        }
    }

    func testConversionFollowsTheDatasheetFormulas() {
        // SHT3x-DIS §4.13: T = -45 + 175·S/(2^16−1), RH = 100·S/(2^16−1). The raw words are chosen so that the
        // results are exact in decimal: 0x6666 = 0.4·65535, 0x9999 = 0.6·65535, 0xCCCC = 0.8·65535.
        let vectors: [(raw: UInt16, celsius: Double, percent: Double)] = [
            (0x0000, -45, 0),
            (0x3333, -10, 20),
            (0x6666, 25, 40),
            (0x9999, 60, 60),
            (0xCCCC, 95, 80),
            (0xFFFF, 130, 100),
        ]
        for vector in vectors {
            XCTAssertEqual(ScriptedSHT3x.temperatureCelsius(raw: vector.raw), vector.celsius, accuracy: 1e-9,
                           "temperature of 0x\(String(vector.raw, radix: 16))")
            XCTAssertEqual(ScriptedSHT3x.relativeHumidityPercent(raw: vector.raw), vector.percent, accuracy: 1e-9,
                           "humidity of 0x\(String(vector.raw, radix: 16))")
        }
    }

    func testAReplyWithAWrongCRCIsAnErrorNeverAValue() {
        var bytes = reply(0x6666, 0x6666)
        XCTAssertEqual(try ScriptedSHT3x.reading(from: bytes),
                       Reading(temperatureCelsius: 25, relativeHumidityPercent: 40))
        bytes[5] ^= 0x40
        XCTAssertThrowsError(try ScriptedSHT3x.reading(from: bytes)) { error in
            XCTAssertEqual(error as? SensorError,
                           .crcMismatch(what: "SHT3x humidity", expected: bytes[5] ^ 0x40, received: bytes[5]))
        }
        XCTAssertThrowsError(try ScriptedSHT3x.reading(from: Array(bytes.prefix(3)))) { error in
            guard case .implausibleData? = error as? SensorError else { return XCTFail("\(error)") }
        }
    }
}

final class SHT3xScriptedTests: XCTestCase {
    func testInitIdentifiesResetsAndTheDefaultReadIsAHighRepeatabilitySingleShot() throws {
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(sht3xAddress, [.write([0x24, 0x00])]),
            .wait(.microseconds(15_500)),
            .transfer(sht3xAddress, [.read(count: 6)], replies: [reply(0x6666, 0xCCCC)]),
        ])
        var sensor = try SHT3x(bus: bus, delay: bus)
        XCTAssertEqual(sensor.statusAtIdentification.rawValue, 0x8010)
        XCTAssertTrue(sensor.statusAtIdentification.alertPending)
        XCTAssertTrue(sensor.statusAtIdentification.resetDetected)
        XCTAssertEqual(sensor.model, "sht3x")
        XCTAssertEqual(try sensor.read(), Reading(temperatureCelsius: 25, relativeHumidityPercent: 80))
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testEachSingleShotCommandAndItsWait() throws {
        // Table 9 commands; without clock stretching the Table 4 maximum, with it the 1 ms after a command.
        let cases: [(ScriptedSHT3x.Repeatability, Bool, [UInt8], Duration)] = [
            (.high, false, [0x24, 0x00], .microseconds(15_500)),
            (.medium, false, [0x24, 0x0B], .microseconds(6_500)),
            (.low, false, [0x24, 0x16], .microseconds(4_500)),
            (.high, true, [0x2C, 0x06], .milliseconds(1)),
            (.medium, true, [0x2C, 0x0D], .milliseconds(1)),
            (.low, true, [0x2C, 0x10], .milliseconds(1)),
        ]
        for (repeatability, stretching, command, wait) in cases {
            let bus = ScriptedI2CBus(initExchange() + [
                .transfer(sht3xAddress, [.write(command)]),
                .wait(wait),
                .transfer(sht3xAddress, [.read(count: 6)], replies: [reply(0x0000, 0xFFFF)]),
            ])
            let sensor = try SHT3x(bus: bus, delay: bus)
            XCTAssertEqual(try sensor.measureSingleShot(repeatability: repeatability, clockStretching: stretching),
                           Reading(temperatureCelsius: -45, relativeHumidityPercent: 100))
            XCTAssertEqual(bus.unusedExpectations, [], "\(repeatability) stretching \(stretching)")
            XCTAssertEqual(bus.violations, [], "\(repeatability) stretching \(stretching)")
        }
    }

    func testANotAcknowledgedReadIsRetriedAFewTimesThenTimesOut() throws {
        let configuration = ScriptedSHT3x.Configuration(repeatability: .low, notReadyRetries: 2)
        let trigger: [ScriptedI2CBus.Expectation] = [
            .transfer(sht3xAddress, [.write([0x24, 0x16])]),
            .wait(.microseconds(4_500)),
        ]
        let notReady = ScriptedI2CBus.Expectation.failure(sht3xAddress, .noAcknowledge)
        let bus = ScriptedI2CBus(initExchange() + trigger + [
            notReady, .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.read(count: 6)], replies: [reply(0x6666, 0x6666)]),
        ] + trigger + [
            notReady, .wait(.milliseconds(1)), notReady, .wait(.milliseconds(1)), notReady,
        ])
        var sensor = try SHT3x(bus: bus, delay: bus, configuration: configuration)
        XCTAssertEqual(try sensor.read(), Reading(temperatureCelsius: 25, relativeHumidityPercent: 40))
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut? = error as? SensorError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testACorruptedMeasurementIsACRCMismatchAndABusErrorPropagates() throws {
        var corrupted = reply(0x6666, 0x6666)
        corrupted[2] ^= 0x01
        let bus = ScriptedI2CBus(initExchange() + [
            .transfer(sht3xAddress, [.write([0x24, 0x00])]),
            .wait(.microseconds(15_500)),
            .transfer(sht3xAddress, [.read(count: 6)], replies: [corrupted]),
            .failure(sht3xAddress, .busError),
        ])
        var sensor = try SHT3x(bus: bus, delay: bus)
        XCTAssertThrowsError(try sensor.read()) { error in
            XCTAssertEqual(error as? SensorError,
                           .crcMismatch(what: "SHT3x temperature", expected: corrupted[2] ^ 0x01,
                                        received: corrupted[2]))
        }
        XCTAssertThrowsError(try sensor.read()) { XCTAssertEqual(busErrorKind($0), .busError) }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testAStatusWithReservedBitsOrNoStatusAtAllIsAnUnsupportedChip() {
        let reserved = ScriptedI2CBus([
            .transfer(sht3xAddress, [.write([0xF3, 0x2D])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.read(count: 3)], replies: [reply(0x4010)]),
        ])
        XCTAssertThrowsError(try SHT3x(bus: reserved, delay: reserved)) { error in
            guard case .unsupportedChip(let id, let detail)? = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(id, 0x4010)
            XCTAssertTrue(detail.contains("0x4010"), detail)
        }
        XCTAssertEqual(reserved.unusedExpectations, [])
        XCTAssertEqual(reserved.violations, [])

        let silent = ScriptedI2CBus([
            .transfer(sht3xAddress, [.write([0xF3, 0x2D])]),
            .wait(.milliseconds(1)),
            .failure(sht3xAddress, .noAcknowledge),
        ])
        XCTAssertThrowsError(try SHT3x(bus: silent, delay: silent,
                                       configuration: .init(notReadyRetries: 0))) { error in
            guard case .unsupportedChip(0, let detail)? = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("sht4x"), detail)
        }
        XCTAssertEqual(silent.unusedExpectations, [])
        XCTAssertEqual(silent.violations, [])
    }

    func testACorruptedStatusIsACRCMismatch() {
        var status = reply(0x8010)
        status[1] ^= 0x01
        let bus = ScriptedI2CBus([
            .transfer(sht3xAddress, [.write([0xF3, 0x2D])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.read(count: 3)], replies: [status]),
        ])
        XCTAssertThrowsError(try SHT3x(bus: bus, delay: bus)) { error in
            guard case .crcMismatch(what: "SHT3x status", _, _)? = error as? SensorError else {
                return XCTFail("\(error)")
            }
        }
        XCTAssertEqual(bus.violations, [])
    }

    func testAnSMBusOnlyAdapterIsRefusedBeforeAnyTransfer() {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [])
        XCTAssertThrowsError(try SHT3x(bus: bus, delay: bus)) { XCTAssertEqual(busErrorKind($0), .unsupported) }
        XCTAssertEqual(bus.violations, [], "no transfer was attempted")
    }

    func testHeaterPeriodicModeFetchStatusAndBreak() throws {
        let configuration = ScriptedSHT3x.Configuration(repeatability: .medium, mode: .periodic(.onePerSecond),
                                                        heater: true)
        let bus = ScriptedI2CBus(initExchange() + [
            // Heater on (Table 16), then periodic 1 mps medium repeatability (Table 10).
            .transfer(sht3xAddress, [.write([0x30, 0x6D])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.write([0x21, 0x26])]),
            // read(): fetch (Table 11); no data yet, so ask again a quarter period later.
            .transfer(sht3xAddress, [.write([0xE0, 0x00])]),
            .failure(sht3xAddress, .noAcknowledge),
            .wait(.milliseconds(250)),
            .transfer(sht3xAddress, [.write([0xE0, 0x00])]),
            .transfer(sht3xAddress, [.read(count: 6)], replies: [reply(0x9999, 0x3333)]),
            // readStatus() pauses periodic mode: break, status, restart.
            .transfer(sht3xAddress, [.write([0x30, 0x93])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.write([0xF3, 0x2D])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.read(count: 3)], replies: [reply(0x2000)]),
            .transfer(sht3xAddress, [.write([0x21, 0x26])]),
            // stopPeriodic(): break (Table 13).
            .transfer(sht3xAddress, [.write([0x30, 0x93])]),
            .wait(.milliseconds(1)),
            // clearStatus() (Table 19), setHeater(false) (Table 16).
            .transfer(sht3xAddress, [.write([0x30, 0x41])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.write([0x30, 0x66])]),
            .wait(.milliseconds(1)),
            // startAcceleratedResponseTime() (Table 12), then softReset(): break, reset, ART again.
            .transfer(sht3xAddress, [.write([0x2B, 0x32])]),
            .transfer(sht3xAddress, [.write([0x30, 0x93])]),
            .wait(.milliseconds(1)),
            .transfer(sht3xAddress, [.write([0x30, 0xA2])]),
            .wait(.microseconds(1_500)),
            .transfer(sht3xAddress, [.write([0x2B, 0x32])]),
        ])
        var sensor = try SHT3x(bus: bus, delay: bus, configuration: configuration)
        XCTAssertEqual(sensor.datasheet.currents[.sleep], 45e-6, "periodic idle current (Table 3)")
        XCTAssertEqual(sensor.datasheet.measurementTime, .microseconds(6_500))
        XCTAssertEqual(try sensor.read(), Reading(temperatureCelsius: 60, relativeHumidityPercent: 20))
        XCTAssertTrue(try sensor.readStatus().heaterOn)
        XCTAssertThrowsError(try sensor.measureSingleShot(repeatability: .high, clockStretching: false)) { error in
            guard case .invalidConfiguration? = error as? SensorError else { return XCTFail("\(error)") }
        }
        try sensor.stopPeriodic()
        XCTAssertThrowsError(try sensor.fetch()) { error in
            guard case .invalidConfiguration? = error as? SensorError else { return XCTFail("\(error)") }
        }
        try sensor.clearStatus()
        try sensor.setHeater(false)
        try sensor.startAcceleratedResponseTime()
        try sensor.softReset()
        XCTAssertEqual(sensor.configuration.mode, .acceleratedResponseTime)
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testEveryPeriodicCommandOfTable10() throws {
        let table: [(ScriptedSHT3x.PeriodicRate, [UInt16])] = [
            (.halfPerSecond, [0x2032, 0x2024, 0x202F]),
            (.onePerSecond, [0x2130, 0x2126, 0x212D]),
            (.twoPerSecond, [0x2236, 0x2220, 0x222B]),
            (.fourPerSecond, [0x2334, 0x2322, 0x2329]),
            (.tenPerSecond, [0x2737, 0x2721, 0x272A]),
        ]
        for (rate, codes) in table {
            for (repeatability, code) in zip([ScriptedSHT3x.Repeatability.high, .medium, .low], codes) {
                let bus = ScriptedI2CBus(initExchange() + [
                    .transfer(sht3xAddress, [.write([UInt8(code >> 8), UInt8(code & 0xFF)])]),
                ])
                _ = try SHT3x(bus: bus, delay: bus,
                              configuration: .init(repeatability: repeatability, mode: .periodic(rate)))
                XCTAssertEqual(bus.unusedExpectations, [], "\(rate) \(repeatability)")
                XCTAssertEqual(bus.violations, [], "\(rate) \(repeatability)")
            }
        }
    }

    func testTheDatasheetFigures() {
        let sheet = ScriptedSHT3x.datasheet
        XCTAssertEqual(sheet.measurementTime, .microseconds(15_500))
        XCTAssertEqual(sheet.startupTime, .microseconds(1_500))
        XCTAssertEqual(sheet.currents[.sleep], 0.2e-6)
        XCTAssertEqual(sheet.currents[.measuring], 600e-6)
        XCTAssertNil(sheet.currents[.heating], "the heater is specified in mW, not as a current")
    }
}

final class SHT3xSimulatedTests: XCTestCase {
    private var clock: ManualClock!
    private var bus: SimulatedI2CBus!
    private var chip: SHT3xModel!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
        chip = SHT3xModel(clock: clock, justPoweredUp: true)
        bus.attach(chip, at: sht3xAddress)
        clock.advance(by: .microseconds(1_500))
    }

    func testRoundTripInEveryModeWithinTheResolution() throws {
        // Resolution: one raw step is 175/65535 ≈ 0.0027 °C and 100/65535 ≈ 0.0015 %RH (§4.13).
        let environments: [(Double, Double)] = [(-40, 10), (-12.3, 85.5), (0, 0), (22.5, 45), (60.25, 100),
                                                 (125, 3.3)]
        let modes: [SimulatedSHT3x.Mode] = [.singleShot, .singleShotWithClockStretching, .periodic(.tenPerSecond),
                                            .acceleratedResponseTime]
        for mode in modes {
            var sensor = try SHT3x(bus: bus, delay: clock, configuration: .init(repeatability: .low, mode: mode))
            for (temperature, humidity) in environments {
                chip.environment = SimulatedEnvironment(temperatureCelsius: temperature,
                                                        relativeHumidityPercent: humidity)
                if mode.period != nil { clock.advance(by: .milliseconds(300)) }
                let reading = try sensor.read()
                XCTAssertEqual(reading.temperatureCelsius ?? .nan, temperature, accuracy: 0.0014, "\(mode)")
                XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, humidity, accuracy: 0.0008, "\(mode)")
            }
            try sensor.stopPeriodic()
        }
    }

    func testASingleShotTakesTheMaximumMeasurementTimeOnTheClock() throws {
        var sensor = try SHT3x(bus: bus, delay: clock)
        let before = clock.now
        _ = try sensor.read()
        XCTAssertEqual(clock.now - before, .microseconds(15_500))
        var stretching = sensor.configuration
        stretching.mode = .singleShotWithClockStretching
        try sensor.reconfigure(stretching)
        let stretchedFrom = clock.now
        _ = try sensor.read()
        XCTAssertEqual(clock.now - stretchedFrom, .microseconds(15_500), "1 ms wait, then the chip holds SCL")
    }

    func testTheHeaterShowsInTheChipsStatus() throws {
        var sensor = try SHT3x(bus: bus, delay: clock, configuration: .init(heater: true))
        XCTAssertTrue(chip.isHeating)
        XCTAssertTrue(try sensor.readStatus().heaterOn)
        try sensor.startPeriodic(rate: .fourPerSecond)
        XCTAssertTrue(chip.isPeriodic)
        try sensor.setHeater(false)
        XCTAssertFalse(chip.isHeating)
        XCTAssertTrue(chip.isPeriodic, "periodic mode resumes after the heater command")
        try sensor.clearStatus()
        XCTAssertFalse(try sensor.readStatus().resetDetected)
        try sensor.softReset()
        XCTAssertTrue(try sensor.readStatus().resetDetected)
        XCTAssertTrue(chip.isPeriodic)
    }

    func testEachInjectedFaultGivesItsErrorAndTheNextReadRecovers() throws {
        var sensor = try SHT3x(bus: bus, delay: clock)
        let faults: [(I2CFault, Int, (Error) -> Bool)] = [
            (.noAcknowledge, 1, { busErrorKind($0) == .noAcknowledge }),
            (.busError, 1, { busErrorKind($0) == .busError }),
            (.timeout, 1, { busErrorKind($0) == .timeout }),
            // The first transaction is the command write, which reads nothing; the second is the reply.
            (.corruptedBytes, 2, { if case .crcMismatch? = $0 as? SensorError { true } else { false } }),
        ]
        for (fault, times, expected) in faults {
            bus.inject(fault, at: sht3xAddress, times: times)
            XCTAssertThrowsError(try sensor.read(), "\(fault)") { XCTAssertTrue(expected($0), "\(fault): \($0)") }
            let reading = try sensor.read()
            XCTAssertEqual(reading.temperatureCelsius ?? .nan, 22.5, accuracy: 0.003, "recovered after \(fault)")
        }
    }

    func testAnSMBusOnlyBusCannotOpenIt() {
        let smbus = SimulatedI2CBus(number: 2, capabilities: .smbusOnly)
        smbus.attach(SHT3xModel(clock: clock), at: sht3xAddress)
        XCTAssertThrowsError(try SHT3x(bus: smbus, delay: clock)) { XCTAssertEqual(busErrorKind($0), .unsupported) }
        XCTAssertNil(SensorFamily.sht3x.identify(smbus, sht3xAddress, clock))
    }

    func testIdentificationRecognisesTheModelAndNothingElse() throws {
        let identification = try XCTUnwrap(SensorFamily.sht3x.identify(bus, sht3xAddress, clock))
        XCTAssertEqual(identification.model, "sht3x")
        XCTAssertTrue(identification.method.contains("0x8010"), identification.method)
        XCTAssertTrue(identification.method.contains("0xf32d"), identification.method)
        XCTAssertNil(SensorFamily.sht3x.identify(bus, I2CAddress(0x45)!, clock), "nothing at 0x45")

        // A register chip (a BME280's id 0x60 at 0xd0) answers the status read with register bytes, not a word
        // with a matching CRC.
        var image = [UInt8?](repeating: 0, count: 256)
        image[0xD0] = 0x60
        bus.attach(RegisterFileDevice(image: image), at: I2CAddress(0x45)!)
        XCTAssertNil(SensorFamily.sht3x.identify(bus, I2CAddress(0x45)!, clock))

        let driver = try SensorFamily.sht3x.open(bus, sht3xAddress, clock)
        XCTAssertEqual(driver.model, "sht3x")
        XCTAssertEqual(SensorFamily.sht3x.aliases, ["sht30", "sht31", "sht35"])
        XCTAssertEqual(SensorFamily.sht3x.addresses, [0x44, 0x45])
        XCTAssertTrue(SensorFamily.sht3x.identifiesByCommand)
    }

    func testTheScenarioModelKindBuildsAnSHT3x() {
        let device = DeviceModelKind.sht3x.make(DeviceModelContext(clock: clock))
        XCTAssertEqual(device.modelName, "sht3x")
        XCTAssertTrue(device is SHT3xModel)
        XCTAssertEqual(DeviceModelKind.sht3x.name, "sht3x")
    }
}
