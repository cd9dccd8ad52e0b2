import CGPIOD
import Foundation
import MoteHAL
import MoteLinux
import XCTest

/// The libgpiod bridge on a machine without GPIO chips: what the real library does with paths that are not chips,
/// and, through a fake `GPIODCalls`, how errors, settings, releases and events are handled above the shim.
final class LinuxGPIOTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "mote-gpio-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Which libgpiod

    func testAPIVersionMatchesTheLibraryLoadedAtRunTime() {
        XCTAssertTrue([1, 2].contains(LinuxGPIO.apiVersion), "CGPIOD_API_VERSION is \(LinuxGPIO.apiVersion)")
        XCTAssertTrue(
            LinuxGPIO.libraryVersion.hasPrefix("\(LinuxGPIO.apiVersion)."),
            "built against libgpiod v\(LinuxGPIO.apiVersion) headers, running libgpiod \(LinuxGPIO.libraryVersion)")
    }

    func testAPIVersionIsTheOneTheBuildAskedFor() throws {
        guard let expected = ProcessInfo.processInfo.environment["MOTE_EXPECT_GPIOD_API"] else {
            throw XCTSkip("MOTE_EXPECT_GPIOD_API is not set; `make test-gpiod-v2` sets it to check the v2 build")
        }
        XCTAssertEqual(String(LinuxGPIO.apiVersion), expected, "libgpiod \(LinuxGPIO.libraryVersion)")
    }

    // MARK: - Real libgpiod, paths that are not GPIO chips

    func testOpeningAMissingPathThrowsNoSuchDevice() {
        let path = directory + "/gpiochip0"
        assertThrows(try LinuxGPIOChip(path: path)) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            XCTAssertEqual(error.errno, ENOENT)
            XCTAssertEqual(error.device, path)
            XCTAssertNotNil(error.hint, "a missing gpiochip should point at `mote gpio detect`")
        }
    }

    func testOpeningACharacterDeviceThatIsNotAGPIOChipThrowsNoSuchDevice() {
        // libgpiod 1.6 checks /sys/bus/gpio/devices/<name>/dev and says ENOTTY; 2.x resolves
        // /sys/dev/char/<major:minor>/subsystem and says ENODEV (ENOENT when sysfs is not mounted).
        let sysfsMounted = FileManager.default.fileExists(atPath: "/sys/dev/char")
        let expected: Int32 = LinuxGPIO.apiVersion == 1 ? ENOTTY : sysfsMounted ? ENODEV : ENOENT
        assertThrows(try LinuxGPIOChip(path: "/dev/null")) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            XCTAssertEqual(error.errno, expected)
            XCTAssertEqual(error.device, "/dev/null")
            XCTAssertTrue(error.detail.contains("not a GPIO chip"), error.detail)
        }
    }

    func testOpeningARegularFileThrowsNoSuchDevice() throws {
        let path = directory + "/gpiochip0"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("not a chip".utf8)))
        assertThrows(try LinuxGPIOChip(path: path)) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            XCTAssertEqual(error.errno, ENOTTY)  // both versions: not a character device
            XCTAssertTrue(error.detail.contains("not a GPIO chip"), error.detail)
        }
    }

    func testOpeningADirectoryThrowsNoSuchDevice() {
        assertThrows(try LinuxGPIOChip(path: directory)) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            // 1.6 opens before it checks (EISDIR); 2.x checks first (ENOTTY).
            XCTAssertEqual(error.errno, LinuxGPIO.apiVersion == 1 ? EISDIR : ENOTTY)
        }
    }

    // MARK: - Listing and selecting chips

    func testChipsListsEveryGPIOChipNodeOfThisMachine() throws {
        let nodes = try FileManager.default.contentsOfDirectory(atPath: "/dev")
            .filter { $0.hasPrefix("gpiochip") && Int($0.dropFirst("gpiochip".count)) != nil }
            .sorted { Int($0.dropFirst(8)) ?? 0 < Int($1.dropFirst(8)) ?? 0 }
        // Here (no gpiochip nodes) an empty list, not an error; in the VM tier, one entry per node, in order.
        XCTAssertEqual(try LinuxGPIO.chips().map(\.path), nodes.map { "/dev/" + $0 })
    }

    func testChipsSkipsNodesThatAreNotGPIOChips() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/gpiochip0", contents: Data()))
        try FileManager.default.createDirectory(atPath: directory + "/gpiochip1", withIntermediateDirectories: false)
        XCTAssertEqual(try LinuxGPIO.chips(in: directory, calls: LibGPIODCalls()), [])
    }

    func testChipsAreInNumberOrderAndNonChipsAreSkipped() throws {
        for name in ["gpiochip10", "gpiochip2", "gpiochip0", "gpiochipX", "gpiochip", "i2c-1"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data()))
        }
        let fake = FakeGPIOD()
        fake.chips["\(directory)/gpiochip10"] = FakeGPIOD.Chip(name: "gpiochip10", label: "ten", lines: 4)
        fake.chips["\(directory)/gpiochip2"] = FakeGPIOD.Chip(name: "gpiochip2", label: "two", lines: 8)
        fake.openErrors["\(directory)/gpiochip0"] = ENOTTY
        let chips = try LinuxGPIO.chips(in: directory, calls: fake)
        XCTAssertEqual(chips.map(\.name), ["gpiochip2", "gpiochip10"])
        XCTAssertEqual(chips.map(\.label), ["two", "ten"])
        XCTAssertEqual(chips.map(\.lineCount), [8, 4])
        XCTAssertEqual(fake.closedChips, 2, "every chip opened for listing is closed again")
    }

    func testChipsThrowsWhenAChipCannotBeOpened() {
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/gpiochip0", contents: Data()))
        let fake = FakeGPIOD()
        fake.openErrors["\(directory)/gpiochip0"] = EACCES
        assertThrows(try LinuxGPIO.chips(in: directory, calls: fake)) { error in
            XCTAssertEqual(error.kind, .permissionDenied)
            XCTAssertEqual(error.device, "\(directory)/gpiochip0")
            XCTAssertTrue(error.hint?.contains("gpio group") == true, error.description)
        }
    }

    func testSelectorsThatMatchNothingThrowNoSuchDevice() {
        for selector: GPIOChipSelector in [.name("gpiochip7"), .number(7)] {
            assertThrows(try LinuxGPIO.open(selector, in: directory, calls: LibGPIODCalls())) { error in
                XCTAssertEqual(error.kind, .noSuchDevice, "\(selector)")
                XCTAssertEqual(error.device, "\(directory)/gpiochip7")
            }
        }
        assertThrows(try LinuxGPIO.open(.label("mote-no-such-label"), in: directory, calls: LibGPIODCalls())) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            XCTAssertEqual(error.device, "mote-no-such-label")
            XCTAssertTrue(error.detail.contains("there are no GPIO chips"), error.detail)
        }
        assertThrows(try LinuxGPIO.open(.path(directory + "/gpiochip3"))) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            XCTAssertEqual(error.device, directory + "/gpiochip3")
        }
        assertThrows(try LinuxGPIO.open(.label("mote-no-such-label-\(UUID().uuidString)"))) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
        }
    }

    func testLabelSelectorOpensTheChipWithThatLabelAndListsTheOthersWhenMissing() throws {
        for name in ["gpiochip0", "gpiochip1"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data()))
        }
        let fake = FakeGPIOD()
        fake.chips["\(directory)/gpiochip0"] = FakeGPIOD.Chip(name: "gpiochip0", label: "pinctrl-bcm2711", lines: 58)
        fake.chips["\(directory)/gpiochip1"] =
            FakeGPIOD.Chip(name: "gpiochip1", label: "raspberrypi-exp-gpio", lines: 8)
        let chip = try LinuxGPIO.open(.label("raspberrypi-exp-gpio"), in: directory, calls: fake)
        XCTAssertEqual(chip.info.path, "\(directory)/gpiochip1")
        XCTAssertEqual(chip.info.lineCount, 8)
        assertThrows(try LinuxGPIO.open(.label("gpio-sim"), in: directory, calls: fake)) { error in
            XCTAssertEqual(error.kind, .noSuchDevice)
            XCTAssertTrue(error.detail.contains("gpiochip0 (pinctrl-bcm2711), gpiochip1"), error.detail)
        }
    }

    // MARK: - Requests, through a fake libgpiod

    func testABusyLineIsReportedAsBusyNamingTheLineAndItsHolder() throws {
        let (fake, chip) = try openFakeChip(lines: 32)
        fake.lineInfos[17] = FakeGPIOD.line(name: "GPIO17", consumer: "gpio-fan", used: true)
        fake.lineInfos[18] = FakeGPIOD.line(name: "GPIO18", consumer: nil, used: false)
        fake.requestResult = -EBUSY
        assertThrows(try chip.requestLines([17, 18], settings: .input(), consumer: "mote")) { error in
            XCTAssertEqual(error.kind, .busy)
            XCTAssertEqual(error.errno, EBUSY)
            XCTAssertEqual(error.device, chip.path)
            XCTAssertTrue(error.detail.contains("line 17 \"GPIO17\" (in use by \"gpio-fan\")"), error.detail)
            XCTAssertFalse(error.detail.contains("18"), error.detail)
        }
    }

    func testOffsetsOutsideTheChipAreInvalidArguments() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        for offsets in [[8], [-1], [3, 3], []] {
            assertThrows(try chip.requestLines(offsets, settings: .input(), consumer: "mote")) { error in
                XCTAssertEqual(error.kind, .invalidArgument, "\(offsets)")
                XCTAssertEqual(error.device, chip.path)
            }
        }
        assertThrows(try chip.lineInfo(8)) { error in
            XCTAssertEqual(error.kind, .invalidArgument)
            XCTAssertTrue(error.detail.contains("no line 8: gpiochip0 has 8 lines"), error.detail)
        }
        XCTAssertEqual(fake.requests.count, 0, "nothing invalid reaches libgpiod")
    }

    func testSettingsReachTheShimAsRequested() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        let output = GPIOLineSettings.output(.active, drive: .openDrain, activeLow: true)
        _ = try chip.requestLines([5, 2], settings: output, consumer: "mote-led")
        var input = GPIOLineSettings.input(bias: .pullUp, edge: .both)
        input.debounce = .microseconds(1500) + .nanoseconds(1)
        _ = try chip.requestLines([3], settings: input, consumer: "mote-button")

        XCTAssertEqual(fake.requests.count, 2)
        let (offsets, settings, values, consumer) = fake.requests[0]
        XCTAssertEqual(offsets, [5, 2])
        XCTAssertEqual(settings.direction, CGPIOD_DIRECTION_OUTPUT)
        XCTAssertEqual(settings.drive, CGPIOD_DRIVE_OPEN_DRAIN)
        XCTAssertTrue(settings.active_low)
        XCTAssertEqual(values, [1, 1])
        XCTAssertEqual(consumer, "mote-led")
        let button = fake.requests[1]
        XCTAssertEqual(button.settings.direction, CGPIOD_DIRECTION_INPUT)
        XCTAssertEqual(button.settings.bias, CGPIOD_BIAS_PULL_UP)
        XCTAssertEqual(button.settings.edge, CGPIOD_EDGE_BOTH)
        XCTAssertEqual(button.settings.debounce_us, 1501, "a part of a microsecond rounds up")
    }

    func testEdgeDetectionOnOutputsAndNegativeDebounceAreRefused() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        var settings = GPIOLineSettings.output(.inactive)
        settings.edge = .rising
        assertThrows(try chip.requestLines([1], settings: settings, consumer: "mote")) { error in
            XCTAssertEqual(error.kind, .invalidArgument)
        }
        var negative = GPIOLineSettings.input()
        negative.debounce = .milliseconds(-1)
        assertThrows(try chip.requestLines([1], settings: negative, consumer: "mote")) { error in
            XCTAssertEqual(error.kind, .invalidArgument)
        }
        XCTAssertEqual(fake.requests.count, 0)
    }

    func testDebounceTheLibraryCannotDoIsUnsupported() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        fake.requestResult = -EOPNOTSUPP  // what the v1 shim answers to any debounce
        var settings = GPIOLineSettings.input(edge: .falling)
        settings.debounce = .milliseconds(5)
        assertThrows(try chip.requestLines([4], settings: settings, consumer: "mote")) { error in
            XCTAssertEqual(error.kind, .unsupported)
            XCTAssertEqual(error.errno, EOPNOTSUPP)
            if LinuxGPIO.apiVersion == 1 {
                XCTAssertTrue(error.detail.contains("needs libgpiod v2"), error.detail)
            }
        }
    }

    func testReleaseGivesTheLinesBackOnceAndLaterCallsThrow() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        let request = try chip.requestLines([1, 2], settings: .output(.inactive), consumer: "mote")
        request.release()
        request.release()
        XCTAssertEqual(fake.releasedRequests, 1)
        assertThrows(try request.values()) { error in
            XCTAssertEqual(error.kind, .invalidArgument)
            XCTAssertTrue(error.detail.contains("lines 1, 2 were released"), error.detail)
        }
        assertThrows(try request.setValues([1: .active])) { XCTAssertEqual($0.kind, .invalidArgument) }
    }

    func testDroppingTheRequestReleasesItAndTheChipClosesAfterItsRequests() throws {
        let fake = FakeGPIOD()
        fake.chips["/dev/gpiochip0"] = FakeGPIOD.Chip(name: "gpiochip0", label: "sim", lines: 8)
        var request: (any GPIOLineRequest)?
        do {
            let chip = try LinuxGPIOChip(path: "/dev/gpiochip0", calls: fake)
            request = try chip.requestLines([0], settings: .input(), consumer: "mote")
        }
        XCTAssertEqual(fake.closedChips, 0, "the request keeps its chip open")
        XCTAssertEqual(request?.offsets, [0])
        request = nil
        XCTAssertEqual(fake.releasedRequests, 1)
        XCTAssertEqual(fake.closedChips, 1)
    }

    func testClosingTheChipReleasesItsRequests() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        let first = try chip.request([0], settings: .input(), consumer: "mote")
        let second = try chip.request([1], settings: .input(), consumer: "mote")
        second.release()
        chip.close()
        XCTAssertFalse(first.isHeld)
        XCTAssertEqual(fake.releasedRequests, 2)
        XCTAssertEqual(fake.closedChips, 1)
        assertThrows(try chip.lineInfo(0)) { XCTAssertEqual($0.kind, .invalidArgument) }
    }

    func testValuesAndSetValues() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        let request = try chip.requestLines([6, 4], settings: .output(.inactive), consumer: "mote")
        fake.currentValues = [1, 0]
        XCTAssertEqual(try request.values(), [.active, .inactive])
        try request.setValues([6: .active, 4: .inactive])
        XCTAssertEqual(fake.setCalls.last?.offsets, [4, 6])
        XCTAssertEqual(fake.setCalls.last?.values, [0, 1])
        assertThrows(try request.setValues([5: .active])) { error in
            XCTAssertEqual(error.kind, .invalidArgument)
            XCTAssertTrue(error.detail.contains("line 5 is not in this request"), error.detail)
        }
        let input = try chip.requestLines([1], settings: .input(), consumer: "mote")
        assertThrows(try input.setValues([1: .active])) { XCTAssertEqual($0.kind, .invalidArgument) }
        XCTAssertEqual(fake.setCalls.count, 1)
    }

    func testEdgeEventsComeBackOldestFirstAfterAnInterruptedWait() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        let request = try chip.requestLines([2, 3], settings: .input(edge: .both), consumer: "mote")
        fake.waitResults = [-EINTR, 1]
        fake.pendingEvents = [
            CGPIOD_edge_event(offset: 2, rising: true, timestamp_ns: 3_000),
            CGPIOD_edge_event(offset: 2, rising: false, timestamp_ns: 9_000),
            CGPIOD_edge_event(offset: 3, rising: true, timestamp_ns: 5_000),
        ]
        let events = try request.waitForEdgeEvents(timeout: .milliseconds(250))
        XCTAssertEqual(fake.waitTimeouts, [250_000_000, 250_000_000], "EINTR is retried with the same timeout")
        XCTAssertEqual(
            events,
            [
                GPIOEdgeEvent(offset: 2, kind: .rising, timestamp: .nanoseconds(3_000)),
                GPIOEdgeEvent(offset: 3, kind: .rising, timestamp: .nanoseconds(5_000)),
                GPIOEdgeEvent(offset: 2, kind: .falling, timestamp: .nanoseconds(9_000)),
            ])
        fake.waitResults = [0]
        XCTAssertEqual(try request.waitForEdgeEvents(timeout: .seconds(-1)), [])
        XCTAssertEqual(fake.waitTimeouts.last, 0, "a negative timeout polls")
    }

    func testWaitingForEdgesOnLinesWithoutEdgeDetectionIsAnInvalidArgument() throws {
        let (fake, chip) = try openFakeChip(lines: 8)
        let request = try chip.requestLines([2], settings: .input(), consumer: "mote")
        assertThrows(try request.waitForEdgeEvents(timeout: .zero)) { XCTAssertEqual($0.kind, .invalidArgument) }
        XCTAssertEqual(fake.waitTimeouts, [])
    }

    // MARK: - Helpers

    private func openFakeChip(lines: Int) throws -> (FakeGPIOD, LinuxGPIOChip) {
        let fake = FakeGPIOD()
        fake.chips["/dev/gpiochip0"] = FakeGPIOD.Chip(name: "gpiochip0", label: "fake", lines: UInt32(lines))
        return (fake, try LinuxGPIOChip(path: "/dev/gpiochip0", calls: fake))
    }

    private func assertThrows<T>(
        _ expression: @autoclosure () throws(HardwareError) -> T, file: StaticString = #filePath, line: UInt = #line,
        _ check: (HardwareError) -> Void
    ) {
        do {
            let value = try expression()
            XCTFail("expected a HardwareError, got \(value)", file: file, line: line)
        } catch {
            check(error)
        }
    }
}

