import MoteHAL
import MoteSensors

/// Sensor components built from the drivers' own datasheet figures (`SensorDatasheet`), so a profile can name a
/// driver (`driver = "bme280"`) instead of copying its currents.
public enum SensorDefaults {
    /// The driver names (and aliases) a profile may use, as `--device` accepts them, sorted.
    public static var driverNames: [String] {
        SensorCatalog.families.flatMap { [$0.name] + $0.aliases }.sorted()
    }

    /// The datasheet figures of `model` (a family name or alias such as `bme280`, `bmp280`, `si7021`) with the
    /// driver's default configuration, or nil for a name no driver has.
    public static func datasheet(forDriver model: String) -> SensorDatasheet? {
        let model = model.lowercased()
        guard let family = SensorCatalog.family(named: model) else { return nil }
        switch family.name {
        case "bme280": return model == "bmp280" ? BME280Datasheets.bmp280 : BME280Datasheets.bme280
        case "bmp388":
            return BMP388<DatasheetOnlyBus>.datasheet(for: model == "bmp390" ? .bmp390 : .bmp388,
                                                      configuration: BMP388Configuration())
        case "lps22":
            return LPS22<DatasheetOnlyBus>.datasheet(for: model == "lps22hh" ? .lps22hh : .lps22hb,
                                                     configuration: LPS22Configuration())
        case "hdc1080": return HDC1080<DatasheetOnlyBus>.datasheet
        case "mcp9808": return MCP9808<DatasheetOnlyBus>.datasheet
        case "aht20": return AHT20Chip.datasheet
        case "tmp102": return TMP102<DatasheetOnlyBus>.datasheet
        case "sht4x": return SHT4x<DatasheetOnlyBus>.datasheet
        case "sht3x": return SHT3x<DatasheetOnlyBus>.datasheet
        case "htu21d": return model == "si7021" ? HTU21DChip.si7021Datasheet : HTU21DChip.htu21dDatasheet
        default: return nil
        }
    }

    /// A sensor component from a driver's datasheet.
    ///
    /// The driver's states map onto the model's: `sleep` → `sleep` (and `idle`, which a sensor does not have
    /// apart from sleep), `measuring` → `measuring`, `heating` → `active` (the heater is the only thing a sensor
    /// does besides converting). No datasheet gives the current during start-up, so `boot` is charged at the
    /// measuring current, an upper bound. A `gated` sensor (its supply switched by a GPIO line) rests `off` at 0 A
    /// between samples; otherwise it rests in `sleep`.
    public static func component(named name: String, datasheet: SensorDatasheet, gated: Bool) -> ComponentModel {
        var currents: [PowerState: Double] = [:]
        if let sleep = datasheet.currents[.sleep] {
            currents[.sleep] = sleep
            currents[.idle] = sleep
        }
        if let measuring = datasheet.currents[.measuring] {
            currents[.measuring] = measuring
            currents[.boot] = measuring
        }
        if let heating = datasheet.currents[.heating] { currents[.active] = heating }
        return ComponentModel(
            name: name, kind: .sensor, supplyVolts: datasheet.supplyVolts, currents: currents,
            restingState: gated || currents[.sleep] == nil ? .off : .sleep,
            startupTime: datasheet.startupTime, measurementTime: datasheet.measurementTime,
            source: "\(datasheet.part): \(datasheet.source) (via the driver's SensorDatasheet)")
    }
}

/// A bus type that only exists so the generic drivers' static datasheet figures can be read without a bus: it is
/// never handed to a driver, and every transfer would fail.
final class DatasheetOnlyBus: I2CBus {
    var name: String { "datasheet-only" }
    var capabilities: I2CCapabilities { [] }

    func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(HardwareError) -> [[UInt8]] {
        throw HardwareError(.unsupported, device: name, detail: "not a bus: only used to read datasheet figures")
    }

    func smbus(_ address: I2CAddress, _ operation: SMBusOperation, pec: Bool) throws(HardwareError) -> [UInt8] {
        throw HardwareError(.unsupported, device: name, detail: "not a bus: only used to read datasheet figures")
    }
}
