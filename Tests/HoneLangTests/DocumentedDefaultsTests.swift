import Foundation
import HoneTrain
import Testing
@testable import HoneLang

/// Each training command's documented defaults are the values its runs use: every option with
/// a declared default is compared with what the run's config.json records when the option is
/// not given, and `lr=`'s and `beta=`'s help states the value recorded. (Issue 17: `help dpo`
/// once documented `train`'s learning rate while 5e-6 was used.)
@Suite("documented defaults", .enabled(if: SharedModelFiles.has("stories260K-hf/config.json"), "the shared models are absent"))
struct DocumentedDefaultsTests: SessionTesting {
    /// A command, the fewest arguments it runs with (none of them with a default), and its recipe.
    static let commands: [(words: [String], arguments: String, recipe: Recipe)] = [
        (["train"], "qa steps=1", .sft),
        (["dpo"], "prefs steps=1", .dpo),
        (["orpo"], "prefs steps=1", .orpo),
        (["simpo"], "prefs steps=1", .simpo),
        (["reward", "train"], "prefs steps=1", .reward),
        (["grpo"], "prompts steps=1 reward=contains:happy", .grpo),
        (["ppo"], "prompts steps=1 reward=contains:happy", .ppo),
    ]

    /// The value a run's config.json records for option `name`, as the declaration writes it.
    static func recorded(_ name: String, in c: RunConfiguration) -> Literal? {
        let s = c.settings
        switch name {
        case "batch": return .int(s.batchSize)
        case "accumulate": return .int(s.accumulate)
        case "seq": return .int(s.sequenceLength)
        case "schedule": return .string(s.schedule.rawValue)
        case "warmup": return .int(s.warmupSteps)
        case "optimizer": return .string(s.optimizer.rawValue)
        case "weight_decay": return .float(s.weightDecay)
        case "momentum": return .float(s.momentum)
        case "clip": return .float(s.maxGradientNorm)
        case "train_on": return .string(s.trainOnAll ? "all" : "completion")
        case "checkpointing": return .bool(s.gradientCheckpointing)
        case "method": return .string(s.method == .full ? "full" : "adapter")
        case "precision": return .string((s.precision ?? .fp32).rawValue)
        case "loss": return c.preference.map { .string($0.kind) }
        case "label_smoothing": return c.preference.map { .float($0.labelSmoothing) }
        case "gamma": return c.preference.map { .float($0.gamma) } ?? c.ppo.map { .float($0.gamma) }
        case "group": return c.grpo.map { .int($0.group) }
        case "max_tokens": return c.grpo.map { .int($0.maxNewTokens) } ?? c.ppo.map { .int($0.maxNewTokens) }
        case "temperature": return c.grpo.map { .float($0.temperature) } ?? c.ppo.map { .float($0.temperature) }
        case "answers": return c.ppo.map { .int($0.samples) }
        case "kl": return c.ppo.map { .float($0.klCoefficient) }
        case "clip_range": return c.ppo.map { .float($0.clipRange) }
        case "vf_coef": return c.ppo.map { .float($0.valueCoefficient) }
        case "ppo_epochs": return c.ppo.map { .int($0.epochs) }
        case "lambda": return c.ppo.map { .float($0.lambda) }
        default: return nil
        }
    }

    @Test("every training command's declared defaults and its lr and beta help equal what its run records")
    func documentedDefaultsAreUsed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-defaults-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (session, interpreter, output) = session()
        let setup = """
            set verbose=quiet
            set runs_dir="\(dir)/runs"
            load model "\(SharedModelFiles.directory)/stories260K-hf"
            lora r=4 alpha=8 targets=q_proj,v_proj seed=1
            world qa n=8 seed=1 as qa
            world preferences n=8 seed=1 as prefs
            world prompts n=8 seed=1 as prompts
            """
        #expect(run(interpreter, setup).errors.isEmpty, "\(output.text)")
        let registry = session.registry
        for (words, arguments, recipe) in Self.commands {
            let name = words.joined(separator: " ")
            let spec = try #require(registry.command(named: words)?.spec, "\(name)")
            let outcome = run(interpreter, "\(name) \(arguments) as run_\(recipe.rawValue)")
            #expect(outcome.errors.isEmpty, "\(name): \(outcome.errors)\n\(output.text)")
            let configuration = try #require(session.workspace.run(named: "run_\(recipe.rawValue)")?.configuration, "\(name) made no run")
            #expect(Recipe.of(configuration) == recipe, "\(name)'s run reads back as \(Recipe.of(configuration))")
            for argument in spec.options {
                guard let declared = argument.defaultValue else { continue }
                let used = try #require(Self.recorded(argument.name, in: configuration),
                                        "\(name) declares a default for \(argument.name)=; map it to its config.json field here")
                #expect(used == declared, "\(name) \(argument.name)=: documented \(declared), used \(used)")
            }
            let lr = try #require(spec.argument(named: "lr"))
            #expect(configuration.settings.learningRate == recipe.defaultLearningRate(method: .adapter))
            #expect(lr.help.contains("default " + Recipe.format(configuration.settings.learningRate)),
                    "\(name): lr= says `\(lr.help)`, the run used \(configuration.settings.learningRate)")
            if let beta = spec.argument(named: "beta"), let used = configuration.preference?.beta {
                #expect(beta.help.contains("default \(used)"), "\(name): beta= says `\(beta.help)`, the run used \(used)")
            }
        }
        let help = run(interpreter, "help dpo")
        #expect(help.errors.isEmpty)
        #expect(output.text.contains("lr=<float 0.0…10.0>") && output.text.contains("(default 5e-6 for adapters, 5e-7 for method=full)"), "\(output.text)")
    }
}
