import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// The preference log-probs and losses against TRL 1.16 on the 4 pairs of
/// ../shared/models/dpo-reference: policy = stories260K + its LoRA adapter, reference = the same
/// model with the adapter disabled.
@Suite("preference losses against TRL", .enabled(if: Shared.has("dpo-reference/reference.json"), "the shared models are absent"))
struct PreferenceLossTests {
    static let file = "dpo-reference/reference.json"

    struct Computed {
        var reference: [String: Any]
        var pairs: [[String: Any]]
        var policy: PreferenceLogProbs
        var referenceModel: PreferenceLogProbs
        var base: PreferenceLogProbs
    }

    static func computed() throws -> Computed {
        let reference = try Shared.json(file)
        let pairs = reference["pairs"] as! [[String: Any]]
        let batch = PreferenceBatch(pairs: pairs.map {
            PreferencePair(prompt: $0["prompt_ids"] as! [Int], chosen: $0["chosen_ids"] as! [Int], rejected: $0["rejected_ids"] as! [Int])
        })
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let file = try PEFTAdapterFile.read(directory: Shared.path("stories260K-peft-lora"))
        let set = AdapterSet.on(model)
        try set.add(LoRAAdapter.from(file, name: "default", on: model))
        let policy = PreferenceLogProbs(model: model, batch: batch)
        set.isEnabled = false
        let referenceModel = GradMode.withoutGradients { PreferenceLogProbs(model: model, batch: batch) }
        set.isEnabled = true
        let plain = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let base = GradMode.withoutGradients { PreferenceLogProbs(model: plain, batch: batch) }
        return Computed(reference: reference, pairs: pairs, policy: policy, referenceModel: referenceModel, base: base)
    }

    static func double(_ any: Any?) -> Double { (any as! NSNumber).doubleValue }
    static func values(_ t: Tensor) -> [Double] { t.scalars.map(Double.init) }

    @discardableResult
    func expectClose(_ got: Double, _ want: Double, _ label: String, tolerance: Double = 1e-4) -> Double {
        let d = abs(got - want)
        #expect(d < tolerance, "\(label): hone \(got), reference \(want)")
        return d
    }

    @Test("summed completion log-probs of policy and reference agree with TRL within 1e-4")
    func logProbs() throws {
        let c = try Self.computed()
        var worst = 0.0
        for (i, pair) in c.pairs.enumerated() {
            worst = max(worst, expectClose(Self.values(c.policy.chosen)[i], Self.double(pair["trl_policy_chosen_logps"]), "policy chosen \(i)"))
            worst = max(worst, expectClose(Self.values(c.policy.rejected)[i], Self.double(pair["trl_policy_rejected_logps"]), "policy rejected \(i)"))
            worst = max(worst, expectClose(Self.values(c.referenceModel.chosen)[i], Self.double(pair["trl_reference_chosen_logps"]), "reference chosen \(i)"))
            worst = max(worst, expectClose(Self.values(c.referenceModel.rejected)[i], Self.double(pair["trl_reference_rejected_logps"]), "reference rejected \(i)"))
            #expect(c.policy.chosenCounts[i] == pair["chosen_completion_tokens"] as! Int)
            #expect(c.policy.rejectedCounts[i] == pair["rejected_completion_tokens"] as! Int)
        }
        print("summed log-probs: max |hone − TRL| = \(worst)")
    }

    @Test("the adapter-disabled reference gives exactly the base model's log-probs")
    func referenceIsBase() throws {
        let c = try Self.computed()
        #expect(c.referenceModel.chosen.scalars == c.base.chosen.scalars)
        #expect(c.referenceModel.rejected.scalars == c.base.rejected.scalars)
        #expect(c.referenceModel.chosenWhole!.scalars == c.base.chosenWhole!.scalars)
        #expect(c.policy.chosen.scalars != c.base.chosen.scalars)
    }

