import MoteHAL

extension SensorFamily {
    /// TE HTU21D(F), Sensirion SHT21 and Silicon Labs Si7006/13/20/21 at 0x40 (`--device htu21d@0x40`, `si7021`,
    /// `sht21`).
    ///
    /// Identification reads the user register (command 0xE7 — on a register-pointer chip such as an HDC1080,
    /// INA219 or PCA9685 at the same address only a pointer write), checks its reset pattern, then runs a no-hold
    /// humidity measurement (again a single byte, 0xF5) whose CRC and status bit must check, and only then sends
    /// the two-byte electronic-ID command 0xFC 0xC9, which on an 8-bit register chip would write a register.
    /// If the user register is not acknowledged at first (another family's probe may have written 0xFE, this
    /// family's soft reset), it is read again after the 15 ms reset time. Needs plain I2C.
    public static let htu21d = SensorFamily(
        name: "htu21d", aliases: ["si7021", "sht21"], addresses: [HTU21DChip.address], identifiesByCommand: true,
        identify: { bus, address, delay in identifyHTU21DFamily(bus, address, delay) },
        open: { (bus, address, delay) throws(SensorError) -> any SensorDriver in
            try openHTU21D(bus, address, delay)
        })
}

/// Opens the driver on a concrete bus type (the existential is opened by the call).
private func openHTU21D<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay) throws(SensorError)
    -> any SensorDriver
{
    try HTU21D(bus: bus, address: address, delay: delay)
}

/// Recognises an HTU21D-family chip without disturbing other chips that may sit at 0x40; see `SensorFamily.htu21d`.
func identifyHTU21DFamily<Bus: I2CBus>(_ bus: Bus, _ address: I2CAddress, _ delay: any Delay)
    -> SensorIdentification?
{
    typealias Driver = HTU21D<Bus>
    var userRegister: UInt8
    do throws(SensorError) {
        userRegister = try Driver.readUserRegister(bus, address)
    } catch {
        guard case .bus(let failure) = error, failure.kind == .noAcknowledge else { return nil }
        delay.sleep(for: HTU21DChip.softResetTime)
        guard let again = try? Driver.readUserRegister(bus, address) else { return nil }
        userRegister = again
    }
    guard HTU21DChip.isFamilyUserRegister(userRegister), bus.capabilities.contains(.i2c) else { return nil }

    // A humidity measurement: a one-byte command, then a CRC-checked result with the humidity status bit set.
    guard (try? bus.write(address, [HTU21DChip.Command.measureHumidityNoHold])) != nil else { return nil }
    let resolution = HTU21DChip.Resolution(userRegister: userRegister)
    let htu21dTime = HTU21DChip.maximumConversionTimes(for: resolution, variant: .htu21d).humidity
    let si70xxTime = HTU21DChip.maximumConversionTimes(for: resolution, variant: .si7021).humidity
    delay.sleep(for: max(htu21dTime, si70xxTime))
    guard let bytes = try? Driver.readWhenReady(bus, address, delay: delay, count: 3, what: "humidity measurement"),
          let raw = try? Driver.checkedMeasurement(bytes, quantity: .humidity),
          raw & ~HTU21DChip.statusBitsMask != 0, raw != 0xFFFF
    else { return nil }

    let registerText = "user register 0x\(hex2(userRegister)) (command 0xe7)"
    let id: UInt8?
    do throws(SensorError) {
        id = try Driver.readDeviceID(bus, address)
    } catch {
        return nil
    }
    guard let id else {
        return SensorIdentification(
            model: HTU21DChip.Variant.htu21d.rawValue,
            method: "\(registerText) and a CRC-checked humidity measurement; no electronic id")
    }
    guard let variant = HTU21DChip.Variant(deviceID: id) else {
        return SensorIdentification(
            model: "htu21d-compatible", method: "unknown electronic id device byte 0x\(hex2(id)), \(registerText)",
            supported: false)
    }
    return SensorIdentification(
        model: variant.rawValue,
        method: "electronic id device byte 0x\(hex2(id)) (command 0xfc 0xc9), \(registerText)")
}
