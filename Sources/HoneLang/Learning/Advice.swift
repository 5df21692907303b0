import Foundation

/// What `advise` recommends from a learner's answers. The order it walks is the usual ladder:
/// a prompt first, then retrieval, then supervised fine-tuning, then preference training, each
/// step only when the one before fails a test written in advance. Every answer says why in
/// plain words, and ends in commands and checks the learner can run.
public struct Advice: Sendable {
    public enum Need: String, CaseIterable, Sendable { case facts, format, style, behaviour, task, preference }
    public enum Changes: String, CaseIterable, Sendable { case often, rarely }
    public enum PromptResult: String, CaseIterable, Sendable { case untried, fails, works }
    public enum Budget: String, CaseIterable, Sendable { case small, medium, large }

    public enum Recommendation: String, Sendable {
        /// The prompt is good enough: no training.
        case stop
        /// Try (or keep improving) a prompt with examples in it before anything else.
        case prompt
        case retrieval
        /// Not enough data for the next step: collect it first.
        case collect
        case fineTune = "fine-tune"
        case preference

        var headline: String {
            switch self {
            case .stop: "stop here: the prompt does the job, no training needed"
            case .prompt: "a better prompt first (with examples in it), not fine-tuning yet"
            case .retrieval: "retrieval first (`rag`), not fine-tuning"
            case .collect: "collect more data before training"
            case .fineTune: "supervised fine-tuning"
            case .preference: "preference training (after supervised fine-tuning)"
            }
        }
    }

    /// One of `advise`'s questions: the argument that answers it and what each answer means.
    public struct Question: Sendable {
        public var argument: String
        public var question: String
        public var answers: [(value: String, meaning: String)]
    }

    public var recommendation: Recommendation
    /// The hone method for the next step: `qlora`, `lora`, `full`, `dpo`, `grpo`, `rag`, or nil.
    public var method: String?
    public var reasons: [String]
    public var steps: [String]

    public static let questions: [Question] = [
        Question(argument: "need", question: "What should change in the model's answers?", answers: [
            ("facts", "it must know things it does not: documents, products, policies"),
            ("format", "answers in a fixed shape: JSON, SQL, a form"),
            ("style", "a tone, a voice, a length"),
            ("behaviour", "rules kept every time: refuse, ask back, stay in a role"),
            ("task", "one narrow task done well: classify, extract, rewrite"),
            ("preference", "you can tell the better of two answers, not write the best one"),
        ]),
        Question(argument: "examples", question: "How many good examples do you have (prompt → wanted answer; pairs for preference)?",
                 answers: [("N", "a count; 0 if none yet")]),
        Question(argument: "changes", question: "How often do the facts or the requirements change?", answers: [
            ("often", "weekly, or whenever a document changes"),
            ("rarely", "they stay the same for months"),
        ]),
        Question(argument: "prompt", question: "A careful prompt with 3–5 examples in it, tried on ten real inputs, was…", answers: [
            ("untried", "not tried yet"),
            ("fails", "right on fewer than 8 of the 10"),
            ("works", "right on 8 or more of the 10"),
        ]),
        Question(argument: "budget", question: "What can you train on?", answers: [
            ("small", "a laptop, or a GPU under about 16 GB"),
            ("medium", "one GPU of 24–80 GB"),
            ("large", "several large GPUs"),
        ]),
    ]

    /// `advise` alone: the questions, their answers and an example call.
    public static var questionnaire: String {
        var lines = ["Should you fine-tune? Answer these as arguments (all but need= may be left out):", ""]
        for (i, q) in questions.enumerated() {
            lines.append("\(i + 1). \(q.question)")
            let width = q.answers.map(\.value.count).max() ?? 0
            lines += q.answers.map { "     \(q.argument)=\($0.value.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.meaning)" }
        }
        lines += ["", "For example:  advise need=format examples=500 changes=rarely prompt=fails budget=small",
                  "The ladder it walks: prompt → retrieval → supervised fine-tuning → preference training."]
        return lines.joined(separator: "\n")
    }

    static let promptTest = "Try the prompt first: clear instructions plus 3–5 varied examples, run on ten real inputs "
        + "(`generate \"…\"`). If 8 of 10 are right, stop: a prompt costs nothing to change and forgets nothing."
    static let evaluationFirst = "Write the evaluation before any training: 20–50 real inputs with the answers you want, "
        + "kept out of training (`split NAME val=0.1 test=0.1`), and the base model's score on them (`eval NAME.test metrics=all`)."

