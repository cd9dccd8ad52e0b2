/// A source of I2C buses and GPIO chips: the real Linux devices, or a simulated board.
///
/// Commands are written against this protocol so that every one of them works on hardware and under `--simulate`
/// through the very same code.
public protocol Board: AnyObject {
    /// A short description for messages: `Linux`, `simulated board (built-in default)`.
    var description: String { get }

    /// The bus a command uses when none is named: 1 on a Raspberry Pi (its GPIO-header bus), the first bus of a
    /// simulated board.
    var defaultI2CBus: Int { get }

    /// What drivers wait with: the thread's sleep on hardware, the board's clock when simulated.
    var delay: any Delay { get }

    /// The I2C adapters present, in bus-number order.
    func i2cAdapters() throws(HardwareError) -> [I2CAdapterInfo]

    /// Opens bus `number` (`/dev/i2c-N`).
    func openI2CBus(_ number: Int) throws(HardwareError) -> any I2CBus

    /// The GPIO chips present, in name order.
    func gpioChips() throws(HardwareError) -> [GPIOChipInfo]

    /// Opens the chip a selector names.
    func openGPIOChip(_ selector: GPIOChipSelector) throws(HardwareError) -> any GPIOChip
}
