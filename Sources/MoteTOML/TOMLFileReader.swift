import Foundation
import TOMLKit

/// Why a TOML file (a scenario, a power profile, a user's energy configuration) could not be used: the file, the
/// line when known, and what was expected.
public struct TOMLFileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file as the user named it (or a `<built-in …>` placeholder for embedded text).
    public var file: String
    /// The 1-based line the mistake is on, when it can be located.
    public var line: Int?
    /// What was wrong and what was expected: `address = 0x99 is out of range (0x0–0x7f)`.
    public var message: String

    /// Creates an error about `file`, at `line` when known.
    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `FILE:LINE: message`, or `FILE: message` when no line is known.
    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }

    /// The message for a file that could not be read at all: `no such file`, `permission denied`, or
    /// `not readable as UTF-8 text`. Callers map the first two onto their own exit codes.
    public static func readFailure(_ path: String) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "not readable as UTF-8 text"
    }
}

/// Reads typed values out of a parsed TOML document, turning every mistake into a `TOMLFileError` whose line is the
/// one that sets the offending key (or the header of the table it is in).
///
/// A location is an array-of-tables path: `[("i2c", 1), ("i2c.device", 0)]` is the first `[[i2c.device]]` of the
/// second `[[i2c]]`; the empty path is the document's top level.
public struct TOMLFileReader: Sendable {
    /// The file the text came from, as errors name it.
    public let file: String
    private let lines: [Substring]

    /// A reader for `text`, which came from `file`.
    public init(file: String, text: String) {
        self.file = file
        self.lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    /// Parses `text` as TOML, reporting a syntax error at the line TOMLKit names.
    public func parse(_ text: String) throws(TOMLFileError) -> TOMLTable {
        do {
            return try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw TOMLFileError(file: file, line: error.source.begin.line,
                                message: "not valid TOML: \(error.description)")
        } catch {
            throw TOMLFileError(file: file, line: nil, message: "not valid TOML: \(error)")
        }
    }

    /// An error about `key` inside the array-of-tables element `path` (e.g. second `[[i2c.device]]` of the first
    /// `[[i2c]]`), located on the line that sets the key, or the element's header line.
    public func error(at path: [(String, Int)], key: String?, _ message: String) -> TOMLFileError {
        TOMLFileError(file: file, line: locate(path, key: key), message: message)
    }

    private func locate(_ path: [(String, Int)], key: String?) -> Int? {
        // Walk the headers, counting [[name]] occurrences within their parent, until the wanted element's header.
        var counts: [String: Int] = [:]
        var depth = 0
        var headerLine: Int?
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            if line.hasPrefix("[[") {
                let name = String(line.dropFirst(2).prefix { $0 != "]" }).filter { $0 != " " }
                for other in counts.keys where other.hasPrefix(name + ".") { counts[other] = nil }
                counts[name, default: -1] += 1
                if depth < path.count, name == path[depth].0, counts[name] == path[depth].1 {
                    depth += 1
                    if depth == path.count { headerLine = index + 1 }
                    continue
                }
                if headerLine != nil || path.isEmpty { break }
            } else if line.hasPrefix("[") {
                if headerLine != nil || path.isEmpty { break }
            } else if let key, headerLine != nil || path.isEmpty {
                let name = line.prefix { $0 != "=" }.filter { $0 != " " && $0 != "\t" }
                if name == key, line.contains("=") { return index + 1 }
            }
        }
        return headerLine
    }

    /// Throws for the first key of `table` (in sorted order) that is not in `allowed`, listing the allowed ones.
    public func allowKeys(_ table: TOMLTable, _ allowed: Set<String>, at path: [(String, Int)]) throws(TOMLFileError) {
        for key in table.keys.sorted() where !allowed.contains(key) {
            throw error(at: path, key: key,
                        "unknown key \"\(key)\"; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// The tables of the array of tables `key` (`[[key]]` sections), or none when the key is absent.
    public func tables(_ table: TOMLTable, _ key: String, at path: [(String, Int)]) throws(TOMLFileError)
        -> [TOMLTable]
    {
        guard let value = table[key] else { return [] }
        guard let array = value.array else {
            throw error(at: path, key: key, "\(key) must be an array of tables: write [[\(key)]] sections")
        }
        var result: [TOMLTable] = []
        for element in array {
            guard let table = element.table else {
                throw error(at: path, key: key, "every element of \(key) must be a table")
            }
            result.append(table)
        }
        return result
    }

    /// A required integer within `range`; `hex` shows bounds and values in hexadecimal.
    public func integer(_ table: TOMLTable, _ key: String, at path: [(String, Int)], in range: ClosedRange<Int>,
                        hex: Bool = false) throws(TOMLFileError) -> Int
    {
        let show = { (value: Int) in hex ? "0x" + String(value, radix: 16) : String(value) }
        guard let value = table[key] else {
            throw error(at: path, key: nil,
                        "missing \(key) = (an integer from \(show(range.lowerBound)) to \(show(range.upperBound)))")
        }
        guard let number = value.int else {
            throw error(at: path, key: key, "\(key) must be an integer, found \(value.debugDescription)")
        }
        guard range.contains(number) else {
            let bounds = "\(show(range.lowerBound))–\(show(range.upperBound))"
            throw error(at: path, key: key, "\(key) = \(show(number)) is out of range (\(bounds))")
        }
        return number
    }

    /// An optional number (integer or float) within `range`.
    public func double(_ table: TOMLTable, _ key: String, at path: [(String, Int)], in range: ClosedRange<Double>)
        throws(TOMLFileError) -> Double?
    {
        guard let value = table[key] else { return nil }
        guard let number = value.double ?? value.int.map(Double.init) else {
            throw error(at: path, key: key, "\(key) must be a number, found \(value.debugDescription)")
        }
        guard range.contains(number) else {
            throw error(at: path, key: key,
                        "\(key) = \(number) is out of range (\(range.lowerBound)–\(range.upperBound))")
        }
        return number
    }

    /// An optional string.
    public func string(_ table: TOMLTable, _ key: String, at path: [(String, Int)]) throws(TOMLFileError) -> String? {
        guard let value = table[key] else { return nil }
        guard let string = value.string else {
            throw error(at: path, key: key, "\(key) must be a string, found \(value.debugDescription)")
        }
        return string
    }

    /// An optional boolean.
    public func bool(_ table: TOMLTable, _ key: String, at path: [(String, Int)]) throws(TOMLFileError) -> Bool? {
        guard let value = table[key] else { return nil }
        guard let bool = value.bool else {
            throw error(at: path, key: key, "\(key) must be true or false, found \(value.debugDescription)")
        }
        return bool
    }
}
