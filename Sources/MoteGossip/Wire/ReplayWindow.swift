/// A sliding window over one sender's sequence numbers, as IPsec (RFC 4303 §3.4.3) and WireGuard keep one: the
/// highest number accepted and a 64-bit bitmap of the 64 numbers up to it.
///
/// A number above the highest is new; one within 64 below it is new unless its bit is set; anything older is
/// refused, since it can no longer be told apart from a replay. Datagrams reordered by up to 63 places are
/// accepted once each.
public struct ReplayWindow: Sendable, Equatable {
    /// How many sequence numbers, counting the highest, the bitmap remembers.
    public static let width: UInt64 = 64

    /// What the window says about a sequence number.
    public enum Verdict: Sendable, Equatable {
        /// Not seen before: accept it (then `record` it, once the datagram is authenticated).
        case fresh
        /// Seen before: a replay or a duplicate.
        case replayed
        /// Older than the window reaches.
        case tooOld
    }

    /// The highest sequence number recorded; 0 before any.
    public private(set) var highest: UInt64 = 0
    /// Bit `i` is set when `highest - i` has been recorded.
    public private(set) var bitmap: UInt64 = 0

    /// An empty window: every positive sequence number is fresh.
    public init() {}

    /// Whether `sequence` is fresh, without recording it.
    public func check(_ sequence: UInt64) -> Verdict {
        if sequence > highest { return .fresh }
        let distance = highest - sequence
        if distance >= Self.width { return .tooOld }
        return bitmap & (1 << distance) == 0 ? .fresh : .replayed
    }

    /// Records `sequence` as seen; returns the same verdict `check` would have given before.
    @discardableResult
    public mutating func record(_ sequence: UInt64) -> Verdict {
        let verdict = check(sequence)
        guard verdict == .fresh else { return verdict }
        if sequence > highest {
            let shift = sequence - highest
            bitmap = shift >= Self.width ? 1 : bitmap << shift | 1
            highest = sequence
        } else {
            bitmap |= 1 << (highest - sequence)
        }
        return verdict
    }
}

/// The replay windows of every sender heard from, each tied to the sender's generation.
///
/// A datagram of an older generation than the one on record is refused; one of a newer generation (the sender
/// restarted and counts from 1 again) replaces the window. Only authenticated datagrams are recorded, so only key
/// holders can add senders; beyond `capacity` senders the one heard from least recently is forgotten.
public struct ReplayGuard: Sendable {
    /// What the guard says about a datagram's (generation, sequence).
    public enum Verdict: Sendable, Equatable {
        /// New: accept it.
        case fresh
        /// Seen before in this generation.
        case replayed
        /// Older than the sender's window reaches.
        case tooOld
        /// From a generation older than the sender's latest.
        case staleGeneration
    }

    private struct Entry: Sendable {
        var generation: UInt64
        var window: ReplayWindow
        var lastRecorded: UInt64
    }

    private var entries: [PeerAddress: Entry] = [:]
    private var recordings: UInt64 = 0
    /// The most senders remembered at once.
    public let capacity: Int

    /// A guard remembering up to `capacity` senders.
    public init(capacity: Int = 16_384) {
        self.capacity = max(1, capacity)
    }

    /// How many senders are remembered.
    public var count: Int { entries.count }

    /// The generation on record for `sender`, if any.
    public func generation(of sender: PeerAddress) -> UInt64? { entries[sender]?.generation }

    /// Whether a datagram would be accepted, without recording it (the cheap check before decryption).
    public func check(sender: PeerAddress, generation: UInt64, sequence: UInt64) -> Verdict {
        guard let entry = entries[sender], generation <= entry.generation else { return .fresh }
        if generation < entry.generation { return .staleGeneration }
        switch entry.window.check(sequence) {
        case .fresh: return .fresh
        case .replayed: return .replayed
        case .tooOld: return .tooOld
        }
    }

    /// Records an authenticated datagram; returns the verdict `check` would have given before.
    @discardableResult
    public mutating func record(sender: PeerAddress, generation: UInt64, sequence: UInt64) -> Verdict {
        let verdict = check(sender: sender, generation: generation, sequence: sequence)
        guard verdict == .fresh else { return verdict }
        recordings += 1
        if var entry = entries[sender], entry.generation == generation {
            entry.window.record(sequence)
            entry.lastRecorded = recordings
            entries[sender] = entry
            return verdict
        }
        if entries[sender] == nil, entries.count >= capacity,
            let oldest = entries.min(by: { $0.value.lastRecorded < $1.value.lastRecorded })?.key {
            entries[oldest] = nil
        }
        var window = ReplayWindow()
        window.record(sequence)
        entries[sender] = Entry(generation: generation, window: window, lastRecorded: recordings)
        return verdict
    }
}
