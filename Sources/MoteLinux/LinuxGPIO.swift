#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CGPIOD
import MoteHAL

/// The GPIO chips of this Linux machine, through libgpiod: listing them and opening one.
public enum LinuxGPIO {
    /// The libgpiod API this build was compiled against: 1 (libgpiod 1.x) or 2 (libgpiod 2.x).
    ///
    /// Only v2 can debounce, report a line's edge detection and debounce period, and choose the event clock.
    public static var apiVersion: Int { Int(CGPIOD_API_VERSION) }

    /// The version of the libgpiod library loaded at run time, as it reports itself (`1.6.3`, `2.1.3`).
    public static var libraryVersion: String { String(cString: CGPIOD_library_version()) }

    /// The GPIO chips in `/dev`, in chip-number order, as `gpiodetect` lists them.
    ///
    /// A machine without GPIO chips gives an empty list, not an error. Nodes called `gpiochipN` that are not GPIO
    /// character devices are skipped; a chip that cannot be opened (no permission) throws.
    public static func chips() throws(HardwareError) -> [GPIOChipInfo] {
        try chips(in: "/dev", calls: LibGPIODCalls())
    }

    /// Opens the chip `selector` names, the way libgpiod's tools resolve a chip argument.
    ///
    /// A path is opened as given; a name `gpiochipN` and a number `N` open `/dev/gpiochipN`; a label opens the first
    /// chip (in number order) with that label. A selector that names no GPIO chip throws `.noSuchDevice`.
    public static func open(_ selector: GPIOChipSelector) throws(HardwareError) -> LinuxGPIOChip {
        try open(selector, in: "/dev", calls: LibGPIODCalls())
    }

    /// `chips()` over the `gpiochipN` entries of `directory`, through `calls` (tests pass a fake or a temp dir).
    package static func chips(in directory: String, calls: any GPIODCalls) throws(HardwareError) -> [GPIOChipInfo] {
        var chips: [GPIOChipInfo] = []
        for path in try chipNodes(in: directory) {
            do {
                chips.append(try LinuxGPIOChip(path: path, calls: calls).info)
            } catch where error.errno.map(notAChip.contains) == true {
                continue  // not a GPIO chip, or gone since the directory was read
            }
        }
        return chips
    }

    /// `open(_:)` resolving names and numbers in `directory`, through `calls`.
    package static func open(_ selector: GPIOChipSelector, in directory: String, calls: any GPIODCalls)
        throws(HardwareError) -> LinuxGPIOChip
    {
        switch selector {
        case .path(let path):
            return try LinuxGPIOChip(path: path, calls: calls)
        case .name(let name):
            return try LinuxGPIOChip(path: "\(directory)/\(name)", calls: calls)
        case .number(let number):
            return try LinuxGPIOChip(path: "\(directory)/gpiochip\(number)", calls: calls)
        case .label(let label):
            let present = try chips(in: directory, calls: calls)
            guard let chip = present.first(where: selector.matches) else {
                let list = present.map { "\($0.name) (\($0.label))" }.joined(separator: ", ")
                throw HardwareError(
                    .noSuchDevice, device: label,
                    detail: "no GPIO chip in \(directory) has this label; "
                        + (present.isEmpty ? "there are no GPIO chips" : "the chips are \(list)"))
            }
            return try LinuxGPIOChip(path: chip.path, calls: calls)
        }
    }

    /// The errnos with which opening a `gpiochipN` entry means "there is no GPIO chip here", not a failure:
    /// libgpiod v1 says ENOTTY for a device that is not a GPIO chip, v2 ENODEV (ENOTTY for a non-device).
    private static let notAChip: Set<Int32> = [ENOENT, ENODEV, ENOTTY, EISDIR]

    /// The paths of the `gpiochipN` entries of `directory`, in number order; none when the directory is missing.
    private static func chipNodes(in directory: String) throws(HardwareError) -> [String] {
        guard let stream = opendir(directory) else {
            let code = errno
            if code == ENOENT { return [] }
            throw HardwareError(errno: code, device: directory, operation: "listing GPIO chips", context: .open)
        }
        defer { closedir(stream) }
        var numbered: [(number: Int, path: String)] = []
        while let entry = readdir(stream) {
            let name = GPIOText.string(fromCArray: entry.pointee.d_name)
            guard name.hasPrefix("gpiochip") else { continue }
            let digits = name.dropFirst("gpiochip".count)
            guard !digits.isEmpty, digits.allSatisfy({ "0"..."9" ~= $0 }), let number = Int(digits) else { continue }
            numbered.append((number, "\(directory)/\(name)"))
        }
        return numbered.sorted { $0.number < $1.number }.map(\.path)
    }
}

