import Foundation

/// Keeps the node's measured average current on a set point just under its budget by scaling every task's sampling
/// rate by one common factor, the rate multiplier `r` (1 = the planner's periods, 2 = twice as often).
///
/// The model behind it: the average current is a part the sampling rates do not change (sleep currents, the
/// board's idle draw), `b`, plus a part proportional to the rate, `r·k`. Each report gives a measured average `I`
/// for the current `r`; with `b̂` the configured estimate of `b`, the update is the damped multiplicative step
///
///     r' = r · ((S − b̂) / (I − b̂))^γ,   S = budget − margin · (budget − f)
///
/// with the gain γ = `decreaseGain` when over the set point and `increaseGain` when under it, the step limited to
/// a factor `maximumStep` either way, and `r'` clamped to the range the tasks' period limits allow (so a saturated
/// controller does not wind up). `f` is the best estimate of the fixed part (the plan's resting floor), so the
/// margin is a fraction of what the rates really spend; `b̂ ≤ f` is the deliberate under-estimate the update
/// divides by.
///
/// Why it is stable and does not overshoot: at the fixed point `b + r*·k = S`, the derivative of the update is
/// `1 − γ·(S − b)/(S − b̂)`. With `0 ≤ b̂ ≤ b` the fraction lies in (0, 1], so for `0 < γ ≤ 1` the derivative lies
/// in [0, 1): every report shrinks the error by that factor and never changes its sign, so the measured current
/// approaches the set point from the side it started on: from above after a step up in consumption, from below
/// after a step down, without oscillating. An estimate `b̂` above the true `b` could make the derivative negative
/// (alternating), which is why `fixedCurrent` must be an under-estimate: the planner's resting currents, or zero.
/// `b̂ = 0` is always safe, only slower when most of the draw is fixed. The margin, a fraction of the part of the
/// budget the rates can spend, keeps the quantisation noise of a report (a task that ran one time more or less in
/// the interval), which is a fraction of that same part, below the budget: on a mote whose sleep current is small
/// the set point is about 97.5 % of the budget; on a board whose idle draw is most of it, closer to 100 %. (Taking
/// the margin of `budget − b̂` instead would, on such a board, put the set point below the idle draw itself: a
/// tenth of 180 mA is more than the 0.3 mA the rates can spend, and the controller would stretch every period to
/// its longest trying to reach it.)
public struct BudgetController: Sendable, Equatable {
    /// The average current the node may draw (A): the planner's budget.
    public var budget: Double
    /// The fraction of the controllable part of the budget kept in reserve: the controller aims at
    /// `budget − margin · (budget − floorCurrent)`.
    public var margin: Double
    /// An under-estimate of the average current no sampling rate changes (A); zero when unknown.
    public var fixedCurrent: Double
    /// The best estimate of the average current no sampling rate changes (A), at least `fixedCurrent`: what the
    /// margin is measured from.
    public var floorCurrent: Double
    /// The gain γ when the measured current is over the set point, in (0, 1].
    public var decreaseGain: Double
    /// The gain γ when the measured current is under the set point, in (0, 1]: smaller, to creep up cautiously.
    public var increaseGain: Double
    /// The largest factor by which one report may change the rate multiplier, up or down.
    public var maximumStep: Double

    /// Creates a controller; `validate()` says whether the figures make sense. `floorCurrent` defaults to
    /// `fixedCurrent`.
    public init(budget: Double, margin: Double = 0.025, fixedCurrent: Double = 0, floorCurrent: Double? = nil,
                decreaseGain: Double = 1, increaseGain: Double = 0.5, maximumStep: Double = 4) {
        self.budget = budget
        self.margin = margin
        self.fixedCurrent = fixedCurrent
        self.floorCurrent = floorCurrent ?? fixedCurrent
        self.decreaseGain = decreaseGain
        self.increaseGain = increaseGain
        self.maximumStep = maximumStep
    }

    /// The average current the controller aims at (A).
    public var setPoint: Double { budget - margin * (budget - floorCurrent) }

    /// What is wrong with the figures, or nil.
    public func validate() -> String? {
        guard budget > 0, budget.isFinite else { return "the current budget must be positive" }
        guard margin >= 0, margin < 1 else { return "the budget margin must be in [0, 1)" }
        guard fixedCurrent >= 0, fixedCurrent < budget else {
            return "the fixed current must be at least 0 and below the budget"
        }
        guard floorCurrent >= fixedCurrent, floorCurrent < budget else {
            return "the floor current must be at least the fixed current and below the budget"
        }
        guard decreaseGain > 0, decreaseGain <= 1, increaseGain > 0, increaseGain <= 1 else {
            return "the controller's gains must be in (0, 1]"
        }
        guard maximumStep > 1, maximumStep.isFinite else { return "the controller's maximum step must exceed 1" }
        return nil
    }

    /// The rate multiplier after a report measuring `measured` amperes on average while running at `rate`,
    /// kept within `bounds`.
    public func nextRate(after rate: Double, measured: Double, bounds: ClosedRange<Double>) -> Double {
        guard measured.isFinite, measured >= 0 else { return rate }
        let variableTarget = setPoint - fixedCurrent
        let variableMeasured = measured - fixedCurrent
        let factor: Double
        if variableMeasured <= 0 {
            // Everything measured is below the fixed estimate: no information on the rate's cost; grow cautiously.
            factor = maximumStep
        } else {
            let ratio = variableTarget / variableMeasured
            let gain = ratio < 1 ? decreaseGain : increaseGain
            factor = min(max(pow(ratio, gain), 1 / maximumStep), maximumStep)
        }
        return min(max(rate * factor, bounds.lowerBound), bounds.upperBound)
    }
}

