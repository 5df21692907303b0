import Foundation

/// The REPL's history file: `HONE_HISTORY`, else `~/.hone_history`; `HONE_HISTORY=` (empty)
/// keeps no file.
///
/// The file is in libedit's format, so `read_history` loads it: a `_HiStOrY_V2_` line, then one
/// entry a line, with blanks, backslashes and control characters written as octal escapes
/// (`\040`), as libedit's `strvis(…, VIS_WHITE)` does. A multi-line entry (a `for` block) is one
/// line in the file and comes back from the Up arrow as one entry.
///
/// Each entry is appended as soon as it is typed, with one `write` to a file opened for
/// appending, so a crash or a kill keeps it and two sessions don't overwrite each other.
/// libedit's own `append_history(n, …)` writes n + 1 entries in this version
/// (3.1-20221030), and its `history_truncate_file` drops the format line, so neither is used.
struct HistoryFile {
    static let formatLine = "_HiStOrY_V2_"
    /// Entries kept: older ones are dropped when the REPL starts.
    static let limit = 1000

    let path: String

    /// The history file the environment asks for, or nil for none.
    static func path(environment: [String: String]) -> String? {
        if let path = environment["HONE_HISTORY"] { return path.isEmpty ? nil : path }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.hone_history"
    }

    /// Makes sure the file can be used: absent, empty, or in libedit's format. Trims it to the
    /// last `limit` entries, replacing it atomically. A file in another format is left alone.
    func prepare() throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let data = FileManager.default.contents(atPath: path) else { throw HistoryError(path: path, reason: "it cannot be read") }
        if data.isEmpty { return }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.first.map({ Array($0) == Array(Self.formatLine.utf8) }) == true else {
            throw HistoryError(path: path, reason: "it is not a history file (its first line is not \(Self.formatLine))")
        }
        let entries = lines.dropFirst().filter { !$0.isEmpty }
        if entries.count > Self.limit {
            var kept = Array(Self.formatLine.utf8) + [UInt8(ascii: "\n")]
            for entry in entries.suffix(Self.limit) { kept += entry + [UInt8(ascii: "\n")] }
            try? Data(kept).write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }

    /// Appends one entry, writing the format line first when the file is new or empty.
    func append(_ entry: String) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw HistoryError(path: path, reason: String(cString: strerror(errno)).lowercased()) }
        defer { close(fd) }
        var line = Self.encode(entry) + "\n"
        if lseek(fd, 0, SEEK_END) == 0 { line = Self.formatLine + "\n" + line }
        var bytes = Array(line.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw HistoryError(path: path, reason: String(cString: strerror(errno)).lowercased()) }
            bytes = bytes.dropFirst(written)
        }
    }

    /// One entry as a line of libedit's history file: blanks, `\` and control characters as
    /// three-digit octal escapes, everything else (UTF-8 included) as it is.
    static func encode(_ entry: String) -> String {
        var out: [UInt8] = []
        for byte in entry.utf8 {
            if byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "\\") {
                out += [UInt8(ascii: "\\"), UInt8(ascii: "0") + (byte >> 6), UInt8(ascii: "0") + ((byte >> 3) & 7), UInt8(ascii: "0") + (byte & 7)]
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

struct HistoryError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot use the history file `\(path)`: \(reason)" }
}
