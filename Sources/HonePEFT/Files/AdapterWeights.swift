// The plain data of one LoRA adapter: the `LoraConfig` fields hone supports and each targeted
// module's A, B (and DoRA magnitude) tensors. The file formats (PEFTAdapterFile,
// GGUFAdapterFile) read and write this type; the LoRA layers are built from it elsewhere.
import Foundation
import HoneModels
import HoneTensor

/// The fields of PEFT's `LoraConfig` that hone supports (ANCHORS §3.1, §3.4).
public struct AdapterConfiguration: Sendable, Equatable {
    /// `r`: the rank of every module (hone has no `rank_pattern`).
    public var rank: Int
    /// `lora_alpha`.
    public var alpha: Double
    /// `lora_dropout`: applied to the LoRA branch's input only, while training.
    public var dropout: Double
    /// `target_modules` as PEFT lists them: module names or dotted suffixes, e.g. `["q_proj", "v_proj"]`.
    public var targetModules: [String]
    /// `use_rslora`: scale by alpha/√r instead of alpha/r.
    public var useRSLoRA: Bool
    /// `use_dora`: each module also holds a magnitude vector (weight-decomposed LoRA).
    public var useDoRA: Bool
    /// `fan_in_fan_out`: the base weights are stored [in, out] (GPT-2's Conv1D); the adapter
    /// tensors keep the Linear convention either way.
    public var fanInFanOut: Bool
    /// `bias`: hone supports "none" only.
    public var bias: String
    /// `task_type`: "CAUSAL_LM".
    public var taskType: String
    /// `base_model_name_or_path`.
    public var baseModelNameOrPath: String?

    public init(
        rank: Int, alpha: Double, dropout: Double = 0, targetModules: [String],
        useRSLoRA: Bool = false, useDoRA: Bool = false, fanInFanOut: Bool = false,
        bias: String = "none", taskType: String = "CAUSAL_LM", baseModelNameOrPath: String? = nil
    ) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targetModules = targetModules
        self.useRSLoRA = useRSLoRA
        self.useDoRA = useDoRA
        self.fanInFanOut = fanInFanOut
        self.bias = bias
        self.taskType = taskType
        self.baseModelNameOrPath = baseModelNameOrPath
    }

    /// The factor on B·A: alpha/r, or alpha/√r with rsLoRA.
    public var scaling: Double { useRSLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank) }
}

/// One targeted module's adapter tensors, in PyTorch's Linear convention.
public struct AdapterModule: Sendable {
    /// `lora_A`: [r, in].
    public var a: Tensor
    /// `lora_B`: [out, r].
    public var b: Tensor
    /// DoRA's `lora_magnitude_vector`: [out]; nil for plain LoRA.
    public var magnitude: Tensor?

    public init(a: Tensor, b: Tensor, magnitude: Tensor? = nil) {
        self.a = a
        self.b = b
        self.magnitude = magnitude
    }

    /// The trainable values: r·(in + out), plus out for DoRA.
    public var parameterCount: Int { a.count + b.count + (magnitude?.count ?? 0) }
}

/// One adapter: its configuration and its modules' tensors by the model's module name
/// (Hugging Face names without `.weight`, e.g. `model.layers.0.self_attn.q_proj`).
public struct AdapterWeights: Sendable {
    public var configuration: AdapterConfiguration
    public var modules: [String: AdapterModule]
    /// The rotary layout the q_proj/k_proj modules' B rows (and magnitudes) are in: that of the
    /// base model the adapter belongs to. PEFT files are always half rotation; an adapter
    /// trained on a model read from GGUF or llama2.c is interleaved.
    public var rotaryLayout: RotaryLayout

    public init(configuration: AdapterConfiguration, modules: [String: AdapterModule], rotaryLayout: RotaryLayout = .halfRotation) {
        self.configuration = configuration
        self.modules = modules
        self.rotaryLayout = rotaryLayout
    }

    /// The module names in model order (layer numbers compared as numbers).
    public var moduleNames: [String] { modules.keys.sorted(by: Self.modelOrder) }

    /// The trainable values over all modules, as PEFT's `print_trainable_parameters` counts them.
    public var parameterCount: Int { modules.values.reduce(0) { $0 + $1.parameterCount } }

    /// Checks that every module's shapes agree with the rank and with each other, and that
    /// magnitudes are present exactly when DoRA is on. `file` names the file in the error and
    /// `tensorName(module, part)` the tensor (`part` is lora_A, lora_B or lora_magnitude_vector).
    public func validate(file: String, tensorName: (String, String) -> String = { "\($0).\($1)" }) throws {
        let c = configuration
        if let problem = LoRASettings.rankProblem(c.rank) { throw CheckpointError(file: file, problem) }
        guard c.alpha.isFinite else { throw CheckpointError(file: file, "lora_alpha is \(c.alpha); it must be a finite number") }
        guard c.dropout.isFinite, (0..<1).contains(c.dropout) else {
            throw CheckpointError(file: file, "lora_dropout is \(c.dropout); it must be in [0, 1)")
        }
        guard c.bias == "none" else {
            throw CheckpointError(file: file, "bias is \"\(c.bias)\"; hone trains no biases in an adapter (only \"none\")")
        }
        guard !modules.isEmpty else { throw CheckpointError(file: file, "the adapter holds no LoRA modules") }
        for name in moduleNames {
            let module = modules[name]!
            func fail(_ tensor: String, _ message: String) -> CheckpointError {
                CheckpointError(file: file, tensor: tensorName(name, tensor), message)
            }
            guard module.a.rank == 2 else { throw fail("lora_A", "has shape \(module.a.shape); lora_A is a matrix [r, in]") }
            guard module.b.rank == 2 else { throw fail("lora_B", "has shape \(module.b.shape); lora_B is a matrix [out, r]") }
            guard module.a.shape[0] == c.rank else {
                throw fail("lora_A", "has shape \(module.a.shape), but the rank r is \(c.rank): lora_A is [r, in]")
            }
            guard module.b.shape[1] == c.rank else {
                throw fail("lora_B", "has shape \(module.b.shape), but the rank r is \(c.rank): lora_B is [out, r]")
            }
            guard module.a.shape[1] > 0, module.b.shape[0] > 0 else {
                throw fail("lora_A", "has an empty dimension (lora_A \(module.a.shape), lora_B \(module.b.shape))")
            }
            switch (module.magnitude, c.useDoRA) {
            case (let m?, true):
                guard m.shape == [module.b.shape[0]] else {
                    throw fail("lora_magnitude_vector", "has shape \(m.shape), but lora_B has \(module.b.shape[0]) output rows: the magnitude is [out]")
                }
            case (nil, true):
                throw fail("lora_magnitude_vector", "is missing; a DoRA adapter (use_dora) holds one for every module")
            case (.some, false):
                throw fail("lora_magnitude_vector", "is present, but use_dora is false")
            case (nil, false):
                break
            }
        }
    }

    /// Whether `a` comes before `b` in model order: dotted parts compared one by one, numbers as numbers.
    static func modelOrder(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".", omittingEmptySubsequences: false)
        let y = b.split(separator: ".", omittingEmptySubsequences: false)
        for (p, q) in zip(x, y) where p != q {
            if let i = Int(p), let j = Int(q) { return i < j }
            return p < q
        }
        return x.count < y.count
    }
}
