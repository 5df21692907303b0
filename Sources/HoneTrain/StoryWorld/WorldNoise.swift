import HoneTensor

/// Corrupts a share of a data set's records the ways real scraped data is bad, for the lesson
/// that a small clean set beats a large noisy one. Most corruptions are harmful, not cosmetic:
/// wrong facts (another character's, under the right name), answers cut short or empty,
/// off-topic answers, and for preferences the chosen and rejected answers swapped. Exactly
/// `round(fraction × count)` records are changed; each changed record differs from its original.
public enum WorldNoiseKind: String, Sendable, CaseIterable {
    case wrongFacts = "wrong_facts"
    case truncated, empty
    case offTopic = "off_topic"
    case duplicate
    case junk
    case swapped
}

extension StoryWorld {
    /// `items`' records with a share `fraction` corrupted, and which were (index → kind).
    func corrupt(_ items: [TaskItem], fraction: Double, group: [StoryCharacter], _ rng: inout RandomGenerator)
        -> (records: [DataRecord], changed: [(Int, WorldNoiseKind)]) {
        var records = items.map(\.record)
        let count = Int((min(max(fraction, 0), 1) * Double(items.count)).rounded())
        guard count > 0 else { return (records, []) }
        let chosen = rng.shuffled(Array(items.indices)).prefix(count).sorted()
        var changed: [(Int, WorldNoiseKind)] = []
        for i in chosen {
            let original = items[i].record
            var kind = pickKind(for: items[i], &rng)
            var result = apply(kind, to: items[i], all: items, group: group, &rng)
            if result == original {  // a corruption that happened to change nothing: cut the answer instead
                kind = .empty
                result = apply(.empty, to: items[i], all: items, group: group, &rng)
            }
            records[i] = result
            changed.append((i, kind))
        }
        return (records, changed)
    }

    private func pickKind(for item: TaskItem, _ rng: inout RandomGenerator) -> WorldNoiseKind {
        let roll = rng.nextDouble()
        if case .preference = item.record { return roll < 0.6 ? .swapped : roll < 0.8 ? .offTopic : .truncated }
        if item.rewrite != nil, roll < 0.45 { return .wrongFacts }
        let rest = rng.nextDouble()
        return rest < 0.3 ? .truncated : rest < 0.5 ? .empty : rest < 0.75 ? .offTopic : rest < 0.9 ? .duplicate : .junk
    }

    private func apply(_ kind: WorldNoiseKind, to item: TaskItem, all: [TaskItem], group: [StoryCharacter],
                       _ rng: inout RandomGenerator) -> DataRecord {
        switch kind {
        case .wrongFacts:
            guard let subject = item.subject, let rewrite = item.rewrite, group.count > 1 else { return item.record }
            var other = rng.pick(group)
            while other.name == subject.name { other = rng.pick(group) }
            var liar = other
            liar.name = subject.name
            liar.isGirl = subject.isGirl
            liar.friend = other.friend == subject.name ? other.name : other.friend
            let answer = rewrite(liar, &rng)
            return item.record.replacingAnswer { _ in answer }
        case .truncated:
            return item.record.replacingAnswer { text in
                let words = text.split(separator: " ")
                guard words.count > 2 else { return String(text.prefix(max(1, text.count / 2))) }
                let keep = max(1, Int(Double(words.count) * (0.2 + 0.4 * rng.nextDouble())))
                return words.prefix(min(keep, words.count - 1)).joined(separator: " ")
            }
        case .empty:
            return item.record.replacingAnswer { _ in "" }
        case .offTopic:
            let text = (0..<(1 + rng.int(below: 3))).map { _ in rng.pick(WorldWords.offTopic) }.joined(separator: " ")
            return item.record.replacingAnswer { _ in text }
        case .duplicate:
            return all[rng.int(below: all.count)].record
        case .junk:
            return item.record.replacingAnswer { text in "  " + text.uppercased().replacingOccurrences(of: " ", with: "   ") + " \n\n " }
        case .swapped:
            guard case .preference(let p, let chosen, let rejected, let h) = item.record else { return item.record }
            return .preference(prompt: p, chosen: rejected, rejected: chosen, history: h)
        }
    }
}

extension DataRecord {
    /// The record with its answer (output, completion, text, or chosen) replaced.
    func replacingAnswer(_ change: (String) -> String) -> DataRecord {
        switch self {
        case .instruction(let i, let input, let o): return .instruction(instruction: i, input: input, output: change(o))
        case .promptCompletion(let p, let c): return .promptCompletion(prompt: p, completion: change(c))
        case .text(let t): return .text(change(t))
        case .preference(let p, let c, let r, let h): return .preference(prompt: p, chosen: change(c), rejected: r, history: h)
        case .chat(var messages):
            if let last = messages.indices.last { messages[last].content = change(messages[last].content) }
            return .chat(messages)
        }
    }
}
