import Foundation
import MoteHAL

extension HTU21DChip {
    /// How the driver sets the chip up; the defaults suit weather monitoring (full resolution, heater off,
    /// no-hold measurements that work on a Raspberry Pi).
    public struct Configuration: Sendable, Equatable {
        /// Humidity and temperature resolution (user register bits 7 and 0).
        public var resolution: Resolution
        /// No-hold (NACK polling) or hold-master (clock stretching) measurement commands.
        public var measurementMode: MeasurementMode
        /// Whether the on-chip heater runs (user register bit 2); it warms the sensor to drive off condensation
        /// and raises the temperature reading while on.
        public var heaterEnabled: Bool
        /// Si70xx only: heater current level 0…15 (heater control register bits 3:0, 3.09–94.2 mA); nil leaves the
        /// chip's reset level (0, 3.09 mA).
        public var heaterCurrentLevel: UInt8?
        /// HTU21D/SHT21 only: apply the HTU21D datasheet's −0.15 %RH/°C temperature coefficient correction
        /// between 0 °C and 80 °C. Off by default: the chip's plain conversion formula is reported.
        public var compensatesHumidityForTemperature: Bool

        /// Creates a configuration; every parameter has the weather-monitoring default.
        public init(resolution: Resolution = .humidity12Temperature14, measurementMode: MeasurementMode = .noHoldMaster,
                    heaterEnabled: Bool = false, heaterCurrentLevel: UInt8? = nil,
                    compensatesHumidityForTemperature: Bool = false) {
            self.resolution = resolution
            self.measurementMode = measurementMode
            self.heaterEnabled = heaterEnabled
            self.heaterCurrentLevel = heaterCurrentLevel
            self.compensatesHumidityForTemperature = compensatesHumidityForTemperature
        }
    }
}

/// A driver for the HTU21D-compatible family at 0x40: TE HTU21D(F), Sensirion SHT21 and Silicon Labs
/// Si7006/Si7013/Si7020/Si7021, told apart by the electronic ID.
///
/// Opening it checks the user register's reset pattern, reads the device id from the electronic ID (plain I2C
/// adapters), soft-resets the chip and writes resolution and heater settings back without touching reserved bits.
/// A reading on a Si70xx is one humidity conversion plus the temperature measured with it (command 0xE0); on an
/// HTU21D/SHT21 it is a temperature and a humidity conversion. Every measurement's CRC is checked.
public struct HTU21D<Bus: I2CBus>: SensorDriver {
    /// The driver's settings.
    public typealias Configuration = HTU21DChip.Configuration

    /// Tries after the datasheet's maximum conversion time before a no-hold read gives up: ten more, 5 ms apart,
    /// which also covers the SHT21's longer maximum times (85 ms for a 14-bit temperature).
    public static var noHoldRetryLimit: Int { 10 }
    /// The wait between no-hold read attempts.
    public static var noHoldRetryInterval: Duration { .milliseconds(5) }

    /// HTU21D(F) datasheet figures; `datasheet` gives the identified variant's, for its configuration.
    public static var datasheet: SensorDatasheet { HTU21DChip.htu21dDatasheet }

    /// The bus the chip is on.
    public let bus: Bus
    /// Where the chip answers.
    public let address: I2CAddress
    /// What the driver waits with.
    public let delay: any Delay
    /// The settings the chip was configured with.
    public let configuration: Configuration
    /// The chip as its electronic ID names it (`htu21d` without one, e.g. on an SMBus-only adapter).
    public let variant: HTU21DChip.Variant
    /// How the chip was identified when the driver opened it.
    public let identificationMethod: String

    /// The chip as identified: `htu21d`, `si7021`, `si7020`, …
    public var model: String { variant.rawValue }

    /// Timing and currents for the identified variant with the configured resolution and heater level; the
    /// Si7006/13/20 and samples get the Si7021's figures under their own part name.
    public var datasheet: SensorDatasheet {
        var sheet = variant.isSiliconLabs ? HTU21DChip.si7021Datasheet : HTU21DChip.htu21dDatasheet
        sheet.part = variant.partName
        sheet.measurementTime = HTU21DChip.readingTime(for: configuration.resolution, variant: variant)
        if variant.isSiliconLabs, let level = configuration.heaterCurrentLevel,
           let current = HTU21DChip.si70xxHeaterCurrent(level: level) {
            sheet.currents[.heating] = current
        }
        return sheet
    }

