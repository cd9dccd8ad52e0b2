import CGPIOD

/// The raw libgpiod calls, one method per CGPIOD shim function and nothing else; `LinuxGPIOChip` and its line
/// requests are written against this so that tests can substitute a fake that returns any errno (EBUSY, EINTR)
/// without a GPIO chip.
///
/// Every method that can fail returns a non-negative result on success and `-errno` on failure.
package protocol GPIODCalls {
    func openChip(_ path: String, _ chip: inout OpaquePointer?) -> Int32
    func closeChip(_ chip: OpaquePointer)
    func chipInfo(_ chip: OpaquePointer, _ info: inout CGPIOD_chip_info) -> Int32
    func lineInfo(_ chip: OpaquePointer, _ offset: UInt32, _ info: inout CGPIOD_line_info) -> Int32
    func requestLines(
        _ chip: OpaquePointer, _ offsets: [UInt32], _ settings: CGPIOD_line_settings, _ outputValues: [Int32],
        _ consumer: String, _ request: inout UnsafeMutablePointer<CGPIOD_request>?
    ) -> Int32
    func release(_ request: UnsafeMutablePointer<CGPIOD_request>)
    /// Fills `values` (one per requested line, in request order).
    func values(_ request: UnsafeMutablePointer<CGPIOD_request>, _ values: inout [Int32]) -> Int32
    func setValues(_ request: UnsafeMutablePointer<CGPIOD_request>, _ offsets: [UInt32], _ values: [Int32]) -> Int32
    /// 1 when events are pending, 0 on timeout.
    func waitForEdgeEvents(_ request: UnsafeMutablePointer<CGPIOD_request>, timeoutNanoseconds: Int64) -> Int32
    /// Reads up to `events.count` pending events without blocking; returns how many it wrote.
    func readEdgeEvents(_ request: UnsafeMutablePointer<CGPIOD_request>, _ events: inout [CGPIOD_edge_event])
        -> Int32
}

/// The real calls, into libgpiod through the CGPIOD shim.
package struct LibGPIODCalls: GPIODCalls {
    package init() {}

    package func openChip(_ path: String, _ chip: inout OpaquePointer?) -> Int32 { CGPIOD_chip_open(path, &chip) }
    package func closeChip(_ chip: OpaquePointer) { CGPIOD_chip_close(chip) }
    package func chipInfo(_ chip: OpaquePointer, _ info: inout CGPIOD_chip_info) -> Int32 {
        CGPIOD_chip_get_info(chip, &info)
    }
    package func lineInfo(_ chip: OpaquePointer, _ offset: UInt32, _ info: inout CGPIOD_line_info) -> Int32 {
        CGPIOD_chip_get_line_info(chip, offset, &info)
    }
    package func requestLines(
        _ chip: OpaquePointer, _ offsets: [UInt32], _ settings: CGPIOD_line_settings, _ outputValues: [Int32],
        _ consumer: String, _ request: inout UnsafeMutablePointer<CGPIOD_request>?
    ) -> Int32 {
        var settings = settings
        return CGPIOD_chip_request_lines(chip, offsets, offsets.count, &settings, outputValues, consumer, &request)
    }
    package func release(_ request: UnsafeMutablePointer<CGPIOD_request>) { CGPIOD_request_release(request) }
    package func values(_ request: UnsafeMutablePointer<CGPIOD_request>, _ values: inout [Int32]) -> Int32 {
        CGPIOD_request_get_values(request, &values)
    }
    package func setValues(_ request: UnsafeMutablePointer<CGPIOD_request>, _ offsets: [UInt32], _ values: [Int32])
        -> Int32
    {
        CGPIOD_request_set_values(request, offsets.count, offsets, values)
    }
    package func waitForEdgeEvents(_ request: UnsafeMutablePointer<CGPIOD_request>, timeoutNanoseconds: Int64)
        -> Int32
    {
        CGPIOD_request_wait_edge_events(request, timeoutNanoseconds)
    }
    package func readEdgeEvents(_ request: UnsafeMutablePointer<CGPIOD_request>, _ events: inout [CGPIOD_edge_event])
        -> Int32
    {
        let capacity = events.count
        return CGPIOD_request_read_edge_events(request, &events, capacity)
    }
}
