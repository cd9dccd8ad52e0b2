import CI2C

/// The raw i2c-dev calls, one method per C shim and nothing else; `LinuxI2CBus` is written against this so that
/// tests can substitute a fake that returns any errno (EINTR included) without hardware.
///
/// Every method returns a non-negative result on success and `-errno` on failure.
package protocol I2CDeviceCalls: Sendable {
    func open(_ path: String) -> Int32
    func close(_ descriptor: Int32) -> Int32
    func functionality(_ descriptor: Int32, _ functions: inout UInt) -> Int32
    func transfer(_ descriptor: Int32, _ messages: UnsafeMutableBufferPointer<i2c_msg>) -> Int32
    func selectAddress(_ descriptor: Int32, _ address: UInt16) -> Int32
    func setPEC(_ descriptor: Int32, _ enabled: Bool) -> Int32
    func setTimeout(_ descriptor: Int32, tensOfMilliseconds: UInt) -> Int32
    func setRetries(_ descriptor: Int32, _ retries: UInt) -> Int32
    func smbus(_ descriptor: Int32, read: Bool, command: UInt8, size: Int32, data: inout i2c_smbus_data) -> Int32
}

/// The real calls, straight into the kernel through the CI2C shims.
package struct KernelI2CCalls: I2CDeviceCalls {
    package init() {}

    package func open(_ path: String) -> Int32 { CI2C_open(path) }
    package func close(_ descriptor: Int32) -> Int32 { CI2C_close(descriptor) }
    package func functionality(_ descriptor: Int32, _ functions: inout UInt) -> Int32 {
        CI2C_funcs(descriptor, &functions)
    }
    package func transfer(_ descriptor: Int32, _ messages: UnsafeMutableBufferPointer<i2c_msg>) -> Int32 {
        CI2C_rdwr(descriptor, messages.baseAddress, UInt32(messages.count))
    }
    package func selectAddress(_ descriptor: Int32, _ address: UInt16) -> Int32 {
        CI2C_set_slave(descriptor, address)
    }
    package func setPEC(_ descriptor: Int32, _ enabled: Bool) -> Int32 { CI2C_set_pec(descriptor, enabled ? 1 : 0) }
    package func setTimeout(_ descriptor: Int32, tensOfMilliseconds: UInt) -> Int32 {
        CI2C_set_timeout(descriptor, tensOfMilliseconds)
    }
    package func setRetries(_ descriptor: Int32, _ retries: UInt) -> Int32 { CI2C_set_retries(descriptor, retries) }
    package func smbus(_ descriptor: Int32, read: Bool, command: UInt8, size: Int32, data: inout i2c_smbus_data)
        -> Int32
    {
        CI2C_smbus(descriptor, CChar(read ? I2C_SMBUS_READ : I2C_SMBUS_WRITE), command, size, &data)
    }
}
