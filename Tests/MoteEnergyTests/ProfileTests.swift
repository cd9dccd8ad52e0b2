import MoteEnergy
import MoteSensors
import XCTest

final class ProfileTests: XCTestCase {
    func testEveryBuiltInProfileLoads() throws {
        for name in BoardProfiles.names {
            let model = try BoardProfiles.load(name).model
            XCTAssertEqual(model.name, name)
            XCTAssertNotNil(model.cpu, name)
            XCTAssertNotNil(model.radio, name)
            XCTAssertFalse(model.tasks.isEmpty, name)
            for component in model.components {
                XCTAssertFalse(component.source.isEmpty, "\(name).\(component.name) cites its figures")
            }
        }
        XCTAssertEqual(try BoardProfiles.load(nil).model.name, BoardProfiles.defaultName)
    }

    func testMicaCarriesTheClassicTable() throws {
        let model = try BoardProfiles.load("mica").model
        let cpu = try XCTUnwrap(model.cpu)
        XCTAssertEqual(cpu.current(in: .active), 4.6e-3)
        XCTAssertEqual(cpu.current(in: .idle), 2.4e-3)
        XCTAssertEqual(cpu.current(in: .sleep), 10e-6)
        let radio = try XCTUnwrap(model.radio)
        XCTAssertEqual(radio.current(in: .transmit), 12e-3)
        XCTAssertEqual(radio.current(in: .receive), 3.6e-3)
        XCTAssertEqual(radio.bitRate, 40_000)
        XCTAssertEqual(model.supply, .direct)
        // Mica weather board start-up times (Mainwaring et al. 2002, Table 1).
        let startups = Dictionary(uniqueKeysWithValues: model.components.filter { $0.kind == .sensor }
            .map { ($0.name, $0.startupTime) })
        XCTAssertEqual(startups, ["photo": .milliseconds(10), "temperature": .milliseconds(500),
                                  "pressure": .milliseconds(500), "humidity": .milliseconds(500),
                                  "thermopile": .milliseconds(200), "thermistor": .milliseconds(10)])
        XCTAssertTrue(model.components.filter { $0.kind == .sensor }.allSatisfy { $0.restingState == .off })
    }

    func testRaspberryPiProfilesUsePublishedBoardFigures() throws {
        let pi4 = try XCTUnwrap(try BoardProfiles.load("pi-4b").model.cpu)
        // Raspberry Pi documentation, Power supply: Pi 4B idle 0.6 A, stress 1.2 A, boot 0.7 A, halt 0.023 A.
        XCTAssertEqual(pi4.current(in: .idle), 0.6)
        XCTAssertEqual(pi4.current(in: .active), 1.2)
        XCTAssertEqual(pi4.current(in: .boot), 0.7)
        XCTAssertEqual(pi4.current(in: .off), 0.023)
        XCTAssertEqual(pi4.supplyVolts, 5.1)
        XCTAssertEqual(pi4.cores, 4)
        let zero = try BoardProfiles.load("pi-zero-2w").model
        XCTAssertEqual(zero.cpu?.current(in: .idle), 0.120)       // CNX Software, 2021-12-09
        XCTAssertEqual(zero.cpu?.current(in: .active), 0.350)     // Raspberry Pi documentation
        XCTAssertEqual(zero.supply, .switching(efficiency: 0.9))
    }

    func testSensorComponentsComeFromTheDriversDatasheets() throws {
        let model = try BoardProfiles.load("pi-zero-2w").model
        let bme = try XCTUnwrap(model.component(named: "bme280@0x76"))
        let sheet = BME280Datasheets.bme280
        XCTAssertEqual(bme.current(in: .sleep), sheet.currents[.sleep])
        XCTAssertEqual(bme.current(in: .measuring), sheet.currents[.measuring])
        XCTAssertEqual(bme.current(in: .boot), sheet.currents[.measuring], "start-up charged at the measuring current")
        XCTAssertEqual(bme.startupTime, sheet.startupTime)
        XCTAssertEqual(bme.measurementTime, sheet.measurementTime)
        XCTAssertEqual(bme.supplyVolts, sheet.supplyVolts)
        XCTAssertEqual(bme.restingState, .sleep, "not gated: it sleeps between samples")
        // Every driver the catalog knows has figures; heating maps onto active.
        for name in SensorDefaults.driverNames {
            XCTAssertNotNil(SensorDefaults.datasheet(forDriver: name), name)
        }
        let sht4x = try XCTUnwrap(SensorDefaults.datasheet(forDriver: "sht41"))
        let component = SensorDefaults.component(named: "sht41", datasheet: sht4x, gated: true)
        XCTAssertEqual(component.current(in: .active), sht4x.currents[.heating])
        XCTAssertEqual(component.restingState, .off)
        XCTAssertEqual(SensorDefaults.datasheet(forDriver: "bmp280"), BME280Datasheets.bmp280)
        XCTAssertNil(SensorDefaults.datasheet(forDriver: "bme680"))
    }

