import MoteHAL
import MoteSensors
import MoteSimulation
import XCTest

final class LPS22ConversionTests: XCTestCase {
    func testOutputConversionsAgainstPublishedNumbers() throws {
        // (bytes XL, L, H, TEMP_L, TEMP_H; hPa; °C; source)
        let vectors: [([UInt8], Double, Double, String)] = [
            // ST AN4450 §4.3 (LPS25H, the same 4096 LSB/hPa scale as LPS22HB/HH datasheet Table 3):
            // PRESS_OUT 0x3FF58D = 4191629 → 1023.347 hPa. Temperature 0x09C4 = 2500 LSB → 25.00 °C (100 LSB/°C).
            ([0x8D, 0xF5, 0x3F, 0xC4, 0x09], 1023.347, 25.00, "AN4450 worked example"),
            // Table 3 sensitivities, as ST's lps22hb_reg.c / lps22hh_reg.c apply them (lsb / 4096.0f, lsb / 100.0f):
            // 0x400000 = 4194304 LSB is exactly 1024 hPa; TEMP 0xFC18 = −1000 LSB is −10.00 °C (two's complement).
            ([0x00, 0x00, 0x40, 0x18, 0xFC], 1024.0, -10.00, "two's-complement temperature"),
            // 260 hPa (bottom of the range) = 1064960 = 0x104000; −40.00 °C = −4000 = 0xF060.
            ([0x00, 0x40, 0x10, 0x60, 0xF0], 260.0, -40.00, "range bottom"),
            // 1260 hPa (top) = 5160960 = 0x4EC000; 85.00 °C = 8500 = 0x2134.
            ([0x00, 0xC0, 0x4E, 0x34, 0x21], 1260.0, 85.00, "range top"),
        ]
        for (bytes, hectopascals, celsius, source) in vectors {
            let reading = try LPS22Conversion.reading(data: bytes)
            XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), hectopascals * 100, accuracy: 0.05, source)
            XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), celsius, accuracy: 1e-9, source)
        }
        XCTAssertEqual(LPS22Conversion.rawValues([0x8D, 0xF5, 0x3F, 0xC4, 0x09])?.pressure, 4_191_629)
        XCTAssertEqual(LPS22Conversion.rawValues([0x00, 0x00, 0x80, 0x00, 0x80])?.pressure, -8_388_608)
        XCTAssertEqual(LPS22Conversion.rawValues([0x00, 0x00, 0x80, 0x00, 0x80])?.temperature, -32_768)
    }

    func testImpossibleOutputsAreRejected() {
        XCTAssertThrowsError(try LPS22Conversion.reading(data: [0, 0, 0, 0, 0]), "zero absolute pressure")
        XCTAssertThrowsError(try LPS22Conversion.reading(data: [0, 0, 0x80, 0, 0]), "negative absolute pressure")
        XCTAssertThrowsError(try LPS22Conversion.reading(data: [1, 2, 3, 4]), "short burst") {
            guard case .implausibleData = $0 as? SensorError else { return XCTFail("\($0)") }
        }
    }

    func testConfigurationRegistersAndTimes() {
        let defaults = LPS22Configuration()
        XCTAssertEqual(defaults.controlRegister1, 0x02, "ODR 000, filter off, BDU")
        XCTAssertEqual(defaults.controlRegister2(for: .lps22hh), 0x10, "IF_ADD_INC, low-power")
        let quiet = LPS22Configuration(noiseMode: .lowNoise, lowPassFilter: .odrOver20, blockDataUpdate: false)
        XCTAssertEqual(quiet.controlRegister1, 0x0C)
        XCTAssertEqual(quiet.controlRegister2(for: .lps22hh), 0x12, "LOW_NOISE_EN is bit 1 on the HH")
        XCTAssertEqual(quiet.controlRegister2(for: .lps22hb), 0x10, "bit 1 must stay 0 on the HB")
        XCTAssertEqual(defaults.maximumConversionTime(for: .lps22hh), .milliseconds(5), "1/200 Hz")
        XCTAssertEqual(quiet.maximumConversionTime(for: .lps22hh), .microseconds(13_334), "1/75 Hz, rounded up")
        XCTAssertEqual(defaults.maximumConversionTime(for: .lps22hb), .microseconds(13_334))
        XCTAssertEqual(LPS22<ScriptedI2CBus>.datasheet.part, "ST LPS22HB")
        XCTAssertEqual(LPS22<ScriptedI2CBus>.datasheet.currents[.sleep], 1e-6)
    }
}

final class LPS22ScriptedTests: XCTestCase {
    let address = I2CAddress(0x5C)!

