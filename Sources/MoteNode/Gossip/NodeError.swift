import MoteEnergy

/// Why a gossip node cannot start, or stopped on its own: each case is one line for the user, and maps to its own
/// exit code in the CLI.
public enum NodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An address argument is not `IPv4:PORT` or `[IPv6]:PORT`, or cannot be used where it was given.
    case badAddress(option: String, value: String, reason: String)
    /// The listen address is already bound by another socket.
    case addressInUse(String)
    /// The listen address cannot be bound for another reason (not an address of this machine, permission…).
    case cannotBind(address: String, reason: String)
    /// No key file at the path.
    case keyFileMissing(path: String)
    /// The key file can be read by others than its owner.
    case keyFileInsecure(path: String, mode: UInt16)
    /// The key file cannot be read by this process.
    case keyFileUnreadable(path: String, reason: String)
    /// The key file's contents are not keys.
    case keyFileMalformed(path: String, reason: String)
    /// No sensor could be read at start.
    case noSensors(String)
    /// The energy ledger's state directory cannot be used: locked by another process, unwritable, or its ledger
    /// corrupt.
    case energyLedger(LedgerStoreError)
    /// The power model cannot charge what the node does (no radio with a bit rate, a sensor without a current).
    case energyModel(String)
    /// The running node's socket closed on its own: NIO closes a UDP socket on most send errors (no route to a
    /// member, a firewall refusing it).
    case socketFailed(address: String, reason: String)

    /// The message, without the `mote: ` prefix.
    public var description: String {
        switch self {
        case .badAddress(let option, let value, let reason): return "\(option) \(value): \(reason)"
        case .addressInUse(let address):
            return "\(address) is already in use (another mote node? pick another --listen port)"
        case .cannotBind(let address, let reason): return "cannot listen on \(address): \(reason)"
        case .keyFileMissing(let path):
            return "no key file at \(path) (create one: mote node keygen > \(path) && chmod 600 \(path))"
        case .keyFileInsecure(let path, let mode):
            return "key file \(path) is readable by others (mode \(String(mode, radix: 8))): chmod 600 \(path)"
        case .keyFileUnreadable(let path, let reason): return "cannot read key file \(path): \(reason)"
        case .keyFileMalformed(let path, let reason): return "key file \(path): \(reason)"
        case .noSensors(let reason): return reason
        case .energyLedger(let error): return error.description
        case .energyModel(let reason): return "energy ledger: \(reason)"
        case .socketFailed(let address, let reason):
            return "the socket on \(address) closed, \(reason); the node stopped"
        }
    }
}
