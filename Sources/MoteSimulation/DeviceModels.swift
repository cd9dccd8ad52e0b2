import MoteHAL

/// What a scenario gives a device model to start from.
public struct DeviceModelContext {
    /// The board's clock: conversions take time on it.
    public var clock: any SimulationClock
    /// What the sensor measures.
    public var environment: SimulatedEnvironment
    /// A register image from an `i2cdump` the scenario named, if any: a model loaded from one reports the image's
    /// data registers as they are, so a real board's dump replays exactly.
    public var image: [UInt8?]?

    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                image: [UInt8?]? = nil) {
        self.clock = clock
        self.environment = environment
        self.image = image
    }
}

/// One kind of simulated device a scenario can place with `model = "NAME"`.
public struct DeviceModelKind: Sendable {
    /// The scenario's name for it.
    public let name: String
    /// Whether the model cannot work without `dump = …` (a plain register file).
    public let requiresImage: Bool
    /// Builds a fresh device.
    public let make: @Sendable (DeviceModelContext) -> any I2CDeviceModel

    public init(name: String, requiresImage: Bool = false,
                make: @escaping @Sendable (DeviceModelContext) -> any I2CDeviceModel) {
        self.name = name
        self.requiresImage = requiresImage
        self.make = make
    }
}

/// Every device model a scenario can name.
public enum DeviceModels {
    public static let all: [DeviceModelKind] = [
        DeviceModelKind(name: "registers", requiresImage: true) { context in
            RegisterFileDevice(image: context.image ?? [])
        },
        .bme280, .bmp280,
        .bmp388, .bmp390,
        .lps22hb, .lps22hh,
        .sht3x, .sht4x,
        .htu21d, .si7021,
        .aht20,
        .hdc1080, .mcp9808, .tmp102,
    ]

    /// The kind called `name`, or nil.
    public static func named(_ name: String) -> DeviceModelKind? { all.first { $0.name == name } }
}
