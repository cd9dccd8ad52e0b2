import MoteHAL

/// Reads and writes the 16-bit, most-significant-byte-first registers of pointer-register chips (TI HDC1080 and
/// TMP102, Microchip MCP9808) on any adapter: plain I2C, SMBus word data, or SMBus I2C block.
///
/// SMBus words travel low byte first (SMBus 3.1 §6.5.5), so the word Linux reports for such a chip has its bytes
/// swapped. These helpers keep the bytes in wire order instead, which is the chip's big-endian order.
enum BigEndianWordAccess {
    /// Reads the register at `register` as one big-endian word.
    static func read<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, register: UInt8) throws(SensorError) -> UInt16 {
        let capabilities = bus.capabilities
        let bytes: [UInt8] = try onBus { () throws(HardwareError) -> [UInt8] in
            if capabilities.contains(.i2c) {
                return try bus.writeRead(address, [register], count: 2)
            }
            if capabilities.contains(.smbusReadWordData) {
                // The reply holds the bytes in the order they crossed the wire: the chip's MSB first.
                return try bus.smbus(address, .readWordData(command: register))
            }
            if capabilities.contains(.smbusReadI2CBlock) {
                return try bus.smbus(address, .readI2CBlock(command: register, count: 2))
            }
            throw HardwareError(
                .unsupported, device: bus.name,
                detail: "adapter can do neither plain I2C, SMBus read word nor I2C block reads")
        }
        guard bytes.count == 2 else {
            throw .implausibleData(
                "register 0x\(hex2(register)) at \(address) gave \(bytes.count) bytes, a 16-bit register gives 2")
        }
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    /// Writes `value` to the register at `register`, most significant byte first.
    static func write<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, register: UInt8, _ value: UInt16)
        throws(SensorError)
    {
        let capabilities = bus.capabilities
        let high = UInt8(value >> 8)
        let low = UInt8(value & 0xFF)
        try onBus { () throws(HardwareError) in
            if capabilities.contains(.i2c) {
                try bus.write(address, [register, high, low])
            } else if capabilities.contains(.smbusWriteWordData) {
                // SMBus sends the word's low byte first; swapping puts the chip's MSB first on the wire.
                _ = try bus.smbus(address, .writeWordData(command: register, value: value.byteSwapped))
            } else if capabilities.contains(.smbusWriteI2CBlock) {
                _ = try bus.smbus(address, .writeI2CBlock(command: register, bytes: [high, low]))
            } else {
                throw HardwareError(
                    .unsupported, device: bus.name,
                    detail: "adapter can do neither plain I2C, SMBus write word nor I2C block writes")
            }
        }
    }
}