    /// The advice for a set of answers; `need` decides the branch, the others refine it.
    public static func advise(need: Need, examples: Int?, changes: Changes?, prompt: PromptResult?, budget: Budget?) -> Advice {
        if prompt == .works {
            var reasons = ["A prompt that gets 8 of 10 real inputs right beats training: nothing to retrain when things change, "
                           + "and nothing the model forgets."]
            if need == .facts {
                reasons.append("If the facts outgrow the prompt or change often, retrieval (`rag index DOCS`) is the next step, still without training.")
            }
            return Advice(recommendation: .stop, method: nil, reasons: reasons, steps: [
                "Keep the ten inputs and their answers as a test; rerun it whenever the prompt or the model changes.",
                "Come back when it fails on inputs that matter: `advise need=\(need.rawValue) prompt=fails …`.",
            ])
        }
        let tryPrompt = prompt == .fails ? [] : [promptTest]
        switch need {
        case .facts:
            return facts(examples: examples, changes: changes, tryPrompt: tryPrompt)
        case .preference:
            return preference(examples: examples, tryPrompt: tryPrompt)
        case .format, .style, .behaviour, .task:
            return supervised(need: need, examples: examples, changes: changes, prompt: prompt, budget: budget, tryPrompt: tryPrompt)
        }
    }

    static func facts(examples: Int?, changes: Changes?, tryPrompt: [String]) -> Advice {
        var reasons = ["Fine-tuning is a poor way to add facts: the model learns them slowly, mixes them up, and states wrong ones "
                       + "just as confidently. Retrieval puts the current text itself in the prompt, where the model only has to read it."]
        switch changes {
        case .often?: reasons.append("Facts that change often settle it: with retrieval a change means re-indexing a document; with fine-tuning, a new training run every time.")
        case .rarely?: reasons.append("Even stable facts are better looked up: answers can quote their source, and you can see when retrieval missed.")
        case nil: reasons.append("Retrieval also copes with facts that change: re-index, no retraining.")
        }
        var steps = tryPrompt.isEmpty ? [] : ["If the documents are short, paste them into the prompt and test that first: ten real questions, stop at 8 of 10."]
        steps += ["Write 20–50 questions whose answers are in the documents, with those answers: that is your evaluation.",
                  "Index the documents with `rag index DOCS`, then ask with `generate \"question\" rag=NAME k=3`.",
                  "Compare with and without retrieval: `eval QUESTIONS rag=NAME` against `eval QUESTIONS`.",
                  "Fine-tune only if the answers hold the right facts in the wrong form: that is a format question (`advise need=format …`)."]
        return Advice(recommendation: .retrieval, method: "rag", reasons: reasons, steps: steps)
    }

    static func supervised(need: Need, examples: Int?, changes: Changes?, prompt: PromptResult?, budget: Budget?, tryPrompt: [String]) -> Advice {
        guard let n = examples, n >= 100 else {
            var reasons: [String]
            if let n = examples {
                reasons = ["With fewer than about 100 good examples (you have \(n)), a fine-tuned model mostly memorises them: it overfits. "
                           + "The same examples placed in the prompt (few-shot) usually do better, and cost nothing to change."]
            } else {
                reasons = ["Fine-tuning learns from examples, and how many you have decides whether it can work: give examples=N. "
                           + "Below about 100 good ones, examples in the prompt usually beat training."]
            }
            let steps = tryPrompt + [
                "Choose 3–5 of your examples that differ from each other and put them in the prompt.",
                "Collect more: 100–1 000 varied, checked examples (quality beats quantity; read them yourself).",
                evaluationFirst,
            ]
            return Advice(recommendation: prompt == .fails ? .collect : .prompt, method: nil, reasons: reasons, steps: steps)
        }
        var reasons: [String]
        switch need {
        case .format: reasons = ["A fixed format is what fine-tuning teaches best: after hundreds of examples of the same shape, the model no longer needs instructions for it."]
        case .style: reasons = ["Style shows in every word and is hard to describe in a prompt; examples teach it directly."]
        case .task: reasons = ["A narrow task with hundreds of examples is the classic case for supervised fine-tuning; a small tuned model often matches a large prompted one."]
        default: reasons = ["Rules kept every time stick better when trained from demonstrations than when restated in every prompt."]
        }
        reasons.append("\(n) examples is enough to start, if they are clean and varied.")
        let method: String
        if budget == .small {
            method = "qlora"
            reasons.append("On small hardware QLoRA keeps the frozen base in 4 bits, about a quarter of the memory, at nearly LoRA's quality.")
        } else if budget == .large && n >= 10_000 {
            method = "full"
            reasons.append("With a large budget and \(n) examples, full fine-tuning has the most capacity; compare it with LoRA, and measure forgetting.")
        } else {
            method = "lora"
            reasons.append("LoRA trains well under 1% of the weights, leaves the base intact (less forgetting) and saves a small adapter file.")
        }
        if changes == .often {
            reasons.append("Requirements that change often mean a new training run each time: keep the changing part in the prompt and fine-tune only the stable part.")
        }
        var steps = tryPrompt + [
            evaluationFirst,
            "Check the data: `stats NAME`, `clean NAME`, and read 20 examples with `show data NAME`.",
        ]
        switch method {
        case "qlora": steps.append("`qlora r=16 alpha=32 targets=all-linear`, then `train NAME.train val=NAME.val epochs=2 lr=2e-4 patience=3`.")
        case "full": steps.append("`train NAME.train val=NAME.val method=full epochs=1 lr=2e-5`, with `set general=DATA` so `eval` shows forgetting.")
        default: steps.append("`lora r=16 alpha=32 targets=all-linear`, then `train NAME.train val=NAME.val epochs=2 lr=2e-4 patience=3`.")
        }
        steps += ["Watch the validation loss (`plot`): if it rises while the training loss falls, stop earlier or add data.",
                  "`compare base default on NAME.test`: keep the adapter only if it beats both the base and your best prompt."]
        if need == .behaviour {
            steps.append("If good demonstrations are hard to write but answers are easy to rank, add preference training after: `advise need=preference …`.")
        }
        return Advice(recommendation: .fineTune, method: method, reasons: reasons, steps: steps)
    }

