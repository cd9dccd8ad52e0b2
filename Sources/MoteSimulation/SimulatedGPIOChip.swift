import MoteHAL

/// One line of a simulated chip, as the board wires it.
public struct SimulatedLine: Sendable, Equatable {
    /// The line's name (`BUTTON`, `SENSOR_POWER`), nil for an unnamed line.
    public var name: String?
    /// The level the board's wiring gives the line when nothing drives it: a pull resistor on the board.
    public var boardPull: Bool?
    /// A consumer outside this process that holds the line (a kernel driver, another program).
    public var heldBy: String?

    public init(name: String? = nil, boardPull: Bool? = nil, heldBy: String? = nil) {
        self.name = name
        self.boardPull = boardPull
        self.heldBy = heldBy
    }
}

/// A change the outside world makes to an input line at a given time: a button press, a sensor's ready pin.
public struct GPIOStimulus: Sendable, Equatable {
    public var offset: Int
    public var at: Duration
    /// The physical level driven onto the line; nil releases it.
    public var level: Bool?

    public init(offset: Int, at: Duration, level: Bool?) {
        self.offset = offset
        self.at = at
        self.level = level
    }
}

/// A GPIO chip with named lines, pulls, outputs, an outside world that drives inputs, and edge events with
/// timestamps and debounce, behaving as the kernel's GPIO character device does.
///
/// The physical level of a line is, in order: what this process drives on an output, what the outside world drives,
/// the requested bias, the board's pull, and low. Logical values apply active-low on top.
public final class SimulatedGPIOChip: GPIOChip {
    public let info: GPIOChipInfo
    private let clock: any SimulationClock
    private var lines: [SimulatedLine]
    private var external: [Bool?]
    /// Held lines; weak, so that dropping a request gives its lines back as closing its file descriptor would.
    private var holders: [Int: WeakRequest] = [:]
    private var requests: [Int: SimulatedLineRequest] { holders.compactMapValues(\.request) }
    private var liveRequests: [SimulatedLineRequest] {
        var seen: [SimulatedLineRequest] = []
        for request in holders.values.compactMap(\.request) where !seen.contains(where: { $0 === request }) {
            seen.append(request)
        }
        return seen
    }
    private var stimuli: [GPIOStimulus]

    /// Creates a chip called `name` with `lines`; `stimuli` are applied as the clock passes their times.
    public init(name: String, label: String, lines: [SimulatedLine], clock: any SimulationClock,
                stimuli: [GPIOStimulus] = []) {
        self.info = GPIOChipInfo(name: name, label: label, lineCount: lines.count, path: "sim:\(name)")
        self.lines = lines
        self.clock = clock
        self.external = Array(repeating: nil, count: lines.count)
        self.stimuli = stimuli.sorted { $0.at < $1.at }
    }

    /// Drives `offset` from outside at the current time (nil releases it), producing edge events as it changes.
    public func drive(_ offset: Int, level: Bool?) {
        advance()
        apply(GPIOStimulus(offset: offset, at: clock.now, level: level))
    }

    /// The physical level of a line now, as a logic analyser on the pin would see it.
    public func physicalLevel(_ offset: Int) -> Bool {
        advance()
        return level(offset)
    }

    public func lineInfo(_ offset: Int) throws(HardwareError) -> GPIOLineInfo {
        try check(offset)
        let line = lines[offset]
        if let request = requests[offset] {
            return GPIOLineInfo(
                offset: offset, name: line.name, consumer: request.consumer, used: true,
                direction: request.settings.direction, activeLow: request.settings.activeLow,
                bias: request.settings.bias, drive: request.settings.drive, edge: request.settings.edge,
                debounce: request.settings.debounce)
        }
        return GPIOLineInfo(offset: offset, name: line.name, consumer: line.heldBy, used: line.heldBy != nil,
                            direction: .input)
    }

    public func requestLines(_ offsets: [Int], settings: GPIOLineSettings, consumer: String) throws(HardwareError)
        -> any GPIOLineRequest
    {
        advance()
        guard !offsets.isEmpty, Set(offsets).count == offsets.count else {
            throw HardwareError(.invalidArgument, device: info.path, detail: "request at least one line, each once")
        }
        for offset in offsets {
            try check(offset)
            if let holder = requests[offset]?.consumer ?? lines[offset].heldBy {
                throw HardwareError(
                    .busy, device: info.path,
                    detail: "line \(offset)\(lines[offset].name.map { " (\($0))" } ?? "") is in use by \(holder)")
            }
        }
        if settings.direction == .output, settings.edge != .none {
            throw HardwareError(.invalidArgument, device: info.path, detail: "edge detection needs an input line")
        }
        let request = SimulatedLineRequest(chip: self, offsets: offsets, settings: settings, consumer: consumer)
        for offset in offsets {
            request.outputs[offset] = settings.direction == .output ? settings.initialValue : nil
            holders[offset] = WeakRequest(request: request)
        }
        for offset in offsets { request.lastLevel[offset] = level(offset) }
        return request
    }

    private func check(_ offset: Int) throws(HardwareError) {
        guard lines.indices.contains(offset) else {
            throw HardwareError(
                .invalidArgument, device: info.path, detail: "offset \(offset) is past the chip's \(lines.count) lines")
        }
    }

    // MARK: Levels and events