/// A libgpiod that never touches the kernel: it answers from its tables and records what it was asked.
private final class FakeGPIOD: GPIODCalls {
    struct Chip {
        var name: String
        var label: String
        var lines: UInt32
    }

    var chips: [String: Chip] = [:]
    var openErrors: [String: Int32] = [:]
    var lineInfos: [UInt32: CGPIOD_line_info] = [:]
    var requestResult: Int32 = 0
    var currentValues: [Int32] = []
    var waitResults: [Int32] = []
    var pendingEvents: [CGPIOD_edge_event] = []

    private(set) var closedChips = 0
    typealias Request = (offsets: [UInt32], settings: CGPIOD_line_settings, values: [Int32], consumer: String)

    private(set) var requests: [Request] = []
    private(set) var releasedRequests = 0
    private(set) var setCalls: [(offsets: [UInt32], values: [Int32])] = []
    private(set) var waitTimeouts: [Int64] = []

    private var openChips: [Int: Chip] = [:]

    static func line(name: String, consumer: String?, used: Bool) -> CGPIOD_line_info {
        var info = CGPIOD_line_info()
        info.used = used
        withUnsafeMutableBytes(of: &info.name) { copy(name, into: $0) }
        withUnsafeMutableBytes(of: &info.consumer) { copy(consumer ?? "", into: $0) }
        return info
    }

