import Foundation
import Testing
@testable import HoneTensor

/// Every op's backward against central finite differences (Float32 forward, loss accumulated in
/// Double; each case states its tolerance on |analytic − numeric| / max(1, |numeric|)).
@Suite("gradients against finite differences")
struct GradCheckTests {
    static var cases: [GradCheckCase] { OpRegistry.all.flatMap { $0.gradCheckCases } }

    @Test("each op's gradient matches central differences", arguments: cases.map(\.name))
    func gradient(_ name: String) {
        let c = Self.cases.first { $0.name == name }!
        for seed in [1, 2] as [UInt64] {
            let report = GradCheck.run(c, seed: seed)
            #expect(report.passed, "\(report)")
            #expect(report.checked > 0)
        }
    }

    @Test("case names are unique")
    func uniqueNames() {
        let names = Self.cases.map(\.name)
        #expect(Set(names).count == names.count)
    }

    @Test("every Op type in Sources/HoneTensor/Ops is in OpRegistry.all")
    func registryIsComplete() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/HoneTensor/Ops").standardized
        let pattern = try Regex(#"struct\s+(\w+)\s*:\s*Op\b"#)
        var declared = Set<String>()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasSuffix(".swift") {
            let text = try String(contentsOfFile: directory.appendingPathComponent(file).path, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { declared.insert(String(name)) }
            }
        }
        let registered = Set(OpRegistry.all.map { String(describing: $0) })
        #expect(!declared.isEmpty)
        #expect(declared.subtracting(registered).isEmpty, "missing from OpRegistry.all: \(declared.subtracting(registered).sorted())")
    }
}
