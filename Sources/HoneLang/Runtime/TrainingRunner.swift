import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import HoneTrain

/// What `train` and `resume` share: running a training loop while printing its progress,
/// samples and warnings, then saying how it ended.
enum TrainingRunner {
    /// The template a model uses (`TemplateChoice`'s rule).
    static func template(for handle: ModelHandle, in context: CommandContext) -> PromptTemplate {
        TemplateChoice.choice(for: handle, in: context.session.workspace).template
    }

    /// The template as config.json records it: its name, its text when custom, or `jinja:`
    /// and the text for a chat template.
    static func describe(_ template: PromptTemplate) -> String {
        switch template {
        case .custom(let text): text
        case .chat(let chat): "jinja:" + chat.text
        default: template.name
        }
    }

    /// The template `describe` recorded, for `resume`.
    static func template(described text: String, tokenizer: any Tokenizer) throws -> PromptTemplate {
        guard text.hasPrefix("jinja:") else { return try PromptTemplate.named(text) }
        let special = tokenizer.specialTokens
        return .chat(try ChatTemplate(String(text.dropFirst(6)), bosToken: special.bos?.text ?? "", eosToken: special.eos?.text ?? ""))
    }

    /// The trainable parameters of `handle` for `method`, by the names checkpoints use.
    static func parameters(of handle: ModelHandle, method: TrainingMethod, in context: CommandContext) throws
        -> (parameters: [TrainableParameter], adapter: LoRAAdapter?) {
        let model = handle.model
        switch method {
        case .full:
            if !model.quantizedWeights.isEmpty {
                throw HoneError(.value, "full fine-tuning needs float weights, and \(handle.name)'s linear weights are quantised",
                                at: context.call.range, hints: ["load the model again for method=full (a GGUF's Q8_0/Q4_0 weights with `dequantize=true`), or train a QLoRA adapter with `lora` and `train`"])
            }
            if let set = model.linearHook as? AdapterSet, set.active != nil, set.isEnabled, set.merged == nil {
                throw HoneError(.value, "\(handle.name) has an active adapter; method=full would train the base under it",
                                at: context.call.range, hints: ["`merge` it, `disable adapter`, or train the adapter (method=adapter)"])
            }
            return (model.parameters.map { TrainableParameter(name: $0.name, tensor: $0.tensor) }, nil)
        case .adapter:
            guard let set = model.linearHook as? AdapterSet, let adapter = set.active, !set.trainableParameters.isEmpty else {
                let why = (model.linearHook as? AdapterSet)?.merged != nil ? "its adapter is merged into the weights" : "it has no active adapter"
                throw HoneError(.value, "nothing to train on \(handle.name): \(why)", at: context.call.range,
                                hints: ["add an adapter: `lora r=16 alpha=32 targets=q_proj,v_proj` (or `qlora`, `dora`)",
                                        "or train every weight: `train method=full`"])
            }
            var out: [TrainableParameter] = []
            for layer in adapter.layers {
                out.append(TrainableParameter(name: layer.module.name + ".lora_A.weight", tensor: layer.a))
                out.append(TrainableParameter(name: layer.module.name + ".lora_B.weight", tensor: layer.b))
                if let m = layer.magnitude { out.append(TrainableParameter(name: layer.module.name + ".lora_magnitude_vector", tensor: m)) }
            }
            return (out, adapter)
        }
    }

