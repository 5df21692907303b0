import Foundation
import HoneModels
import HoneTrain

/// `runs diff A B`: what differed between two runs and what came of it. The settings compared
/// are `RunConfiguration.recordedSettings`, which reads every declared setting back by its own
/// name, so a setting added to a declaration is compared without touching this command.
public enum RunsDiffCommand: Command {
    static let first = Arg<String>.positional("a", .word, help: "a run of this session or of runs_dir (see `runs`)")
    static let second = Arg<String>.positional("b", .word, help: "the run to compare it with")

    public static let spec = CommandSpec(
        ["runs", "diff"], summary: "what differed between two runs, and their losses side by side",
        discussion: """
            Lists only the settings whose values differ (every setting of the recipe, the adapter, \
            the model, the data's name, size and fingerprint, the template and the seed), says how \
            many are equal, then shows both runs' final and best losses and one plot of both loss \
            curves; the SVG goes to A's folder as diff-B.svg. Returns a record whose `differs` lists \
            the names of the settings that differ.
            """,
        category: .training, arguments: [first.spec, second.spec],
        examples: [.init("runs diff run-1 run-2", "what changed from run-1 to run-2, and the losses side by side"),
                   .init("let d = runs diff run-1 run-2", "d.differs lists the names of the settings that differ, for `assert`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let a = try resolve(arguments[first], arguments.range(of: first), in: context)
        let b = try resolve(arguments[second], arguments.range(of: second), in: context)
        guard a.path != b.path else {
            throw HoneError(.value, "`runs diff` compares two runs, and both are `\(a.name)`", at: arguments.range(of: second) ?? context.call.range,
                            hints: ["name another run: " + RunsCommand.runNames(in: context).filter { $0 != a.name }.joined(separator: ", ")])
        }
        let (differs, equal) = showSettings(a, b, in: context)
        showMetrics(a, b, in: context)
        let svg = try plot(a, b, in: context)
        return .record(Record("runs diff", [
            ("differs", .list(differs.map { .string($0) })), ("equal", .int(equal)),
            ("a", .object(a)), ("b", .object(b)), ("svg", .string(svg)),
        ]))
    }

    /// The run by that name, or an error naming the runs there are.
    static func resolve(_ name: String, _ range: SourceRange?, in context: CommandContext) throws -> RunHandle {
        if let run = RunsCommand.handle(named: name, in: context) { return run }
        let known = RunsCommand.runNames(in: context)
        throw HoneError(.value, "no run named `\(name)`" + Suggestions.didYouMean(name, among: known), at: range ?? context.call.range,
                        hints: [known.isEmpty ? "no runs yet; `train` makes one" : "runs: " + known.joined(separator: ", ")])
    }

    /// The table of settings that differ, then the count of those that agree; returns the names
    /// that differ, in the table's order, and how many agree. A setting one run leaves unset
    /// shows as `-`.
    static func showSettings(_ a: RunHandle, _ b: RunHandle, in context: CommandContext) -> (differs: [String], equal: Int) {
        let left = a.configuration.recordedSettings, right = b.configuration.recordedSettings
        var names = left.map(\.name)
        for setting in right where !names.contains(setting.name) { names.append(setting.name) }
        func value(_ name: String, _ settings: [RecordedSetting]) -> String { settings.first { $0.name == name }?.value ?? "-" }
        let rows = names.map { [$0, value($0, left), value($0, right)] }.filter { $0[1] != $0[2] }
        let equal = names.count - rows.count
        if rows.isEmpty {
            context.show("\(a.name) and \(b.name) have the same settings (\(names.count) compared)")
        } else {
            context.showTable(header: ["setting", a.name, b.name], rows: rows)
            context.show("\(equal) other setting\(equal == 1 ? " is" : "s are") equal")
        }
        return (rows.map { $0[0] }, equal)
    }

    static func showMetrics(_ a: RunHandle, _ b: RunHandle, in context: CommandContext) {
        let rows = [a, b].map { run in
            [run.name,
             run.trainingLosses.last.map { String(format: "%.4f", $0.loss) } ?? "-",
             run.validationLosses.map(\.loss).min().map { String(format: "%.4f", $0) } ?? "-",
             "\(run.stepsDone)/\(run.configuration.totalSteps)"]
        }
        context.showTable(header: ["run", "final loss", "best val", "steps"], rows: rows)
        // Wall time differs from run to run: volatile, so notebooks leave it out of their outputs.
        context.show("time: " + [a, b].map { "\($0.name) \(TrainingRunner.clock($0.elapsedSeconds))" }.joined(separator: ", "), .volatile)
    }

    /// Both runs' training and validation losses on one plot; writes A/diff-B.svg and returns
    /// its path.
    static func plot(_ a: RunHandle, _ b: RunHandle, in context: CommandContext) throws -> String {
        var series: [PlotSeries] = []
        for run in [a, b] {
            series.append(PlotSeries(name: run.name + " train", points: run.trainingLosses.map { (x: Double($0.step), y: $0.loss) }))
            let val = run.validationLosses.map { (x: Double($0.step), y: $0.loss) }
            if !val.isEmpty { series.append(PlotSeries(name: run.name + " val", points: val)) }
        }
        let title = "loss — \(a.name) vs \(b.name)"
        let svg = SVGPlot.render(series, title: title, xLabel: "step", yLabel: "loss")
        context.show(Display(text: TerminalPlot.render(series, width: 72, height: 16, title: title, color: context.session.output.usesColor), svg: svg))
        let path = a.path + "/diff-" + b.name + ".svg"
        do {
            try AtomicFile.write(Array(svg.utf8), to: path)
        } catch {
            throw HoneError(.value, "could not write \(path): \(error)", at: context.call.range)
        }
        context.say("wrote \(path)")
        return path
    }
}