    private func hbInitialization() -> [ScriptedI2CBus.Expectation] {
        [
            .transfer(address, [.write([0x0F]), .read(count: 1)], replies: [[0xB1]]),
            .transfer(address, [.write([0x11, 0x14])]),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0x10]]),
            .transfer(address, [.write([0x1A]), .read(count: 1)], replies: [[0x00]]),
            .transfer(address, [.write([0x1A, 0x01])]),
            .transfer(address, [.write([0x10, 0x02])]),
        ]
    }

    private func assertFinished(_ bus: ScriptedI2CBus, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(bus.unusedExpectations, [], file: file, line: line)
        XCTAssertEqual(bus.violations, [], file: file, line: line)
    }

    func testLPS22HBResetConfigureAndOneShotReadInOneBurst() throws {
        let bus = ScriptedI2CBus(hbInitialization() + [
            .transfer(address, [.write([0x11, 0x11])]),
            .wait(.microseconds(13_334)),
            .transfer(address, [.write([0x27]), .read(count: 1)], replies: [[0x03]]),
            .transfer(address, [.write([0x28]), .read(count: 5)], replies: [[0x8D, 0xF5, 0x3F, 0xC4, 0x09]]),
        ])
        var sensor = try LPS22(bus: bus, delay: bus)
        XCTAssertEqual(sensor.model, "lps22hb")
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 102_334.7, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 25.0, accuracy: 1e-9)
        assertFinished(bus)
    }

    func testLPS22HHLowNoiseWaitsForResetAndDataReady() throws {
        let configuration = LPS22Configuration(noiseMode: .lowNoise, lowPassFilter: .odrOver9)
        let bus = ScriptedI2CBus([
            .transfer(address, [.write([0x0F]), .read(count: 1)], replies: [[0xB3]]),
            .transfer(address, [.write([0x11, 0x14])]),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0x14]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0x10]]),
            .transfer(address, [.write([0x11, 0x12])]),
            .transfer(address, [.write([0x10, 0x0A])]),
            .transfer(address, [.write([0x11, 0x13])]),
            .wait(.microseconds(13_334)),
            .transfer(address, [.write([0x27]), .read(count: 1)], replies: [[0x01]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x27]), .read(count: 1)], replies: [[0x03]]),
            .transfer(address, [.write([0x28]), .read(count: 5)], replies: [[0x00, 0x40, 0x10, 0x60, 0xF0]]),
        ])
        var sensor = try LPS22(bus: bus, delay: bus, configuration: configuration)
        XCTAssertEqual(sensor.model, "lps22hh")
        XCTAssertEqual(sensor.datasheet.part, "ST LPS22HH")
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), -40.0, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 26_000, accuracy: 1e-6)
        assertFinished(bus)
    }

    func testWorksOnAnSMBusOnlyAdapter() throws {
        let bus = ScriptedI2CBus(capabilities: .smbusOnly, [
            .smbus(address, .readI2CBlock(command: 0x0F, count: 1), reply: [0xB3]),
            .smbus(address, .writeByteData(command: 0x11, value: 0x14)),
            .smbus(address, .readI2CBlock(command: 0x11, count: 1), reply: [0x10]),
            .smbus(address, .writeByteData(command: 0x11, value: 0x10)),
            .smbus(address, .writeByteData(command: 0x10, value: 0x02)),
            .smbus(address, .writeByteData(command: 0x11, value: 0x11)),
            .wait(.milliseconds(5)),
            .smbus(address, .readI2CBlock(command: 0x27, count: 1), reply: [0x03]),
            .smbus(address, .readI2CBlock(command: 0x28, count: 5), reply: [0x00, 0xC0, 0x4E, 0x34, 0x21]),
        ])
        var sensor = try LPS22(bus: bus, delay: bus)
        XCTAssertEqual(try XCTUnwrap(sensor.read().temperatureCelsius), 85.0, accuracy: 1e-9)
        assertFinished(bus)
    }

    func testNeverReadyAndStuckResetTimeOut() throws {
        let stuck = ScriptedI2CBus([
            .transfer(address, [.write([0x0F]), .read(count: 1)], replies: [[0xB1]]),
            .transfer(address, [.write([0x11, 0x14])]),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0x14]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0x14]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x11]), .read(count: 1)], replies: [[0x14]]),
        ])
        XCTAssertThrowsError(try LPS22(bus: stuck, delay: stuck)) { error in
            guard case .timedOut(let detail) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertTrue(detail.contains("SWRESET"), detail)
        }
        assertFinished(stuck)

        let neverReady = ScriptedI2CBus(hbInitialization() + [
            .transfer(address, [.write([0x11, 0x11])]),
            .wait(.microseconds(13_334)),
            .transfer(address, [.write([0x27]), .read(count: 1)], replies: [[0x00]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x27]), .read(count: 1)], replies: [[0x02]]),
            .wait(.milliseconds(1)),
            .transfer(address, [.write([0x27]), .read(count: 1)], replies: [[0x02]]),
        ])
        var sensor = try LPS22(bus: neverReady, delay: neverReady)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut = error as? SensorError else { return XCTFail("\(error)") }
        }
        assertFinished(neverReady)
    }

    func testUnsupportedWhoAmIAndBusErrors() {
        // 0xBD is an LPS25HB at the same addresses; 0xB4 an LPS22DF (another register map).
        for id: UInt8 in [0xBD, 0xB4, 0x00] {
            let bus = ScriptedI2CBus([.transfer(address, [.write([0x0F]), .read(count: 1)], replies: [[id]])])
            XCTAssertThrowsError(try LPS22(bus: bus, delay: bus)) { error in
                guard case .unsupportedChip(let found, let detail) = error as? SensorError else {
                    return XCTFail("\(error)")
                }
                XCTAssertEqual(found, UInt32(id))
                XCTAssertTrue(detail.contains("0x\(hex2(id))"), detail)
            }
            assertFinished(bus)
        }
        let failing = ScriptedI2CBus(Array(hbInitialization().prefix(1)) + [.failure(address, .busError)])
        XCTAssertThrowsError(try LPS22(bus: failing, delay: failing)) { error in
            guard case .bus(let hardware) = error as? SensorError else { return XCTFail("\(error)") }
            XCTAssertEqual(hardware.kind, .busError)
        }
        assertFinished(failing)
    }
}

