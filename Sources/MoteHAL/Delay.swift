/// Something that can wait. Drivers wait for conversions through it, so tests and simulations decide what time is.
///
/// On hardware this sleeps the thread (`SystemDelay` in MoteLinux); on a simulated board it is the board's clock,
/// which a test moves by hand.
public protocol Delay: AnyObject {
    /// Waits at least `duration`.
    func sleep(for duration: Duration)
}
