import Foundation
import MoteHAL
import MoteTOML
import TOMLKit

/// Why a scenario file could not be loaded: the file, the line when known, and what was expected.
public typealias ScenarioError = TOMLFileError

/// A simulated board built from a scenario file (TOML): I2C buses with device models, and GPIO chips.
///
/// ```toml
/// [[i2c]]
/// bus = 1                      # stands in for /dev/i2c-1
/// adapter = "bcm2835 (i2c@7e804000)"
/// smbus_only = false           # true: refuse plain I2C transfers, like the kernel's i2c-stub
///
/// [[i2c.device]]
/// address = 0x76
/// model = "registers"          # one of DeviceModels.all: registers, sht3x, …
/// dump = "board.i2cdump"       # i2cdump output to replay; relative to the scenario file
///
/// [[gpio]]
/// label = "mote-sim"
/// lines = 8
///
/// [[gpio.line]]
/// offset = 4
/// name = "BUTTON"
/// pull = "up"                  # up | down | none: the board's own pull resistor
/// held_by = "w1-gpio"          # another consumer holds the line
/// press = { first_ms = 500, period_ms = 1000, width_ms = 100, level = 0, count = 10 }
/// ```
public final class SimulatedBoard: Board {
    public let description: String
    /// The buses, in the order the scenario lists them.
    public let buses: [SimulatedI2CBus]
    /// The GPIO chips, named gpiochip0, gpiochip1, … in the order the scenario lists them.
    public let chips: [SimulatedGPIOChip]
    /// The board's clock: devices convert on it, and drivers wait on it.
    public let clock: any SimulationClock
    public var delay: any Delay { clock }
    public var defaultI2CBus: Int { buses.first?.number ?? 1 }

    /// Loads the built-in default board.
    public static func defaultBoard(clock: any SimulationClock = MonotonicClock()) throws(ScenarioError)
        -> SimulatedBoard
    {
        try SimulatedBoard(scenario: DefaultBoard.scenario, file: "<built-in default board>", directory: "/",
                           clock: clock, description: "simulated default board")
    }

