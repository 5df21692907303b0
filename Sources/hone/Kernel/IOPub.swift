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

/// Sends what a cell's commands print to iopub as `stream` messages on stdout, answering the
/// cell's request; a silent cell's output goes nowhere.
final class StreamOutput: OutputSink {
    let iopub: IOPub
    var parent: KernelMessage?
    var silent = false

    init(iopub: IOPub) { self.iopub = iopub }

    func emit(_ text: String, _ kind: OutputKind) {
        guard !silent, !text.isEmpty else { return }
        iopub.publish("stream", ["name": "stdout", "text": text], parent: parent)
    }
}
