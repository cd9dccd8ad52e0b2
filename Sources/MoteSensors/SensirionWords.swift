import MoteHAL

/// The reply framing Sensirion's humidity sensors share: 16-bit words, big-endian, each followed by its CRC-8
/// (polynomial 0x31, initial 0xFF; SHT3x-DIS datasheet §4.12, SHT4x datasheet "Checksum Calculation").
enum SensirionWords {
    /// The words in `bytes` (`[msb, lsb, crc]` per word), each checked against its CRC.
    ///
    /// `names` names the words in order for the error (`temperature`, `humidity`); a short reply is
    /// `.implausibleData`, a checksum mismatch `.crcMismatch` and never a value.
    static func decode(_ bytes: [UInt8], names: [String]) throws(SensorError) -> [UInt16] {
        guard bytes.count == names.count * 3 else {
            throw .implausibleData("expected \(names.count * 3) bytes (\(names.joined(separator: ", ")) with CRCs), "
                + "got \(bytes.count)")
        }
        var words: [UInt16] = []
        words.reserveCapacity(names.count)
        for (index, name) in names.enumerated() {
            let pair = bytes[(index * 3)..<(index * 3 + 2)]
            let received = bytes[index * 3 + 2]
            let computed = crc8(pair)
            guard computed == received else {
                throw .crcMismatch(what: name, expected: computed, received: received)
            }
            words.append(UInt16(bytes[index * 3]) << 8 | UInt16(bytes[index * 3 + 1]))
        }
        return words
    }

    /// Fails with `.bus(.unsupported)` unless the adapter can do plain I2C transfers.
    ///
    /// Sensirion replies are 3 or 6 bytes read without a command byte in front: SMBus has no operation that reads
    /// more than one byte that way (Receive Byte reads one, and every other read writes a command first), so an
    /// SMBus-only adapter (the kernel's i2c-stub, some PC controllers) cannot read these chips.
    static func requirePlainI2C(_ bus: some I2CBus, chip: String) throws(SensorError) {
        try onBus { () throws(HardwareError) in
            try bus.requirePlainI2C("\(chip) replies are read without a command byte, which SMBus cannot do")
        }
    }

    /// Reads a `count`-byte reply, retrying while the chip does not acknowledge its read header (the datasheets' way
    /// of saying "not ready yet"): at most `retries` more attempts, `interval` apart, then `.timedOut`.
    static func readWhenReady(_ bus: some I2CBus, _ address: I2CAddress, count: Int, delay: any Delay, retries: Int,
                              interval: Duration, what: String) throws(SensorError) -> [UInt8] {
        var retry = 0
        while true {
            do {
                return try bus.read(address, count: count)
            } catch where error.kind == .noAcknowledge {
                guard retry < retries else {
                    throw .timedOut("\(what) from \(address) on \(bus.name) not ready after \(retries) retries "
                        + "\(interval) apart (\(error.detail))")
                }
                retry += 1
                delay.sleep(for: interval)
            } catch {
                throw .bus(error)
            }
        }
    }

    /// `bytes` as lowercase hexadecimal for messages: `0x80 0x10 0xe1`.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { "0x" + hex2($0) }.joined(separator: " ")
    }
}
