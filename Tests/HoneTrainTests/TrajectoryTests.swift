import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import Testing
@testable import HoneTrain

/// `../shared/models`, found from this file; tests skip with a message when it is absent.
enum Shared {
    static let directory: String = {
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return package.deletingLastPathComponent().appendingPathComponent("shared/models").path
    }()
    static func path(_ relative: String) -> String { directory + "/" + relative }
    static func has(_ relative: String) -> Bool {
        let found = FileManager.default.fileExists(atPath: path(relative))
        if !found { print("skipping: \(path(relative)) is absent (the shared models are not checked out beside the package)") }
        return found
    }
    /// The thread counts before `steadyDefaultThreads`, and the lock it holds until `restore`.
    struct SteadyThreads {
        let blas: Int
        let kernels: Int
        func restore() {
            BLAS.configure(threads: blas)
            Parallel.threads = kernels
            Parallel.settingsLock.unlock()
        }
    }

    /// Sets the thread counts a fresh process has (one per core) and holds them until `restore()`:
    /// results depend on how work is split, and other tests leave the process with other counts
    /// (the fuzz test's random `set threads=`, the docs notebook's `threads=1`).
    static func steadyDefaultThreads() -> SteadyThreads {
        Parallel.settingsLock.lock()
        let saved = SteadyThreads(blas: BLAS.threads, kernels: Parallel.threads)
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        BLAS.configure(threads: cores)
        Parallel.threads = cores
        return saved
    }

    static func json(_ relative: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path(relative)))) as! [String: Any]
    }
}

/// PyTorch training runs recorded in ../shared/models, replayed with the recorded token ids and
/// labels: hone's forward, backward, loss normalisation and AdamW must give the same losses.
@Suite("recorded PyTorch trajectories", .enabled(if: Shared.has("stories260K-sft-trajectory/reference.json"), "the shared models are absent"))
struct TrajectoryTests {
    static func examples() throws -> [(ids: [Int], labels: [Int])] {
        let data = try Shared.json("stories260K-sft-trajectory/reference.json")["data"] as! [String: Any]
        return (data["examples"] as! [[String: Any]]).map { ($0["input_ids"] as! [Int], $0["labels"] as! [Int]) }
    }

    static func recorded(_ variant: String) throws -> (losses: [Double], lrs: [Double]) {
        let v = (try Shared.json("stories260K-sft-trajectory/reference.json")["variants"] as! [String: Any])[variant] as! [String: Any]
        return ((v["losses"] as! [NSNumber]).map(\.doubleValue), (v["lrs"] as! [NSNumber]).map(\.doubleValue))
    }

    /// Runs 12 LoRA steps from `initial_adapter`: each step's 4 examples as `micro` micro-batches,
    /// normalised by `normalize(microTargets, allTargets)`.
    func loraRun(weightDecay: Float, schedule: LearningRateSchedule, micro: Int,
                 normalize: (Int, Int, Int) -> Float) throws -> [Double] {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let file = try PEFTAdapterFile.read(directory: Shared.path("stories260K-sft-trajectory/initial_adapter"))
        let adapter = try LoRAAdapter.from(file, name: "default", on: model)
        let set = AdapterSet.on(model)
        try set.add(adapter)
        let optimizer = AdamW(parameters: set.trainableParameters, weightDecay: weightDecay)
        let examples = try Self.examples()
        var losses: [Double] = []
        for step in 0..<12 {
            let chosen = Array(examples[(step % 4) * 4..<(step % 4) * 4 + 4])
            let size = 4 / micro
            let batches = (0..<micro).map { CausalLMBatch(examples: Array(chosen[$0 * size..<($0 + 1) * size])) }
            let all = batches.reduce(0) { $0 + $1.targetCount }
            var total = 0.0
            for b in batches {
                let loss = CausalLMLoss.loss(model: model, batch: b, normalizer: b.targetCount) * normalize(b.targetCount, all, micro)
                total += Double(loss.scalars[0])
                loss.backward()
            }
            losses.append(total)
            optimizer.update(lr: Float(schedule.rate(step: step, peak: 1e-2)))
            optimizer.zeroGradients()
        }
        return losses
    }