    func testAConfigurationOverridesAnyFigureAndAddsComponentsAndTasks() throws {
        let config = """
            battery_usable_fraction = 0.8
            battery_self_discharge_per_year = 0.01

            [[component]]
            name = "radio"
            receive_amperes = 1.8e-3

            [[component]]
            name = "pump"
            kind = "load"
            supply_volts = 5
            active_amperes = 0.2
            measurement_seconds = 2

            [[component]]
            name = "tmp102@0x48"
            kind = "sensor"
            driver = "tmp102"
            gated = true

            [[task]]
            name = "gossip.round"
            listen_seconds = 0.05

            [[task]]
            name = "water"
            component = "pump"
            min_period_seconds = 3600
            max_period_seconds = 86400
            """
        let (model, battery) = try BoardProfiles.load("mica", config: ("node.toml", config))
        XCTAssertEqual(battery, BatteryOverrides(usableFraction: 0.8, selfDischargePerYear: 0.01))
        XCTAssertEqual(model.radio?.current(in: .receive), 1.8e-3)
        XCTAssertEqual(model.radio?.current(in: .transmit), 12e-3, "untouched figures stay")
        XCTAssertEqual(model.component(named: "pump")?.restingState, .off)
        let tmp = try XCTUnwrap(model.component(named: "tmp102@0x48"))
        XCTAssertEqual(tmp.restingState, .off)
        XCTAssertEqual(tmp.current(in: .measuring), SensorDefaults.datasheet(forDriver: "tmp102")?.currents[.measuring])
        let round = try XCTUnwrap(model.tasks.first { $0.name == "gossip.round" })
        XCTAssertEqual(round.listenTime, .milliseconds(50))
        XCTAssertEqual(round.transmitBytes, 36, "untouched task keys stay")
        XCTAssertEqual(model.tasks.last?.name, "water")
        // The configuration may choose the profile; a name given by the caller wins.
        XCTAssertEqual(try BoardProfiles.load(nil, config: ("c.toml", "profile = \"pi-4b\"\n")).model.name, "pi-4b")
        XCTAssertEqual(try BoardProfiles.load("mica", config: ("c.toml", "profile = \"pi-4b\"\n")).model.name, "mica")
    }

    func testConfigurationMistakesAreReportedAsFileLineAndWhatWasExpected() {
        let cases: [(String, Int?, String)] = [
            ("speed = 3\n", 1, "unknown key \"speed\""),
            ("[[component]]\nname = \"cpu\"\nactive_amps = 1\n", 3, "unknown key \"active_amps\""),
            ("[[component]]\nname = \"x\"\nkind = \"gpu\"\n", 3, "kind must be one of cpu, radio, sensor, load"),
            ("[[component]]\nname = \"x\"\n", 1, "missing kind ="),
            ("\n[[component]]\nkind = \"load\"\n", 2, "missing name ="),
            ("[[component]]\nname = \"s\"\nkind = \"sensor\"\ndriver = \"bme999\"\n", 4, "unknown driver \"bme999\""),
            ("[[component]]\nname = \"cpu\"\nactive_amperes = \"4.6mA\"\n", 3, "active_amperes must be a number"),
            ("[[component]]\nname = \"cpu\"\nactive_amperes = 1000\n", 3, "out of range"),
            ("[[component]]\nname = \"cpu\"\nkind = \"radio\"\n", 3, "its kind cannot change"),
            ("[[component]]\nname = \"cpu\"\nrest = \"nap\"\n", 3, "rest must be one of off, sleep"),
            ("[[task]]\nname = \"t\"\ncomponent = \"nothing\"\n", 3, "no component \"nothing\""),
            ("[[task]]\nname = \"sense.photo\"\nmax_period_seconds = 0.5\n", 3,
             "max_period_seconds must not be below min_period_seconds"),
            ("[[task]]\nname = \"new\"\ncomponent = \"photo\"\n", 1, "missing min_period_seconds"),
            ("[[task]]\nname = \"new\"\ncomponent = \"cpu\"\nmin_period_seconds = 1\nmax_period_seconds = 2\n", 1,
             "tasks drive sensors, loads or radios"),
            ("[[component]]\nname = \"cpu\"\nrest = \"transmit\"\n", 1, "rests in transmit but gives no"),
            ("regulator = \"magic\"\n", 1, "regulator must be"),
            ("profile = \"mica2\"\n", 1, "unknown profile \"mica2\"; valid profiles: mica, pi-4b, pi-zero-2w"),
            ("[[component]\n", 1, "not valid TOML"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try BoardProfiles.load(text.hasPrefix("profile") ? nil : "mica",
                                                        config: ("node.toml", text))) { error in
                guard case ProfileError.file(let fileError) = error else { return XCTFail("\(text): \(error)") }
                XCTAssertEqual(fileError.file, "node.toml")
                XCTAssertEqual(fileError.line, line, "\(text) -> \(fileError)")
                XCTAssertTrue(fileError.message.contains(message), "\(fileError.message) lacks \(message)")
            }
        }
    }

