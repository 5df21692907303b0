// llama.cpp's LoRA adapter file (`--lora FILE.gguf`; written by its convert_lora_to_gguf.py, read
// by src/llama-adapter.cpp): a GGUF whose metadata has general.architecture "llama",
// general.type "adapter", adapter.type "lora" and adapter.lora.alpha (float32), and whose
// tensors are pairs `<base tensor name>.lora_a` / `.lora_b`, e.g. `blk.0.attn_q.weight.lora_a`.
// The pairs keep PEFT's orientation: lora_a is [r, in] and lora_b [out, r] in row-major shape,
// i.e. ggml ne = [in, r] and [r, out] (the loader checks a.ne[0] == the base tensor's ne[0],
// b.ne[1] == its ne[1], and a.ne[1] == b.ne[0]). The rank comes from the shapes; llama.cpp scales
// by alpha / r (scale alone when alpha is 0) and knows neither rsLoRA nor DoRA. q/k rows are in
// the interleaved rotary layout of GGUF base models.
import Foundation
import HoneModels
import HoneTensor

public enum GGUFAdapterFile {
    public static let aSuffix = ".lora_a"
    public static let bSuffix = ".lora_b"

    /// The alpha to store so that llama.cpp's alpha/r equals the adapter's scaling: alpha itself
    /// for LoRA, alpha·√r for rsLoRA (then alpha·√r / r = alpha/√r).
    public static func storedAlpha(_ configuration: AdapterConfiguration) -> Double {
        configuration.useRSLoRA ? configuration.alpha * Double(configuration.rank).squareRoot() : configuration.alpha
    }

    // MARK: - Writing

    /// Writes `weights`, an adapter for the Llama model `configuration` describes, as a llama.cpp
    /// LoRA GGUF at `path` (atomically, float32 tensors). q/k B rows are converted from
    /// `weights.rotaryLayout` to interleaved; an rsLoRA scaling is folded into alpha. DoRA
    /// adapters, and modules llama.cpp has no name for, are refused.
    public static func write(_ weights: AdapterWeights, configuration: LlamaConfiguration, to path: String, name: String? = nil) throws {
        let c = weights.configuration
        guard !c.useDoRA else {
            throw CheckpointError(file: path,
                "the adapter is DoRA (use_dora), which llama.cpp's LoRA files cannot hold: they have no magnitude vectors, and "
                + "llama.cpp adds scale·B·A to the output without DoRA's row normalisation. Merge the adapter into the model and export that instead")
        }
        guard !c.fanInFanOut else {
            throw CheckpointError(file: path, "the adapter is for Conv1D weights (fan_in_fan_out, GPT-2); llama.cpp LoRA files here are for Llama models")
        }
        try weights.validate(file: path) { module, part in
            (GGUFLlama.ggufName(huggingFace: module + ".weight") ?? module) + (part == "lora_A" ? aSuffix : bSuffix)
        }
        let interleaved = try weights.permutedForRotary(configuration, to: .interleaved)
        var writer = GGUFWriter()
        writer.add("general.architecture", .string("llama"))
        writer.add("general.type", .string("adapter"))
        if let name { writer.add("general.name", .string(name)) }
        writer.add("adapter.type", .string("lora"))
        writer.add("adapter.lora.alpha", .float32(Float(storedAlpha(c))))
        for module in interleaved.moduleNames {
            guard let base = GGUFLlama.ggufName(huggingFace: module + ".weight"), base.hasPrefix("blk.") else {
                throw CheckpointError(file: path, tensor: module,
                    "has no llama.cpp LoRA name; llama.cpp's Llama adapters cover the attention and MLP projections of each block")
            }
            let m = interleaved.modules[module]!
            try checkShape(module: module, base: base, a: m.a, b: m.b, configuration: configuration, file: path)
            writer.add(tensor: base + aSuffix, m.a, type: .f32)
            writer.add(tensor: base + bSuffix, m.b, type: .f32)
        }
        try writer.write(to: path)
    }

    /// Refuses a module whose A/B shapes do not fit the base weight llama.cpp will look up:
    /// in = the base's columns, out = its rows.
    static func checkShape(module: String, base: String, a: Tensor, b: Tensor, configuration: LlamaConfiguration, file: String) throws {
        let c = configuration
        let leaf = module.split(separator: ".").suffix(2).joined(separator: ".")
        let expected: (out: Int, in: Int)? = [
            "self_attn.q_proj": (c.queryDim, c.hiddenSize), "self_attn.k_proj": (c.kvDim, c.hiddenSize),
            "self_attn.v_proj": (c.kvDim, c.hiddenSize), "self_attn.o_proj": (c.hiddenSize, c.queryDim),
            "mlp.gate_proj": (c.intermediateSize, c.hiddenSize), "mlp.up_proj": (c.intermediateSize, c.hiddenSize),
            "mlp.down_proj": (c.hiddenSize, c.intermediateSize),
        ][leaf]
        guard let expected else { return }
        guard b.shape[0] == expected.out, a.shape[1] == expected.in else {
            throw CheckpointError(file: file, tensor: base + aSuffix,
                "lora_A \(a.shape) and lora_B \(b.shape) make a [\(b.shape[0]), \(a.shape[1])] update, but the model's `\(module)` is [\(expected.out), \(expected.in)]")
        }
    }

