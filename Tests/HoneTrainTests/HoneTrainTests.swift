import HoneTensor
import HoneTrain
import Testing

@Test("HoneTrain sits on HonePEFT and shares the package version")
func trainModuleChain() {
    #expect(HoneTrain.modules == ["HoneTensor", "HoneModels", "HonePEFT", "HoneTrain"])
    #expect(HoneTrain.version == HoneTensor.version)
}
