import Foundation
import Testing

/// Every arch-zoo family trained through the real binary: `lora` (or `dora`, `qlora`, full
/// fine-tuning, in turn), `train` for 20 steps, `save adapter` (or `save model`), then in a new
/// process the base loaded again with the saved adapter (or the saved model) gives the same
/// evaluation loss.
@Suite("arch-zoo families train, save and load back across processes", .serialized, .timeLimit(.minutes(10)))
struct ArchZooCLITests {
    static let shared = ModelCLITests.package + "/../shared"
    static let zoo = shared + "/models/arch-zoo"
    static let data = shared + "/data/mlx-lora-wikisql/train.jsonl"
    static var ready: Bool {
        let found = CLITests.binary != nil && FileManager.default.fileExists(atPath: zoo + "/README.md")
            && FileManager.default.fileExists(atPath: data)
        if !found { print("skipping: needs the hone binary, ../shared/models/arch-zoo and ../shared/data/mlx-lora-wikisql") }
        return found
    }

    /// Each case with the way it is fine-tuned: every method meets several families.
    static let cases: [(name: String, method: String)] = [
        ("llama3", "lora"), ("llama-rope-linear", "dora"), ("llama-rope-yarn", "qlora"), ("llama-rope-dynamic", "full"),
        ("qwen2", "dora"), ("qwen3", "qlora"), ("mistral-sliding", "full"), ("gemma", "lora"),
        ("gemma2", "qlora"), ("gemma3", "full"), ("phi3", "lora"), ("phi3-longrope", "dora"),
        ("smollm3", "qlora"), ("olmo2", "full"), ("granite", "lora"),
    ]

    static let dataLines = """
        load data "\(data)" as sql
        split sql val=0.05 seed=3
        template plain
        """

    static func loss(_ output: String) -> Double? {
        output.split(separator: "\n").last { $0.hasPrefix("LOSS ") }.flatMap { Double($0.dropFirst(5)) }
    }

    @Test("lora/dora/qlora/full, 20 steps, save, then a new process loads it back with the same loss", .enabled(if: ready, "needs the binary and ../shared"),
          arguments: cases.map(\.name))
    func roundTrip(name: String) throws {
        let method = Self.cases.first { $0.name == name }!.method
        let directory = try CLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let model = "\(Self.zoo)/\(name)"
        let adapter = directory + "/adapter", saved = directory + "/saved"
        let add = ["lora": "lora r=4 alpha=8 targets=all-linear", "dora": "dora r=4 alpha=8 targets=all-linear",
                   "qlora": "qlora r=4 alpha=8 targets=all-linear", "full": ""][method]!
        let save = method == "full" ? "save model \"\(saved)\" format=hf" : "save adapter \"\(adapter)\""
        let first = """
            set runs_dir="\(directory)/runs"
            load model "\(model)" as m
            \(add)
            \(Self.dataLines)
            train sql.train steps=20 batch=2 seq=64 lr=1e-3 method=\(method == "full" ? "full" : "adapter") as r
            let e = eval sql.val metrics=loss seq=64
            print "LOSS ${e.loss}"
            \(save)
            """
        let trained = try CLITests.hone(["-c", first], directory: directory)
        #expect(trained.status == 0, "\(name): \(trained.stdout)\n\(trained.stderr)")
        let reload: String
        switch method {
        case "full": reload = "load model \"\(saved)\" as m"
        case "qlora": reload = "load model \"\(model)\" as m\nquantize nf4\nload adapter \"\(adapter)\""
        default: reload = "load model \"\(model)\" as m\nload adapter \"\(adapter)\""
        }
        let second = """
            \(reload)
            \(Self.dataLines)
            let e = eval sql.val metrics=loss seq=64
            print "LOSS ${e.loss}"
            """
        let loaded = try CLITests.hone(["-c", second], directory: directory)
        #expect(loaded.status == 0, "\(name): \(loaded.stdout)\n\(loaded.stderr)")
        let before = try #require(Self.loss(trained.stdout), "\(name): \(trained.stdout)")
        let after = try #require(Self.loss(loaded.stdout), "\(name): \(loaded.stdout)")
        print("arch-zoo \(name) \(method): eval loss \(before) after training, \(after) in a new process")
        #expect(abs(before - after) <= 1e-6, "\(name) \(method): \(before) then \(after)")
    }
}