    func testUnknownProfileListsTheValidOnes() {
        XCTAssertThrowsError(try BoardProfiles.load("pi-5")) { error in
            XCTAssertEqual(error as? ProfileError, .unknownProfile("pi-5", valid: ["mica", "pi-4b", "pi-zero-2w"]))
            XCTAssertEqual("\(error)", "unknown profile \"pi-5\"; valid profiles: mica, pi-4b, pi-zero-2w")
        }
    }
}

final class UnitTests: XCTestCase {
    func testQuantitiesParseStrictly() throws {
        XCTAssertEqual(try Quantity.capacity.parse("2850mAh"), 2.850, accuracy: 1e-12)
        XCTAssertEqual(try Quantity.capacity.parse("2.85Ah"), 2.850, accuracy: 1e-12)
        XCTAssertEqual(try Quantity.voltage.parse("3V"), 3)
        XCTAssertEqual(try Quantity.voltage.parse("3300mV"), 3.3, accuracy: 1e-12)
        XCTAssertEqual(try Quantity.duration.parse("365d"), 365 * 86_400)
        XCTAssertEqual(try Quantity.duration.parse("1y"), 365 * 86_400)
        XCTAssertEqual(try Quantity.duration.parse("90min"), 5_400)
        XCTAssertEqual(try Quantity.duration.parse("250ms"), 0.25)
        XCTAssertEqual(try Quantity.current.parse("200µA"), 200e-6, accuracy: 1e-15)
        XCTAssertEqual(try Quantity.parseDuration("1.5h"), .seconds(5_400))
        let failures: [(Quantity, String, String)] = [
            (.capacity, "2850", "a capacity needs a unit: mAh, Ah (e.g. 2850mAh)"),
            (.capacity, "2850mWh", "unknown unit \"mWh\" for a capacity; valid units: mAh, Ah"),
            (.capacity, "2850MAH", "unknown unit \"MAH\""),
            (.capacity, "mAh", "not a capacity: write a number and a unit"),
            (.voltage, "-3V", "not a voltage"),
            (.voltage, "0V", "must be greater than zero"),
            (.duration, "365m", "unknown unit \"m\" for a duration; valid units: ns, us, µs, ms, s, min, h, d, y"),
            (.duration, "1..5h", "not a duration"),
        ]
        for (kind, text, message) in failures {
            XCTAssertThrowsError(try kind.parse(text)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(text): \(error)")
                XCTAssertTrue("\(error)".hasPrefix("\"\(text)\": "), "\(error)")
            }
        }
    }

    func testHumanFigures() {
        XCTAssertEqual(HumanUnits.current(201.7e-6), "201.7 µA")
        XCTAssertEqual(HumanUnits.current(4.6e-3), "4.600 mA")
        XCTAssertEqual(HumanUnits.current(1.2), "1.200 A")
        XCTAssertEqual(HumanUnits.current(0), "0 A")
        XCTAssertEqual(HumanUnits.charge(ampereHours: 2.85), "2850 mAh")
        XCTAssertEqual(HumanUnits.charge(ampereHours: 3_140), "3140 Ah")
        XCTAssertEqual(HumanUnits.charge(coulombs: 159.2e-6), "159.2 µC")
        XCTAssertEqual(HumanUnits.energy(joules: 1_234), "1.234 kJ")
        XCTAssertEqual(HumanUnits.energy(joules: 0), "0 J", "zero in the unprefixed unit, not 0 MJ")
        XCTAssertEqual(HumanUnits.charge(ampereHours: 0), "0 Ah")
        XCTAssertEqual(HumanUnits.duration(.seconds(365 * 86_400)), "365 d")
        XCTAssertEqual(HumanUnits.duration(.milliseconds(5_760)), "5.76 s")
        XCTAssertEqual(HumanUnits.duration(.seconds(3_600)), "60 min")
        XCTAssertEqual(HumanUnits.duration(.milliseconds(250)), "250 ms")
        XCTAssertEqual(HumanUnits.duration(.seconds(30 * 3_600)), "30 h")
        XCTAssertEqual(HumanUnits.duration(.seconds(3 * 31_536_000)), "3 y")
        XCTAssertEqual(HumanUnits.percent(0.384), "38.4 %")
    }
}
