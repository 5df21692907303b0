import Foundation
import Testing

/// `hone convert` and running `.ipynb` notebooks, through the built binary.
@Suite("hone convert and .ipynb notebooks")
struct ConvertCLITests {
    static let binary = HoneBinary.path

    static let lesson = """
        # Lesson

        ```hone
        let r = 8
        print "rank $r"
        ```

        ```sh step
        echo stepped > stepped.txt
        ```

        ```hone
        print r * 2
        ```
        """ + "\n"

    @Test("md → ipynb → md gives the same file; --update on the ipynb writes the outputs; shell steps run", .enabled(if: binary != nil))
    func convertRunAndUpdate() throws {
        let directory = try CLITests.temporaryDirectory()
        try Self.lesson.write(toFile: directory + "/lesson.md", atomically: true, encoding: .utf8)
        let toIPYNB = try CLITests.hone(["convert", "lesson.md", "--to", "ipynb"], directory: directory)
        #expect(toIPYNB.status == 0, "\(toIPYNB.stderr)")
        let back = try CLITests.hone(["convert", "lesson.ipynb", "--to", "md", "--output", "-"], directory: directory)
        #expect(back.status == 0 && back.stdout == Self.lesson)

        let stopped = try CLITests.hone(["lesson.ipynb"], directory: directory)
        #expect(stopped.status == 0 && stopped.stdout == "rank 8\n")
        #expect(stopped.stderr.contains("lesson.ipynb cell 3:1: stopped before this shell step"))

        let update = try CLITests.hone(["--update", "--shell-steps", "lesson.ipynb"], directory: directory)
        #expect(update.status == 0, "\(update.stderr)")
        #expect(FileManager.default.fileExists(atPath: directory + "/stepped.txt"))
        let updated = try String(contentsOfFile: directory + "/lesson.ipynb", encoding: .utf8)
        #expect(updated.contains("\"rank 8\\n\""))
        #expect(updated.contains("\"16\\n\""))
        _ = try CLITests.hone(["--update", "--shell-steps", "lesson.ipynb"], directory: directory)
        #expect(try String(contentsOfFile: directory + "/lesson.ipynb", encoding: .utf8) == updated, "a second update changes nothing")
        let md = try CLITests.hone(["convert", "lesson.ipynb", "--to", "md", "-o", "-"], directory: directory)
        #expect(md.stdout.contains("print r * 2\n```\n\n```output\n16\n```\n"))
    }

    @Test("bad usage of convert exits 64; a broken ipynb gives an error naming it", .enabled(if: binary != nil))
    func badUsage() throws {
        let directory = try CLITests.temporaryDirectory()
        try Self.lesson.write(toFile: directory + "/lesson.md", atomically: true, encoding: .utf8)
        #expect(try CLITests.hone(["convert"], directory: directory).status == 64)
        #expect(try CLITests.hone(["convert", "lesson.md"], directory: directory).status == 64)
        let badTo = try CLITests.hone(["convert", "lesson.md", "--to", "pdf"], directory: directory)
        #expect(badTo.status == 64 && badTo.stderr.contains("pdf"))
        #expect(try CLITests.hone(["convert", "lesson.md", "--to", "md"], directory: directory).status == 64)
        #expect(try CLITests.hone(["convert", "lesson.hone", "--to", "md"], directory: directory).status == 64)

        try "{not json".write(toFile: directory + "/broken.ipynb", atomically: true, encoding: .utf8)
        let run = try CLITests.hone(["broken.ipynb"], directory: directory)
        #expect(run.status == 65 && run.stderr.hasPrefix("hone: error: `broken.ipynb`: not JSON"))
        let convert = try CLITests.hone(["convert", "broken.ipynb", "--to", "md"], directory: directory)
        #expect(convert.status == 65 && convert.stderr.hasPrefix("hone: error: `broken.ipynb`: not JSON"))
    }
}
