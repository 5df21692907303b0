import Foundation
import Testing
@testable import HoneLang
import HoneTrain

/// `chat` in scripts and notebooks: one turn a call, the conversation kept until `chat reset`,
/// labels into ordinary data sets, and `save data` writing them back loadable.
@Suite("chat commands")
struct ChatCommandTests: SessionTesting {
    static let setup = "load model hone-tiny\nset verbose=quiet\nlora r=4 seed=1\nset verbose=normal\nchat set temperature=0 max_tokens=6\n"

    @Test("`let r = chat \"…\"` gives the answer as a string; the conversation grows until `chat reset` clears it")
    func chatReturnsAStringAndResetClears() throws {
        let (session, interpreter, output) = session()
        let outcome = run(interpreter, Self.setup + #"let r = chat "Where does Eva live?""# + "\n" + #"let s = chat "And Mia?""#)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        guard case .string(let answer) = session.variable("r") else { Issue.record("r is \(String(describing: session.variable("r")))"); return }
        #expect(!answer.isEmpty && output.text.contains(answer))
        #expect(session.conversation.turns.map(\.user) == ["Where does Eva live?", "And Mia?"])
        #expect(run(interpreter, "chat reset").errors.isEmpty)
        #expect(session.conversation.turns.isEmpty)
    }

    @Test("the same seed gives the same answer; compare= gives a record with one answer per name")
    func compareGivesARecord() throws {
        let (session, interpreter, _) = session()
        let outcome = run(interpreter, Self.setup + #"let a = chat "Hello" compare=base,default"# + "\nchat reset\n" + #"let b = chat "Hello" compare=base,default"#)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        guard case .record(let a) = session.variable("a"), case .record(let b) = session.variable("b") else { Issue.record("not records"); return }
        #expect(a.fields.map(\.name) == ["base", "default"])
        #expect(a["base"].map(\.repr) == b["base"].map(\.repr) && a["default"].map(\.repr) == b["default"].map(\.repr))
    }

    @Test("`chat` without a message outside a terminal says to give the message")
    func chatWithoutMessageNeedsOne() {
        let (_, interpreter, _) = session()
        let outcome = run(interpreter, "load model hone-tiny\nchat")
        #expect(outcome.errors.first?.message.contains("needs the message") == true, "\(outcome.errors)")
    }

    @Test("prefer and fix add to labels.dpo and labels.sft; a number out of range lists the valid ones; save data writes them loadable")
    func labelsBecomeDataSets() throws {
        let (session, interpreter, output) = session()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-chat-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var outcome = run(interpreter, Self.setup + "chat set temperature=1 seed=3\n" + #"chat "Who is Eva?" compare=base,default"#)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        outcome = run(interpreter, "chat prefer 3")
        #expect(outcome.errors.first?.message.contains("the valid numbers are 1, 2") == true, "\(outcome.errors)")
        let answers = session.conversation.turns.last?.answers.map(\.text) ?? []
        outcome = run(interpreter, "chat prefer 2")
        if answers.count == 2 && answers[0] != answers[1] {
            #expect(outcome.errors.isEmpty, "\(outcome.errors)")
            #expect(output.text.contains("added 1 pair to labels.dpo") && output.text.contains("`chat label dpo NAME`"))
            let pairs = try #require(session.workspace.dataSet(named: "labels.dpo"))
            #expect(pairs.data.records == [.preference(prompt: "Who is Eva?", chosen: answers[1], rejected: answers[0])])
        }
        outcome = run(interpreter, #"chat fix "Eva is Mia's friend.""# + "\nchat label sft fixes\n" + #"chat "And Tom?""# + "\n" + #"chat fix "Tom is a dog.""#)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(session.workspace.dataSet(named: "labels.sft")?.data.count == 1)
        #expect(session.workspace.dataSet(named: "fixes")?.data.count == 1)
        outcome = run(interpreter, "save data labels.sft \"\(dir)/sft.jsonl\"\nload data \"\(dir)/sft.jsonl\" as back\nchat save talk\nsave data talk \"\(dir)/talk.jsonl\"\nload data \"\(dir)/talk.jsonl\" as talk_back")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(session.workspace.dataSet(named: "back")?.data.records == session.workspace.dataSet(named: "labels.sft")?.data.records)
        #expect(session.workspace.dataSet(named: "talk_back")?.data.records == session.workspace.dataSet(named: "talk")?.data.records)
    }

    @Test("a preference pair with its conversation's turns is written as messages and loads back the same")
    func preferenceWithHistoryRoundTrips() throws {
        let history = [ChatMessage(role: "system", content: "Be brief."), ChatMessage(role: "user", content: "Hi \"you\"")]
        let data = DataSet(file: "<test>", format: .preference, records: [.preference(prompt: "", chosen: "A", rejected: "B", history: history)], lines: [1])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hone-pairs-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try data.jsonLines().write(toFile: path, atomically: true, encoding: .utf8)
        let (session, interpreter, _) = session()
        #expect(run(interpreter, "load data \"\(path)\" as back").errors.isEmpty)
        #expect(session.workspace.dataSet(named: "back")?.data.records == data.records)
    }

    @Test("a chat line is the statement it stands for; unknown slash commands suggest the near one")
    func chatLinesTranslate() {
        #expect(ChatLine.parse("Where is \"Eva\" $now?") == .statement(#"chat "Where is \"Eva\" \$now?""#))
        #expect(ChatLine.parse("/compare base default") == .statement("chat compare base default"))
        #expect(ChatLine.parse("/system Be brief.") == .statement(#"chat system "Be brief.""#))
        #expect(ChatLine.parse("/fix") == .editLastAnswer)
        #expect(ChatLine.parse("//help") == .statement(#"chat "/help""#))
        #expect(ChatLine.parse("/exit") == .exit && ChatLine.parse("  ") == nil)
        guard case .unknown(let message) = ChatLine.parse("/prefr 1") else { Issue.record("not unknown"); return }
        #expect(message.contains("did you mean `/prefer`"))
    }
}
