import Foundation
import HoneModels
import HoneTrain

/// Answering one chat turn: each responder (the current model, or `base`, adapters, models and
/// runs as `compare` names them) gets the same messages under its template and the same
/// sampling seed, and its answer streams as it comes, labelled when there are several.
enum ChatTurns {
    static func answer(_ user: String, in context: CommandContext, range: SourceRange?) throws -> Conversation.Turn {
        let conversation = context.session.conversation
        let messages = conversation.messages(before: user)
        let names = conversation.responders ?? []
        var answers: [(name: String, text: String)] = []
        let output = context.session.output
        let current = try ModelReference.resolve(nil, in: context, range: range)
        let turns = hasTurns(current.template ?? TrainingRunner.template(for: current, in: context))
        if !turns.hasTurns && messages.count > 1 && !conversation.toldSingleTurn {
            conversation.toldSingleTurn = true
            context.say("note: the \(turns.name) template has no turns, so each message is answered on its own; a chat template (chatml, llama2, the model's own) carries the conversation")
        }
        if names.isEmpty {
            answers.append((current.name, try generate(messages, with: current, in: context, range: range)))
        } else {
            for (i, name) in names.enumerated() {
                let (handle, setUp) = try CompareCommand.resolve(name, in: context, range: range)
                let restore = try setUp()
                defer { restore() }
                output.emit("[\(i + 1)] \(name): ", .text)
                answers.append((name, try generate(messages, with: handle, in: context, range: range)))
            }
        }
        return Conversation.Turn(user: user, answers: answers, sawHistory: turns.hasTurns)
    }

    static func hasTurns(_ template: PromptTemplate) -> (hasTurns: Bool, name: String) {
        switch template {
        case .alpaca, .custom, .plain: (false, template.name)
        case .chatml, .llama2, .chat: (true, template.name)
        }
    }

    /// One answer, streamed; Ctrl-C stops it and keeps what came so far.
    static func generate(_ messages: [ChatMessage], with handle: ModelHandle, in context: CommandContext, range: SourceRange?) throws -> String {
        let conversation = context.session.conversation
        let tokenizer = try ModelReference.tokenizer(of: handle, in: context)
        let template = handle.template ?? TrainingRunner.template(for: handle, in: context)
        let record: DataRecord
        switch template {
        case .alpaca, .custom, .plain:
            // These formats have no turns: the model sees the newest message alone.
            record = .instruction(instruction: messages.last?.content ?? "", input: "", output: "")
        case .chatml, .llama2, .chat:
            record = .chat(messages)
        }
        let text: String
        do {
            text = try template.rendered(record).prompt
        } catch {
            throw HoneError(.value, "the \(template.name) template cannot render the conversation", at: range ?? context.call.range, cause: error.message)
        }
        let ids = InferenceTemplate.encode(text, template: template, tokenizer: tokenizer, bos: GenerateCommand.addsBOS(tokenizer, handle))
        do {
            try handle.model.validate(tokens: ids)
        } catch {
            throw HoneError(.value, "the conversation no longer fits `\(handle.name)`", at: range ?? context.call.range,
                            hints: ["`chat reset` starts a new one; `chat undo` drops the last turn"], cause: error.description)
        }
        let s = conversation.settings
        let sessionSeed: Int
        if case .int(let seed) = context.session.option("seed") { sessionSeed = seed } else { sessionSeed = 0 }
        let sampling = SamplingSettings(temperature: Float(s.temperature), topK: s.topK, topP: Float(s.topP),
                                        repetitionPenalty: Float(s.repetitionPenalty),
                                        seed: UInt64((s.seed ?? sessionSeed) &+ conversation.retries))
        let output = context.session.output
        var started = false
        let result = Generator.run(model: handle.model, tokenizer: tokenizer, prompt: ids,
                                   settings: GenerationSettings(maxNewTokens: s.maxTokens, sampling: sampling),
                                   onText: { piece in
                                       // The answer is shown as it is kept: without the blank the template leaves before it.
                                       let shown = started ? piece : String(piece.drop { $0.isWhitespace })
                                       if !shown.isEmpty { started = true; output.emit(shown, .text) }
                                   },
                                   isCancelled: { context.session.interrupt.consume() })
        output.emit(result.stopReason == .interrupted ? " (stopped)\n" : "\n", .text)
        return result.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
