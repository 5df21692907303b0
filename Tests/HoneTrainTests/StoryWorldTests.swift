import Foundation
import Testing
@testable import HoneTrain

@Suite("story world: a deterministic generator of text and data sets")
struct StoryWorldTests {
    let world = StoryWorld(seed: 0)

    /// The words of `text`, lowercased, punctuation dropped.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0 == "'" || $0 == "-") }
    }

    /// The first character named in `text` (by whole words, so `Dan` is not found in `Dandy`).
    static func firstCharacter(in text: String, among people: [StoryCharacter]) -> StoryCharacter? {
        for word in text.split(whereSeparator: { !$0.isLetter }) {
            if let c = people.first(where: { $0.name == word }) { return c }
        }
        return nil
    }

    @Test("the same seed gives the same world and the same documents; another seed gives others")
    func deterministic() {
        #expect(StoryWorld(seed: 0).seen == world.seen && StoryWorld(seed: 0).unseen == world.unseen)
        #expect(StoryWorld(seed: 1).seen != world.seen)
        #expect(world.corpus(documents: 50, seed: 7) == StoryWorld(seed: 0).corpus(documents: 50, seed: 7))
        #expect(world.corpus(documents: 50, seed: 7) != world.corpus(documents: 50, seed: 8))
        #expect(world.dataSet(.qa, count: 30, seed: 3).records == world.dataSet(.qa, count: 30, seed: 3).records)
        #expect(world.dataSet(.qa, count: 30, seed: 3).records != world.dataSet(.qa, count: 30, seed: 4).records)
        // A fixed sample pins the text across machines and processes.
        #expect(world.seen.count == 40 && world.unseen.count == 20)
        #expect(Set((world.seen + world.unseen).map(\.name)).count == 60)
        #expect(Set((world.seen + world.unseen).map(\.petName)).count == 60)
    }

    @Test("every character's friend is another character of the same group")
    func friends() {
        for group in [world.seen, world.unseen] {
            let names = Set(group.map(\.name))
            for c in group { #expect(names.contains(c.friend) && c.friend != c.name, "\(c.name)") }
        }
    }

    @Test("2,000 documents are varied: many distinct sentences, a small vocabulary, 20 to 250 words each")
    func variety() {
        let docs = world.corpus(documents: 2000, seed: 1)
        var sentences = Set<String>()
        var vocabulary = Set<Substring>()
        for doc in docs {
            for s in doc.split(whereSeparator: { $0 == "." || $0 == "!" || $0 == "?" || $0 == "\n" }) { sentences.insert(String(s)) }
            vocabulary.formUnion(Self.words(doc))
        }
        #expect(sentences.count >= 5000, "\(sentences.count) distinct sentences")
        #expect((400...3000).contains(vocabulary.count), "\(vocabulary.count) words")
        #expect(Set(docs).count >= 1990)
        for doc in docs {
            let n = Self.words(doc).count
            #expect((20...250).contains(n), "\(n) words: \(doc)")
        }
        let stories = docs.filter { !$0.contains("\n") && Self.words($0).count >= 60 }
        #expect(stories.count > 1000)
    }

    @Test("unseen characters and their pets never appear in the corpus or the general text")
    func unseenStayOut() {
        let text = (world.corpus(documents: 3000, seed: 2) + world.general(documents: 500, seed: 2)).joined(separator: " ")
        let words = Set(text.split { !($0.isLetter) })
        for c in world.unseen {
            #expect(!words.contains(Substring(c.name)), "\(c.name)")
            #expect(!words.contains(Substring(c.petName)), "\(c.petName)")
        }
        #expect(world.seen.allSatisfy { words.contains(Substring($0.name)) })
        let unseenQA = world.dataSet(.qa, count: 50, who: .unseen)
        let unseenNames = Set(world.unseen.map(\.name))
        let unseenWords = unseenNames.union(world.unseen.map(\.petName))
        for case .instruction(let question, _, _) in unseenQA.records {
            #expect(question.split(whereSeparator: { !$0.isLetter }).contains { unseenWords.contains(String($0)) }, "\(question)")
        }
        let sheet = world.factSheet(who: .unseen)
        #expect(sheet.components(separatedBy: "\n\n").count == 20)
    }

    @Test("general text comes from another stream than the corpus")
    func generalDiffers() {
        let corpus = Set(world.corpus(documents: 300, seed: 0))
        let general = world.general(documents: 300, seed: 0)
        #expect(general.filter { corpus.contains($0) }.count < 5)
    }

    @Test("every kind written as JSON Lines loads back as its format with the same records", arguments: StoryWorld.Kind.allCases)
    func kindsParse(kind: StoryWorld.Kind) throws {
        let data = world.dataSet(kind, count: 40, seed: 5)
        #expect(data.format == kind.format)
        #expect(data.count == (kind == .facts ? 60 : 40))
        let (loaded, problems) = try DataLoader.load(bytes: Array(data.jsonLines().utf8), file: "world.jsonl")
        #expect(problems.isEmpty)
        #expect(loaded.format == kind.format)
        #expect(loaded.records == data.records)
        for record in data.records {
            switch record {
            case .instruction(let i, _, let o): #expect(!i.isEmpty && !o.isEmpty)
            case .preference(let p, let c, let r, _): #expect(!p.isEmpty && !c.isEmpty && !r.isEmpty && c != r)
            case .promptCompletion(let p, let c): #expect(!p.isEmpty && !c.isEmpty)
            case .text(let t): #expect(!t.isEmpty)
            case .chat: Issue.record("no chat records expected")
            }
        }
    }

    @Test("answers state the character's own facts; format answers follow the record layout exactly")
    func answersAreTrue() throws {
        for case .instruction(let instruction, _, let output) in world.dataSet(.format, count: 60, seed: 9).records {
            let fields = output.components(separatedBy: "; ")
            #expect(fields.allSatisfy { $0.contains(": ") }, "\(output)")
            let subject = try #require(Self.firstCharacter(in: instruction, among: world.seen))
            #expect(output.contains(subject.name))
            if output.hasPrefix("name: \(subject.petName);") { #expect(output == "name: \(subject.petName); kind: \(subject.petKind); owner: \(subject.name)") }
        }
        for case .instruction(let question, _, let answer) in world.dataSet(.qa, count: 80, seed: 9).records where question.hasPrefix("What is ") && question.contains("favourite colour") {
            let subject = try #require(Self.firstCharacter(in: question, among: world.seen))
            #expect(answer == "\(subject.name)'s favourite colour is \(subject.colour).")
        }
        let mia = world.seen[0]
        #expect(world.factPassage(mia).contains("\(mia.petKind) called \(mia.petName)"))
    }

    @Test("a noisy set differs from the clean one in exactly the stated share, mostly by wrong or missing answers")
    func noise() {
        let clean = world.dataSet(.qa, count: 200, seed: 11)
        let noisy = world.dataSet(.qa, count: 200, seed: 11, noise: 0.5)
        let changed = zip(clean.records, noisy.records).filter { $0 != $1 }
        #expect(changed.count == 100)
        // The wrong-facts corruption keeps the question and the name but states someone else's fact.
        let wrong = changed.filter { pair in
            guard case .instruction(_, _, let a) = pair.0, case .instruction(_, _, let b) = pair.1 else { return false }
            return !b.isEmpty && b.split(separator: " ").first == a.split(separator: " ").first && b.count > a.count / 2 && b.lowercased() != a.lowercased()
        }
        #expect(wrong.count >= 30, "\(wrong.count) wrong-fact answers")
        #expect(world.dataSet(.format, count: 100, seed: 1, noise: 0.25).records.enumerated()
                    .filter { $0.element != world.dataSet(.format, count: 100, seed: 1).records[$0.offset] }.count == 25)
        let prefs = world.dataSet(.preferences, count: 50, seed: 2)
        let noisyPrefs = world.dataSet(.preferences, count: 50, seed: 2, noise: 1)
        #expect(zip(prefs.records, noisyPrefs.records).allSatisfy { $0 != $1 })
        #expect(world.dataSet(.stories, count: 20, seed: 2, noise: 0).records == world.dataSet(.stories, count: 20, seed: 2).records)
    }

    @Test("preference pairs share a beginning: a happy and a sad ending, or a right and an off-topic answer")
    func preferences() {
        for case .preference(let prompt, let chosen, let rejected, _) in world.dataSet(.preferences, count: 40, seed: 4).records {
            #expect(!prompt.isEmpty && chosen != rejected)
        }
        for case .promptCompletion(let prompt, let completion) in world.dataSet(.prompts, count: 20, seed: 4).records {
            #expect(Self.words(prompt).count >= 15 && !completion.isEmpty)
        }
    }

    @Test("story instructions name what the story is about")
    func storiesFollowInstructions() throws {
        let all = world.seen
        for case .instruction(let instruction, _, let story) in world.dataSet(.stories, count: 60, seed: 6).records {
            let subject = try #require(Self.firstCharacter(in: instruction, among: all))
            #expect(story.contains(subject.name), "\(instruction)")
            if instruction.contains("'s \(subject.petKind).") { #expect(story.contains(subject.petName)) }
            let words = Self.words(story).count
            #expect((50...220).contains(words), "\(words) words")
        }
    }
}
