import HoneModels
import HoneTensor
import Testing

@Test("HoneModels sits on HoneTensor and shares the package version")
func modelsModuleChain() {
    #expect(HoneModels.modules == ["HoneTensor", "HoneModels"])
    #expect(HoneModels.version == HoneTensor.version)
}