    @Test("DPO sigmoid, IPO, hinge and robust losses and metrics agree with TRL within 1e-4")
    func dpoVariants() throws {
        let c = try Self.computed()
        let records = c.reference["dpo_trl"] as! [String: Any]
        let cases: [(String, PreferenceLoss)] = [
            ("sigmoid_beta0.1", .sigmoid(beta: 0.1)),
            ("ipo_beta0.1", .ipo(beta: 0.1)),
            ("hinge_beta0.1", .hinge(beta: 0.1)),
            ("robust_beta0.1_label_smoothing0.1", .robust(beta: 0.1, labelSmoothing: 0.1)),
        ]
        var worstLoss = 0.0, worstMetric = 0.0
        for (key, loss) in cases {
            let record = records[key] as! [String: Any]
            let value = Double(loss.loss(policy: c.policy, reference: c.referenceModel).item())
            worstLoss = max(worstLoss, expectClose(value, Self.double(record["trl_loss"]), key))
            let metrics = PreferenceMetrics(loss: loss, policy: c.policy, reference: c.referenceModel).byTRLName
            let trl = record["trl_metrics"] as! [String: Any]
            for (name, got) in metrics {
                worstMetric = max(worstMetric, expectClose(got, Self.double(trl[name]), "\(key) \(name)"))
            }
        }
        print("DPO variants: max |hone − TRL| loss \(worstLoss), metrics \(worstMetric)")
    }

    @Test("conservative DPO agrees with formula_only and an independent Double computation")
    func conservativeDPO() throws {
        let c = try Self.computed()
        let loss = Double(PreferenceLoss.sigmoid(beta: 0.1, labelSmoothing: 0.1).loss(policy: c.policy, reference: c.referenceModel).item())
        let recorded = Self.double(((c.reference["formula_only"] as! [String: Any])["cdpo_beta0.1_eps0.1"] as! [String: Any])["loss"])
        // Independent: the reference's float64 log-probs, the formula in Double.
        func logSigmoid(_ x: Double) -> Double { -Foundation.log(1 + Foundation.exp(-x)) }
        let beta = 0.1, eps = 0.1
        let independent = c.pairs.map { p -> Double in
            let d = (Self.double(p["policy_chosen_logps"]) - Self.double(p["reference_chosen_logps"]))
                - (Self.double(p["policy_rejected_logps"]) - Self.double(p["reference_rejected_logps"]))
            return -(1 - eps) * logSigmoid(beta * d) - eps * logSigmoid(-beta * d)
        }.reduce(0, +) / Double(c.pairs.count)
        let a = expectClose(loss, recorded, "cDPO vs formula_only")
        let b = expectClose(loss, independent, "cDPO vs independent")
        expectClose(independent, recorded, "independent vs formula_only", tolerance: 1e-9)
        // TRL 1.16's sigmoid ignores label smoothing: its record equals plain DPO, which hone gives with ε = 0.
        let trlRecord = Self.double(((c.reference["dpo_trl"] as! [String: Any])["sigmoid_beta0.1_label_smoothing0.1"] as! [String: Any])["trl_loss"])
        expectClose(Double(PreferenceLoss.sigmoid(beta: 0.1).loss(policy: c.policy, reference: c.referenceModel).item()), trlRecord, "TRL 1.16 sigmoid + ε")
        print("cDPO: |hone − formula_only| \(a), |hone − independent| \(b)")
    }

