import ArgumentParser
import Foundation
import MoteHAL

/// `mote gpio`: libgpiod's tools, over the real chips or a simulated board.
struct GPIO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gpio",
        abstract: "List, read, drive and watch GPIO lines (in the spirit of gpiodetect, gpioinfo, gpioget, …).",
        subcommands: [Detect.self, Info.self, Get.self, Set.self, Monitor.self])

    /// The consumer name the lines are requested under; `gpioinfo` shows it.
    static let consumer = "mote"
}

extension GPIOBias: ExpressibleByArgument {}
extension GPIODrive: ExpressibleByArgument {}
extension GPIOEdge: ExpressibleByArgument {}

/// Parses a duration such as `250ms`, `1.5s`, `100us`, `2m` or a bare number of seconds.
func parseDuration(_ text: String) -> Duration? {
    let units: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        let number = text.dropLast(suffix.count)
        if suffix == "s", number.hasSuffix("m") || number.hasSuffix("u") || number.hasSuffix("n") { continue }
        guard let value = Double(number), value >= 0, value.isFinite else { return nil }
        return .nanoseconds(Int64((value * scale * 1e9).rounded()))
    }
    guard let value = Double(text), value >= 0, value.isFinite else { return nil }
    return .nanoseconds(Int64((value * 1e9).rounded()))
}

struct DurationArgument: ExpressibleByArgument {
    var duration: Duration
    /// The argument as written (`1s`, `200ms`): how a default shows in --help.
    let defaultValueDescription: String

    init?(argument: String) {
        guard let duration = parseDuration(argument) else { return nil }
        self.duration = duration
        defaultValueDescription = argument
    }
}

/// Opens `chip` and resolves each of `lines` (an offset or a line name) to an offset.
func openLines(_ chipName: String, _ lines: [String], on board: any Board) throws -> (any GPIOChip, [Int]) {
    let chip = try hardware { () throws(HardwareError) in try board.openGPIOChip(GPIOChipSelector(parsing: chipName)) }
    var offsets: [Int] = []
    for line in lines {
        if let offset = Int(line) {
            guard offset >= 0, offset < chip.info.lineCount else {
                throw Failure("\(chip.info.name): offset \(offset) is out of range (0-\(chip.info.lineCount - 1))",
                              code: Failure.usage)
            }
            offsets.append(offset)
        } else if let offset = try hardware({ () throws(HardwareError) in try chip.offset(ofLineNamed: line) }) {
            offsets.append(offset)
        } else {
            throw Failure("\(chip.info.name): no line named '\(line)'", code: Failure.unavailable)
        }
    }
    return (chip, offsets)
}

extension GPIO {
    struct Detect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List GPIO chips, their labels and line counts.")
        @OptionGroup var board: BoardOptions

