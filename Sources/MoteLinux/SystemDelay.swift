#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MoteHAL

/// Waits by sleeping the calling thread with nanosleep(2), resuming after interruptions until the time is up.
public final class SystemDelay: Delay {
    public init() {}

    public func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR {
            request = remaining
        }
    }
}