final class LPS22ModelTests: XCTestCase {
    let address = I2CAddress(0x5D)!
    var clock: ManualClock!
    var bus: SimulatedI2CBus!

    override func setUp() {
        clock = ManualClock()
        bus = SimulatedI2CBus(number: 1)
    }

    @discardableResult
    private func attach(_ chip: LPS22Model.Chip = .lps22hb, environment: SimulatedEnvironment = .init())
        -> LPS22Model
    {
        let model = LPS22Model(clock: clock, environment: environment, chip: chip)
        bus.attach(model, at: address)
        return model
    }

    func testRoundTripsIncludingNegativeTemperatures() throws {
        let environments = [
            SimulatedEnvironment(temperatureCelsius: 22.5, pressurePascals: 101_325),
            SimulatedEnvironment(temperatureCelsius: -40, pressurePascals: 26_000),
            SimulatedEnvironment(temperatureCelsius: -0.07, pressurePascals: 98_765.4),
            SimulatedEnvironment(temperatureCelsius: -17.777, pressurePascals: 103_000.01),
            SimulatedEnvironment(temperatureCelsius: 85, pressurePascals: 126_000),
        ]
        for chip in [LPS22Model.Chip.lps22hb, .lps22hh] {
            for noiseMode in LPS22Configuration.NoiseMode.allCases {
                let model = attach(chip)
                var sensor = try LPS22(bus: bus, address: address, delay: clock,
                                       configuration: .init(noiseMode: noiseMode))
                XCTAssertEqual(sensor.model, chip.rawValue)
                for environment in environments {
                    model.environment = environment
                    let reading = try sensor.read()
                    // Resolution: 1/4096 hPa (0.024 Pa) and 0.01 °C; rounding is within half of each.
                    XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), environment.pressurePascals,
                                   accuracy: 0.0123, "\(chip) \(noiseMode) \(environment)")
                    XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), environment.temperatureCelsius,
                                   accuracy: 0.005, "\(chip) \(noiseMode) \(environment)")
                }
            }
        }
    }

    func testOneShotSelfClearsAfterTheConversionAndStatusFollowsTheReads() throws {
        attach(.lps22hh)
        XCTAssertEqual(try bus.writeRead(address, [0x0F], count: 1), [0xB3])
        try bus.write(address, [0x11, 0x11])
        XCTAssertEqual(try bus.writeRead(address, [0x11], count: 1), [0x11], "ONE_SHOT reads 1 while converting")
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x00])
        XCTAssertEqual(try bus.writeRead(address, [0x28], count: 5), [0, 0, 0, 0, 0], "previous (reset) outputs")
        clock.advance(by: .microseconds(4_999))
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x00])
        clock.advance(by: .microseconds(1))
        XCTAssertEqual(try bus.writeRead(address, [0x11], count: 1), [0x10], "ONE_SHOT cleared itself")
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x03])
        _ = try bus.writeRead(address, [0x28], count: 3)
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x02], "PRESS_OUT_H read clears P_DA")
        try bus.write(address, [0x11, 0x11])
        clock.advance(by: .milliseconds(5))
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x23], "T_OR: an unread temperature")
    }

    func testAutoIncrementSoftwareResetAndI2CDisable() throws {
        attach(.lps22hb)
        try bus.write(address, [0x10, 0x5A])
        XCTAssertEqual(try bus.writeRead(address, [0x10], count: 1), [0x5A])
        try bus.write(address, [0x11, 0x00])  // IF_ADD_INC off: the address stays put
        XCTAssertEqual(try bus.writeRead(address, [0x0F], count: 3), [0xB1, 0xB1, 0xB1])
        try bus.write(address, [0x11, 0x04])
        XCTAssertEqual(try bus.writeRead(address, [0x10], count: 2), [0x00, 0x10], "SWRESET: defaults")
        try bus.write(address, [0x11, 0x18])  // I2C_DIS
        XCTAssertThrowsError(try bus.writeRead(address, [0x0F], count: 1), "I2C interface disabled")
    }

    func testContinuousModeUpdatesAtTheOutputDataRate() throws {
        let model = attach(.lps22hb, environment: SimulatedEnvironment(temperatureCelsius: 1, pressurePascals: 90_000))
        try bus.write(address, [0x10, 0x12])  // 1 Hz, BDU
        clock.advance(by: .milliseconds(999))
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x00])
        clock.advance(by: .milliseconds(1))
        XCTAssertEqual(try bus.writeRead(address, [0x27], count: 1), [0x03])
        let first = try bus.writeRead(address, [0x28], count: 5)
        model.environment.temperatureCelsius = -5
        clock.advance(by: .seconds(1))
        XCTAssertNotEqual(try bus.writeRead(address, [0x28], count: 5), first)
    }

    func testFaultsGiveTypedErrorsAndTheNextReadRecovers() throws {
        attach(.lps22hh, environment: SimulatedEnvironment(temperatureCelsius: -3.21, pressurePascals: 97_000))
        var sensor = try LPS22(bus: bus, address: address, delay: clock)
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
        // No CRC on this chip. Flipping the lowest bit turns STATUS 0x03 into 0x02 (P_DA missing), so the
        // trigger write plus all three STATUS polls corrupted make the read time out rather than return data.
        bus.inject(.corruptedBytes, at: address, times: 4)
        XCTAssertThrowsError(try sensor.read()) { error in
            guard case .timedOut = error as? SensorError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(try sensor.read(), clean)
    }

    func testIdentification() throws {
        attach(.lps22hb)
        let hb = try XCTUnwrap(SensorFamily.lps22.identify(bus, address, clock))
        XCTAssertEqual(hb.model, "lps22hb")
        XCTAssertTrue(hb.method.contains("WHO_AM_I 0xb1 at register 0x0f"), hb.method)
        attach(.lps22hh)
        XCTAssertEqual(SensorFamily.lps22.identify(bus, address, clock)?.model, "lps22hh")
        XCTAssertNil(SensorFamily.lps22.identify(bus, I2CAddress(0x5C)!, clock), "nothing there")
        var lps25hb = [UInt8?](repeating: 0, count: 256)
        lps25hb[0x0F] = 0xBD
        bus.attach(RegisterFileDevice(image: lps25hb), at: address)
        XCTAssertNil(SensorFamily.lps22.identify(bus, address, clock))

        attach(.lps22hh)
        XCTAssertEqual(try SensorFamily.lps22.open(bus, address, clock).model, "lps22hh")
        XCTAssertEqual(SensorFamily.lps22.aliases, ["lps22hb", "lps22hh"])
        XCTAssertEqual(SensorFamily.lps22.addresses, [0x5C, 0x5D])
        XCTAssertFalse(SensorFamily.lps22.identifiesByCommand)
    }

    func testReplaysAnI2CDumpImage() throws {
        var image = [UInt8?](repeating: 0, count: 256)
        image[0x0F] = 0xB1
        image[0x11] = 0x10
        image.replaceSubrange(0x28...0x2C, with: [0x8D, 0xF5, 0x3F, 0xC4, 0x09] as [UInt8?])
        bus.attach(DeviceModelKind.lps22hb.make(DeviceModelContext(clock: clock, image: image)), at: address)
        var sensor = try LPS22(bus: bus, address: address, delay: clock)
        let reading = try sensor.read()
        XCTAssertEqual(try XCTUnwrap(reading.pressurePascals), 102_334.7, accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(reading.temperatureCelsius), 25.0, accuracy: 1e-9)
        XCTAssertEqual(DeviceModelKind.lps22hh.make(DeviceModelContext(clock: clock)).modelName, "lps22hh")
    }
}
