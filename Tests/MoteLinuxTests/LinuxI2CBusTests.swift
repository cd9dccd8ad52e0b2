import CI2C
import Glibc
import MoteHAL
@testable import MoteLinux
import XCTest

/// A fake kernel: records every raw call and answers from a script of results per call name.
final class FakeI2CCalls: I2CDeviceCalls, @unchecked Sendable {
    var log: [String] = []
    /// Results to hand out per call name, first to last; when empty a call succeeds.
    var script: [String: [Int32]] = [:]
    var functions: UInt = UInt(UInt32(bitPattern: I2C_FUNC_I2C)) | CI2C_FUNC_SMBUS_EMUL
    var readByte: UInt8 = 0x60
    var closed: [Int32] = []

    private func result(_ name: String) -> Int32 {
        guard var queue = script[name], !queue.isEmpty else { return 0 }
        let value = queue.removeFirst()
        script[name] = queue
        return value
    }

    func open(_ path: String) -> Int32 {
        log.append("open \(path)")
        let scripted = result("open")
        return scripted < 0 ? scripted : 7
    }
    func close(_ descriptor: Int32) -> Int32 {
        closed.append(descriptor)
        return 0
    }
    func functionality(_ descriptor: Int32, _ functions: inout UInt) -> Int32 {
        functions = self.functions
        return result("funcs")
    }
    func transfer(_ descriptor: Int32, _ messages: UnsafeMutableBufferPointer<i2c_msg>) -> Int32 {
        log.append("rdwr " + messages.map { "\($0.addr):\($0.flags & UInt16(I2C_M_RD) != 0 ? "r" : "w")\($0.len)" }
            .joined(separator: ","))
        let scripted = result("rdwr")
        guard scripted >= 0 else { return scripted }
        for message in messages where message.flags & UInt16(I2C_M_RD) != 0 {
            for index in 0..<Int(message.len) { message.buf[index] = readByte &+ UInt8(index) }
        }
        return Int32(messages.count)
    }
    func selectAddress(_ descriptor: Int32, _ address: UInt16) -> Int32 {
        log.append("slave \(address)")
        return result("slave")
    }
    func setPEC(_ descriptor: Int32, _ enabled: Bool) -> Int32 {
        log.append("pec \(enabled)")
        return result("pec")
    }
    func setTimeout(_ descriptor: Int32, tensOfMilliseconds: UInt) -> Int32 {
        log.append("timeout \(tensOfMilliseconds)")
        return result("timeout")
    }
    func setRetries(_ descriptor: Int32, _ retries: UInt) -> Int32 {
        log.append("retries \(retries)")
        return result("retries")
    }
    func smbus(_ descriptor: Int32, read: Bool, command: UInt8, size: Int32, data: inout i2c_smbus_data) -> Int32 {
        log.append("smbus \(read ? "r" : "w") \(command) size \(size)")
        let scripted = result("smbus")
        guard scripted >= 0 else { return scripted }
        if read, size == I2C_SMBUS_WORD_DATA {
            data.word = 0xBEEF
        } else if read {
            data.byte = readByte
        }
        return 0
    }
}

final class LinuxI2CBusTests: XCTestCase {
    let address = I2CAddress(0x76)!

    func testTransferIsOneRDWRWithTheAddressInEveryMessageAndNoI2CSlave() throws {
        let calls = FakeI2CCalls()
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        XCTAssertEqual(try bus.writeRead(address, [0xD0], count: 2), [0x60, 0x61])
        XCTAssertEqual(calls.log, ["open /dev/i2c-1", "rdwr 118:w1,118:r2"])
        XCTAssertEqual(bus.capabilities, I2CCapabilities.fullI2C)
    }

    func testInterruptedCallsAreRetried() throws {
        let calls = FakeI2CCalls()
        calls.script = ["open": [-EINTR], "rdwr": [-EINTR, -EINTR], "slave": [-EINTR], "smbus": [-EINTR]]
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        XCTAssertEqual(try bus.read(address, count: 1), [0x60])
        XCTAssertEqual(try bus.smbus(address, .readByteData(command: 0xD0)), [0x60])
        XCTAssertEqual(calls.log.filter { $0.hasPrefix("rdwr") }.count, 3)
        XCTAssertEqual(calls.log.filter { $0.hasPrefix("open") }.count, 2)
        XCTAssertEqual(calls.log.filter { $0.hasPrefix("smbus") }.count, 2)
    }

    func testErrnoBecomesTheRightKind() throws {
        let cases: [(Int32, HardwareError.Kind)] = [
            (ENXIO, .noAcknowledge), (EREMOTEIO, .noAcknowledge), (ENODEV, .noAcknowledge), (EIO, .busError),
            (EAGAIN, .arbitrationLost), (ETIMEDOUT, .timeout), (EOPNOTSUPP, .unsupported), (EBADMSG, .dataCorrupted),
            (EPROTO, .busError), (EINVAL, .invalidArgument), (EBUSY, .busy),
        ]
        for (code, kind) in cases {
            let calls = FakeI2CCalls()
            calls.script = ["rdwr": [-code]]
            let bus = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
            XCTAssertThrowsError(try bus.read(address, count: 1)) { error in
                let error = error as? HardwareError
                XCTAssertEqual(error?.kind, kind, "errno \(code)")
                XCTAssertEqual(error?.errno, code)
                XCTAssertEqual(error?.device, "/dev/i2c-1")
            }
        }
    }

