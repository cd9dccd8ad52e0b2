/// The logical level of a line: `active` honours the line's active-low setting.
public enum GPIOValue: Int, Sendable, Equatable, CustomStringConvertible {
    case inactive = 0
    case active = 1

    /// Creates a value from a boolean (true is active).
    public init(_ active: Bool) { self = active ? .active : .inactive }

    public var description: String { String(rawValue) }
}

/// Which way a line is used.
public enum GPIODirection: String, Sendable, Equatable {
    case input
    case output
}

/// The internal pull resistor of a line.
public enum GPIOBias: String, Sendable, Equatable, CaseIterable {
    /// Leave the bias as the hardware has it.
    case asIs = "as-is"
    case disabled
    case pullUp = "pull-up"
    case pullDown = "pull-down"
}

/// How an output line is driven.
public enum GPIODrive: String, Sendable, Equatable, CaseIterable {
    case pushPull = "push-pull"
    case openDrain = "open-drain"
    case openSource = "open-source"
}

/// Which edges of an input line produce events.
public enum GPIOEdge: String, Sendable, Equatable, CaseIterable {
    case none
    case rising
    case falling
    case both
}

/// How a line is to be requested.
public struct GPIOLineSettings: Sendable, Equatable {
    public var direction: GPIODirection
    public var bias: GPIOBias
    public var drive: GPIODrive
    public var activeLow: Bool
    public var edge: GPIOEdge
    /// Debounce period for edge detection; nil for none. Only libgpiod v2 (kernel uAPI v2) can debounce.
    public var debounce: Duration?
    /// The value an output line takes when it is requested.
    public var initialValue: GPIOValue

    public init(
        direction: GPIODirection = .input, bias: GPIOBias = .asIs, drive: GPIODrive = .pushPull,
        activeLow: Bool = false, edge: GPIOEdge = .none, debounce: Duration? = nil,
        initialValue: GPIOValue = .inactive
    ) {
        self.direction = direction
        self.bias = bias
        self.drive = drive
        self.activeLow = activeLow
        self.edge = edge
        self.debounce = debounce
        self.initialValue = initialValue
    }

    /// An input, optionally with a pull and edge detection.
    public static func input(bias: GPIOBias = .asIs, edge: GPIOEdge = .none, activeLow: Bool = false) -> Self {
        GPIOLineSettings(direction: .input, bias: bias, activeLow: activeLow, edge: edge)
    }

    /// An output starting at `value`.
    public static func output(_ value: GPIOValue, drive: GPIODrive = .pushPull, activeLow: Bool = false) -> Self {
        GPIOLineSettings(direction: .output, drive: drive, activeLow: activeLow, initialValue: value)
    }
}

/// A GPIO chip as `gpiodetect` lists it.
public struct GPIOChipInfo: Sendable, Equatable {
    /// The chip's name: `gpiochip0`.
    public var name: String
    /// The driver's label: `pinctrl-bcm2711`, `gpio-sim.0-node0`.
    public var label: String
    /// How many lines the chip has.
    public var lineCount: Int
    /// The character device, `/dev/gpiochip0`, or a `sim:` name for a simulated chip.
    public var path: String

    public init(name: String, label: String, lineCount: Int, path: String) {
        self.name = name
        self.label = label
        self.lineCount = lineCount
        self.path = path
    }
}

/// The state of one line as `gpioinfo` shows it.
public struct GPIOLineInfo: Sendable, Equatable {
    public var offset: Int
    /// The line's name, nil when unnamed.
    public var name: String?
    /// Who holds the line, nil when nobody (or the kernel gave no name).
    public var consumer: String?
    /// Whether the line is requested by anyone (this process, another, or the kernel).
    public var used: Bool
    public var direction: GPIODirection
    public var activeLow: Bool
    public var bias: GPIOBias
    public var drive: GPIODrive
    public var edge: GPIOEdge
    public var debounce: Duration?

