import MoteHAL

/// Every driver family this project has, in the order detection tries them at a shared address.
public enum SensorCatalog {
    /// The families; at an address several can live at, families that identify by reading registers come before
    /// those that must send a command, so no command reaches a chip that a register read would have named.
    public static let families: [SensorFamily] = [
        // Register readers first. At 0x76/0x77 the BME280 family reads 0xd0 before BMP388 reads 0x00 (a BME280
        // holds 0x60 there too); at 0x40 HDC1080 reads 0xff before anything sends a command.
        .bme280, .bmp388, .lps22, .hdc1080, .mcp9808, .aht20,
        // TMP102 has no id register: it is recognised by register patterns, so it goes after every id reader.
        .tmp102,
        // Command identifiers last. SHT4x before SHT3x: an SHT3x ignores a lone 0x89, while 0xf3 0x2d would write
        // a byte into register 0xf3 of an unknown register chip.
        .sht4x, .sht3x, .htu21d,
    ]

    /// The family a user names in `--device NAME@ADDR` (its name or an alias), or nil.
    public static func family(named name: String) -> SensorFamily? {
        let name = name.lowercased()
        return families.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// What answers at `address`, tried family by family (register readers first), or nil when nothing is known.
    public static func identify(on bus: any I2CBus, at address: I2CAddress, delay: any Delay)
        -> (SensorFamily, SensorIdentification)?
    {
        let candidates = families.filter { $0.addresses.contains(address.rawValue) }
        for family in candidates.filter({ !$0.identifiesByCommand }) + candidates.filter(\.identifiesByCommand) {
            if let identification = family.identify(bus, address, delay) { return (family, identification) }
        }
        return nil
    }
}
