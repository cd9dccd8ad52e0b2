import Foundation
import MoteHAL

/// A Sensirion SHT30, SHT31 or SHT35 humidity and temperature sensor (SHT3x-DIS datasheet, version 6, 2019).
///
/// A command chip: every operation is a 16-bit command write (§4), some followed by a read of 16-bit words each
/// with its CRC-8 (§4.12). The driver identifies the chip by its status register (§4.11), stops any periodic
/// acquisition a previous user left running (§4.8), soft-resets it (§4.9) and applies its configuration. The three
/// variants differ only in accuracy and share one command set, so none can be told from another.
///
/// Needs an adapter with plain I2C transfers: replies are read without a command byte, which SMBus cannot carry.
public struct SHT3x<Bus: I2CBus>: SensorDriver {
    /// Measurement repeatability: how long the chip averages, trading time and charge for noise (§2, Table 4).
    public enum Repeatability: String, Sendable, CaseIterable {
        /// Lowest noise, longest measurement.
        case high
        /// Medium noise and duration.
        case medium
        /// Highest noise, shortest measurement.
        case low

        /// The longest a measurement takes (Table 4: high 15.5 ms, medium 6.5 ms, low 4.5 ms; the maxima over the
        /// whole 2.15–5.5 V supply range, 0.5 ms above those at VDD ≥ 2.4 V).
        public var maximumMeasurementTime: Duration {
            switch self {
            case .high: return .microseconds(15_500)
            case .medium: return .microseconds(6_500)
            case .low: return .microseconds(4_500)
            }
        }
    }

    /// The measurement rates of periodic data acquisition mode (Table 10).
    public enum PeriodicRate: String, Sendable, CaseIterable {
        /// 0.5 measurements per second.
        case halfPerSecond
        /// 1 measurement per second.
        case onePerSecond
        /// 2 measurements per second.
        case twoPerSecond
        /// 4 measurements per second.
        case fourPerSecond
        /// Ten measurements per second; Table 10 warns that the sensor may heat itself at this rate.
        case tenPerSecond

        /// The time between two measurements.
        public var period: Duration {
            switch self {
            case .halfPerSecond: return .seconds(2)
            case .onePerSecond: return .seconds(1)
            case .twoPerSecond: return .milliseconds(500)
            case .fourPerSecond: return .milliseconds(250)
            case .tenPerSecond: return .milliseconds(100)
            }
        }
    }

    /// How the chip measures and how `read()` gets a result.
    public enum Mode: Sendable, Equatable {
        /// One measurement per `read()`; the driver waits the maximum measurement time, then reads (§4.3, Table 9).
        case singleShot
        /// One measurement per `read()`; the chip holds SCL low until it is done (§4.3). Off by default: the
        /// Raspberry Pi's BCM2835 I2C controller is known to mishandle long clock stretching.
        case singleShotWithClockStretching
        /// The chip measures on its own at `rate` (§4.5); `read()` fetches the latest result (§4.6).
        case periodic(PeriodicRate)
        /// Periodic measurement at 4 Hz with accelerated response time (ART, §4.7).
        case acceleratedResponseTime

        /// The period of a periodic mode, nil in single shot.
        public var period: Duration? {
            switch self {
            case .singleShot, .singleShotWithClockStretching: return nil
            case .periodic(let rate): return rate.period
            case .acceleratedResponseTime: return .milliseconds(250)
            }
        }
    }

    /// The chip's settings. The default suits weather monitoring: single shot without clock stretching at high
    /// repeatability (16 ms at 600 µA a reading buys the lowest noise), heater off.
    public struct Configuration: Sendable, Equatable {
        /// Measurement repeatability (§2, Table 9 and 10).
        public var repeatability: Repeatability
        /// Single shot or periodic acquisition.
        public var mode: Mode
        /// Whether the on-chip heater is on (§4.10); it raises the temperature a few °C, for plausibility checks.
        public var heater: Bool
        /// How many times a read the chip did not acknowledge (not ready) is retried before `.timedOut`.
        public var notReadyRetries: Int
        /// The wait between those retries.
        public var notReadyRetryInterval: Duration

