// Hugging Face PEFT's adapter directory (ANCHORS §3.4): adapter_config.json beside
// adapter_model.safetensors, whose tensors are named `base_model.model.<module>.lora_A.weight`
// [r, in], `.lora_B.weight` [out, r] and, for DoRA, `.lora_magnitude_vector` [out] (no
// `.weight`), with safetensors metadata {"format": "pt"}. q/k rows are in Hugging Face's
// half-rotation layout, as in the base model's own files.
import Foundation
import HoneModels
import HoneTensor

public enum PEFTAdapterFile {
    public static let configurationName = "adapter_config.json"
    public static let weightsName = "adapter_model.safetensors"
    /// The prefix PEFT puts before the model's module names (PeftModel → LoraModel → the model).
    public static let prefix = "base_model.model."

    /// The file name of a module's tensor: `part` is `lora_A`, `lora_B` or `lora_magnitude_vector`.
    public static func tensorName(module: String, part: String) -> String {
        prefix + module + "." + part + (part == "lora_magnitude_vector" ? "" : ".weight")
    }

    // MARK: - Reading

    /// The adapter in the PEFT directory `directory`, in float32 and the half-rotation layout.
    /// Throws a `CheckpointError` naming the file (and tensor or key) when the directory is not a
    /// LoRA/DoRA adapter hone can apply.
    public static func read(directory: String) throws -> AdapterWeights {
        let fm = FileManager.default
        let configPath = directory + "/" + configurationName
        let weightsPath = directory + "/" + weightsName
        guard fm.fileExists(atPath: configPath) else {
            throw CheckpointError(file: configPath, "is missing; a PEFT adapter directory holds \(configurationName) and \(weightsName)")
        }
        guard fm.fileExists(atPath: weightsPath) else {
            if fm.fileExists(atPath: directory + "/adapter_model.bin") {
                throw CheckpointError(file: directory + "/adapter_model.bin",
                    "is a pickled PyTorch file, which hone does not load (unpickling can run code); save the adapter with safe_serialization=True")
            }
            throw CheckpointError(file: weightsPath, "is missing; a PEFT adapter directory holds \(configurationName) and \(weightsName)")
        }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: configPath))
        } catch {
            throw CheckpointError(file: configPath, "cannot be read: \(error.localizedDescription)")
        }
        var (configuration, targets) = try parseConfiguration(data, file: configPath)
        let reader = try SafeTensorsReader(path: weightsPath)

        var parts: [String: (a: Tensor?, b: Tensor?, magnitude: Tensor?)] = [:]
        for name in reader.names {
            func fail(_ message: String) -> CheckpointError { CheckpointError(file: weightsPath, tensor: name, message) }
            guard name.hasPrefix(prefix) else {
                throw fail("does not start with `\(prefix)`; PEFT saves a LoRA adapter's tensors under that prefix")
            }
            let rest = String(name.dropFirst(prefix.count))
            let suffixes: [(suffix: String, part: Int)] = [
                (".lora_A.weight", 0), (".lora_B.weight", 1),
                (".lora_magnitude_vector", 2), (".lora_magnitude_vector.weight", 2),
            ]
            guard let (suffix, part) = suffixes.first(where: { rest.hasSuffix($0.suffix) }), rest.count > suffix.count else {
                if rest.hasSuffix(".lora_B.bias") { throw fail("is a LoRA bias (lora_bias), which hone's adapters do not have") }
                if rest.contains(".lora_embedding_") { throw fail("is an embedding LoRA, which hone does not implement (it targets Linear modules)") }
                throw fail("is not a LoRA tensor (lora_A, lora_B or lora_magnitude_vector); a module saved in full (modules_to_save, trainable tokens) is not something hone applies")
            }
            let module = String(rest.dropLast(suffix.count))
            let tensor = try reader.tensor(name)
            var entry = parts[module] ?? (nil, nil, nil)
            switch part {
            case 0: entry.a = tensor
            case 1: entry.b = tensor
            default:
                guard entry.magnitude == nil else { throw fail("repeats the magnitude vector of `\(module)`") }
                entry.magnitude = tensor
            }
            parts[module] = entry
        }

        var modules: [String: AdapterModule] = [:]
        for (module, entry) in parts {
            guard let a = entry.a else {
                throw CheckpointError(file: weightsPath, tensor: tensorName(module: module, part: "lora_A"),
                                      "is missing: the file holds \(entry.b != nil ? "lora_B" : "only a magnitude") for `\(module)` but no lora_A")
            }
            guard let b = entry.b else {
                throw CheckpointError(file: weightsPath, tensor: tensorName(module: module, part: "lora_B"),
                                      "is missing: the file holds lora_A for `\(module)` but no lora_B")
            }
            modules[module] = AdapterModule(a: a, b: b, magnitude: entry.magnitude)
        }
        if targets == nil {
            // A regular expression or "all-linear": the modules the tensors name are the targets.
            configuration.targetModules = Array(Set(modules.keys.map { leaf(of: $0) })).sorted()
        }
        let weights = AdapterWeights(configuration: configuration, modules: modules, rotaryLayout: .halfRotation)
        try weights.validate(file: weightsPath) { tensorName(module: $0, part: $1) }
        try checkTargets(weights, file: weightsPath)
        return weights
    }

    // MARK: - Writing

    /// Writes `weights` (float32, half-rotation layout) as a PEFT adapter directory: the classic
    /// `adapter_config.json` and `adapter_model.safetensors`. A new directory is built beside the
    /// target and renamed into place; in an existing directory each file is replaced atomically
    /// (the weights first) and other files are left alone.
    public static func write(_ weights: AdapterWeights, to directory: String) throws {
        let weightsPath = directory + "/" + weightsName
        guard weights.rotaryLayout == .halfRotation else {
            throw CheckpointError(file: weightsPath,
                "the adapter's q/k rows are in the interleaved rotary layout, but PEFT files hold Hugging Face's half rotation; "
                + "convert them with permutedForRotary(_:to: .halfRotation) or write(_:configuration:to:)")
        }
        try weights.validate(file: weightsPath) { tensorName(module: $0, part: $1) }
        try checkTargets(weights, file: weightsPath)
        let config = try configurationJSON(weights.configuration)
        var tensors: [(String, Tensor)] = []
        for module in weights.moduleNames {
            let m = weights.modules[module]!
            tensors.append((tensorName(module: module, part: "lora_A"), m.a))
            tensors.append((tensorName(module: module, part: "lora_B"), m.b))
            if let magnitude = m.magnitude { tensors.append((tensorName(module: module, part: "lora_magnitude_vector"), magnitude)) }
        }
        let bytes = try SafeTensorsWriter.encode(tensors, metadata: ["format": "pt"], path: weightsPath)

        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CheckpointError(file: directory, "exists and is not a directory; an adapter is saved as a directory")
            }
            try AtomicFile.write(bytes, to: weightsPath)
            try AtomicFile.write(Array(config), to: directory + "/" + configurationName)
        } else {
            try HuggingFaceWriter.replaceDirectory(directory) { staging in
                try AtomicFile.write(bytes, to: staging + "/" + weightsName)
                try AtomicFile.write(Array(config), to: staging + "/" + configurationName)
            }
        }
    }

    /// Writes `weights`, trained on a model described by `configuration`, converting q/k rows to
    /// the half-rotation layout PEFT files hold when they are interleaved.
    public static func write(_ weights: AdapterWeights, configuration: LlamaConfiguration, to directory: String) throws {
        try write(weights.permutedForRotary(configuration, to: .halfRotation), to: directory)
    }

    // MARK: - Targets

    /// The last dotted component of a module name.
    static func leaf(of module: String) -> String {
        module.split(separator: ".").last.map(String.init) ?? module
    }

    /// Refuses modules that `target_modules` does not select: PEFT would not build a LoRA layer
    /// for them, and their tensors would be silently dropped. PEFT matches a target by the whole
    /// name or a dotted suffix.
    static func checkTargets(_ weights: AdapterWeights, file: String) throws {
        let targets = weights.configuration.targetModules
        guard !targets.isEmpty else {
            throw CheckpointError(file: file, "target_modules is empty; it lists the modules the adapter changes")
        }
        for module in weights.moduleNames where !targets.contains(where: { module == $0 || module.hasSuffix("." + $0) }) {
            throw CheckpointError(file: file, tensor: tensorName(module: module, part: "lora_A"),
                "belongs to `\(module)`, which target_modules \(targets) does not select")
        }
    }
}
