/// One operation inside a combined I2C transaction.
public enum I2COperation: Sendable, Equatable {
    /// Write these bytes to the target.
    case write([UInt8])
    /// Read this many bytes from the target.
    case read(count: Int)
}

/// The direction bit of an SMBus Quick command.
public enum SMBusQuickDirection: Sendable, Equatable {
    case write
    case read
}

/// An SMBus protocol operation, as defined by the SMBus 3.x specification §6.5 and Linux's i2c-dev.
///
/// Each maps to one `I2C_SMBUS` ioctl. On adapters that speak only SMBus (many PC controllers, the kernel's
/// i2c-stub) this is the only way to talk to a device.
public enum SMBusOperation: Sendable, Equatable {
    /// Address and R/W bit only, no data (i2cdetect's default probe).
    case quick(SMBusQuickDirection)
    /// Read one byte without a command (i2cdetect's probe at 0x30–0x37 and 0x50–0x5F).
    case receiveByte
    /// Write one byte without a command.
    case sendByte(UInt8)
    /// Write `command`, repeated START, read one byte.
    case readByteData(command: UInt8)
    /// Write `command` then `value`.
    case writeByteData(command: UInt8, value: UInt8)
    /// Write `command`, repeated START, read a little-endian 16-bit word.
    case readWordData(command: UInt8)
    /// Write `command` then a little-endian 16-bit word.
    case writeWordData(command: UInt8, value: UInt16)
    /// Write `command`, repeated START, read `count` bytes (1…32); Linux's I2C block read.
    case readI2CBlock(command: UInt8, count: Int)
    /// Write `command` then up to 32 bytes; Linux's I2C block write.
    case writeI2CBlock(command: UInt8, bytes: [UInt8])

    /// The most bytes one SMBus block carries (SMBus specification §6.5.7; `I2C_SMBUS_BLOCK_MAX`).
    public static let blockMax = 32

    /// The adapter capability this operation needs.
    public var requiredCapability: I2CCapabilities {
        switch self {
        case .quick: return .smbusQuick
        case .receiveByte: return .smbusReadByte
        case .sendByte: return .smbusWriteByte
        case .readByteData: return .smbusReadByteData
        case .writeByteData: return .smbusWriteByteData
        case .readWordData: return .smbusReadWordData
        case .writeWordData: return .smbusWriteWordData
        case .readI2CBlock: return .smbusReadI2CBlock
        case .writeI2CBlock: return .smbusWriteI2CBlock
        }
    }

    /// How many bytes a successful operation returns.
    public var replyCount: Int {
        switch self {
        case .quick, .sendByte, .writeByteData, .writeWordData, .writeI2CBlock: return 0
        case .receiveByte, .readByteData: return 1
        case .readWordData: return 2
        case .readI2CBlock(_, let count): return count
        }
    }

    /// The same exchange as plain I2C operations, for buses that carry SMBus over I2C (SMBus §6.5).
    public var i2cOperations: [I2COperation] {
        switch self {
        case .quick(.write): return [.write([])]
        case .quick(.read): return [.read(count: 0)]
        case .receiveByte: return [.read(count: 1)]
        case .sendByte(let byte): return [.write([byte])]
        case .readByteData(let command): return [.write([command]), .read(count: 1)]
        case .writeByteData(let command, let value): return [.write([command, value])]
        case .readWordData(let command): return [.write([command]), .read(count: 2)]
        case .writeWordData(let command, let value):
            return [.write([command, UInt8(value & 0xFF), UInt8(value >> 8)])]
        case .readI2CBlock(let command, let count): return [.write([command]), .read(count: count)]
        case .writeI2CBlock(let command, let bytes): return [.write([command] + bytes)]
        }
    }
}

