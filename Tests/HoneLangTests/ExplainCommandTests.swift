import Testing
@testable import HoneLang

/// `explain TOPIC` and `advise`: every lesson renders and points at real commands and tutorials,
/// other names find their topic, and the advisor climbs the prompt → retrieval → fine-tuning →
/// preference ladder as the answers say.
@Suite("explain and advise")
struct ExplainCommandTests: SessionTesting {
    /// The tutorials being written; a topic may name only these.
    static let tutorials: Set<String> = [
        "00-repl-tour.md", "01-first-lora.md", "02-rank-alpha-targets.md", "03-qlora.md", "04-full-vs-lora-forgetting.md",
        "05-data-quality.md", "06-overfitting.md", "07-dpo-and-rlhf.md", "08-prompt-rag-or-finetune.md", "09-deploying.md",
    ]
    static let required = ["lora", "qlora", "full", "dpo", "rlhf", "rag", "forgetting", "overfitting", "data", "rank", "alpha", "lr", "batch"]

    /// The text of a string value; nil for anything else (`none` among them).
    func string(_ value: Value?) -> String? {
        if case .string(let s)? = value { s } else { nil }
    }

    func output(_ text: String) -> (EntryOutcome, String) {
        let (_, interpreter, output) = session()
        let outcome = run(interpreter, text)
        return (outcome, output.stableText)
    }

