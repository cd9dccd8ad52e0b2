import ArgumentParser
import Foundation
import MoteHAL
import MoteSensors
import MoteSimulation

/// `mote bench`: how fast compensation runs per driver, and what one complete read costs on the simulated bus.
///
/// Figures, not pass/fail: the README records them. Simulated reads run on a manual clock, so they measure the
/// CPU cost of driver, bus and model, not the chips' conversion waits.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark compensation throughput per driver and simulated end-to-end reads.",
        subcommands: [BenchEnergy.self])

    @Option(help: "Compensations per driver.") var compensations = 200_000
    @Option(help: "Complete reads per simulated device.") var reads = 2_000
    @Flag(help: "Print JSON lines instead of a table.") var json = false

    struct Result {
        var name: String
        var operations: Int
        var elapsed: Duration

        var nanosecondsPerOperation: Double {
            let (seconds, attoseconds) = elapsed.components
            return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(operations)
        }
    }

    func validate() throws {
        guard compensations > 0, reads > 0 else { throw ValidationError("counts must be positive") }
    }

    func run() throws {
        var results: [Result] = []
        var sink = 0.0
        func measure(_ name: String, _ count: Int, _ body: (Int) throws -> Double) rethrows {
            let start = ContinuousClock.now
            for index in 0..<count { sink += try body(index) }
            results.append(Result(name: name, operations: count, elapsed: ContinuousClock.now - start))
        }

        // Compensation only: raw values in, physical values out. Inputs vary per iteration so nothing folds away.
        // BMP280 datasheet §3.12 calibration with typical humidity trimming (the built-in board's image).
        let calibration = BME280Calibration(
            digT1: 27504, digT2: 26435, digT3: -1000, digP1: 36477, digP2: -10685, digP3: 3024, digP4: 2855,
            digP5: 140, digP6: -7, digP7: 15500, digP8: -14600, digP9: 6000, digH1: 75, digH2: 362, digH3: 0,
            digH4: 313, digH5: 50, digH6: 30)
        measure("compensate bme280 (double, T+P+H)", compensations) { index in
            let sample = BME280RawSample(pressure: 415_148 + Int32(index & 1023), temperature: 519_888 - Int32(index & 511),
                                         humidity: 27_946 + Int32(index & 255))
            let reading = BME280Compensation.reading(sample, calibration: calibration, configuration: .init(), chip: .bme280)
            return (reading.pressurePascals ?? 0) + (reading.relativeHumidityPercent ?? 0)
        }
        measure("compensate bme280 (integer, T+P+H)", compensations) { index in
            let (_, fine) = BME280Compensation.temperatureInteger(adc: 519_888 - Int32(index & 511), calibration: calibration)
            let pressure = BME280Compensation.pressureInteger(adc: 415_148 + Int32(index & 1023), fine: fine,
                                                               calibration: calibration) ?? 0
            let humidity = BME280Compensation.humidityInteger(adc: 27_946 + Int32(index & 255), fine: fine,
                                                               calibration: calibration)
            return Double(pressure) + Double(humidity)
        }
        // A BMP388's published NVM (elixir-sensors/bmp3xx calibration_test.exs).
        let nvm: [UInt8] = [0x23, 0x6B, 0x58, 0x49, 0xF6, 0x5C, 0xFF, 0xCE, 0xF4, 0x23, 0x00, 0xEA, 0x63, 0x6E, 0x79,
                            0xF3, 0xF6, 0xAA, 0x43, 0x12, 0xC4]
        let bmp388 = try BMP388Calibration(nvm: nvm)
        measure("compensate bmp388 (float, T+P)", compensations) { index in
            let celsius = bmp388.temperatureCelsius(rawTemperature: 8_750_000 + UInt32(index & 1023))
            return bmp388.pressurePascals(rawPressure: 6_700_000 + UInt32(index & 2047), temperatureCelsius: celsius)
        }
        let shtFrames = (0..<256).map { index -> [UInt8] in
            let t: [UInt8] = [0x66, UInt8(index)]
            let h: [UInt8] = [0x80, UInt8(255 - index)]
            return t + [crc8(t)] + h + [crc8(h)]
        }
        try measure("convert sht3x (2 CRCs, T+RH)", compensations) { index in
            let reading = try SHT3x<SimulatedI2CBus>.reading(from: shtFrames[index & 255])
            return (reading.temperatureCelsius ?? 0) + (reading.relativeHumidityPercent ?? 0)
        }
        try measure("convert sht4x (2 CRCs, T+RH)", compensations) { index in
            let reading = try SHT4x<SimulatedI2CBus>.reading(from: shtFrames[index & 255])
            return (reading.temperatureCelsius ?? 0) + (reading.relativeHumidityPercent ?? 0)
        }
        measure("convert htu21d (CRC, RH)", compensations) { index in
            let bytes: [UInt8] = [0x7C, UInt8(index & 0xFC)]
            return Double(HTU21DChip.checksum(bytes)) + HTU21DChip.relativeHumidity(raw: UInt16(0x7C00 | index & 0xFC))
        }
        measure("convert aht20 (CRC, T+RH)", compensations) { index in
            let frame: [UInt8] = [0x1C, 0x26, 0x9A, 0x76, 0x42, UInt8(index & 255)]
            guard let (humidity, temperature) = AHT20Chip.rawFields(data: frame) else { return 0 }
            return Double(AHT20Chip.checksum(frame)) + AHT20Chip.relativeHumidity(raw: humidity)
                + AHT20Chip.temperatureCelsius(raw: temperature)
        }
        try measure("convert lps22 (P+T)", compensations) { index in
            let reading = try LPS22Conversion.reading(data: [UInt8(index & 255), 0xF5, 0x3F, 0xC4, 0x09])
            return (reading.pressurePascals ?? 0) + (reading.temperatureCelsius ?? 0)
        }
        measure("convert hdc1080 (T+RH)", compensations) { index in
            HDC1080<SimulatedI2CBus>.temperatureCelsius(fromRaw: UInt16(index & 0xFFFC))
                + HDC1080<SimulatedI2CBus>.relativeHumidityPercent(fromRaw: UInt16(0x8000 | index & 0x7FFC))
        }
        measure("convert mcp9808 (T, alert flags)", compensations) { index in
            MCP9808<SimulatedI2CBus>.decodeAmbient(UInt16(0xC000 | index & 0x1FFF)).celsius
        }
        measure("convert tmp102 (T)", compensations) { index in
            TMP102<SimulatedI2CBus>.celsius(fromTemperature: UInt16(index & 0xFFF0))
        }

        // End to end: driver -> simulated bus -> datasheet model, one complete read each (trigger, wait, status,
        // burst read, CRC, compensation).
        let placements: [(String, UInt8)] = [
            ("bme280", 0x76), ("bmp388", 0x77), ("lps22hb", 0x5C), ("sht3x", 0x44), ("sht4x", 0x44),
            ("htu21d", 0x40), ("si7021", 0x40), ("aht20", 0x38), ("hdc1080", 0x40), ("mcp9808", 0x18),
            ("tmp102", 0x48),
        ]
        for (model, raw) in placements {
            guard let kind = DeviceModels.named(model), let address = I2CAddress(raw) else { continue }
            let clock = ManualClock()
            let bus = SimulatedI2CBus(number: 1)
            bus.attach(kind.make(DeviceModelContext(clock: clock)), at: address)
            clock.advance(by: .milliseconds(100))
            guard let (family, _) = SensorCatalog.identify(on: bus, at: address, delay: clock) else {
                throw Failure("bench: the \(model) model was not identified", code: Failure.ioError)
            }
            var driver = try family.open(bus, address, clock)
            let before = bus.transactionCount
            try measure("read \(model) on the simulated bus", reads) { _ in try driver.read().temperatureCelsius ?? 0 }
            let perRead = Double(bus.transactionCount - before) / Double(reads)
            results[results.count - 1].name += String(format: " (%.0f transactions)", perRead)
        }

        for result in results {
            if json {
                print(String(format: "{\"name\":\"%@\",\"operations\":%d,\"ns_per_operation\":%.1f,\"per_second\":%.0f}",
                             result.name, result.operations, result.nanosecondsPerOperation,
                             1e9 / result.nanosecondsPerOperation))
            } else {
                print("\(result.name.padding(56)) \(String(format: "%10.1f ns/op %12.0f /s", result.nanosecondsPerOperation, 1e9 / result.nanosecondsPerOperation))")
            }
        }
        if sink.isNaN { print("(sink \(sink))") }
    }
}
