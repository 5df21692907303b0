import Foundation
import HoneTrain
import Testing
@testable import HoneLang

/// `export trl` and `export axolotl` through sessions on stories260K: what they write, that
/// every Axolotl key is one Axolotl's schema has, and each refusal with its reason.
/// scripts/check-export runs the written directories with the real tools.
@Suite("export commands", .enabled(if: SharedModelFiles.has("stories260K-hf/config.json"), "the shared models are absent"))
struct ExportCommandTests: SessionTesting {
    static let model = SharedModelFiles.directory + "/stories260K-hf"

    static func folder() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-export-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func setup(_ dir: String) -> String {
        """
        set verbose=quiet
        set runs_dir="\(dir)/runs"
        load model "\(model)"
        world qa n=24 seed=1 as qa
        split qa val=0.25 seed=1
        lora r=4 alpha=8 targets=q_proj,v_proj seed=1
        """
    }

    func runOK(_ text: String) throws -> (Session, String) {
        let (session, interpreter, output) = session()
        let outcome = run(interpreter, text)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)\n\(output.text)")
        return (session, output.text)
    }

    func failure(_ text: String) -> String {
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, text)
        return outcome.errors.map { DiagnosticRenderer(useColor: false).render($0) }.joined(separator: "\n") + output.text
    }

    @Test("export trl writes train.py, data, accelerate configs, README and hone.json with the run's settings")
    func trlExportCarriesTheRun() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try runOK(Self.setup(dir) + "\ntrain qa.train steps=2 batch=4 lr=1e-3 warmup=1 schedule=cosine\nexport trl \"\(dir)/out\"")
        let out = dir + "/out"
        for file in ["train.py", "data/train.jsonl", "data/validation.jsonl", "README.md", "hone.json",
                     "accelerate/ddp.yaml", "accelerate/zero2.yaml", "accelerate/zero3.yaml", "accelerate/fsdp.yaml"] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "missing \(file)")
        }
        let script = try String(contentsOfFile: out + "/train.py", encoding: .utf8)
        #expect(script.contains("\"learning_rate\" : 0.001"))
        #expect(script.contains("\"lr_scheduler_type\" : \"cosine\""))
        #expect(script.contains("\"warmup_steps\" : 1"))
        #expect(script.contains("\"completion_only_loss\" : true"))
        #expect(script.contains("\"target_modules\" : [\n      \"q_proj\",\n      \"v_proj\"\n    ]"), "\(script)")
        let train = try String(contentsOfFile: out + "/data/train.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(train.count == 18)
        #expect(train.first?.contains("### Response:") == true, "the prompt is templated (alpaca)")
        let readme = try String(contentsOfFile: out + "/README.md", encoding: .utf8)
        #expect(readme.contains("| `lr` | `1e-3` | `learning_rate` |"))
        #expect(readme.contains("| `template` | `alpaca` | (none) |"))
        let fsdp = try String(contentsOfFile: out + "/accelerate/fsdp.yaml", encoding: .utf8)
        #expect(fsdp.contains("fsdp_transformer_layer_cls_to_wrap: LlamaDecoderLayer"))
        let record = try JSONDecoder().decode(ExportPlan.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/hone.json")))
        #expect(record.recipe == .sft && record.settings.steps == 2 && record.lora?.rank == 4)
    }

    @Test("an export's defaults are the recipe's: dpo with no run exports TRL's 5e-6 and β 0.1")
    func exportUsesTheRecipeDefaults() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try runOK(Self.setup(dir) + "\nworld preferences n=12 seed=1 as prefs\nexport trl \"\(dir)/out\" recipe=dpo")
        let plan = try JSONDecoder().decode(ExportPlan.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/out/hone.json")))
        #expect(plan.settings.learningRate == Recipe.dpo.defaultLearningRate(method: .adapter))
        #expect(plan.preference?.beta == 0.1 && plan.preference?.kind == "sigmoid")
        #expect(plan.train.count == 12)
    }

    @Test("every key of an exported Axolotl config is a key of Axolotl's schema")
    func axolotlKeysAreAxolotls() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try runOK(Self.setup(dir) + """

            train qa.train steps=2 batch=4 patience=2 val=qa.val
            export axolotl "\(dir)/sft"
            world preferences n=12 seed=1 as prefs
            export axolotl "\(dir)/dpo" recipe=dpo
            export axolotl "\(dir)/simpo" recipe=simpo
            world prompts n=4 seed=1 as prompts
            export axolotl "\(dir)/grpo" on prompts recipe=grpo reward=max_length:8
            """)
        for name in ["sft", "dpo", "simpo", "grpo"] {
            let text = try String(contentsOfFile: "\(dir)/\(name)/config.yml", encoding: .utf8)
            let keys = text.split(separator: "\n").filter { !$0.hasPrefix(" ") && !$0.hasPrefix("#") && !$0.hasPrefix("-") }
                .compactMap { $0.split(separator: ":").first.map(String.init) }
            let unknown = keys.filter { !AxolotlSchemaKeys.topLevel.contains($0) }
            #expect(unknown.isEmpty, "\(name): \(unknown) are not Axolotl keys")
            let trlKeys = text.split(separator: "\n").drop { $0 != "trl:" }.dropFirst().prefix { $0.hasPrefix("  ") }
                .filter { !$0.hasPrefix("    ") }.compactMap { $0.trimmingCharacters(in: .whitespaces).split(separator: ":").first.map(String.init) }
            #expect(trlKeys.allSatisfy(AxolotlSchemaKeys.trl.contains), "\(name): trl keys \(trlKeys)")
        }
        let sft = try String(contentsOfFile: "\(dir)/sft/config.yml", encoding: .utf8)
        #expect(sft.contains("lr_scheduler: linear"), "Axolotl's default is cosine; hone's linear is written out")
        #expect(sft.contains("early_stopping_patience: 2") && sft.contains("save_steps:"))
        #expect(try String(contentsOfFile: "\(dir)/grpo/hone_rewards.py", encoding: .utf8).contains("max_length:8"))
    }

    @Test("export replaces an earlier export but refuses a folder that is not one, leaving it untouched")
    func exportRefusesForeignFolders() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try runOK(Self.setup(dir) + "\nexport trl \"\(dir)/out\"\nexport trl \"\(dir)/out\" steps=5")
        let plan = try JSONDecoder().decode(ExportPlan.self, from: Data(contentsOf: URL(fileURLWithPath: dir + "/out/hone.json")))
        #expect(plan.settings.steps == 5, "the second export replaced the first")
        try FileManager.default.createDirectory(atPath: dir + "/mine", withIntermediateDirectories: true)
        try "keep me".write(toFile: dir + "/mine/notes.txt", atomically: true, encoding: .utf8)
        let message = failure(Self.setup(dir) + "\nexport trl \"\(dir)/mine\"")
        #expect(message.contains("is not an earlier export"), "\(message)")
        #expect(FileManager.default.fileExists(atPath: dir + "/mine/notes.txt"))
    }

    @Test("a model loaded from GGUF is refused, naming the file and what would work")
    func ggufModelIsRefused() throws {
        let gguf = SharedModelFiles.directory + "/stories260K/stories260K.gguf"
        guard FileManager.default.fileExists(atPath: gguf) else { return }
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let message = failure("load model \"\(gguf)\"\nworld qa n=8 seed=1 as qa\nlora r=4\nexport trl \"\(dir)/out\"")
        #expect(message.contains("GGUF file") && message.contains("TRL and Axolotl cannot train from"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/out"), "nothing is written")
    }

    @Test("Axolotl refuses PPO and reward models by name; TRL refuses PPO, which it no longer has")
    func recipesWithoutAnEquivalentAreRefused() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ppo = failure(Self.setup(dir) + "\nworld prompts n=4 seed=1 as prompts\nexport axolotl \"\(dir)/a\" on prompts recipe=ppo")
        #expect(ppo.contains("Axolotl has no PPO training"), "\(ppo)")
        let reward = failure(Self.setup(dir) + "\nworld preferences n=4 seed=1 as prefs\nexport axolotl \"\(dir)/a\" recipe=reward")
        #expect(reward.contains("Axolotl has no reward-model training"), "\(reward)")
        let trlPPO = failure(Self.setup(dir) + "\nworld prompts n=4 seed=1 as prompts\nexport trl \"\(dir)/a\" on prompts recipe=ppo")
        #expect(trlPPO.contains("TRL 1.16 has no PPOTrainer"), "\(trlPPO)")
        let sgd = failure(Self.setup(dir) + "\nexport trl \"\(dir)/a\" optimizer=sgd")
        #expect(sgd.contains("optimizer=sgd has no exact equivalent"), "\(sgd)")
        let cdpo = failure(Self.setup(dir) + "\nworld preferences n=4 seed=1 as prefs\nexport trl \"\(dir)/a\" recipe=dpo label_smoothing=0.1")
        #expect(cdpo.contains("TRL 1.16's sigmoid loss ignores label_smoothing"), "\(cdpo)")
    }

    @Test("a template that writes a special token as plain text is refused: the tools would read it as the token")
    func inexpressibleTemplateIsRefused() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let message = failure(Self.setup(dir) + "\ntemplate \"Q: {instruction}</s>\\nA: {output}\"\nexport trl \"\(dir)/a\"")
        #expect(message.contains("with `</s>` as text"), "\(message)")
        #expect(message.contains("hone encodes it as plain characters"), "\(message)")
    }
}

