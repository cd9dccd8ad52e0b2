import ArgumentParser
import Foundation
import MoteHAL
import MoteSensors

/// `mote read`: read the sensors on a bus, named or detected, once or repeatedly, in several formats.
struct Read: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Read temperature, humidity and pressure sensors.",
        discussion: """
            With no --device, reads every supported sensor it detects on the bus. A device that fails is reported \
            in the output with its error while the others keep being read; the exit code is 74 if any read failed.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, json, csv, influx
    }

    enum TemperatureUnit: String, ExpressibleByArgument, CaseIterable {
        case celsius, fahrenheit
    }

    enum PressureUnit: String, ExpressibleByArgument, CaseIterable {
        case pa, hpa
    }

    @OptionGroup var board: BoardOptions

    @OptionGroup(title: "Duty cycling") var dutyCycle: DutyCycleOptions

    @Option(help: "The bus number (default: 1, or the simulated board's first bus).")
    var bus: Int?

    @Option(name: .customLong("device"), help: ArgumentHelp(
        "A device to read, MODEL@ADDRESS (e.g. bme280@0x76); repeat for several. Default: everything detected.",
        valueName: "model@address"))
    var devices: [String] = []

    @Option(help: "Output format: table, json (one object per reading), csv, influx (line protocol).")
    var format: Format = .table

    @Option(help: "How many rounds to read (default 1; with --watch, until interrupted).")
    var count: Int?

    @Option(help: "Time between rounds (e.g. 2s, 500ms).")
    var interval: DurationArgument = DurationArgument(argument: "1s")!

    @Flag(help: "A live view in the terminal, redrawn every round.")
    var watch = false

    @Flag(help: "Add dew point and absolute humidity where a sensor has temperature and humidity.")
    var derived = false

    @Option(help: "The sensor's altitude in metres: adds sea-level pressure.")
    var altitude: Double?

    @Option(help: "Today's sea-level pressure in Pa: adds the altitude from pressure.")
    var seaLevelPressure: Double?

    @Option(help: "Add to every temperature (°C).") var temperatureOffset: Double = 0
    @Option(help: "Add to every humidity (%RH).") var humidityOffset: Double = 0
    @Option(help: "Add to every pressure (Pa).") var pressureOffset: Double = 0

    @Option(help: "Temperature unit in the table: celsius or fahrenheit.") var temperatureUnit: TemperatureUnit = .celsius
    @Option(help: "Pressure unit in the table: pa or hpa.") var pressureUnit: PressureUnit = .hpa

    func validate() throws {
        try dutyCycle.validate(simulate: board.simulate || board.scenario != nil)
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if interval.duration <= .zero && (count ?? 1) > 1 { throw ValidationError("--interval must be positive") }
        if let seaLevelPressure, !(10_000...200_000).contains(seaLevelPressure) {
            throw ValidationError("--sea-level-pressure is in Pa, e.g. 101325")
        }
    }

    func run() throws {
        if dutyCycle.enabled { return try runDutyCycle() }
        let board = try board.board()
        let number = bus ?? board.defaultI2CBus
        let handle = try hardware { () throws(HardwareError) in try board.openI2CBus(number) }
        var sensors = try openSensors(on: handle, number: number, delay: board.delay)
        let offsets = ChannelOffsets(temperatureCelsius: temperatureOffset, relativeHumidityPercent: humidityOffset,
                                     pressurePascals: pressureOffset)
        let output = ReadingOutput(format: format, watch: watch, derived: derived, altitude: altitude,
                                   seaLevelPressure: seaLevelPressure, temperatureUnit: temperatureUnit,
                                   pressureUnit: pressureUnit)
        let rounds = count ?? (watch ? Int.max : 1)
        var failures = 0
        var total = 0
        for round in 0..<rounds {
            if round > 0 { board.delay.sleep(for: interval.duration) }
            var results: [ReadingResult] = []
            for index in sensors.indices {
                let time = Date()
                var result = ReadingResult(bus: number, address: sensors[index].address, model: sensors[index].model,
                                           time: time)
                switch sensors[index].driver {
                case .ready(var driver):
                    do throws(SensorError) {
                        result.reading = try driver.read().applying(offsets)
                    } catch {
                        result.error = error.description
                    }
                    sensors[index].driver = .ready(driver)
                case .failed(let error):
                    result.error = error
                }
                total += 1
                if result.error != nil { failures += 1 }
                results.append(result)
            }
            output.emit(results, round: round)
        }
        if failures > 0 {
            throw Failure("\(failures) of \(total) readings failed", code: Failure.ioError)
        }
    }

    struct OpenSensor {
        enum Driver {
            case ready(any SensorDriver)
            case failed(String)
        }

        var address: I2CAddress
        var model: String
        var driver: Driver
    }

    func openSensors(on bus: any I2CBus, number: Int, delay: any Delay) throws -> [OpenSensor] {
        if !devices.isEmpty {
            return try devices.map { spec in
                let (family, address) = try parseDevice(spec)
                do throws(SensorError) {
                    let driver = try family.open(bus, address, delay)
                    return OpenSensor(address: address, model: driver.model, driver: .ready(driver))
                } catch {
                    return OpenSensor(address: address, model: family.name, driver: .failed(error.description))
                }
            }
        }
        let present = try hardware { () throws(HardwareError) in try bus.scan() }
        var sensors: [OpenSensor] = []
        for raw in present.indices where present[raw] == .present {
            guard let address = I2CAddress(raw),
                let (family, identification) = SensorCatalog.identify(on: bus, at: address, delay: delay)
            else { continue }
            guard identification.supported else {
                sensors.append(OpenSensor(address: address, model: identification.model,
                                          driver: .failed("recognised (\(identification.method)) but not supported")))
                continue
            }
            do throws(SensorError) {
                let driver = try family.open(bus, address, delay)
                sensors.append(OpenSensor(address: address, model: driver.model, driver: .ready(driver)))
            } catch {
                sensors.append(OpenSensor(address: address, model: identification.model,
                                          driver: .failed(error.description)))
            }
        }
        guard !sensors.isEmpty else {
            throw Failure("no supported sensor found on bus \(number) (`mote scan \(number)` shows what answers)",
                          code: Failure.unavailable)
        }
        return sensors
    }

    private func parseDevice(_ spec: String) throws -> (SensorFamily, I2CAddress) {
        let parts = spec.split(separator: "@", omittingEmptySubsequences: false)
        let known = SensorCatalog.families.map(\.name).joined(separator: ", ")
        guard parts.count == 2 else {
            throw Failure("--device \(spec): expected MODEL@ADDRESS, e.g. bme280@0x76", code: Failure.usage)
        }
        guard let family = SensorCatalog.family(named: String(parts[0])) else {
            throw Failure("--device \(spec): unknown model '\(parts[0])'; known: \(known)", code: Failure.usage)
        }
        guard let address = I2CAddress(parsing: String(parts[1])) else {
            throw Failure("--device \(spec): address '\(parts[1])' is not a 7-bit I2C address (0x00-0x7f)",
                          code: Failure.usage)
        }
        return (family, address)
    }
}