    func testOpenFailuresSayWhatToDo() {
        for (code, kind, hint) in [(EACCES, HardwareError.Kind.permissionDenied, "i2c group"),
                                   (ENOENT, .noSuchDevice, "modprobe i2c-dev"), (ENODEV, .noSuchDevice, "No such device")] {
            let calls = FakeI2CCalls()
            calls.script = ["open": [-code]]
            XCTAssertThrowsError(try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)) { error in
                XCTAssertEqual((error as? HardwareError)?.kind, kind)
                XCTAssertTrue("\(error)".contains(hint), "\(error)")
            }
        }
    }

    func testSMBusSetsTheAddressOnlyWhenItChangesAndEBUSYMeansAKernelDriver() throws {
        let calls = FakeI2CCalls()
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        _ = try bus.smbus(address, .quick(.write))
        _ = try bus.smbus(address, .receiveByte)
        XCTAssertEqual(calls.log.filter { $0.hasPrefix("slave") }, ["slave 118"])
        calls.script = ["slave": [-EBUSY]]
        XCTAssertThrowsError(try bus.smbus(I2CAddress(0x1A)!, .quick(.write))) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .addressInUse)
        }
        XCTAssertEqual(try bus.smbus(address, .readWordData(command: 2)), [0xEF, 0xBE], "word comes back low first")
        XCTAssertEqual(calls.log.filter { $0.hasPrefix("slave") }, ["slave 118", "slave 26", "slave 118"],
                       "a failed I2C_SLAVE forgets the cached address")
    }

    func testPECIsSwitchedOnlyWhenItChanges() throws {
        let calls = FakeI2CCalls()
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        _ = try bus.smbus(address, .readByteData(command: 1), pec: true)
        _ = try bus.smbus(address, .readByteData(command: 1), pec: true)
        _ = try bus.smbus(address, .readByteData(command: 1), pec: false)
        XCTAssertEqual(calls.log.filter { $0.hasPrefix("pec") }, ["pec true", "pec false"])
    }

    func testSMBusOnlyAdapterRefusesTransfersBeforeTheSyscall() throws {
        let calls = FakeI2CCalls()
        calls.functions = UInt(UInt32(bitPattern: I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE_DATA))
        let bus = try LinuxI2CBus(path: "/dev/i2c-0", calls: calls)
        XCTAssertThrowsError(try bus.read(address, count: 1)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .unsupported)
            XCTAssertTrue("\(error)".contains("adapter does not support plain I2C transfers"))
        }
        XCTAssertThrowsError(try bus.smbus(address, .readI2CBlock(command: 0, count: 4))) { error in
            XCTAssertTrue("\(error)".contains("I2C Block Read"), "\(error)")
        }
        XCTAssertFalse(calls.log.contains { $0.hasPrefix("rdwr") || $0.hasPrefix("smbus") })
    }

    func testDescriptorIsClosedOnceByCloseOrDeinit() throws {
        let calls = FakeI2CCalls()
        var bus: LinuxI2CBus? = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        bus?.close()
        XCTAssertEqual(calls.closed, [7])
        XCTAssertThrowsError(try bus?.read(address, count: 1)) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .noSuchDevice)
        }
        bus = nil
        XCTAssertEqual(calls.closed, [7], "deinit does not close twice")
        var other: LinuxI2CBus? = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        XCTAssertNotNil(other)
        other = nil
        XCTAssertEqual(calls.closed, [7, 7])
    }

    func testTimeoutIsSetInTensOfMilliseconds() throws {
        let calls = FakeI2CCalls()
        let bus = try LinuxI2CBus(path: "/dev/i2c-1", calls: calls)
        try bus.setTimeout(.milliseconds(1_250))
        try bus.setRetries(3)
        XCTAssertEqual(calls.log.suffix(2), ["timeout 125", "retries 3"])
    }

    func testKernelFunctionalityBitsMapOntoCapabilities() {
        let smbusOnly = I2CCapabilities(kernelFunctions: UInt(UInt32(bitPattern:
            I2C_FUNC_SMBUS_QUICK | I2C_FUNC_SMBUS_BYTE | I2C_FUNC_SMBUS_BYTE_DATA | I2C_FUNC_SMBUS_WORD_DATA
                | I2C_FUNC_SMBUS_I2C_BLOCK)))
        XCTAssertEqual(smbusOnly, .smbusOnly, "the functionality i2c-stub reports")
        XCTAssertEqual(smbusOnly.adapterClass, "smbus")
        let full = I2CCapabilities(kernelFunctions: UInt(UInt32(bitPattern: I2C_FUNC_I2C)) | CI2C_FUNC_SMBUS_EMUL)
        XCTAssertEqual(full, .fullI2C)
    }

    // MARK: The real system calls

    func testRealOpenOfAMissingNodeIsNoSuchDevice() {
        XCTAssertThrowsError(try LinuxI2CBus(bus: 250)) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .noSuchDevice)
            XCTAssertEqual((error as? HardwareError)?.errno, ENOENT)
            XCTAssertEqual((error as? HardwareError)?.device, "/dev/i2c-250")
        }
    }

    func testRealIoctlOnANonI2CFileIsUnsupportedNotACrash() {
        // /dev/null accepts open(O_RDWR) but not I2C_FUNCS: the kernel answers ENOTTY.
        XCTAssertThrowsError(try LinuxI2CBus(path: "/dev/null", calls: KernelI2CCalls())) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .unsupported)
            XCTAssertEqual((error as? HardwareError)?.errno, ENOTTY)
            XCTAssertTrue("\(error)".contains("not an i2c-dev device"), "\(error)")
        }
    }

    func testLinuxBoardWithoutI2CDevListsNothing() throws {
        let board = LinuxBoard(sysfs: "/nonexistent-sysfs")
        XCTAssertEqual(try board.i2cAdapters(), [])
    }
}