/// The top-level and `trl:` keys of Axolotl's config schema (`AxolotlInputConfig` and its
/// parts in `src/axolotl/utils/schemas/`, axolotl-ai-cloud/axolotl at 067b021c8, and axolotl
/// 0.19.0 on PyPI) that hone's export may write. Axolotl drops unknown keys silently, so a
/// misspelt key would change the run without a word.
enum AxolotlSchemaKeys {
    static let topLevel: Set<String> = [
        "base_model", "rl", "adapter", "lora_r", "lora_alpha", "lora_dropout", "lora_target_modules", "peft_use_dora",
        "peft_use_rslora", "peft_init_lora_weights", "load_in_4bit", "datasets", "test_datasets", "val_set_size",
        "chat_template", "chat_template_jinja", "sequence_len", "micro_batch_size", "gradient_accumulation_steps",
        "num_epochs", "max_steps", "learning_rate", "lr_scheduler", "warmup_steps", "optimizer", "adam_beta1",
        "adam_beta2", "adam_epsilon", "weight_decay", "max_grad_norm", "seed", "bf16", "fp16", "tf32",
        "gradient_checkpointing", "logging_steps", "output_dir", "train_on_inputs", "eval_steps", "save_steps",
        "early_stopping_patience", "rl_beta", "dpo_loss_type", "simpo_gamma", "cpo_alpha", "orpo_alpha", "trl", "deepspeed",
    ]
    static let trl: Set<String> = [
        "beta", "num_generations", "max_completion_length", "temperature", "num_iterations", "loss_type",
        "scale_rewards", "reward_funcs", "epsilon", "top_p", "top_k",
    ]
}
