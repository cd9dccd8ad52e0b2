import MoteHAL

extension SensorFamily {
    /// Sensirion SHT30/31/35 at 0x44 (ADDR low) or 0x45 (ADDR high), recognised by its status register.
    ///
    /// Identification writes the documented status-read command 0xf32d and reads the 16-bit status with its CRC
    /// (SHT3x-DIS datasheet §4.11); it changes nothing on an SHT3x. Needs plain I2C: on an SMBus-only adapter it
    /// returns nil.
    public static let sht3x = SensorFamily(
        name: "sht3x", aliases: ["sht30", "sht31", "sht35"], addresses: [0x44, 0x45], identifiesByCommand: true,
        identify: { bus, address, delay in identifySHT3x(on: bus, at: address, delay: delay) },
        open: { bus, address, delay throws(SensorError) -> any SensorDriver in
            try openSHT3x(on: bus, at: address, delay: delay)
        })
}

/// Recognises an SHT3x: a status word whose CRC matches and whose reserved bits are clear.
func identifySHT3x<Bus: I2CBus>(on bus: Bus, at address: I2CAddress, delay: any Delay) -> SensorIdentification? {
    guard bus.capabilities.contains(.i2c),
          let status = try? SHT3x<Bus>.readStatus(bus, address, delay: delay, retries: 1, interval: .milliseconds(1)),
          status.rawValue & SHT3x<Bus>.Status.reservedBits == 0
    else { return nil }
    return SensorIdentification(
        model: "sht3x",
        method: "status register \(status) read with command 0xf32d, CRC valid and reserved bits clear "
            + "(SHT30, SHT31 and SHT35 share one command set and cannot be told apart)")
}

/// Opens an SHT3x driver on the bus's concrete type, so the family can hand it out as `any SensorDriver`.
func openSHT3x<Bus: I2CBus>(on bus: Bus, at address: I2CAddress, delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try SHT3x(bus: bus, address: address, delay: delay)
}