        /// Creates a configuration; the defaults are high repeatability, single shot, heater off, 5 retries 1 ms apart.
        public init(repeatability: Repeatability = .high, mode: Mode = .singleShot, heater: Bool = false,
                    notReadyRetries: Int = 5, notReadyRetryInterval: Duration = .milliseconds(1)) {
            self.repeatability = repeatability
            self.mode = mode
            self.heater = heater
            self.notReadyRetries = notReadyRetries
            self.notReadyRetryInterval = notReadyRetryInterval
        }
    }

    /// The status register (§4.11, Table 18).
    public struct Status: Sendable, Equatable, CustomStringConvertible {
        /// The register as read.
        public let rawValue: UInt16

        /// Wraps a status word as read from the chip.
        public init(rawValue: UInt16) { self.rawValue = rawValue }

        /// Bit 15: at least one alert is pending (1 after every reset until cleared).
        public var alertPending: Bool { rawValue & 1 << 15 != 0 }
        /// Bit 13: the heater is on.
        public var heaterOn: Bool { rawValue & 1 << 13 != 0 }
        /// Bit 11: the humidity tracking alert.
        public var humidityAlert: Bool { rawValue & 1 << 11 != 0 }
        /// Bit 10: the temperature tracking alert.
        public var temperatureAlert: Bool { rawValue & 1 << 10 != 0 }
        /// Bit 4: a reset (power-up, soft reset, nRESET, supply drop) happened since the last clear.
        public var resetDetected: Bool { rawValue & 1 << 4 != 0 }
        /// Bit 1: the last command was not processed (invalid, or its built-in checksum failed).
        public var lastCommandFailed: Bool { rawValue & 1 << 1 != 0 }
        /// Bit 0: the checksum of the last data write failed.
        public var writeChecksumFailed: Bool { rawValue & 1 != 0 }

        /// The bits Table 18 reserves (14, 12, 9–5, 3–2); an SHT3x reads them as 0.
        public static var reservedBits: UInt16 { 0x53EC }

        /// The register as four hex digits: `0x8010`.
        public var description: String { "0x" + String(format: "%04x", rawValue) }
    }

    /// The 16-bit commands (Tables 9–17 and 19).
    enum Command {
        static var fetchData: UInt16 { 0xE000 }
        static var acceleratedResponseTime: UInt16 { 0x2B32 }
        static var breakPeriodic: UInt16 { 0x3093 }
        static var softReset: UInt16 { 0x30A2 }
        static var heaterOn: UInt16 { 0x306D }
        static var heaterOff: UInt16 { 0x3066 }
        static var readStatus: UInt16 { 0xF32D }
        static var clearStatus: UInt16 { 0x3041 }

        /// Single shot (Table 9): clock stretching enabled 0x2C06/0x2C0D/0x2C10, disabled 0x2400/0x240B/0x2416.
        static func singleShot(_ repeatability: Repeatability, clockStretching: Bool) -> UInt16 {
            switch (repeatability, clockStretching) {
            case (.high, true): return 0x2C06
            case (.medium, true): return 0x2C0D
            case (.low, true): return 0x2C10
            case (.high, false): return 0x2400
            case (.medium, false): return 0x240B
            case (.low, false): return 0x2416
            }
        }

        /// Periodic acquisition (Table 10), by rate and repeatability.
        static func periodic(_ rate: PeriodicRate, _ repeatability: Repeatability) -> UInt16 {
            let codes: [UInt16] = switch rate {
            case .halfPerSecond: [0x2032, 0x2024, 0x202F]
            case .onePerSecond: [0x2130, 0x2126, 0x212D]
            case .twoPerSecond: [0x2236, 0x2220, 0x222B]
            case .fourPerSecond: [0x2334, 0x2322, 0x2329]
            case .tenPerSecond: [0x2737, 0x2721, 0x272A]
            }
            switch repeatability {
            case .high: return codes[0]
            case .medium: return codes[1]
            case .low: return codes[2]
            }
        }
    }

    /// The idle time the chip needs after a command before it takes the next one (Table 9: 1 ms).
    static var commandIdleTime: Duration { .milliseconds(1) }
    /// Soft reset to idle, maximum (Table 4: 1.5 ms).
    static var softResetTime: Duration { .microseconds(1_500) }

    /// The address with the ADDR pin tied low (§3); 0x45 with ADDR high.
    public static var defaultAddress: I2CAddress { I2CAddress(rawValue: 0x44)! }

