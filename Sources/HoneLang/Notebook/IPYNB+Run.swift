import Foundation
import HoneModels

/// Running a `.ipynb` notebook: it is converted to its Markdown form in memory and run by
/// `Notebook`; `updated(with:)` puts each run cell's output back into its code cell.
extension IPYNB {
    /// What a Jupyter notebook runs as: the Markdown notebook, whose places name the `.ipynb` cell
    /// (`tour.ipynb cell 4:2`), and which code cell each Markdown cell came from.
    public struct Runnable {
        public let notebook: Notebook
        /// For each Markdown cell index, the index of the `.ipynb` cell it came from.
        public let codeCells: [Int: Int]
    }

    public func runnable(path: String) -> Runnable {
        let (text, starts) = markdownRendering()
        let cells = self.cells
        let origin: (Int) -> (name: String, line: Int) = { line in
            guard let k = starts.lastIndex(where: { $0 <= line }) else { return (path, line + 1) }
            return ("\(path) cell \(k + 1)", line - starts[k] + (cells[k].kind == .code ? 0 : 1))
        }
        let notebook = Notebook(path: path, text: text, origin: origin)
        var codeCells: [Int: Int] = [:]
        for (index, cell) in notebook.cells.enumerated() {
            if let k = starts.lastIndex(of: cell.openLine), cells[k].kind == .code { codeCells[index] = k }
        }
        return Runnable(notebook: notebook, codeCells: codeCells)
    }

    /// The notebook with the outputs of the cells that ran in `result` replaced; every other cell,
    /// id and metadata is kept.
    public func updated(with result: Notebook.Result, of runnable: Runnable) -> IPYNB {
        var copy = self
        for (index, output) in result.outputs {
            guard let k = runnable.codeCells[index] else { continue }
            copy.cells[k].outputs = IPYNB.outputs(ofRun: output)
        }
        return copy
    }
}

extension IPYNB {
    /// Writes the notebook's text to `path` atomically, unless it is byte for byte `old`.
    public func write(to path: String, unlessEqualTo old: Data? = nil) throws {
        let bytes = Array(text.utf8)
        if let old, old.elementsEqual(bytes) { return }
        try AtomicFile.write(bytes, to: path)
    }
}

extension IPYNB {
    /// Writes converted text so that a reader never sees half of it.
    public static func writeAtomically(_ text: String, to path: String) throws {
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}
