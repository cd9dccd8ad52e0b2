/// Sensirion's CRC-8: polynomial 0x31 (x^8 + x^5 + x^4 + 1), initial value 0xFF, no reflection, no final XOR.
///
/// The device models' own copy, so that a model never shares a misreading with a driver. The same checksum guards
/// every 16-bit word of the SHT3x (SHT3x-DIS datasheet §4.12) and of the SHT4x (SHT4x datasheet,
/// "Checksum Calculation").
public enum SensirionCRC {
    /// The checksum of `bytes` (SHT3x-DIS datasheet §4.12: 0xBEEF gives 0x92).
    public static func checksum(_ bytes: [UInt8]) -> UInt8 {
        var crc: UInt8 = 0xFF
        for byte in bytes {
            crc ^= byte
            for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ 0x31 : crc << 1 }
        }
        return crc
    }

    /// `words` as the sensor sends them: each word big-endian, followed by its checksum.
    public static func framed(_ words: [UInt16]) -> [UInt8] {
        words.flatMap { word -> [UInt8] in
            let pair = [UInt8(word >> 8), UInt8(word & 0xFF)]
            return pair + [checksum(pair)]
        }
    }
}
