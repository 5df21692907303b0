import Foundation
import HoneTrain

/// A training run as a notebook front end shows it: one progress display (step, loss, lr,
/// tokens/s, ETA) replaced in place, and a loss plot replaced at each evaluation. Both are
/// volatile: the Markdown runner and the comparison of notebook outputs leave them out, as they
/// leave out the tokens/s lines a script prints instead.
final class LiveTrainingDisplay {
    private let output: OutputSink
    private let progressID: String
    private let plotID: String
    private let runName: String
    private var lastShown = -Double.infinity
    private var validation: [(x: Double, y: Double)] = []
    /// Updates closer together than this are skipped (the last step is always shown): a
    /// front end redraws on each one, and a step can take a millisecond.
    static let interval = 0.25

    /// `nil` for sinks that cannot replace a display in place (terminals, scripts, Markdown).
    init?(output: OutputSink, runName: String) {
        guard output.showsLiveDisplays else { return nil }
        self.output = output
        self.runName = runName
        let unique = UUID().uuidString.lowercased()
        progressID = "hone-progress-\(unique)"
        plotID = "hone-loss-\(unique)"
    }

    func step(_ line: String, step: Int, of total: Int) {
        let now = ProcessInfo.processInfo.systemUptime
        guard step == total || step == 1 || now - lastShown >= Self.interval else { return }
        lastShown = now
        let html = "<div><progress value=\"\(step)\" max=\"\(max(total, 1))\" style=\"width:16em\"></progress> "
            + "<code>\(HTML.escaped(runName))</code> \(HTML.escaped(line))</div>"
        output.display(Display(text: line, html: html, kind: .volatile, id: progressID))
    }

    /// Redraws the loss plot with the training losses so far and every validation loss.
    func evaluation(step: Int, loss: Double, records: [StepRecord]) {
        validation.append((Double(step), loss))
        let series = [PlotSeries(name: "train", points: records.map { (Double($0.step), $0.loss) }),
                      PlotSeries(name: "val", points: validation)]
        let svg = SVGPlot.render(series, title: "loss — \(runName)", xLabel: "step", yLabel: "loss")
        output.display(Display(text: String(format: "loss plot of %@ at step %d: val_loss %.4f", runName, step, loss),
                               svg: svg, kind: .volatile, id: plotID))
    }
}
