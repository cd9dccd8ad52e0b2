import Foundation
import MoteEnergy
import XCTest

final class PersistenceTests: XCTestCase {
    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "mote-energy-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// A ledger with some of everything: states, activities, CPU time (sub-nanosecond shares) and traffic.
    func busyLedger(start: Duration = .zero, seconds count: Int64 = 10) throws -> EnergyLedger {
        var ledger = EnergyLedger(model: handModel(), start: start)
        for second in 0..<count {
            let now = start + .seconds(second)
            try ledger.enter(.active, component: "cpu", activity: "sense.sensor", at: now)
            try ledger.enter(.measuring, component: "sensor", activity: "sense.sensor", at: now)
            try ledger.rest("sensor", at: now + .milliseconds(20))
            try ledger.rest("cpu", at: now + .milliseconds(30))
            try ledger.recordProcessCPUTime(.nanoseconds(333 * (second + 1)), at: now + .milliseconds(500))
            try ledger.recordTraffic(sentBytes: 100, receivedBytes: 37, activity: "gossip.round",
                                     at: now + .milliseconds(900))
        }
        try ledger.advance(to: start + .seconds(count))
        return ledger
    }

    func testSnapshotsRoundTripExactly() throws {
        let snapshot = LedgerSnapshot.empty.appending(try busyLedger().totals)
        let decoded = try LedgerSnapshot(decoding: snapshot.encoded())
        XCTAssertEqual(decoded, snapshot)
        XCTAssertEqual(decoded.sessions, 1)
        XCTAssertEqual(decoded.totals.elapsed, .seconds(10))
        let text = String(decoding: snapshot.encoded(), as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("mote-energy-ledger 1 "), text)
        XCTAssertTrue(text.contains("\"charge_coulombs\""), "SI units in the file")
    }

    func testDamagedSnapshotsAreRefusedWithTheReason() throws {
        let bytes = LedgerSnapshot.empty.appending(try busyLedger().totals).encoded()
        XCTAssertThrowsError(try LedgerSnapshot(decoding: Array(bytes.prefix(bytes.count - 10)))) { error in
            guard case LedgerFormatError.truncated(let expected, let found) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(expected - found, 10)
        }
        var flipped = bytes
        flipped[bytes.count - 20] ^= 0x01
        XCTAssertThrowsError(try LedgerSnapshot(decoding: flipped)) { error in
            XCTAssertEqual(error as? LedgerFormatError, .checksumMismatch)
        }
        XCTAssertThrowsError(try LedgerSnapshot(decoding: Array("{\"sessions\": 1}".utf8))) { error in
            XCTAssertEqual(error as? LedgerFormatError, .notALedger)
        }
        XCTAssertThrowsError(try LedgerSnapshot(decoding: [])) { error in
            XCTAssertEqual(error as? LedgerFormatError, .notALedger)
        }
        var newer = Array("mote-energy-ledger 2".utf8)
        newer += bytes.drop { $0 != UInt8(ascii: " ") }.dropFirst().drop { $0 != UInt8(ascii: " ") }
        XCTAssertThrowsError(try LedgerSnapshot(decoding: newer)) { error in
            XCTAssertEqual(error as? LedgerFormatError, .unsupportedVersion(2))
        }
        // A payload that passes length and checksum but is not a snapshot.
        let body = Array("{\"sessions\": \"many\"}".utf8)
        let forged = Array("mote-energy-ledger 1 \(body.count) \(fnv(body))\n".utf8) + body
        XCTAssertThrowsError(try LedgerSnapshot(decoding: forged)) { error in
            guard case LedgerFormatError.malformed = error else { return XCTFail("\(error)") }
        }
    }

