import ArgumentParser
import Foundation
import MoteHAL
import MoteSensors

/// `mote scan`: i2cdetect's probe and grid.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Probe an I2C bus for devices and print i2cdetect's grid.",
        discussion: """
            Probes 0x08-0x77 as Debian's i2cdetect does (SMBus Quick Write, Receive Byte at 0x30-0x37 and \
            0x50-0x5f); UU marks an address a kernel driver holds. Never asks for confirmation (like i2cdetect -y).
            """)

    @OptionGroup var board: BoardOptions

    @Argument(help: "The bus: its number N (/dev/i2c-N), i2c-N, or its adapter name.")
    var bus: String?

    @Argument(help: "First address to probe.")
    var first: String?

    @Argument(help: "Last address to probe.")
    var last: String?

    @Flag(name: .short, help: "Probe every address, 0x00-0x7f.")
    var all = false

    @Flag(name: .short, help: "Probe with SMBus Quick Write only.")
    var quick = false

    @Flag(name: .short, help: "Probe with SMBus Receive Byte only.")
    var read = false

    @Flag(name: .short, help: "Accepted for i2cdetect compatibility; mote never asks.")
    var yes = false

    @Flag(name: .long, help: "List the buses (i2cdetect -l).")
    var list = false

    @Flag(name: [.customShort("F"), .long], help: "Print the bus's functionality (i2cdetect -F).")
    var functionality = false

    @Flag(help: "Print JSON instead of the grid.")
    var json = false

    @Flag(help: "Print only i2cdetect's grid: do not identify the chips that answered.")
    var noIdentify = false

    func run() throws {
        let board = try board.board()
        if list { return try printList(board) }
        guard let bus else { throw Failure("no bus given: name one, e.g. `mote scan 1` (`mote scan --list` lists them)", code: Failure.usage) }
        let number = try resolveBus(bus, on: board)
        if quick && read { throw Failure("-q and -r are different modes; give one", code: Failure.usage) }
        let range = all ? fullScanRange : defaultScanRange
        let scanRange = try addressRange(within: range)
        let handle = try hardware { () throws(HardwareError) in try board.openI2CBus(number) }
        if functionality { return printFunctionality(handle, number: number) }
        let mode: I2CProbeMode = quick ? .quickWrite : read ? .receiveByte : .automatic
        if let refusal = handle.scanRefusal(mode) {
            throw Failure("\(handle.name): \(refusal)", code: Failure.unsupported)
        }
        if mode == .automatic {
            if !handle.capabilities.contains(.smbusQuick) {
                printError("mote: warning: can't use SMBus Quick Write command, will skip some addresses")
            }
            if !handle.capabilities.contains(.smbusReadByte) {
                printError("mote: warning: can't use SMBus Receive Byte command, will skip some addresses")
            }
        }
        let results = try hardware { () throws(HardwareError) in try handle.scan(scanRange, mode: mode) }
        // Identification reads chip-id registers first and sends a documented read command only where no register
        // reader recognised the chip (SensorCatalog.identify), so an unknown chip is not written to needlessly.
        var identified: [Int: SensorIdentification] = [:]
        if !noIdentify {
            for address in results.indices where results[address] == .present {
                guard let target = I2CAddress(address),
                    let (_, identification) = SensorCatalog.identify(on: handle, at: target, delay: board.delay)
                else { continue }
                identified[address] = identification
            }
        }
        if json {
            let adapter = try hardware { () throws(HardwareError) in try board.i2cAdapters() }
                .first { $0.number == number }?.name
            let report = ScanReport(
                bus: number, adapter: adapter, first: "0x" + hex2(scanRange.lowerBound),
                last: "0x" + hex2(scanRange.upperBound),
                addresses: results.enumerated().compactMap { address, result in
                    guard result == .present || result == .inUse else { return nil }
                    let identification = identified[address]
                    return ScanReport.Entry(
                        address: "0x" + hex2(UInt8(address)), state: result, model: identification?.model,
                        identifiedBy: identification?.method, supported: identification?.supported)
                })
            try printJSON(report)
        } else {
            print(detectGrid(results), terminator: "")
            if !identified.isEmpty { print() }
            for (address, identification) in identified.sorted(by: { $0.key < $1.key }) {
                let note = identification.supported ? "" : " (no driver)"
                print("0x\(hex2(UInt8(address)))  \(identification.model.padding(8))  \(identification.method)\(note)")
            }
        }
    }

    private func addressRange(within range: ClosedRange<UInt8>) throws -> ClosedRange<UInt8> {
        guard let first else { return range }
        guard let last else {
            throw Failure("give both FIRST and LAST, or neither", code: Failure.usage)
        }
        let bounds = "(0x\(hex2(range.lowerBound))-0x\(hex2(range.upperBound)))"
        guard let low = parseCInteger(first) else {
            throw Failure("FIRST argument '\(first)' is not a number", code: Failure.usage)
        }
        guard low >= Int(range.lowerBound), low <= Int(range.upperBound) else {
            throw Failure("FIRST argument \(first) out of range \(bounds)", code: Failure.usage)
        }
        guard let high = parseCInteger(last) else {
            throw Failure("LAST argument '\(last)' is not a number", code: Failure.usage)
        }
        guard high >= low, high <= Int(range.upperBound) else {
            throw Failure("LAST argument \(last) out of range (0x\(hex2(UInt8(low)))-0x\(hex2(range.upperBound)))",
                          code: Failure.usage)
        }
        return UInt8(low)...UInt8(high)
    }

    private func printList(_ board: any Board) throws {
        let adapters = try hardware { () throws(HardwareError) in try board.i2cAdapters() }
        if json {
            try printJSON(adapters.map { adapter in
                AdapterReport(bus: adapter.number, name: adapter.name, type: adapter.capabilities.adapterClass,
                              functionality: I2CCapabilities.named.filter { adapter.capabilities.contains($0.0) }.map(\.1))
            })
            return
        }
        for adapter in adapters {
            let type = adapter.capabilities.adapterClass
            let algorithm = type == "i2c" ? "I2C adapter" : type == "smbus" ? "SMBus adapter" : "N/A"
            print("i2c-\(adapter.number)\t\(type.padding(10))\t\(adapter.name.padding(32))\t\(algorithm)")
        }
    }

    private func printFunctionality(_ bus: any I2CBus, number: Int) {
        print("Functionalities implemented by \(bus.name):")
        for (capability, name) in I2CCapabilities.listedByI2CDetect {
            print("\(name.padding(32)) \(bus.capabilities.contains(capability) ? "yes" : "no")")
        }
    }
}

