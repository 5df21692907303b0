import Foundation
import HoneModels
import HoneTensor
import HoneTrain

/// `generate "PROMPT" …`: continue a prompt, streaming the text.
public enum GenerateCommand: Command {
    static let prompt = Arg<String>.positional("prompt", .string, help: "the text to continue")
    static let maxTokens = Arg<Int>.option("max_tokens", .int(1...1_000_000), default: .int(128), help: "the most new tokens")
    static let temperature = Arg<Double>.option("temperature", .float(0...100), default: .float(0.8),
        help: "0 is greedy (always the most likely token); higher is more varied")
    static let topK = Arg<Int>.option("top_k", .int(0...10_000_000), default: .int(40), help: "sample among the k most likely tokens; 0 is off")
    static let topP = Arg<Double>.option("top_p", .float(0...1), default: .float(0.95),
        help: "sample among the most likely tokens whose probabilities sum to p; 1 is off")
    static let repetitionPenalty = Arg<Double>.option("repetition_penalty", .float(0...100), default: .float(1),
        help: "divide the logits of tokens already present by this (1 is off; 1.1–1.3 curbs loops)")
    static let seed = Arg<Int>.option("seed", .int(0...Int.max), help: "the sampling seed (default: the session's `seed`)")
    static let stop = Arg<[String]>.option("stop", .list(.string), help: "strings that end generation (not included)")
    static let model = Arg<String>.option("model", .word, help: "the model to use (default: the current model)")
    static let template = Arg<String>.option("template", .string,
        help: "wrap the prompt as a user turn: alpaca, chatml, llama2, plain, a text with {instruction}, or none for raw text (default: the model's template, else none)")

