import Foundation
import MoteHAL

extension SensorFamily {
    /// Bosch BME280 and BMP280 at 0x76 (SDO to GND) or 0x77 (SDO to V_DDIO) (BME280 datasheet §6.2).
    ///
    /// Identification reads only the id register 0xD0, which changes nothing on any chip: 0x60 is a BME280,
    /// 0x58 a BMP280 (0x56/0x57 on its engineering samples), 0x61 a BME680, which is named but not supported.
    public static let bme280 = SensorFamily(
        name: "bme280", aliases: ["bmp280"], addresses: [0x76, 0x77], identifiesByCommand: false,
        identify: { bus, address, _ in BME280Identification.identify(on: bus, at: address) },
        open: { bus, address, delay throws(SensorError) -> any SensorDriver in
            try openBME280(on: bus, at: address, delay: delay)
        })
}

/// How the BME280 family recognises its chips.
public enum BME280Identification {
    /// What the chip id at 0xD0 on `bus` says, or nil when nothing answers or the id is none of the family's.
    public static func identify(on bus: some I2CBus, at address: I2CAddress) -> SensorIdentification? {
        guard let id = try? bus.readRegisters(address, from: BME280Register.chipID, count: 1).first else {
            return nil
        }
        return identification(forChipID: id)
    }

    /// The identification a chip id names, or nil for an id outside the family.
    public static func identification(forChipID id: UInt8) -> SensorIdentification? {
        let method = "chip id 0x\(hex2(id)) at register 0xd0"
        switch id {
        case 0x60: return SensorIdentification(model: "bme280", method: method)
        case 0x58: return SensorIdentification(model: "bmp280", method: method)
        case 0x56, 0x57: return SensorIdentification(model: "bmp280", method: method + " (engineering sample)")
        case BME280Register.bme680ChipID:
            return SensorIdentification(model: "bme680", method: method, supported: false)
        default: return nil
        }
    }
}

/// Opens a driver on a concrete bus type, so that an `any I2CBus` is opened implicitly at the call.
private func openBME280(on bus: some I2CBus, at address: I2CAddress, delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try BME280(bus: bus, address: address, delay: delay)
}
