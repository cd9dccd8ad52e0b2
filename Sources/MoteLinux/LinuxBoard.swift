import Foundation
import MoteHAL

/// The real devices of this Linux machine: `/dev/i2c-N` adapters and `/dev/gpiochipN` chips.
public final class LinuxBoard: Board {
    public let description = "Linux"
    public let delay: any Delay = SystemDelay()
    /// Bus 1 is the GPIO header's I2C on every Raspberry Pi since the model B rev 2.
    public let defaultI2CBus = 1

    /// Where sysfs is mounted; tests point it at a fake tree.
    let sysfs: String

    public convenience init() { self.init(sysfs: "/sys") }

    package init(sysfs: String) { self.sysfs = sysfs }

    /// The adapters i2c-dev exposes, named from sysfs as `i2cdetect -l` names them.
    ///
    /// An adapter whose node cannot be opened (no permission) is still listed, with no capabilities.
    public func i2cAdapters() throws(HardwareError) -> [I2CAdapterInfo] {
        let classDirectory = sysfs + "/class/i2c-dev"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: classDirectory)) ?? []
        let numbers = entries.compactMap { entry -> Int? in
            guard entry.hasPrefix("i2c-") else { return nil }
            return Int(entry.dropFirst(4))
        }
        return numbers.sorted().map { number in
            let directory = "\(classDirectory)/i2c-\(number)"
            let name = [directory + "/name", directory + "/device/name"].lazy
                .compactMap { try? String(contentsOfFile: $0, encoding: .utf8) }
                .first?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "unknown"
            let capabilities = (try? LinuxI2CBus(bus: number))?.capabilities ?? []
            return I2CAdapterInfo(number: number, name: name, capabilities: capabilities)
        }
    }

    public func openI2CBus(_ number: Int) throws(HardwareError) -> any I2CBus {
        try LinuxI2CBus(bus: number)
    }

    public func gpioChips() throws(HardwareError) -> [GPIOChipInfo] {
        try LinuxGPIO.chips()
    }

    public func openGPIOChip(_ selector: GPIOChipSelector) throws(HardwareError) -> any GPIOChip {
        try LinuxGPIO.open(selector)
    }
}
