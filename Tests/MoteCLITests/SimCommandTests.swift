import Foundation
import XCTest

/// `mote sim gossip` end to end: deterministic output, the per-round fields, and bad input.
final class SimCommandTests: MoteProcessTestCase {
    func testSimulationPrintsOneJSONObjectPerRoundAndIsDeterministic() throws {
        let arguments = ["sim", "gossip", "--nodes", "50", "--rounds", "12", "--loss", "0.1", "--seed", "7",
                         "--format", "json"]
        let first = try mote(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let lines = first.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 12)
        let rounds = try lines.map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        XCTAssertEqual(rounds.map { $0["round"] as? Int }, Array(1...12))
        for round in rounds {
            XCTAssertEqual(round["live_nodes"] as? Int, 50)
            XCTAssertNotNil(round["worst_average_relative_error"] as? Double)
            XCTAssertNotNil(round["messages_per_node"] as? Double)
            XCTAssertNotNil(round["membership_accuracy"] as? Double)
        }
        let firstError = try XCTUnwrap(rounds.first?["worst_average_relative_error"] as? Double)
        let lastError = try XCTUnwrap(rounds.last?["worst_average_relative_error"] as? Double)
        XCTAssertLessThan(lastError, firstError, "the average converges under 10 % loss")
        XCTAssertEqual(try mote(arguments).stdout, first.stdout, "the same seed gives the same output")
    }

    func testBadInputIsOneLineAndUsage() throws {
        try assertFails(["sim", "gossip", "--nodes", "0"], code: 64, saying: "--nodes must be from 1")
        try assertFails(["sim", "gossip", "--loss", "2"], code: 64, saying: "--loss must be from 0 to 0.95")
        try assertFails(["sim", "gossip", "--topology", "bogus"], code: 64, saying: "expected complete or random:K")
        try assertFails(["sim", "gossip", "--crash", "x"], code: 64, saying: "expected K@R")
        try assertFails(["sim", "gossip", "--partition", "2@1"], code: 64, saying: "expected F@S-E or F@S")
    }
}
