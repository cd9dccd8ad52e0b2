#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the persisted ledger could not be read or written.
public enum LedgerStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The ledger file exists but is not a valid snapshot. It is left untouched.
    case corrupt(path: String, LedgerFormatError)
    /// A system call failed: which, on what, and errno's meaning.
    case io(operation: String, path: String, errno: Int32)
    /// Another process holds the directory's lock: it keeps its own ledger there.
    case locked(path: String)

    /// One line for the user, saying what to do.
    public var description: String {
        switch self {
        case .corrupt(let path, let reason):
            return "\(path): corrupt energy ledger, \(reason); left as it is (move it aside to start a new one)"
        case .io(let operation, let path, let errno):
            let meaning = String(cString: strerror(errno))
            let reading = operation == "read" || (operation == "open" && path.hasSuffix("/ledger.json"))
            let hint = errno != EACCES && errno != EPERM ? ""
                : reading ? " (the ledger must be readable by you)"
                : " (the state directory must be writable by you: give another with --state-dir or MOTE_STATE_DIR)"
            return "\(operation) \(path): \(meaning.lowercased())\(hint)"
        case .locked(let path):
            return "\(path) is held by another mote process keeping its energy ledger there (give each node its "
                + "own --state-dir)"
        }
    }
}

/// The ledger on disk: `DIRECTORY/ledger.json`, replaced atomically.
///
/// A save writes the whole snapshot to `ledger.json.tmp` in the same directory, fsyncs it, renames it over
/// `ledger.json` and fsyncs the directory, so after a crash the file is either the previous snapshot or the new
/// one, never a mix. A temporary file left by a crash is never read; the next save overwrites it. A ledger that
/// fails its checks is reported, never replaced.
public struct LedgerStore: Sendable {
    /// The state directory.
    public let directory: String

    /// A store in `directory` (created on the first save if missing).
    public init(directory: String) {
        self.directory = directory
    }

    /// `DIRECTORY/ledger.json`.
    public var path: String { directory + "/ledger.json" }
    /// `DIRECTORY/ledger.json.tmp`: where a save writes before the rename.
    public var temporaryPath: String { path + ".tmp" }
    /// `DIRECTORY/ledger.lock`: the file a running node holds locked.
    public var lockPath: String { directory + "/ledger.lock" }

    /// Claims the directory for this process until the returned lock is released, creating the directory if
    /// missing.
    ///
    /// Two processes saving into one directory would each write what it loaded plus its own session, and the last
    /// to save would erase the other's totals; so a shell that keeps a ledger takes this lock first
    /// (`flock(LOCK_EX | LOCK_NB)` on `ledger.lock`, released by the kernel when the process ends, however it
    /// ends). Throws `.locked` when another process holds it.
    public func lock() throws(LedgerStoreError) -> LedgerLock {
        try makeDirectory()
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "create", path: lockPath, errno: errno) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let number = errno
            if number == EINTR { continue }
            close(descriptor)
            if number == EWOULDBLOCK { throw .locked(path: directory) }
            throw .io(operation: "lock", path: lockPath, errno: number)
        }
        return LedgerLock(descriptor: descriptor)
    }

    /// The saved snapshot, or nil when there is none yet.
    public func load() throws(LedgerStoreError) -> LedgerSnapshot? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .io(operation: "open", path: path, errno: errno)
        }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "read", path: path, errno: errno)
            }
            if count == 0 { break }
            bytes += buffer[0..<count]
        }
        do {
            return try LedgerSnapshot(decoding: bytes)
        } catch {
            throw .corrupt(path: path, error)
        }
    }

    /// Replaces the saved snapshot with `snapshot`, atomically and durably.
    public func save(_ snapshot: LedgerSnapshot) throws(LedgerStoreError) {
        try makeDirectory()
        try writeDurably(snapshot.encoded(), to: temporaryPath)
        guard rename(temporaryPath, path) == 0 else { throw .io(operation: "rename", path: path, errno: errno) }
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directoryDescriptor >= 0 else { throw .io(operation: "open", path: directory, errno: errno) }
        defer { close(directoryDescriptor) }
        guard fsync(directoryDescriptor) == 0 else { throw .io(operation: "fsync", path: directory, errno: errno) }
    }

    /// Creates the directory and any missing parents (a first run's `~/.local/state/mote`), as `mkdir -p` does.
    private func makeDirectory() throws(LedgerStoreError) {
        var path = ""
        for component in directory.split(separator: "/", omittingEmptySubsequences: true) {
            path += (path.isEmpty && !directory.hasPrefix("/") ? "" : "/") + component
            if mkdir(path, 0o755) != 0, errno != EEXIST {
                throw .io(operation: "mkdir", path: path, errno: errno)
            }
        }
    }

    /// Writes all of `bytes` to a fresh `path` and fsyncs it.
    func writeDurably(_ bytes: [UInt8], to path: String) throws(LedgerStoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .io(operation: "create", path: path, errno: errno) }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(operation: "write", path: path, errno: errno)
            }
            offset += written
        }
        guard fsync(descriptor) == 0 else { throw .io(operation: "fsync", path: path, errno: errno) }
    }
}

/// A state directory claimed by `LedgerStore.lock()`: held until released or the process ends.
public final class LedgerLock: Sendable {
    private let descriptor: Int32

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit {
        close(descriptor)
    }
}
