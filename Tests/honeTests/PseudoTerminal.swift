import Foundation
import Glibc

/// A program running on its own pseudo-terminal, driven as a person at a keyboard drives it:
/// bytes written to the master side are keystrokes (`\u{03}` is Ctrl-C, which the terminal turns
/// into SIGINT), and what the program writes is read back and replayed on a small `Screen`.
final class PseudoTerminal {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let pid: pid_t
    private let master: Int32
    /// Everything the program has written so far.
    private(set) var output: [UInt8] = []
    /// Where the next `expect` starts looking.
    private var mark = 0
    private var exitStatus: Int32?

    /// Starts `executable` in a new session whose controlling terminal is a fresh pty, with the
    /// pty's slave side as its standard input, output and error.
    init(executable: String, arguments: [String] = [], environment: [String: String]) throws {
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw Failure(description: "cannot open /dev/ptmx: \(String(cString: strerror(errno)))") }
        // unlockpt, ptsname and the window size; the ioctl numbers are Linux's (Swift does not
        // import the _IOR/_IOW macros, nor posix_openpt without _XOPEN_SOURCE).
        var unlock: Int32 = 0
        var number: UInt32 = 0
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(master, UInt(0x4004_5431) /* TIOCSPTLCK */, &unlock) == 0,
            ioctl(master, UInt(0x8004_5430) /* TIOCGPTN */, &number) == 0,
            ioctl(master, UInt(TIOCSWINSZ), &size) == 0
        else {
            close(master)
            throw Failure(description: "cannot set up the pseudo-terminal: \(String(cString: strerror(errno)))")
        }
        let slave = "/dev/pts/\(number)"

        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        // POSIX_SPAWN_SETSID (glibc's 0x80, not imported): the child leads a new session, so the
        // terminal it opens next becomes its controlling terminal. The test runs on a thread that
        // blocks signals (as Dispatch's workers do) and the child would inherit that mask, so
        // Ctrl-C never arrived: it starts with no signal blocked and SIGINT's default action.
        var noSignals = sigset_t()
        var defaults = sigset_t()
        sigemptyset(&noSignals)
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGQUIT, SIGTSTP, SIGTERM, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawn_file_actions_addopen(&actions, 0, slave, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            close(master)
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        self.pid = pid
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
        }
        close(master)
    }

    /// Types `keys`.
    func type(_ keys: String) {
        var bytes = Array(keys.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Reads what is available, waiting at most `timeout` seconds for something; returns false
    /// at the end of output (the program closed the terminal or exited).
    @discardableResult
    private func read(waiting timeout: Double) -> Bool {
        var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(0, timeout * 1000)))
        guard ready > 0 else { return true }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
        if n > 0 {
            output += buffer[..<n]
            return true
        }
        return n < 0 && errno == EINTR
    }

    /// Waits until `condition` holds for the output, failing after `timeout` seconds.
    func wait(for what: String, timeout: Double = 20, until condition: () -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { throw Failure(description: "timed out after \(timeout) s waiting for \(what); the terminal shows:\n\(transcript)") }
            guard read(waiting: min(left, 0.1)) else {
                if condition() { return }
                throw Failure(description: "the program ended while waiting for \(what); the terminal shows:\n\(transcript)")
            }
        }
    }

    /// Waits for `text` to appear in the output after the last match; returns the output from
    /// the last match up to and including `text`.
    @discardableResult
    func expect(_ text: String, timeout: Double = 20) throws -> String {
        let needle = Array(text.utf8)
        var found: Int?
        try wait(for: "`\(text.debugDescription)`", timeout: timeout) {
            found = PseudoTerminal.index(of: needle, in: output, from: mark)
            return found != nil
        }
        let end = found! + needle.count
        let seen = String(decoding: output[mark..<end], as: UTF8.self)
        mark = end
        return seen
    }

    /// The output not yet consumed by `expect`, after waiting `seconds` for more.
    func pending(after seconds: Double) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while deadline.timeIntervalSinceNow > 0 { if !read(waiting: deadline.timeIntervalSinceNow) { break } }
        return String(decoding: output[mark...], as: UTF8.self)
    }

    /// The text on the cursor's line before the cursor, as a terminal would show it.
    var lineBeforeCursor: String { Screen(String(decoding: output, as: UTF8.self)).lineBeforeCursor }

    /// Waits for the line before the cursor to read `text`.
    func expectLine(_ text: String, timeout: Double = 20) throws {
        try wait(for: "the line to read `\(text)`", timeout: timeout) { lineBeforeCursor == text }
        mark = output.count
        try waitUntilEditing(timeout: timeout)
    }

    /// Waits for the program to exit; returns its exit status (128 + N after signal N).
    func waitForExit(timeout: Double = 20) throws -> Int32 {
        if let exitStatus { return exitStatus }
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            read(waiting: 0.05)
            var status: Int32 = 0
            let done = waitpid(pid, &status, WNOHANG)
            if done == pid {
                let signal = status & 0x7F
                exitStatus = signal == 0 ? (status >> 8) & 0xFF : 128 + signal
                while read(waiting: 0.05) && PseudoTerminal.hasMore(master) {}
                return exitStatus!
            }
            guard deadline.timeIntervalSinceNow > 0 else {
                throw Failure(description: "the program did not exit within \(timeout) s; the terminal shows:\n\(transcript)")
            }
        }
    }

    private static func hasMore(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0 && descriptor.revents & Int16(POLLIN) != 0
    }

    /// The screen's lines so far and the raw output, for failure messages.
    var transcript: String {
        let lines = Screen(String(decoding: output, as: UTF8.self)).lines.map { "  | " + $0 }
        return lines.joined(separator: "\n") + "\n  raw: " + String(decoding: output, as: UTF8.self).debugDescription
    }

    /// Whether the program has taken the terminal out of canonical mode, as libedit does while
    /// it reads a line (on Linux the master side reports the slave's settings).
    var isEditing: Bool {
        var settings = termios()
        return tcgetattr(master, &settings) == 0 && settings.c_lflag & UInt32(ICANON) == 0
    }

    /// Waits until the line editor is reading keys. libedit draws its prompt before it switches
    /// the terminal to raw mode, so keys sent the instant a prompt appears are handled by the
    /// terminal's cooked mode instead (echoed twice; Ctrl-D lost). A person can't type that fast.
    func waitUntilEditing(timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !isEditing {
            guard deadline.timeIntervalSinceNow > 0 else {
                throw Failure(description: "the terminal did not leave canonical mode within \(timeout) s; it shows:\n\(transcript)")
            }
            read(waiting: 0.002)
        }
    }

    static func index(of needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return needle.isEmpty ? start : nil }
        var i = start
        while i + needle.count <= haystack.count {
            if haystack[i] == needle[0] && Array(haystack[i..<i + needle.count]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// Enough of a terminal to replay libedit's output: printable text (East Asian wide characters
/// take two columns, as libedit counts them), CR, LF, backspace, tab, and the CSI sequences that
/// move the cursor or erase the line; others (colours, bells) are skipped.
struct Screen {
    /// Each row's cells; the second cell of a wide character is nil.
    private(set) var rows: [[Character?]] = [[]]
    private var row = 0
    private var column = 0

    init(_ text: String) {
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            switch scalar {
            case "\r": column = 0
            case "\n":
                row += 1
                if row == rows.count { rows.append([]) }
            case "\u{08}": column = max(0, column - 1)
            case "\t": column = (column / 8 + 1) * 8
            case "\u{07}": break
            case "\u{1B}":
                guard scalars.first == "[" else {
                    _ = scalars.popFirst()
                    continue
                }
                scalars.removeFirst()
                var parameters = ""
                while let next = scalars.first, !(("@"..."~").contains(next)) { parameters.unicodeScalars.append(scalars.removeFirst()) }
                guard let final = scalars.popFirst() else { break }
                apply(final, Int(parameters.split(separator: ";").first ?? "") ?? nil)
            default:
                guard scalar.value >= 0x20 else { continue }
                put(Character(scalar), width: Screen.isWide(scalar) ? 2 : 1)
            }
        }
    }

    private mutating func put(_ character: Character, width: Int) {
        while rows[row].count < column + width { rows[row].append(" ") }
        rows[row][column] = character
        if width == 2 { rows[row][column + 1] = nil }
        column += width
    }

    /// Wide (two-column) scalars: CJK, Hangul, full-width forms.
    static func isWide(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x1100...0x115F, 0x2E80...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F,
            0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x20000...0x3FFFD:
            return true
        default:
            return false
        }
    }

    private mutating func apply(_ final: Unicode.Scalar, _ n: Int?) {
        switch final {
        case "G": column = max(0, (n ?? 1) - 1)
        case "C": column += n ?? 1
        case "D": column = max(0, column - (n ?? 1))
        case "A": row = max(0, row - (n ?? 1))
        case "B":
            row += n ?? 1
            while rows.count <= row { rows.append([]) }
        case "K":
            switch n ?? 0 {
            case 0: if column < rows[row].count { rows[row].removeSubrange(column...) }
            case 1: for i in 0..<min(column + 1, rows[row].count) { rows[row][i] = " " }
            default: rows[row] = []
            }
        default: break
        }
    }

    var lines: [String] { rows.map { String($0.compactMap { $0 }) } }

    var lineBeforeCursor: String {
        let cells = rows[row].prefix(column)
        return String(cells.compactMap { $0 }) + String(repeating: " ", count: max(0, column - rows[row].count))
    }
}
