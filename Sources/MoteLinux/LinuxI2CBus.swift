import CI2C
import MoteHAL

/// An I2C bus over Linux's i2c-dev character device, `/dev/i2c-N`.
///
/// Plain transfers are one `I2C_RDWR` each, with the address in every message, so no hidden `I2C_SLAVE` state
/// affects them. SMBus operations need the address set with `I2C_SLAVE` first; the bus remembers the last one it
/// set and sets it again only when it changes. The file descriptor is closed by `close()` or when the bus is
/// deallocated, whichever comes first.
public final class LinuxI2CBus: I2CBus {
    /// The device node, used as the bus's name in every error.
    public let name: String
    /// What the adapter reported through `I2C_FUNCS` when the bus was opened.
    public let capabilities: I2CCapabilities

    private let calls: any I2CDeviceCalls
    private var descriptor: Int32
    private var selectedAddress: I2CAddress?
    private var pecEnabled = false

    /// Opens `/dev/i2c-<number>` and reads the adapter's capabilities.
    public convenience init(bus number: Int) throws(HardwareError) {
        try self.init(path: "/dev/i2c-\(number)", calls: KernelI2CCalls())
    }

    /// Opens the i2c-dev node at `path` through `calls` (tests pass a fake).
    package init(path: String, calls: any I2CDeviceCalls) throws(HardwareError) {
        self.name = path
        self.calls = calls
        let opened = retryingInterrupts { calls.open(path) }
        guard opened >= 0 else {
            throw HardwareError(errno: -opened, device: path, operation: "open", context: .open)
        }
        var functions: UInt = 0
        let queried = retryingInterrupts { calls.functionality(opened, &functions) }
        guard queried >= 0 else {
            _ = calls.close(opened)
            let error = HardwareError(errno: -queried, device: path, operation: "I2C_FUNCS", context: .control)
            if error.kind == .unsupported {
                throw HardwareError(.unsupported, device: path, detail: "not an i2c-dev device (\(error.detail))",
                                    errno: error.errno)
            }
            throw error
        }
        self.descriptor = opened
        self.capabilities = I2CCapabilities(kernelFunctions: functions)
    }

    deinit { close() }

    /// Closes the file descriptor now; later calls on this bus throw `.noSuchDevice`.
    public func close() {
        guard descriptor >= 0 else { return }
        // close(2) must not be retried on EINTR on Linux: the descriptor is released either way.
        _ = calls.close(descriptor)
        descriptor = -1
    }

    /// Sets the adapter's transfer timeout (`I2C_TIMEOUT`, 10 ms resolution).
    public func setTimeout(_ timeout: Duration) throws(HardwareError) {
        let (seconds, attoseconds) = timeout.components
        let tens = UInt(max(0, seconds)) * 100 + UInt(max(0, attoseconds) / 10_000_000_000_000_000)
        try control("I2C_TIMEOUT") { descriptor in calls.setTimeout(descriptor, tensOfMilliseconds: tens) }
    }

    /// Sets how often the adapter retries a transfer after losing arbitration (`I2C_RETRIES`).
    public func setRetries(_ retries: Int) throws(HardwareError) {
        try control("I2C_RETRIES") { descriptor in calls.setRetries(descriptor, UInt(max(0, retries))) }
    }

