#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import MoteHAL

/// The time a simulated device sees: the monotonic clock in the CLI, a manual clock in tests.
///
/// It is also the `Delay` a driver waits with on a simulated board, so a driver's waits move the devices' time.
public protocol SimulationClock: Delay {
    /// Time since the clock's origin.
    var now: Duration { get }

    /// Waits until `now` reaches `deadline` (a manual clock simply jumps there).
    func sleep(until deadline: Duration)
}

extension SimulationClock {
    public func sleep(for duration: Duration) { sleep(until: now + duration) }
}

/// A clock that moves only when told to (or when a driver waits on it), so tests decide exactly what a device sees.
public final class ManualClock: SimulationClock {
    public private(set) var now: Duration

    /// Creates a clock standing at `start`.
    public init(start: Duration = .zero) { self.now = start }

    /// Moves the clock forward by `duration`.
    public func advance(by duration: Duration) { now += duration }

    public func sleep(until deadline: Duration) { now = max(now, deadline) }
}

/// The process's monotonic clock, measured from when this object was created.
public final class MonotonicClock: SimulationClock {
    private let origin = ContinuousClock.now

    public init() {}

    public var now: Duration { ContinuousClock.now - origin }

    public func sleep(until deadline: Duration) {
        let deadline = origin + deadline
        while ContinuousClock.now < deadline {
            // Thread sleeping is the simulated hardware's waiting; nothing else runs on this thread meanwhile.
            let remaining = deadline - ContinuousClock.now
            let (seconds, attoseconds) = remaining.components
            var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            _ = nanosleep(&request, nil)
        }
    }
}

/// The physical conditions a simulated sensor measures.
public struct SimulatedEnvironment: Sendable, Equatable {
    public var temperatureCelsius: Double
    public var relativeHumidityPercent: Double
    public var pressurePascals: Double

    /// A mild indoor climate: 22.5 °C, 45 %RH, 1013.25 hPa.
    public init(temperatureCelsius: Double = 22.5, relativeHumidityPercent: Double = 45,
                pressurePascals: Double = 101_325) {
        self.temperatureCelsius = temperatureCelsius
        self.relativeHumidityPercent = relativeHumidityPercent
        self.pressurePascals = pressurePascals
    }
}
