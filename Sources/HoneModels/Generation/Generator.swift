import Foundation
import HoneTensor

/// What `Generator.run` is asked to do.
public struct GenerationSettings: Sendable {
    public var maxNewTokens: Int = 128
    public var sampling = SamplingSettings()
    /// Generation ends before the first of these appears in the generated text, which excludes it.
    public var stopStrings: [String] = []
    /// Generation ends at the tokenizer's end-of-sequence token (not included in the text).
    public var stopAtEndOfSequence = true

    public init(maxNewTokens: Int = 128, sampling: SamplingSettings = SamplingSettings(), stopStrings: [String] = [],
                stopAtEndOfSequence: Bool = true) {
        self.maxNewTokens = maxNewTokens
        self.sampling = sampling
        self.stopStrings = stopStrings
        self.stopAtEndOfSequence = stopAtEndOfSequence
    }
}

/// Why generation ended.
public enum StopReason: Equatable, Sendable, CustomStringConvertible {
    case maxTokens
    case endOfSequence
    case stopString(String)
    case contextFull
    case interrupted

    public var description: String {
        switch self {
        case .maxTokens: "the maximum number of new tokens"
        case .endOfSequence: "the end-of-sequence token"
        case .stopString(let s): "the stop string \(s.debugDescription)"
        case .contextFull: "the end of the model's context"
        case .interrupted: "an interrupt"
        }
    }
}

public struct GenerationResult: Sendable {
    public var promptTokens: [Int]
    public var newTokens: [Int]
    /// The generated text, without a stop string or the end-of-sequence token.
    public var text: String
    public var stopReason: StopReason
    /// Time to run the prompt through the model (filling the cache) and to generate the new tokens.
    public var promptSeconds: Double
    public var generationSeconds: Double

    /// New tokens per second of generation (the prompt not counted).
    public var tokensPerSecond: Double { generationSeconds > 0 ? Double(newTokens.count) / generationSeconds : 0 }
}

/// Runs a model token by token with a KV cache: the prompt in one forward, then one position
/// per new token.
public enum Generator {
    /// Generates after `prompt` (token ids, validated by the caller with `model.validate`).
    /// `onText` receives the text as it grows, in pieces that never split a UTF-8 character or
    /// show part of a stop string; `isCancelled` is asked before every token.
    public static func run(
        model: any LanguageModel, tokenizer: (any Tokenizer)?, prompt: [Int], settings: GenerationSettings,
        onText: (String) -> Void = { _ in }, isCancelled: () -> Bool = { false }
    ) -> GenerationResult {
        precondition(!prompt.isEmpty, "Generator.run: no prompt tokens")
        var sampler = Sampler(settings.sampling)
        let capacity = min(model.contextLength, prompt.count + max(0, settings.maxNewTokens))
        let cache = model.makeCache(batch: 1, capacity: capacity)
        var stream = TextStream(tokenizer: tokenizer, prompt: prompt, stopStrings: settings.stopStrings)
        var history = prompt
        var newTokens: [Int] = []
        var reason = StopReason.maxTokens
        let clock = ContinuousClock()
        let promptStart = clock.now
        var promptSeconds = 0.0
        var generationStart = clock.now
        GradMode.withoutGradients {
            var input = prompt
            while true {
                if isCancelled() { reason = .interrupted; break }
                if newTokens.count >= settings.maxNewTokens { reason = .maxTokens; break }
                if cache.length + input.count > cache.capacity { reason = .contextFull; break }
                let logits = model.forward(tokens: input, batch: 1, cache: cache, lastPositionOnly: true).contiguous()
                let last = withExtendedLifetime(logits) {
                    Array(UnsafeBufferPointer(start: logits.pointer, count: model.vocabularySize))
                }
                if newTokens.isEmpty {
                    promptSeconds = Self.seconds(clock.now - promptStart)
                    generationStart = clock.now
                }
                let token = sampler.next(logits: last, history: history)
                if settings.stopAtEndOfSequence, let eos = tokenizer?.eos, token == eos { reason = .endOfSequence; break }
                newTokens.append(token)
                history.append(token)
                if let (text, stop) = stream.append(token) {
                    if !text.isEmpty { onText(text) }
                    if let stop { reason = .stopString(stop); break }
                }
                input = [token]
            }
        }
        let generationSeconds = newTokens.isEmpty ? 0 : Self.seconds(clock.now - generationStart)
        let rest = stream.finish()
        if !rest.isEmpty { onText(rest) }
        return GenerationResult(promptTokens: prompt, newTokens: newTokens, text: stream.text, stopReason: reason,
                                promptSeconds: promptSeconds, generationSeconds: generationSeconds)
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}

/// The generated text as tokens arrive: decoded together with the prompt (so a tokenizer's
/// rules about leading spaces apply as they would to the whole text), held back while it ends in
/// an incomplete UTF-8 character or in what may be the start of a stop string. Positions count
/// Unicode scalars, not Characters: a token that extends the last Character ("\r" then "\n",
/// a combining accent, an emoji sequence) must still be shown.
struct TextStream {
    let tokenizer: (any Tokenizer)?
    let prompt: [Int]
    let stopStrings: [String]
    private let promptText: String
    private var tokens: [Int] = []
    /// The text so far (up to a stop string once one is found).
    private(set) var text = ""
    /// How many scalars of `text` have been handed out.
    private var emitted = 0

    init(tokenizer: (any Tokenizer)?, prompt: [Int], stopStrings: [String]) {
        self.tokenizer = tokenizer
        self.prompt = prompt
        self.stopStrings = stopStrings.filter { !$0.isEmpty }
        promptText = tokenizer?.decode(prompt) ?? ""
    }

    private func decoded() -> String {
        guard let tokenizer else { return "" }
        let full = tokenizer.decode(prompt + tokens)
        return full.hasPrefix(promptText) ? String(full.unicodeScalars.dropFirst(promptText.unicodeScalars.count)) : tokenizer.decode(tokens)
    }

    /// Adds a token; returns the text that may now be shown, and the stop string when one appeared.
    mutating func append(_ token: Int) -> (String, String?)? {
        tokens.append(token)
        text = decoded()
        let scalars = Array(text.unicodeScalars)
        for stop in stopStrings {
            if let range = text.range(of: stop) {
                text = String(text[..<range.lowerBound])
                return (take(upTo: text.unicodeScalars.count), stop)
            }
        }
        var safe = scalars.count
        if scalars.last == "\u{FFFD}" { safe -= 1 }
        for stop in stopStrings {
            let stopScalars = Array(stop.unicodeScalars)
            for length in stride(from: min(stopScalars.count - 1, scalars.count), through: 1, by: -1)
            where scalars.suffix(length).elementsEqual(stopScalars.prefix(length)) {
                safe = min(safe, scalars.count - length)
                break
            }
        }
        return (take(upTo: safe), nil)
    }

    /// The text not yet handed out.
    mutating func finish() -> String { take(upTo: text.unicodeScalars.count) }

    private mutating func take(upTo end: Int) -> String {
        guard end > emitted else { return "" }
        var piece = String.UnicodeScalarView()
        piece.append(contentsOf: text.unicodeScalars.dropFirst(emitted).prefix(end - emitted))
        emitted = end
        return String(piece)
    }
}
