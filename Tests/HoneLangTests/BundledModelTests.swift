import Foundation
import Testing
@testable import HoneLang

/// hone-tiny ships in models/hone-tiny and loads by name, whatever the current directory.
@Suite("the bundled model")
struct BundledModelTests: SessionTesting {
    @Test("`load model hone-tiny` finds models/hone-tiny and keeps the name it was given as its source")
    func loadsByName() throws {
        let path = try #require(BundledModels.path(of: "hone-tiny"), "models/hone-tiny is missing")
        #expect(FileManager.default.fileExists(atPath: path + "/model.safetensors"))
        let (session, interpreter, output) = session()
        let outcome = run(interpreter, "load model hone-tiny\nmodels")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        let handle = try #require(session.workspace.model(named: "hone_tiny"))
        #expect(handle.model.parameterCount == 2_607_168)
        #expect(handle.source == "hone-tiny" && handle.loaded.path.hasSuffix("models/hone-tiny"))
        #expect(handle.template == nil, "a pretrained base model carries no template")
        #expect(output.text.contains("hone-tiny"))
    }

    @Test("a name that is not a bundled model is not looked up")
    func otherNames() {
        #expect(BundledModels.path(of: "hone-huge") == nil)
    }
}
