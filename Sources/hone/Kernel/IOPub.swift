import Foundation
import HoneLang

/// The iopub channel: one PUB socket, shared by the shell and control threads behind a lock.
final class IOPub: @unchecked Sendable {
    private let socket: ZMQSocket
    private let signer: MessageSigner
    private let session: String
    private let lock = NSLock()

    init(socket: ZMQSocket, signer: MessageSigner, session: String) {
        self.socket = socket
        self.signer = signer
        self.session = session
    }

    func publish(_ type: String, _ content: KernelMessage.JSON, parent: KernelMessage?) {
        var message = KernelMessage(type: type, content: content, parent: parent, session: session)
        message.identities = [Array("kernel.\(session).\(type)".utf8)]  // the PUB topic
        let frames = message.frames(signer: signer)
        lock.lock()
        defer { lock.unlock() }
        socket.send(frames)
    }

    func status(_ state: String, parent: KernelMessage?) {
        publish("status", ["execution_state": state], parent: parent)
    }
}

/// Sends a cell's output to iopub, answering the cell's request: text as `stream` on stdout,
/// values as `execute_result`, tables and plots as `display_data` with their HTML or SVG beside
/// the plain text, and live displays as `update_display_data` once shown. Volatile output
/// (times, tokens/s) goes as `display_data` marked `{"hone": {"volatile": true}}`, so a client
/// comparing a notebook's outputs with the Markdown run's can leave it out, as the Markdown
/// runner does. A silent cell's output goes nowhere.
final class StreamOutput: OutputSink {
    let iopub: IOPub
    var parent: KernelMessage?
    var silent = false
    var executionCount = 0
    private var shownDisplays: Set<String> = []

    init(iopub: IOPub) { self.iopub = iopub }

    var showsLiveDisplays: Bool { true }

    func emit(_ text: String, _ kind: OutputKind) {
        guard !silent, !text.isEmpty else { return }
        if kind == .volatile {
            display(Display(text: text.hasSuffix("\n") ? String(text.dropLast()) : text, kind: .volatile))
        } else {
            iopub.publish("stream", ["name": "stdout", "text": text], parent: parent)
        }
    }

    /// The cell's values, for `history_request` with `output`.
    private var resultText = ""

    func takeResultText() -> String {
        defer { resultText = "" }
        return resultText
    }

    func result(_ text: String) {
        resultText += text
        guard !silent else { return }
        iopub.publish("execute_result", ["execution_count": executionCount, "data": ["text/plain": text], "metadata": [String: Any]()],
                      parent: parent)
    }

    func display(_ display: Display) {
        guard !silent else { return }
        var data: KernelMessage.JSON = ["text/plain": display.text]
        if let html = display.html { data["text/html"] = html }
        if let svg = display.svg { data["image/svg+xml"] = svg }
        let metadata: KernelMessage.JSON = display.kind == .volatile ? ["hone": ["volatile": true] as KernelMessage.JSON] : [:]
        var content: KernelMessage.JSON = ["data": data, "metadata": metadata]
        guard let id = display.id else {
            iopub.publish("display_data", content, parent: parent)
            return
        }
        content["transient"] = ["display_id": id]
        let update = shownDisplays.contains(id)
        shownDisplays.insert(id)
        iopub.publish(update ? "update_display_data" : "display_data", content, parent: parent)
    }
}
