import Foundation
import Testing

/// `precision=bf16` on a CPU without AMX, forced with oneDNN's own switch (`ONEDNN_MAX_CPU_ISA`,
/// which `dnnl_get_effective_cpu_isa` honours): it still runs, says once which feature is
/// missing, records the path in the run's config.json, and its losses are FP32's.
@Suite("bf16 without AMX", .serialized, .timeLimit(.minutes(5)))
struct PrecisionCLITests {
    @Test("with AMX masked off, a bf16 run trains, names the missing feature, and matches FP32's losses",
          arguments: ["AVX512_CORE_BF16", "AVX2"])
    func bf16FallsBackToFP32ProductsWithoutAMX(isa: String) throws {
        guard TrainCLITests.ready else { return }
        let directory = try CLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runs = directory + "/runs"
        let arguments = "sql.train steps=6 batch=4 seq=128 lr=1e-2"
        // Each run in its own process, from the same fresh adapter.
        let fp32Run = try CLITests.hone(["-c", TrainCLITests.setup(runs: runs) + "\ntrain \(arguments) as fp32"], directory: directory,
                                        environment: ["ONEDNN_MAX_CPU_ISA": isa])
        #expect(fp32Run.status == 0, "\(fp32Run.stderr)")
        let script = TrainCLITests.setup(runs: runs) + """

            train \(arguments) precision=bf16 as bf16
            set precision=bf16
            generate "SELECT" max_tokens=8 temperature=0
            """
        let run = try CLITests.hone(["-c", script], directory: directory, environment: ["ONEDNN_MAX_CPU_ISA": isa])
        #expect(run.status == 0, "\(run.stderr)")
        let notices = run.stdout.components(separatedBy: "\n").filter { $0.contains("products run in FP32") }
        #expect(notices.count == 1, "the fallback is said once: \(run.stdout)")
        #expect(notices.first?.contains("without") == true && notices.first?.contains("amx_bf16") == true, "\(notices)")
        let fp32 = try TrainCLITests.losses(runs + "/fp32"), bf16 = try TrainCLITests.losses(runs + "/bf16")
        #expect(fp32.count == 6 && bf16.count == 6)
        for (a, b) in zip(fp32, bf16) {
            #expect(abs(a.loss - b.loss) <= 1e-3 * abs(a.loss), "step \(a.step): fp32 \(a.loss), bf16 \(b.loss)")
        }
        let config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: runs + "/bf16/config.json"))) as? [String: Any])
        let settings = try #require(config["settings"] as? [String: Any])
        #expect(settings["precision"] as? String == "bf16")
        #expect((config["precisionPath"] as? String)?.contains("products run in FP32") == true, "\(config["precisionPath"] ?? "none")")
    }
}
