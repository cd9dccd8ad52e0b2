#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The kernel's account of this process's CPU time: the one place the energy code asks the system.
///
/// A shell (the scheduler's runner) passes `current()` to `EnergyLedger.recordProcessCPUTime(_:at:)` each time it
/// records: CPU time comes from the kernel's accounting (`getrusage(RUSAGE_SELF)`, the user and system times Linux
/// also shows in `/proc/self/stat`), not from guesses about how long the work took.
public enum ProcessCPUTime {
    /// User + system CPU time this process has used so far, across all its threads.
    ///
    /// `getrusage` on the calling process fails only for an invalid argument or address, which this call cannot
    /// pass; should it fail anyway, zero is returned and the ledger records no CPU time for the interval.
    public static func current() -> Duration {
        var usage = rusage()
        #if canImport(Glibc)
        let who = __rusage_who_t(RUSAGE_SELF.rawValue)
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return .zero }
        return duration(usage.ru_utime) + duration(usage.ru_stime)
    }

    private static func duration(_ time: timeval) -> Duration {
        .seconds(Int64(time.tv_sec)) + .microseconds(Int64(time.tv_usec))
    }
}