    @Test("the required topics exist, and names and aliases are unique across topics")
    func topicSet() {
        for name in Self.required { #expect(Topic.named(name)?.name == name, "\(name)") }
        let spellings = Topic.all.flatMap { [$0.name] + $0.aliases }.map(Topic.normalized)
        #expect(Set(spellings).count == spellings.count, "an alias is used twice or shadows a topic")
    }

    @Test("every topic renders in 10 to 25 lines, through `explain`, with its commands and tutorial", arguments: Topic.names)
    func topicRenders(_ name: String) throws {
        let topic = try #require(Topic.named(name))
        let lines = topic.rendered.split(separator: "\n", omittingEmptySubsequences: false)
        #expect((10...25).contains(lines.count), "\(name): \(lines.count) lines")
        #expect(lines.allSatisfy { $0.count <= 100 }, "\(name): a line longer than 100 characters")

        let (outcome, text) = output("explain \(name)")
        guard case .completed(let value) = outcome else { Issue.record("explain \(name) failed: \(outcome)"); return }
        #expect(string(value) == topic.rendered)
        #expect(text.contains(topic.rendered))
        #expect(!topic.uses.isEmpty)
        for use in topic.uses { #expect(text.contains(use.code), "\(name) does not show `\(use.code)`") }
        #expect(text.contains("Tutorial: tutorials/\(topic.tutorial)"))
    }

    @Test("every command line a topic shows is a hone command and checks", arguments: Topic.names)
    func commandsExist(_ name: String) throws {
        let topic = try #require(Topic.named(name))
        let registry = CommandRegistry.standard
        for use in topic.uses {
            let words = use.code.split(separator: " ").map(String.init)
            let known = registry.command(named: Array(words.prefix(2))) != nil || registry.command(named: [words[0]]) != nil
            #expect(known, "\(name): `\(use.code)` is no command")
            guard known else { continue }
            let session = Session(output: CapturedOutput(), interrupt: InterruptFlag())
            do {
                _ = try Interpreter(session: session).prepare(SourceFile(name: "<explain>", text: use.code))
            } catch let list as HoneErrorList {
                let real = list.errors.filter { $0.code != .undefinedVariable }
                #expect(real.isEmpty, "\(name): `\(use.code)`: \(real.map(\.message))")
            } catch {
                Issue.record("\(name): `\(use.code)`: \(error)")
            }
        }
        for other in topic.related { #expect(Topic.named(other) != nil, "\(name): related `\(other)` is no topic") }
    }

    @Test("every tutorial a topic names is one of the ten", arguments: Topic.names)
    func tutorialNames(_ name: String) throws {
        let topic = try #require(Topic.named(name))
        #expect(Self.tutorials.contains(topic.tutorial), "\(name): tutorials/\(topic.tutorial)")
    }

    struct AliasCase: CustomTestStringConvertible, Sendable {
        var written: String
        var topic: String
        var testDescription: String { "`explain \(written)` → \(topic)" }
        init(_ written: String, _ topic: String) {
            self.written = written
            self.topic = topic
        }
    }

    static let aliases: [AliasCase] = [
        .init("learning-rate", "lr"), .init("learning rate", "lr"), .init("Learning_Rate", "lr"),
        .init("catastrophic forgetting", "forgetting"), .init("catastrophic-forgetting", "forgetting"),
        .init("ppo", "rlhf"), .init("grpo", "rlhf"), .init("accumulation", "batch"), .init("batch size", "batch"),
        .init("full-fine-tuning", "full"), .init("nf4", "qlora"), .init("bm25", "rag"), .init("LoRA", "lora"),
    ]

    @Test("other names and spellings find their topic", arguments: aliases)
    func alias(_ c: AliasCase) throws {
        #expect(Topic.named(c.written)?.name == c.topic)
        let (outcome, _) = output("explain \(c.written)")
        guard case .completed(let value) = outcome else { Issue.record("explain \(c.written) failed: \(outcome)"); return }
        #expect(string(value) == Topic.named(c.topic)?.rendered)
    }

    @Test("an unknown topic is an error that suggests the closest and lists the topics")
    func unknownTopic() {
        let (outcome, _) = output("explain lorra")
        guard case .failed(let errors) = outcome, let error = errors.first else { Issue.record("expected an error"); return }
        #expect(error.message == "no topic `lorra`; did you mean `lora`?")
        #expect(error.hints.contains { $0.hasPrefix("topics: lora, qlora") })

        let (spelled, _) = output("explain learnin-rate")
        guard case .failed(let more) = spelled else { Issue.record("expected an error"); return }
        #expect(more.first?.message.contains("did you mean `learning-rate`?") == true)
    }

    @Test("`explain` alone lists every topic with its line")
    func list() {
        let (outcome, text) = output("explain")
        guard case .completed = outcome else { Issue.record("explain failed"); return }
        for topic in Topic.all { #expect(text.contains("  \(topic.name)") && text.contains(topic.summary), "\(topic.name)") }
    }

    @Test("topic names complete after `explain`")
    func completion() {
        let session = Session(output: CapturedOutput(), interrupt: InterruptFlag())
        let completer = Completer(session: session, currentDirectory: nil)
        #expect(completer.complete(lineBeforeCursor: "explain lo") == ["lora"])
        #expect(completer.complete(lineBeforeCursor: "explain ov") == ["overfitting"])
        #expect(completer.complete(lineBeforeCursor: "explain ").count == Topic.all.count)
        #expect(completer.complete(lineBeforeCursor: "advise need=fa") == ["facts"])
    }

    struct AdviceCase: CustomTestStringConvertible, Sendable {
        var arguments: String
        var recommendation: String
        var method: String?
        var mentions: [String]
        var testDescription: String { "advise \(arguments) → \(recommendation)" }
        init(_ arguments: String, _ recommendation: String, _ method: String?, mentions: [String] = []) {
            self.arguments = arguments
            self.recommendation = recommendation
            self.method = method
            self.mentions = mentions
        }
    }

    static let advice: [AdviceCase] = [
        .init("need=facts changes=often", "retrieval", "rag", mentions: ["rag index", "eval QUESTIONS rag=NAME", "re-index"]),
        .init("need=facts changes=rarely examples=2000", "retrieval", "rag"),
        .init("need=format examples=500", "fine-tune", "lora", mentions: ["lora r=16", "8 of 10", "before any training"]),
        .init("need=format examples=500 budget=small", "fine-tune", "qlora", mentions: ["qlora r=16"]),
        .init("need=task examples=50000 budget=large prompt=fails", "fine-tune", "full", mentions: ["method=full"]),
        .init("need=style examples=40", "prompt", nil, mentions: ["fewer than about 100", "8 of 10"]),
        .init("need=style examples=40 prompt=fails", "collect", nil, mentions: ["Collect more"]),
        .init("need=behaviour", "prompt", nil, mentions: ["examples=N"]),
        .init("need=behaviour examples=300 changes=often", "fine-tune", "lora", mentions: ["keep the changing part in the prompt", "advise need=preference"]),
        .init("need=format examples=500 prompt=works", "stop", nil, mentions: ["rerun it"]),
        .init("need=preference examples=2000", "preference", "dpo", mentions: ["dpo prefs.train", "after supervised fine-tuning"]),
        .init("need=preference examples=20", "collect", "grpo", mentions: ["grpo prompts.train"]),
    ]

    @Test("advise recommends by the answers, with reasons and concrete steps", arguments: advice)
    func advise(_ c: AdviceCase) {
        let (outcome, text) = output("advise \(c.arguments)")
        guard case .completed(let value) = outcome else { Issue.record("advise failed: \(outcome)"); return }
        #expect(string(value.field("recommendation")) == c.recommendation)
        #expect(string(value.field("method")) == c.method)
        #expect(text.hasPrefix("Recommendation: "))
        #expect(text.contains("Why:") && text.contains("What to do, in order:"))
        var said: [String] = []
        for field in ["reasons", "steps"] {
            if case .list(let items)? = value.field(field) { said += items.compactMap { string($0) } }
        }
        #expect(!said.isEmpty)
        for phrase in c.mentions { #expect(said.contains { $0.contains(phrase) }, "missing “\(phrase)”") }
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 96 || $0.contains("`") }, "a prose line is not wrapped")
    }

    @Test("advise alone prints its questions, their answers and an example call")
    func questions() {
        let (outcome, text) = output("advise")
        guard case .completed = outcome else { Issue.record("advise failed"); return }
        for q in Advice.questions {
            #expect(text.contains(q.question))
            for answer in q.answers { #expect(text.contains("\(q.argument)=\(answer.value)")) }
        }
        #expect(text.contains("For example:  advise need="))
        #expect((4...5).contains(Advice.questions.count))
    }

    @Test("an unknown answer is refused with a suggestion")
    func unknownAnswer() {
        let (outcome, _) = output("advise need=behavior")
        guard case .failed(let errors) = outcome else { Issue.record("expected an error"); return }
        #expect(errors.first?.message.contains("did you mean `behaviour`?") == true)
        let (other, _) = output("advise need=facts changes=oftn")
        guard case .failed(let more) = other else { Issue.record("expected an error"); return }
        #expect(more.first?.message.contains("did you mean `often`?") == true)
    }
}