    /// Identifies, resets and configures the chip at `address`.
    ///
    /// Throws `.unsupportedChip` when the user register does not show the family's pattern or the electronic ID
    /// names an unknown device, `.crcMismatch` for a corrupted ID, `.invalidConfiguration` for a heater level on
    /// a part without one (or above 15), and `.bus(.unsupported)` for no-hold mode on an SMBus-only adapter.
    public init(bus: Bus, address: I2CAddress = I2CAddress(rawValue: HTU21DChip.address)!, delay: any Delay,
                configuration: Configuration = Configuration()) throws(SensorError) {
        if let level = configuration.heaterCurrentLevel, level > 15 {
            throw .invalidConfiguration("heater current level \(level) is above 15 (Si7021 heater control register)")
        }
        if configuration.measurementMode == .noHoldMaster {
            try onBus { () throws(HardwareError) in
                try bus.requirePlainI2C(
                    "no-hold measurements are read without a command; configure hold-master mode on SMBus")
            }
        }
        self.bus = bus
        self.address = address
        self.delay = delay
        self.configuration = configuration

        let userRegister = try Self.readUserRegister(bus, address)
        guard HTU21DChip.isFamilyUserRegister(userRegister) else {
            throw .unsupportedChip(
                id: UInt32(userRegister),
                detail: "user register (command 0xe7) reads 0x\(hex2(userRegister)); an HTU21D/SHT21/Si70xx has bit 1 "
                    + "set and reserved bits 5:3 all clear or all set")
        }
        if bus.capabilities.contains(.i2c) {
            if let id = try Self.readDeviceID(bus, address) {
                guard let variant = HTU21DChip.Variant(deviceID: id) else {
                    throw .unsupportedChip(
                        id: UInt32(id),
                        detail: "electronic id device byte 0x\(hex2(id)) at 0x\(hex2(address.rawValue)) is none of "
                            + "0x32 (HTU21D/SHT21), 0x06, 0x0d, 0x14, 0x15 (Si7006/13/20/21), 0x00/0xff (samples)")
                }
                self.variant = variant
                identificationMethod = "electronic id device byte 0x\(hex2(id)) (command 0xfc 0xc9)"
            } else {
                variant = .htu21d
                identificationMethod = "user register 0x\(hex2(userRegister)); electronic id not acknowledged"
            }
        } else {
            variant = .htu21d
            identificationMethod = "user register 0x\(hex2(userRegister)); electronic id needs plain I2C"
        }
        if configuration.heaterCurrentLevel != nil, !variant.isSiliconLabs {
            throw .invalidConfiguration("an HTU21D/SHT21 has no heater current control; leave heaterCurrentLevel nil")
        }
        try softReset()
        try apply(configuration)
    }

    /// Takes one complete measurement: humidity and temperature, converted per the datasheet.
    ///
    /// Si70xx: one humidity conversion (it measures temperature with it), then command 0xE0 for that temperature.
    /// HTU21D/SHT21: a temperature conversion, then a humidity conversion. No-hold commands wait the maximum
    /// conversion time, then poll; hold-master commands let the chip stretch the clock.
    public mutating func read() throws(SensorError) -> Reading {
        let temperature: Double
        let humidity: Double
        if variant.isSiliconLabs {
            let humidityRaw = try measure(.humidity)
            temperature = HTU21DChip.temperatureCelsius(raw: try temperatureFromPreviousHumidityMeasurement())
            humidity = HTU21DChip.relativeHumidity(raw: humidityRaw)
        } else {
            temperature = HTU21DChip.temperatureCelsius(raw: try measure(.temperature))
            let converted = HTU21DChip.relativeHumidity(raw: try measure(.humidity))
            humidity = configuration.compensatesHumidityForTemperature
                ? HTU21DChip.temperatureCompensatedHumidity(relativeHumidityPercent: converted,
                                                            temperatureCelsius: temperature)
                : converted
        }
        return Reading(temperatureCelsius: temperature, relativeHumidityPercent: humidity)
    }

    /// Runs one measurement command and returns its raw 16-bit result (status bits included), CRC checked.
    public func measure(_ quantity: HTU21DChip.Quantity) throws(SensorError) -> UInt16 {
        let name = quantity == .humidity ? "humidity" : "temperature"
        let bytes: [UInt8]
        switch configuration.measurementMode {
        case .holdMaster:
            let command = quantity == .humidity
                ? HTU21DChip.Command.measureHumidityHoldMaster : HTU21DChip.Command.measureTemperatureHoldMaster
            bytes = try onBus { () throws(HardwareError) in try bus.readRegisters(address, from: command, count: 3) }
        case .noHoldMaster:
            let command = quantity == .humidity
                ? HTU21DChip.Command.measureHumidityNoHold : HTU21DChip.Command.measureTemperatureNoHold
            try onBus { () throws(HardwareError) in try bus.write(address, [command]) }
            let times = HTU21DChip.maximumConversionTimes(for: configuration.resolution, variant: variant)
            delay.sleep(for: quantity == .humidity ? times.humidity : times.temperature)
            bytes = try Self.readWhenReady(bus, address, delay: delay, count: 3, what: "\(name) measurement")
        }
        return try Self.checkedMeasurement(bytes, quantity: quantity)
    }