    static func preference(examples: Int?, tryPrompt: [String]) -> Advice {
        var reasons = ["Preference training teaches which of two answers is better. It sharpens a model that already answers in the "
                       + "right form, so it comes after supervised fine-tuning, not instead of it."]
        guard let n = examples, n >= 100 else {
            reasons.append("Below a few hundred pairs\(examples.map { " (you have \($0))" } ?? "") DPO learns little more than noise; "
                           + "collect pairs first, or, if a rule can score an answer, use GRPO, which needs prompts only.")
            let steps = tryPrompt + [
                "Collect pairs: for real prompts, keep an answer you prefer and one you reject (prompt/chosen/rejected records).",
                "If a rule can score answers (a word they must contain, a length, a right number): `grpo prompts.train reward=contains:WORD group=8`.",
                evaluationFirst,
            ]
            return Advice(recommendation: .collect, method: "grpo", reasons: reasons, steps: steps)
        }
        reasons.append("\(n) pairs is enough for DPO: no reward model and no sampling, and a LoRA adapter switched off serves as the reference.")
        let steps = tryPrompt + [
            "Hold out some pairs (`split prefs val=0.1`) and read the base model's answers to their prompts.",
            "Start from a model that already answers in the right form: supervised fine-tuning first if it does not (`advise need=format …`).",
            "`dpo prefs.train beta=0.1 lr=5e-6 steps=100`: the loss starts at ln 2 ≈ 0.693 and should fall.",
            "`compare base default on prefs.val`, and read answers side by side.",
            "With a reward you can compute, try `grpo`; with a learned one, `reward train` then `ppo`.",
        ]
        return Advice(recommendation: .preference, method: "dpo", reasons: reasons, steps: steps)
    }

    /// `text` broken at spaces, never inside `code`, into lines of at most `width` characters
    /// (longer only for a long piece of code), the first starting with `first`, the others with `rest`.
    static func wrapped(_ text: String, first: String, rest: String, width: Int = 96) -> [String] {
        var pieces: [String] = []
        var inCode = false
        for word in text.split(separator: " ") {
            if inCode, !pieces.isEmpty { pieces[pieces.count - 1] += " " + word } else { pieces.append(String(word)) }
            if word.filter({ $0 == "`" }).count % 2 == 1 { inCode.toggle() }
        }
        var lines: [String] = []
        var line = first, empty = true
        for piece in pieces {
            if !empty && line.count + 1 + piece.count > width {
                lines.append(line)
                line = rest
                empty = true
            }
            line += (empty ? "" : " ") + piece
            empty = false
        }
        lines.append(line)
        return lines
    }

    /// The advice as `advise` prints it.
    public var rendered: String {
        var lines = ["Recommendation: \(recommendation.headline)", "", "Why:"]
        lines += reasons.flatMap { Self.wrapped($0, first: "  - ", rest: "    ") }
        lines += ["", "What to do, in order:"]
        lines += steps.enumerated().flatMap { Self.wrapped($0.element, first: "  \($0.offset + 1). ", rest: "     ") }
        lines.append("")
        lines += Self.wrapped("The ladder: prompt → retrieval → supervised fine-tuning → preference training; climb a step "
                              + "only when a test fails.", first: "", rest: "")
        return lines.joined(separator: "\n")
    }
}