    // MARK: - Reading

    /// The adapter in the llama.cpp LoRA GGUF at `path`, with Hugging Face module names and
    /// q/k B rows still interleaved (`rotaryLayout` .interleaved; convert with
    /// `permutedForRotary`). The file cannot say whether it was rsLoRA, so the configuration is
    /// plain LoRA with alpha as stored (alpha = r when the file's alpha is 0, llama.cpp's
    /// "scale 1"); dropout is 0 and the targets are the modules' last name components.
    public static func read(path: String) throws -> AdapterWeights {
        try read(try GGUFReader(path: path))
    }

    /// `read(path:)` from an open reader.
    static func read(_ reader: GGUFReader) throws -> AdapterWeights {
        let path = reader.path
        func key(_ name: String) throws -> GGUFValue {
            guard let value = reader.metadata[name] else { throw CheckpointError(file: path, "has no `\(name)`, which a llama.cpp LoRA adapter needs") }
            return value
        }
        guard try key("general.type").string == "adapter" else {
            throw CheckpointError(file: path, "general.type is \(try key("general.type")), not \"adapter\": this is not a llama.cpp adapter file")
        }
        guard try key("adapter.type").string == "lora" else {
            throw CheckpointError(file: path, "adapter.type is \(try key("adapter.type")); hone reads LoRA adapters (\"lora\") only")
        }
        guard let architecture = try key("general.architecture").string, GGUFLlama.supportedArchitectures.contains(architecture) else {
            throw CheckpointError(file: path, "general.architecture is \(try key("general.architecture")); hone reads adapters for \(GGUFLlama.supportedArchitectures.joined(separator: ", "))")
        }
        var alpha = 0.0
        if let stored = reader.metadata["adapter.lora.alpha"] {
            guard let value = stored.double, value.isFinite else {
                throw CheckpointError(file: path, "adapter.lora.alpha is \(stored), expected a number")
            }
            alpha = value
        }

        var parts: [String: (a: Tensor?, b: Tensor?)] = [:]
        for name in reader.tensorNames {
            let isA = name.hasSuffix(aSuffix), isB = name.hasSuffix(bSuffix)
            guard isA || isB else {
                throw CheckpointError(file: path, tensor: name, "is not a LoRA tensor (`<base tensor>.lora_a` or `.lora_b`); hone's adapters hold LoRA pairs only")
            }
            let base = String(name.dropLast(aSuffix.count))
            guard let hf = GGUFLlama.huggingFaceName(gguf: base), hf.hasSuffix(".weight"), base.hasPrefix("blk.") else {
                throw CheckpointError(file: path, tensor: name, "does not adapt a Llama block weight hone knows (blk.N.{attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down}.weight)")
            }
            let module = String(hf.dropLast(".weight".count))
            let tensor = try reader.tensor(name)
            var entry = parts[module] ?? (nil, nil)
            if isA { entry.a = tensor } else { entry.b = tensor }
            parts[module] = entry
        }
        var modules: [String: AdapterModule] = [:]
        var rank: Int?
        for module in parts.keys.sorted(by: AdapterWeights.modelOrder) {
            let entry = parts[module]!
            let base = GGUFLlama.ggufName(huggingFace: module + ".weight")!
            guard let a = entry.a, let b = entry.b else {
                throw CheckpointError(file: path, tensor: base + (entry.a == nil ? aSuffix : bSuffix),
                                      "is missing: the LoRA pair for `\(base)` has only one of lora_a and lora_b")
            }
            guard a.rank == 2, b.rank == 2 else {
                throw CheckpointError(file: path, tensor: base + aSuffix, "lora_a \(a.shape) and lora_b \(b.shape) are not both matrices")
            }
            guard a.shape[0] == b.shape[1] else {
                throw CheckpointError(file: path, tensor: base + aSuffix,
                    "lora_a is \(a.shape) and lora_b \(b.shape): their ranks differ (lora_a [r, in], lora_b [out, r]; a transposed lora_a is the old finetune example's layout)")
            }
            if let rank, rank != a.shape[0] {
                throw CheckpointError(file: path, tensor: base + aSuffix,
                    "has rank \(a.shape[0]) but other modules have rank \(rank); hone uses one rank for all modules")
            }
            if let problem = LoRASettings.rankProblem(a.shape[0]) { throw CheckpointError(file: path, tensor: base + aSuffix, problem) }
            rank = a.shape[0]
            modules[module] = AdapterModule(a: a, b: b)
        }
        guard let rank else { throw CheckpointError(file: path, "holds no LoRA tensors") }
        let configuration = AdapterConfiguration(
            rank: rank, alpha: alpha == 0 ? Double(rank) : alpha,
            targetModules: Array(Set(modules.keys.map { PEFTAdapterFile.leaf(of: $0) })).sorted())
        let weights = AdapterWeights(configuration: configuration, modules: modules, rotaryLayout: .interleaved)
        try weights.validate(file: path) { module, part in
            GGUFLlama.ggufName(huggingFace: module + ".weight")! + (part == "lora_A" ? aSuffix : bSuffix)
        }
        return weights
    }
}
