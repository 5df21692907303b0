import Foundation

/// `history_request`: the cells this kernel ran with `store_history`, numbered by their
/// execution count. History lives as long as the kernel's session: a restart starts a fresh
/// session with an empty history, as its variables are fresh. All of it is session 1 (the
/// protocol's sessions are the kernel's; a negative `session` in a range counts back from the
/// current one, so -1… and 0 also name it).
struct CellHistory {
    struct Entry {
        var line: Int
        var input: String
        var output: String
    }
    private(set) var entries: [Entry] = []

    mutating func record(line: Int, input: String, output: String) {
        entries.append(Entry(line: line, input: input, output: output))
    }

    func reply(_ content: [String: Any]) -> [String: Any] {
        let withOutput = content["output"] as? Bool ?? false
        let access = content["hist_access_type"] as? String ?? "tail"
        var chosen: [Entry]
        switch access {
        case "range":
            let session = content["session"] as? Int ?? 0
            guard session <= 1 else { return ["status": "ok", "history": [Any]()] }
            let start = content["start"] as? Int ?? 0
            let stop = content["stop"] as? Int
            chosen = entries.filter { e in e.line >= start && (stop.map { e.line < $0 } ?? true) }
        case "search":
            let pattern = content["pattern"] as? String ?? "*"
            chosen = entries.filter { Self.matches($0.input, glob: pattern) }
            if content["unique"] as? Bool ?? false {
                var seen: Set<String> = []
                chosen = chosen.reversed().filter { seen.insert($0.input).inserted }.reversed()
            }
            if let n = content["n"] as? Int, n > 0 { chosen = Array(chosen.suffix(n)) }
        default:
            let n = content["n"] as? Int ?? 10
            chosen = Array(entries.suffix(max(0, n)))
        }
        let history: [Any] = chosen.map { e in
            withOutput ? [1, e.line, [e.input, e.output]] as [Any] : [1, e.line, e.input] as [Any]
        }
        return ["status": "ok", "history": history]
    }

    /// IPython's search pattern: a glob where `*` is any text and `?` one character, matched
    /// against the whole input.
    static func matches(_ text: String, glob: String) -> Bool {
        let t = Array(text), p = Array(glob)
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            if let known = memo[i * (p.count + 1) + j] { return known }
            let result: Bool
            if j == p.count { result = i == t.count }
            else if p[j] == "*" { result = match(i, j + 1) || (i < t.count && match(i + 1, j)) }
            else { result = i < t.count && (p[j] == "?" || p[j] == t[i]) && match(i + 1, j + 1) }
            memo[i * (p.count + 1) + j] = result
            return result
        }
        return match(0, 0)
    }
}
