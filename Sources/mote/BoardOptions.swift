import ArgumentParser
import MoteHAL
import MoteLinux
import MoteSimulation

/// Chooses the hardware: this machine's devices, or a simulated board.
struct BoardOptions: ParsableArguments {
    @Flag(help: """
        Use a simulated board instead of this machine's devices: the built-in default board (a BME280 at 0x76 and \
        an SHT31 at 0x44 on bus 1, an 8-line GPIO chip), or the scenario given as --simulate FILE.toml.
        """)
    var simulate = false

    @Option(help: ArgumentHelp("The simulated board's scenario file (TOML); implies --simulate.", valueName: "file"))
    var scenario: String?

    /// Opens the board the options name; a simulated board runs on `clock`.
    func board(clock: any SimulationClock = MonotonicClock()) throws -> any Board {
        guard simulate || scenario != nil else { return LinuxBoard() }
        do {
            guard let scenario else { return try SimulatedBoard.defaultBoard(clock: clock) }
            return try SimulatedBoard.load(path: scenario, clock: clock)
        } catch {
            throw Failure(error)
        }
    }
}

/// Runs `body`, turning a hardware error into the CLI's one-line failure.
func hardware<T>(_ body: () throws(HardwareError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw Failure(error)
    }
}