    public func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(HardwareError) -> [[UInt8]] {
        let descriptor = try openDescriptor()
        try requirePlainI2C("it speaks SMBus only")
        guard !operations.isEmpty, operations.count <= Int(I2C_RDWR_IOCTL_MAX_MSGS) else {
            throw HardwareError(
                .invalidArgument, device: name,
                detail: "a transaction takes 1 to \(I2C_RDWR_IOCTL_MAX_MSGS) operations, not \(operations.count)")
        }
        let lengths = operations.map { operation -> Int in
            switch operation {
            case .write(let bytes): return bytes.count
            case .read(let count): return count
            }
        }
        guard lengths.allSatisfy({ $0 >= 0 && $0 <= Int(UInt16.max) }) else {
            throw HardwareError(.invalidArgument, device: name, detail: "a message carries at most 65535 bytes")
        }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, lengths.reduce(0, +)), alignment: 1)
        defer { storage.deallocate() }
        let messages = UnsafeMutableBufferPointer<i2c_msg>.allocate(capacity: operations.count)
        defer { messages.deallocate() }

        var offset = 0
        for (index, operation) in operations.enumerated() {
            let buffer = storage.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
            var flags: UInt16 = 0
            if case .write(let bytes) = operation {
                bytes.withUnsafeBufferPointer { source in
                    if let base = source.baseAddress { buffer.update(from: base, count: source.count) }
                }
            } else {
                flags = UInt16(I2C_M_RD)
            }
            messages[index] = i2c_msg(addr: UInt16(address.rawValue), flags: flags, len: UInt16(lengths[index]),
                                      buf: buffer)
            offset += lengths[index]
        }

        let result = retryingInterrupts { calls.transfer(descriptor, messages) }
        guard result >= 0 else {
            let error = HardwareError(errno: -result, device: name, operation: "I2C_RDWR to \(address)",
                                      context: .transfer)
            if error.kind == .unsupported {
                throw HardwareError(
                    .unsupported, device: name,
                    detail: "adapter does not support plain I2C transfers (\(error.detail))", errno: error.errno)
            }
            throw error
        }
        guard Int(result) == operations.count else {
            throw HardwareError(
                .busError, device: name,
                detail: "I2C_RDWR to \(address) completed \(result) of \(operations.count) messages")
        }

        var replies: [[UInt8]] = []
        offset = 0
        for (index, operation) in operations.enumerated() {
            if case .read = operation {
                let start = storage.baseAddress!.advanced(by: offset).assumingMemoryBound(to: UInt8.self)
                replies.append(Array(UnsafeBufferPointer(start: start, count: lengths[index])))
            }
            offset += lengths[index]
        }
        return replies
    }

    public func smbus(_ address: I2CAddress, _ operation: SMBusOperation, pec: Bool) throws(HardwareError)
        -> [UInt8]
    {
        let descriptor = try openDescriptor()
        let needed = pec ? operation.requiredCapability.union(.smbusPEC) : operation.requiredCapability
        guard capabilities.isSuperset(of: needed) else {
            let missing = I2CCapabilities.named.filter { needed.subtracting(capabilities).contains($0.0) }
            throw HardwareError(
                .unsupported, device: name,
                detail: "adapter lacks \(missing.map(\.1).joined(separator: ", "))")
        }
        if selectedAddress != address {
            let result = retryingInterrupts { calls.selectAddress(descriptor, UInt16(address.rawValue)) }
            guard result >= 0 else {
                selectedAddress = nil
                throw HardwareError(errno: -result, device: name, operation: "I2C_SLAVE \(address)",
                                    context: .selectAddress)
            }
            selectedAddress = address
        }
        if pecEnabled != pec {
            try control("I2C_PEC") { descriptor in calls.setPEC(descriptor, pec) }
            pecEnabled = pec
        }

        var data = i2c_smbus_data()
        let read: Bool
        let command: UInt8
        let size: Int32
        switch operation {
        case .quick(let direction):
            (read, command, size) = (direction == .read, 0, I2C_SMBUS_QUICK)
        case .receiveByte:
            (read, command, size) = (true, 0, I2C_SMBUS_BYTE)
        case .sendByte(let byte):
            (read, command, size) = (false, byte, I2C_SMBUS_BYTE)
        case .readByteData(let register):
            (read, command, size) = (true, register, I2C_SMBUS_BYTE_DATA)
        case .writeByteData(let register, let value):
            (read, command, size) = (false, register, I2C_SMBUS_BYTE_DATA)
            data.byte = value
        case .readWordData(let register):
            (read, command, size) = (true, register, I2C_SMBUS_WORD_DATA)
        case .writeWordData(let register, let value):
            (read, command, size) = (false, register, I2C_SMBUS_WORD_DATA)
            data.word = value
        case .readI2CBlock(let register, let count):
            guard (1...SMBusOperation.blockMax).contains(count) else {
                throw HardwareError(.invalidArgument, device: name, detail: "an I2C block read takes 1 to 32 bytes")
            }
            (read, command, size) = (true, register, I2C_SMBUS_I2C_BLOCK_DATA)
            withUnsafeMutableBytes(of: &data.block) { $0[0] = UInt8(count) }
        case .writeI2CBlock(let register, let bytes):
            guard (1...SMBusOperation.blockMax).contains(bytes.count) else {
                throw HardwareError(.invalidArgument, device: name, detail: "an I2C block write takes 1 to 32 bytes")
            }
            (read, command, size) = (false, register, I2C_SMBUS_I2C_BLOCK_DATA)
            withUnsafeMutableBytes(of: &data.block) { block in
                block[0] = UInt8(bytes.count)
                for (index, byte) in bytes.enumerated() { block[index + 1] = byte }
            }
        }

        let result = retryingInterrupts { calls.smbus(descriptor, read: read, command: command, size: size, data: &data) }
        guard result >= 0 else {
            throw HardwareError(errno: -result, device: name, operation: "SMBus \(operation.name) to \(address)",
                                context: .transfer)
        }
        switch operation {
        case .receiveByte, .readByteData:
            return [data.byte]
        case .readWordData:
            return [UInt8(data.word & 0xFF), UInt8(data.word >> 8)]
        case .readI2CBlock:
            return withUnsafeBytes(of: &data.block) { block in
                let count = min(Int(block[0]), SMBusOperation.blockMax)
                return Array(block[1...count])
            }
        default:
            return []
        }
    }

    private func openDescriptor() throws(HardwareError) -> Int32 {
        guard descriptor >= 0 else {
            throw HardwareError(.noSuchDevice, device: name, detail: "the bus has been closed")
        }
        return descriptor
    }

    private func control(_ operation: String, _ call: (Int32) -> Int32) throws(HardwareError) {
        let descriptor = try openDescriptor()
        let result = retryingInterrupts { call(descriptor) }
        guard result >= 0 else {
            throw HardwareError(errno: -result, device: name, operation: operation, context: .control)
        }
    }
}

