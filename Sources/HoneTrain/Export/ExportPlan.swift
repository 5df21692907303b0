import Foundation
import HonePEFT
import HoneTensor

/// Everything a session's fine-tune is, in the terms an exported run needs: the model to start
/// from, the recipe, the adapter, the settings, and the data already rendered with the session's
/// template. `TRLExport` and `AxolotlExport` turn one plan into a directory for their tool; the
/// plan itself is what `hone.json` records, so an export can be made again.
public struct ExportPlan: Codable, Sendable {
    /// The starting model: a hub id when the session loaded it with `hf:`, else a local
    /// Hugging Face directory the README says to copy to the cluster.
    public struct Model: Codable, Sendable, Equatable {
        public var reference: String
        public var isHubID: Bool
        /// The transformers class in its config.json (`LlamaForCausalLM`), for FSDP's wrap policy.
        public var architecture: String
        public init(reference: String, isHubID: Bool, architecture: String) {
            self.reference = reference
            self.isHubID = isHubID
            self.architecture = architecture
        }
    }

    /// How the weights train: `lora`, `dora`, `qlora` (LoRA on 4-bit NF4 base weights) or `full`.
    public enum Method: String, Codable, Sendable, CaseIterable {
        case lora, dora, qlora, full
    }

    /// One example as the tools read it, with the template already applied to the prompt.
    public enum Example: Codable, Sendable, Equatable {
        case completion(prompt: String, completion: String)
        case pair(prompt: String, chosen: String, rejected: String)
        case prompt(String)

        /// The JSONL object TRL's datasets and Axolotl's user-defined types read.
        public var jsonObject: [String: String] {
            switch self {
            case .completion(let p, let c): ["prompt": p, "completion": c]
            case .pair(let p, let c, let r): ["prompt": p, "chosen": c, "rejected": r]
            case .prompt(let p): ["prompt": p]
            }
        }
    }

    public var model: Model
    public var recipe: Recipe
    public var method: Method
    /// The adapter's settings; nil for method=full.
    public var lora: LoRASettings?
    public var settings: TrainingSettings
    public var preference: PreferenceLossSettings?
    public var grpo: GRPOSettings?
    /// The template's name (`alpaca`, `chatml`, a chat template's `jinja:…`), for the README.
    public var template: String
    /// The data set names, for the README.
    public var dataName: String
    public var validationName: String?
    public var train: [Example]
    public var validation: [Example]
    /// The ids of the tokens the tokenizer marks BOS and EOS, and their text, so train.py
    /// tokenises as hone does: BOS + prompt, then the answer on its own + EOS.
    public var hasBOS: Bool
    public var hasEOS: Bool
    /// The special tokens' texts (`<s>`, `</s>`, `<|im_end|>`, …), and whether hone reads them in
    /// the templated text as the tokens themselves (chat templates) or as plain characters.
    /// The tools' tokenizers always read them as the tokens, so text with one in it under a
    /// plain template would train on other ids there than here.
    public var specialTokenTexts: [String] = []
    public var templateParsesSpecialTokens = true

    public init(model: Model, recipe: Recipe, method: Method, lora: LoRASettings?, settings: TrainingSettings,
                preference: PreferenceLossSettings? = nil, grpo: GRPOSettings? = nil, template: String,
                dataName: String, validationName: String?, train: [Example], validation: [Example],
                hasBOS: Bool = true, hasEOS: Bool = true) {
        self.model = model
        self.recipe = recipe
        self.method = method
        self.lora = lora
        self.settings = settings
        self.preference = preference
        self.grpo = grpo
        self.template = template
        self.dataName = dataName
        self.validationName = validationName
        self.train = train
        self.validation = validation
        self.hasBOS = hasBOS
        self.hasEOS = hasEOS
    }

    /// The data file names inside the export.
    public static let trainFile = "data/train.jsonl"
    public static let validationFile = "data/validation.jsonl"

    /// `examples` as JSON Lines, one object per line with sorted keys.
    public static func jsonLines(_ examples: [Example]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return examples.map { String(decoding: (try? encoder.encode($0.jsonObject)) ?? Data(), as: UTF8.self) + "\n" }.joined()
    }

    /// The examples per micro-batch as the tools count them: answers, so for GRPO the prompts
    /// hone counts times the answers sampled for each.
    public var batchOfAnswers: Int { settings.batchSize * (grpo?.group ?? 1) }

    /// The total optimizer steps, or nil when the run is given in epochs.
    public var maxSteps: Int? { settings.steps }
    public var epochs: Double { settings.steps == nil ? settings.epochs ?? 1 : 1 }
}

/// Why a session cannot be exported faithfully, named so the user can change it.
public struct ExportError: Error, CustomStringConvertible, Sendable, Equatable {
    public var message: String
    public var hints: [String]
    public init(_ message: String, hints: [String] = []) {
        self.message = message
        self.hints = hints
    }
    public var description: String { ([message] + hints).joined(separator: "; ") }
}

/// One line of an export's README table: a hone setting, its value, the tool's key it became
/// (nil when it has none) and what was chosen where the match is not exact.
public struct ExportMapping: Sendable, Equatable {
    public var setting: String
    public var value: String
    public var key: String?
    public var note: String?
    public init(_ setting: String, _ value: String, key: String?, note: String? = nil) {
        self.setting = setting
        self.value = value
        self.key = key
        self.note = note
    }
}

/// A written export: file paths relative to the directory, with their contents.
public struct ExportFiles: Sendable {
    public var files: [(path: String, contents: String)]
    public init(_ files: [(path: String, contents: String)]) { self.files = files }
    public subscript(path: String) -> String? { files.first { $0.path == path }?.contents }
}
