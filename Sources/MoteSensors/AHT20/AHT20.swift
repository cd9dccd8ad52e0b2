import Foundation
import MoteHAL

extension AHT20Chip {
    /// How the driver opens the chip. The AHT20 has no measurement options (the trigger's parameters are fixed);
    /// what remains is how it is brought up.
    public struct Configuration: Sendable, Equatable {
        /// Wait the datasheet's 40 ms power-on time before the first status read (§5.4 step 1); turn off only
        /// when the chip is known to have been powered for longer.
        public var waitsForPowerOn: Bool
        /// Send the soft reset (0xBA) and wait 20 ms before anything else (§5.5).
        public var softResetsOnOpen: Bool
        /// Status polls after the 80 ms measurement wait before `.timedOut`.
        public var busyPollLimit: Int
        /// The wait between two status polls.
        public var busyPollInterval: Duration

        /// Creates a configuration; the defaults wait for power-on, do not reset, and poll five times 10 ms apart.
        public init(waitsForPowerOn: Bool = true, softResetsOnOpen: Bool = false, busyPollLimit: Int = 5,
                    busyPollInterval: Duration = .milliseconds(10)) {
            self.waitsForPowerOn = waitsForPowerOn
            self.softResetsOnOpen = softResetsOnOpen
            self.busyPollLimit = busyPollLimit
            self.busyPollInterval = busyPollInterval
        }
    }
}

/// A driver for the Aosong AHT20 / AHT21 humidity and temperature sensor at 0x38.
///
/// Opening it follows the datasheet's start-up (§5.4): wait 40 ms, read the status byte, and when the calibration
/// bit is clear send the initialise command and wait 10 ms. A reading triggers a measurement, waits 80 ms, polls
/// the busy bit, then reads status, five data bytes and the CRC in one read. The chip answers reads without a
/// command, so plain I2C is required.
///
/// The status read is a bare one-byte read: the datasheet's "0x71" is the read header byte on the wire
/// (0x38 << 1 | 1), not a command to write.
public struct AHT20<Bus: I2CBus>: SensorDriver {
    /// The driver's settings.
    public typealias Configuration = AHT20Chip.Configuration

    /// The datasheet's timing and currents.
    public static var datasheet: SensorDatasheet { AHT20Chip.datasheet }

    /// The bus the chip is on.
    public let bus: Bus
    /// Where the chip answers.
    public let address: I2CAddress
    /// What the driver waits with.
    public let delay: any Delay
    /// The settings the driver opened the chip with.
    public let configuration: Configuration

    /// `aht20` (an AHT21 cannot be told apart on the bus).
    public var model: String { "aht20" }
    /// The datasheet's timing and currents.
    public var datasheet: SensorDatasheet { AHT20Chip.datasheet }

    /// Brings the chip up per the datasheet's start-up sequence.
    ///
    /// Throws `.bus(.unsupported)` on an SMBus-only adapter, `.unsupportedChip` when the status byte reads 0xFF
    /// (busy, calibrated and every reserved bit set: a floating bus or another chip), `.notCalibrated` when the
    /// calibration bit stays clear after the initialise command.
    public init(bus: Bus, address: I2CAddress = I2CAddress(rawValue: AHT20Chip.address)!, delay: any Delay,
                configuration: Configuration = Configuration()) throws(SensorError) {
        try onBus { () throws(HardwareError) in
            try bus.requirePlainI2C(
                "the AHT20 sends its measurement as a 7-byte read without a command (datasheet §5.4)")
        }
        guard configuration.busyPollLimit >= 0 else {
            throw .invalidConfiguration("busyPollLimit must not be negative")
        }
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration
        if configuration.waitsForPowerOn { delay.sleep(for: AHT20Chip.powerOnTime) }
        if configuration.softResetsOnOpen { try softReset() }
        var status = try readStatus()
        guard status.rawValue != 0xFF else {
            throw .unsupportedChip(id: 0xFF, detail: "status byte at \(address) reads 0xff, which no idle AHT20 sends")
        }
        if !status.isCalibrated {
            try initialize()
            status = try readStatus()
            guard status.isCalibrated else {
                throw .notCalibrated("AHT20 at \(address): calibration bit still clear after the initialise command "
                    + "(status 0x\(hex2(status.rawValue)))")
            }
        }
    }