    private static func copy(_ text: String, into buffer: UnsafeMutableRawBufferPointer) {
        for (index, byte) in text.utf8.prefix(buffer.count - 1).enumerated() { buffer[index] = byte }
    }

    func openChip(_ path: String, _ chip: inout OpaquePointer?) -> Int32 {
        if let error = openErrors[path] { return -error }
        guard let found = chips[path] else { return -ENOENT }
        let key = 0x1000 + openChips.count * 0x10
        openChips[key] = found
        chip = OpaquePointer(bitPattern: key)
        return 0
    }

    func closeChip(_ chip: OpaquePointer) { closedChips += 1 }

    func chipInfo(_ chip: OpaquePointer, _ info: inout CGPIOD_chip_info) -> Int32 {
        guard let found = openChips[Int(bitPattern: chip)] else { return -EBADF }
        withUnsafeMutableBytes(of: &info.name) { Self.copy(found.name, into: $0) }
        withUnsafeMutableBytes(of: &info.label) { Self.copy(found.label, into: $0) }
        info.num_lines = found.lines
        return 0
    }

    func lineInfo(_ chip: OpaquePointer, _ offset: UInt32, _ info: inout CGPIOD_line_info) -> Int32 {
        info = lineInfos[offset] ?? CGPIOD_line_info()
        return 0
    }

