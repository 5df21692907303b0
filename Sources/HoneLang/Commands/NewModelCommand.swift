import Foundation
import HoneModels
import HoneTensor

/// `new model llama [hidden=] [layers=] [heads=] [kv_heads=] [intermediate=] [context=] [tie=]
/// tokenizer=PATH [seed=] [as NAME]`: a randomly initialised model to pretrain with
/// `train DATA method=full`.
public enum NewModelCommand: Command {
    static let architecture = Arg<String>.positional("architecture", .choice(["llama"]), help: "the architecture; llama is the one hone builds")
    static let hidden = Arg<Int>.option("hidden", .int(1...65_536), default: .int(256), help: "hidden_size: the width of the residual stream")
    static let layers = Arg<Int>.option("layers", .int(1...1024), default: .int(6), help: "num_hidden_layers")
    static let heads = Arg<Int>.option("heads", .int(1...1024), default: .int(8), help: "num_attention_heads; must divide hidden")
    static let kvHeads = Arg<Int>.option("kv_heads", .int(1...1024), help: "num_key_value_heads; must divide heads (default: heads, no grouping)")
    static let intermediate = Arg<Int>.option("intermediate", .int(1...1_000_000),
        help: "intermediate_size of the SwiGLU MLP (default: 8/3 × hidden rounded up to a multiple of 32, as many parameters as a 4 × hidden MLP)")
    static let contextLength = Arg<Int>.option("context", .int(1...1_000_000), default: .int(512), help: "max_position_embeddings")
    static let tie = Arg<Bool>.option("tie", .bool, default: .bool(true), help: "share the embedding with the output layer (tie_word_embeddings)")
    static let tokenizer = Arg<String>.option("tokenizer", .path(extensions: []), required: true,
        help: "a directory with tokenizer.json (from `tokenizer train`); it fixes the vocabulary size and BOS/EOS")
    static let seed = Arg<Int>.option("seed", .int(0...Int.max), help: "the seed of the initial weights (default: the session's `seed`)")
    static let name = Arg<String>.clause("as", .name, help: "the name the session keeps the model under (default: llama)")

    public static let spec = CommandSpec(
        ["new", "model"], summary: "make a randomly initialised Llama model, to pretrain from scratch",
        discussion: """
            Weights are initialised as Hugging Face does: normal with standard deviation 0.02 \
            (initializer_range) for the embedding and every linear weight, ones for the RMSNorm \
            weights. rope_theta is 10000 and rms_norm_eps 1e-5; the vocabulary size and the BOS \
            and EOS ids come from the tokenizer. The model becomes the current one, like `load \
            model`; `train DATA method=full` pretrains it and `save model PATH` writes it as a \
            Hugging Face directory (or GGUF) with its tokenizer.
            """,
        category: .models,
        arguments: [architecture.spec, hidden.spec, layers.spec, heads.spec, kvHeads.spec, intermediate.spec, contextLength.spec,
                    tie.spec, tokenizer.spec, seed.spec, name.spec],
        examples: [.init("new model llama tokenizer=out/tok as tiny", "hidden 256, 6 layers, 8 heads, context 512"),
                   .init("new model llama hidden=64 layers=2 heads=4 tokenizer=out/tok", "a toy model for tests")],
        isHeavy: true)

    /// 8/3 × hidden rounded up to a multiple of 32: SwiGLU's three matrices then hold about as
    /// many parameters as a 4 × hidden two-matrix MLP (Llama's rule, with a finer multiple so
    /// small models do not overshoot).
    static func defaultIntermediate(hidden: Int) -> Int { (8 * hidden / 3 + 31) / 32 * 32 }

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let written = arguments[tokenizer]
        var directory = context.resolve(path: written)
        if directory.hasSuffix("/tokenizer.json") { directory = (directory as NSString).deletingLastPathComponent }
        let tokenizerRange = arguments.range(of: tokenizer) ?? context.call.range
        let loadedTokenizer: any Tokenizer
        do {
            loadedTokenizer = try TokenizerLoader.load(directory: directory)
        } catch {
            throw HoneError(.value, "cannot read the tokenizer in `\(written)`", at: tokenizerRange,
                            hints: ["`tokenizer train DATA vocab=N file=\(written)` makes one"], cause: "\(error)")
        }
        let hiddenSize = arguments[hidden], headCount = arguments[heads]
        let kvHeadCount = arguments.optional(kvHeads) ?? headCount
        guard hiddenSize % headCount == 0 else {
            throw HoneError(.value, "hidden=\(hiddenSize) is not a multiple of heads=\(headCount)", at: arguments.range(of: heads) ?? context.call.range,
                            hints: ["each head gets hidden/heads dimensions, e.g. hidden=\(hiddenSize / headCount * headCount + headCount) or heads=\(Self.divisor(of: hiddenSize, near: headCount))"])
        }
        guard headCount % kvHeadCount == 0 else {
            throw HoneError(.value, "heads=\(headCount) is not a multiple of kv_heads=\(kvHeadCount)", at: arguments.range(of: kvHeads) ?? context.call.range,
                            hints: ["grouped-query attention shares each kv head among heads/kv_heads query heads"])
        }
        var configuration = LlamaConfiguration(
            hiddenSize: hiddenSize, intermediateSize: arguments.optional(intermediate) ?? Self.defaultIntermediate(hidden: hiddenSize),
            numHiddenLayers: arguments[layers], numAttentionHeads: headCount, numKeyValueHeads: kvHeadCount,
            vocabSize: loadedTokenizer.vocabularySize, maxPositionEmbeddings: arguments[contextLength],
            rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: arguments[tie])
        configuration.bosTokenID = loadedTokenizer.bos
        configuration.eosTokenID = loadedTokenizer.eos
        var sessionSeed = 0
        if case .int(let s) = context.session.option("seed") { sessionSeed = s }
        let model: LlamaModel
        do {
            model = try LlamaModel.randomlyInitialized(configuration: configuration, seed: UInt64(arguments.optional(seed) ?? sessionSeed))
        } catch {
            throw HoneError(.value, "cannot make this model", at: context.call.range, cause: "\(error)")
        }
        let handleName = arguments.optional(name) ?? "llama"
        let loaded = LoadedModel(model: model, tokenizer: loadedTokenizer, format: .huggingFace, path: directory,
                                 notes: ["randomly initialised (std 0.02); tokenizer from \(written)"])
        let handle = ModelHandle(name: handleName, loaded: loaded, source: "new llama")
        context.session.workspace.add(handle)
        if arguments.contains(name) { context.session.setVariable(handleName, .object(handle)) }
        context.say("new \(handleName): llama, \(ModelHandle.count(model.parameterCount)) parameters (\(model.parameterCount)) "
                    + "(\(model.layerCount) layers, hidden \(model.hiddenSize), \(headCount) heads / \(kvHeadCount) kv, "
                    + "intermediate \(configuration.intermediateSize), vocab \(model.vocabularySize), context \(model.contextLength)"
                    + (configuration.tieWordEmbeddings ? ", tied embeddings" : "") + ")")
        return .object(handle)
    }

    /// The divisor of `n` closest to `wanted` (for a hint).
    static func divisor(of n: Int, near wanted: Int) -> Int {
        (1...max(1, n)).filter { n % $0 == 0 }.min { abs($0 - wanted) < abs($1 - wanted) } ?? 1
    }

    public static func variablesDefined(by call: CommandCall) -> Set<String>? {
        for argument in call.arguments {
            if case .clause("as", _) = argument.label, case .bare(let name, _) = argument.value { return [name] }
        }
        return []
    }
}
