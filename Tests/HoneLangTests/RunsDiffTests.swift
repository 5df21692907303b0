import Foundation
import HonePEFT
import HoneTrain
import Testing
@testable import HoneLang

/// `runs diff A B` names exactly the settings two runs differ in (issue 19), data by content as
/// well as by name, and refuses names that are no run with the runs there are.
@Suite("runs diff", .serialized)
struct RunsDiffTests: SessionTesting {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The ```hone cells of tutorial 02 before its table (the four training runs), with `steps=`
    /// cut from 40 to `steps` to keep the test quick.
    static func tutorial02TrainingCells(steps: Int) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("tutorials/02-rank-alpha-targets.md"), encoding: .utf8)
        let sweep = try #require(text.components(separatedBy: "## The table").first)
        let cells = sweep.components(separatedBy: "```hone\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        #expect(cells.count == 5, "tutorial 02 changed: \(cells.count) cells before its table")
        return cells.joined().replacingOccurrences(of: "steps=40", with: "steps=\(steps)")
    }

    func temporaryRunsDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hone-runs-diff-\(UUID().uuidString)").path
    }

    /// The `differs` field of what the entry returned.
    func differs(_ outcome: EntryOutcome) -> [String]? {
        guard case .completed(let value) = outcome, case .list(let items)? = value.field("differs") else { return nil }
        return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
    }

    @Test("on tutorial 02's runs it names exactly the knob each pair changed, and counts the rest as equal")
    func tutorialRunsDifferInTheirKnobOnly() throws {
        let dir = temporaryRunsDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        let training = run(interpreter, "set runs_dir=\"\(dir)\"\n" + (try Self.tutorial02TrainingCells(steps: 3)))
        #expect(training.errors.isEmpty, "\(training.errors)\n\(output.text)")

        for (a, b, knobs) in [("run_r2_qv", "run_r8_qv", ["r", "alpha"]), ("run_r8_qv", "run_r8_all", ["targets"]),
                              ("run_r8_all", "run_r8_all_alpha2", ["alpha"])] {
            output.clear()
            let outcome = run(interpreter, "runs diff \(a) \(b)")
            #expect(outcome.errors.isEmpty, "\(outcome.errors)")
            #expect(differs(outcome) == knobs, "\(a) vs \(b)\n\(output.text)")
            let compared = try #require(session.workspace.run(named: a)).configuration.recordedSettings.count
            if case .completed(let value) = outcome { #expect(value.field("equal")?.repr == String(compared - knobs.count)) }
            // The settings table has one row per knob, then the count of the others.
            let lines = output.text.split(separator: "\n").map(String.init)
            let header = try #require(lines.firstIndex { $0.hasPrefix("setting") }, "\(output.text)")
            #expect(lines[header + 1..<header + 1 + knobs.count].map { String($0.prefix { $0 != " " }) } == knobs)
            #expect(lines[header + 1 + knobs.count] == "\(compared - knobs.count) other settings are equal")
            #expect(lines.contains { $0.hasPrefix(a + " ") && $0.contains("3/3") }, "the metrics table shows \(a)'s steps")
            let svg = try String(contentsOfFile: "\(dir)/\(a)/diff-\(b).svg", encoding: .utf8)
            #expect(svg.contains("<svg") && svg.contains("\(a) train") && svg.contains("\(b) train"), "one plot of both runs")
        }
        // `runs` alone still lists the runs: the longer name does not swallow the shorter.
        output.clear()
        #expect(run(interpreter, "runs").errors.isEmpty)
        #expect(output.text.contains("run_r8_all_alpha2"))
    }

    @Test("a run on other data differs in the data's fingerprint even under the same name and size")
    func dataDifferenceIsReported() throws {
        let dir = temporaryRunsDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, interpreter, output) = session()
        let script = """
            set runs_dir="\(dir)"
            set verbose=quiet
            load model hone-tiny
            lora r=2 alpha=4 seed=1
            world qa n=16 seed=1 as qa
            train qa steps=2 batch=4 as first
            world qa n=16 seed=2 as qa
            train qa steps=2 batch=4 as same_size
            world qa n=24 seed=1 as more
            train more steps=2 batch=4 as bigger
            """
        let training = run(interpreter, script)
        #expect(training.errors.isEmpty, "\(training.errors)\n\(output.text)")
        #expect(differs(run(interpreter, "runs diff first same_size")) == ["data.fingerprint"], "\(output.text)")
        #expect(differs(run(interpreter, "runs diff first bigger")) == ["data", "data.examples", "data.fingerprint"], "\(output.text)")
    }

    @Test("an unknown run is refused with the nearest name and the runs there are; one run twice is refused")
    func unknownAndRepeatedRunsAreRefused() throws {
        let dir = temporaryRunsDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (_, interpreter, output) = session()
        let setup = """
            set runs_dir="\(dir)"
            set verbose=quiet
            load model hone-tiny
            lora r=2 alpha=4 seed=1
            world qa n=8 seed=1 as qa
            train qa steps=1 batch=4 as run_one
            train qa steps=1 batch=4 as run_two
            """
        #expect(run(interpreter, setup).errors.isEmpty, "\(output.text)")
        let unknown = try #require(run(interpreter, "runs diff run_on run_two").errors.first)
        #expect(unknown.message == "no run named `run_on`; did you mean `run_one`?")
        #expect(unknown.hints == ["runs: run_one, run_two"])
        #expect(unknown.range?.text == "run_on", "the error points at the name")
        #expect(!FileManager.default.fileExists(atPath: dir + "/run_on"), "a mistyped name leaves no folder behind")
        let twice = try #require(run(interpreter, "runs diff run_one run_one").errors.first)
        #expect(twice.message == "`runs diff` compares two runs, and both are `run_one`")
    }

    /// Every setting a training or adapter command takes is one `runs diff` compares, so a new
    /// declaration cannot be left out of the diff unnoticed.
    @Test("every option of the training and adapter commands is a setting runs diff compares")
    func everyTrainingOptionIsCompared() throws {
        let data = RunConfiguration.DataDescription(name: "d", file: "f", format: "alpaca", examples: 1, fingerprint: "0")
        var settings = TrainingSettings()
        settings.steps = 1
        settings.epochs = 1
        (settings.evalEvery, settings.patience, settings.saveEvery, settings.sampleEvery) = (1, 1, 1, 1)
        settings.samplePrompts = ["p"]
        var full = RunConfiguration(
            name: "r", model: .init(name: "m", source: "s", architecture: "llama", parameters: 1, quantization: "nf4"),
            adapter: .init(name: "a", settings: LoRASettings()), data: data, validation: data, template: "alpaca",
            settings: settings, totalSteps: 1, trainableParameters: 1, noWeightDecay: [])
        full.preference = PreferenceLossSettings(kind: "sigmoid")
        full.grpo = GRPOSettings(reward: .contains("x"))
        full.ppo = PPOSettings(reward: .contains("x"))
        let compared = Set(full.recordedSettings.map(\.name))

        let registry = CommandRegistry.standard
        var checked = 0
        for words in [["train"], ["dpo"], ["orpo"], ["simpo"], ["reward", "train"], ["grpo"], ["ppo"], ["lora"], ["dora"], ["qlora"]] {
            let spec = try #require(registry.command(named: words)?.spec)
            // `snapshot=` takes a snapshot before training; it is not a setting of the run.
            for argument in spec.options + spec.positionals where argument.name != "snapshot" {
                let name = argument.name == "seed" && words.first?.hasSuffix("ora") == true ? "adapter.seed" : argument.name
                #expect(compared.contains(name), "`\(spec.name)` takes \(argument.name)=, which runs diff does not compare")
                checked += 1
            }
        }
        #expect(checked > 100, "the commands' arguments were read")
    }
}