/// What an adapter can do, as reported by Linux's `I2C_FUNCS` ioctl.
///
/// The bit values are this library's own; the Linux layer maps the kernel's `I2C_FUNC_*` flags onto them, so that
/// nothing above it depends on a kernel header.
public struct I2CCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Plain I2C combined transactions (`I2C_RDWR`).
    public static let i2c = I2CCapabilities(rawValue: 1 << 0)
    public static let tenBitAddressing = I2CCapabilities(rawValue: 1 << 1)
    public static let protocolMangling = I2CCapabilities(rawValue: 1 << 2)
    public static let smbusPEC = I2CCapabilities(rawValue: 1 << 3)
    public static let noStart = I2CCapabilities(rawValue: 1 << 4)
    public static let targetMode = I2CCapabilities(rawValue: 1 << 5)
    public static let smbusBlockProcessCall = I2CCapabilities(rawValue: 1 << 6)
    public static let smbusQuick = I2CCapabilities(rawValue: 1 << 7)
    public static let smbusReadByte = I2CCapabilities(rawValue: 1 << 8)
    public static let smbusWriteByte = I2CCapabilities(rawValue: 1 << 9)
    public static let smbusReadByteData = I2CCapabilities(rawValue: 1 << 10)
    public static let smbusWriteByteData = I2CCapabilities(rawValue: 1 << 11)
    public static let smbusReadWordData = I2CCapabilities(rawValue: 1 << 12)
    public static let smbusWriteWordData = I2CCapabilities(rawValue: 1 << 13)
    public static let smbusProcessCall = I2CCapabilities(rawValue: 1 << 14)
    public static let smbusReadBlockData = I2CCapabilities(rawValue: 1 << 15)
    public static let smbusWriteBlockData = I2CCapabilities(rawValue: 1 << 16)
    public static let smbusReadI2CBlock = I2CCapabilities(rawValue: 1 << 17)
    public static let smbusWriteI2CBlock = I2CCapabilities(rawValue: 1 << 18)
    public static let smbusHostNotify = I2CCapabilities(rawValue: 1 << 19)

    /// What the kernel emulates for every adapter that speaks plain I2C (`I2C_FUNC_SMBUS_EMUL`).
    public static let smbusEmulated: I2CCapabilities = [
        .smbusQuick, .smbusReadByte, .smbusWriteByte, .smbusReadByteData, .smbusWriteByteData,
        .smbusReadWordData, .smbusWriteWordData, .smbusProcessCall, .smbusWriteBlockData,
        .smbusReadI2CBlock, .smbusWriteI2CBlock, .smbusPEC,
    ]

    /// A typical Raspberry Pi (bcm2835) adapter: I2C plus everything the kernel emulates over it.
    public static let fullI2C: I2CCapabilities = smbusEmulated.union([.i2c])

    /// What the kernel's i2c-stub offers: SMBus only (quick, byte, byte data, word data, I2C block).
    public static let smbusOnly: I2CCapabilities = [
        .smbusQuick, .smbusReadByte, .smbusWriteByte, .smbusReadByteData, .smbusWriteByteData,
        .smbusReadWordData, .smbusWriteWordData, .smbusReadI2CBlock, .smbusWriteI2CBlock,
    ]

    /// Every capability with its name: those `i2cdetect -F` lists first (`listedByI2CDetect`), then the others.
    public static let named: [(I2CCapabilities, String)] = listedByI2CDetect + [
        (.smbusHostNotify, "SMBus Host Notify"),
        (.tenBitAddressing, "10-bit addressing"),
        (.targetMode, "Target mode"),
        (.protocolMangling, "Protocol mangling"),
        (.noStart, "Repeated start skipping"),
    ]

    /// The capabilities `i2cdetect -F` prints, with its names and in its order (i2c-tools 4.3, Debian bookworm:
    /// fifteen lines, I2C to I2C Block Read; it does not print host notify, 10-bit, target mode, mangling, nostart).
    public static let listedByI2CDetect: [(I2CCapabilities, String)] = [
        (.i2c, "I2C"),
        (.smbusQuick, "SMBus Quick Command"),
        (.smbusWriteByte, "SMBus Send Byte"),
        (.smbusReadByte, "SMBus Receive Byte"),
        (.smbusWriteByteData, "SMBus Write Byte"),
        (.smbusReadByteData, "SMBus Read Byte"),
        (.smbusWriteWordData, "SMBus Write Word"),
        (.smbusReadWordData, "SMBus Read Word"),
        (.smbusProcessCall, "SMBus Process Call"),
        (.smbusWriteBlockData, "SMBus Block Write"),
        (.smbusReadBlockData, "SMBus Block Read"),
        (.smbusBlockProcessCall, "SMBus Block Process Call"),
        (.smbusPEC, "SMBus PEC"),
        (.smbusWriteI2CBlock, "I2C Block Write"),
        (.smbusReadI2CBlock, "I2C Block Read"),
    ]

    /// The adapter class `i2cdetect -l` prints: `i2c` for plain-I2C adapters, `smbus` for SMBus-only ones.
    public var adapterClass: String {
        if contains(.i2c) { return "i2c" }
        if !intersection(.smbusEmulated).isEmpty { return "smbus" }
        return "unknown"
    }
}

/// An I2C bus: one combined-transaction primitive, SMBus operations beside it, and what the adapter can do.
///
/// Implementations: `LinuxI2CBus` (i2c-dev), `SimulatedI2CBus` (device models), and test mocks. Drivers are generic
/// over this protocol and never know which one they run on.
public protocol I2CBus: AnyObject {
    /// The bus as a user would name it in a message: `/dev/i2c-1`, `sim:i2c-1`.
    var name: String { get }

    /// What the adapter can do; drivers choose plain I2C or SMBus from this.
    var capabilities: I2CCapabilities { get }

    /// Runs one combined transaction: START, each operation joined by repeated START, STOP.
    ///
    /// On Linux this is exactly one `I2C_RDWR` ioctl, with the address in every message. Returns the bytes of each
    /// `.read` in order. Throws `.unsupported` when the adapter cannot do plain I2C.
    func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(HardwareError) -> [[UInt8]]