    /// Loads the scenario file at `path`; dumps it names are read relative to its folder.
    public static func load(path: String, clock: any SimulationClock = MonotonicClock()) throws(ScenarioError)
        -> SimulatedBoard
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, line: nil, message: TOMLFileError.readFailure(path))
        }
        let directory = (path as NSString).deletingLastPathComponent
        return try SimulatedBoard(scenario: text, file: path, directory: directory.isEmpty ? "." : directory,
                                  clock: clock, description: "simulated board from \(path)")
    }

    /// Builds a board from scenario text; `file` and `directory` name where it came from.
    public init(scenario text: String, file: String, directory: String, clock: any SimulationClock,
                description: String) throws(ScenarioError)
    {
        let reader = TOMLFileReader(file: file, text: text)
        let table = try reader.parse(text)
        self.description = description
        try reader.allowKeys(table, ["i2c", "gpio"], at: [])
        var buses: [SimulatedI2CBus] = []
        for (index, busTable) in try reader.tables(table, "i2c", at: []).enumerated() {
            let path = [("i2c", index)]
            try reader.allowKeys(busTable, ["bus", "adapter", "smbus_only", "device"], at: path)
            let number = try reader.integer(busTable, "bus", at: path, in: 0...1023)
            guard !buses.contains(where: { $0.number == number }) else {
                throw reader.error(at: path, key: "bus", "bus \(number) is listed twice")
            }
            let smbusOnly = try reader.bool(busTable, "smbus_only", at: path) ?? false
            let bus = SimulatedI2CBus(
                number: number,
                adapterName: try reader.string(busTable, "adapter", at: path) ?? (smbusOnly ? "SMBus stub driver" : "Simulated I2C adapter"),
                capabilities: smbusOnly ? .smbusOnly : .fullI2C)
            for (deviceIndex, deviceTable) in try reader.tables(busTable, "device", at: path).enumerated() {
                let devicePath = path + [("i2c.device", deviceIndex)]
                try reader.allowKeys(
                    deviceTable,
                    ["address", "model", "dump", "temperature_celsius", "relative_humidity_percent", "pressure_pascals"],
                    at: devicePath)
                let address = try reader.address(deviceTable, at: devicePath)
                guard bus.device(at: address) == nil else {
                    throw reader.error(at: devicePath, key: "address", "two devices at \(address) on bus \(number)")
                }
                bus.attach(try Self.makeDevice(deviceTable, at: devicePath, reader: reader, directory: directory,
                                          clock: clock), at: address)
            }
            buses.append(bus)
        }
        var chips: [SimulatedGPIOChip] = []
        for (index, chipTable) in try reader.tables(table, "gpio", at: []).enumerated() {
            let path = [("gpio", index)]
            try reader.allowKeys(chipTable, ["label", "lines", "line"], at: path)
            let count = try reader.integer(chipTable, "lines", at: path, in: 1...512)
            var lines = Array(repeating: SimulatedLine(), count: count)
            var stimuli: [GPIOStimulus] = []
            for (lineIndex, lineTable) in try reader.tables(chipTable, "line", at: path).enumerated() {
                let linePath = path + [("gpio.line", lineIndex)]
                try reader.allowKeys(lineTable, ["offset", "name", "pull", "held_by", "press"], at: linePath)
                let offset = try reader.integer(lineTable, "offset", at: linePath, in: 0...(count - 1))
                let pull: Bool?
                switch try reader.string(lineTable, "pull", at: linePath) {
                case nil, "none": pull = nil
                case "up": pull = true
                case "down": pull = false
                case let other?:
                    throw reader.error(at: linePath, key: "pull", "pull must be \"up\", \"down\" or \"none\", not \"\(other)\"")
                }
                lines[offset] = SimulatedLine(
                    name: try reader.string(lineTable, "name", at: linePath), boardPull: pull,
                    heldBy: try reader.string(lineTable, "held_by", at: linePath))
                if let press = lineTable["press"] {
                    guard let pressTable = press.table else {
                        throw reader.error(at: linePath, key: "press", "press must be an inline table { first_ms = …, period_ms = …, width_ms = …, level = 0, count = … }")
                    }
                    try reader.allowKeys(pressTable, ["first_ms", "period_ms", "width_ms", "level", "count"], at: linePath)
                    let first = try reader.integer(pressTable, "first_ms", at: linePath, in: 0...86_400_000)
                    let period = try reader.integer(pressTable, "period_ms", at: linePath, in: 1...86_400_000)
                    let width = try reader.integer(pressTable, "width_ms", at: linePath, in: 1...(max(1, period - 1)))
                    let level = try reader.integer(pressTable, "level", at: linePath, in: 0...1) == 1
                    let presses = try reader.integer(pressTable, "count", at: linePath, in: 1...100_000)
                    for press in 0..<presses {
                        let start = Duration.milliseconds(first + press * period)
                        stimuli.append(GPIOStimulus(offset: offset, at: start, level: level))
                        stimuli.append(GPIOStimulus(offset: offset, at: start + .milliseconds(width), level: nil))
                    }
                }
            }
            let name = "gpiochip\(index)"
            chips.append(SimulatedGPIOChip(
                name: name, label: try reader.string(chipTable, "label", at: path) ?? "mote-sim", lines: lines,
                clock: clock, stimuli: stimuli))
        }
        self.buses = buses
        self.chips = chips
        self.clock = clock
    }

    private static func makeDevice(_ table: TOMLTable, at path: [(String, Int)], reader: TOMLFileReader,
                            directory: String, clock: any SimulationClock) throws(ScenarioError) -> any I2CDeviceModel
    {
        var environment = SimulatedEnvironment()
        if let value = try reader.double(table, "temperature_celsius", at: path, in: -273.15...1000) {
            environment.temperatureCelsius = value
        }
        if let value = try reader.double(table, "relative_humidity_percent", at: path, in: 0...100) {
            environment.relativeHumidityPercent = value
        }
        if let value = try reader.double(table, "pressure_pascals", at: path, in: 0...1_000_000) {
            environment.pressurePascals = value
        }
        let name = try reader.string(table, "model", at: path)
        guard let name, let kind = DeviceModels.named(name) else {
            let known = DeviceModels.all.map { "\"\($0.name)\"" }.joined(separator: ", ")
            throw reader.error(at: path, key: name == nil ? nil : "model",
                               "model must be one of \(known); found \(name.map { "\"\($0)\"" } ?? "none")")
        }
        var image: [UInt8?]?
        if let dump = try reader.string(table, "dump", at: path) {
            image = try loadDump(dump, at: path, reader: reader, directory: directory)
        } else if kind.requiresImage {
            throw reader.error(at: path, key: "model", "a \"\(name)\" device needs dump = \"FILE\" (i2cdump output)")
        }
        return kind.make(DeviceModelContext(clock: clock, environment: environment, image: image))
    }

    private static func loadDump(_ name: String, at path: [(String, Int)], reader: TOMLFileReader, directory: String)
        throws(ScenarioError) -> [UInt8?]
    {
        let text: String
        let dumpFile: String
        if name == "builtin:bme280" {
            (text, dumpFile) = (DefaultBoard.bme280Image, "<built-in BME280 image>")
        } else {
            dumpFile = name.hasPrefix("/") ? name : directory + "/" + name
            do {
                text = try String(contentsOfFile: dumpFile, encoding: .utf8)
            } catch {
                throw reader.error(at: path, key: "dump", "dump \(dumpFile): \(TOMLFileError.readFailure(dumpFile))")
            }
        }
        do {
            return try I2CDumpImage.parse(text)
        } catch {
            throw ScenarioError(file: dumpFile, line: error.line, message: error.message)
        }
    }

    // MARK: Board

    public func i2cAdapters() throws(HardwareError) -> [I2CAdapterInfo] {
        buses.map { I2CAdapterInfo(number: $0.number, name: $0.adapterName, capabilities: $0.capabilities) }
            .sorted { $0.number < $1.number }
    }

    public func openI2CBus(_ number: Int) throws(HardwareError) -> any I2CBus {
        guard let bus = buses.first(where: { $0.number == number }) else {
            throw HardwareError(.noSuchDevice, device: "sim:i2c-\(number)",
                                detail: "the simulated board has buses \(buses.map { String($0.number) }.joined(separator: ", "))")
        }
        return bus
    }

    public func gpioChips() throws(HardwareError) -> [GPIOChipInfo] { chips.map(\.info) }

    public func openGPIOChip(_ selector: GPIOChipSelector) throws(HardwareError) -> any GPIOChip {
        guard let chip = chips.first(where: { selector.matches($0.info) || selector == .path("/dev/\($0.info.name)") }) else {
            throw HardwareError(.noSuchDevice, device: "sim:\(selector)", detail: "no such chip on the simulated board")
        }
        return chip
    }
}

extension TOMLFileReader {
    /// The required `address` key of a device table: a 7-bit I2C address.
    func address(_ table: TOMLTable, at path: [(String, Int)]) throws(ScenarioError) -> I2CAddress {
        let raw = try integer(table, "address", at: path, in: 0...0x7F, hex: true)
        guard let address = I2CAddress(raw) else {
            throw error(at: path, key: "address", "address = \(raw) is not a 7-bit I2C address")
        }
        return address
    }
}
