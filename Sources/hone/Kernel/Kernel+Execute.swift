import Foundation
import HoneLang

extension Kernel {
    /// Runs a cell in the kernel's session, as a script runs, its output streamed to iopub.
    /// `silent` sends nothing to iopub and keeps no history; `store_history` (default true)
    /// counts the cell and keeps it in the session's history.
    func execute(_ request: KernelMessage) -> KernelMessage.JSON {
        let code = request.content["code"] as? String ?? ""
        let silent = request.content["silent"] as? Bool ?? false
        let storeHistory = !silent && (request.content["store_history"] as? Bool ?? true)
        if storeHistory { executionCount += 1 }
        if !silent {
            iopub.publish("execute_input", ["code": code, "execution_count": executionCount], parent: request)
        }
        output.parent = request
        output.silent = silent
        output.executionCount = executionCount
        // An interrupt that came while the kernel was idle must not stop this cell.
        _ = frontEnd.session.interrupt.consume()
        let outcome = frontEnd.interpreter.runEntry(SourceFile(name: "<cell \(executionCount)>", text: code), recordHistory: storeHistory)
        _ = frontEnd.session.interrupt.consume()
        if storeHistory { history.record(line: executionCount, input: code, output: output.takeResultText()) }
        switch outcome {
        case .completed, .needsMoreInput:
            return ["status": "ok", "execution_count": executionCount, "user_expressions": [String: Any](), "payload": [Any]()]
        case .exit:
            if !silent {
                iopub.publish("stream", ["name": "stderr", "text": "`exit` does not end a kernel; shut it down or restart it from the notebook\n"], parent: request)
            }
            return ["status": "ok", "execution_count": executionCount, "user_expressions": [String: Any](), "payload": [Any]()]
        case .failed(let errors):
            let renderer = DiagnosticRenderer(useColor: false)
            let traceback = errors.map { renderer.render($0).trimmingCharacters(in: .newlines) }
            var error: KernelMessage.JSON = [
                "ename": errors.first.map { $0.code.id } ?? "error",
                "evalue": errors.first?.message ?? "",
                "traceback": traceback,
            ]
            if !silent { iopub.publish("error", error, parent: request) }
            error["status"] = "error"
            error["execution_count"] = executionCount
            return error
        }
    }
}
