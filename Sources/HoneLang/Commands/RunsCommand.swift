import Foundation
import HoneTrain

/// `runs`: the session's runs and those found in runs_dir, in a table.
public enum RunsCommand: Command {
    public static let spec = CommandSpec(
        ["runs"], summary: "list training runs: status, steps, losses and time",
        discussion: "Lists this session's runs and any others found in runs_dir (`set runs_dir=…`), from their metrics.jsonl.",
        category: .training, examples: [.init("runs", "one line per run")])

    static func runNames(in context: CommandContext) -> [String] {
        let dir = TrainingData.runsDirectory(in: context)
        let onDisk = ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { FileManager.default.fileExists(atPath: dir + "/" + $0 + "/" + RunLog.configurationName) }
        var names = context.session.workspace.runs.map(\.name)
        for name in onDisk.sorted() where !names.contains(name) { names.append(name) }
        return names
    }

    /// The session's run of that name, or one read back from its folder in runs_dir (marked
    /// "on disk"); nil when neither has it.
    static func handle(named name: String, in context: CommandContext) -> RunHandle? {
        if let live = context.session.workspace.run(named: name) { return live }
        let folder = TrainingData.runsDirectory(in: context) + "/" + name
        // RunLog(path:) makes the folder, so look first: a mistyped name must leave no trace.
        guard FileManager.default.fileExists(atPath: folder + "/" + RunLog.configurationName),
              let log = try? RunLog(path: folder),
              let configuration = try? log.read(RunConfiguration.self, from: RunLog.configurationName) else { return nil }
        let done = TrainerCheckpoint.latest(in: log.path)?.step ?? 0
        let handle = RunHandle(name: name, path: log.path, configuration: configuration, modelName: configuration.model.name, loop: nil,
                               status: done >= configuration.totalSteps ? .finished : .stopped)
        handle.statusDetail = "on disk"
        return handle
    }

    /// "LoRA r=8", "DoRA r=16 on nf4", "full".
    static func method(of c: RunConfiguration) -> String {
        guard let settings = c.adapter?.settings else { return "full" }
        let kind = settings.dora ? "DoRA" : "LoRA"
        let base = c.model.quantization.map { " on " + $0 } ?? ""
        return kind + " r=" + String(settings.rank) + base
    }

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let dir = TrainingData.runsDirectory(in: context)
        var rows: [[String]] = []
        var handles: [Value] = []
        for name in runNames(in: context) {
            guard let handle = handle(named: name, in: context) else { continue }
            handles.append(.object(handle))
            let c = handle.configuration
            rows.append([
                handle.name, handle.status.rawValue + (handle.statusDetail == "on disk" ? " (on disk)" : ""),
                method(of: c),
                "\(handle.stepsDone)/\(c.totalSteps)",
                handle.trainingLosses.last.map { String(format: "%.4f", $0.loss) } ?? "-",
                handle.validationLosses.map(\.loss).min().map { String(format: "%.4f", $0) } ?? "-",
                TrainingRunner.clock(handle.elapsedSeconds), c.data.name,
            ])
        }
        if rows.isEmpty {
            context.show("no runs yet in \(dir); `train` makes one")
            return .list([])
        }
        context.showTable(header: ["run", "status", "method", "steps", "loss", "best val", "time", "data"], rows: rows)
        return .list(handles)
    }
}
