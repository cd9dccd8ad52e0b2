import MoteHAL

extension SensorFamily {
    /// The TI HDC1080 (0x40), recognised by its device id 0x1050 (register 0xFF) and manufacturer id 0x5449 (0xFE).
    ///
    /// Identification only reads registers. The device id is read first: 0xFE is the reset command of the Si7021 and
    /// HTU21D that share the address, so 0xFE is read only from a chip that has already answered 0x1050. An HDC1050
    /// has the same ids and is reported as an HDC1080; an HDC1000/1008/1010 (device id 0x1000) is named but not
    /// supported.
    public static let hdc1080 = SensorFamily(
        name: "hdc1080", aliases: ["hdc1050"], addresses: [0x40], identifiesByCommand: false,
        identify: { bus, address, _ in identifyHDC1080(bus, address) },
        open: { bus, address, delay throws(SensorError) -> any SensorDriver in
            try openHDC1080(bus, address, delay)
        })
}

/// Reads the id registers of a possible HDC1080; nil when anything else (or nothing) answers.
func identifyHDC1080<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress) -> SensorIdentification? {
    guard let device = try? BigEndianWordAccess.read(bus, address, register: 0xFF),
        device == 0x1050 || device == 0x1000,
        let manufacturer = try? BigEndianWordAccess.read(bus, address, register: 0xFE),
        manufacturer == 0x5449
    else { return nil }
    let method = "device id 0x\(String(device, radix: 16)) at register 0xff, manufacturer id 0x5449 at 0xfe"
    if device == 0x1000 {
        return SensorIdentification(model: "hdc1000", method: method, supported: false)
    }
    return SensorIdentification(model: "hdc1080", method: method)
}

/// Opens an HDC1080 with its default configuration on a bus of any type.
func openHDC1080<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try HDC1080(bus: bus, address: address, delay: delay)
}