    func requestLines(
        _ chip: OpaquePointer, _ offsets: [UInt32], _ settings: CGPIOD_line_settings, _ outputValues: [Int32],
        _ consumer: String, _ request: inout UnsafeMutablePointer<CGPIOD_request>?
    ) -> Int32 {
        guard requestResult >= 0 else { return requestResult }
        requests.append((offsets, settings, outputValues, consumer))
        request = UnsafeMutablePointer<CGPIOD_request>.allocate(capacity: 1)
        return 0
    }

    func release(_ request: UnsafeMutablePointer<CGPIOD_request>) {
        releasedRequests += 1
        request.deallocate()
    }

    func values(_ request: UnsafeMutablePointer<CGPIOD_request>, _ values: inout [Int32]) -> Int32 {
        values = currentValues
        return 0
    }

    func setValues(_ request: UnsafeMutablePointer<CGPIOD_request>, _ offsets: [UInt32], _ values: [Int32]) -> Int32 {
        setCalls.append((offsets, values))
        return 0
    }

    func waitForEdgeEvents(_ request: UnsafeMutablePointer<CGPIOD_request>, timeoutNanoseconds: Int64) -> Int32 {
        waitTimeouts.append(timeoutNanoseconds)
        return waitResults.isEmpty ? 0 : waitResults.removeFirst()
    }

    func readEdgeEvents(_ request: UnsafeMutablePointer<CGPIOD_request>, _ events: inout [CGPIOD_edge_event])
        -> Int32
    {
        let count = min(events.count, pendingEvents.count)
        for index in 0..<count { events[index] = pendingEvents[index] }
        pendingEvents.removeFirst(count)
        return Int32(count)
    }
}