        func run() throws {
            let board = try board.board()
            for chip in try hardware({ () throws(HardwareError) in try board.gpioChips() }) {
                print("\(chip.name) [\(chip.label)] (\(chip.lineCount) lines)")
            }
        }
    }

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show every line of the given chips (all by default).")
        @OptionGroup var board: BoardOptions
        @Argument(help: "Chips: path, name, number or label.") var chips: [String] = []

        func run() throws {
            let board = try board.board()
            let names = chips.isEmpty
                ? try hardware({ () throws(HardwareError) in try board.gpioChips() }).map(\.name) : chips
            for name in names {
                let chip = try hardware { () throws(HardwareError) in try board.openGPIOChip(GPIOChipSelector(parsing: name)) }
                print("\(chip.info.name) - \(chip.info.lineCount) lines:")
                for offset in 0..<chip.info.lineCount {
                    let line = try hardware { () throws(HardwareError) in try chip.lineInfo(offset) }
                    print(Self.describe(line))
                }
            }
        }

        /// One line as gpioinfo (libgpiod 1.6) prints it.
        ///
        /// gpioinfo's `prinfo()` right-aligns each field in a minimum width; once a field is wider than its width,
        /// it and every later field of the line are printed unpadded (widths in bytes, as printf counts). The
        /// direction and active state carry their trailing space inside the field, so a line without flags ends in
        /// a space.
        static func describe(_ line: GPIOLineInfo) -> String {
            var overflowed = false
            func field(_ text: String, width: Int) -> String {
                if overflowed || text.utf8.count > width {
                    overflowed = true
                    return text
                }
                return String(repeating: " ", count: width - text.utf8.count) + text
            }
            let consumer = !line.used ? "unused" : line.consumer.map { "\"\($0)\"" } ?? "kernel"
            var text = "\tline " + field(String(line.offset), width: 3) + ": "
            text += field(line.name.map { "\"\($0)\"" } ?? "unnamed", width: 12) + " "
            text += field(consumer, width: 12) + " "
            text += field(line.direction.rawValue + " ", width: 8)
            text += field((line.activeLow ? "active-low" : "active-high") + " ", width: 13)
            var flags: [String] = []
            if line.used { flags.append("used") }
            if line.drive != .pushPull { flags.append(line.drive.rawValue) }
            if line.bias != .asIs { flags.append(line.bias == .disabled ? "bias-disabled" : line.bias.rawValue) }
            if line.edge != .none { flags.append("edge-\(line.edge.rawValue)") }
            if let debounce = line.debounce { flags.append("debounce=\(debounce)") }
            if !flags.isEmpty { text += "[" + flags.joined(separator: " ") + "]" }
            return text
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read input lines and print their values.")
        @OptionGroup var board: BoardOptions
        @Argument(help: "The chip: path, name, number or label.") var chip: String
        @Argument(help: "Lines: offsets or names.") var lines: [String]
        @Option(help: "Pull: as-is, disabled, pull-up, pull-down.") var bias: GPIOBias = .asIs
        @Flag(name: [.customShort("l"), .long], help: "Treat the lines as active-low.") var activeLow = false

        func run() throws {
            let board = try board.board()
            guard !lines.isEmpty else { throw Failure("name at least one line", code: Failure.usage) }
            let (chip, offsets) = try openLines(chip, lines, on: board)
            let values = try hardware { () throws(HardwareError) in
                let request = try chip.requestLines(
                    offsets, settings: .input(bias: bias, activeLow: activeLow), consumer: GPIO.consumer)
                defer { request.release() }
                return try request.values()
            }
            print(values.map(\.description).joined(separator: " "))
        }
    }

    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drive output lines: LINE=VALUE ..., held for --hold (default: set and release at once).")
        @OptionGroup var board: BoardOptions
        @Argument(help: "The chip: path, name, number or label.") var chip: String
        @Argument(help: "Assignments LINE=VALUE, LINE an offset or name, VALUE 0 or 1.") var assignments: [String]
        @Option(help: "Drive: push-pull, open-drain, open-source.") var drive: GPIODrive = .pushPull
        @Flag(name: [.customShort("l"), .long], help: "Treat the lines as active-low.") var activeLow = false
        @Option(help: "Keep the lines driven this long before releasing them (e.g. 500ms, 2s).")
        var hold: DurationArgument?

        func run() throws {
            let board = try board.board()
            guard !assignments.isEmpty else { throw Failure("give at least one LINE=VALUE", code: Failure.usage) }
            var names: [String] = []
            var values: [GPIOValue] = []
            for assignment in assignments {
                let parts = assignment.split(separator: "=", omittingEmptySubsequences: false)
                guard parts.count == 2, let raw = Int(parts[1]), raw == 0 || raw == 1 else {
                    throw Failure("'\(assignment)' is not LINE=VALUE with VALUE 0 or 1", code: Failure.usage)
                }
                names.append(String(parts[0]))
                values.append(GPIOValue(raw == 1))
            }
            let (chip, offsets) = try openLines(chip, names, on: board)
            try hardware { () throws(HardwareError) in
                let request = try chip.requestLines(
                    offsets, settings: .output(.inactive, drive: drive, activeLow: activeLow), consumer: GPIO.consumer)
                defer { request.release() }
                try request.setValues(Dictionary(zip(offsets, values), uniquingKeysWith: { $1 }))
                if let hold { Thread.sleep(forTimeInterval: Double(hold.duration.components.seconds) + Double(hold.duration.components.attoseconds) / 1e18) }
            }
        }
    }

    struct Monitor: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Wait for edges on input lines and print them.")
        @OptionGroup var board: BoardOptions
        @Argument(help: "The chip: path, name, number or label.") var chip: String
        @Argument(help: "Lines: offsets or names.") var lines: [String]
        @Option(help: "Edges: rising, falling, both.") var edge: GPIOEdge = .both
        @Option(help: "Pull: as-is, disabled, pull-up, pull-down.") var bias: GPIOBias = .asIs
        @Flag(name: [.customShort("l"), .long], help: "Treat the lines as active-low.") var activeLow = false
        @Option(help: "Debounce period (libgpiod v2 and the simulator only), e.g. 10ms.") var debounce: DurationArgument?
        @Option(name: [.customShort("n"), .long], help: "Exit after this many events.") var numEvents: Int?
        @Option(help: "Exit after this long without reaching --num-events (e.g. 5s).") var timeout: DurationArgument?
        @Flag(help: "Print one JSON object per event.") var json = false

        func run() throws {
            let board = try board.board()
            guard !lines.isEmpty else { throw Failure("name at least one line", code: Failure.usage) }
            guard edge != .none else { throw Failure("--edge none would never report anything", code: Failure.usage) }
            if let numEvents, numEvents < 1 { throw Failure("--num-events must be at least 1", code: Failure.usage) }
            let (chip, offsets) = try openLines(chip, lines, on: board)
            var settings = GPIOLineSettings.input(bias: bias, edge: edge, activeLow: activeLow)
            settings.debounce = debounce?.duration
            let start = ContinuousClock.now
            var seen = 0
            try hardware { () throws(HardwareError) in
                let request = try chip.requestLines(offsets, settings: settings, consumer: GPIO.consumer)
                defer { request.release() }
                while numEvents.map({ seen < $0 }) ?? true {
                    var wait = Duration.seconds(1)
                    if let timeout = timeout?.duration {
                        let left = timeout - (ContinuousClock.now - start)
                        if left <= .zero { break }
                        wait = min(wait, left)
                    }
                    for event in try request.waitForEdgeEvents(timeout: wait) {
                        Self.print(event, json: json)
                        seen += 1
                        if let numEvents, seen >= numEvents { break }
                    }
                }
            }
            if let numEvents, seen < numEvents {
                throw Failure("timed out after \(seen) of \(numEvents) events", code: Failure.busy)
            }
        }

        static func print(_ event: GPIOEdgeEvent, json: Bool) {
            let (seconds, attoseconds) = event.timestamp.components
            let nanoseconds = attoseconds / 1_000_000_000
            if json {
                Swift.print("{\"edge\":\"\(event.kind.rawValue)\",\"offset\":\(event.offset),\"timestamp_ns\":\(seconds * 1_000_000_000 + nanoseconds)}")
            } else {
                let name = event.kind == .rising ? " RISING EDGE" : "FALLING EDGE"
                let fraction = String(nanoseconds)
                let whole = String(seconds)
                Swift.print("event: \(name) offset: \(event.offset) timestamp: [\(String(repeating: " ", count: max(0, 8 - whole.count)))\(whole).\(String(repeating: "0", count: 9 - fraction.count))\(fraction)]")
            }
            fflush(nil)
        }
    }
}
