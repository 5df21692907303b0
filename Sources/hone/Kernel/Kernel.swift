import CZeroMQ
import Foundation
import HoneLang

/// `hone kernel -f CONNECTION_FILE`: a Jupyter kernel (messaging protocol 5.3) over ZeroMQ.
///
/// Threads: the main thread serves the shell channel and runs cells in the kernel's one
/// session, as a script runs; a control thread answers `interrupt_request` (raising the
/// session's interrupt flag, as SIGINT does) and `shutdown_request` while a cell runs; a
/// heartbeat thread echoes. Requests whose signature does not match are dropped unread.
final class Kernel: @unchecked Sendable {
    let connection: ConnectionFile
    let signer: MessageSigner
    let sessionID = UUID().uuidString.lowercased()
    private let context: UnsafeMutableRawPointer
    private let shell: ZMQSocket
    private let control: ZMQSocket
    private let stdin: ZMQSocket
    private let heartbeat: ZMQSocket
    let iopub: IOPub
    let output: StreamOutput
    let frontEnd: FrontEnd
    var executionCount = 0
    var history = CellHistory()

    init(connection: ConnectionFile) throws {
        self.connection = connection
        signer = MessageSigner(key: connection.key)
        context = zmq_ctx_new()
        shell = try ZMQSocket(context: context, type: ZMQ_ROUTER)
        control = try ZMQSocket(context: context, type: ZMQ_ROUTER)
        stdin = try ZMQSocket(context: context, type: ZMQ_ROUTER)
        heartbeat = try ZMQSocket(context: context, type: ZMQ_REP)
        let pub = try ZMQSocket(context: context, type: ZMQ_PUB)
        try shell.bind(connection.endpoint(connection.shellPort))
        try control.bind(connection.endpoint(connection.controlPort))
        try stdin.bind(connection.endpoint(connection.stdinPort))
        try heartbeat.bind(connection.endpoint(connection.hbPort))
        try pub.bind(connection.endpoint(connection.iopubPort))
        iopub = IOPub(socket: pub, signer: signer, session: sessionID)
        output = StreamOutput(iopub: iopub)
        frontEnd = FrontEnd()
        frontEnd.session.output = output
    }

    static func log(_ text: String) {
        FileHandle.standardError.write(Data("hone kernel: \(text)\n".utf8))
    }

    /// Serves until a shutdown request; never returns.
    func run() -> Never {
        Self.log("listening on \(connection.endpoint(connection.shellPort)) (shell)\(signer.isSigning ? "" : ", signing off: the key is empty")")
        let heartbeat = self.heartbeat, control = self.control
        Thread.detachNewThread { Self.echo(heartbeat) }
        Thread.detachNewThread { [self] in serve(control, channel: "control") }
        iopub.status("starting", parent: nil)
        serve(shell, channel: "shell")
    }

    private static func echo(_ socket: ZMQSocket) -> Never {
        while true {
            if ZMQSocket.poll([socket], timeout: 1000)[0], let frames = socket.receive() { socket.send(frames) }
        }
    }

    private func serve(_ socket: ZMQSocket, channel: String) -> Never {
        while true {
            guard ZMQSocket.poll([socket], timeout: 1000)[0], let frames = socket.receive() else { continue }
            let request: KernelMessage
            do {
                request = try KernelMessage(frames: frames, signer: signer)
            } catch {
                Self.log("dropped a message on \(channel): \(error)")
                continue
            }
            iopub.status("busy", parent: request)
            if let reply = handle(request, channel: channel) {
                socket.send(KernelMessage(type: reply.type, content: reply.content, parent: request, session: sessionID).frames(signer: signer))
            }
            iopub.status("idle", parent: request)
            if request.type == "shutdown_request" { shutDown() }
        }
    }

    /// The reply's type and content, or `nil` for a message that gets none.
    private func handle(_ request: KernelMessage, channel: String) -> (type: String, content: KernelMessage.JSON)? {
        let content = request.content
        switch (request.type, channel) {
        case ("kernel_info_request", _): return ("kernel_info_reply", kernelInfo)
        case ("interrupt_request", _):
            frontEnd.session.interrupt.raise()
            return ("interrupt_reply", ["status": "ok"])
        case ("shutdown_request", _):
            frontEnd.session.interrupt.raise()
            return ("shutdown_reply", ["status": "ok", "restart": content["restart"] as? Bool ?? false])
        case ("execute_request", "shell"): return ("execute_reply", execute(request))
        case ("complete_request", "shell"): return ("complete_reply", complete(content))
        case ("inspect_request", "shell"): return ("inspect_reply", inspect(content))
        case ("is_complete_request", "shell"): return ("is_complete_reply", isComplete(content))
        case ("comm_info_request", _): return ("comm_info_reply", ["status": "ok", "comms": [String: Any]()])
        case ("history_request", "shell"): return ("history_reply", history.reply(content))
        default:
            Self.log("ignored a `\(request.type)` message on \(channel)")
            return nil
        }
    }

    /// After the reply has gone out: leave, so that the client's restart starts a fresh
    /// session in a fresh process (Jupyter kernels end on every shutdown request).
    private func shutDown() -> Never {
        Self.log("shutting down")
        Thread.sleep(forTimeInterval: 0.2)  // let ZeroMQ's I/O thread deliver the reply
        exit(0)
    }

    var kernelInfo: KernelMessage.JSON {
        [
            "status": "ok",
            "protocol_version": KernelMessage.protocolVersion,
            "implementation": "hone",
            "implementation_version": HoneVersion.string,
            "language_info": [
                "name": "hone", "version": HoneVersion.string,
                "mimetype": "text/plain", "file_extension": ".hone",
            ],
            "banner": "hone \(HoneVersion.string): type `help` for the commands",
            "help_links": [Any](),
        ]
    }
}