    public static let spec = CommandSpec(
        ["generate"], summary: "continue a prompt with the current model, streaming the text",
        discussion: """
            The text appears as it is generated, followed by the number of tokens and tokens per \
            second. Generation stops at max_tokens, the end-of-sequence token, a stop string, or \
            Ctrl-C (the session and the text so far are kept). Sampling applies the repetition \
            penalty, temperature, top-k and top-p in that order, like Hugging Face's generate; the \
            defaults (temperature 0.8, top_k 40, top_p 0.95) are llama.cpp's. With the same seed \
            the same text comes out. Returns a record with the text, token ids, tokens/s and why \
            it stopped. A model that was trained with a template, or loaded with a chat template, \
            has its prompt wrapped in that template (as a user turn) so it sees what it was \
            trained on; `template=none` passes the text as it is, and a line says which template \
            was used. With `rag=NAME` the k passages of that index that best match the prompt \
            are put into it through `rag_template` (retrieval-augmented generation); with \
            `shots=DATA` the first n_shots records of DATA come first as worked examples \
            (few-shot prompting). Either happens before the model's template wraps the prompt; \
            the passages are listed, and the prompt as the model sees it is printed before the \
            continuation and returned as `prompt`.
            """,
        category: .models,
        arguments: [prompt.spec, maxTokens.spec, temperature.spec, topK.spec, topP.spec, repetitionPenalty.spec, seed.spec, stop.spec, PrecisionChoice.argument.spec, model.spec,
                    template.spec] + AugmentationArguments.specs,
        examples: [.init(#"generate "Once upon a time" max_tokens=20 temperature=0"#, "greedy: the most likely continuation"),
                   .init(#"generate "Name a colour." template=alpaca"#, "the prompt wrapped in the Alpaca instruction format"),
                   .init(#"generate "Lily wanted to" temperature=1.0 top_p=0.9 seed=7"#, "sampled, reproducibly"),
                   .init(#"generate "The cat" stop=["."]"#, "stop at the first full stop"),
                   .init(#"generate "What is the capital of France?" rag=facts k=2"#, "the two best passages of index `facts` go into the prompt"),
                   .init(#"generate "Name a colour." shots=alpaca_en_demo n_shots=2"#, "two worked examples before the question")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let chosen = try InferenceTemplate.resolve(arguments.optional(template), for: handle, range: arguments.range(of: template), in: context)
        var question = arguments[prompt]
        var retrieved: [RetrievalHit] = []
        if let (augmenter, index) = try AugmentationArguments.augmenter(arguments, in: context) {
            (question, retrieved) = augmenter.apply(to: question)
            if let index {
                context.say(retrieved.isEmpty ? "retrieved nothing from \(index.name): no passage shares a term with the prompt"
                    : (["retrieved \(DataReference.plural(retrieved.count, "passage")) from \(index.name):"] + IndexReference.listing(retrieved)).joined(separator: "\n"))
            }
        }
        let text = try chosen.map { try InferenceTemplate.wrap(question, in: $0, range: arguments.range(of: prompt), in: context) }
            ?? question
        if let chosen {
            let whose = arguments.contains(template) ? "" : " (the model's; template=none for raw text)"
            context.say("template: \(chosen.name)\(whose)")
        }
        let ids = InferenceTemplate.encode(text, template: chosen, tokenizer: tokenizer, bos: addsBOS(tokenizer, handle))
        do {
            try handle.model.validate(tokens: ids)
        } catch {
            throw HoneError(.value, "the prompt cannot run on `\(handle.name)`", at: arguments.range(of: prompt), cause: error.description)
        }
        let sessionSeed: Int
        if case .int(let s) = context.session.option("seed") { sessionSeed = s } else { sessionSeed = 0 }
        let sampling = SamplingSettings(
            temperature: Float(arguments[temperature]), topK: arguments[topK], topP: Float(arguments[topP]),
            repetitionPenalty: Float(arguments[repetitionPenalty]), seed: UInt64(arguments.optional(seed) ?? sessionSeed))
        if let problem = sampling.problems.first {
            throw HoneError(.value, problem, at: context.call.range)
        }
        let settings = GenerationSettings(maxNewTokens: arguments[maxTokens], sampling: sampling, stopStrings: arguments.optional(stop) ?? [])
        let output = context.session.output
        output.emit(text, .text)
        let result = Generator.run(model: handle.model, tokenizer: tokenizer, prompt: ids, settings: settings,
                                   onText: { output.emit($0, .text) },
                                   isCancelled: { context.session.interrupt.consume() })
        output.emit("\n", .text)
        var stats = "\(result.newTokens.count) token\(result.newTokens.count == 1 ? "" : "s")"
        if result.generationSeconds > 0 {
            stats += String(format: ", %.1f tokens/s (prompt: %d token%@ in %.1f ms)", result.tokensPerSecond, ids.count, ids.count == 1 ? "" : "s", result.promptSeconds * 1e3)
        }
        context.say(stats, .volatile)
        if result.stopReason != .maxTokens { context.say("stopped at \(result.stopReason)") }
        return .record(Record("generation", [
            ("text", .string(result.text)),
            ("prompt_ids", .list(ids.map(Value.int))),
            ("ids", .list(result.newTokens.map(Value.int))),
            ("tokens_per_second", .float(result.tokensPerSecond)),
            ("stop_reason", .string(Self.reasonName(result.stopReason))),
            ("template", .string(chosen?.name ?? "none")),
            ("prompt", .string(text)),
            ("retrieved", .list(retrieved.enumerated().map { IndexReference.record($1, rank: $0 + 1) })),
        ]))
    }

    /// Whether prompts start with BOS: when the tokenizer says so, and for Llama-family models
    /// (llama2.c's tokenizer.bin carries no such flag, and these models were trained with BOS).
    static func addsBOS(_ tokenizer: any Tokenizer, _ handle: ModelHandle) -> Bool {
        tokenizer.specialTokens.addBOS || (tokenizer.bos != nil && handle.model.architecture == .llama)
    }

    static func reasonName(_ reason: StopReason) -> String {
        switch reason {
        case .maxTokens: "max_tokens"
        case .endOfSequence: "eos"
        case .stopString: "stop"
        case .contextFull: "context"
        case .interrupted: "interrupted"
        }
    }
}

/// `tokenize "TEXT"`: ids and pieces.
public enum TokenizeCommand: Command {
    static let text = Arg<String>.positional("text", .string, help: "the text to split into tokens")
    static let bos = Arg<Bool>.option("bos", .bool, help: "start with the beginning-of-sequence token (default: when the model's tokenizer adds it, as generate does)")
    static let model = Arg<String>.option("model", .word, help: "whose tokenizer (default: the current model's)")

    public static let spec = CommandSpec(
        ["tokenize"], summary: "show how the current model's tokenizer splits a text",
        discussion: "Prints each token's id and piece. Returns a record with `ids` and `pieces`.",
        category: .models, arguments: [text.spec, bos.spec, model.spec],
        examples: [.init(#"tokenize "Once upon a time""#, "ids and pieces, BOS first"),
                   .init(#"let t = tokenize "naïve café" bos=false"#, "then `print t.ids.count`")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let handle = try ModelReference.resolve(arguments.optional(model), in: context, range: arguments.range(of: model))
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let ids = tokenizer.encode(arguments[text], bos: arguments.optional(bos) ?? GenerateCommand.addsBOS(tokenizer, handle))
        let pieces = ids.map { tokenizer.piece($0) }
        var lines = ["\(ids.count) token\(ids.count == 1 ? "" : "s")"]
        for (id, piece) in zip(ids, pieces) {
            lines.append(String(id).leftPadded(to: 8) + "  " + piece.debugDescription)
        }
        context.show(lines.joined(separator: "\n"))
        return .record(Record("tokens", [("ids", .list(ids.map(Value.int))), ("pieces", .list(pieces.map(Value.string)))]))
    }
}
