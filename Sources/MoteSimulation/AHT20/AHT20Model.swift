import MoteHAL

/// An Aosong AHT20 humidity and temperature sensor, modelled from its product manual (v1.1, 2020-04-16).
///
/// Commands (§5.3 Table 9): initialise 0xBE 0x08 0x00 (calibration loaded 10 ms later), trigger 0xAC 0x33 0x00
/// (the busy bit is set for the 80 ms the measurement takes), soft reset 0xBA (nothing acknowledged for 20 ms).
/// Every read, with no command before it, returns the status byte (busy bit 7, calibration bit 3; Table 10), the
/// five data bytes of the last completed measurement — stale while busy — and the CRC-8 (polynomial 0x31,
/// initial 0xFF) over status and data; a controller may stop after any byte. A written 0x71 — the read header
/// byte, which some drivers send as if it were a command — is acknowledged and ignored; other commands are not
/// acknowledged. Calibration lives in OTP and survives a soft reset.
public final class AHT20Model: I2CDeviceModel {
    /// What a scenario calls the model.
    public let modelName = "aht20"
    /// What the sensor measures.
    public var environment: SimulatedEnvironment
    /// Whether the calibration bit reads set (a fresh part may need the initialise command).
    public private(set) var isCalibrated: Bool

    private let clock: any SimulationClock
    private var readyAfterReset: Duration
    private var calibratedAt: Duration?
    private var measurement: (done: Duration, data: [UInt8])?
    private var lastData: [UInt8] = [0, 0, 0, 0, 0]

    /// Power-on time before the first command (§5.4 step 1: wait 40 ms).
    static let powerOnTime = Duration.milliseconds(40)
    /// Measurement time (§5.4 step 3: wait 80 ms).
    static let measurementTime = Duration.milliseconds(80)
    /// Initialisation time (§5.4 step 1: wait 10 ms).
    static let initializationTime = Duration.milliseconds(10)
    /// Soft reset time (§5.5: no more than 20 ms).
    static let softResetTime = Duration.milliseconds(20)

    /// Creates a sensor; with `justPoweredUp` it answers only after 40 ms; with `calibrated: false` its
    /// calibration bit stays clear until the initialise command.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                justPoweredUp: Bool = false, calibrated: Bool = true) {
        self.clock = clock
        self.environment = environment
        self.isCalibrated = calibrated
        self.readyAfterReset = clock.now + (justPoweredUp ? Self.powerOnTime : .zero)
    }

    /// The status byte now: bit 7 busy, bit 3 calibrated.
    public var status: UInt8 {
        advance()
        return (measurement != nil ? 0x80 : 0) | (isCalibrated ? 0x08 : 0)
    }

    /// START: nothing is acknowledged during power-up or a soft reset.
    public func start(read: Bool) -> Bool { clock.now >= readyAfterReset }

    /// A command and its parameters; unknown commands are not acknowledged.
    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        guard let command = bytes.first else { return }
        advance()
        switch command {
        case 0xAC:
            guard bytes == [0xAC, 0x33, 0x00] else {
                throw DeviceRefusal.noAcknowledge("trigger needs parameters 0x33 0x00")
            }
            measurement = (clock.now + Self.measurementTime, Self.dataBytes(for: environment))
        case 0xBE:
            guard bytes == [0xBE, 0x08, 0x00] else {
                throw DeviceRefusal.noAcknowledge("initialise needs parameters 0x08 0x00")
            }
            calibratedAt = clock.now + Self.initializationTime
        case 0xBA:
            measurement = nil
            calibratedAt = nil
            readyAfterReset = clock.now + Self.softResetTime
        case 0x71:
            break
        default:
            throw DeviceRefusal.noAcknowledge("unknown command 0x\(hex2(command))")
        }
    }

    /// The bytes the chip clocks out; past its reply the bus reads 0xFF.
    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        let frame = [status] + lastData
        let bytes = frame + [Self.checksum(frame)]
        return (0..<count).map { $0 < bytes.count ? bytes[$0] : 0xFF }
    }

    /// STOP: nothing to do; the chip keeps its state between transactions.
    public func stop() {}

    /// Completes what the clock says is done: a measurement's data replace the last ones, calibration loads.
    private func advance() {
        if let pending = measurement, clock.now >= pending.done {
            lastData = pending.data
            measurement = nil
        }
        if let when = calibratedAt, clock.now >= when {
            isCalibrated = true
            calibratedAt = nil
        }
    }

    /// The five data bytes for an environment, inverting §6: S_RH = RH / 100 · 2^20 and S_T = (T + 50) / 200 · 2^20,
    /// humidity in the first 20 bits, temperature in the last 20.
    static func dataBytes(for environment: SimulatedEnvironment) -> [UInt8] {
        let fullScale = 1_048_576.0
        func field(_ value: Double) -> UInt32 { UInt32(min(fullScale - 1, max(0, (value * fullScale).rounded()))) }
        let humidity = field(environment.relativeHumidityPercent / 100)
        let temperature = field((environment.temperatureCelsius + 50) / 200)
        return [
            UInt8(humidity >> 12), UInt8(humidity >> 4 & 0xFF), UInt8((humidity & 0x0F) << 4 | temperature >> 16),
            UInt8(temperature >> 8 & 0xFF), UInt8(temperature & 0xFF),
        ]
    }

    /// CRC-8: polynomial x^8 + x^5 + x^4 + 1, initial value 0xFF (§5.4 step 4).
    static func checksum(_ bytes: [UInt8]) -> UInt8 {
        var remainder: UInt8 = 0xFF
        for byte in bytes {
            remainder ^= byte
            for _ in 0..<8 {
                remainder = remainder & 0x80 != 0 ? (remainder << 1) ^ 0x31 : remainder << 1
            }
        }
        return remainder
    }
}

extension DeviceModelKind {
    /// An Aosong AHT20 at 0x38 (`model = "aht20"`).
    public static let aht20 = DeviceModelKind(name: "aht20") { context in
        AHT20Model(clock: context.clock, environment: context.environment)
    }
}
