import MoteHAL

/// A power state of a sensor, as the energy ledger accounts for it.
public enum SensorPowerState: String, Sendable, CaseIterable, Codable {
    /// Powered, not measuring, in the chip's lowest-power mode (sleep / standby / idle between conversions).
    case sleep
    /// Converting.
    case measuring
    /// The on-chip heater is on (chips that have one).
    case heating
}

/// What a chip's datasheet says about its timing and supply current, as data the energy ledger and the scheduler use.
public struct SensorDatasheet: Sendable, Equatable {
    /// The part as its maker names it: `Bosch BME280`.
    public var part: String
    /// Where the figures come from: document, revision and section.
    public var source: String
    /// Typical supply voltage the currents are given at (V).
    public var supplyVolts: Double
    /// Power-on (or soft reset) to the first accepted command.
    public var startupTime: Duration
    /// Maximum conversion time with the driver's default configuration.
    public var measurementTime: Duration
    /// Supply current per state (A), typical unless `source` says otherwise.
    public var currents: [SensorPowerState: Double]

    public init(part: String, source: String, supplyVolts: Double, startupTime: Duration, measurementTime: Duration,
                currents: [SensorPowerState: Double]) {
        self.part = part
        self.source = source
        self.supplyVolts = supplyVolts
        self.startupTime = startupTime
        self.measurementTime = measurementTime
        self.currents = currents
    }
}

/// A driver for one chip on a bus, ready to measure: constructed by identifying, resetting or configuring the chip.
///
/// Drivers are value types generic over `I2CBus`; this protocol lets the CLI and the scheduler hold any of them.
public protocol SensorDriver {
    /// The chip as identified: `bme280`, `bmp280`, `sht31`, …
    var model: String { get }
    /// Where the chip answers.
    var address: I2CAddress { get }
    /// Timing and current figures for the chip as configured.
    var datasheet: SensorDatasheet { get }
    /// Takes one complete measurement with the configured settings (triggering it when the chip needs that).
    mutating func read() throws(SensorError) -> Reading
}
