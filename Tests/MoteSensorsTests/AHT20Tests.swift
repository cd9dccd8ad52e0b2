import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

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

/// A measurement frame captured from a real AHT20: elixir-sensors/aht20, lib/aht20/calc.ex (doctests).
private let elixirFrame: [UInt8] = [0x1C, 0x26, 0x9A, 0x76, 0x42, 0xE7, 0x76]
/// A measurement frame captured from a real AHT20: anglerud/aht20-driver, src/lib.rs (crate example).
private let anglerudFrame: [UInt8] = [0x1C, 0x65, 0xB4, 0x25, 0xCD, 0x26, 0xC6]

final class AHT20ConversionTests: XCTestCase {
    func testChecksumMatchesFramesFromRealSensors() {
        // CRC-8, polynomial 0x31, initial 0xFF over status + 5 data bytes (datasheet §5.4 step 4); both frames
        // were read from real sensors by the cited reference implementations.
        for frame in [elixirFrame, anglerudFrame] {
            XCTAssertEqual(AHT20Chip.checksum(frame[0...5]), frame[6], "\(frame)")
        }
        XCTAssertNotEqual(AHT20Chip.checksum(elixirFrame[0...5]), AHT20Chip.checksum(anglerudFrame[0...5]))
    }

    func testFieldsAndConversionsMatchTheReferenceVectors() {
        // elixir-sensors/aht20 lib/aht20/calc.ex: humidity field 158119 -> 15.079402923583984 %RH,
        // temperature field 410343 -> 28.26671600341797 °C.
        let fields = AHT20Chip.rawFields(data: Array(elixirFrame[1...5]))
        XCTAssertEqual(fields?.humidity, 158_119)
        XCTAssertEqual(fields?.temperature, 410_343)
        XCTAssertEqual(AHT20Chip.relativeHumidity(raw: 158_119), 15.079402923583984, accuracy: 1e-9)
        XCTAssertEqual(AHT20Chip.temperatureCelsius(raw: 410_343), 28.26671600341797, accuracy: 1e-9)
        // anglerud/aht20-driver src/lib.rs: 0x65 0xB4 0x2_ is humidity, 0x_5 0xCD 0x26 temperature.
        let other = AHT20Chip.rawFields(data: Array(anglerudFrame[1...5]))
        XCTAssertEqual(other?.humidity, 0x65B42)
        XCTAssertEqual(other?.temperature, 0x5CD26)
        XCTAssertNil(AHT20Chip.rawFields(data: [1, 2, 3]))
    }

    func testFormulaEndpoints() {
        // Datasheet §6.1 RH = S / 2^20 * 100; §6.2 T = S / 2^20 * 200 - 50.
        let table: [(UInt32, Double, Double)] = [
            (0, 0, -50), (0x80000, 50, 50), (0xFFFFF, 100 * 1_048_575 / 1_048_576, 200 * 1_048_575 / 1_048_576 - 50),
        ]
        for (raw, humidity, temperature) in table {
            XCTAssertEqual(AHT20Chip.relativeHumidity(raw: raw), humidity, accuracy: 1e-12)
            XCTAssertEqual(AHT20Chip.temperatureCelsius(raw: raw), temperature, accuracy: 1e-12)
        }
        XCTAssertTrue(AHT20Chip.Status(rawValue: 0x98).isBusy)
        XCTAssertTrue(AHT20Chip.Status(rawValue: 0x98).isCalibrated)
        XCTAssertFalse(AHT20Chip.Status(rawValue: 0x10).isCalibrated)
    }
}

final class AHT20ScriptedTests: XCTestCase {
    let address = I2CAddress(0x38)!

    let open: [ScriptedI2CBus.Expectation] = [
        .wait(.milliseconds(40)),
        .transfer(I2CAddress(0x38)!, [.read(count: 1)], replies: [[0x18]]),
    ]

    func measurement(status: UInt8 = 0x18, frame: [UInt8]) -> [ScriptedI2CBus.Expectation] {
        [
            .transfer(address, [.write([0xAC, 0x33, 0x00])]),
            .wait(.milliseconds(80)),
            .transfer(address, [.read(count: 1)], replies: [[status]]),
            .transfer(address, [.read(count: 7)], replies: [frame]),
        ]
    }

