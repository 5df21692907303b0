// adapter_config.json: PEFT's `LoraConfig` as JSON (ANCHORS §3.4). Reading accepts a file from
// any PEFT version: keys hone does not know are ignored, but a key that turns on a feature hone
// lacks is refused by name. Writing emits only the classic key subset, which every PEFT since
// 0.9 accepts (older versions fail on keys they do not know).
import Foundation
import HoneModels

extension PEFTAdapterFile {
    /// The keys `configurationJSON` writes: the classic `LoraConfig` subset.
    public static let classicKeys = [
        "alpha_pattern", "base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode",
        "init_lora_weights", "layers_pattern", "layers_to_transform", "lora_alpha", "lora_dropout",
        "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules",
        "task_type", "use_dora", "use_rslora",
    ]

    /// `adapter_config.json` for `configuration`: the classic keys, sorted, indented by two
    /// spaces as PEFT's `json.dumps(indent=2, sort_keys=True)` writes them. `targetModules` is
    /// written sorted (a set in PEFT: the order means nothing).
    public static func configurationJSON(_ configuration: AdapterConfiguration) throws -> Data {
        let c = configuration
        func string(_ s: String) -> String {
            // A JSON string literal: quotes, backslashes and control characters escaped.
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        func number(_ x: Double) -> String {
            x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
        }
        let targets = Array(Set(c.targetModules)).sorted()
        let values: [String: String] = [
            "alpha_pattern": "{}",
            "base_model_name_or_path": c.baseModelNameOrPath.map(string) ?? "null",
            "bias": string(c.bias),
            "fan_in_fan_out": "\(c.fanInFanOut)",
            "inference_mode": "true",
            "init_lora_weights": "true",
            "layers_pattern": "null",
            "layers_to_transform": "null",
            "lora_alpha": number(c.alpha),
            "lora_dropout": c.dropout == 0 ? "0.0" : "\(c.dropout)",
            "modules_to_save": "null",
            "peft_type": string("LORA"),
            "r": "\(c.rank)",
            "rank_pattern": "{}",
            "revision": "null",
            "target_modules": targets.isEmpty ? "[]" : "[\n" + targets.map { "    " + string($0) }.joined(separator: ",\n") + "\n  ]",
            "task_type": string(c.taskType),
            "use_dora": "\(c.useDoRA)",
            "use_rslora": "\(c.useRSLoRA)",
        ]
        guard c.alpha.isFinite, c.dropout.isFinite else {
            throw CheckpointError(file: configurationName, "lora_alpha \(c.alpha) and lora_dropout \(c.dropout) must be finite numbers")
        }
        let lines = classicKeys.map { "  \(string($0)): \(values[$0]!)" }
        return Data(("{\n" + lines.joined(separator: ",\n") + "\n}\n").utf8)
    }

    /// The configuration in `adapter_config.json` bytes. `targetModules` is nil when the file
    /// gives `target_modules` as a string (a regular expression or "all-linear"), which only the
    /// tensor names resolve. Throws a `CheckpointError` naming `file` and the key at fault.
    static func parseConfiguration(_ data: Data, file: String) throws -> (AdapterConfiguration, targetModules: [String]?) {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw CheckpointError(file: file, "is not valid JSON")
        }
        guard let object = json as? [String: Any] else { throw CheckpointError(file: file, "is not a JSON object") }
        func fail(_ key: String, _ message: String) -> CheckpointError {
            CheckpointError(file: file, "`\(key)` \(message)")
        }
        func present(_ key: String) -> Any? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            return value
        }
        func string(_ key: String) throws -> String? {
            guard let value = present(key) else { return nil }
            guard let s = value as? String else { throw fail(key, "is \(value), expected a string") }
            return s
        }
        func bool(_ key: String) throws -> Bool? {
            guard let value = present(key) else { return nil }
            guard let number = value as? NSNumber, isBoolean(number) else { throw fail(key, "is \(value), expected true or false") }
            return number.boolValue
        }
        func number(_ key: String) throws -> Double? {
            guard let value = present(key) else { return nil }
            guard let number = value as? NSNumber, !isBoolean(number), number.doubleValue.isFinite else {
                throw fail(key, "is \(value), expected a number")
            }
            return number.doubleValue
        }
        /// Whether `key` holds something other than null, false, an empty list or an empty object.
        func isSet(_ key: String) -> Bool {
            guard let value = present(key) else { return false }
            if let number = value as? NSNumber, isBoolean(number) { return number.boolValue }
            if let list = value as? [Any] { return !list.isEmpty }
            if let map = value as? [String: Any] { return !map.isEmpty }
            return true
        }

