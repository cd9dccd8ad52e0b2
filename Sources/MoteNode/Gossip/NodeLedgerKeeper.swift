import Logging
import MoteEnergy

/// Where and how a gossip node keeps its energy ledger.
public struct NodeEnergyOptions: Sendable {
    /// The board's power model (a profile, with the user's configuration applied); the sensors the node finds
    /// are added to it from their drivers' datasheets (`NodeEnergyAccount.model`).
    public var profile: PowerModel
    /// Where the ledger is saved.
    public var store: LedgerStore

    /// Options with every field given.
    public init(profile: PowerModel, store: LedgerStore) {
        self.profile = profile
        self.store = store
    }
}

/// The shell side of the node's energy ledger: the pure `NodeEnergyAccount`, the store it is saved to and the
/// store's lock, fed by the node's event loop.
struct NodeLedgerKeeper: Sendable {
    private(set) var account: NodeEnergyAccount
    private let store: LedgerStore
    private let lock: LedgerLock
    /// The latest save's failure, nil once a save works again.
    private(set) var saveFailure: LedgerStoreError?
    private var warnedOfUnplacedTime = false

    /// Builds the node's model for `sensors`, claims the state directory, loads what earlier sessions saved and
    /// proves the directory writable by saving that back unchanged, so every problem shows before the node starts.
    init(options: NodeEnergyOptions, sensors: [(device: String, driver: String)], now: Duration,
         processCPUTime: Duration) throws(NodeError)
    {
        let model: PowerModel
        do throws(NodeEnergyModelError) {
            model = try NodeEnergyAccount.model(profile: options.profile, sensors: sensors)
            try NodeEnergyAccount.validate(model)
        } catch {
            throw .energyModel(error.description)
        }
        let earlier: LedgerSnapshot
        do throws(LedgerStoreError) {
            lock = try options.store.lock()
            earlier = try options.store.load() ?? .empty
            try options.store.save(earlier)
        } catch {
            throw .energyLedger(error)
        }
        do throws(NodeEnergyModelError) {
            account = try NodeEnergyAccount(model: model, start: now, processCPUTime: processCPUTime,
                                            earlierSessions: earlier)
        } catch {
            throw .energyModel(error.description)
        }
        store = options.store
    }

    /// Charges a sampling round (see `NodeEnergyAccount.recordSampling`).
    mutating func recordSampling(devices: [String], at time: Duration, logger: Logger) {
        do throws(LedgerError) {
            try account.recordSampling(devices: devices, at: time)
        } catch {
            logger.error("energy ledger: \(error)")
        }
    }

    /// Closes a period at `now` with the kernel's CPU time and the socket's traffic, and saves the ledger; a save
    /// that fails is logged once until one works again.
    mutating func closePeriod(at now: Duration, processCPUTime: Duration, traffic: NodeEnergyAccount.Traffic,
                              logger: Logger) {
        do throws(LedgerError) {
            try account.recordPeriod(at: now, processCPUTime: processCPUTime, traffic: traffic)
        } catch {
            logger.error("energy ledger: \(error)")
        }
        if !warnedOfUnplacedTime, let (component, time) = account.ledger.unplacedTime.first {
            warnedOfUnplacedTime = true
            logger.warning("""
                energy ledger: \(component) was busy longer than the time elapsed (\(time) not placed): check its \
                bit_rate or cores in the power model
                """)
        }
        do throws(LedgerStoreError) {
            try store.save(account.snapshot)
            saveFailure = nil
        } catch {
            if saveFailure == nil { logger.warning("cannot save the energy ledger: \(error)") }
            saveFailure = error
        }
    }
}