    func testOpensTriggersWaitsPollsAndConverts() throws {
        let bus = ScriptedI2CBus(open + measurement(frame: elixirFrame))
        var sensor = try AHT20(bus: bus, delay: bus)
        XCTAssertEqual(sensor.model, "aht20")
        XCTAssertEqual(sensor.datasheet.measurementTime, .milliseconds(80))
        let reading = try sensor.read()
        XCTAssertEqual(reading.relativeHumidityPercent ?? 0, 15.079402923583984, accuracy: 1e-9)
        XCTAssertEqual(reading.temperatureCelsius ?? 0, 28.26671600341797, accuracy: 1e-9)
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testUncalibratedChipIsInitialisedAndOneThatStaysSoIsRefused() throws {
        let bus = ScriptedI2CBus([
            .wait(.milliseconds(40)),
            .transfer(address, [.read(count: 1)], replies: [[0x10]]),
            .transfer(address, [.write([0xBE, 0x08, 0x00])]),
            .wait(.milliseconds(10)),
            .transfer(address, [.read(count: 1)], replies: [[0x18]]),
        ])
        XCTAssertNoThrow(try AHT20(bus: bus, delay: bus))
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])

        let stuck = ScriptedI2CBus([
            .wait(.milliseconds(40)),
            .transfer(address, [.read(count: 1)], replies: [[0x10]]),
            .transfer(address, [.write([0xBE, 0x08, 0x00])]),
            .wait(.milliseconds(10)),
            .transfer(address, [.read(count: 1)], replies: [[0x10]]),
        ])
        assertThrows({ if case .notCalibrated = $0 { true } else { false } }) {
            _ = try AHT20(bus: stuck, delay: stuck)
        }
        XCTAssertEqual(stuck.unusedExpectations, [])
    }

    func testBusyIsPolledBoundedThenTimesOut() throws {
        var script = open + [
            .transfer(address, [.write([0xAC, 0x33, 0x00])]),
            .wait(.milliseconds(80)),
            .transfer(address, [.read(count: 1)], replies: [[0x98]]),
            .wait(.milliseconds(10)),
            .transfer(address, [.read(count: 1)], replies: [[0x18]]),
            .transfer(address, [.read(count: 7)], replies: [anglerudFrame]),
            .transfer(address, [.write([0xAC, 0x33, 0x00])]),
            .wait(.milliseconds(80)),
        ]
        for poll in 0...5 {
            script.append(.transfer(address, [.read(count: 1)], replies: [[0x98]]))
            if poll < 5 { script.append(.wait(.milliseconds(10))) }
        }
        let bus = ScriptedI2CBus(script)
        var sensor = try AHT20(bus: bus, delay: bus)
        let reading = try sensor.read()
        XCTAssertEqual(reading.relativeHumidityPercent ?? 0, Double(0x65B42) / 1_048_576 * 100, accuracy: 1e-9)
        assertThrows({ if case .timedOut = $0 { true } else { false } }) { _ = try sensor.read() }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testCorruptFrameBusyFrameAndBusErrorsAreTypedErrors() throws {
        var corrupt = elixirFrame
        corrupt[3] ^= 0x10
        var busy = [UInt8](elixirFrame[0...5])
        busy[0] |= 0x80
        busy.append(AHT20Chip.checksum(busy))
        let bus = ScriptedI2CBus(open + measurement(frame: corrupt) + measurement(frame: busy) + [
            .failure(address, .busError),
        ])
        var sensor = try AHT20(bus: bus, delay: bus)
        let expected = AHT20Chip.checksum(corrupt[0...5])
        assertThrows({ $0 == .crcMismatch(what: "AHT20 measurement", expected: expected, received: 0x76) }) {
            _ = try sensor.read()
        }
        assertThrows({ if case .implausibleData = $0 { true } else { false } }) { _ = try sensor.read() }
        assertThrows({ if case .bus(let error) = $0 { error.kind == .busError } else { false } }) {
            _ = try sensor.read()
        }
        XCTAssertEqual(bus.unusedExpectations, [])
        XCTAssertEqual(bus.violations, [])
    }

    func testOpeningOptionsAndRefusals() throws {
        let reset = ScriptedI2CBus([
            .transfer(address, [.write([0xBA])]),
            .wait(.milliseconds(20)),
            .transfer(address, [.read(count: 1)], replies: [[0x18]]),
        ])
        XCTAssertNoThrow(try AHT20(bus: reset, delay: reset,
                                   configuration: .init(waitsForPowerOn: false, softResetsOnOpen: true)))
        XCTAssertEqual(reset.unusedExpectations, [])
        XCTAssertEqual(reset.violations, [])

        let floating = ScriptedI2CBus([
            .wait(.milliseconds(40)), .transfer(address, [.read(count: 1)], replies: [[0xFF]]),
        ])
        assertThrows({ if case .unsupportedChip(0xFF, _) = $0 { true } else { false } }) {
            _ = try AHT20(bus: floating, delay: floating)
        }
        XCTAssertEqual(floating.unusedExpectations, [])
        let smbus = ScriptedI2CBus(capabilities: .smbusOnly, [])
        assertThrows({ if case .bus(let error) = $0 { error.kind == .unsupported } else { false } }) {
            _ = try AHT20(bus: smbus, delay: smbus)
        }
        XCTAssertEqual(smbus.violations, [])
    }
}

final class AHT20ModelTests: XCTestCase {
    let address = I2CAddress(0x38)!

