import MoteHAL

/// Why a text is not a byte-mode `i2cdump` listing.
public struct I2CDumpParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The 1-based line the problem is on.
    public var line: Int
    /// What was expected there and what was found.
    public var message: String

    public var description: String { "line \(line): \(message)" }
}

/// A register image as `i2cdump -y BUS ADDRESS` prints it in its default byte mode: 256 registers, each a value or
/// unreadable (`XX`), or absent from a partial dump (`-r`).
public enum I2CDumpImage {
    /// The header line of a byte-mode dump, which a parse looks for before the rows.
    static let header = "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f"

    /// Parses dump text; lines before the header (i2cdump's "No size specified" note, warnings) are ignored.
    ///
    /// Returns 256 registers, nil where the dump holds `XX` or nothing. Word-mode and other layouts are refused
    /// with the line that gave them away.
    public static func parse(_ text: String) throws(I2CDumpParseError) -> [UInt8?] {
        var registers = [UInt8?](repeating: nil, count: 256)
        var seenHeader = false
        var seenRows = Set<Int>()
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = Array(rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine)
            if !seenHeader {
                let trimmed = String(line).trimmingCharacters()
                if trimmed.hasPrefix("0,8") {
                    throw I2CDumpParseError(
                        line: lineNumber, message: "word-mode dump; replay needs a byte-mode dump (i2cdump -y BUS ADDR)")
                }
                if trimmed.hasPrefix("0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f") { seenHeader = true }
                continue
            }
            if String(line).trimmingCharacters().isEmpty { continue }
            guard line.count >= 4, line[2] == ":", line[3] == " ",
                let row = Int(String(line[0..<2]), radix: 16), row % 16 == 0
            else {
                throw I2CDumpParseError(
                    line: lineNumber, message: "expected a row like '00: 60 00 ...', found '\(String(line))'")
            }
            guard seenRows.insert(row).inserted else {
                throw I2CDumpParseError(line: lineNumber, message: "row \(hex2(UInt8(row))): appears twice")
            }
            for column in 0..<16 {
                let start = 4 + column * 3
                let cell = start + 2 <= line.count ? String(line[start..<start + 2]) : "  "
                if start + 2 < line.count, line[start + 2] != " " {
                    throw I2CDumpParseError(
                        line: lineNumber, message: "row \(hex2(UInt8(row))): cells must be separated by one space")
                }
                switch cell {
                case "XX", "  ":
                    registers[row + column] = nil
                default:
                    guard let value = UInt8(cell, radix: 16), cell.allSatisfy(\.isHexDigit) else {
                        throw I2CDumpParseError(
                            line: lineNumber,
                            message: "row \(hex2(UInt8(row))), column \(String(column, radix: 16)): "
                                + "expected two hex digits or XX, found '\(cell)'")
                    }
                    registers[row + column] = value
                }
            }
        }
        guard seenHeader else {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            throw I2CDumpParseError(
                line: lines, message: "no i2cdump header ('     0  1  2 ... f') found: is this a byte-mode i2cdump?")
        }
        guard !seenRows.isEmpty else {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).count
            throw I2CDumpParseError(line: lines, message: "the dump has a header but no rows")
        }
        return registers
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (Foundation-free).
    func trimmingCharacters() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
