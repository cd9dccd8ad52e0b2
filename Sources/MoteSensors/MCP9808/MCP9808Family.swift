import MoteHAL

extension SensorFamily {
    /// The Microchip MCP9808 (0x18–0x1F), recognised by manufacturer id 0x0054 (register 0x06) and device id 0x04 in
    /// the upper byte of register 0x07 (§5.1.4, §5.1.5).
    ///
    /// Identification only reads those two registers. Other JEDEC JC42.4 sensors share the manufacturer id with a
    /// different device id (MCP9804: 0x02, MCP98243: 0x21) and are not taken for an MCP9808.
    public static let mcp9808 = SensorFamily(
        name: "mcp9808", aliases: [], addresses: Array(0x18...0x1F), identifiesByCommand: false,
        identify: { bus, address, _ in identifyMCP9808(bus, address) },
        open: { bus, address, delay throws(SensorError) -> any SensorDriver in
            try openMCP9808(bus, address, delay)
        })
}

/// Reads the id registers of a possible MCP9808; nil when anything else (or nothing) answers.
func identifyMCP9808<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress) -> SensorIdentification? {
    guard let manufacturer = try? BigEndianWordAccess.read(bus, address, register: 0x06), manufacturer == 0x0054,
        let device = try? BigEndianWordAccess.read(bus, address, register: 0x07), device >> 8 == 0x04
    else { return nil }
    return SensorIdentification(
        model: "mcp9808",
        method: "manufacturer id 0x0054 at register 0x06, device id 0x04 revision 0x\(hex2(UInt8(device & 0xFF))) "
            + "at 0x07")
}

/// Opens an MCP9808 with its default configuration on a bus of any type.
func openMCP9808<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try MCP9808(bus: bus, address: address, delay: delay)
}
