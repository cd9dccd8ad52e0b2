import MoteHAL

extension SensorFamily {
    /// The TI TMP102 (0x48–0x4B), recognised cautiously: it has no id register.
    ///
    /// Identification reads the four registers and accepts the chip when the configuration register has R1:R0 = 11
    /// and D3:D0 = 0 (power-up value 0x60A0, §6.5.3), and the temperature and limit registers have the unused low
    /// bits the EM bit implies (§6.5.2, §6.5.4). The limits of this: a TMP112 or TMP110 has the same register map
    /// and reset values and is reported as a TMP102; a TMP75/TMP275 set to 12-bit resolution can pass too. It does
    /// reject an ADS1115 (configuration 0x8583 at power-up) and an LM75 at power-up (configuration 0x00). Only
    /// reads are used, so a chip that is not a TMP102 is not disturbed. Detection should try this family after
    /// families with a real id register at 0x48–0x4B.
    public static let tmp102 = SensorFamily(
        name: "tmp102", aliases: ["tmp112"], addresses: [0x48, 0x49, 0x4A, 0x4B], identifiesByCommand: false,
        identify: { bus, address, _ in identifyTMP102(bus, address) },
        open: { bus, address, delay throws(SensorError) -> any SensorDriver in
            try openTMP102(bus, address, delay)
        })
}

/// Reads the registers of a possible TMP102 and checks their fixed bits; nil when they do not fit.
func identifyTMP102<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress) -> SensorIdentification? {
    guard let configuration = try? BigEndianWordAccess.read(bus, address, register: 0x01),
        TMP102<Bus>.hasFixedConfigurationBits(configuration)
    else { return nil }
    let extended = configuration & 0x0010 != 0
    guard let temperature = try? BigEndianWordAccess.read(bus, address, register: 0x00),
        (try? TMP102<Bus>.checkTemperatureFormat(temperature, extended: extended)) != nil,
        let low = try? BigEndianWordAccess.read(bus, address, register: 0x02),
        let high = try? BigEndianWordAccess.read(bus, address, register: 0x03)
    else { return nil }
    let unusedLimitBits: UInt16 = extended ? 0x0007 : 0x000F
    guard low & unusedLimitBits == 0, high & unusedLimitBits == 0 else { return nil }
    let what = configuration == 0x60A0
        ? "power-up configuration 0x60a0 at register 0x01"
        : "configuration 0x\(String(configuration, radix: 16)) at register 0x01 with R1:R0 = 11, D3:D0 = 0"
    return SensorIdentification(
        model: "tmp102", method: what + "; no id register, so a TMP112/TMP110 looks the same")
}

/// Opens a TMP102 with its default configuration on a bus of any type.
func openTMP102<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try TMP102(bus: bus, address: address, delay: delay)
}
