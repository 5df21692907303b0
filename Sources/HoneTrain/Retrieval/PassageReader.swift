import Foundation

/// Turns documents into passages. Paragraphs are the unit because a retrieved passage is pasted
/// into a prompt: it should be one self-contained piece of text, short enough to fit several.
///
/// - A text file (any extension but `.jsonl` and `.json`) splits at blank lines; a file without blank lines
///   splits per line, so a file of one fact per line needs no reformatting.
/// - A folder contributes every `.txt` and `.md` file below it (hidden ones skipped), sorted by
///   path, so the passage order, and so tie-breaking, is the same on every machine.
/// - A `.jsonl` file gives one passage per record: its `"text"` field if that is a string, else
///   its string and number fields joined by newlines in file order. A `.json` file holding an
///   array of such objects is read the same way, each passage at the line its object starts.
public enum PassageReader {
    public static let documentExtensions = ["txt", "md"]

    public static func passages(at path: String) throws(RetrievalError) -> [Passage] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RetrievalError(.unreadable, path: path, "no such file or folder")
        }
        let passages: [Passage]
        if isDirectory.boolValue {
            let files = documentFiles(in: path)
            if files.isEmpty { throw RetrievalError(.empty, path: path, "the folder holds no .txt or .md file") }
            var all: [Passage] = []
            for file in files { all += try passagesOfFile(file) }
            passages = all
        } else {
            passages = try passagesOfFile(path)
        }
        if passages.isEmpty { throw RetrievalError(.empty, path: path, "no text to index (the documents are empty)") }
        return passages
    }

    /// The `.txt` and `.md` files below `folder`, sorted by path.
    static func documentFiles(in folder: String) -> [String] {
        let root = URL(fileURLWithPath: folder)
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey],
                                                          options: [.skipsHiddenFiles]) else { return [] }
        var files: [String] = []
        for case let url as URL in walker where documentExtensions.contains(url.pathExtension.lowercased()) {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                let relative = String(url.path.dropFirst(root.path.count)).drop { $0 == "/" }
                files.append((folder as NSString).appendingPathComponent(String(relative)))
            }
        }
        return files.sorted()
    }

    static func passagesOfFile(_ path: String) throws(RetrievalError) -> [Passage] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw RetrievalError(.unreadable, path: path, "cannot read the file as UTF-8 text: \(error.localizedDescription)")
        }
        if path.lowercased().hasSuffix(".jsonl") { return try jsonLines(text, file: path) }
        if path.lowercased().hasSuffix(".json") { return try jsonArray(text, file: path) }
        return paragraphs(text, file: path)
    }

    /// Blank-line-separated paragraphs (or, with no blank line, single lines), trimmed, each with
    /// the line it starts on.
    public static func paragraphs(_ text: String, file: String) -> [Passage] {
        let lines = splitLines(text)
        let isBlank = { (line: Substring) in line.allSatisfy(\.isWhitespace) }
        let nonBlank = lines.enumerated().filter { !isBlank($0.element) }
        let hasParagraphBreak = nonBlank.count > 1 && zip(nonBlank, nonBlank.dropFirst()).contains { $1.offset - $0.offset > 1 }
        guard hasParagraphBreak else {
            return nonBlank.map { Passage(text: $0.element.trimmingCharacters(in: .whitespaces), source: PassageSource(file: file, line: $0.offset + 1)) }
        }
        var passages: [Passage] = []
        var current: [Substring] = []
        var start = 0
        for (i, line) in lines.enumerated() {
            if isBlank(line) {
                if !current.isEmpty { passages.append(paragraph(current, file, start)) }
                current = []
            } else {
                if current.isEmpty { start = i + 1 }
                current.append(line)
            }
        }
        if !current.isEmpty { passages.append(paragraph(current, file, start)) }
        return passages
    }

    /// Lines ending in LF or CRLF (Swift reads "\r\n" as one character, so splitting on "\n"
    /// alone would miss Windows line ends).
    static func splitLines(_ text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    }

    static func paragraph(_ lines: [Substring], _ file: String, _ line: Int) -> Passage {
        Passage(text: lines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines), source: PassageSource(file: file, line: line))
    }
}
