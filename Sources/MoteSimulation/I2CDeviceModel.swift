import MoteHAL

/// Why a simulated device refused part of a transaction.
public enum DeviceRefusal: Error, Sendable, Equatable {
    /// The device did not acknowledge a byte (a real device NACKs a command it does not know, or a read it cannot
    /// serve yet).
    case noAcknowledge(String)
}

/// A simulated I2C device, seen from the bus: it is addressed, written to, read from and released.
///
/// A model is written from its chip's datasheet, never from a driver. The simulated bus calls these in the order a
/// real bus would put the conditions on the wire: for each operation `start(read:)`, then `write` or `read`; after
/// the last operation `stop()`.
public protocol I2CDeviceModel: AnyObject {
    /// A short name for listings: `bme280`, `registers`.
    var modelName: String { get }

    /// START (or repeated START) with this device's address; return false to NACK the address byte.
    func start(read: Bool) -> Bool

    /// Bytes the controller writes after the address; throw to NACK one of them.
    func write(_ bytes: [UInt8]) throws(DeviceRefusal)

    /// Bytes the controller clocks out of the device.
    func read(count: Int) throws(DeviceRefusal) -> [UInt8]

    /// STOP: the transaction is over.
    func stop()
}

/// A device with a 256-byte register file and an auto-incrementing register pointer: the common shape of sensor
/// chips (a write sets the pointer then stores bytes; a read returns bytes from the pointer on).
///
/// Registers marked unreadable (`XX` in an `i2cdump` image) make a read that touches them fail, as they failed on
/// the board the image came from.
public final class RegisterFileDevice: I2CDeviceModel {
    public let modelName: String
    /// The register contents; nil marks a register that cannot be read.
    public private(set) var registers: [UInt8?]
    /// Where the next read or write lands.
    public private(set) var pointer: UInt8 = 0
    private var expectingPointer = false

    /// Creates a device from a register image (256 entries; nil for unreadable registers).
    public init(modelName: String = "registers", image: [UInt8?]) {
        self.modelName = modelName
        var registers = Array(image.prefix(256))
        registers += Array(repeating: UInt8(0), count: 256 - registers.count) as [UInt8?]
        self.registers = registers
    }

    public func start(read: Bool) -> Bool {
        expectingPointer = !read
        return true
    }

    public func write(_ bytes: [UInt8]) throws(DeviceRefusal) {
        var bytes = bytes[...]
        if expectingPointer, let first = bytes.popFirst() {
            pointer = first
            expectingPointer = false
        }
        for byte in bytes {
            registers[Int(pointer)] = byte
            pointer &+= 1
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
            pointer &+= 1
        }
        return bytes
    }

    public func stop() { expectingPointer = false }
}
