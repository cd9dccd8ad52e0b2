import MoteHAL

extension SensorFamily {
    /// Sensirion SHT40/41/45 at 0x44 (-AD1B), 0x45 (SHT40-BD1B) or 0x46 (SHT40-CD1B), recognised by its serial number.
    ///
    /// Identification writes the documented one-byte serial-number command 0x89 and reads two words with their CRCs;
    /// it changes nothing on an SHT4x, and an SHT3x discards a lone byte (its commands are 16 bits with a built-in
    /// checksum). Needs plain I2C: on an SMBus-only adapter it returns nil.
    public static let sht4x = SensorFamily(
        name: "sht4x", aliases: ["sht40", "sht41", "sht45"], addresses: [0x44, 0x45, 0x46],
        identifiesByCommand: true,
        identify: { bus, address, delay in identifySHT4x(on: bus, at: address, delay: delay) },
        open: { bus, address, delay throws(SensorError) -> any SensorDriver in
            try openSHT4x(on: bus, at: address, delay: delay)
        })
}

/// Recognises an SHT4x: a serial number whose two words both pass their CRCs.
func identifySHT4x<Bus: I2CBus>(on bus: Bus, at address: I2CAddress, delay: any Delay) -> SensorIdentification? {
    guard bus.capabilities.contains(.i2c),
          let serial = try? SHT4x<Bus>.readSerialNumber(bus, address, delay: delay)
    else { return nil }
    let hex = String(serial, radix: 16)
    return SensorIdentification(
        model: "sht4x",
        method: "serial number 0x\(String(repeating: "0", count: max(0, 8 - hex.count)) + hex) read with command "
            + "0x89, both CRCs valid (SHT40, SHT41 and SHT45 share one command set and cannot be told apart)")
}

/// Opens an SHT4x driver on the bus's concrete type, so the family can hand it out as `any SensorDriver`.
func openSHT4x<Bus: I2CBus>(on bus: Bus, at address: I2CAddress, delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try SHT4x(bus: bus, address: address, delay: delay)
}
