import Foundation
import HoneModels
import HoneTrain

/// `plot [SERIES] [RUN…]`: training curves in the terminal, and as an SVG in the run's folder.
public enum PlotCommand: Command {
    static let series = Arg<String>.positional("series", .choice(["loss", "lr", "grad_norm", "tokens_per_second"]), default: .string("loss"),
        help: "what to draw: loss (training and validation), lr, grad_norm or tokens_per_second")
    static let runs = Arg<[String]>.option("runs", .list(.word), help: "the runs to draw (default: the newest)")
    static let file = Arg<String>.option("file", .path(extensions: ["svg"]), help: "where to write the SVG (default: RUN/SERIES.svg in the first run's folder)")
    static let width = Arg<Int>.option("width", .int(20...400), default: .int(72), help: "columns of the terminal plot")
    static let height = Arg<Int>.option("height", .int(5...200), default: .int(16), help: "rows of the terminal plot")

    public static let spec = CommandSpec(
        ["plot"], summary: "draw training and validation curves; also writes an SVG",
        discussion: """
            Reads each run's metrics.jsonl. `plot loss` draws the training loss and, where there \
            was validation data, the validation loss: a validation curve that turns up while the \
            training curve keeps falling is overfitting. The same plot is written as an SVG, \
            which a browser or notebook shows.
            """,
        category: .training, arguments: [series.spec, runs.spec, file.spec, width.spec, height.spec],
        examples: [.init("plot", "the newest run's losses"), .init("plot loss runs=run-1,run-2", "two runs on one plot"),
                   .init("plot lr", "the learning-rate schedule")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        let what = arguments[series]
        var chosen: [RunHandle] = []
        if let names = arguments.optional(runs) {
            for name in names {
                guard let run = workspace.run(named: name) else {
                    let known = workspace.runs.map(\.name)
                    var hints = known.isEmpty ? ["no runs in this session; `train` makes one, `resume NAME` reopens one"] : ["runs: " + known.joined(separator: ", ")]
                    let suggestion = Suggestions.didYouMean(name, among: known)
                    if !suggestion.isEmpty { hints.insert(suggestion, at: 0) }
                    throw HoneError(.value, "no run named `\(name)` in this session", at: arguments.range(of: runs) ?? context.call.range, hints: hints)
                }
                chosen.append(run)
            }
        } else if let last = workspace.runs.last {
            chosen = [last]
        }
        guard let first = chosen.first else {
            throw HoneError(.value, "no run to plot", at: context.call.range, hints: ["`train` makes one"])
        }
        var all: [PlotSeries] = []
        for run in chosen {
            let prefix = chosen.count > 1 ? run.name + " " : ""
            let events = run.events
            func points(_ kind: MetricsEvent.Kind, _ value: (MetricsEvent) -> Double?) -> [(x: Double, y: Double)] {
                events.filter { $0.kind == kind }.compactMap { e in value(e).map { (Double(e.step), $0) } }
            }
            switch what {
            case "loss":
                all.append(PlotSeries(name: prefix + "train", points: points(.train, \.loss)))
                let val = points(.eval, \.validationLoss)
                if !val.isEmpty { all.append(PlotSeries(name: prefix + "val", points: val)) }
            case "lr": all.append(PlotSeries(name: prefix + "lr", points: points(.train, \.learningRate)))
            case "grad_norm": all.append(PlotSeries(name: prefix + "grad norm", points: points(.train, \.gradientNorm)))
            default: all.append(PlotSeries(name: prefix + "tokens/s", points: points(.train, \.tokensPerSecond)))
            }
        }
        let title = "\(what) — " + chosen.map(\.name).joined(separator: ", ")
        let svg = SVGPlot.render(all, title: title, xLabel: "step", yLabel: what)
        context.show(Display(text: TerminalPlot.render(all, width: arguments[width], height: arguments[height], title: title,
                                                       color: context.session.output.usesColor), svg: svg))
        let path = arguments.optional(file).map(context.resolve(path:)) ?? first.path + "/" + what + ".svg"
        do {
            try AtomicFile.write(Array(svg.utf8), to: path)
        } catch {
            throw HoneError(.value, "could not write \(path): \(error)", at: arguments.range(of: file) ?? context.call.range)
        }
        context.say("wrote \(path)")
        return .string(path)
    }
}
