import MoteHAL

/// A Sensirion SHT30/31/35 humidity and temperature sensor, modelled from the SHT3x-DIS datasheet (v6, 2019).
///
/// A command state machine: 16-bit commands (§4), single shot with and without clock stretching (Table 9),
/// periodic mode with fetch, ART and break (§4.5–4.8), soft reset (§4.9), heater (§4.10), status register (§4.11).
/// A read before a measurement is ready is not acknowledged (§4.3); with clock stretching the read holds the bus
/// until the measurement is done, so on the simulated bus it moves the clock to that moment. Every 16-bit word
/// carries its CRC-8 (§4.12). Timing uses the maxima of Table 4 over the whole supply range (2.15–5.5 V).
///
/// Not modelled: the alert limits and ALERT pin (§3.5), the general-call reset, the heater's temperature rise (the
/// heater only sets its status bit; the datasheet calls it a plausibility check of a few °C), and the 1 ms idle
/// time between commands (a driver that skips it works here but may not on a real chip). In periodic mode the
/// model refuses every command but fetch, break and soft reset: §4.8 recommends a break before any other command,
/// and a strict chip catches drivers that do not follow it. A command-based chip has no register image, so
/// `DeviceModelContext.image` is ignored.
public final class SHT3xModel: I2CDeviceModel {
    public let modelName = "sht3x"
    /// What the sensor measures.
    public var environment: SimulatedEnvironment

    private let clock: any SimulationClock
    /// Until this moment the chip does not acknowledge its address (power-up, soft reset, break).
    private var busyUntil: Duration
    private var pendingResult: (ready: Duration, stretching: Bool, words: [UInt16])?
    private var periodic: (start: Duration, period: Duration, measurement: Duration, lastFetched: Int)?
    private var replyWords: [UInt16]?
    private var heaterOn = false
    private var resetDetected = true
    private var commandFailed = false

    /// Maximum measurement durations per repeatability (Table 4 at 2.15 V ≤ VDD < 2.4 V, the longest: high 15.5 ms,
    /// medium 6.5 ms, low 4.5 ms).
    static let measurementTime: [UInt8: Duration] = [0: .microseconds(15_500), 1: .microseconds(6_500),
                                                      2: .microseconds(4_500)]
    /// Maximum soft-reset and power-up time (Table 4: 1.5 ms).
    static let resetTime = Duration.microseconds(1_500)
    /// How long a break takes before the chip is back in single shot mode (§4.8: 1 ms).
    static let breakTime = Duration.milliseconds(1)