    @Test("ORPO, SimPO and CPO agree with TRL's reference-free trainers within 1e-4")
    func referenceFree() throws {
        let c = try Self.computed()
        let records = c.reference["reference_free_trl"] as! [String: Any]
        let cases: [(String, PreferenceLoss)] = [
            ("orpo_beta0.1", .orpo(beta: 0.1)),
            ("simpo_beta0.1_gamma0.5_cpo_alpha0", .simpo(beta: 0.1, gamma: 0.5)),
            ("cpo_simpo_beta0.1_gamma0.5_cpo_alpha1", .simpo(beta: 0.1, gamma: 0.5, cpoAlpha: 1)),
            ("simpo_beta2.5_gamma1.375_cpo_alpha0", .simpo(beta: 2.5, gamma: 1.375)),
            ("cpo_sigmoid_beta0.1_label_smoothing0.1_cpo_alpha0", .cpo(beta: 0.1, labelSmoothing: 0.1, cpoAlpha: 0)),
        ]
        var worstLoss = 0.0, worstMetric = 0.0
        for (key, loss) in cases {
            let record = records[key] as! [String: Any]
            let value = Double(loss.loss(policy: c.policy).item())
            worstLoss = max(worstLoss, expectClose(value, Self.double(record["loss"]), key))
            let trl = record["metrics"] as! [String: Any]
            for (name, got) in PreferenceMetrics(loss: loss, policy: c.policy).byTRLName {
                worstMetric = max(worstMetric, expectClose(got, Self.double(trl[name]), "\(key) \(name)"))
            }
        }
        let orpoNLL = Double(PreferenceLoss.wholeNLL(c.policy).item())
        worstLoss = max(worstLoss, expectClose(orpoNLL, Self.double(((records["orpo_beta0.1"] as! [String: Any])["metrics"] as! [String: Any])["nll_loss"]), "ORPO NLL"))
        print("reference-free: max |hone − TRL| loss \(worstLoss), metrics \(worstMetric)")
    }

    /// A case whose inputs are policy chosen, policy rejected, reference chosen, reference rejected
    /// and the chosen whole-sequence log-probs, all negative (so ORPO's log(1 − e^a) is defined).
    static func gradCase(_ name: String, _ loss: PreferenceLoss) -> GradCheckCase {
        GradCheckCase(name, Array(repeating: GradCheckCase.Input([4], .positive), count: 5), step: 1e-3) { x in
            let counts = [3, 5, 2, 4]
            let policy = PreferenceLogProbs(chosen: -x[0], rejected: -x[1], chosenCounts: counts, rejectedCounts: counts.reversed(),
                                            chosenWhole: -x[4], chosenWholeCounts: counts.map { $0 + 3 })
            let reference = PreferenceLogProbs(chosen: -x[2], rejected: -x[3], chosenCounts: counts, rejectedCounts: counts.reversed())
            return loss.loss(policy: policy, reference: reference)
        }
    }

    @Test("each loss's gradient w.r.t. the log-probs matches central differences")
    func gradients() {
        let cases = [
            Self.gradCase("sigmoid", .sigmoid(beta: 0.1)),
            Self.gradCase("sigmoid β 2", .sigmoid(beta: 2)),
            Self.gradCase("cDPO", .sigmoid(beta: 0.5, labelSmoothing: 0.1)),
            Self.gradCase("ipo", .ipo(beta: 0.1)),
            Self.gradCase("hinge", .hinge(beta: 0.1)),
            Self.gradCase("robust", .robust(beta: 0.5, labelSmoothing: 0.1)),
            Self.gradCase("orpo", .orpo(beta: 0.1)),
            Self.gradCase("simpo", .simpo(beta: 2.5, gamma: 1.375, cpoAlpha: 1)),
            Self.gradCase("cpo", .cpo(beta: 0.5, labelSmoothing: 0.1)),
            GradCheckCase("bradley-terry", [.init([4]), .init([4]), .init([4])], step: 1e-3) {
                BradleyTerry.loss(chosen: $0[0], rejected: $0[1], margin: $0[2], centerCoefficient: 0.01)
            },
        ]
        for c in cases {
            for seed in [1, 2] as [UInt64] {
                let report = GradCheck.run(c, seed: seed)
                #expect(report.passed && report.checked > 0, "\(report)")
            }
        }
    }

