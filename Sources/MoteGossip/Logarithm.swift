/// Natural logarithm without Foundation (the instance needs it only for Lifeguard's suspicion timeout): x = m · 2^e
/// with m in [1, 2), ln x = e · ln 2 + 2 · atanh((m − 1)/(m + 1)), the series converging to double precision within
/// 20 terms since |t| ≤ 1/3. Returns −∞ for 0 and NaN for negative or NaN input.
func naturalLogarithm(_ x: Double) -> Double {
    guard x > 0 else { return x == 0 ? -.infinity : .nan }
    guard x.isFinite else { return x }
    let exponent = Double(x.exponent)
    let significand = x.significand
    let t = (significand - 1) / (significand + 1)
    let tSquared = t * t
    var term = t
    var sum = 0.0
    var denominator = 1.0
    for _ in 0..<20 {
        sum += term / denominator
        term *= tSquared
        denominator += 2
    }
    return exponent * 0.693_147_180_559_945_3 + 2 * sum
}

/// Base-10 logarithm (`naturalLogarithm(x) / ln 10`).
func decimalLogarithm(_ x: Double) -> Double {
    naturalLogarithm(x) / 2.302_585_092_994_046
}
