// `hone-bench train`: training tokens/s, model-FLOPs utilisation and peak memory for LoRA and full
// fine-tuning at the shapes S and M, batch 8 × 256 random ids.
import ArgumentParser
import Foundation
import HoneModels
import HonePEFT
import HoneTensor
import HoneTrain

struct TrainBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "LoRA and full fine-tuning tokens/s, MFU against the sgemm peak, and peak memory, at sizes S and M.",
        discussion: """
            One step = forward, loss over every position, backward and an AdamW update, on a \
            batch of 8 sequences of 256 random ids; the median of --runs steps after one warm-up \
            step. LoRA: r=16, alpha=32 on q_proj and v_proj, AdamW lr 2e-4. FLOPs a token: \
            4·N + 3·A + 6·N_lora for LoRA and 6·N + 3·A for full fine-tuning, with N every weight \
            but the input embedding (the output head included) and A = 4·layers·seq·dim. MFU is \
            against the best sgemm GF/s measured in the same run, before and after the steps. \
            Peak memory is the process's maximum resident set so far (getrusage), so run one \
            case per process (--models, --methods) to read each case's own peak.
            """)

    @Option(help: "Threads for OpenBLAS and for hone's kernels (default: the number of cores).")
    var threads: Int?
    @Option(help: "Timed steps per case; the median is reported.")
    var runs: Int = 3
    @Option(help: "Sizes: any of S, M, L (Qwen2.5-0.5B's shape), comma-separated.")
    var models: String = "S,M"
    @Option(help: "Methods: any of lora, full, comma-separated.")
    var methods: String = "lora,full"
    @Option(help: "fp32, or bf16 mixed precision (oneDNN's bf16 products on AMX; FP32 products elsewhere).")
    var precision: Precision = .fp32

    func run() throws {
        let decision = BLAS.configure(threads: threads)
        if let threads { Parallel.threads = threads }
        print("OpenBLAS core: \(BLAS.coreName) (\(decision)), BLAS threads: \(BLAS.threads), kernel threads: \(Parallel.threads)")
        print(BFloat16Peak.isaLine)
        let before = SGEMMPeak.measure(shapes: SGEMMPeak.blockShapes, printing: false)
        let bf16Before = precision.effective == .bf16 ? BFloat16Peak.measure() : nil
        var rows: [(String, String, Double, Double, Double)] = []
        for size in try BenchModel.parse(models) {
            let name = size.rawValue
            for method in methods.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
                let model = try size.make()
                guard method == "lora" || method == "full" else { throw ValidationError("unknown method `\(method)`; expected lora or full") }
                let (seconds, flops) = try step(model, lora: method == "lora")
                rows.append((name, method, 2048 / seconds, flops / seconds / 1e9, Self.peakResidentBytes()))
            }
        }
        let after = SGEMMPeak.measure(shapes: SGEMMPeak.blockShapes, printing: false)
        var peak = max(before, after)
        print("precision \(precision); sgemm peak: \(format(before, 1)) GF/s before, \(format(after, 1)) after")
        if let bf16Before, let bf16After = BFloat16Peak.measure() {
            peak = max(bf16Before, bf16After)
            print("bf16 (oneDNN) peak: \(format(bf16Before, 1)) GF/s before, \(format(bf16After, 1)) after")
        }
        print("MFU uses \(format(peak, 1)) GF/s")
        print("size  method   tokens/s   GF/s    MFU   peak RSS")
        for (name, method, rate, gflops, rss) in rows {
            print(name.padding(toLength: 6, withPad: " ", startingAt: 0) + method.padding(toLength: 6, withPad: " ", startingAt: 0)
                  + format(rate, 0).padding(left: 11) + format(gflops, 1).padding(left: 7) + (format(gflops / peak * 100, 1) + "%").padding(left: 7)
                  + (format(rss / 1e9, 2) + " GB").padding(left: 11))
        }
    }

    /// The median seconds of one training step and the model FLOPs it does.
    func step(_ model: LlamaModel, lora: Bool) throws -> (Double, Double) {
        var parameters: [TrainableParameter] = []
        var layers: [LoRALayer] = []
        if lora {
            let set = AdapterSet.on(model)
            try set.add(LoRAAdapter.fresh(name: "bench", settings: LoRASettings(rank: 16, alpha: 32, targets: ["q_proj", "v_proj"]), on: model))
            layers = set.active!.layers
            parameters = layers.flatMap { [TrainableParameter(name: $0.module.name + ".lora_A", tensor: $0.a),
                                           TrainableParameter(name: $0.module.name + ".lora_B", tensor: $0.b)] }
        } else {
            parameters = model.parameters.map { TrainableParameter(name: $0.name, tensor: $0.tensor) }
        }
        let loraCount = lora ? parameters.reduce(0) { $0 + $1.tensor.count } : 0
        // The trainer `train` runs: AdamW at lr 2e-4, one batch of 8 × 256 random ids per step,
        // clipping off (the reference runs do not clip).
        var settings = TrainingSettings()
        settings.method = lora ? .adapter : .full
        settings.learningRate = 2e-4
        settings.schedule = .constant
        settings.batchSize = 8
        settings.maxGradientNorm = 0
        settings.steps = 1_000_000
        settings.precision = precision
        var random = RandomGenerator(seed: 3)
        let ids = (0..<(8 * 256)).map { _ in Int(random.next() % 32000) }
        let examples = (0..<8).map { b in (ids: Array(ids[b * 256..<(b + 1) * 256]), labels: Array(ids[b * 256..<(b + 1) * 256])) }
        let trainer = try Trainer(model: model, parameters: parameters, examples: examples, settings: settings, dropoutLayers: layers)
        let seconds = medianSeconds(runs: runs) {
            guard case .completed = trainer.step() else { fatalError("hone-bench train: a step was not finite") }
        }
        let c = model.configuration
        let n = Double(model.parameterCount - c.vocabSize * c.hiddenSize + (c.tieWordEmbeddings ? c.vocabSize * c.hiddenSize : 0))
        let a = 4 * Double(c.numHiddenLayers * 256 * c.hiddenSize)
        let perToken = lora ? 4 * n + 3 * a + 6 * Double(loraCount) : 6 * n + 3 * a
        return (seconds, perToken * 2048)
    }

    static func peakResidentBytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) * 1024
    }
}
