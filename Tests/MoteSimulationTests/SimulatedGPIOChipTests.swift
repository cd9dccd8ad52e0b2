import MoteHAL
import MoteSimulation
import XCTest

final class SimulatedGPIOChipTests: XCTestCase {
    var clock: ManualClock!
    var chip: SimulatedGPIOChip!

    override func setUp() {
        clock = ManualClock()
        chip = SimulatedGPIOChip(
            name: "gpiochip0", label: "test",
            lines: [SimulatedLine(name: "LED"), SimulatedLine(name: "BUTTON", boardPull: true),
                    SimulatedLine(name: "BUSY", heldBy: "kernel"), SimulatedLine()],
            clock: clock,
            stimuli: [GPIOStimulus(offset: 1, at: .milliseconds(100), level: false),
                      GPIOStimulus(offset: 1, at: .milliseconds(150), level: nil)])
    }

    func testInputsFollowBiasThenBoardPull() throws {
        let floating = try chip.requestLines([3], settings: .input(), consumer: "t")
        XCTAssertEqual(try floating.values(), [.inactive])
        floating.release()
        let pulled = try chip.requestLines([3], settings: .input(bias: .pullUp), consumer: "t")
        XCTAssertEqual(try pulled.values(), [.active])
        let button = try chip.requestLines([1], settings: .input(activeLow: true), consumer: "t")
        XCTAssertEqual(try button.values(), [.inactive], "board pull-up read active-low")
    }

    func testOutputIsSeenOnThePinAndInLineInfo() throws {
        let led = try chip.requestLines([0], settings: .output(.active), consumer: "blink")
        XCTAssertTrue(chip.physicalLevel(0))
        try led.setValues([0: .inactive])
        XCTAssertFalse(chip.physicalLevel(0))
        let info = try chip.lineInfo(0)
        XCTAssertEqual(info.consumer, "blink")
        XCTAssertEqual(info.direction, .output)
        XCTAssertTrue(info.used)
        XCTAssertThrowsError(try led.setValues([3: .active])) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .invalidArgument)
        }
        let inverted = try chip.requestLines([3], settings: .output(.active, activeLow: true), consumer: "t")
        XCTAssertFalse(chip.physicalLevel(3), "active-low output drives the pin low")
        _ = inverted
    }

    func testBusyLinesAreRefusedAndReleasedLinesAreFree() throws {
        XCTAssertThrowsError(try chip.requestLines([2], settings: .input(), consumer: "t")) { error in
            XCTAssertEqual((error as? HardwareError)?.kind, .busy)
            XCTAssertTrue("\(error)".contains("in use by kernel"), "\(error)")
        }
        var request: (any GPIOLineRequest)? = try chip.requestLines([0], settings: .input(), consumer: "a")
        XCTAssertThrowsError(try chip.requestLines([0], settings: .input(), consumer: "b"))
        request = nil
        XCTAssertNil(request)
        XCTAssertNoThrow(try chip.requestLines([0], settings: .input(), consumer: "b"), "dropping a request frees it")
        XCTAssertThrowsError(try chip.requestLines([9], settings: .input(), consumer: "t")) {
            XCTAssertEqual(($0 as? HardwareError)?.kind, .invalidArgument)
        }
    }

    func testEdgeEventsCarryTheStimulusTimes() throws {
        let request = try chip.requestLines([1], settings: .input(edge: .both), consumer: "mon")
        let first = try request.waitForEdgeEvents(timeout: .seconds(1))
        XCTAssertEqual(first, [GPIOEdgeEvent(offset: 1, kind: .falling, timestamp: .milliseconds(100))])
        let second = try request.waitForEdgeEvents(timeout: .seconds(1))
        XCTAssertEqual(second, [GPIOEdgeEvent(offset: 1, kind: .rising, timestamp: .milliseconds(150))])
        XCTAssertEqual(try request.waitForEdgeEvents(timeout: .seconds(1)), [], "timeout with nothing left")
        XCTAssertEqual(clock.now, .milliseconds(1150))
    }

    func testRisingOnlyAndActiveLowInvertTheEdge() throws {
        let request = try chip.requestLines([1], settings: .input(edge: .rising, activeLow: true), consumer: "m")
        // Physically falling at 100 ms is a logical rising edge on an active-low line.
        XCTAssertEqual(try request.waitForEdgeEvents(timeout: .seconds(1)).map(\.kind), [.rising])
        XCTAssertEqual(try request.waitForEdgeEvents(timeout: .seconds(1)), [])
    }

    func testDebounceSwallowsBouncesShorterThanThePeriod() throws {
        var settings = GPIOLineSettings.input(edge: .both)
        settings.debounce = .milliseconds(10)
        let request = try chip.requestLines([3], settings: settings, consumer: "m")
        chip.drive(3, level: true)
        clock.advance(by: .milliseconds(2))
        chip.drive(3, level: false)  // a 2 ms bounce: no edge
        clock.advance(by: .milliseconds(20))
        chip.drive(3, level: true)  // stays high
        let events = try request.waitForEdgeEvents(timeout: .milliseconds(50))
        XCTAssertEqual(events, [GPIOEdgeEvent(offset: 3, kind: .rising, timestamp: .milliseconds(32))])
    }
}

final class SimulatedGPIODriveTests: XCTestCase {
    func testOpenDrainPullsLowAndOtherwiseLetsTheBiasWin() throws {
        let chip = SimulatedGPIOChip(name: "gpiochip0", label: "t", lines: [SimulatedLine(boardPull: true)],
                                     clock: ManualClock())
        let line = try chip.requestLines([0], settings: .output(.inactive, drive: .openDrain), consumer: "t")
        XCTAssertFalse(chip.physicalLevel(0))
        try line.setValues([0: .active])
        XCTAssertTrue(chip.physicalLevel(0), "released: the board's pull-up holds it high")
        line.release()
        let source = try chip.requestLines([0], settings: .output(.inactive, drive: .openSource), consumer: "t")
        chip.drive(0, level: false)
        XCTAssertFalse(chip.physicalLevel(0), "open source does not drive low; the outside world does")
        try source.setValues([0: .active])
        XCTAssertTrue(chip.physicalLevel(0))
    }
}