    /// Si70xx only: the raw temperature the chip measured during its last humidity conversion (command 0xE0).
    ///
    /// The chip sends no checksum for this command (Si7021 "Issuing a Measurement Command").
    public func temperatureFromPreviousHumidityMeasurement() throws(SensorError) -> UInt16 {
        let bytes = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: HTU21DChip.Command.readTemperatureFromPreviousHumidity, count: 2)
        }
        guard bytes.count == 2 else {
            throw .implausibleData("temperature from the previous humidity measurement: \(bytes.count) bytes, not 2")
        }
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    /// Sends the soft reset command and waits the 15 ms the chip needs; settings return to their defaults
    /// except the heater bit.
    public func softReset() throws(SensorError) {
        try onBus { () throws(HardwareError) in
            if bus.capabilities.contains(.i2c) {
                try bus.write(address, [HTU21DChip.Command.softReset])
            } else {
                _ = try bus.smbus(address, .sendByte(HTU21DChip.Command.softReset))
            }
        }
        delay.sleep(for: HTU21DChip.softResetTime)
    }

    /// Reads the user register: resolution (bits 7, 0), low supply (6), heater (2).
    public func readUserRegister() throws(SensorError) -> UInt8 { try Self.readUserRegister(bus, address) }

    /// Whether the chip reports its supply below its threshold (user register bit 6: 2.25 V HTU21D, 1.9 V Si70xx).
    public func supplyIsLow() throws(SensorError) -> Bool {
        try readUserRegister() & HTU21DChip.lowSupplyBit != 0
    }

    /// The 64-bit electronic serial number: the four data bytes of the first access, then the four of the second,
    /// as they come off the wire; every checksum is checked. Needs plain I2C.
    ///
    /// On a Si70xx this is SNA_3…SNA_0, SNB_3…SNB_0 (SNB_3 names the device); on an HTU21D/SHT21 it is
    /// SNB_3…SNB_0, SNC_1, SNC_0, SNA_1, SNA_0 in their own naming.
    public func electronicSerialNumber() throws(SensorError) -> UInt64 {
        let first = try onBus { () throws(HardwareError) in
            try bus.writeRead(address, HTU21DChip.Command.readElectronicIDFirstAccess, count: 8)
        }
        guard first.count == 8 else { throw .implausibleData("electronic id first access: \(first.count) bytes") }
        let firstData = [first[0], first[2], first[4], first[6]]
        try Self.checkElectronicID(chunks: firstData.map { [$0] }, checksums: [first[1], first[3], first[5], first[7]],
                                   what: "electronic id first access")
        let second = try Self.readSecondAccess(bus, address)
        return (firstData + second).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    /// Si70xx only: the firmware revision byte (0xFF is version 1.0, 0x20 is 2.0; `HTU21DChip.firmwareVersion`).
    public func firmwareRevision() throws(SensorError) -> UInt8 {
        let bytes = try onBus { () throws(HardwareError) in
            try bus.writeRead(address, HTU21DChip.Command.readFirmwareRevision, count: 1)
        }
        guard let revision = bytes.first else { throw .implausibleData("firmware revision: no byte") }
        return revision
    }

    /// Si70xx only: the heater control register (bits 3:0 are the heater current level).
    public func readHeaterControlRegister() throws(SensorError) -> UInt8 {
        let bytes = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: HTU21DChip.Command.readHeaterControlRegister, count: 1)
        }
        guard let value = bytes.first else { throw .implausibleData("heater control register: no byte") }
        return value
    }

    /// Writes resolution and heater settings: user register read-modify-write keeping the reserved bits, then,
    /// on a Si70xx with a heater level configured, the heater control register the same way.
    func apply(_ configuration: Configuration) throws(SensorError) {
        let current = try readUserRegister()
        var updated = current & ~(HTU21DChip.resolutionMask | HTU21DChip.heaterEnableBit | HTU21DChip.lowSupplyBit)
        updated |= configuration.resolution.userRegisterBits
        if configuration.heaterEnabled { updated |= HTU21DChip.heaterEnableBit }
        try onBus { () throws(HardwareError) in
            try bus.writeRegisters(address, at: HTU21DChip.Command.writeUserRegister, [updated])
        }
        if let level = configuration.heaterCurrentLevel {
            let heater = try readHeaterControlRegister()
            try onBus { () throws(HardwareError) in
                try bus.writeRegisters(address, at: HTU21DChip.Command.writeHeaterControlRegister,
                                       [heater & 0xF0 | level & 0x0F])
            }
        }
    }

    static func readUserRegister(_ bus: Bus, _ address: I2CAddress) throws(SensorError) -> UInt8 {
        let bytes = try onBus { () throws(HardwareError) in
            try bus.readRegisters(address, from: HTU21DChip.Command.readUserRegister, count: 1)
        }
        guard let value = bytes.first else { throw .implausibleData("user register: no byte") }
        return value
    }

    /// The device byte of the electronic ID (second access), or nil when the chip does not acknowledge the
    /// command (an HTU21D-compatible part without one).
    static func readDeviceID(_ bus: Bus, _ address: I2CAddress) throws(SensorError) -> UInt8? {
        do throws(SensorError) {
            return try readSecondAccess(bus, address).first
        } catch .bus(let error) where error.kind == .noAcknowledge {
            return nil
        }
    }

    /// The four data bytes of the electronic ID's second access, checksums checked.
    static func readSecondAccess(_ bus: Bus, _ address: I2CAddress) throws(SensorError) -> [UInt8] {
        let bytes = try onBus { () throws(HardwareError) in
            try bus.writeRead(address, HTU21DChip.Command.readElectronicIDSecondAccess, count: 6)
        }
        guard bytes.count == 6 else { throw .implausibleData("electronic id second access: \(bytes.count) bytes") }
        try checkElectronicID(chunks: [[bytes[0], bytes[1]], [bytes[3], bytes[4]]], checksums: [bytes[2], bytes[5]],
                              what: "electronic id second access")
        return [bytes[0], bytes[1], bytes[3], bytes[4]]
    }

    static func checkElectronicID(chunks: [[UInt8]], checksums: [UInt8], what: String) throws(SensorError) {
        guard HTU21DChip.electronicIDChecksumsMatch(chunks: chunks, checksums: checksums) else {
            let mismatch = zip(chunks, checksums).first { HTU21DChip.checksum($0) != $1 }
            let expected = mismatch.map { HTU21DChip.checksum($0.0) } ?? 0
            throw .crcMismatch(what: what, expected: expected, received: mismatch?.1 ?? 0)
        }
    }

    /// Reads `count` bytes after a no-hold command: the chip NACKs its address until the conversion is done, so
    /// a NACK is retried `noHoldRetryLimit` times, `noHoldRetryInterval` apart, then reported as `.timedOut`.
    static func readWhenReady(_ bus: Bus, _ address: I2CAddress, delay: any Delay, count: Int,
                              what: String) throws(SensorError) -> [UInt8] {
        for attempt in 0...noHoldRetryLimit {
            do throws(HardwareError) {
                return try bus.read(address, count: count)
            } catch where error.kind == .noAcknowledge {
                if attempt < noHoldRetryLimit { delay.sleep(for: noHoldRetryInterval) }
            } catch {
                throw .bus(error)
            }
        }
        throw .timedOut("\(what) at \(address) on \(bus.name) still not acknowledged \(noHoldRetryLimit) retries "
            + "after the datasheet's maximum conversion time")
    }

    /// Checks a measurement's CRC and status bit and returns its raw value.
    static func checkedMeasurement(_ bytes: [UInt8], quantity: HTU21DChip.Quantity) throws(SensorError) -> UInt16 {
        let name = quantity == .humidity ? "humidity" : "temperature"
        guard bytes.count == 3 else { throw .implausibleData("\(name) measurement: \(bytes.count) bytes, not 3") }
        let expected = HTU21DChip.checksum(bytes[0...1])
        guard expected == bytes[2] else {
            throw .crcMismatch(what: "\(name) measurement", expected: expected, received: bytes[2])
        }
        let raw = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let isHumidity = raw & HTU21DChip.humidityStatusBit != 0
        guard isHumidity == (quantity == .humidity) else {
            throw .implausibleData("\(name) measurement 0x\(String(raw, radix: 16)) has the status bit of the other "
                + "quantity (bit 1: set for humidity, clear for temperature)")
        }
        return raw
    }
}