/// An open GPIO chip character device (`/dev/gpiochipN`), through libgpiod.
///
/// Every error names the chip's path as its device. The chip stays open while it or any of its line requests is
/// alive; `close()` releases those requests and closes it at once.
public final class LinuxGPIOChip: GPIOChip {
    /// The chip's name, label and line count as the kernel reports them, and the path it was opened at.
    public let info: GPIOChipInfo

    private let calls: any GPIODCalls
    private var handle: OpaquePointer?
    private var requests: [WeakLineRequest] = []

    /// Opens the GPIO chip at `path` (`/dev/gpiochip0`).
    ///
    /// Throws `.noSuchDevice` when nothing is there or it is not a GPIO chip, `.permissionDenied` when the user may
    /// not open it.
    public convenience init(path: String) throws(HardwareError) {
        try self.init(path: path, calls: LibGPIODCalls())
    }

    /// Opens the chip at `path` through `calls` (tests pass a fake).
    package init(path: String, calls: any GPIODCalls) throws(HardwareError) {
        self.calls = calls
        var opened: OpaquePointer?
        let result = retryingInterrupts { calls.openChip(path, &opened) }
        guard result >= 0 else { throw Self.openError(-result, path: path) }
        guard let opened else {
            throw HardwareError(.other, device: path, detail: "opening as a GPIO chip: libgpiod returned no chip")
        }
        var raw = CGPIOD_chip_info()
        let queried = retryingInterrupts { calls.chipInfo(opened, &raw) }
        guard queried >= 0 else {
            calls.closeChip(opened)
            throw HardwareError(errno: -queried, device: path, operation: "reading chip info", context: .control)
        }
        self.handle = opened
        self.info = GPIOChipInfo(
            name: GPIOText.string(fromCArray: raw.name), label: GPIOText.string(fromCArray: raw.label),
            lineCount: Int(raw.num_lines), path: path)
    }

    deinit { closeHandle() }

    /// The chip's path, `/dev/gpiochip0`: the device of every error from it.
    public var path: String { info.path }

    /// Releases every line request made through this chip and closes it; later calls on it throw.
    public func close() {
        for request in requests { request.value?.release() }
        requests = []
        closeHandle()
    }

    /// The current state of the line at `offset`, as `gpioinfo` shows it.
    ///
    /// Under libgpiod v1 the edge detection always reads `.none` and the debounce nil: v1 cannot see them.
    public func lineInfo(_ offset: Int) throws(HardwareError) -> GPIOLineInfo {
        let chip = try openHandle()
        try checkOffsets([offset])
        var raw = CGPIOD_line_info()
        let result = retryingInterrupts { calls.lineInfo(chip, UInt32(offset), &raw) }
        guard result >= 0 else {
            throw HardwareError(
                errno: -result, device: path, operation: "reading line \(offset) info", context: .control)
        }
        let name = GPIOText.string(fromCArray: raw.name)
        let consumer = GPIOText.string(fromCArray: raw.consumer)
        return GPIOLineInfo(
            offset: offset, name: name.isEmpty ? nil : name, consumer: consumer.isEmpty ? nil : consumer,
            used: raw.used, direction: raw.direction == CGPIOD_DIRECTION_OUTPUT ? .output : .input,
            activeLow: raw.active_low, bias: GPIOBias(shim: raw.bias), drive: GPIODrive(shim: raw.drive),
            edge: GPIOEdge(shim: raw.edge), debounce: raw.debounce_us == 0 ? nil : .microseconds(raw.debounce_us))
    }

    /// Requests `offsets` with `settings` under `consumer`.
    ///
    /// Throws `.busy` naming the line (and its holder) when another consumer holds one, `.invalidArgument` for an
    /// offset past the chip's end, a repeated offset or edge detection on outputs, and `.unsupported` for a
    /// debounce under libgpiod v1.
    public func requestLines(_ offsets: [Int], settings: GPIOLineSettings, consumer: String) throws(HardwareError)
        -> any GPIOLineRequest
    {
        try request(offsets, settings: settings, consumer: consumer)
    }

