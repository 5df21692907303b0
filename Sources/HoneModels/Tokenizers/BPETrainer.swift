import Foundation

/// Learns a GPT-2-style byte-level BPE vocabulary from text, for pretraining a model from scratch.
///
/// Text is split by `GPT2PreTokenizer` (merges never cross those pieces), each piece's UTF-8 bytes
/// become symbols, and the trainer repeatedly merges the adjacent pair that occurs most often in
/// the whole text. It works on word types with counts (natural text has a few thousand distinct
/// words however long it is) and updates pair counts only in the words a merge touched, so
/// 20 MB of simple English trains a 2048-entry vocabulary in seconds.
///
/// The vocabulary is laid out as: the special tokens first (ids 0, 1, …, in the order given, so
/// `<s>` = 0 and `</s>` = 1 with the defaults), then the 256 bytes in byte order, then one entry
/// per merge in the order learned. Putting the special tokens first keeps their ids fixed whatever
/// the vocabulary size, so a model's `bos_token_id`/`eos_token_id` read the same across sizes.
///
/// Ties (pairs with the same count) go to the pair whose left piece's bytes sort first, then the
/// right piece's: a total order on the pieces' bytes, so the result is the same on every run
/// and machine. Nothing depends on `Dictionary` iteration order.
public enum ByteLevelBPETrainer {
    /// The special tokens of a Llama-architecture model and the roles they play. The padding
    /// token is optional: hone pads with it when batching, and Hugging Face's `pad_token` needs one.
    public struct SpecialTokenNames: Sendable, Equatable {
        public var bos: String
        public var eos: String
        public var pad: String?
        public var others: [String]

        public init(bos: String = "<s>", eos: String = "</s>", pad: String? = "<pad>", others: [String] = []) {
            self.bos = bos
            self.eos = eos
            self.pad = pad
            self.others = others
        }

        /// In id order: bos, eos, pad, then the others.
        public var all: [String] { [bos, eos] + (pad.map { [$0] } ?? []) + others }
    }

    /// The trained tokenizer and what training saw.
    public struct Result: Sendable {
        public var tokenizer: ByteLevelBPETokenizer
        /// UTF-8 bytes of all training text.
        public var bytes: Int
        /// Tokens the training text encodes to with the learned merges (no BOS).
        public var tokens: Int
        /// Distinct pre-tokenized pieces (word types).
        public var wordTypes: Int
        /// True when the text ran out of pairs to merge before the vocabulary reached the size asked.
        public var stoppedEarly: Bool

        /// Bytes per token on the training text: how much the merges compress it.
        public var bytesPerToken: Double { tokens > 0 ? Double(bytes) / Double(tokens) : 0 }
    }

    /// A request that cannot be trained: the message says what to change.
    public struct TrainingError: Error, CustomStringConvertible, Sendable {
        public var message: String
        public var description: String { message }
    }

    /// Trains on `texts` until the vocabulary (special tokens + 256 bytes + merged pieces) has
    /// `vocabularySize` entries, or no pair is left to merge. The tokenizer adds BOS to every
    /// text, as Llama's does.
    public static func train(texts: [String], vocabularySize: Int,
                             specialTokens: SpecialTokenNames = SpecialTokenNames()) throws -> Result {
        var counter = WordCounter()
        for text in texts { counter.add(text) }
        return try train(words: counter, vocabularySize: vocabularySize, specialTokens: specialTokens)
    }

    /// Trains on words counted beforehand (so a caller can stream a large file through `WordCounter`).
    public static func train(words counter: WordCounter, vocabularySize: Int,
                             specialTokens names: SpecialTokenNames = SpecialTokenNames()) throws -> Result {
        let specials = names.all
        guard Set(specials).count == specials.count else {
            throw TrainingError(message: "the special tokens \(specials) repeat a token; each needs its own id")
        }
        if let empty = specials.first(where: \.isEmpty) {
            throw TrainingError(message: "a special token is empty (`\(empty)`)")
        }
        let minimum = specials.count + 256
        guard vocabularySize >= minimum else {
            throw TrainingError(message: "vocab=\(vocabularySize) is too small: the \(specials.count) special tokens and 256 bytes need \(minimum)")
        }
        var state = PairState(counter: counter, firstByteID: Int32(specials.count))
        var pieces = specials + ByteLevelAlphabet.characters.map { String($0) }
        var pieceBytes: [[UInt8]] = specials.map { _ in [] } + (0..<256).map { [UInt8($0)] }
        var ids: [[UInt8]: Int32] = [:]
        for byte in 0..<256 { ids[[UInt8(byte)]] = Int32(specials.count + byte) }
        let specialSet = Set(specials)
        var merges: [(left: String, right: String)] = []
        state.start(pieceBytes: pieceBytes)
        var stoppedEarly = false
        while pieces.count < vocabularySize {
            guard let (left, right) = state.best(pieceBytes: pieceBytes) else { stoppedEarly = true; break }
            let bytes = pieceBytes[Int(left)] + pieceBytes[Int(right)]
            let text = pieces[Int(left)] + pieces[Int(right)]
            // A piece spelling a special token (`<s>` from `<`, `s`, `>`) would share its string
            // and so its id in tokenizer.json; that pair is never merged.
            if specialSet.contains(text) {
                state.forbid(left, right)
                continue
            }
            let result: Int32
            if let existing = ids[bytes] {
                result = existing  // `a bc` after `ab c`: the piece exists, only the merge is new
            } else {
                result = Int32(pieces.count)
                ids[bytes] = result
                pieces.append(text)
                pieceBytes.append(bytes)
            }
            merges.append((pieces[Int(left)], pieces[Int(right)]))
            state.merge(left, right, into: result, pieceBytes: pieceBytes)
        }
        let special = SpecialTokens(
            bos: SpecialToken(id: 0, text: names.bos), eos: SpecialToken(id: 1, text: names.eos),
            pad: names.pad.map { SpecialToken(id: 2, text: $0) }, addBOS: true,
            others: names.others.enumerated().map { SpecialToken(id: (names.pad == nil ? 2 : 3) + $0, text: $1) })
        let tokenizer = try ByteLevelBPETokenizer(pieces: pieces, merges: merges, specialTokens: special, unknownID: nil,
                                                  source: "trained tokenizer", mergePosition: { (nil, "merge \($0)") })
        return Result(tokenizer: tokenizer, bytes: counter.bytes, tokens: state.tokenCount, wordTypes: counter.counts.count,
                      stoppedEarly: stoppedEarly)
    }
}

/// Counts the pre-tokenized pieces of text by their UTF-8 bytes: the only thing BPE training needs.
public struct WordCounter: Sendable {
    public private(set) var counts: [[UInt8]: Int] = [:]
    public private(set) var bytes = 0

    public init() {}

    /// Adds the pieces of `text` (split by GPT-2's rule).
    public mutating func add(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var piece: [UInt8] = []
        for range in GPT2PreTokenizer.split(scalars) {
            piece.removeAll(keepingCapacity: true)
            for scalar in scalars[range] { UTF8.encode(scalar) { piece.append($0) } }
            counts[piece, default: 0] += 1
            bytes += piece.count
        }
    }
}
