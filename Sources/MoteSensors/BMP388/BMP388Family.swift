import MoteHAL

extension SensorFamily {
    /// Bosch BMP388 and BMP390 (`--device bmp388@0x76`, alias `bmp390`), at 0x76 or 0x77.
    ///
    /// Identified by a read-only look at CHIP_ID (register 0x00: 0x50 BMP388, 0x60 BMP390). A BME280 also
    /// answers 0x60 — but at register 0xD0 — so a 0x50/0x60 at 0x00 counts only when register 0xD0 does not hold
    /// a BMP280/BME280/BME680 id (0x58, 0x60, 0x61); those chips' reserved register 0x00 is not trusted.
    public static let bmp388 = SensorFamily(
        name: "bmp388", aliases: ["bmp390"], addresses: [0x76, 0x77], identifiesByCommand: false,
        identify: { bus, address, _ in identifyBMP388(bus, address) },
        open: { bus, address, delay throws(SensorError) in try openBMP388(bus, address, delay) })
}

/// The BMx280/BME680 chip ids found at register 0xD0 (BME280 datasheet §5.4.1; BMP280 §4.3.1; BME680 §5.3.3).
private let boschLegacyChipIDs: Set<UInt8> = [0x56, 0x57, 0x58, 0x60, 0x61]

private func identifyBMP388(_ bus: any I2CBus, _ address: I2CAddress) -> SensorIdentification? {
    guard let chipID = try? bus.readRegisters(address, from: 0x00, count: 1).first,
          let variant = BMP388Variant(chipID: chipID)
    else { return nil }
    guard let legacyID = try? bus.readRegisters(address, from: 0xD0, count: 1).first,
          !boschLegacyChipIDs.contains(legacyID)
    else { return nil }
    return SensorIdentification(
        model: variant.rawValue,
        method: "chip id 0x\(hex2(chipID)) at register 0x00 (register 0xd0 reads 0x\(hex2(legacyID)), no BMx280 id)")
}

private func openBMP388<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try BMP388(bus: bus, address: address, delay: delay)
}
