import Foundation
import Testing
@testable import HoneLang

@Suite("ipynb notebooks")
struct IPYNBTests {
    static let tutorials = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("tutorials")

    static var tutorialNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tutorials.path)) ?? []
        return names.filter { $0.hasSuffix(".md") && $0.first?.isNumber == true }.sorted()
    }

    static let markdown = """
        # Title

        Prose with a `code` span.

        ```hone
        let x = 2
        print x * 3
        ```

        ```output
        6
        ```

        ```python
        print("prose, not a cell")
        ```

        Before a step.

        ```sh step
        echo "launched" > launched.txt
        ```

        ```hone
        print "no output yet"
        ```

        ```hone
        print "```"
        ```

        ````output
        ```
        ````

        The end.
        """ + "\n"

    @Test("there are tutorials to check")
    func tutorialsExist() {
        #expect(Self.tutorialNames.count >= 10)
    }

    @Test("every tutorial has its .ipynb, and converting the .md gives exactly it", arguments: tutorialNames)
    func tutorialHasItsIPYNB(name: String) throws {
        let md = try String(contentsOf: Self.tutorials.appendingPathComponent(name), encoding: .utf8)
        let ipynbPath = Self.tutorials.appendingPathComponent(String(name.dropLast(3)) + ".ipynb").path
        let committed = try #require(FileManager.default.contents(atPath: ipynbPath),
                                     "tutorials/\(name) has no .ipynb; run scripts/make-ipynb")
        #expect(IPYNB(markdown: md).text == String(decoding: committed, as: UTF8.self),
                "tutorials/\(name) and its .ipynb differ; run scripts/make-ipynb")
        #expect(try IPYNB(path: ipynbPath, data: committed).markdown == md, "the .ipynb converts back to the .md")
    }

    @Test("Markdown → ipynb → Markdown gives the same text for every tutorial", arguments: tutorialNames)
    func tutorialRoundTrips(name: String) throws {
        let md = try String(contentsOf: Self.tutorials.appendingPathComponent(name), encoding: .utf8)
        let jupyter = IPYNB(markdown: md)
        #expect(jupyter.markdown == md)
        let reread = try IPYNB(path: name, data: Data(jupyter.text.utf8))
        #expect(reread == jupyter)
    }

    @Test("prose, code cells and outputs become cells, and come back unchanged")
    func cellsAndOutputs() throws {
        let jupyter = IPYNB(markdown: Self.markdown)
        #expect(jupyter.cells.map(\.kind) == [.markdown, .code, .markdown, .markdown, .code, .code, .markdown])
        #expect(jupyter.cells.map(\.id) == (1...7).map { "cell-\($0)" })
        #expect(jupyter.cells[0].source == "# Title\n\nProse with a `code` span.")
        #expect(jupyter.cells[1].source == "let x = 2\nprint x * 3")
        #expect(jupyter.cells[1].outputs == [.object(["output_type": .string("stream"), "name": .string("stdout"),
                                                      "text": .array([.string("6\n")])])])
        #expect(jupyter.cells[2].source.contains("```python"), "a non-hone block stays in the prose")
        #expect(jupyter.cells[4].outputs.isEmpty)
        #expect(IPYNB.text(of: jupyter.cells[5].outputs[0]) == "```\n")
        #expect(jupyter.markdown == Self.markdown)
        #expect(jupyter.nbformat == 4 && jupyter.nbformatMinor == 5)
        #expect(jupyter.metadata["kernelspec"] == IPYNB.kernelspec)
        #expect(jupyter.metadata["language_info"] == IPYNB.languageInfo)
    }

    @Test("a shell step is a Markdown cell showing the fenced block, and converts back to a step")
    func shellStep() throws {
        let jupyter = IPYNB(markdown: Self.markdown)
        #expect(jupyter.cells[3].kind == .markdown)
        #expect(jupyter.cells[3].source == "```sh step\necho \"launched\" > launched.txt\n```")
        let back = Notebook(path: "n.md", text: jupyter.markdown)
        #expect(back.shellSteps.map(\.code) == ["echo \"launched\" > launched.txt"])
    }

    @Test("the JSON is Jupyter's layout: one-space indent, sorted keys, null execution counts")
    func jsonLayout() {
        let text = IPYNB(markdown: "Hi é \"q\"\n\n```hone\nprint 1\n```\n").text
        #expect(text == """
            {
             "cells": [
              {
               "cell_type": "markdown",
               "id": "cell-1",
               "metadata": {},
               "source": [
                "Hi é \\"q\\""
               ]
              },
              {
               "cell_type": "code",
               "execution_count": null,
               "id": "cell-2",
               "metadata": {},
               "outputs": [],
               "source": [
                "print 1"
               ]
              }
             ],
             "metadata": {
              "kernelspec": {
               "display_name": "hone",
               "language": "hone",
               "name": "hone"
              },
              "language_info": {
               "file_extension": ".hone",
               "name": "hone"
              }
             },
             "nbformat": 4,
             "nbformat_minor": 5
            }

            """)
    }

    @Test("a notebook written by Jupyter reads: string sources, other outputs, metadata kept")
    func readsJupyterNotebooks() throws {
        let json = """
            {"nbformat": 4, "nbformat_minor": 4, "metadata": {"authors": ["a"]},
             "cells": [
              {"cell_type": "markdown", "metadata": {"tags": ["x"]}, "source": "Intro\\n"},
              {"cell_type": "code", "metadata": {}, "execution_count": 3, "source": "print 1",
               "outputs": [{"output_type": "execute_result", "execution_count": 3, "metadata": {},
                            "data": {"text/plain": ["1\\n"]}}]},
              {"cell_type": "raw", "metadata": {}, "source": []}
             ]}
            """
        let jupyter = try IPYNB(path: "j.ipynb", data: Data(json.utf8))
        #expect(jupyter.markdown == "Intro\n\n```hone\nprint 1\n```\n\n```output\n1\n```\n")
        #expect(jupyter.cells[0].metadata["tags"] == .array([.string("x")]))
        #expect(jupyter.text.contains("\"authors\": ["))
        #expect(jupyter.cells[1].executionCount == 3)
    }

    @Test("bad input names the file and what is wrong", arguments: [
        ("not json", "`bad.ipynb`: not JSON"),
        ("[1, 2]", "`bad.ipynb`: not a notebook: the JSON is not an object"),
        (#"{"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "cells": []}"#, "`bad.ipynb`: nbformat 3 is not supported; hone reads nbformat 4"),
        (#"{"nbformat_minor": 5, "metadata": {}, "cells": []}"#, "`bad.ipynb`: missing `nbformat`"),
        (#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "code", "metadata": {}, "source": ""}]}"#,
         "`bad.ipynb`: missing `cells[0].outputs`"),
        (#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", "metadata": {}}]}"#,
         "`bad.ipynb`: missing `cells[0].source`"),
        (#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "markdown", "source": 7}]}"#,
         "`bad.ipynb`: `cells[0].source` should be a string"),
        (#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": "slide", "source": ""}]}"#,
         "`bad.ipynb`: `cells[0].cell_type`: unknown cell type `slide`"),
        (#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"language_info": {"name": "python"}}, "cells": []}"#,
         "`bad.ipynb`: a notebook in `python`, not hone"),
    ])
    func badInput(json: String, message: String) {
        do {
            _ = try IPYNB(path: "bad.ipynb", data: Data(json.utf8))
            Issue.record("read without an error: \(json)")
        } catch {
            #expect("\(error)".hasPrefix(message), "\(error)")
        }
    }

    @Test("an ipynb runs as its Markdown form, and updating writes outputs into its code cells")
    func runsAndUpdates() throws {
        let jupyter = IPYNB(markdown: "# Run\n\n```hone\nlet x = 20\nprint \"x is $x\"\n```\n\n```output\nstale\n```\n\n```hone\nprint x * 2\n```\n")
        let runnable = jupyter.runnable(path: "run.ipynb")
        #expect(runnable.codeCells == [0: 1, 1: 2])
        let result = runnable.notebook.run(in: Interpreter(session: Session(output: CapturedOutput(), interrupt: InterruptFlag())), echo: false)
        #expect(result.exitStatus == 0)
        let updated = jupyter.updated(with: result, of: runnable)
        #expect(updated.cells.map(\.id) == jupyter.cells.map(\.id))
        #expect(updated.cells[1].outputs.map(IPYNB.text(of:)) == ["x is 20\n"])
        #expect(updated.cells[2].outputs.map(IPYNB.text(of:)) == ["40\n"])
        // The same as updating the Markdown and converting it.
        let md = runnable.notebook.updatedText(with: result)
        #expect(IPYNB(markdown: md).text == updated.text)
    }

    @Test("an error in an ipynb cell names the cell and the line in it")
    func errorNamesTheCell() throws {
        let jupyter = IPYNB(markdown: "Intro\n\n```hone\nprint 1\nprint nope\n```\n")
        let runnable = jupyter.runnable(path: "e.ipynb")
        let result = runnable.notebook.run(in: Interpreter(session: Session(output: CapturedOutput(), interrupt: InterruptFlag())), echo: false)
        let error = try #require(result.errors.first)
        #expect(error.range?.file.name == "e.ipynb cell 2")
        #expect(error.range.map { $0.file.lineAndColumn(of: $0.start).line } == 2)
        #expect(IPYNB(markdown: "A\n\n```sh step\nls\n```\n").runnable(path: "s.ipynb").notebook.location(ofLine: 2) == "s.ipynb cell 2:1")
    }
}
