/// The built-in simulated board: what `--simulate` gives when no scenario file is named.
///
/// A BME280 at 0x76 and an SHT31 at 0x44 on bus 1 (an adapter like a Raspberry Pi's), and one 8-line GPIO chip
/// with a pull-up push button on line 4 that is pressed every second, a sensor power switch on line 17's place
/// (line 5), and line 7 held by a kernel driver.
public enum DefaultBoard {
    /// The default board as a scenario file, parsed by the same loader as a user's file.
    public static let scenario = """
        # Mote's built-in simulated board.
        [[i2c]]
        bus = 1
        adapter = "bcm2835 (i2c@7e804000)"

        [[i2c.device]]
        address = 0x76
        model = "bme280"
        temperature_celsius = 21.8
        relative_humidity_percent = 47.0
        pressure_pascals = 100_920.0

        [[i2c.device]]
        address = 0x44
        model = "sht3x"
        temperature_celsius = 22.5
        relative_humidity_percent = 45.0

        [[gpio]]
        label = "mote-sim"
        lines = 8

        [[gpio.line]]
        offset = 0
        name = "LED"

        [[gpio.line]]
        offset = 4
        name = "BUTTON"
        pull = "up"
        # Pressed (pulled low) for 100 ms every second, starting half a second in.
        press = { first_ms = 500, period_ms = 1000, width_ms = 100, level = 0, count = 600 }

        [[gpio.line]]
        offset = 5
        name = "SENSOR_POWER"
        pull = "down"

        [[gpio.line]]
        offset = 7
        name = "ONEWIRE"
        held_by = "w1-gpio"
        """

    /// A BME280 register image in `i2cdump` byte format: chip id 0x60 at 0xD0, calibration from the BMP280
    /// datasheet's worked example (§3.12: dig_T1 27504 … dig_P9 6000) with typical humidity trimming, and raw
    /// data adc_T 519888, adc_P 415148 from that same example.
    public static let bme280Image = """
        No size specified (using byte-data access)
             0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f    0123456789abcdef
        00: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        20: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        40: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        50: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        60: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        70: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        80: 00 00 00 00 00 00 00 00 70 6b 43 67 18 fc 7d 8e    ........pkCg??}?
        90: 43 d6 d0 0b 27 0b 8c 00 f9 ff 8c 3c f8 c6 70 17    C???'??.?.?<??p?
        a0: 00 4b 00 00 00 00 00 00 00 00 00 00 00 00 00 00    .K..............
        b0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        c0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    ................
        d0: 60 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00    `...............
        e0: 00 6a 01 00 13 29 03 1e 00 00 00 00 00 00 00 00    .j?.?)??........
        f0: 00 00 00 00 00 00 00 65 5a c0 7e ed 00 6d 2a 00    .......eZ?~?.m*.
        """
}
