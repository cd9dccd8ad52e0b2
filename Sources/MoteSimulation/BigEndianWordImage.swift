import MoteHAL

/// The registers of a chip with 16-bit, most-significant-byte-first registers, as a byte-mode `i2cdump` recorded
/// them: each dump cell is what a one-byte read after writing that pointer returned, i.e. the register's high byte.
///
/// The low bytes are not in such a dump. Those of id registers are fixed by the datasheet and replay from
/// `fixedLowBytes`, so a replayed chip can still be identified; all others replay as 0x00. Registers listed in
/// `byteRegisters` are 8 bits wide and replay exactly. Unreadable cells (`XX`) refuse the read, as they did on the
/// board.
struct BigEndianWordImage {
    /// The image's cells, 256 entries, nil where the dump shows `XX` or nothing.
    let cells: [UInt8?]
    /// Pointers whose register is a single byte.
    let byteRegisters: Set<UInt8>
    /// The datasheet's low bytes of constant registers, by pointer.
    let fixedLowBytes: [UInt8: UInt8]

    /// Takes the cells of a dump (padded to 256 with unreadable cells).
    init(image: [UInt8?], byteRegisters: Set<UInt8> = [], fixedLowBytes: [UInt8: UInt8] = [:]) {
        var cells = Array(image.prefix(256))
        cells += [UInt8?](repeating: nil, count: 256 - cells.count)
        self.cells = cells
        self.byteRegisters = byteRegisters
        self.fixedLowBytes = fixedLowBytes
    }

    /// The bytes of the register at `pointer` as the chip would send them.
    func registerBytes(_ pointer: UInt8) throws(DeviceRefusal) -> [UInt8] {
        guard let high = cells[Int(pointer)] else {
            throw DeviceRefusal.noAcknowledge("register 0x\(hex2(pointer)) is unreadable in the image")
        }
        return byteRegisters.contains(pointer) ? [high] : [high, fixedLowBytes[pointer] ?? 0x00]
    }
}