    func level(_ offset: Int) -> Bool {
        if let request = requests[offset], let value = request.outputs[offset] {
            let driven = (value == .active) != request.settings.activeLow
            // Open drain only pulls low and open source only pulls high; otherwise the line floats.
            switch request.settings.drive {
            case .pushPull: return driven
            case .openDrain: if !driven { return false }
            case .openSource: if driven { return true }
            }
        }
        if let level = external[offset] { return level }
        switch requests[offset]?.settings.bias {
        case .pullUp: return true
        case .pullDown: return false
        default: return lines[offset].boardPull ?? false
        }
    }

    /// Applies every stimulus whose time has come, in time order, so events carry the stimulus times.
    func advance() {
        let now = clock.now
        while let next = stimuli.first, next.at <= now {
            stimuli.removeFirst()
            apply(next)
        }
        for request in liveRequests { request.deliverDebounced(upTo: now) }
    }

    /// When the next stimulus is due, if any.
    var nextStimulusTime: Duration? { stimuli.first?.at }

    private func apply(_ stimulus: GPIOStimulus) {
        guard external.indices.contains(stimulus.offset) else { return }
        external[stimulus.offset] = stimulus.level
        requests[stimulus.offset]?.levelMayHaveChanged(stimulus.offset, at: stimulus.at)
    }

    func sleep(until deadline: Duration) { clock.sleep(until: deadline) }
    var now: Duration { clock.now }

    func release(_ request: SimulatedLineRequest) {
        // Called from the request's deinit too, when weak references to it already read nil.
        for offset in request.offsets where holders[offset]?.request == nil || holders[offset]?.request === request {
            holders[offset] = nil
        }
    }
}

private struct WeakRequest {
    weak var request: SimulatedLineRequest?
}

/// Lines of a simulated chip held by this process.
final class SimulatedLineRequest: GPIOLineRequest {
    let offsets: [Int]
    let settings: GPIOLineSettings
    let consumer: String
    private weak var chip: SimulatedGPIOChip?
    var outputs: [Int: GPIOValue] = [:]
    var lastLevel: [Int: Bool] = [:]
    private var events: [GPIOEdgeEvent] = []
    private var pending: [Int: (level: Bool, at: Duration)] = [:]
    private var released = false

    init(chip: SimulatedGPIOChip, offsets: [Int], settings: GPIOLineSettings, consumer: String) {
        self.chip = chip
        self.offsets = offsets
        self.settings = settings
        self.consumer = consumer
    }

    deinit { release() }

    private func liveChip() throws(HardwareError) -> SimulatedGPIOChip {
        guard !released, let chip else {
            throw HardwareError(.invalidArgument, device: "sim", detail: "the lines have been released")
        }
        chip.advance()
        return chip
    }

    func values() throws(HardwareError) -> [GPIOValue] {
        let chip = try liveChip()
        return offsets.map { GPIOValue(chip.level($0) != settings.activeLow) }
    }

    func setValues(_ values: [Int: GPIOValue]) throws(HardwareError) {
        let chip = try liveChip()
        for (offset, value) in values {
            guard outputs[offset] != nil else {
                throw HardwareError(
                    .invalidArgument, device: chip.info.path, detail: "line \(offset) is not an output of this request")
            }
            outputs[offset] = value
        }
    }

    func waitForEdgeEvents(timeout: Duration) throws(HardwareError) -> [GPIOEdgeEvent] {
        let chip = try liveChip()
        guard settings.edge != .none else {
            throw HardwareError(.invalidArgument, device: chip.info.path, detail: "no edge detection was requested")
        }
        let deadline = chip.now + timeout
        while events.isEmpty {
            let wake = [chip.nextStimulusTime, pending.values.map(\.at).min().map { $0 + (settings.debounce ?? .zero) }]
                .compactMap { $0 }.filter { $0 <= deadline }.min()
            guard let wake else {
                chip.sleep(until: deadline)
                chip.advance()
                break
            }
            chip.sleep(until: wake)
            chip.advance()
        }
        defer { events.removeAll() }
        return events
    }

    func release() {
        guard !released else { return }
        released = true
        chip?.release(self)
    }

    /// Called when the outside world changes a line: records an edge, or holds it for the debounce period.
    func levelMayHaveChanged(_ offset: Int, at time: Duration) {
        guard let chip, settings.direction == .input else { return }
        let level = chip.level(offset)
        if settings.debounce != nil {
            if level == lastLevel[offset] { pending[offset] = nil } else { pending[offset] = (level, time) }
            return
        }
        record(offset, level: level, at: time)
    }

    /// Emits debounced edges whose level stayed stable for the whole debounce period.
    func deliverDebounced(upTo now: Duration) {
        guard let debounce = settings.debounce else { return }
        for (offset, change) in pending.sorted(by: { $0.value.at < $1.value.at }) where change.at + debounce <= now {
            pending[offset] = nil
            record(offset, level: change.level, at: change.at + debounce)
        }
    }

    private func record(_ offset: Int, level: Bool, at time: Duration) {
        guard lastLevel[offset] != level else { return }
        lastLevel[offset] = level
        let logicalRising = level != settings.activeLow
        let kind: GPIOEdgeEvent.Kind = logicalRising ? .rising : .falling
        let wanted = settings.edge == .both || (settings.edge == .rising && kind == .rising)
            || (settings.edge == .falling && kind == .falling)
        if wanted { events.append(GPIOEdgeEvent(offset: offset, kind: kind, timestamp: time)) }
    }
}