    /// Creates a sensor; with `justPoweredUp` it answers only after the power-up time, otherwise it has been
    /// powered for a while and answers at once.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                justPoweredUp: Bool = false) {
        self.clock = clock
        self.environment = environment
        self.busyUntil = clock.now + (justPoweredUp ? Self.resetTime : .zero)
    }

    /// The status register (Table 18): alert pending (15), heater (13), reset detected (4), command failed (1).
    ///
    /// Alert pending reads 1 after a reset (its default) until the status is cleared; the tracking alerts (11, 10)
    /// stay 0 because alert limits are not modelled.
    var status: UInt16 {
        var value: UInt16 = 0
        if resetDetected { value |= 1 << 4 | 1 << 15 }
        if heaterOn { value |= 1 << 13 }
        if commandFailed { value |= 1 << 1 }
        return value
    }

    /// Whether the heater is on (§4.10).
    public var isHeating: Bool { heaterOn }

    /// Whether the chip is in periodic data acquisition mode (§4.5, including ART).
    public var isPeriodic: Bool { periodic != nil }

    public func start(read: Bool) -> Bool {
        guard clock.now >= busyUntil else { return false }
        guard read else { return true }
        return replyReady()
    }

    private func replyReady() -> Bool {
        if replyWords != nil { return true }
        guard let pending = pendingResult else { return false }
        if pending.stretching, clock.now < pending.ready {
            // §4.3: with clock stretching the sensor acknowledges the read header and holds SCL low until the
            // measurement is done.
            clock.sleep(until: pending.ready)
        }
        guard clock.now >= pending.ready else { return false }
        replyWords = pending.words
        pendingResult = nil
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        // A lone byte is not a command (commands are 16 bits with a 3-bit checksum inside, §4); the chip
        // acknowledges it and does nothing when the STOP comes. A bare address write (quick probe) is the same.
        guard bytes.count >= 2 else { return }
        let command = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        if periodic != nil, command != 0xE000, command != 0x3093, command != 0x30A2 {
            commandFailed = true
            throw DeviceRefusal.noAcknowledge("command 0x\(String(command, radix: 16)) refused in periodic mode")
        }
        replyWords = nil
        switch command {
        case 0x2C06, 0x2400: singleShot(repeatability: 0, stretching: command == 0x2C06)
        case 0x2C0D, 0x240B: singleShot(repeatability: 1, stretching: command == 0x2C0D)
        case 0x2C10, 0x2416: singleShot(repeatability: 2, stretching: command == 0x2C10)
        case 0xE000: fetch()
        case 0x2B32: startPeriodic(period: .milliseconds(250), repeatability: 0)
        case 0x3093:
            periodic = nil
            pendingResult = nil
            busyUntil = clock.now + Self.breakTime
        case 0x30A2: softReset()
        case 0x306D: heaterOn = true
        case 0x3066: heaterOn = false
        case 0xF32D: replyWords = [status]
        case 0x3041:
            resetDetected = false
            commandFailed = false
        default:
            if let (period, repeatability) = Self.periodicCommands[command] {
                startPeriodic(period: period, repeatability: repeatability)
            } else {
                commandFailed = true
                throw DeviceRefusal.noAcknowledge("unknown command 0x\(String(command, radix: 16))")
            }
        }
        commandFailed = false
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        guard let words = replyWords else { throw DeviceRefusal.noAcknowledge("no data ready") }
        replyWords = nil
        let bytes = SensirionCRC.framed(words)
        // The controller may stop early (NACK after any byte); past the last CRC the bus reads 0xFF.
        return (0..<count).map { $0 < bytes.count ? bytes[$0] : 0xFF }
    }

    public func stop() {}

    /// Periodic-mode commands (Table 10): measurement period and repeatability (0 high, 1 medium, 2 low).
    static let periodicCommands: [UInt16: (Duration, UInt8)] = [
        0x2032: (.seconds(2), 0), 0x2024: (.seconds(2), 1), 0x202F: (.seconds(2), 2),
        0x2130: (.seconds(1), 0), 0x2126: (.seconds(1), 1), 0x212D: (.seconds(1), 2),
        0x2236: (.milliseconds(500), 0), 0x2220: (.milliseconds(500), 1), 0x222B: (.milliseconds(500), 2),
        0x2334: (.milliseconds(250), 0), 0x2322: (.milliseconds(250), 1), 0x2329: (.milliseconds(250), 2),
        0x2737: (.milliseconds(100), 0), 0x2721: (.milliseconds(100), 1), 0x272A: (.milliseconds(100), 2),
    ]

    /// The raw words the sensor reports for its environment, inverting §4.13's conversion formulas.
    var measurementWords: [UInt16] {
        let temperature = (environment.temperatureCelsius + 45) / 175 * 65535
        let humidity = environment.relativeHumidityPercent / 100 * 65535
        return [Self.clampedWord(temperature), Self.clampedWord(humidity)]
    }

    private static func clampedWord(_ value: Double) -> UInt16 {
        guard value.isFinite else { return 0 }
        return UInt16(min(65535, max(0, value.rounded())))
    }

    private func singleShot(repeatability: UInt8, stretching: Bool) {
        let duration = Self.measurementTime[repeatability] ?? .zero
        pendingResult = (clock.now + duration, stretching, measurementWords)
    }

    private func startPeriodic(period: Duration, repeatability: UInt8) {
        pendingResult = nil
        periodic = (clock.now, period, Self.measurementTime[repeatability] ?? .zero, 0)
    }

    private func fetch() {
        guard let mode = periodic else { return }
        let elapsed = clock.now - mode.start - mode.measurement
        guard elapsed >= .zero else { return }
        let completed = Int(elapsed / mode.period) + 1
        if completed > mode.lastFetched {
            periodic?.lastFetched = completed
            replyWords = measurementWords
        }
    }

    private func softReset() {
        periodic = nil
        pendingResult = nil
        heaterOn = false
        resetDetected = true
        busyUntil = clock.now + Self.resetTime
    }
}

extension DeviceModelKind {
    /// A Sensirion SHT3x (`model = "sht3x"` in a scenario): measures the scenario's environment.
    public static let sht3x = DeviceModelKind(name: "sht3x") { context in
        SHT3xModel(clock: context.clock, environment: context.environment)
    }
}