    /// Runs `loop` to its end, an interrupt, early stopping or a non-finite loss. The model then
    /// remembers `template` for generation and saving, unless `remembersTemplate` is false:
    /// plain text (pretraining) is trained without one, and the model stays a base model.
    static func run(_ run: RunHandle, loop: TrainingLoop, handle: ModelHandle, tokenizer: any Tokenizer,
                    template: PromptTemplate, remembersTemplate: Bool = true, in context: CommandContext) throws -> Value {
        let trainer = loop.trainer
        let settings = trainer.settings
        let session = context.session
        let terminal = session.output.isTerminal
        let quiet = context.verbosity == .quiet
        let every = max(1, trainer.totalSteps / 20)
        var progressShown = false
        let live = quiet ? nil : LiveTrainingDisplay(output: session.output, runName: run.name)
        let prompts = samplePrompts(settings, run: run, context: context)
        loop.sampler = { _ in
            prompts.map { prompt in
                let text = (try? InferenceTemplate.wrap(prompt, in: template, range: nil, in: context)) ?? prompt
                let ids = InferenceTemplate.encode(text, template: template, tokenizer: tokenizer, bos: true)
                let result = Generator.run(model: trainer.model, tokenizer: tokenizer, prompt: ids.isEmpty ? [0] : ids,
                                           settings: GenerationSettings(maxNewTokens: settings.sampleTokens, sampling: .greedy))
                return (prompt, result.text)
            }
        }
        func endProgressLine() {
            if progressShown && terminal { session.output.emit("\n", .volatile) }
            progressShown = false
        }
        defer {
            // Frozen outside training: full fine-tuning's base weights and the checkpointing switch.
            if settings.method == .full { for p in trainer.parameters { p.tensor.requiresGrad = false } }
            trainer.model.gradientCheckpointing = false
        }
        run.status = .running
        handle.trained = true
        let stop: TrainingStop
        do {
            stop = try loop.run(isInterrupted: { session.interrupt.consume() }, onEvent: { event in
            guard !quiet else { return }
            switch event {
            case .step(let r, let elapsed, let eta, let tps):
                let line = String(format: "step %d/%d · epoch %.2f · loss %.4f%@ · lr %.2e · %@ tok/s · %@ elapsed · ETA %@",
                                  r.step, trainer.totalSteps, r.epoch, r.loss, Self.figures(r.figures, separator: " · "), r.learningRate,
                                  Self.count(tps), Self.clock(elapsed), Self.clock(eta))
                live?.step(line, step: r.step, of: trainer.totalSteps)
                if terminal {
                    session.output.emit("\r\u{1B}[K" + line, .volatile)
                    progressShown = true
                } else if r.step == 1 || r.step % every == 0 || r.step == trainer.totalSteps {
                    session.say(String(format: "step %d/%d  epoch %.2f  loss %.4f%@  lr %.2e", r.step, trainer.totalSteps, r.epoch, r.loss,
                                       Self.figures(r.figures, separator: "  "), r.learningRate))
                    // A live display already shows these figures, in place.
                    if live == nil {
                        session.say(String(format: "  %@ tok/s, %@ elapsed, ETA %@", Self.count(tps), Self.clock(elapsed), Self.clock(eta)), .volatile)
                    }
                }
            case .evaluation(let step, let loss, let training, let improved, let figures):
                endProgressLine()
                let ppl = figures.isEmpty ? String(format: " (ppl %.2f)", exp(loss)) : ""
                session.say(String(format: "  eval at step %d: val_loss %.4f%@%@%@%@", step, loss, ppl,
                                   training.isNaN ? "" : String(format: ", train_loss %.4f", training), Self.figures(figures), improved ? " *" : ""))
                live?.evaluation(step: step, loss: loss, records: loop.records)
            case .samples(let step, let samples):
                endProgressLine()
                for s in samples { session.say("  sample at step \(step): \(s.prompt.debugDescription) → \(s.text.debugDescription)") }
            case .checkpoint(let step, let path):
                if context.verbosity == .full { endProgressLine(); session.say("  checkpoint at step \(step): \(path)") }
            case .warning(let text):
                endProgressLine()
                session.say("warning: " + text)
            }
        })
        } catch {
            endProgressLine()
            run.status = .failed
            run.statusDetail = "failed: \(error)"
            throw HoneError(.value, "training stopped at step \(trainer.position.step): \(error)", at: context.call.range,
                            hints: ["the run is kept in \(run.path); `resume \(run.name)` continues from its last checkpoint"])
        }
        endProgressLine()
        if remembersTemplate { handle.template = template }
        let last = loop.records.last
        let summary = last.map { String(format: "loss %.4f", $0.loss) } ?? "no steps"
        switch stop {
        case .finished:
            run.status = .finished
            run.statusDetail = "finished"
            saveAdapter(run, handle: handle, method: settings.method, in: context)
            context.say("trained \(run.name): \(trainer.position.step) steps, \(summary)"
                        + (loop.state.bestValidationLoss.map { String(format: ", best val_loss %.4f", $0) } ?? "") + "; run in \(run.path)")
        case .interrupted(let step):
            run.status = .interrupted
            run.statusDetail = "interrupted at step \(step)"
            context.show("stopped at step \(step) of \(trainer.totalSteps) (Ctrl-C); the weights and the run are kept, "
                         + "with a checkpoint in \(run.path). `resume \(run.name)` continues.")
        case .earlyStopped(let step, let bestStep, let bestLoss):
            run.status = .stopped
            run.statusDetail = "early stopping at step \(step)"
            if bestStep > 0 {
                context.say(String(format: "early stopping at step %d: no lower validation loss in %d evaluations; the weights from step %d (val_loss %.4f) are back",
                                   step, settings.patience ?? 0, bestStep, bestLoss))
            } else {
                // The best weights were seen before a resume in another process and are not held here.
                context.say(String(format: "early stopping at step %d: no lower validation loss in %d evaluations (best val_loss %.4f, before this process resumed the run); the current weights are kept",
                                   step, settings.patience ?? 0, bestLoss))
            }
            saveAdapter(run, handle: handle, method: settings.method, in: context)
        case .nonFinite(let step, let loss, let norm, let restored):
            run.status = .failed
            run.statusDetail = "non-finite loss at step \(step)"
            let what = loss.isFinite ? "the gradient norm is \(norm.isNaN ? "NaN" : "infinite")" : "the loss is \(loss.isNaN ? "NaN" : "infinite")"
            let weights = restored ? "the weights from before step \(step - 1) are back" : "the weights are those step \(step) started from"
            throw HoneError(.value, "training stopped at step \(step): \(what)", at: context.call.range,
                            hints: ["\(weights), and the run is kept in \(run.path)",
                                    String(format: "try a lower learning rate (lr=%.1e) or a warm-up (warmup=)", settings.learningRate / 10)])
        }
        return .object(run)
    }

