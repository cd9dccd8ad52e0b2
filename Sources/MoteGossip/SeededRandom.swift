/// A small, fast, seedable random number generator (SplitMix64, Steele, Lea and Flood 2014, as java.util's
/// SplittableRandom): the instance takes one so that the same seed gives the same run, in tests and in the simulator.
///
/// Eight bytes of state, which matters when the simulator holds 100,000 instances. Not for cryptography.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose whole future is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A uniformly random index in `0..<count` (`count` > 0), by Lemire's multiply-shift (the tiny bias for counts
    /// far below 2^64 does not matter for protocol choices).
    @inlinable
    public mutating func index(below count: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// True with probability `probability`.
    @inlinable
    public mutating func chance(_ probability: Double) -> Bool {
        Double(next() >> 11) * 0x1p-53 < probability
    }
}
