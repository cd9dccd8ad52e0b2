import MoteHAL

/// A transaction-expecting mock bus for driver tests: each call must match the next expectation exactly (address,
/// operations or SMBus operation), and gets its scripted reply or error.
///
/// It is also the driver's `Delay`: a `.wait` expectation checks that the driver waits exactly that long at that
/// point in the exchange, so a test pins down bytes, order and waits together.
///
/// A call that matches nothing, or arrives when no expectation is left, fails with `.other` and is recorded in
/// `violations`; `verifyFinished()` reports expectations left unused. Tests assert both.
public final class ScriptedI2CBus: I2CBus, Delay {
    /// One expected call and what it answers.
    public enum Expectation: Equatable, Sendable {
        /// A plain transaction; `replies` are returned for its reads.
        case transfer(I2CAddress, [I2COperation], replies: [[UInt8]] = [])
        /// An SMBus operation; `reply` is returned.
        case smbus(I2CAddress, SMBusOperation, pec: Bool = false, reply: [UInt8] = [])
        /// Either kind of call to `address`, failing with `error`.
        case failure(I2CAddress, HardwareError.Kind)
        /// The driver sleeps for exactly this long.
        case wait(Duration)
    }

    public let name = "scripted"
    public let capabilities: I2CCapabilities
    private var expectations: [Expectation]
    /// Calls that did not match, in order, as readable lines.
    public private(set) var violations: [String] = []

    /// Creates a bus with `capabilities` that expects exactly `expectations`, in order.
    public init(capabilities: I2CCapabilities = .fullI2C, _ expectations: [Expectation]) {
        self.capabilities = capabilities
        self.expectations = expectations
    }

    /// Expectations not yet used, described; empty when the script ran to its end.
    public var unusedExpectations: [String] { expectations.map { "\($0)" } }

    public func transfer(_ address: I2CAddress, _ operations: [I2COperation]) throws(HardwareError) -> [[UInt8]] {
        let call = "transfer(\(address), \(operations))"
        switch try next(call) {
        case .transfer(let expectedAddress, let expectedOperations, let replies)
        where expectedAddress == address && expectedOperations == operations:
            return replies
        case .failure(let expectedAddress, let kind) where expectedAddress == address:
            throw HardwareError(kind, device: name, detail: "scripted failure")
        case let other:
            throw violation("\(call), expected \(other)")
        }
    }

    public func smbus(_ address: I2CAddress, _ operation: SMBusOperation, pec: Bool) throws(HardwareError)
        -> [UInt8]
    {
        let call = "smbus(\(address), \(operation), pec: \(pec))"
        switch try next(call) {
        case .smbus(let expectedAddress, let expectedOperation, let expectedPEC, let reply)
        where expectedAddress == address && expectedOperation == operation && expectedPEC == pec:
            return reply
        case .failure(let expectedAddress, let kind) where expectedAddress == address:
            throw HardwareError(kind, device: name, detail: "scripted failure")
        case let other:
            throw violation("\(call), expected \(other)")
        }
    }

    public func sleep(for duration: Duration) {
        let call = "wait(\(duration))"
        guard !expectations.isEmpty else {
            violations.append("unexpected \(call), expected nothing more")
            return
        }
        let expected = expectations.removeFirst()
        if expected != .wait(duration) { violations.append("unexpected \(call), expected \(expected)") }
    }

    private func next(_ call: String) throws(HardwareError) -> Expectation {
        guard !expectations.isEmpty else { throw violation("\(call), expected nothing more") }
        return expectations.removeFirst()
    }

    private func violation(_ text: String) -> HardwareError {
        violations.append("unexpected " + text)
        return HardwareError(.other, device: name, detail: "unexpected " + text)
    }
}