    /// The bus the chip is on.
    public let bus: Bus
    /// The chip's address (0x44 or 0x45).
    public let address: I2CAddress
    /// What the driver waits with (the system clock on hardware, the simulation's clock otherwise).
    public let delay: any Delay
    /// The settings in force.
    public private(set) var configuration: Configuration
    /// The status register as read when the chip was identified, before the driver reset it.
    public let statusAtIdentification: Status

    /// `sht3x`: the SHT30, SHT31 and SHT35 cannot be told apart over the bus.
    public var model: String { "sht3x" }

    /// Timing and currents from the SHT3x-DIS datasheet (version 6), for the default configuration.
    ///
    /// Currents are typical at 3.3 V (Table 3): 0.2 µA idle in single shot mode, 600 µA measuring. The heater is
    /// specified as a power (3.6–33 mW, depending on the supply), not a current, so no heating current is given.
    public static var datasheet: SensorDatasheet {
        SensorDatasheet(
            part: "Sensirion SHT3x-DIS (SHT30, SHT31, SHT35)",
            source: "Sensirion SHT3x-DIS datasheet v6 (Feb 2019): Table 3 electrical specifications (typical at "
                + "3.3 V), Table 4 timing (maxima over 2.15–5.5 V)",
            supplyVolts: 3.3,
            startupTime: .microseconds(1_500),
            measurementTime: Repeatability.high.maximumMeasurementTime,
            currents: [.sleep: 0.2e-6, .measuring: 600e-6])
    }

    /// The datasheet figures for the configuration in force: its repeatability's measurement time, and in periodic
    /// mode the 45 µA the chip draws between measurements (Table 3).
    public var datasheet: SensorDatasheet {
        var sheet = Self.datasheet
        sheet.measurementTime = configuration.repeatability.maximumMeasurementTime
        if configuration.mode.period != nil { sheet.currents[.sleep] = 45e-6 }
        return sheet
    }

    /// Identifies the chip at `address` by its status register, stops periodic acquisition, soft-resets it and
    /// applies `configuration`.
    ///
    /// Throws `.bus(.unsupported)` on an SMBus-only adapter before touching the bus; `.crcMismatch` when the status
    /// word fails its CRC; `.unsupportedChip` when the device acknowledges the status command but returns no status,
    /// or a status with reserved bits set.
    public init(bus: Bus, address: I2CAddress = Self.defaultAddress, delay: any Delay,
                configuration: Configuration = Configuration()) throws(SensorError) {
        try SensirionWords.requirePlainI2C(bus, chip: "SHT3x")
        try Self.validate(configuration)
        self.bus = bus
        self.address = address
        self.delay = delay
        let status: Status
        do {
            status = try Self.readStatus(bus, address, delay: delay, retries: configuration.notReadyRetries,
                                         interval: configuration.notReadyRetryInterval)
        } catch .timedOut(let detail) {
            throw .unsupportedChip(
                id: 0, detail: "the device at \(address) acknowledged the SHT3x status command 0xf32d but sent "
                    + "no status (\(detail)); an SHT4x answers only one-byte commands: try sht4x")
        }
        guard status.rawValue & Status.reservedBits == 0 else {
            throw .unsupportedChip(
                id: UInt32(status.rawValue),
                detail: "status register \(status) at \(address) has bits set that the SHT3x reserves (Table 18)")
        }
        self.statusAtIdentification = status
        // A previous user may have left the chip measuring periodically; it then takes only fetch and break (§4.8).
        self.configuration = Configuration(mode: .singleShot)
        try send(Command.breakPeriodic)
        delay.sleep(for: Self.commandIdleTime)
        try send(Command.softReset)
        delay.sleep(for: Self.softResetTime)
        try apply(configuration, from: self.configuration)
    }

    // MARK: Measuring

    /// Takes one measurement with the configured settings: a single shot, or the next periodic result.
    ///
    /// In periodic mode the result of the latest measurement not yet fetched is returned; when there is none the
    /// driver asks again every quarter period for one and a half periods, then gives up with `.timedOut`.
    public mutating func read() throws(SensorError) -> Reading {
        switch configuration.mode {
        case .singleShot:
            return try measureSingleShot(repeatability: configuration.repeatability, clockStretching: false)
        case .singleShotWithClockStretching:
            return try measureSingleShot(repeatability: configuration.repeatability, clockStretching: true)
        case .periodic, .acceleratedResponseTime:
            let period = configuration.mode.period ?? .seconds(1)
            for attempt in 0...6 {
                if attempt > 0 { delay.sleep(for: period / 4) }
                if let reading = try fetch() { return reading }
            }
            throw .timedOut("no periodic measurement from \(address) on \(bus.name) within 1.5 periods")
        }
    }

