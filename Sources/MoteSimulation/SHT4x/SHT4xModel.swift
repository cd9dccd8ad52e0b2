import MoteHAL

/// A Sensirion SHT40/41/45 humidity and temperature sensor, modelled from the SHT4x datasheet (v7.1, 2025).
///
/// A command state machine with one-byte commands: three measurement precisions (0xFD, 0xF6, 0xE0), six heater
/// pulses each ending in a high-precision measurement (0x39, 0x32, 0x2F, 0x24, 0x1E, 0x15), the serial number
/// (0x89) and soft reset (0x94). The chip never stretches the clock: a read header before the result is ready is
/// not acknowledged, and a result is read once. Replies are 16-bit words, each followed by its CRC-8. Timing is
/// the maxima of the timing table (Table 5): measurements 8.3/4.5/1.6 ms, heater pulses 1.1/0.11 s, soft reset and
/// power-up 1 ms.
///
/// Not modelled: the heater's effect. A pulse takes its time, counts towards `heaterOnTime` and returns the
/// environment as it is, where a real chip would read several degrees warmer and correspondingly drier. The
/// general-call reset is not modelled either. An unknown command byte is not acknowledged. A command-based chip has
/// no register image, so `DeviceModelContext.image` is ignored.
public final class SHT4xModel: I2CDeviceModel {
    public let modelName = "sht4x"
    /// What the sensor measures.
    public var environment: SimulatedEnvironment
    /// The unique serial number the chip reports to command 0x89.
    public let serialNumber: UInt32
    /// How long the heater has been on in total, over all pulses.
    public private(set) var heaterOnTime: Duration = .zero

    private let clock: any SimulationClock
    /// Until this moment the chip does not acknowledge its address (power-up, soft reset).
    private var busyUntil: Duration
    private var pending: (ready: Duration, words: [UInt16])?
    private var reply: [UInt16]?

    /// Maximum measurement durations per precision command (Table 5: high 8.3 ms, medium 4.5 ms, low 1.6 ms).
    static let measurementTime: [UInt8: Duration] = [
        0xFD: .microseconds(8_300), 0xF6: .microseconds(4_500), 0xE0: .microseconds(1_600),
    ]
    /// Heater commands and their maximum on-times (Table 5: long pulse 1.1 s, short 0.11 s).
    static let heaterTime: [UInt8: Duration] = [
        0x39: .milliseconds(1_100), 0x32: .milliseconds(110), 0x2F: .milliseconds(1_100),
        0x24: .milliseconds(110), 0x1E: .milliseconds(1_100), 0x15: .milliseconds(110),
    ]
    /// Maximum power-up and soft-reset time (Table 5: 1 ms).
    static let resetTime = Duration.milliseconds(1)
    /// How long the chip takes to serve its serial number. The datasheet gives no figure; an immediate read is
    /// not acknowledged on real chips (sirhcel/sht4x, src/commands.rs), so the model takes 1 ms.
    static let serialNumberTime = Duration.milliseconds(1)

    /// Creates a sensor with a serial number; with `justPoweredUp` it answers only after the power-up time.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                serialNumber: UInt32 = 0x0FBA_F98F, justPoweredUp: Bool = false) {
        self.clock = clock
        self.environment = environment
        self.serialNumber = serialNumber
        self.busyUntil = clock.now + (justPoweredUp ? Self.resetTime : .zero)
    }

    public func start(read: Bool) -> Bool {
        guard clock.now >= busyUntil else { return false }
        guard read else { return true }
        if reply == nil, let result = pending, clock.now >= result.ready {
            reply = result.words
            pending = nil
        }
        return reply != nil
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        guard let command = bytes.first else { return }
        reply = nil
        if let duration = Self.measurementTime[command] {
            pending = (clock.now + duration, measurementWords)
        } else if let duration = Self.heaterTime[command] {
            // The high-precision measurement is taken just before the heater switches off.
            heaterOnTime += duration
            pending = (clock.now + duration, measurementWords)
        } else if command == 0x89 {
            pending = (clock.now + Self.serialNumberTime, [UInt16(serialNumber >> 16), UInt16(serialNumber & 0xFFFF)])
        } else if command == 0x94 {
            pending = nil
            busyUntil = clock.now + Self.resetTime
        } else {
            throw DeviceRefusal.noAcknowledge("unknown command 0x\(hex2(command))")
        }
        if bytes.count > 1 {
            throw DeviceRefusal.noAcknowledge("commands are one byte; 0x\(hex2(bytes[1])) after 0x\(hex2(command))")
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        guard let words = reply else { throw DeviceRefusal.noAcknowledge("no data ready") }
        reply = nil
        let bytes = SensirionCRC.framed(words)
        // The controller may stop early; past the last CRC the released bus reads 0xFF.
        return (0..<count).map { $0 < bytes.count ? bytes[$0] : 0xFF }
    }

    public func stop() {}

    /// The raw words the sensor reports for its environment, inverting the datasheet's conversion (§4.6):
    /// S_T = (T + 45) / 175 · 65535 and S_RH = (RH + 6) / 125 · 65535.
    var measurementWords: [UInt16] {
        let temperature = (environment.temperatureCelsius + 45) / 175 * 65535
        let humidity = (environment.relativeHumidityPercent + 6) / 125 * 65535
        return [Self.clampedWord(temperature), Self.clampedWord(humidity)]
    }

    private static func clampedWord(_ value: Double) -> UInt16 {
        guard value.isFinite else { return 0 }
        return UInt16(min(65535, max(0, value.rounded())))
    }
}

extension DeviceModelKind {
    /// A Sensirion SHT4x (`model = "sht4x"` in a scenario): measures the scenario's environment.
    public static let sht4x = DeviceModelKind(name: "sht4x") { context in
        SHT4xModel(clock: context.clock, environment: context.environment)
    }
}