    /// `requestLines(_:settings:consumer:)`, returning the concrete request.
    public func request(_ offsets: [Int], settings: GPIOLineSettings, consumer: String) throws(HardwareError)
        -> LinuxGPIOLineRequest
    {
        let chip = try openHandle()
        try checkOffsets(offsets)
        guard Set(offsets).count == offsets.count else {
            throw HardwareError(
                .invalidArgument, device: path, detail: "line offsets repeat: \(GPIOText.list(offsets))")
        }
        guard settings.edge == .none || settings.direction == .input else {
            throw HardwareError(.invalidArgument, device: path, detail: "edge detection needs input lines")
        }
        let debounceMicroseconds = try microseconds(of: settings.debounce)
        let shimSettings = CGPIOD_line_settings(
            direction: settings.direction == .output ? CGPIOD_DIRECTION_OUTPUT : CGPIOD_DIRECTION_INPUT,
            bias: settings.bias.shim, drive: settings.drive.shim, edge: settings.edge.shim,
            active_low: settings.activeLow, debounce_us: debounceMicroseconds)
        let values = [Int32](repeating: Int32(settings.initialValue.rawValue), count: offsets.count)
        var made: UnsafeMutablePointer<CGPIOD_request>?
        let result = retryingInterrupts {
            calls.requestLines(chip, offsets.map { UInt32($0) }, shimSettings, values, consumer, &made)
        }
        guard result >= 0 else { throw requestError(-result, offsets: offsets, settings: settings) }
        guard let made else {
            throw HardwareError(
                .other, device: path, detail: "requesting \(GPIOText.lines(offsets)): libgpiod returned nothing")
        }
        let request = LinuxGPIOLineRequest(
            chip: self, handle: made, calls: calls, offsets: offsets, settings: settings, consumer: consumer)
        requests.removeAll { $0.value == nil }
        requests.append(WeakLineRequest(value: request))
        return request
    }

    private func openHandle() throws(HardwareError) -> OpaquePointer {
        guard let handle else {
            throw HardwareError(.invalidArgument, device: path, detail: "the chip was closed")
        }
        return handle
    }

    private func closeHandle() {
        guard let handle else { return }
        calls.closeChip(handle)
        self.handle = nil
    }

    private func checkOffsets(_ offsets: [Int]) throws(HardwareError) {
        guard !offsets.isEmpty else {
            throw HardwareError(.invalidArgument, device: path, detail: "no lines given")
        }
        guard offsets.count <= Int(CGPIOD_MAX_LINES) else {
            throw HardwareError(
                .invalidArgument, device: path,
                detail: "\(offsets.count) lines in one request; the kernel takes at most \(CGPIOD_MAX_LINES)")
        }
        if let bad = offsets.first(where: { !(0..<info.lineCount).contains($0) }) {
            throw HardwareError(
                .invalidArgument, device: path,
                detail: "no line \(bad): \(info.name) has \(info.lineCount) lines (0...\(info.lineCount - 1))")
        }
    }

    private func microseconds(of debounce: Duration?) throws(HardwareError) -> UInt {
        guard let debounce, debounce != .zero else { return 0 }
        guard debounce > .zero else {
            throw HardwareError(.invalidArgument, device: path, detail: "negative debounce period \(debounce)")
        }
        // The kernel holds the period in 32 bits of microseconds; a part of a microsecond rounds up.
        let (seconds, attoseconds) = debounce.components
        let microseconds = seconds < Int64(UInt32.max / 1_000_000) + 1
            ? UInt(seconds) * 1_000_000 + UInt((attoseconds + 999_999_999_999) / 1_000_000_000_000) : UInt.max
        guard microseconds <= UInt(UInt32.max) else {
            throw HardwareError(.invalidArgument, device: path, detail: "debounce period \(debounce) is too long")
        }
        return microseconds
    }

    /// The typed error for a failed request; EBUSY names the lines that are held and who holds them.
    private func requestError(_ code: Int32, offsets: [Int], settings: GPIOLineSettings) -> HardwareError {
        var operation = "requesting \(GPIOText.lines(offsets)) as \(GPIOText.describe(settings))"
        if code == EBUSY {
            let held = offsets.compactMap { offset -> String? in
                guard let line = try? lineInfo(offset), line.used else { return nil }
                let name = line.name.map { " \"\($0)\"" } ?? ""
                let holder = line.consumer.map { "in use by \"\($0)\"" } ?? "in use"
                return "line \(offset)\(name) (\(holder))"
            }
            let what = held.isEmpty ? GPIOText.lines(offsets) : held.joined(separator: ", ")
            operation = "requesting \(what)"
        } else if code == EOPNOTSUPP, settings.debounce != nil, LinuxGPIO.apiVersion < 2 {
            operation += " (debouncing needs libgpiod v2; this build uses libgpiod \(LinuxGPIO.libraryVersion))"
        }
        return HardwareError(errno: code, device: path, operation: operation, context: .control)
    }

