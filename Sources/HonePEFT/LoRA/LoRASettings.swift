import HoneModels

/// How A is initialised (B always starts at zero, so a fresh adapter changes nothing).
public enum LoRAInitialization: String, Sendable, CaseIterable, Codable {
    /// PEFT's default: Kaiming-uniform with a = √5, i.e. A ~ U(−1/√in, 1/√in).
    case kaiming
    /// PEFT's `init_lora_weights="gaussian"`: A ~ N(0, 1/r).
    case gaussian
    /// PiSSA: A and B from the top r singular vectors of W (A = √(S/s)·Vᵀ, B = U·√(S/s)), and the
    /// base weight replaced by the residual W − s·BA, so the model's outputs are unchanged while
    /// the adapter starts on W's principal directions.
    case pissa
}

/// A LoRA adapter's hyperparameters, with PEFT's `LoraConfig` defaults.
public struct LoRASettings: Sendable, Equatable, Codable {
    public var rank = 8
    public var alpha = 8.0
    /// Dropout on the adapter's input only (the base path sees the undropped input).
    public var dropout = 0.0
    /// Module names as PEFT's `target_modules` lists them (`q_proj`, or a full name), `all-linear`,
    /// or glob patterns with `*` matched against full module names (`*.layers.0.*`).
    public var targets: [String] = ["q_proj", "v_proj"]
    /// Scale by alpha/√r instead of alpha/r.
    public var rsLoRA = false
    /// Weight-decomposed LoRA: a learned magnitude per output row times the direction of W + s·BA.
    public var dora = false
    public var initialization = LoRAInitialization.kaiming
    public var seed: UInt64 = 0

    public init(rank: Int = 8, alpha: Double = 8, dropout: Double = 0, targets: [String] = ["q_proj", "v_proj"],
                rsLoRA: Bool = false, dora: Bool = false, initialization: LoRAInitialization = .kaiming, seed: UInt64 = 0) {
        self.rank = rank
        self.alpha = alpha
        self.dropout = dropout
        self.targets = targets
        self.rsLoRA = rsLoRA
        self.dora = dora
        self.initialization = initialization
        self.seed = seed
    }

    /// The ranks hone makes, trains and reads, declared once for the `lora` commands, fresh
    /// adapters and the PEFT and GGUF readers. PEFT takes any positive integer; a rank above the
    /// widest layer of any model in use gives no more capacity, so the bound only stops a slip
    /// such as r=1e9 from allocating far more memory than the machine has.
    public static let validRanks: ClosedRange<Int> = 1...65_536

    /// Why `rank` is not a rank hone accepts, or nil when it is.
    public static func rankProblem(_ rank: Int) -> String? {
        validRanks.contains(rank) ? nil : "the rank r is \(rank); it must be an integer from \(validRanks.lowerBound) to \(validRanks.upperBound)"
    }

    /// alpha/r, or alpha/√r with rsLoRA.
    public var scaling: Double { rsLoRA ? alpha / Double(rank).squareRoot() : alpha / Double(rank) }

    /// The targets when none are given: the family's (PEFT's defaults, `src/peft/utils/constants.py`).
    public static func defaultTargets(for model: any LanguageModel) -> [String] { model.defaultLoRATargets }
}

/// Why an adapter cannot be made for a model.
public struct AdapterError: Error, CustomStringConvertible, Sendable {
    public var message: String
    /// Suggestions: the names that were meant, or what exists.
    public var hints: [String]
    public init(_ message: String, hints: [String] = []) {
        self.message = message
        self.hints = hints
    }
    public var description: String { ([message] + hints).joined(separator: "; ") }
}

extension LoRASettings {
    /// The modules of `model` the targets select, in the model's order. Every target must match
    /// something; one that does not is an error listing the model's linear layer names.
    public func targetedModules(of model: any LanguageModel) throws -> [LinearModule] {
        let modules = model.linearModules
        var selected = Set<String>()
        for target in targets {
            let matches = modules.filter { Self.matches(target, $0) }
            if matches.isEmpty {
                let shortNames = Array(Set(modules.map(\.shortName))).sorted()
                var hints = ["the model's linear layers are " + shortNames.joined(separator: ", ") + " (or `all-linear`)"]
                if let near = Self.nearest(target, among: shortNames) { hints.insert("did you mean `\(near)`?", at: 0) }
                throw AdapterError("the target `\(target)` matches no linear layer of this model", hints: hints)
            }
            selected.formUnion(matches.map(\.name))
        }
        return modules.filter { selected.contains($0.name) }
    }

    /// PEFT's rule: a target names a module by its full name or by its last part(s) after a
    /// dot; `all-linear` takes every linear layer but the output head; `*` is a wildcard.
    static func matches(_ target: String, _ module: LinearModule) -> Bool {
        if target == "all-linear" { return true }
        if target.contains("*") { return glob(target, module.name) }
        return module.name == target || module.name.hasSuffix("." + target)
    }

    static func glob(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var (pi, ti, star, mark) = (0, 0, -1, 0)
        while ti < t.count {
            if pi < p.count && p[pi] != "*" && p[pi] == t[ti] { pi += 1; ti += 1 }
            else if pi < p.count && p[pi] == "*" { star = pi; mark = ti; pi += 1 }
            else if star >= 0 { pi = star + 1; mark += 1; ti = mark }
            else { return false }
        }
        while pi < p.count && p[pi] == "*" { pi += 1 }
        return pi == p.count
    }

    static func nearest(_ word: String, among names: [String]) -> String? {
        Suggestions.closest(to: word, among: names, limit: 1).first
    }
}