    /// Makes the session's handle for a run whose folder is written: added to the workspace, and
    /// bound as a variable when the command named it (`as NAME`).
    static func register(_ configuration: RunConfiguration, path: String, handle: ModelHandle, loop: TrainingLoop,
                         asVariable: Bool, in context: CommandContext) -> RunHandle {
        let run = RunHandle(name: configuration.name, path: path, configuration: configuration, modelName: handle.name, loop: loop, status: .running)
        context.session.workspace.add(run)
        if asVariable { context.session.setVariable(configuration.name, .object(run)) }
        return run
    }

    /// Writes the trained adapter in PEFT's format into the run's folder, warning on failure.
    static func saveAdapter(_ run: RunHandle, handle: ModelHandle, method: TrainingMethod, in context: CommandContext) {
        guard method == .adapter, let adapter = (handle.model.linearHook as? AdapterSet)?.active else { return }
        do {
            try PEFTAdapterFile.write(try adapter.fileWeights(for: handle.model, baseModel: run.configuration.model.source), to: run.path + "/adapter")
        } catch {
            context.say("warning: the adapter could not be written to \(run.path)/adapter: \(error)")
        }
    }

    static func samplePrompts(_ settings: TrainingSettings, run: RunHandle, context: CommandContext) -> [String] {
        guard settings.sampleEvery != nil else { return [] }
        if !settings.samplePrompts.isEmpty { return settings.samplePrompts }
        guard let data = context.session.workspace.dataSet(named: run.configuration.validation?.name ?? run.configuration.data.name) else { return [] }
        return data.data.records.prefix(2).map { record in
            switch record {
            case .instruction(let instruction, let input, _): input.isEmpty ? instruction : instruction + "\n\n" + input
            default: PromptTemplate.plain.render(record).prompt
            }
        }
    }

    /// Preference figures as a learner reads them: ", acc 75% · margin 0.42".
    static func figures(_ figures: [String: Double], separator: String = ", ") -> String {
        var parts: [String] = []
        if let a = figures["rewards/accuracies"] { parts.append(String(format: "acc %.0f%%", 100 * a)) }
        if let m = figures["rewards/margins"] { parts.append(String(format: "margin %.3f", m)) }
        if let r = figures["reward"] { parts.append(String(format: "reward %.3f", r)) }
        if let k = figures["kl"] { parts.append(String(format: "KL %.3f", k)) }
        if let l = figures["length"] { parts.append(String(format: "length %.1f", l)) }
        return parts.isEmpty ? "" : separator + parts.joined(separator: separator)
    }

    static func count(_ value: Double) -> String {
        value >= 10_000 ? String(format: "%.1fk", value / 1000) : String(format: "%.0f", value)
    }

    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