    /// Runs one SMBus operation and returns the bytes it read (a word as two bytes, low first).
    ///
    /// With `pec`, the adapter appends and checks the SMBus Packet Error Code (CRC-8, SMBus §6.4); a mismatch
    /// throws `.dataCorrupted`. Throws `.unsupported` when the adapter lacks `operation.requiredCapability`.
    func smbus(_ address: I2CAddress, _ operation: SMBusOperation, pec: Bool) throws(HardwareError) -> [UInt8]
}

extension I2CBus {
    /// Writes `bytes` in one transaction.
    public func write(_ address: I2CAddress, _ bytes: [UInt8]) throws(HardwareError) {
        _ = try transfer(address, [.write(bytes)])
    }

    /// Reads `count` bytes in one transaction.
    public func read(_ address: I2CAddress, count: Int) throws(HardwareError) -> [UInt8] {
        try transfer(address, [.read(count: count)]).first ?? []
    }

    /// Writes `bytes`, then reads `count` bytes after a repeated START, as one transaction.
    public func writeRead(_ address: I2CAddress, _ bytes: [UInt8], count: Int) throws(HardwareError) -> [UInt8] {
        try transfer(address, [.write(bytes), .read(count: count)]).last ?? []
    }

    /// Runs one SMBus operation without PEC.
    public func smbus(_ address: I2CAddress, _ operation: SMBusOperation) throws(HardwareError) -> [UInt8] {
        try smbus(address, operation, pec: false)
    }

    /// Reads `count` consecutive registers from `register` on a device with an auto-incrementing register pointer.
    ///
    /// Uses one plain I2C transaction when the adapter can; otherwise SMBus I2C block reads of at most 32 bytes
    /// each (consistent within each block only), so drivers work on SMBus-only adapters.
    public func readRegisters(_ address: I2CAddress, from register: UInt8, count: Int) throws(HardwareError)
        -> [UInt8]
    {
        if capabilities.contains(.i2c) {
            return try writeRead(address, [register], count: count)
        }
        guard capabilities.contains(.smbusReadI2CBlock) else {
            if count == 1, capabilities.contains(.smbusReadByteData) {
                return try smbus(address, .readByteData(command: register))
            }
            throw HardwareError(
                .unsupported, device: name,
                detail: "adapter can neither do plain I2C transfers nor SMBus I2C block reads")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        while bytes.count < count {
            let chunk = min(SMBusOperation.blockMax, count - bytes.count)
            let start = Int(register) + bytes.count
            guard start <= 0xFF else {
                throw HardwareError(.invalidArgument, device: name, detail: "register range runs past 0xff")
            }
            bytes += try smbus(address, .readI2CBlock(command: UInt8(start), count: chunk))
        }
        return bytes
    }

    /// Writes `bytes` to consecutive registers from `register`, by plain I2C or by SMBus as the adapter allows.
    public func writeRegisters(_ address: I2CAddress, at register: UInt8, _ bytes: [UInt8]) throws(HardwareError) {
        if capabilities.contains(.i2c) {
            return try write(address, [register] + bytes)
        }
        if bytes.count == 1, capabilities.contains(.smbusWriteByteData) {
            _ = try smbus(address, .writeByteData(command: register, value: bytes[0]))
            return
        }
        guard capabilities.contains(.smbusWriteI2CBlock), bytes.count <= SMBusOperation.blockMax else {
            throw HardwareError(
                .unsupported, device: name, detail: "adapter cannot write \(bytes.count) bytes without plain I2C")
        }
        _ = try smbus(address, .writeI2CBlock(command: register, bytes: bytes))
    }
}

/// What a system knows about one I2C adapter, as `i2cdetect -l` lists it.
public struct I2CAdapterInfo: Sendable, Equatable {
    /// The bus number N of `/dev/i2c-N`.
    public var number: Int
    /// The adapter's name from sysfs (`bcm2835 (i2c@7e804000)`, `SMBus stub driver`).
    public var name: String
    /// What the adapter can do; empty when the node could not be opened to ask.
    public var capabilities: I2CCapabilities

    public init(number: Int, name: String, capabilities: I2CCapabilities) {
        self.number = number
        self.name = name
        self.capabilities = capabilities
    }
}

extension I2CBus {
    /// Throws unless the adapter can do plain I2C transfers, saying what needed them.
    ///
    /// Every refusal reads the same, `adapter does not support plain I2C transfers (I2C_RDWR): <why>`, whether it
    /// comes from a driver that checks up front or from the bus itself.
    public func requirePlainI2C(_ why: String) throws(HardwareError) {
        guard capabilities.contains(.i2c) else {
            throw HardwareError(
                .unsupported, device: name, detail: "adapter does not support plain I2C transfers (I2C_RDWR): \(why)")
        }
    }
}