extension SMBusOperation {
    /// The operation's name in the SMBus specification, for messages.
    var name: String {
        switch self {
        case .quick: return "Quick Command"
        case .receiveByte: return "Receive Byte"
        case .sendByte: return "Send Byte"
        case .readByteData: return "Read Byte"
        case .writeByteData: return "Write Byte"
        case .readWordData: return "Read Word"
        case .writeWordData: return "Write Word"
        case .readI2CBlock: return "I2C Block Read"
        case .writeI2CBlock: return "I2C Block Write"
        }
    }
}

extension I2CCapabilities {
    /// Maps the kernel's `I2C_FUNC_*` bits, as `I2C_FUNCS` returns them, onto the HAL's capabilities.
    package init(kernelFunctions functions: UInt) {
        let table: [(Int32, I2CCapabilities)] = [
            (I2C_FUNC_I2C, .i2c), (I2C_FUNC_10BIT_ADDR, .tenBitAddressing),
            (I2C_FUNC_PROTOCOL_MANGLING, .protocolMangling), (I2C_FUNC_SMBUS_PEC, .smbusPEC),
            (I2C_FUNC_NOSTART, .noStart), (I2C_FUNC_SLAVE, .targetMode),
            (I2C_FUNC_SMBUS_BLOCK_PROC_CALL, .smbusBlockProcessCall), (I2C_FUNC_SMBUS_QUICK, .smbusQuick),
            (I2C_FUNC_SMBUS_READ_BYTE, .smbusReadByte), (I2C_FUNC_SMBUS_WRITE_BYTE, .smbusWriteByte),
            (I2C_FUNC_SMBUS_READ_BYTE_DATA, .smbusReadByteData), (I2C_FUNC_SMBUS_WRITE_BYTE_DATA, .smbusWriteByteData),
            (I2C_FUNC_SMBUS_READ_WORD_DATA, .smbusReadWordData), (I2C_FUNC_SMBUS_WRITE_WORD_DATA, .smbusWriteWordData),
            (I2C_FUNC_SMBUS_PROC_CALL, .smbusProcessCall), (I2C_FUNC_SMBUS_READ_BLOCK_DATA, .smbusReadBlockData),
            (I2C_FUNC_SMBUS_WRITE_BLOCK_DATA, .smbusWriteBlockData),
            (I2C_FUNC_SMBUS_READ_I2C_BLOCK, .smbusReadI2CBlock), (I2C_FUNC_SMBUS_WRITE_I2C_BLOCK, .smbusWriteI2CBlock),
            (I2C_FUNC_SMBUS_HOST_NOTIFY, .smbusHostNotify),
        ]
        self = []
        for (bit, capability) in table where functions & UInt(UInt32(bitPattern: bit)) != 0 {
            insert(capability)
        }
    }
}
