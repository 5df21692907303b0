import Foundation
import Testing

/// The issue's own command line: load the published GGUF and generate greedily, through the
/// real binary, run from the package directory as a user would.
@Suite("models from the command line")
struct ModelCLITests {
    static let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static var hasModels: Bool {
        let found = FileManager.default.fileExists(atPath: package + "/../shared/models/stories260K/stories260K.gguf")
        if !found { print("skipping: ../shared/models/stories260K is absent") }
        return found
    }

    @Test("load model stories260K.gguf; generate greedily prints the reference continuation",
          .enabled(if: CLITests.binary != nil && hasModels, "needs the hone binary and ../shared/models"))
    func generateFromGGUF() throws {
        let run = try CLITests.hone(["-c", #"load model ../shared/models/stories260K/stories260K.gguf; generate "Once upon a time" max_tokens=20 temperature=0"#],
                                    directory: Self.package)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("Once upon a time, there was a little girl named Lily. She loved to play outsid\n"), "\(run.stdout)")
        #expect(run.stdout.contains("20 tokens"))
    }

    @Test("a pickle is refused with the reason and the conversion", .enabled(if: CLITests.binary != nil))
    func pickleRefused() throws {
        let directory = try CLITests.temporaryDirectory()
        try Data([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]).write(to: URL(fileURLWithPath: directory + "/model.pt"))
        let run = try CLITests.hone(["-c", "load model model.pt"], directory: directory)
        #expect(run.status == 70)
        #expect(run.stderr.contains("arbitrary code"), "\(run.stderr)")
        #expect(run.stderr.contains("safetensors"))
    }
}
