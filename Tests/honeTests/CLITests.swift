import Foundation
import Testing

/// Runs the built `hone` binary as a user would, with files and pipes (the REPL's terminal tests
/// are in REPLTests).
@Suite("the hone command")
struct CLITests {
    static let binary = HoneBinary.path

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func hone(_ arguments: [String], stdin: String = "", directory: String? = nil, environment: [String: String] = [:]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary, "the hone binary is not built"))
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let input = Pipe(), output = Pipe(), error = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = error
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hone-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    @Test("a misspelled command on standard input gets its position, a caret and a suggestion", .enabled(if: binary != nil))
    func misspelledCommand() throws {
        let run = try Self.hone([], stdin: "lett x = 1\n")
        #expect(run.status != 0)
        #expect(run.stderr.hasPrefix("<stdin>:1:1: error:"))
        #expect(run.stderr.contains("did you mean `let`"))
        #expect(run.stderr.contains("lett x = 1\n^~~~\n"))
    }

    @Test("`hone -c help` lists the commands with their summaries", .enabled(if: binary != nil))
    func help() throws {
        let run = try Self.hone(["-c", "help"])
        #expect(run.status == 0)
        for line in ["let ", "print ", "set ", "show vars ", "history save ", "run ", "time ", "assert ", "exit "] {
            #expect(run.stdout.contains("  " + line), "\(line)")
        }
        #expect(run.stdout.contains("keep a value, or a command's result, under a name"))
    }

    @Test("-c runs commands separated by `;`", .enabled(if: binary != nil))
    func commandString() throws {
        let run = try Self.hone(["-c", "let x = 6; print x * 7"])
        #expect(run.stdout == "42\n")
        #expect(run.status == 0)
    }

    @Test("--version and --help answer", .enabled(if: binary != nil))
    func versionAndHelp() throws {
        #expect(try Self.hone(["--version"]).stdout.hasPrefix("0."))
        let help = try Self.hone(["--help"])
        #expect(help.stdout.contains("USAGE: hone"))
    }

    @Test("exit status: 65 for an error in the text, 70 for a failed command, 64 for bad usage", .enabled(if: binary != nil))
    func exitStatuses() throws {
        let directory = try Self.temporaryDirectory()
        try "print 1\nprint (\n".write(toFile: directory + "/syntax.hone", atomically: true, encoding: .utf8)
        try "print 1\nassert 1 > 2 \"no\"\n".write(toFile: directory + "/fails.hone", atomically: true, encoding: .utf8)
        let syntax = try Self.hone(["syntax.hone"], directory: directory)
        #expect(syntax.status == 65)
        #expect(syntax.stdout == "", "nothing runs when the script does not parse")
        #expect(syntax.stderr.hasPrefix("syntax.hone:2:"))
        let fails = try Self.hone(["fails.hone"], directory: directory)
        #expect(fails.status == 70)
        #expect(fails.stdout == "1\n")
        #expect(fails.stderr.hasPrefix("fails.hone:2:8: error: assertion failed: no"))
        #expect(try Self.hone(["--update", "fails.hone"], directory: directory).status == 64)
    }

    @Test("several files run in one session, in order", .enabled(if: binary != nil))
    func filesShareSession() throws {
        let directory = try Self.temporaryDirectory()
        try "let greeting = \"hello\"\n".write(toFile: directory + "/a.hone", atomically: true, encoding: .utf8)
        try "print greeting\n".write(toFile: directory + "/b.hone", atomically: true, encoding: .utf8)
        let run = try Self.hone(["a.hone", "b.hone"], directory: directory)
        #expect(run.stdout == "hello\n")
    }

    @Test("a three-cell notebook updated with --update holds each output beneath its cell; a second update changes nothing", .enabled(if: binary != nil))
    func notebookUpdate() throws {
        let directory = try Self.temporaryDirectory()
        let path = directory + "/lesson.md"
        try """
            # Lesson

            ```hone
            let r = 8
            print "rank $r"
            ```

            ```hone
            time print r * 2
            ```

            ```hone
            for x in [1, 2] { print x }
            ```

            """.write(toFile: path, atomically: true, encoding: .utf8)
        let first = try Self.hone(["--update", "lesson.md"], directory: directory)
        #expect(first.status == 0, "\(first.stderr)")
        let updated = try String(contentsOfFile: path, encoding: .utf8)
        #expect(updated == """
            # Lesson

            ```hone
            let r = 8
            print "rank $r"
            ```

            ```output
            rank 8
            ```

            ```hone
            time print r * 2
            ```

            ```output
            16
            ```

            ```hone
            for x in [1, 2] { print x }
            ```

            ```output
            1
            2
            ```

            """)
        let second = try Self.hone(["--update", "lesson.md"], directory: directory)
        #expect(second.status == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == updated)
        let plain = try Self.hone(["lesson.md"], directory: directory)
        #expect(plain.stdout.hasPrefix("rank 8\n16\ntime: "), "running a notebook without --update prints its outputs, times included")
    }
}

/// A snapshot killed half-way is never taken for a complete one, and the one it was replacing
/// stays restorable.
@Suite("snapshots under SIGKILL")
struct SnapshotKillTests {
    @Test("SIGKILL during `snapshot save` leaves the previous snapshot intact; the new one is absent or complete", .enabled(if: CLITests.binary != nil))
    func killDuringSave() throws {
        let dir = try CLITests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let setup = "set verbose=quiet\nload model hone-tiny\nworld qa n=2000 seed=1 as qa\nlora r=64 targets=all-linear seed=1\nlet x = 7\nsnapshot save s\n"
        #expect(try CLITests.hone(["-c", setup], directory: dir).status == 0)
        for delay in [0.3, 0.6, 0.9] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: try #require(CLITests.binary))
            process.arguments = ["-c", setup + "for i in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20] { lora r=64 targets=all-linear seed=i as a$i\nsnapshot save s\nsnapshot save t }"]
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: 1 + delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let restored = try CLITests.hone(["--restore", "s", "-c", "print x\nsnapshots"], directory: dir)
            #expect(restored.status == 0 && restored.stdout.hasPrefix("7\n"), "\(restored.stdout)\(restored.stderr)")
            if FileManager.default.fileExists(atPath: dir + "/snapshots/t") {
                let t = try CLITests.hone(["--restore", "t", "-c", "print x"], directory: dir)
                #expect(t.status == 0 && t.stdout == "7\n", "\(t.stdout)\(t.stderr)")
            }
        }
    }
}
