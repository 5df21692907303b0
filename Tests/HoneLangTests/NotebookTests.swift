import Foundation
import Testing
@testable import HoneLang

@Suite("notebooks")
struct NotebookTests {
    static let threeCells = """
        # A notebook

        Some prose.

        ```hone
        let x = 20
        print "x is $x"
        ```

        More prose, then a cell that already has an old output.

        ```hone
        print x * 2
        ```

        ```output
        stale output
        ```

        ```python
        print("not a hone cell")
        ```

        ```hone
        time print "timed"
        ```
        """ + "\n"

    func temporaryFile(_ text: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hone-notebook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("notebook.md").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func update(_ path: String) throws -> Notebook.Result {
        let notebook = Notebook(path: path, text: try String(contentsOfFile: path, encoding: .utf8))
        let session = Session(output: CapturedOutput(), interrupt: InterruptFlag())
        let result = notebook.run(in: Interpreter(session: session), echo: false)
        try notebook.write(result)
        return result
    }

    static let withShellStep = """
        ```hone
        let x = 1
        ```

        ```sh step
        echo launched > launched.txt
        ```

        ```hone
        print "after the step"
        ```
        """ + "\n"

    @Test("a plain run stops before a shell step and says where; with a runner it runs the step and goes on")
    func shellStepStopsOrRuns() throws {
        let notebook = Notebook(path: "n.md", text: Self.withShellStep)
        #expect(notebook.cells.count == 2 && notebook.shellSteps.count == 1)
        #expect(notebook.shellSteps[0].code == "echo launched > launched.txt")

        let output = CapturedOutput()
        let stopped = notebook.run(in: Interpreter(session: Session(output: output, interrupt: InterruptFlag())), echo: false)
        #expect(stopped.stoppedBeforeShellStep == 5 && stopped.exitStatus == 0)
        #expect(stopped.outputs[1] == nil, "the cell after the step did not run")

        var ran: [Int] = []
        let whole = notebook.run(in: Interpreter(session: Session(output: CapturedOutput(), interrupt: InterruptFlag())), echo: false,
                                 shellStep: { step in ran.append(step.openLine); return 0 })
        #expect(ran == [4] && whole.stoppedBeforeShellStep == nil)
        #expect(whole.outputs[1]?.contains("after the step") == true)

        let failed = notebook.run(in: Interpreter(session: Session(output: CapturedOutput(), interrupt: InterruptFlag())), echo: false,
                                  shellStep: { _ in 70 })
        #expect(failed.exitStatus == 70 && failed.outputs[1] == nil, "a failing step stops the notebook")
    }

    @Test("hone cells are found, other fenced blocks are not")
    func findsCells() {
        let notebook = Notebook(path: "n.md", text: Self.threeCells)
        #expect(notebook.cells.count == 3)
        #expect(notebook.cells[0].code == "let x = 20\nprint \"x is $x\"")
        #expect(notebook.cells[1].output != nil)
    }

    @Test("updating writes each cell's output beneath it, without volatile figures")
    func updateWritesOutputs() throws {
        let path = try temporaryFile(Self.threeCells)
        let result = try update(path)
        #expect(result.exitStatus == 0)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("print \"x is $x\"\n```\n\n```output\nx is 20\n```\n"))
        #expect(text.contains("print x * 2\n```\n\n```output\n40\n```\n"))
        #expect(!text.contains("stale output"))
        #expect(text.contains("time print \"timed\"\n```\n\n```output\ntimed\n```\n"))
        #expect(!text.contains("time:"))
        #expect(text.contains("```python\nprint(\"not a hone cell\")\n```"))
    }

    @Test("a second update leaves the notebook unchanged")
    func secondUpdateIsStable() throws {
        let path = try temporaryFile(Self.threeCells)
        _ = try update(path)
        let first = try String(contentsOfFile: path, encoding: .utf8)
        _ = try update(path)
        let second = try String(contentsOfFile: path, encoding: .utf8)
        #expect(first == second)
    }

    @Test("an error in a cell points at the line in the notebook and stops the run")
    func errorPointsIntoNotebook() throws {
        let text = "Intro\n\n```hone\nprint 1\nprint nope\n```\n\n```hone\nprint 2\n```\n"
        let path = try temporaryFile(text)
        let result = try update(path)
        #expect(result.exitStatus == 65)
        let error = try #require(result.errors.first)
        #expect(error.range.map { $0.file.lineAndColumn(of: $0.start).line } == 5)
        let written = try String(contentsOfFile: path, encoding: .utf8)
        #expect(written.contains("notebook.md:5:7: error: unknown variable `nope`"))
        #expect(!written.contains("```output\n2\n```"))
    }

    @Test("a syntax error in any cell runs no cell")
    func syntaxErrorRunsNothing() throws {
        let text = "```hone\nprint 1\n```\n\n```hone\nprint (1\n```\n"
        let path = try temporaryFile(text)
        let result = try update(path)
        #expect(result.exitStatus == 65)
        #expect(result.outputs.isEmpty)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }

    @Test("output that contains a fence gets a longer fence")
    func longerFence() throws {
        let path = try temporaryFile("```hone\nprint \"```\"\n```\n")
        _ = try update(path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("````output\n```\n````\n"))
        _ = try update(path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == text)
    }
}