/// Finds a bus by number, `i2c-N`, or adapter name, as i2cdetect's lookup does.
func resolveBus(_ text: String, on board: any Board) throws -> Int {
    if let number = Int(text), number >= 0 { return number }
    if text.hasPrefix("i2c-"), let number = Int(text.dropFirst(4)), number >= 0 { return number }
    let adapters = try hardware { () throws(HardwareError) in try board.i2cAdapters() }
    let matches = adapters.filter { $0.name == text }
    guard matches.count == 1 else {
        let why = matches.isEmpty ? "no adapter is called '\(text)'" : "several adapters are called '\(text)'"
        throw Failure("\(why): give a bus number (`mote scan --list` lists them)", code: Failure.unavailable)
    }
    return matches[0].number
}

struct ScanReport: Encodable {
    struct Entry: Encodable {
        var address: String
        var state: I2CProbeResult
        var model: String?
        var identifiedBy: String?
        var supported: Bool?

        enum CodingKeys: String, CodingKey {
            case address, state, model, supported
            case identifiedBy = "identified_by"
        }
    }

    var bus: Int
    var adapter: String?
    var first: String
    var last: String
    var addresses: [Entry]
}

struct AdapterReport: Encodable {
    var bus: Int
    var name: String
    var type: String
    var functionality: [String]
}

/// Prints a value as one line of JSON with sorted keys.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

extension String {
    /// Left-aligned in a field of `width` characters, like printf's `%-Ns`.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