        // What kind of adapter this is.
        guard let peftType = try string("peft_type") else {
            throw fail("peft_type", "is missing; a PEFT adapter config names its method (hone reads \"LORA\")")
        }
        guard peftType == "LORA" else {
            throw fail("peft_type", "is \"\(peftType)\"; hone reads LoRA adapters only (peft_type \"LORA\", with use_dora for DoRA)")
        }
        let taskType = try string("task_type") ?? "CAUSAL_LM"
        guard taskType == "CAUSAL_LM" else {
            throw fail("task_type", "is \"\(taskType)\"; hone reads adapters for causal language models (\"CAUSAL_LM\")")
        }

        // Features hone does not implement, each refused by its key.
        let refusals: [(key: String, why: String)] = [
            ("modules_to_save", "lists modules saved in full beside the adapter; hone's adapters hold LoRA tensors only"),
            // (layers_pattern only matters together with layers_to_transform.)
            ("layers_to_transform", "restricts LoRA to some layers; hone applies an adapter to every layer holding its tensors and does not read this key"),
            ("rank_pattern", "gives some modules their own rank; hone uses one rank r for all modules"),
            ("alpha_pattern", "gives some modules their own lora_alpha; hone uses one lora_alpha for all modules"),
            ("lora_bias", "adds a trained bias to lora_B; hone's adapters have none"),
            ("use_qalora", "turns on QA-LoRA's pooled inputs, which hone does not implement"),
            ("layer_replication", "duplicates layers of the base model, which hone does not implement"),
            ("trainable_token_indices", "trains some embedding rows beside the adapter, which hone does not implement"),
            ("target_parameters", "targets parameters instead of modules, which hone does not implement"),
            ("alora_invocation_tokens", "makes this an activated LoRA (aLoRA), which hone does not implement"),
            ("arrow_config", "routes between several adapters (Arrow), which hone does not implement"),
            ("use_bdlora", "turns on block-diagonal LoRA, which hone does not implement"),
        ]
        for (key, why) in refusals where isSet(key) {
            throw fail(key, "is \(describe(object[key]!)): it \(why)")
        }
        if let bias = try string("bias"), bias != "none" {
            throw fail("bias", "is \"\(bias)\"; hone trains no biases in an adapter (only \"none\")")
        }
        if let value = present("init_lora_weights"), let method = value as? String {
            let lower = method.lowercased()
            if ["pissa", "olora", "loftq", "corda"].contains(where: { lower.hasPrefix($0) }) {
                throw fail("init_lora_weights", "is \"\(method)\": this adapter was saved against base weights that its initialisation changed, so it does not apply to the original model; convert it with PEFT's path_initial_model_for_weight_conversion first")
            }
        }

        // The fields hone keeps.
        var rank = 8
        if let r = try number("r") {
            guard r == r.rounded(), Double(LoRASettings.validRanks.lowerBound)...Double(LoRASettings.validRanks.upperBound) ~= r else {
                throw fail("r", "is \(r); the rank is an integer from \(LoRASettings.validRanks.lowerBound) to \(LoRASettings.validRanks.upperBound)")
            }
            rank = Int(r)
        }
        let alpha = try number("lora_alpha") ?? 8
        let dropout = try number("lora_dropout") ?? 0
        guard (0..<1).contains(dropout) else { throw fail("lora_dropout", "is \(dropout); it must be in [0, 1)") }
        var targets: [String]?
        switch present("target_modules") {
        case nil:
            throw fail("target_modules", "is missing; an adapter config lists the modules LoRA targets")
        case let list as [Any]:
            let names = try list.map { item in
                guard let name = item as? String, !name.isEmpty else { throw fail("target_modules", "holds \(item), expected module names") }
                return name
            }
            targets = Array(Set(names)).sorted()  // a set in PEFT: the order means nothing
        case is String:
            targets = nil  // a regular expression or "all-linear": resolved from the tensor names
        case let other?:
            throw fail("target_modules", "is \(other), expected a list of module names or a string")
        }
        let configuration = AdapterConfiguration(
            rank: rank, alpha: alpha, dropout: dropout, targetModules: targets ?? [],
            useRSLoRA: try bool("use_rslora") ?? false, useDoRA: try bool("use_dora") ?? false,
            fanInFanOut: try bool("fan_in_fan_out") ?? false, bias: "none", taskType: taskType,
            baseModelNameOrPath: try string("base_model_name_or_path"))
        return (configuration, targets)
    }

    private static func isBoolean(_ number: NSNumber) -> Bool {
        #if canImport(Darwin)
        return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
        // swift-corelibs-foundation decodes JSON true/false as a boolean NSNumber of ObjC type "c"
        // and integers as "i"/"q", so 1 is never taken for true.
        return String(cString: number.objCType) == "c"
        #endif
    }

    private static func describe(_ value: Any) -> String {
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .sortedKeys]),
           let text = String(data: data, encoding: .utf8) {
            return text
        }
        return "\(value)"
    }
}
