import MoteHAL

/// An ST LPS22HB or LPS22HH barometer, modelled from the LPS22HB datasheet (DocID027083) and the LPS22HH datasheet
/// (DocID030890).
///
/// Register file with each part's register map: WHO_AM_I (0xB1 HB, 0xB3 HH), CTRL_REG1 (ODR, EN_LPFP, LPFP_CFG, BDU),
/// CTRL_REG2 (BOOT, IF_ADD_INC, SWRESET, ONE_SHOT; HB I2C_DIS, HH LOW_NOISE_EN), the HB's RES_CONF and the HH's
/// IF_CTRL, STATUS (T_OR, P_OR, T_DA, P_DA) and the outputs PRESS_OUT_XL…TEMP_OUT_H. Register addresses
/// auto-increment on reads and writes while IF_ADD_INC is set.
///
/// With ODR 000, writing ONE_SHOT starts one conversion: ONE_SHOT reads back 1 until it completes, then clears
/// itself, the outputs update and P_DA/T_DA rise (P_OR/T_OR if the previous result was never read). Reading
/// PRESS_OUT_H clears P_DA, TEMP_OUT_H clears T_DA. Before completion the outputs hold the previous result. With a
/// non-zero ODR the part converts continuously. A conversion takes one period of the highest ODR the mode
/// allows (neither datasheet tabulates a one-shot time): 1/75 s on the HB, 1/200 s on the HH in low-power mode
/// and 1/75 s in low-noise mode. SWRESET restores the register defaults and clears itself; setting the I2C
/// disable bit (HB CTRL_REG2 I2C_DIS, HH IF_CTRL I2C_DISABLE) makes the part stop answering on I2C. Outputs are
/// the environment at 4096 LSB/hPa and 100 LSB/°C (Table 3), two's complement; the low-pass filter is a
/// pass-through, which a settled filter is for a constant environment.
public final class LPS22Model: I2CDeviceModel {
    /// Which part this is.
    public enum Chip: String, Sendable {
        /// LPS22HB, WHO_AM_I 0xB1.
        case lps22hb
        /// LPS22HH, WHO_AM_I 0xB3.
        case lps22hh
    }

    public var modelName: String { chip.rawValue }
    /// The part modelled.
    public let chip: Chip
    /// What the sensor measures.
    public var environment: SimulatedEnvironment

    private let clock: any SimulationClock
    private let image: [UInt8?]?
    private var registers: [UInt8?] = []
    private var pointer: UInt8 = 0
    private var addressPhase = false
    private var oneShotDone: Duration?
    private var continuous: (start: Duration, period: Duration, completed: Int)?
    private var i2cDisabled = false

    enum Register {
        static let interfaceControl = 0x0E
        static let whoAmI = 0x0F
        static let control1 = 0x10
        static let control2 = 0x11
        static let resolution = 0x1A
        static let status = 0x27
        static let pressureOut = 0x28
        static let pressureHigh = 0x2A
        static let temperatureHigh = 0x2C
    }

    /// Creates a part in power-down with its default registers; `image`, an `i2cdump` register image, replaces
    /// the register file, and conversions then leave its outputs as they are.
    public init(clock: any SimulationClock, environment: SimulatedEnvironment = SimulatedEnvironment(),
                chip: Chip = .lps22hb, image: [UInt8?]? = nil) {
        self.clock = clock
        self.environment = environment
        self.chip = chip
        self.image = image.map { Array(($0 + [UInt8?](repeating: 0, count: 256)).prefix(256)) }
        restoreDefaults(outputsToo: true)
    }

    /// Creates the model a scenario asks for.
    public convenience init(context: DeviceModelContext, chip: Chip) {
        self.init(clock: context.clock, environment: context.environment, chip: chip, image: context.image)
    }

    /// Registers a host may write, per part (register map: type R/W).
    private var writable: Set<Int> {
        switch chip {
        case .lps22hb: return [0x0B, 0x0C, 0x0D, 0x10, 0x11, 0x12, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A]
        case .lps22hh: return [0x0B, 0x0C, 0x0D, 0x0E, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x18, 0x19]
        }
    }

    private func restoreDefaults(outputsToo: Bool) {
        let outputs = registers.count == 256 ? Array(registers[0x25...0x2C]) : []
        if let image {
            registers = image
        } else {
            registers = [UInt8?](repeating: 0, count: 256)
            registers[Register.whoAmI] = chip == .lps22hb ? 0xB1 : 0xB3
            registers[Register.control2] = 0x10  // IF_ADD_INC set by default
        }
        if !outputsToo, outputs.count == 8 { registers.replaceSubrange(0x25...0x2C, with: outputs) }
        oneShotDone = nil
        continuous = nil
    }

    // MARK: I2CDeviceModel

    public func start(read: Bool) -> Bool {
        guard !i2cDisabled else { return false }
        advance()
        addressPhase = !read
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        for byte in bytes {
            if addressPhase {
                pointer = byte
                addressPhase = false
                continue
            }
            store(byte, at: Int(pointer))
            if autoIncrement { pointer &+= 1 }
        }
    }