    /// Takes one single shot measurement (Table 9), whatever the configured mode's repeatability.
    ///
    /// Without clock stretching the driver waits the maximum measurement time, then reads, retrying a read the
    /// chip does not acknowledge (§4.3: not ready) `notReadyRetries` times. With clock stretching it waits the
    /// 1 ms the chip needs after a command (Table 9) and the read blocks until the result is ready.
    public func measureSingleShot(repeatability: Repeatability, clockStretching: Bool) throws(SensorError)
        -> Reading
    {
        guard configuration.mode.period == nil else {
            throw .invalidConfiguration("the SHT3x at \(address) is in periodic mode; stop it first (§4.8)")
        }
        try send(Command.singleShot(repeatability, clockStretching: clockStretching))
        delay.sleep(for: clockStretching ? Self.commandIdleTime : repeatability.maximumMeasurementTime)
        let bytes = try SensirionWords.readWhenReady(
            bus, address, count: 6, delay: delay, retries: configuration.notReadyRetries,
            interval: configuration.notReadyRetryInterval, what: "SHT3x measurement")
        return try Self.reading(from: bytes)
    }

    /// Fetches the latest periodic measurement (§4.6), or nil when the chip has none since the last fetch (it does
    /// not acknowledge the read then, and clears its result once fetched).
    public func fetch() throws(SensorError) -> Reading? {
        guard configuration.mode.period != nil else {
            throw .invalidConfiguration("fetch needs periodic mode; the SHT3x at \(address) is in single shot mode")
        }
        try send(Command.fetchData)
        let bytes: [UInt8]
        do {
            bytes = try bus.read(address, count: 6)
        } catch where error.kind == .noAcknowledge {
            return nil
        } catch {
            throw .bus(error)
        }
        return try Self.reading(from: bytes)
    }

    // MARK: Configuration and maintenance

    /// Switches to `configuration`: stops periodic acquisition if it runs, sets the heater, starts the new mode.
    public mutating func reconfigure(_ configuration: Configuration) throws(SensorError) {
        try Self.validate(configuration)
        try apply(configuration, from: self.configuration)
    }

    /// Turns the heater on or off (§4.10), pausing periodic acquisition around the command.
    public mutating func setHeater(_ on: Bool) throws(SensorError) {
        var changed = configuration
        changed.heater = on
        try apply(changed, from: configuration)
    }

    /// Starts periodic acquisition at `rate` with the configured repeatability (§4.5).
    public mutating func startPeriodic(rate: PeriodicRate) throws(SensorError) {
        var changed = configuration
        changed.mode = .periodic(rate)
        try apply(changed, from: configuration)
    }

    /// Starts periodic acquisition with accelerated response time, 4 Hz (§4.7).
    public mutating func startAcceleratedResponseTime() throws(SensorError) {
        var changed = configuration
        changed.mode = .acceleratedResponseTime
        try apply(changed, from: configuration)
    }

    /// Stops periodic acquisition with the break command (§4.8) and returns to single shot mode.
    public mutating func stopPeriodic() throws(SensorError) {
        var changed = configuration
        changed.mode = .singleShot
        try apply(changed, from: configuration)
    }

    /// Reads the status register (§4.11), pausing periodic acquisition around the read.
    public func readStatus() throws(SensorError) -> Status {
        try pausingPeriodic { () throws(SensorError) -> Status in
            try Self.readStatus(bus, address, delay: delay, retries: configuration.notReadyRetries,
                                interval: configuration.notReadyRetryInterval)
        }
    }

    /// Clears the alert and reset-detected flags of the status register (§4.11, Table 19: bits 15, 11, 10, 4).
    public func clearStatus() throws(SensorError) {
        try pausingPeriodic { () throws(SensorError) in
            try send(Command.clearStatus)
            delay.sleep(for: Self.commandIdleTime)
        }
    }