    private func fnv(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    func testAStoreSavesAtomicallyAndLoadsWhatItSaved() throws {
        let store = LedgerStore(directory: try temporaryDirectory() + "/state")
        XCTAssertNil(try store.load(), "nothing saved yet")
        let snapshot = LedgerSnapshot.empty.appending(try busyLedger().totals)
        try store.save(snapshot)
        XCTAssertEqual(try store.load(), snapshot)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.temporaryPath), "renamed into place")
    }

    func testACrashDuringASaveLeavesThePreviousSnapshot() throws {
        let store = LedgerStore(directory: try temporaryDirectory())
        let first = LedgerSnapshot.empty.appending(try busyLedger(seconds: 5).totals)
        try store.save(first)
        // The crash: the next save wrote half its temporary file and died before the rename.
        let second = LedgerSnapshot.empty.appending(try busyLedger(seconds: 8).totals)
        let bytes = second.encoded()
        try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: store.temporaryPath))
        XCTAssertEqual(try store.load(), first, "the half-written temporary file is not the ledger")
        // The restarted node saves again: the temporary file is rewritten whole, then renamed.
        try store.save(second)
        XCTAssertEqual(try store.load(), second)
    }

    func testACorruptLedgerIsReportedAndNeverReplacedByALoad() throws {
        let store = LedgerStore(directory: try temporaryDirectory())
        try store.save(LedgerSnapshot.empty.appending(try busyLedger().totals))
        var bytes = try XCTUnwrap(FileManager.default.contents(atPath: store.path))
        bytes.removeLast(7)
        try bytes.write(to: URL(fileURLWithPath: store.path))
        XCTAssertThrowsError(try store.load()) { error in
            guard case LedgerStoreError.corrupt(let path, .truncated) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(path, store.path)
            XCTAssertTrue("\(error)".contains("left as it is"), "\(error)")
        }
        XCTAssertEqual(FileManager.default.contents(atPath: store.path), bytes, "untouched")
    }

    func testOneProcessAtATimeHoldsAStateDirectory() throws {
        let directory = try temporaryDirectory() + "/state"
        let store = LedgerStore(directory: directory)
        var held: LedgerLock? = try store.lock()
        XCTAssertNotNil(held)
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.lockPath), "the directory was created for it")
        // A second claim (another open file description, as another process's would be) is refused while held.
        XCTAssertThrowsError(try LedgerStore(directory: directory).lock()) { error in
            XCTAssertEqual(error as? LedgerStoreError, .locked(path: directory))
            XCTAssertTrue("\(error)".contains("give each node its own --state-dir"), "\(error)")
        }
        held = nil
        XCTAssertNoThrow(try store.lock(), "released with its holder")
    }

    func testTotalsOnlyGrowAcrossSavesAndRestarts() throws {
        let store = LedgerStore(directory: try temporaryDirectory())
        var previous = LedgerSnapshot.empty
        var boot = Duration.zero
        for session in 1...3 {
            // Each run of the node: load what is there, start a ledger, save now and then, crash or stop.
            let base = try store.load() ?? .empty
            XCTAssertEqual(base.sessions, session - 1)
            var ledger = EnergyLedger(model: handModel(), start: boot)
            for step in 1...5 {
                try ledger.enter(step % 2 == 0 ? .active : .sleep, component: "cpu", activity: "work",
                                 at: boot + .seconds(Int64(step)))
                try ledger.recordTraffic(sentBytes: 50 * step, receivedBytes: 0, activity: "gossip.round",
                                         at: boot + .seconds(Int64(step)) + .milliseconds(500))
                let snapshot = base.appending(ledger.totals)
                try store.save(snapshot)
                let saved = try XCTUnwrap(try store.load())
                XCTAssertTrue(saved.totals.covers(previous.totals), "session \(session) step \(step)")
                XCTAssertEqual(saved.sessions, session)
                previous = saved
            }
            boot += .seconds(100)                                // a later boot; its monotonic clock restarts
        }
        XCTAssertEqual(previous.totals.elapsed, .seconds(3 * 5) + .milliseconds(3 * 500))
    }
}