    public func read(count: Int) throws(DeviceRefusal) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        for _ in 0..<count {
            guard let value = registers[Int(pointer)] else {
                throw DeviceRefusal.noAcknowledge("register 0x\(hex2(pointer)) is unreadable in the image")
            }
            bytes.append(value)
            switch Int(pointer) {
            case Register.pressureHigh: clearStatus(0x01)
            case Register.temperatureHigh: clearStatus(0x02)
            default: break
            }
            if autoIncrement { pointer &+= 1 }
        }
        return bytes
    }

    public func stop() { addressPhase = false }

    // MARK: Registers

    private var autoIncrement: Bool { (registers[Register.control2] ?? 0x10) & 0x10 != 0 }
    private var outputDataRate: Int { Int(((registers[Register.control1] ?? 0) >> 4) & 0x07) }
    private var lowNoise: Bool { chip == .lps22hh && (registers[Register.control2] ?? 0) & 0x02 != 0 }

    private func clearStatus(_ bits: UInt8) {
        registers[Register.status] = (registers[Register.status] ?? 0) & ~bits
    }

    private func store(_ value: UInt8, at index: Int) {
        guard writable.contains(index) else { return }
        switch index {
        case Register.control2:
            if value & 0x04 != 0 {
                restoreDefaults(outputsToo: false)  // SWRESET: defaults, bit self-clears
                return
            }
            // BOOT (bit 7) reloads trimming and clears itself at once here; ONE_SHOT is handled below.
            registers[index] = value & 0x7F & ~0x01
            if chip == .lps22hb, value & 0x08 != 0 { i2cDisabled = true }
            if value & 0x01 != 0, outputDataRate == 0, oneShotDone == nil {
                registers[index] = (registers[index] ?? 0) | 0x01
                oneShotDone = clock.now + conversionTime
            }
        case Register.control1:
            registers[index] = value & 0x7F
            startOrStopContinuous()
        case Register.interfaceControl:
            registers[index] = value
            if value & 0x01 != 0 { i2cDisabled = true }
        default:
            registers[index] = value
        }
    }

    /// One conversion: the period of the highest ODR the mode supports (see the type's summary).
    var conversionTime: Duration {
        chip == .lps22hh && !lowNoise ? .seconds(1) / 200 : .seconds(1) / 75
    }

    /// ODR field to period (§9, CTRL_REG1): 1, 10, 25, 50, 75 Hz (HB and HH), 100 and 200 Hz (HH only).
    private func period(forRate rate: Int) -> Duration? {
        let hertz = [0, 1, 10, 25, 50, 75, 100, 200][rate]
        guard hertz > 0, chip == .lps22hh || hertz <= 75 else { return nil }
        return .seconds(1) / hertz
    }

    private func startOrStopContinuous() {
        guard let period = period(forRate: outputDataRate) else {
            continuous = nil
            return
        }
        if continuous?.period != period { continuous = (clock.now, period, 0) }
    }

    private func advance() {
        if let done = oneShotDone, clock.now >= done {
            oneShotDone = nil
            registers[Register.control2] = (registers[Register.control2] ?? 0) & ~0x01
            latch()
        }
        if let mode = continuous {
            let completed = Int((clock.now - mode.start) / mode.period)
            if completed > mode.completed {
                continuous?.completed = completed
                latch()
            }
        }
    }

    private func latch() {
        let status = registers[Register.status] ?? 0
        // P_OR/T_OR (bits 4, 5): a result was overwritten before it was read.
        let overrun = (status & 0x01 != 0 ? 0x10 : 0) | (status & 0x02 != 0 ? 0x20 : 0) as UInt8
        registers[Register.status] = status & 0x03 | overrun | 0x03
        guard image == nil else { return }
        let pressure = Int32(max(-8_388_608, min(8_388_607, (environment.pressurePascals / 100 * 4096).rounded())))
        let temperature = Int16(max(-32_768, min(32_767, (environment.temperatureCelsius * 100).rounded())))
        let pressureBits = UInt32(bitPattern: pressure)
        let temperatureBits = UInt16(bitPattern: temperature)
        registers[Register.pressureOut] = UInt8(pressureBits & 0xFF)
        registers[Register.pressureOut + 1] = UInt8((pressureBits >> 8) & 0xFF)
        registers[Register.pressureOut + 2] = UInt8((pressureBits >> 16) & 0xFF)
        registers[Register.pressureOut + 3] = UInt8(temperatureBits & 0xFF)
        registers[Register.pressureOut + 4] = UInt8(temperatureBits >> 8)
    }
}

extension DeviceModelKind {
    /// A simulated ST LPS22HB (`model = "lps22hb"`), from an `i2cdump` image when the scenario gives one.
    public static let lps22hb = DeviceModelKind(name: "lps22hb") { context in
        LPS22Model(context: context, chip: .lps22hb)
    }

    /// A simulated ST LPS22HH (`model = "lps22hh"`), from an `i2cdump` image when the scenario gives one.
    public static let lps22hh = DeviceModelKind(name: "lps22hh") { context in
        LPS22Model(context: context, chip: .lps22hh)
    }
}