    /// Soft-resets the chip (§4.9: recalibrates, heater off, single shot) and applies the configuration again.
    public mutating func softReset() throws(SensorError) {
        let wanted = configuration
        if configuration.mode.period != nil {
            try send(Command.breakPeriodic)
            delay.sleep(for: Self.commandIdleTime)
        }
        try send(Command.softReset)
        delay.sleep(for: Self.softResetTime)
        configuration = Configuration(mode: .singleShot)
        try apply(wanted, from: configuration)
    }

    // MARK: Conversion (§4.13)

    /// Temperature in °C from the raw word: T = -45 + 175 · S_T / (2^16 − 1) (§4.13).
    public static func temperatureCelsius(raw: UInt16) -> Double {
        -45 + 175 * Double(raw) / 65535
    }

    /// Relative humidity in %RH from the raw word: RH = 100 · S_RH / (2^16 − 1) (§4.13); always within 0–100.
    public static func relativeHumidityPercent(raw: UInt16) -> Double {
        100 * Double(raw) / 65535
    }

    /// The reading in a 6-byte measurement reply (temperature word, CRC, humidity word, CRC; §4.4), CRCs checked.
    public static func reading(from bytes: [UInt8]) throws(SensorError) -> Reading {
        let words = try SensirionWords.decode(bytes, names: ["SHT3x temperature", "SHT3x humidity"])
        return Reading(temperatureCelsius: temperatureCelsius(raw: words[0]),
                       relativeHumidityPercent: relativeHumidityPercent(raw: words[1]))
    }

    // MARK: Internals

    private static func validate(_ configuration: Configuration) throws(SensorError) {
        guard configuration.notReadyRetries >= 0, configuration.notReadyRetryInterval >= .zero else {
            throw .invalidConfiguration("notReadyRetries and notReadyRetryInterval cannot be negative")
        }
    }

    /// Reads the status word: command 0xf32d, the 1 ms idle time, then three bytes (§4.11, Table 17).
    static func readStatus(_ bus: Bus, _ address: I2CAddress, delay: any Delay, retries: Int, interval: Duration)
        throws(SensorError) -> Status
    {
        try onBus { () throws(HardwareError) in try bus.write(address, Self.bytes(Command.readStatus)) }
        delay.sleep(for: commandIdleTime)
        let bytes = try SensirionWords.readWhenReady(bus, address, count: 3, delay: delay, retries: retries,
                                                     interval: interval, what: "SHT3x status")
        return Status(rawValue: try SensirionWords.decode(bytes, names: ["SHT3x status"])[0])
    }

    private static func bytes(_ command: UInt16) -> [UInt8] { [UInt8(command >> 8), UInt8(command & 0xFF)] }

    private func send(_ command: UInt16) throws(SensorError) {
        try onBus { () throws(HardwareError) in try bus.write(address, Self.bytes(command)) }
    }

    /// The command that starts `configuration`'s periodic mode, nil in single shot.
    private static func periodicStart(_ configuration: Configuration) -> UInt16? {
        switch configuration.mode {
        case .singleShot, .singleShotWithClockStretching: return nil
        case .periodic(let rate): return Command.periodic(rate, configuration.repeatability)
        case .acceleratedResponseTime: return Command.acceleratedResponseTime
        }
    }

    /// Moves the chip from `old` to `new`: break when periodic, heater when it changes, then the new periodic start.
    private mutating func apply(_ new: Configuration, from old: Configuration) throws(SensorError) {
        if old.mode.period != nil {
            try send(Command.breakPeriodic)
            delay.sleep(for: Self.commandIdleTime)
            configuration.mode = .singleShot
        }
        if new.heater != old.heater {
            try send(new.heater ? Command.heaterOn : Command.heaterOff)
            delay.sleep(for: Self.commandIdleTime)
        }
        if let start = Self.periodicStart(new) {
            try send(start)
        }
        configuration = new
    }

    /// Runs `body` with periodic acquisition stopped (the chip takes only fetch and break while it runs, §4.8).
    private func pausingPeriodic<T>(_ body: () throws(SensorError) -> T) throws(SensorError) -> T {
        guard let restart = Self.periodicStart(configuration) else { return try body() }
        try send(Command.breakPeriodic)
        delay.sleep(for: Self.commandIdleTime)
        let result = try body()
        try send(restart)
        return result
    }
}
