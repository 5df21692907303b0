import HonePEFT
import HoneTensor
import Testing

@Test("HonePEFT sits on HoneModels and shares the package version")
func peftModuleChain() {
    #expect(HonePEFT.modules == ["HoneTensor", "HoneModels", "HonePEFT"])
    #expect(HonePEFT.version == HoneTensor.version)
}