    /// Takes one measurement: trigger, wait 80 ms, poll the busy bit, read status + data + CRC, check, convert.
    public mutating func read() throws(SensorError) -> Reading {
        try onBus { () throws(HardwareError) in try bus.write(address, AHT20Chip.Command.triggerMeasurement) }
        delay.sleep(for: AHT20Chip.measurementTime)
        var polls = 0
        while try readStatus().isBusy {
            guard polls < configuration.busyPollLimit else {
                throw .timedOut("AHT20 at \(address) on \(bus.name) still busy \(polls) polls after the 80 ms "
                    + "measurement time")
            }
            polls += 1
            delay.sleep(for: configuration.busyPollInterval)
        }
        let frame = try onBus { () throws(HardwareError) in try bus.read(address, count: 7) }
        guard frame.count == 7 else { throw .implausibleData("AHT20 measurement: \(frame.count) bytes, not 7") }
        let expected = AHT20Chip.checksum(frame[0...5])
        guard expected == frame[6] else {
            throw .crcMismatch(what: "AHT20 measurement", expected: expected, received: frame[6])
        }
        guard !AHT20Chip.Status(rawValue: frame[0]).isBusy else {
            throw .implausibleData("AHT20 measurement frame says busy (status 0x\(hex2(frame[0]))) after the status "
                + "poll said ready")
        }
        guard let fields = AHT20Chip.rawFields(data: Array(frame[1...5])) else {
            throw .implausibleData("AHT20 measurement: data bytes do not form two 20-bit fields")
        }
        return Reading(temperatureCelsius: AHT20Chip.temperatureCelsius(raw: fields.temperature),
                       relativeHumidityPercent: AHT20Chip.relativeHumidity(raw: fields.humidity))
    }

    /// Reads the status byte (a one-byte read with no command).
    public func readStatus() throws(SensorError) -> AHT20Chip.Status {
        let bytes = try onBus { () throws(HardwareError) in try bus.read(address, count: 1) }
        guard let byte = bytes.first else { throw .implausibleData("AHT20 status: no byte") }
        return AHT20Chip.Status(rawValue: byte)
    }

    /// Sends the initialise command (0xBE 0x08 0x00) and waits 10 ms (§5.4 step 1).
    public func initialize() throws(SensorError) {
        try onBus { () throws(HardwareError) in try bus.write(address, AHT20Chip.Command.initialize) }
        delay.sleep(for: AHT20Chip.initializationTime)
    }

    /// Sends the soft reset command (0xBA) and waits the 20 ms it takes at most (§5.5).
    public func softReset() throws(SensorError) {
        try onBus { () throws(HardwareError) in try bus.write(address, [AHT20Chip.Command.softReset]) }
        delay.sleep(for: AHT20Chip.softResetTime)
    }
}

extension SensorFamily {
    /// Aosong AHT20 / AHT21 at 0x38 (`--device aht20@0x38`, `aht21`).
    ///
    /// Identification writes nothing: a PCF8574A I/O expander may share 0x38, and any write would change its
    /// outputs. It reads seven bytes (status, the last result, CRC) and accepts them when the CRC checks, the
    /// calibration bit is set, the busy bit is clear and the bytes are not all equal (as an expander's port
    /// repeated would be). Needs plain I2C.
    public static let aht20 = SensorFamily(
        name: "aht20", aliases: ["aht21"], addresses: [AHT20Chip.address], identifiesByCommand: false,
        identify: { bus, address, _ in identifyAHT20(bus, address) },
        open: { (bus, address, delay) throws(SensorError) -> any SensorDriver in
            try openAHT20(bus, address, delay)
        })
}

/// Opens the driver on a concrete bus type (the existential is opened by the call).
private func openAHT20<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try AHT20(bus: bus, address: address, delay: delay)
}

/// Recognises an AHT20 by a read-only, CRC-checked read of its status and last result; see `SensorFamily.aht20`.
func identifyAHT20<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress) -> SensorIdentification? {
    guard bus.capabilities.contains(.i2c), let frame = try? bus.read(address, count: 7), frame.count == 7,
          Set(frame).count > 1, AHT20Chip.checksum(frame[0...5]) == frame[6]
    else { return nil }
    let status = AHT20Chip.Status(rawValue: frame[0])
    guard status.isCalibrated, !status.isBusy else { return nil }
    return SensorIdentification(
        model: "aht20",
        method: "CRC-checked 7-byte read, status 0x\(hex2(frame[0])) (calibrated, idle); nothing written")
}
