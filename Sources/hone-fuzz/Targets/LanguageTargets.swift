import Foundation
@testable import HoneLang

enum LanguageTargets {
    /// One session for every input: `prepare` only parses and checks, so nothing runs and the
    /// session stays as it was made.
    nonisolated(unsafe) static let interpreter = Interpreter(session: Session(output: CapturedOutput()))
    static let renderer = DiagnosticRenderer()

    static let script = FuzzTarget(
        name: "script", summary: "a whole script through the lexer, parser and checker, its errors rendered with their carets",
        seeds: [.files(.repository, "Tests/HoneLangTests/Scripts", ending: [".hone"]),
                SeedSource(root: .repository, folder: "tutorials", matches: { $0.hasSuffix(".md") }, seeds: codeCells),
                SeedSource(root: .repository, folder: "docs", matches: { $0 == "LANGUAGE.md" }, seeds: codeCells)]
    ) { bytes in
        do {
            _ = try interpreter.prepare(SourceFile(name: "fuzz.hone", text: bytes.text))
        } catch let list as HoneErrorList {
            for error in list.errors { _ = renderer.render(error) }
        } catch {}
    }

    /// Every ```` ```hone ```` cell of a Markdown notebook, one seed each.
    static func codeCells(_ url: URL) -> [Data] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return Notebook(path: url.path, text: text).cells.map { Data($0.code.utf8) }
    }

    static let notebook = FuzzTarget(
        name: "notebook", summary: "the Markdown notebook reader, and .ipynb read, turned into Markdown and back",
        seeds: [.files(.repository, "tutorials", ending: [".md", ".ipynb"])]
    ) { bytes in
        let text = bytes.text
        let markdown = Notebook(path: "fuzz.md", text: text)
        _ = markdown.updatedText(with: Notebook.Result())
        _ = IPYNB(markdown: text).markdownRendering()
        if let ipynb = try? IPYNB(path: "fuzz.ipynb", data: Data(bytes)) {
            _ = ipynb.runnable(path: "fuzz.ipynb").notebook.cells.count
        }
    }

    /// Frames of a Jupyter message are separated by NUL bytes in the input (JSON never holds one).
    static let frameSeparator: UInt8 = 0
    nonisolated(unsafe) static let unsigned = MessageSigner(key: "")
    nonisolated(unsafe) static let signed = MessageSigner(key: "hone-fuzz")

    static let jupyterMessage = FuzzTarget(
        name: "jupyter-message", summary: "the kernel's Jupyter message decoder, with signing off and on",
        seeds: [SeedSource(root: .repository, folder: "tutorials", matches: { $0.hasSuffix(".md") }, seeds: requests)]
    ) { bytes in
        let frames = bytes.split(separator: frameSeparator, omittingEmptySubsequences: false).map(Array.init)
        for signer in [unsigned, signed] {
            if let message = try? KernelMessage(frames: frames, signer: signer) {
                _ = message.frames(signer: signer)
            }
        }
    }

    /// Requests a front end sends, made with the kernel's own encoder: kernel_info, and an
    /// execute, complete and inspect request for each of a tutorial's first cells, half of them
    /// signed with the key the target checks.
    static func requests(_ url: URL) -> [Data] {
        let cells = codeCells(url).prefix(3).map { String(decoding: $0, as: UTF8.self) }
        var messages = [KernelMessage(type: "kernel_info_request", content: [:], parent: nil, session: "fuzz")]
        for code in cells {
            messages.append(KernelMessage(type: "execute_request", content: ["code": code, "silent": false, "store_history": true,
                                                                            "user_expressions": [String: Any](), "allow_stdin": false], parent: nil, session: "fuzz"))
            messages.append(KernelMessage(type: "complete_request", content: ["code": code, "cursor_pos": code.count], parent: nil, session: "fuzz"))
        }
        return messages.enumerated().map { index, message in
            var message = message
            message.identities = [Array("client-\(index)".utf8)]
            let frames = message.frames(signer: index.isMultiple(of: 2) ? signed : unsigned)
            return Data(frames.joined(separator: [frameSeparator]))
        }
    }
}