    /// libgpiod v1 answers ENOTTY for a path that is not a GPIO chip, v2 ENODEV (ENOTTY for a regular file, v1
    /// EISDIR for a directory): one kind for all of them, `.noSuchDevice`, with the errno kept.
    private static func openError(_ code: Int32, path: String) -> HardwareError {
        var error = HardwareError(errno: code, device: path, operation: "opening as a GPIO chip", context: .open)
        if code == ENOTTY || code == ENODEV || code == EISDIR {
            error.kind = .noSuchDevice
            error.detail = "not a GPIO chip character device (\(error.detail))"
        }
        return error
    }
}

/// A weak reference to a request, so that the chip can release its requests on `close()` without keeping them.
private struct WeakLineRequest {
    weak var value: LinuxGPIOLineRequest?
}

/// Wording shared by the GPIO chip and its requests' error messages.
enum GPIOText {
    /// `line 4` or `lines 4, 5, 6`.
    static func lines(_ offsets: [Int]) -> String {
        (offsets.count == 1 ? "line " : "lines ") + GPIOText.list(offsets)
    }

    /// `4, 5, 6`.
    static func list(_ offsets: [Int]) -> String {
        offsets.map(String.init).joined(separator: ", ")
    }

    /// `input with pull-up, active-low, both edges`: the direction and whichever settings are not the defaults.
    static func describe(_ settings: GPIOLineSettings) -> String {
        var parts: [String] = []
        if settings.bias != .asIs { parts.append(settings.bias.rawValue) }
        if settings.drive != .pushPull { parts.append(settings.drive.rawValue) }
        if settings.activeLow { parts.append("active-low") }
        if settings.edge == .both { parts.append("both edges") }
        if settings.edge == .rising || settings.edge == .falling { parts.append("\(settings.edge.rawValue) edge") }
        if let debounce = settings.debounce { parts.append("debounce \(debounce)") }
        let direction = settings.direction.rawValue
        return parts.isEmpty ? direction : "\(direction) with \(parts.joined(separator: ", "))"
    }

    /// The text of a fixed-size C character array (a NUL-terminated name from the kernel), never reading past it.
    static func string<Characters>(fromCArray characters: Characters) -> String {
        withUnsafeBytes(of: characters) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

extension GPIOBias {
    init(shim value: Int32) {
        switch value {
        case CGPIOD_BIAS_DISABLED: self = .disabled
        case CGPIOD_BIAS_PULL_UP: self = .pullUp
        case CGPIOD_BIAS_PULL_DOWN: self = .pullDown
        default: self = .asIs
        }
    }

    var shim: Int32 {
        switch self {
        case .asIs: CGPIOD_BIAS_AS_IS
        case .disabled: CGPIOD_BIAS_DISABLED
        case .pullUp: CGPIOD_BIAS_PULL_UP
        case .pullDown: CGPIOD_BIAS_PULL_DOWN
        }
    }
}

extension GPIODrive {
    init(shim value: Int32) {
        switch value {
        case CGPIOD_DRIVE_OPEN_DRAIN: self = .openDrain
        case CGPIOD_DRIVE_OPEN_SOURCE: self = .openSource
        default: self = .pushPull
        }
    }

    var shim: Int32 {
        switch self {
        case .pushPull: CGPIOD_DRIVE_PUSH_PULL
        case .openDrain: CGPIOD_DRIVE_OPEN_DRAIN
        case .openSource: CGPIOD_DRIVE_OPEN_SOURCE
        }
    }
}

extension GPIOEdge {
    init(shim value: Int32) {
        switch value {
        case CGPIOD_EDGE_RISING: self = .rising
        case CGPIOD_EDGE_FALLING: self = .falling
        case CGPIOD_EDGE_BOTH: self = .both
        default: self = .none
        }
    }

    var shim: Int32 {
        switch self {
        case .none: CGPIOD_EDGE_NONE
        case .rising: CGPIOD_EDGE_RISING
        case .falling: CGPIOD_EDGE_FALLING
        case .both: CGPIOD_EDGE_BOTH
        }
    }
}
