import MoteHAL

extension SensorFamily {
    /// ST LPS22HB and LPS22HH (`--device lps22@0x5c`, aliases `lps22hb`, `lps22hh`), at 0x5C or 0x5D.
    ///
    /// Identified by a read-only look at WHO_AM_I (register 0x0F): 0xB1 is the LPS22HB register map, 0xB3 the
    /// LPS22HH's. The ids are not unique to those parts: the LPS33HW/LPS35HW also answer 0xB1 and the
    /// LPS22CH/LPS27HHW 0xB3, with the same register maps, and the method text says so.
    public static let lps22 = SensorFamily(
        name: "lps22", aliases: ["lps22hb", "lps22hh"], addresses: [0x5C, 0x5D], identifiesByCommand: false,
        identify: { bus, address, _ in identifyLPS22(bus, address) },
        open: { bus, address, delay throws(SensorError) in try openLPS22(bus, address, delay) })
}

private func identifyLPS22(_ bus: any I2CBus, _ address: I2CAddress) -> SensorIdentification? {
    guard let whoAmI = try? bus.readRegisters(address, from: 0x0F, count: 1).first,
          let variant = LPS22Variant(whoAmI: whoAmI)
    else { return nil }
    let sharing = variant == .lps22hb ? "LPS33HW/LPS35HW share it" : "LPS22CH/LPS27HHW share it"
    return SensorIdentification(
        model: variant.rawValue,
        method: "WHO_AM_I 0x\(hex2(whoAmI)) at register 0x0f (\(sharing) and the register map)")
}

private func openLPS22<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try LPS22(bus: bus, address: address, delay: delay)
}