    func testEnvironmentsRoundTripWithinTheResolution() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        let model = AHT20Model(clock: clock, justPoweredUp: true, calibrated: false)
        bus.attach(model, at: address)
        var sensor = try AHT20(bus: bus, delay: clock)
        XCTAssertTrue(model.isCalibrated, "the driver sent the initialise command")
        // 20-bit fields: 100 / 2^20 %RH and 200 / 2^20 °C per step.
        for (temperature, humidity) in [(-40.0, 0.0), (-5.25, 20.0), (0, 55.5), (22.5, 45), (41.7, 90), (85, 100)] {
            model.environment = SimulatedEnvironment(temperatureCelsius: temperature, relativeHumidityPercent: humidity)
            let before = clock.now
            let reading = try sensor.read()
            XCTAssertEqual(clock.now - before, .milliseconds(80), "ready exactly when the datasheet wait ends")
            XCTAssertEqual(reading.temperatureCelsius ?? .nan, temperature, accuracy: 200.0 / 1_048_576)
            XCTAssertEqual(reading.relativeHumidityPercent ?? .nan, humidity, accuracy: 100.0 / 1_048_576)
        }
    }

    func testBusyBitStaleDataAndSoftReset() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        let model = AHT20Model(clock: clock, environment: SimulatedEnvironment(temperatureCelsius: 10,
                                                                                relativeHumidityPercent: 30))
        bus.attach(model, at: address)
        try bus.write(address, [0xAC, 0x33, 0x00])
        clock.advance(by: .microseconds(79_999))
        let during = try bus.read(address, count: 7)
        XCTAssertEqual(during[0] & 0x80, 0x80, "busy for 80 ms")
        XCTAssertEqual(Array(during[1...5]), [0, 0, 0, 0, 0], "stale data while busy")
        XCTAssertEqual(AHT20Chip.checksum(during[0...5]), during[6])
        clock.advance(by: .microseconds(1))
        let after = try bus.read(address, count: 7)
        XCTAssertEqual(after[0], 0x08)
        XCTAssertEqual(AHT20Chip.checksum(after[0...5]), after[6])
        XCTAssertThrowsError(try bus.write(address, [0xAC, 0x00, 0x00]), "undocumented parameters")
        try bus.write(address, [0xBA])
        XCTAssertThrowsError(try bus.read(address, count: 1), "nothing acknowledged during the 20 ms reset")
        clock.advance(by: .milliseconds(20))
        XCTAssertEqual(try bus.read(address, count: 1), [0x08], "calibration survives a soft reset")
    }

    func testInjectedFaultsGiveTypedErrorsAndTheNextReadRecovers() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(AHT20Model(clock: clock), at: address)
        var sensor = try AHT20(bus: bus, delay: clock)
        let faults: [(I2CFault, Int, (SensorError) -> Bool)] = [
            (.noAcknowledge, 1, { if case .bus(let e) = $0 { e.kind == .noAcknowledge } else { false } }),
            (.busError, 1, { if case .bus(let e) = $0 { e.kind == .busError } else { false } }),
            (.timeout, 1, { if case .bus(let e) = $0 { e.kind == .timeout } else { false } }),
            // Trigger, status poll, then the corrupted frame.
            (.corruptedBytes, 3, { if case .crcMismatch = $0 { true } else { false } }),
        ]
        for (fault, times, expected) in faults {
            bus.inject(fault, at: address, times: times)
            assertThrows(expected, "\(fault)") { _ = try sensor.read() }
            XCTAssertNoThrow(try sensor.read(), "recovers after \(fault)")
        }
    }
}

final class AHT20IdentificationTests: XCTestCase {
    let address = I2CAddress(0x38)!

    func testRecognisesTheModelReadOnlyAndNothingElse() throws {
        let clock = ManualClock()
        let bus = SimulatedI2CBus(number: 1)
        bus.attach(AHT20Model(clock: clock), at: address)
        XCTAssertEqual(SensorFamily.aht20.identify(bus, address, clock)?.model, "aht20")
        XCTAssertEqual(try SensorFamily.aht20.open(bus, address, clock).model, "aht20")

        XCTAssertNil(SensorFamily.aht20.identify(SimulatedI2CBus(number: 2), address, clock), "empty address")

        // A PCF8574A-like expander reads its port byte again and again; a register chip reads its registers.
        for image in [[UInt8?](repeating: 0xFF, count: 256), (0..<256).map { UInt8($0) } as [UInt8?]] {
            let device = RegisterFileDevice(image: image)
            let other = SimulatedI2CBus(number: 3)
            other.attach(device, at: address)
            XCTAssertNil(SensorFamily.aht20.identify(other, address, clock))
            XCTAssertEqual(device.registers.compactMap { $0 }, image.compactMap { $0 }, "nothing written")
        }
    }
}
