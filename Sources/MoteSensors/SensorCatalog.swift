import MoteHAL

/// How a chip was recognised at an address.
public struct SensorIdentification: Sendable, Equatable, Codable {
    /// The chip: `bme280`, `bmp280`, `bme680`, `sht31`, …
    public var model: String
    /// What was read to recognise it: `chip id 0x60 at register 0xd0`.
    public var method: String
    /// Whether this project has a driver for the chip (a BME680 is named, but not read).
    public var supported: Bool

    public init(model: String, method: String, supported: Bool = true) {
        self.model = model
        self.method = method
        self.supported = supported
    }
}

/// One driver family as detection and `mote read --device MODEL@ADDR` see it.
public struct SensorFamily: Sendable {
    /// The name users write: `bme280` (also opens a BMP280), `sht3x`, …
    public let name: String
    /// Other names accepted for `--device` (`bmp280`, `sht31`, …).
    public let aliases: [String]
    /// The addresses the chip can be strapped to.
    public let addresses: [UInt8]
    /// Whether identifying needs a write that could disturb another kind of chip (a Sensirion command): such
    /// families are tried after the register-read families at the same address.
    public let identifiesByCommand: Bool
    /// Recognises the chip at `address`, or returns nil when something else (or nothing) answers there.
    public let identify: @Sendable (any I2CBus, I2CAddress, any Delay) -> SensorIdentification?
    /// Opens a driver with its default configuration.
    public let open: @Sendable (any I2CBus, I2CAddress, any Delay) throws(SensorError) -> any SensorDriver

    public init(
        name: String, aliases: [String] = [], addresses: [UInt8], identifiesByCommand: Bool,
        identify: @escaping @Sendable (any I2CBus, I2CAddress, any Delay) -> SensorIdentification?,
        open: @escaping @Sendable (any I2CBus, I2CAddress, any Delay) throws(SensorError) -> any SensorDriver
    ) {
        self.name = name
        self.aliases = aliases
        self.addresses = addresses
        self.identifiesByCommand = identifiesByCommand
        self.identify = identify
        self.open = open
    }
}
