import Foundation

/// Why bytes are not a ledger snapshot. The file is never replaced because of these: the user decides.
public enum LedgerFormatError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The first line is not `mote-energy-ledger VERSION LENGTH CHECKSUM`.
    case notALedger
    /// A snapshot version this build does not read.
    case unsupportedVersion(Int)
    /// Fewer (or more) payload bytes than the header promises: a cut-off write.
    case truncated(expected: Int, found: Int)
    /// The payload's checksum does not match the header's.
    case checksumMismatch
    /// The payload passed the checksum but is not a snapshot (written by something else).
    case malformed(String)

    /// What is wrong, in a few words.
    public var description: String {
        switch self {
        case .notALedger: return "not an energy ledger (no \"\(LedgerSnapshot.magic)\" header)"
        case .unsupportedVersion(let version):
            return "ledger format version \(version); this mote reads version \(LedgerSnapshot.version)"
        case .truncated(let expected, let found):
            return "truncated: \(found) of \(expected) payload bytes"
        case .checksumMismatch: return "checksum mismatch: the file was changed or damaged"
        case .malformed(let detail): return "malformed payload: \(detail)"
        }
    }
}

/// The persisted ledger: the totals of every session so far, versioned and checksummed.
///
/// On disk it is one header line, `mote-energy-ledger 1 <payload bytes> <FNV-1a 64 of the payload, hex>`, then
/// the payload, JSON with sorted keys: `sessions`, `elapsed_seconds`/`elapsed_attoseconds`, and per component its
/// `supply_volts` and cells (`state`, `activity`, exact time as seconds + attoseconds, `charge_coulombs`,
/// `energy_joules`). A cut-off or altered file fails the length or checksum check instead of being half-read.
public struct LedgerSnapshot: Sendable, Equatable {
    /// The header's first word.
    public static let magic = "mote-energy-ledger"
    /// The format this build writes and reads.
    public static let version = 1

    /// How many sessions (node runs) the totals include.
    public var sessions: Int
    /// The totals over all those sessions.
    public var totals: LedgerTotals

    /// A snapshot of `sessions` sessions' `totals`.
    public init(sessions: Int, totals: LedgerTotals) {
        self.sessions = sessions
        self.totals = totals
    }

    /// Nothing recorded yet.
    public static let empty = LedgerSnapshot(sessions: 0, totals: LedgerTotals())

    /// The snapshot to save while a new session runs: these totals plus the session's, one more session.
    ///
    /// The node keeps the snapshot it loaded at start-up and saves `loaded.appending(ledger.totals)` as often as it
    /// likes; since a session's totals only grow, so does every saved snapshot.
    public func appending(_ session: LedgerTotals) -> LedgerSnapshot {
        LedgerSnapshot(sessions: sessions + 1, totals: totals.merging(session))
    }

    // MARK: Encoding

    struct Payload: Codable {
        struct Cell: Codable {
            var state: String
            var activity: String
            var timeSeconds: Int64
            var timeAttoseconds: Int64
            var chargeCoulombs: Double
            var energyJoules: Double
        }

        struct Component: Codable {
            var name: String
            var supplyVolts: Double
            var cells: [Cell]
        }

        var sessions: Int
        var elapsedSeconds: Int64
        var elapsedAttoseconds: Int64
        var components: [Component]
    }

    /// The file's bytes: header line and payload.
    public func encoded() -> [UInt8] {
        let components = totals.componentNames.map { name in
            let cells = (totals.cells[name] ?? [:]).sorted { $0.key < $1.key }.flatMap { state, activities in
                activities.sorted { $0.key < $1.key }.map { activity, cell in
                    Payload.Cell(state: state.rawValue, activity: activity, timeSeconds: cell.time.components.seconds,
                                 timeAttoseconds: cell.time.components.attoseconds,
                                 chargeCoulombs: cell.chargeCoulombs, energyJoules: cell.energyJoules)
                }
            }
            return Payload.Component(name: name, supplyVolts: totals.supplyVolts[name] ?? 0, cells: cells)
        }
        let payload = Payload(sessions: sessions, elapsedSeconds: totals.elapsed.components.seconds,
                              elapsedAttoseconds: totals.elapsed.components.attoseconds, components: components)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Encoding these plain value types cannot fail; an empty payload would fail the reader's checks loudly.
        let body = (try? encoder.encode(payload)).map { Array($0) } ?? []
        let header = "\(Self.magic) \(Self.version) \(body.count) \(Self.hex(Self.fnv1a64(body)))\n"
        return Array(header.utf8) + body
    }

    /// Reads a snapshot from a file's bytes, checking header, length and checksum before decoding.
    public init(decoding bytes: [UInt8]) throws(LedgerFormatError) {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")), newline <= 200 else { throw .notALedger }
        let fields = String(decoding: bytes[..<newline], as: UTF8.self).split(separator: " ")
        guard fields.count == 4, fields[0] == Self.magic, let version = Int(fields[1]) else { throw .notALedger }
        guard version == Self.version else { throw .unsupportedVersion(version) }
        guard let length = Int(fields[2]), length >= 0, let checksum = UInt64(fields[3], radix: 16) else {
            throw .notALedger
        }
        let body = Array(bytes[(newline + 1)...])
        guard body.count == length else { throw .truncated(expected: length, found: body.count) }
        guard Self.fnv1a64(body) == checksum else { throw .checksumMismatch }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let payload: Payload
        do {
            payload = try decoder.decode(Payload.self, from: Data(body))
        } catch {
            throw .malformed("\(error)")
        }
        var cells: [String: [PowerState: [String: LedgerCell]]] = [:]
        var volts: [String: Double] = [:]
        for component in payload.components {
            volts[component.name] = component.supplyVolts
            var states: [PowerState: [String: LedgerCell]] = [:]
            for cell in component.cells {
                guard let state = PowerState(rawValue: cell.state) else {
                    throw .malformed("unknown state \"\(cell.state)\" of \(component.name)")
                }
                states[state, default: [:]][cell.activity] = LedgerCell(
                    time: Duration(secondsComponent: cell.timeSeconds, attosecondsComponent: cell.timeAttoseconds),
                    chargeCoulombs: cell.chargeCoulombs, energyJoules: cell.energyJoules)
            }
            cells[component.name] = states
        }
        let elapsed = Duration(secondsComponent: payload.elapsedSeconds,
                               attosecondsComponent: payload.elapsedAttoseconds)
        self.init(sessions: payload.sessions, totals: LedgerTotals(cells: cells, elapsed: elapsed, supplyVolts: volts))
    }

    /// FNV-1a, 64-bit (Fowler–Noll–Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3).
    static func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