    public init(
        offset: Int, name: String?, consumer: String?, used: Bool, direction: GPIODirection,
        activeLow: Bool = false, bias: GPIOBias = .asIs, drive: GPIODrive = .pushPull, edge: GPIOEdge = .none,
        debounce: Duration? = nil
    ) {
        self.offset = offset
        self.name = name
        self.consumer = consumer
        self.used = used
        self.direction = direction
        self.activeLow = activeLow
        self.bias = bias
        self.drive = drive
        self.edge = edge
        self.debounce = debounce
    }
}

/// An edge seen on a requested input line.
public struct GPIOEdgeEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case rising
        case falling
    }

    public var offset: Int
    public var kind: Kind
    /// When the kernel saw the edge, on CLOCK_MONOTONIC (or the simulated chip's clock).
    public var timestamp: Duration

    public init(offset: Int, kind: Kind, timestamp: Duration) {
        self.offset = offset
        self.kind = kind
        self.timestamp = timestamp
    }
}

/// Names a GPIO chip the way libgpiod's tools accept it: a path, a name, a number or a label.
public enum GPIOChipSelector: Sendable, Equatable, CustomStringConvertible {
    case path(String)
    case name(String)
    case number(Int)
    case label(String)

    /// Reads a user's word: `/dev/gpiochip0` is a path, `gpiochip0` a name, `0` a number, anything else a label.
    public init(parsing text: String) {
        if text.hasPrefix("/") {
            self = .path(text)
        } else if let number = Int(text), number >= 0 {
            self = .number(number)
        } else if text.hasPrefix("gpiochip"), Int(text.dropFirst("gpiochip".count)) != nil {
            self = .name(text)
        } else {
            self = .label(text)
        }
    }

    /// Whether `chip` is the one this selector names.
    public func matches(_ chip: GPIOChipInfo) -> Bool {
        switch self {
        case .path(let path): return chip.path == path
        case .name(let name): return chip.name == name
        case .number(let number): return chip.name == "gpiochip\(number)"
        case .label(let label): return chip.label == label
        }
    }

    public var description: String {
        switch self {
        case .path(let text), .name(let text), .label(let text): return text
        case .number(let number): return "gpiochip\(number)"
        }
    }
}

/// An open GPIO chip.
public protocol GPIOChip: AnyObject {
    /// The chip's name, label and line count.
    var info: GPIOChipInfo { get }

    /// The current state of the line at `offset`.
    func lineInfo(_ offset: Int) throws(HardwareError) -> GPIOLineInfo

    /// Requests `offsets` with `settings` under `consumer`; the lines stay held until the request is released.
    ///
    /// Throws `.busy` when another consumer holds a line, `.invalidArgument` for an offset past the chip's end,
    /// and `.unsupported` for a setting the library cannot express (debounce on libgpiod v1).
    func requestLines(_ offsets: [Int], settings: GPIOLineSettings, consumer: String) throws(HardwareError)
        -> any GPIOLineRequest
}

extension GPIOChip {
    /// The offset of the line called `name`, or nil when the chip has no line of that name.
    public func offset(ofLineNamed name: String) throws(HardwareError) -> Int? {
        for offset in 0..<info.lineCount where try lineInfo(offset).name == name {
            return offset
        }
        return nil
    }
}

/// Lines held by this process.
public protocol GPIOLineRequest: AnyObject {
    /// The requested offsets, in request order.
    var offsets: [Int] { get }

    /// Reads the logical value of each requested line, in `offsets` order.
    func values() throws(HardwareError) -> [GPIOValue]

    /// Sets output lines to logical values; offsets not in the request throw `.invalidArgument`.
    func setValues(_ values: [Int: GPIOValue]) throws(HardwareError)

    /// Waits up to `timeout` for edge events and returns those that arrived, oldest first; empty on timeout.
    func waitForEdgeEvents(timeout: Duration) throws(HardwareError) -> [GPIOEdgeEvent]

    /// Gives the lines back; further calls throw. Also done when the request is deallocated.
    func release()
}
