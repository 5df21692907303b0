import HoneTensor

/// The story world's data sets by kind, as `DataSet`s that hone's data commands take.
extension StoryWorld {
    public enum Kind: String, Sendable, CaseIterable {
        /// Pretraining text: stories, fact paragraphs and dialogues (`text` records).
        case corpus
        /// Held-out text like the corpus, from another stream (the forgetting check).
        case general
        /// "Write a story about …" → a story (alpaca).
        case stories
        /// Questions about characters' facts → one canonical answer (alpaca).
        case qa
        /// "Give Mia's pet as a record." → `name: Pip; kind: cat; owner: Mia` (alpaca).
        case format
        /// Happy vs sad endings, on-topic vs off-topic answers (preference).
        case preferences
        /// Story beginnings with a happy reference ending (prompt/completion), for GRPO.
        case prompts
        /// One passage of facts per character (`text` records; plain text in a file).
        case facts

        /// The records' shape.
        public var format: DataFormat {
            switch self {
            case .corpus, .general, .facts: .text
            case .stories, .qa, .format: .alpaca
            case .preferences: .preference
            case .prompts: .promptCompletion
            }
        }

        /// How many records when the caller does not say: enough for a tutorial's run on a CPU.
        public var defaultCount: Int {
            switch self {
            case .corpus: 2000
            case .general: 200
            case .stories, .qa, .format, .preferences: 500
            case .prompts: 200
            case .facts: 0  // one per character
            }
        }

        /// The characters a kind is about when the caller does not say: the fact sheet covers
        /// everyone, the rest only the characters the corpus teaches.
        public var defaultGroup: Group { self == .facts ? .all : .seen }
    }

    /// `count` records of `kind` about `who`'s characters, drawn with `seed`; with `noise` > 0,
    /// that share of the records is corrupted (`WorldNoiseKind`). The same arguments give the
    /// same records on every machine. `facts` has one record per character and ignores `count`.
    /// With `withFacts`, `qa` and `format` become reading tasks: each record is about a
    /// character drawn from a world of its own (random home, pet, friends), whose fact passage
    /// comes before the question the way `generate … rag=` puts a retrieved passage into a
    /// prompt (`RetrievalTemplate`). The answer is only in the passage, so a model trained on
    /// them learns to read retrieved facts rather than to remember a fixed cast.
    public func dataSet(_ kind: Kind, count: Int? = nil, seed: UInt64 = 0, who: Group? = nil, noise: Double = 0,
                        withFacts: Bool = false) -> DataSet {
        let group = characters(who ?? kind.defaultGroup)
        let n = max(0, count ?? kind.defaultCount)
        var rng = RandomGenerator.stream(seed, 300 + UInt64(Kind.allCases.firstIndex(of: kind)!))
        let items: [TaskItem]
        switch kind {
        case .corpus: items = corpus(documents: n, seed: seed, who: who ?? .seen).map { TaskItem(record: .text($0)) }
        case .general: items = general(documents: n, seed: seed, who: who ?? .seen).map { TaskItem(record: .text($0)) }
        case .facts: items = group.map { TaskItem(record: .text(factPassage($0)), subject: $0) }
        case .stories: items = storyItems(n, &rng, group: group)
        case .qa: items = questionItems(n, &rng, group: group)
        case .format: items = formatItems(n, &rng, group: group)
        case .preferences: items = preferenceItems(n, &rng, group: group)
        case .prompts: items = promptItems(n, &rng, group: group)
        }
        var noiseRNG = RandomGenerator.stream(seed, 400)
        var records = noise > 0 ? corrupt(items, fraction: noise, group: group, &noiseRNG).records : items.map(\.record)
        if withFacts, kind == .qa || kind == .format {
            records = (0..<records.count).map { readingRecord(kind, index: $0, seed: seed, who: who) }
        }
        let name = "world " + kind.rawValue + (noise > 0 ? " noise=\(noise)" : "") + (withFacts ? " with facts" : "")
        return DataSet(file: "<\(name)>", format: kind.format, records: records, lines: Array(1..<(records.count + 1)))
    }
}

extension StoryWorld {
    /// Record `index` of a reading task: a question about a character of a world seeded for
    /// this record alone, with that character's fact passage in the prompt.
    func readingRecord(_ kind: Kind, index: Int, seed: UInt64, who: Group?) -> DataRecord {
        let world = StoryWorld(seed: SplitMix.mix(self.seed ^ seed &* 0x9E37 ^ UInt64(index) &* 0xFAC7))
        var rng = RandomGenerator.stream(seed, 500 + UInt64(index))
        let group = world.characters(who ?? .all)
        let item = kind == .qa ? world.questionItems(1, &rng, group: group)[0] : world.formatItems(1, &rng, group: group)[0]
        guard let subject = item.subject, case .instruction(let question, let input, let output) = item.record else { return item.record }
        let passage = Passage(text: world.factPassage(subject), source: PassageSource(file: "<world facts>", line: 0))
        return .instruction(instruction: RetrievalTemplate.standard.render(question: question, passages: [passage]), input: input, output: output)
    }
}

extension TaskItem {
    init(record: DataRecord) { self.init(record: record, subject: nil, rewrite: nil) }
    init(record: DataRecord, subject: StoryCharacter) { self.init(record: record, subject: subject, rewrite: nil) }
}
