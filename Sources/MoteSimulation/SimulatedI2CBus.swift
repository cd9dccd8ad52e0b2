import MoteHAL

/// A fault the simulated bus injects into the next transactions.
public enum I2CFault: Sendable, Equatable {
    /// The target does not acknowledge its address (ENXIO on a real bus).
    case noAcknowledge
    /// The adapter reports a bus error (EIO).
    case busError
    /// The adapter gives up waiting (ETIMEDOUT).
    case timeout
    /// The transaction succeeds but every byte read has its lowest bit flipped, as line noise would do.
    case corruptedBytes
}

/// An I2C bus that routes transactions to device models by address, as a real bus would.
///
/// Absent addresses NACK; an SMBus-only bus refuses plain transfers exactly as the kernel does; faults can be
/// injected for the next N transactions (at one address or at any), and a device can vanish and come back.
/// SMBus operations are carried to the models as the I2C exchanges the SMBus specification defines, so one model
/// serves both kinds of adapter.
public final class SimulatedI2CBus: I2CBus {
    public let name: String
    public let capabilities: I2CCapabilities
    /// The bus number this bus stands in for.
    public let number: Int
    /// The adapter name `scan --list` shows.
    public let adapterName: String

    private var devices: [I2CAddress: any I2CDeviceModel] = [:]
    private var absent: Set<I2CAddress> = []
    private var faults: [(fault: I2CFault, address: I2CAddress?, remaining: Int)] = []
    /// How many transactions (plain or SMBus) the bus has carried, faulted ones included.
    public private(set) var transactionCount = 0

    /// Creates an empty bus standing in for `/dev/i2c-<number>`.
    public init(number: Int, adapterName: String = "Simulated I2C adapter", capabilities: I2CCapabilities = .fullI2C) {
        self.number = number
        self.name = "sim:i2c-\(number)"
        self.adapterName = adapterName
        self.capabilities = capabilities
    }

    /// Places a device model at `address`, replacing any there.
    public func attach(_ device: any I2CDeviceModel, at address: I2CAddress) {
        devices[address] = device
        absent.remove(address)
    }

    /// The model at `address`, present or vanished.
    public func device(at address: I2CAddress) -> (any I2CDeviceModel)? { devices[address] }

    /// The addresses that answer now, in order.
    public var presentAddresses: [I2CAddress] { devices.keys.filter { !absent.contains($0) }.sorted() }

    /// Makes the device at `address` vanish (it stops answering) or come back with its state intact.
    public func setPresent(_ present: Bool, at address: I2CAddress) {
        if present { absent.remove(address) } else { absent.insert(address) }
    }

    /// Injects `fault` into the next `times` transactions addressed to `address` (or to any address when nil).
    public func inject(_ fault: I2CFault, at address: I2CAddress? = nil, times: Int = 1) {
        faults.append((fault, address, times))
    }

    public func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(HardwareError) -> [[UInt8]] {
        try requirePlainI2C("it speaks SMBus only")
        return try carry(address, operations, label: "I2C_RDWR to \(address)")
    }

    public func smbus(_ address: I2CAddress, _ operation: SMBusOperation, pec: Bool) throws(HardwareError)
        -> [UInt8]
    {
        let needed = pec ? operation.requiredCapability.union(.smbusPEC) : operation.requiredCapability
        guard capabilities.isSuperset(of: needed) else {
            let missing = I2CCapabilities.named.filter { needed.subtracting(capabilities).contains($0.0) }
            throw HardwareError(
                .unsupported, device: name, detail: "adapter lacks \(missing.map(\.1).joined(separator: ", "))")
        }
        let blockLength: Int? = switch operation {
        case .readI2CBlock(_, let count): count
        case .writeI2CBlock(_, let bytes): bytes.count
        default: nil
        }
        if let blockLength, !(1...SMBusOperation.blockMax).contains(blockLength) {
            throw HardwareError(.invalidArgument, device: name, detail: "an I2C block carries 1 to 32 bytes")
        }
        return try carry(address, operation.i2cOperations, label: "SMBus to \(address)").joined().map { $0 }
    }

    private func carry(_ address: I2CAddress, _ operations: [I2COperation], label: String) throws(HardwareError)
        -> [[UInt8]]
    {
        transactionCount += 1
        var corrupt = false
        if let index = faults.firstIndex(where: { $0.address == nil || $0.address == address }) {
            let fault = faults[index].fault
            faults[index].remaining -= 1
            if faults[index].remaining <= 0 { faults.remove(at: index) }
            switch fault {
            case .noAcknowledge:
                throw HardwareError(.noAcknowledge, device: name, detail: "\(label): injected NACK")
            case .busError:
                throw HardwareError(.busError, device: name, detail: "\(label): injected bus error")
            case .timeout:
                throw HardwareError(.timeout, device: name, detail: "\(label): injected timeout")
            case .corruptedBytes:
                corrupt = true
            }
        }
        guard let device = devices[address], !absent.contains(address) else {
            throw HardwareError(.noAcknowledge, device: name, detail: "\(label): no device answers")
        }
        defer { device.stop() }
        var replies: [[UInt8]] = []
        for operation in operations {
            do throws(DeviceRefusal) {
                switch operation {
                case .write(let bytes):
                    guard device.start(read: false) else {
                        throw DeviceRefusal.noAcknowledge("address not acknowledged for writing")
                    }
                    try device.write(bytes)
                case .read(let count):
                    guard device.start(read: true) else {
                        throw DeviceRefusal.noAcknowledge("address not acknowledged for reading")
                    }
                    let bytes = try device.read(count: count)
                    replies.append(corrupt ? bytes.map { $0 ^ 0x01 } : bytes)
                }
            } catch {
                guard case .noAcknowledge(let why) = error else { break }
                throw HardwareError(.noAcknowledge, device: name, detail: "\(label): \(device.modelName): \(why)")
            }
        }
        return replies
    }
}