    func expectClose(_ got: [Double], _ want: [Double], _ label: String, tolerance: Double = 1e-4) {
        let worst = zip(got, want).map { abs($0 - $1) }.max()!
        print("\(label): max |hone − PyTorch| over \(got.count) steps = \(worst)")
        #expect(got.count == want.count && worst < tolerance, "\(label): \(got) vs \(want)")
    }

    @Test("A: LoRA, constant lr 1e-2: the 12 losses agree within 1e-4")
    func variantA() throws {
        expectClose(try loraRun(weightDecay: 0, schedule: .constant, micro: 1) { _, _, _ in 1 }, try Self.recorded("A_constant_lr").losses, "A")
    }

    @Test("B: weight decay 0.01, warm-up 3, cosine: learning rates and losses agree")
    func variantB() throws {
        let (losses, lrs) = try Self.recorded("B_wd0.01_warmup3_cosine")
        let schedule = LearningRateSchedule.cosine(warmup: 3, total: 12)
        #expect(zip((0..<12).map { schedule.rate(step: $0, peak: 1e-2) }, lrs).allSatisfy { abs($0 - $1) < 1e-12 })
        expectClose(try loraRun(weightDecay: 0.01, schedule: schedule, micro: 1) { _, _, _ in 1 }, losses, "B")
    }

    @Test("C: 2 micro-batches of 2, normalised by the whole batch's targets, equal A; D (mean per micro-batch ÷ 2) does not")
    func variantsCD() throws {
        // A micro-batch's loss is its summed CE ÷ all targets of the step: mean × (its targets ÷ all).
        let c = try loraRun(weightDecay: 0, schedule: .constant, micro: 2) { mine, all, _ in Float(mine) / Float(all) }
        expectClose(c, try Self.recorded("C_grad_accum_2x2").losses, "C")
        let d = try loraRun(weightDecay: 0, schedule: .constant, micro: 2) { _, _, micro in 1 / Float(micro) }
        expectClose(d, try Self.recorded("D_naive_grad_accum_2x2_for_contrast").losses, "D (the pitfall, reproduced)")
        #expect(abs(d[0] - c[0]) > 0.01, "D's step-0 loss \(d[0]) should differ from C's \(c[0])")
    }

    /// The full fine-tuning run and its differences from PyTorch: (losses, weight sums).
    static func fullFineTuningDifferences() throws -> (Double, Double) {
        // A fresh process's thread counts, held steady (see `Shared.withDefaultThreads`).
        let threads = Shared.steadyDefaultThreads()
        defer { threads.restore() }
        let reference = try Shared.json("stories260K-full-trajectory/reference.json")
        let model = try HuggingFaceDirectory.loadLlama(path: Shared.path("stories260K-hf"))
        let parameters = model.parameters.map(\.tensor)
        for p in parameters { p.requiresGrad = true }
        let optimizer = AdamW(parameters: parameters, weightDecay: 0)
        let examples = try Self.examples()
        var losses: [Double] = []
        for step in 0..<6 {
            let batch = CausalLMBatch(examples: Array(examples[(step % 2) * 4..<(step % 2) * 4 + 4]))
            let loss = CausalLMLoss.loss(model: model, batch: batch, normalizer: batch.targetCount)
            losses.append(Double(loss.scalars[0]))
            loss.backward()
            optimizer.update(lr: 1e-3)
            optimizer.zeroGradients()
        }
        let recorded = (reference["losses"] as! [NSNumber]).map(\.doubleValue)
        let lossDifference = zip(losses, recorded).map { abs($0 - $1) }.max()!
        let after = reference["all_weight_sums_after"] as! [String: Any]
        var sumDifference = 0.0
        for (name, tensor) in model.parameters {
            guard let entry = after[name] as? [String: Any], let sum = (entry["sum"] as? NSNumber)?.doubleValue else { continue }
            sumDifference = max(sumDifference, abs(tensor.scalars.reduce(0.0) { $0 + Double($1) } - sum))
        }
        return (lossDifference, sumDifference)
    }

    @Test("full fine-tuning, 6 steps, tied embedding: losses within 1e-4 and weight sums within 1e-3")
    func fullFineTuning() throws {
        let (losses, sums) = try Self.fullFineTuningDifferences()
        print("full: max |hone − PyTorch| loss \(losses), weight sums \(sums)")
        #expect(losses < 1e-4 && sums < 1e-3, "losses differ by \(losses), weight sums by \(sums)")
    }
}
