// Stand-ins for the energy branch's PowerState (Sources/MoteEnergy/PowerModel.swift, the same cases in the same
// order) and seconds(_:) (Units.swift), so the scheduler builds before that branch is merged. Deleted by the merge.

/// A power state of one component of the node, as the ledger accounts for time and the model gives a current.
public enum PowerState: String, Sendable, CaseIterable, Codable, Comparable {
    /// Unpowered (GPIO-switched off), or halted.
    case off
    /// Powered in its lowest-power mode, waiting for a timer or a command.
    case sleep
    /// Powered and clocked, doing nothing.
    case idle
    /// Working: a CPU executing, a load switched on.
    case active
    /// A sensor converting.
    case measuring
    /// A radio sending.
    case transmit
    /// A radio receiving.
    case receive
    /// Power-on to ready.
    case boot

    /// Declaration order.
    public static func < (lhs: PowerState, rhs: PowerState) -> Bool {
        allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
}

/// Seconds of a duration as a Double.
func seconds(_ duration: Duration) -> Double {
    let parts = duration.components
    return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
}
