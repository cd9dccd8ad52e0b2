import CGPIOD
import MoteHAL

/// Lines of a `LinuxGPIOChip` held by this process, through libgpiod.
///
/// The lines are given back by `release()`, by the chip's `close()`, or when the request is deallocated, whichever
/// comes first; the request keeps its chip open until then. Every error names the chip's path as its device.
public final class LinuxGPIOLineRequest: GPIOLineRequest {
    /// The requested offsets, in request order.
    public let offsets: [Int]
    /// The settings the lines were requested with.
    public let settings: GPIOLineSettings
    /// The consumer name the lines were requested under, as `gpioinfo` shows it (the kernel keeps 31 bytes).
    public let consumer: String

    private let chip: LinuxGPIOChip
    private let calls: any GPIODCalls
    private var handle: UnsafeMutablePointer<CGPIOD_request>?

    /// How many edge events one read takes at most; a wait returns at most `eventBatches` of them.
    private static let eventBatch = 64
    private static let eventBatches = 16

    init(
        chip: LinuxGPIOChip, handle: UnsafeMutablePointer<CGPIOD_request>, calls: any GPIODCalls, offsets: [Int],
        settings: GPIOLineSettings, consumer: String
    ) {
        self.chip = chip
        self.handle = handle
        self.calls = calls
        self.offsets = offsets
        self.settings = settings
        self.consumer = consumer
    }

    deinit { release() }

    /// Whether the lines are still held.
    public var isHeld: Bool { handle != nil }

    /// Reads the logical value of each requested line, in `offsets` order.
    public func values() throws(HardwareError) -> [GPIOValue] {
        let request = try heldHandle()
        var raw = [Int32](repeating: 0, count: offsets.count)
        let result = retryingInterrupts { calls.values(request, &raw) }
        guard result >= 0 else {
            throw HardwareError(
                errno: -result, device: chip.path, operation: "reading \(GPIOText.lines(offsets))", context: .control)
        }
        return raw.map { GPIOValue($0 != 0) }
    }

    /// Sets some or all of the output lines to logical values, in one kernel call.
    ///
    /// Offsets not in the request, and any value on lines requested as inputs, throw `.invalidArgument`.
    public func setValues(_ values: [Int: GPIOValue]) throws(HardwareError) {
        let request = try heldHandle()
        guard !values.isEmpty else { return }
        let targets = values.keys.sorted()
        if let stranger = targets.first(where: { !offsets.contains($0) }) {
            throw HardwareError(
                .invalidArgument, device: chip.path,
                detail: "line \(stranger) is not in this request (\(GPIOText.lines(offsets)))")
        }
        guard settings.direction == .output else {
            // The kernel would say EPERM, which reads like a permissions problem.
            throw HardwareError(
                .invalidArgument, device: chip.path,
                detail: "\(GPIOText.lines(offsets)) were requested as input; request them as output to set them")
        }
        let levels = targets.map { Int32(values[$0]?.rawValue ?? 0) }
        let result = retryingInterrupts { calls.setValues(request, targets.map { UInt32($0) }, levels) }
        guard result >= 0 else {
            throw HardwareError(
                errno: -result, device: chip.path, operation: "setting \(GPIOText.lines(targets))", context: .control)
        }
    }

    /// Waits up to `timeout` for edge events and returns those that arrived, oldest first; empty on timeout.
    ///
    /// A negative timeout is taken as zero (poll). An interrupted wait (EINTR) starts its timeout again. At most
    /// 1024 events come back from one call; the rest wait for the next.
    public func waitForEdgeEvents(timeout: Duration) throws(HardwareError) -> [GPIOEdgeEvent] {
        let request = try heldHandle()
        guard settings.edge != .none else {
            throw HardwareError(
                .invalidArgument, device: chip.path,
                detail: "\(GPIOText.lines(offsets)) were requested without edge detection")
        }
        let nanoseconds = Self.nanoseconds(of: timeout)
        let ready = retryingInterrupts { calls.waitForEdgeEvents(request, timeoutNanoseconds: nanoseconds) }
        guard ready >= 0 else { throw eventError(-ready, "waiting for edge events") }
        guard ready > 0 else { return [] }

        var events: [GPIOEdgeEvent] = []
        var batch = [CGPIOD_edge_event](repeating: CGPIOD_edge_event(), count: Self.eventBatch)
        for _ in 0..<Self.eventBatches {
            let count = retryingInterrupts { calls.readEdgeEvents(request, &batch) }
            guard count >= 0 else { throw eventError(-count, "reading edge events") }
            events += batch.prefix(Int(count)).map { event in
                GPIOEdgeEvent(
                    offset: Int(event.offset), kind: event.rising ? .rising : .falling,
                    timestamp: .nanoseconds(Int64(clamping: event.timestamp_ns)))
            }
            if Int(count) < Self.eventBatch { break }
        }
        // libgpiod v1 reads each line's queue in turn; put the lines' events back into time order.
        return events.enumerated()
            .sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }
            .map(\.element)
    }

    /// Gives the lines back; later calls on this request throw `.invalidArgument`. Doing it twice does nothing.
    public func release() {
        guard let handle else { return }
        calls.release(handle)
        self.handle = nil
    }

    private func heldHandle() throws(HardwareError) -> UnsafeMutablePointer<CGPIOD_request> {
        guard let handle else {
            throw HardwareError(
                .invalidArgument, device: chip.path, detail: "\(GPIOText.lines(offsets)) were released")
        }
        return handle
    }

    private func eventError(_ code: Int32, _ operation: String) -> HardwareError {
        HardwareError(
            errno: code, device: chip.path, operation: "\(operation) on \(GPIOText.lines(offsets))", context: .control)
    }

    /// `timeout` in whole nanoseconds, at least zero, at most `Int64.max`.
    static func nanoseconds(of timeout: Duration) -> Int64 {
        guard timeout > .zero else { return 0 }
        let (seconds, attoseconds) = timeout.components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, carry) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return overflow || carry ? Int64.max : total
    }
}
