import Foundation
import HoneModels
import HoneTrain

/// `world KIND [n=N] [seed=S] [world_seed=W] [noise=F] [who=seen|unseen|all] [file=PATH] [as NAME]`:
/// data sets from the story world, so every tutorial trains on text whose facts it can check.
public enum WorldCommand: Command {
    static let kind = Arg<String>.positional("kind", .choice(StoryWorld.Kind.allCases.map(\.rawValue)),
        help: "corpus, general, stories, qa, format, preferences, prompts or facts")
    static let count = Arg<Int>.option("n", .int(1...1_000_000),
        help: "how many records (default: corpus 2000, general 200, prompts 200, others 500; facts: one per character)")
    static let seed = Arg<Int>.option("seed", .int(0...Int.max), help: "which records are drawn (default: the session's `seed`)")
    static let worldSeed = Arg<Int>.option("world_seed", .int(0...Int.max), default: .int(0),
        help: "the world itself (characters and their facts); keep it the same across data sets")
    static let noise = Arg<Double>.option("noise", .float(0...1), default: .float(0),
        help: "the share of records corrupted: wrong facts, cut or empty answers, off-topic, duplicates")
    static let who = Arg<String>.option("who", .choice(StoryWorld.Group.allCases.map(\.rawValue)),
        help: "whose facts: seen (in the corpus), unseen (never in it) or all (default: all for facts, else seen)")
    static let file = Arg<String>.option("file", .path(extensions: ["jsonl", "txt"]),
        help: "write JSON Lines (plain text for facts) here instead of adding a data set")
    static let facts = Arg<Bool>.option("facts", .bool, default: .bool(false),
        help: "for qa and format: put the subject's fact passage before each question, as `rag=` retrieval would (to teach reading retrieved facts)")
    static let name = Arg<String>.clause("as", .word, help: "the data set's name (default: the kind)")

    public static let spec = CommandSpec(
        ["world"], summary: "make a data set from the story world (stories, questions, records…)",
        discussion: """
            The story world is a small, fixed English world: forty characters with a home, a pet, \
            a favourite food, colour and toy, a best friend and a hobby, and twenty "unseen" \
            characters whose facts are kept out of the corpus. Because every fact is known, a \
            tutorial can check what a model learned. corpus is pretraining text (stories, fact \
            paragraphs, dialogues) and general held-out text like it; stories, qa and format are \
            instruction sets; preferences pairs happy with sad endings and right with off-topic \
            answers; prompts are story beginnings for grpo; facts is one passage per character, \
            for retrieval. The same seed gives the same records on every machine. noise= corrupts \
            that share of the records so a small clean set can be compared with a larger noisy one. \
            Without file= the set is added to the session (as `load data` would); with file= it is \
            written atomically as JSON Lines, or plain text with blank lines between passages for facts.
            """,
        category: .data,
        arguments: [kind.spec, count.spec, seed.spec, worldSeed.spec, noise.spec, who.spec, facts.spec, file.spec, name.spec],
        examples: [.init("world corpus n=40000 file=corpus.jsonl", "pretraining text, a few million tokens"),
                   .init("world qa n=200 as facts_qa", "questions about the characters' facts"),
                   .init("world format n=1000 noise=0.5 as noisy", "records in a strict format, half of them corrupted"),
                   .init("world facts who=unseen file=unseen.txt", "a fact sheet of the characters the corpus never mentions")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        guard let chosen = StoryWorld.Kind(rawValue: arguments[kind]) else {
            throw HoneError(.value, "unknown kind `\(arguments[kind])`", at: arguments.range(of: kind) ?? context.call.range)
        }
        var sessionSeed = 0
        if case .int(let s) = context.session.option("seed") { sessionSeed = s }
        let drawSeed = UInt64(arguments.optional(seed) ?? sessionSeed)
        let group = arguments.optional(who).flatMap(StoryWorld.Group.init(rawValue:)) ?? chosen.defaultGroup
        let world = StoryWorld(seed: UInt64(arguments[worldSeed]))
        let data = world.dataSet(chosen, count: arguments.optional(count), seed: drawSeed, who: group, noise: arguments[noise], withFacts: arguments[facts])
        let corrupted = Int((arguments[noise] * Double(data.count)).rounded())
        let people = world.characters(group).count
        let about = (group == .all ? "about all \(people) characters" : "about \(people) \(group.rawValue) characters")
            + (corrupted > 0 ? ", \(corrupted) corrupted" : "")

        if let written = arguments.optional(file) {
            let path = context.resolve(path: written)
            let text = chosen == .facts ? world.factSheet(who: group) : data.jsonLines()
            do {
                try AtomicFile.write(Array(text.utf8), to: path)
            } catch {
                throw HoneError(.io, "could not write \(path): \(error)", at: arguments.range(of: file) ?? context.call.range)
            }
            context.say("wrote \(path): \(DataReference.plural(data.count, chosen == .facts ? "passage" : "record")) \(about)")
            return .string(path)
        }
        let setName = arguments.optional(name) ?? chosen.rawValue
        try DataReference.checkName(setName, in: context, range: arguments.range(of: name))
        let handle = DataReference.add(setName, data, in: context)
        context.say("made \(setName): \(DataReference.plural(data.count, "record")), format \(data.format.rawValue), \(about)")
        return .object(handle)
    }
}
