# The readings a BME280 with a given register image must give, computed on the host independently of mote.
#
# Usage: awk -f bme280-expected.awk bme280.i2cdump
# Prints shell assignments: temperature_celsius=… pressure_pascals=… relative_humidity_percent=…
#
# The input is `i2cdump` byte output. The formulas are the BME280 datasheet's double-precision compensation
# (BST-BME280-DS002, §8.1 "Compensation formulas in double precision floating point"), written here from the
# datasheet and not from mote's driver; register map from §5.4 (calibration 0x88-0xA1 and 0xE1-0xE7, raw data
# 0xF7-0xFE) and Table 16 (how dig_H4 and dig_H5 share 0xE5).
# Registers are named as in the datasheet, "8A" (awks other than gawk read 0x8A as 0); 16-bit values are little
# endian (LSB at the lower address).
function u8(r) { return reg[hex(r)] }
function s8(r) { return u8(r) >= 128 ? u8(r) - 256 : u8(r) }
function u16(r) { return reg[hex(r)] + 256 * reg[hex(r) + 1] }
function s16(r, v) { v = u16(r); return v >= 32768 ? v - 65536 : v }
function hex(text) { return index("0123456789abcdef", tolower(substr(text, 1, 1))) * 16 - 16 \
                          + index("0123456789abcdef", tolower(substr(text, 2, 1))) - 1 }
function trunc(v) { return v < 0 ? -int(-v) : int(v) }

$1 ~ /^[0-9a-f]0:$/ {
    row = hex(substr($1, 1, 1) "0")
    for (i = 0; i < 16; i++) reg[row + i] = hex($(i + 2))
    rows++
}

END {
    if (rows != 16) { print "bme280-expected: expected 16 rows of i2cdump output, got " rows > "/dev/stderr"; exit 1 }
    T1 = u16("88"); T2 = s16("8A"); T3 = s16("8C")
    P1 = u16("8E"); P2 = s16("90"); P3 = s16("92"); P4 = s16("94"); P5 = s16("96")
    P6 = s16("98"); P7 = s16("9A"); P8 = s16("9C"); P9 = s16("9E")
    H1 = u8("A1"); H2 = s16("E1"); H3 = u8("E3")
    H4 = s8("E4") * 16 + u8("E5") % 16
    H5 = s8("E6") * 16 + int(u8("E5") / 16)
    H6 = s8("E7")
    adcP = u8("F7") * 4096 + u8("F8") * 16 + int(u8("F9") / 16)
    adcT = u8("FA") * 4096 + u8("FB") * 16 + int(u8("FC") / 16)
    adcH = u8("FD") * 256 + u8("FE")

    var1 = (adcT / 16384.0 - T1 / 1024.0) * T2
    var2 = (adcT / 131072.0 - T1 / 8192.0) * (adcT / 131072.0 - T1 / 8192.0) * T3
    tFine = trunc(var1 + var2)
    temperature = (var1 + var2) / 5120.0

    var1 = tFine / 2.0 - 64000.0
    var2 = var1 * var1 * P6 / 32768.0
    var2 = var2 + var1 * P5 * 2.0
    var2 = var2 / 4.0 + P4 * 65536.0
    var1 = (P3 * var1 * var1 / 524288.0 + P2 * var1) / 524288.0
    var1 = (1.0 + var1 / 32768.0) * P1
    if (var1 == 0) { print "bme280-expected: dig_P1 is zero" > "/dev/stderr"; exit 1 }
    p = 1048576.0 - adcP
    p = (p - var2 / 4096.0) * 6250.0 / var1
    var1 = P9 * p * p / 2147483648.0
    var2 = p * P8 / 32768.0
    pressure = p + (var1 + var2 + P7) / 16.0

    h = tFine - 76800.0
    h = (adcH - (H4 * 64.0 + H5 / 16384.0 * h)) * \
        (H2 / 65536.0 * (1.0 + H6 / 67108864.0 * h * (1.0 + H3 / 67108864.0 * h)))
    h = h * (1.0 - H1 * h / 524288.0)
    if (h > 100) h = 100
    if (h < 0) h = 0

    printf "adc_T=%d adc_P=%d adc_H=%d t_fine=%d\n", adcT, adcP, adcH, tFine
    printf "temperature_celsius=%.4f\npressure_pascals=%.4f\nrelative_humidity_percent=%.4f\n", \
        temperature, pressure, h
}
