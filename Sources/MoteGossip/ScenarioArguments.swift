/// A simulator argument that does not parse; `description` says what was expected.
public struct ScenarioArgumentError: Error, CustomStringConvertible, Equatable {
    /// One line: the option, the value, and the expected form.
    public var description: String

    init(_ option: String, _ value: String, expected: String) {
        description = "\(option) \(value): expected \(expected)"
    }
}

extension GossipTopology {
    /// `complete` or `random:K` (K from 2 to 64).
    public init(parsing text: String) throws(ScenarioArgumentError) {
        if text == "complete" {
            self = .complete
            return
        }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "random", let degree = Int(parts[1]), (2...64).contains(degree) else {
            throw ScenarioArgumentError("--topology", text, expected: "complete or random:K with K from 2 to 64")
        }
        self = .random(degree: degree)
    }
}

extension GossipChurn {
    /// `P` or `P:D`: crash probability per node per round (0 ..< 1), and rounds down before restarting (0: never;
    /// default 10).
    public init(parsing text: String) throws(ScenarioArgumentError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let expected = "P or P:D, a crash probability per node per round below 1 and rounds down before a restart"
        guard (1...2).contains(parts.count), let probability = Double(parts[0]), (0..<1).contains(probability) else {
            throw ScenarioArgumentError("--churn", text, expected: expected)
        }
        var downtime = 10
        if parts.count == 2 {
            guard let rounds = Int(parts[1]), rounds >= 0 else {
                throw ScenarioArgumentError("--churn", text, expected: expected)
            }
            downtime = rounds
        }
        self.init(crashProbability: probability, downtimeRounds: downtime)
    }
}

extension ScriptedCrash {
    /// `K@R`: K nodes crash at the start of round R (both at least 1).
    public init(parsing text: String) throws(ScenarioArgumentError) {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int(parts[0]), count >= 1, let round = Int(parts[1]), round >= 1 else {
            throw ScenarioArgumentError("--crash", text, expected: "K@R, K nodes crashing at round R")
        }
        self.init(count: count, round: round)
    }
}

extension GossipPartition {
    /// `F@S-E` or `F@S`: a fraction F (0 < F < 1) of the nodes is cut off from round S until round E (> S), or for
    /// good.
    public init(parsing text: String) throws(ScenarioArgumentError) {
        let expected = "F@S-E or F@S, a fraction between 0 and 1 cut off from round S until round E"
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let fraction = Double(parts[0]), fraction > 0, fraction < 1 else {
            throw ScenarioArgumentError("--partition", text, expected: expected)
        }
        let rounds = parts[1].split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(rounds.count), let start = Int(rounds[0]), start >= 1 else {
            throw ScenarioArgumentError("--partition", text, expected: expected)
        }
        var end = 0
        if rounds.count == 2 {
            guard let last = Int(rounds[1]), last > start else {
                throw ScenarioArgumentError("--partition", text, expected: expected)
            }
            end = last
        }
        self.init(fraction: fraction, start: start, end: end)
    }
}
