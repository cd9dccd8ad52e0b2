import MoteHAL
import MoteSensors

/// One round of local readings: each channel averaged over the sensors that measure it.
public struct LocalSample: Sendable, Equatable {
    /// Mean temperature (°C) of the sensors that have it, or nil.
    public var temperatureCelsius: Double?
    /// Mean relative humidity (%RH), or nil.
    public var relativeHumidityPercent: Double?
    /// Mean pressure (Pa), or nil.
    public var pressurePascals: Double?
    /// Sensors read successfully this round.
    public var sensorsRead: Int
    /// Sensors that failed this round, with their errors.
    public var failures: [String]
    /// The sensors read successfully this round (`bme280@0x76`), in the order they were read: what the energy
    /// ledger charges a conversion to.
    public var devicesRead: [String]

    /// A sample.
    public init(temperatureCelsius: Double? = nil, relativeHumidityPercent: Double? = nil,
                pressurePascals: Double? = nil, sensorsRead: Int = 0, failures: [String] = [],
                devicesRead: [String] = []) {
        self.temperatureCelsius = temperatureCelsius
        self.relativeHumidityPercent = relativeHumidityPercent
        self.pressurePascals = pressurePascals
        self.sensorsRead = sensorsRead
        self.failures = failures
        self.devicesRead = devicesRead
    }

    /// The per-channel means of `readings`; `devicesRead` names the sensors they came from.
    public init(readings: [Reading], failures: [String] = [], devicesRead: [String] = []) {
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        self.init(temperatureCelsius: mean(readings.compactMap(\.temperatureCelsius)),
                  relativeHumidityPercent: mean(readings.compactMap(\.relativeHumidityPercent)),
                  pressurePascals: mean(readings.compactMap(\.pressurePascals)), sensorsRead: readings.count,
                  failures: failures, devicesRead: devicesRead)
    }
}

/// The node's sensors: detected once on a bus of a board (real or simulated, as `mote read` does), then read
/// every sampling round.
///
/// Not thread-safe: a node keeps its sampler on one event loop of its own, because a read blocks for the chips'
/// conversion times (up to tens of milliseconds) and must not stall the gossip loop.
public final class SensorSampler {
    private struct OpenSensor {
        var name: String
        var driver: any SensorDriver
    }

    private var sensors: [OpenSensor]
    /// What was found: `bme280@0x76`, …
    public let names: [String]
    /// What was found, with each sensor's driver model (`bme280`): what the energy ledger needs to take the
    /// driver's datasheet figures.
    public let devices: [(device: String, driver: String)]

    /// Scans `bus` (the board's default when nil), identifies what answers and opens a driver for each supported
    /// sensor.
    ///
    /// - Throws: `NodeError.noSensors` when the bus cannot be opened or scanned, or nothing supported answers.
    public init(board: any Board, bus: Int? = nil) throws(NodeError) {
        let number = bus ?? board.defaultI2CBus
        let handle: any I2CBus
        let present: [I2CProbeResult]
        do {
            handle = try board.openI2CBus(number)
            present = try handle.scan()
        } catch {
            throw .noSensors("cannot scan I2C bus \(number): \(error.description)")
        }
        var sensors: [OpenSensor] = []
        for raw in present.indices where present[raw] == .present {
            guard let address = I2CAddress(raw),
                let (family, identification) = SensorCatalog.identify(on: handle, at: address, delay: board.delay),
                identification.supported,
                let driver = try? family.open(handle, address, board.delay)
            else { continue }
            sensors.append(OpenSensor(name: "\(driver.model)@\(address)", driver: driver))
        }
        guard !sensors.isEmpty else {
            throw .noSensors(
                "no supported sensor found on I2C bus \(number) (`mote scan \(number)` shows what answers)")
        }
        self.sensors = sensors
        names = sensors.map(\.name)
        devices = sensors.map { ($0.name, $0.driver.model) }
    }

    /// Reads every sensor once and averages each channel; a sensor that fails is left out and reported.
    public func sample() -> LocalSample {
        var readings: [Reading] = []
        var failures: [String] = []
        var read: [String] = []
        for index in sensors.indices {
            do throws(SensorError) {
                readings.append(try sensors[index].driver.read())
                read.append(sensors[index].name)
            } catch {
                failures.append("\(sensors[index].name): \(error.description)")
            }
        }
        return LocalSample(readings: readings, failures: failures, devicesRead: read)
    }
}