    @Test("the DPO gradient reaches the adapter and matches central differences on LoRA weights")
    func adapterGradient() throws {
        let reference = try Shared.json(Self.file)
        let batch = PreferenceBatch(pairs: (reference["pairs"] as! [[String: Any]]).map {
            PreferencePair(prompt: $0["prompt_ids"] as! [Int], chosen: $0["chosen_ids"] as! [Int], rejected: $0["rejected_ids"] as! [Int])
        })
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let set = AdapterSet.on(model)
        try set.add(LoRAAdapter.from(PEFTAdapterFile.read(directory: Shared.path("stories260K-peft-lora")), name: "default", on: model))
        let parameters = set.trainableParameters
        for p in parameters { p.requiresGrad = true }
        set.isEnabled = false
        let referenceLogProbs = GradMode.withoutGradients { PreferenceLogProbs(model: model, batch: batch) }
        set.isEnabled = true
        #expect(!referenceLogProbs.chosen.requiresGrad)
        let loss = PreferenceLoss.dpo
        func value() -> Double {
            Double(GradMode.withoutGradients { loss.loss(policy: PreferenceLogProbs(model: model, batch: batch), reference: referenceLogProbs) }.item())
        }
        loss.loss(policy: PreferenceLogProbs(model: model, batch: batch), reference: referenceLogProbs).backward()
        #expect(parameters.allSatisfy { $0.grad != nil })
        #expect(parameters.contains { $0.grad!.scalars.contains { $0 != 0 } })
        var worst = 0.0
        for p in parameters.prefix(4) {
            // The element with the largest gradient, so the check is not on noise.
            let g = p.grad!.scalars
            let j = g.indices.max { abs(g[$0]) < abs(g[$1]) }!
            let h: Float = 1e-2, original = p.pointer[j]
            p.pointer[j] = original + h
            let plus = value()
            p.pointer[j] = original - h
            let minus = value()
            p.pointer[j] = original
            let numeric = (plus - minus) / Double(2 * h)
            worst = max(worst, abs(Double(g[j]) - numeric) / max(1e-3, abs(numeric)))
        }
        print("DPO gradient on LoRA weights: worst relative |analytic − numeric| = \(worst)")
        #expect(worst < 2e-2)
    }

    @Test("Bradley–Terry agrees with an independent scalar computation")
    func bradleyTerry() {
        let chosen: [Float] = [1.5, -0.25, 3, 0.1], rejected: [Float] = [0.5, 0.75, -2, 0.1], margin: [Float] = [0, 0.5, 1, -0.2]
        func independent(center: Double) -> Double {
            var total = 0.0, square = 0.0
            for i in 0..<4 {
                let z = Double(chosen[i]) - Double(rejected[i]) - Double(margin[i])
                total += Foundation.log(1 + Foundation.exp(-z))
                square += pow(Double(chosen[i]) + Double(rejected[i]), 2)
            }
            return total / 4 + center * square / 4
        }
        let t = { (v: [Float]) in Tensor(shape: [4], values: v) }
        let plain = Double(BradleyTerry.loss(chosen: t(chosen), rejected: t(rejected), margin: t(margin)).item())
        let centred = Double(BradleyTerry.loss(chosen: t(chosen), rejected: t(rejected), margin: t(margin), centerCoefficient: 0.01).item())
        expectClose(plain, independent(center: 0), "Bradley–Terry", tolerance: 1e-6)
        expectClose(centred, independent(center: 0.01), "Bradley–Terry centred", tolerance: 1e-6)
        let noMargin = Double(BradleyTerry.loss(chosen: t(chosen), rejected: t(rejected)).item())
        var want = 0.0
        for i in 0..<4 {
            let z: Double = Double(chosen[i]) - Double(rejected[i])
            want += Foundation.log(1 + Foundation.exp(-z)) / 4
        }
        expectClose(noMargin, want, "Bradley–Terry without margin", tolerance: 1e-6)
    }
}
