import MoteEnergy
import MoteHAL
import MoteSensors

/// A mistake in what the user asked of the duty cycle: a malformed value or a name that is not one of the choices.
public struct SetupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// One line saying what is wrong and what would do.
    public var message: String

    /// Creates an error saying `message`.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// `--power-line [DEVICE=]CHIP:LINE`: a GPIO line switching one sensor, or every sensor not otherwise named.
public struct PowerLineSpecification: Sendable, Equatable {
    /// The sensor it switches (`bme280@0x76`), or nil for every sensor without a line of its own.
    public var device: String?
    /// The chip as the user wrote it: `gpiochip0`, `0`, `/dev/gpiochip0` or a label.
    public var chip: String
    /// The line: an offset, or a line name such as `SENSOR_POWER`.
    public var line: String

    /// Reads `[DEVICE=]CHIP:LINE`.
    public init(parsing text: String) throws(SetupError) {
        var rest = Substring(text)
        if let equals = rest.firstIndex(of: "=") {
            device = String(rest[..<equals])
            rest = rest[rest.index(after: equals)...]
        }
        guard let colon = rest.lastIndex(of: ":"), colon != rest.startIndex, rest.index(after: colon) != rest.endIndex,
              device?.isEmpty != true
        else {
            throw SetupError("--power-line \(text): expected [DEVICE=]CHIP:LINE, e.g. gpiochip0:5, "
                + "gpiochip0:SENSOR_POWER or bme280@0x76=gpiochip0:17")
        }
        chip = String(rest[..<colon])
        line = String(rest[rest.index(after: colon)...])
    }

    /// Which line switches which sensor: a specification naming a device applies to it, one naming none to every
    /// other sensor. Throws for a device that is not among `devices`, or named twice.
    public static func assign(_ specifications: [(PowerLineSpecification, PowerLine)], to devices: [String])
        throws(SetupError) -> [String: PowerLine]
    {
        var lines: [String: PowerLine] = [:]
        var shared: PowerLine?
        for (specification, line) in specifications {
            guard let device = specification.device else {
                if shared != nil { throw SetupError("--power-line: only one line may switch every sensor") }
                shared = line
                continue
            }
            guard devices.contains(device) else {
                throw SetupError("--power-line \(device)=…: no such sensor; sensors: "
                    + devices.joined(separator: ", "))
            }
            guard lines[device] == nil else { throw SetupError("--power-line: \(device) is named twice") }
            lines[device] = line
        }
        if let shared {
            for device in devices where lines[device] == nil { lines[device] = shared }
        }
        return lines
    }
}

/// Builds the node's power model from a board profile and the sensors actually present.
public enum DutyCycleSetup {
    /// The profile's model adapted to `sensors` (device names such as `bme280@0x76`, with their driver model):
    /// its CPU and other components stay; a sensor the profile describes keeps its figures, one it does not gets
    /// its driver's datasheet figures (`SensorDefaults`); each sensor has one task, `sense.DEVICE`, with the
    /// profile's period bounds for it (or 1 s to 1 h) unless `minimumPeriod`/`maximumPeriod` say otherwise; a
    /// sensor with a power line rests off. The profile's sensors that are absent go with their tasks (the ledger
    /// accounts for the parts the node has, not for a sleeping chip that is not on its bus), and so do its network
    /// tasks: the duty-cycle runner has no network transport to run a round with, and the gossip node accounts for
    /// its traffic from its socket's bytes instead.
    public static func model(profile: PowerModel, sensors: [(device: String, driver: String)],
                             powerLines: [String: PowerLine], minimumPeriod: Duration? = nil,
                             maximumPeriod: Duration? = nil) throws(SetupError) -> PowerModel
    {
        var model = profile
        let present = Set(sensors.map(\.device))
        model.components.removeAll { $0.kind == .sensor && !present.contains($0.name) }
        var tasks: [SamplingNeed] = []
        for (device, driver) in sensors {
            let gated = powerLines[device] != nil
            if let index = model.components.firstIndex(where: { $0.name == device }) {
                if gated { model.components[index].restingState = .off }
            } else {
                guard let datasheet = SensorDefaults.datasheet(forDriver: driver) else {
                    throw SetupError("\(device): no datasheet figures for driver \(driver)")
                }
                model.components.append(SensorDefaults.component(named: device, datasheet: datasheet, gated: gated))
            }
            var need = profile.tasks.first { $0.component == device }
                ?? SamplingNeed(name: "sense.\(device)", component: device, minimumPeriod: .seconds(1),
                                maximumPeriod: .seconds(3600))
            if let minimumPeriod { need.minimumPeriod = minimumPeriod }
            if let maximumPeriod { need.maximumPeriod = maximumPeriod }
            guard need.minimumPeriod > .zero, need.minimumPeriod <= need.maximumPeriod else {
                throw SetupError("--min-period must be positive and at most --max-period")
            }
            tasks.append(need)
        }
        model.tasks = tasks
        return model
    }
}
