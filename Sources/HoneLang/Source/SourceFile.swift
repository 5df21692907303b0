/// A piece of hone source: a script, `<stdin>`, `<command-line>`, one REPL entry, or one notebook
/// cell. Positions are UTF-8 byte offsets into `text`; lines and columns are derived for display.
///
/// A notebook cell keeps the line on which it starts in the `.md` file (`firstLine`), so that an
/// error in a cell points into the notebook itself rather than into the cell.
public final class SourceFile: Sendable {
    public let name: String
    public let text: String
    public let bytes: [UInt8]
    /// The 1-based line of the enclosing file on which this source's first line stands.
    public let firstLine: Int
    /// The directory that relative paths in this source resolve against (`run FILE`).
    public let directory: String
    private let lineStarts: [Int]

    public init(name: String, text: String, firstLine: Int = 1, directory: String? = nil) {
        self.name = name
        self.text = text
        self.bytes = Array(text.utf8)
        self.firstLine = firstLine
        self.directory = directory ?? SourceFile.directoryOf(path: name)
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        self.lineStarts = starts
    }

    /// The 0-based index of the line holding `offset`.
    func lineIndex(of offset: Int) -> Int {
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= offset { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// The 1-based line and column of `offset`, the column counted in characters.
    public func lineAndColumn(of offset: Int) -> (line: Int, column: Int) {
        let clamped = max(0, min(offset, bytes.count))
        let index = lineIndex(of: clamped)
        let start = lineStarts[index]
        let prefix = String(decoding: bytes[start..<clamped], as: UTF8.self)
        return (firstLine + index, prefix.count + 1)
    }

    /// The text of the line holding `offset`, without its newline.
    public func lineText(containing offset: Int) -> String {
        let index = lineIndex(of: max(0, min(offset, bytes.count)))
        let start = lineStarts[index]
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    public func text(in range: SourceRange) -> String {
        let lo = max(0, min(range.start, bytes.count)), hi = max(lo, min(range.end, bytes.count))
        return String(decoding: bytes[lo..<hi], as: UTF8.self)
    }

    public static func directoryOf(path: String) -> String {
        if path.hasPrefix("<") { return FileSystemPath.currentDirectory() }
        guard let slash = path.lastIndex(of: "/") else { return FileSystemPath.currentDirectory() }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }
}

/// A half-open range of bytes in one source.
public struct SourceRange: Sendable {
    public let file: SourceFile
    public let start: Int
    public let end: Int

    public init(file: SourceFile, start: Int, end: Int) {
        self.file = file
        self.start = start
        self.end = max(start, end)
    }

    public func to(_ other: SourceRange) -> SourceRange {
        SourceRange(file: file, start: min(start, other.start), end: max(end, other.end))
    }

    public var text: String { file.text(in: self) }
}
