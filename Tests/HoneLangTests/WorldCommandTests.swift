import Foundation
import Testing
@testable import HoneLang

@Suite("world command")
struct WorldCommandTests: SessionTesting {
    @Test("`world qa n=20 as q` adds a data set that `stats` and `split` take")
    func addsDataSet() {
        let (session, interpreter, output) = session()
        let outcome = run(interpreter, "world qa n=20 as q\nstats q\nsplit q val=0.1")
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("made q: 20 records, format alpaca, about 40 seen characters"))
        #expect(output.text.contains("20 alpaca records"))
        #expect(session.workspace.dataSet(named: "q")?.data.count == 20)
        #expect(session.workspace.dataSet(named: "q.val")?.data.count == 2)
    }

    @Test("with file= it writes JSON Lines that `load data` reads, and facts as plain passages")
    func writesFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hone-world-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let (session, interpreter, output) = session()
        let jsonl = dir.appendingPathComponent("format.jsonl").path, facts = dir.appendingPathComponent("unseen.txt").path
        let outcome = run(interpreter, """
            world format n=30 noise=0.5 seed=3 file="\(jsonl)"
            load data "\(jsonl)" as f
            world facts who=unseen file="\(facts)"
            """)
        #expect(outcome.errors.isEmpty, "\(outcome.errors)")
        #expect(output.text.contains("30 records about 40 seen characters, 15 corrupted"))
        #expect(session.workspace.dataSet(named: "f")?.data.count == 30)
        #expect(session.workspace.dataSet(named: "format") == nil)
        let sheet = try String(contentsOfFile: facts, encoding: .utf8)
        #expect(sheet.components(separatedBy: "\n\n").count == 20)
    }
}
