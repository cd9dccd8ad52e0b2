import MoteHAL

/// A Texas Instruments HDC1080 humidity and temperature sensor, modelled from its datasheet (SNAS672A, November 2015,
/// revised January 2016).
///
/// An 8-bit pointer selects 16-bit registers, sent MSB first (§8.6, Table 1). Writing the pointer 0x00 or 0x01
/// triggers a conversion (§8.5.1.3): with MODE = 1 the pointer 0x00 converts temperature then humidity, with
/// MODE = 0 each pointer converts its own quantity. A read of a result register while a conversion runs is not
/// acknowledged; a new trigger aborts a running conversion. Conversions take the typical times of §7.5. Results are
/// quantised to the configured resolution, and the pointer advances after each register read, so a 4-byte read
/// from 0x00 returns temperature then humidity. Writes to the reserved registers 0x03–0xFA are not acknowledged
/// (the datasheet says they must not be written). Loaded from a byte-mode `i2cdump` image, the model reports the
/// dump's cells as the registers' high bytes (the low bytes of the id registers come from the datasheet, all
/// others read 0x00), refuses `XX` cells, and ignores writes.
public final class HDC1080Model: I2CDeviceModel {
    /// The name listings show: `hdc1080`.
    public let modelName = "hdc1080"
    /// What the sensor measures.
    public var environment: SimulatedEnvironment
    /// The supply voltage; BTST (configuration bit 11) reads 1 below 2.8 V, updated at each trigger (§8.3.2).
    public var supplyVolts: Double = 3.3
    /// The 41-bit serial id in registers 0xFB–0xFD (§8.6.4).
    public let serialNumber: UInt64

    private let clock: any SimulationClock
    private let image: BigEndianWordImage?
    private var pointer: UInt8 = 0x00
    private var configuration: UInt16 = 0x1000
    private var batteryLow = false
    private var temperatureResult: UInt16 = 0
    private var humidityResult: UInt16 = 0
    private var conversion: (ends: Duration, temperature: UInt16?, humidity: UInt16?)?
    private var readyAfterPowerUp: Duration

    /// Start-up time after power-up (§7.5: 15 ms maximum).
    static let startupTime = Duration.milliseconds(15)

    /// Creates a sensor. With `justPoweredUp` it does not answer for the start-up time; with `image` it replays
    /// the dump's registers.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                serialNumber: UInt64 = 0x0_DEAD_BEEF_42, justPoweredUp: Bool = false, image: [UInt8?]? = nil) {
        self.clock = clock
        self.environment = environment
        self.serialNumber = serialNumber & 0x1FF_FFFF_FFFF
        self.image = image.map { BigEndianWordImage(image: $0, fixedLowBytes: [0xFE: 0x49, 0xFF: 0x50]) }
        self.readyAfterPowerUp = clock.now + (justPoweredUp ? Self.startupTime : .zero)
    }

    /// Whether the heater is on now: HEAT set while a conversion runs (§8.3.3).
    public var isHeating: Bool {
        guard let conversion else { return false }
        return configuration & 0x2000 != 0 && clock.now < conversion.ends
    }

    /// The configuration register as read: HEAT 13, MODE 12, BTST 11, TRES 10, HRES 9:8 (§8.6.3).
    var configurationRegister: UInt16 { configuration | (batteryLow ? 0x0800 : 0) }

    public func start(read: Bool) -> Bool {
        guard clock.now >= readyAfterPowerUp else { return false }
        finishConversionIfDue()
        if read, image == nil, conversion != nil, pointer <= 0x01 { return false }
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        guard let first = bytes.first else { return }
        pointer = first
        guard image == nil else { return }
        let data = Array(bytes.dropFirst())
        switch first {
        case 0x00, 0x01:
            trigger(first)
        case 0x02:
            if data.count >= 2 { writeConfiguration(UInt16(data[0]) << 8 | UInt16(data[1])) }
        case 0xFB...0xFF:
            break  // read-only
        default:
            if !data.isEmpty {
                throw DeviceRefusal.noAcknowledge("register 0x\(hex2(first)) is reserved and must not be written")
            }
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < count {
            if let image {
                bytes += try image.registerBytes(pointer)
            } else {
                let word = register(pointer)
                bytes += [UInt8(word >> 8), UInt8(word & 0xFF)]
            }
            pointer &+= 1
        }
        return Array(bytes.prefix(count))
    }

    public func stop() {}

    private func register(_ pointer: UInt8) -> UInt16 {
        switch pointer {
        case 0x00: return temperatureResult
        case 0x01: return humidityResult
        case 0x02: return configurationRegister
        case 0xFB: return UInt16(truncatingIfNeeded: serialNumber >> 25)
        case 0xFC: return UInt16(truncatingIfNeeded: serialNumber >> 9)
        case 0xFD: return UInt16(truncatingIfNeeded: serialNumber << 7) & 0xFF80
        case 0xFE: return 0x5449
        case 0xFF: return 0x1050
        default: return 0x0000
        }
    }

    private func writeConfiguration(_ value: UInt16) {
        if value & 0x8000 != 0 {
            // RST: back to the power-on configuration; a running conversion is abandoned.
            configuration = 0x1000
            conversion = nil
            return
        }
        configuration = value & 0x3700
    }

    private func trigger(_ pointer: UInt8) {
        batteryLow = supplyVolts < 2.8
        let temperatureTime = configuration & 0x0400 != 0 ? Duration.microseconds(3_650) : .microseconds(6_350)
        let humidityTime: Duration = switch (configuration >> 8) & 0b11 {
        case 0b00: .microseconds(6_500)
        case 0b01: .microseconds(3_850)
        default: .microseconds(2_500)
        }
        let temperature = rawTemperature
        let humidity = rawHumidity
        if configuration & 0x1000 != 0, pointer == 0x00 {
            conversion = (clock.now + temperatureTime + humidityTime, temperature, humidity)
        } else if pointer == 0x00 {
            conversion = (clock.now + temperatureTime, temperature, nil)
        } else {
            conversion = (clock.now + humidityTime, nil, humidity)
        }
    }

    private func finishConversionIfDue() {
        guard let done = conversion, clock.now >= done.ends else { return }
        if let temperature = done.temperature { temperatureResult = temperature }
        if let humidity = done.humidity { humidityResult = humidity }
        conversion = nil
    }

    /// The temperature register for the environment, inverting T = raw / 2^16 · 165 − 40 (§8.6.1).
    var rawTemperature: UInt16 {
        let bits = configuration & 0x0400 != 0 ? 11 : 14
        return Self.quantise((environment.temperatureCelsius + 40) / 165, bits: bits)
    }

    /// The humidity register for the environment, inverting RH = raw / 2^16 · 100 (§8.6.2).
    var rawHumidity: UInt16 {
        let bits: Int = switch (configuration >> 8) & 0b11 {
        case 0b00: 14
        case 0b01: 11
        default: 8
        }
        return Self.quantise(min(100, max(0, environment.relativeHumidityPercent)) / 100, bits: bits)
    }

    /// A fraction of full scale as a left-aligned `bits`-bit result, rounded to the nearest step and clamped.
    static func quantise(_ fraction: Double, bits: Int) -> UInt16 {
        let steps = Double(1 << bits)
        let code = min(steps - 1, max(0, (fraction * steps).rounded()))
        return UInt16(code) << (16 - bits)
    }
}

extension DeviceModelKind {
    /// A TI HDC1080 humidity and temperature sensor at 0x40.
    public static let hdc1080 = DeviceModelKind(name: "hdc1080") { context in
        HDC1080Model(clock: context.clock, environment: context.environment, image: context.image)
    }
}
