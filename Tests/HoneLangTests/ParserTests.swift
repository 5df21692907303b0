import Testing
@testable import HoneLang

@Suite("parsing")
struct ParserTests {
    func parse(_ text: String) -> ParseResult {
        Parser.parse(SourceFile(name: "<test>", text: text), registry: .testing)
    }

    @Test("input that ends inside a block, string, list or continued line needs more", arguments: [
        "for r in [1, 2] {", "print \"abc", "let x = 1 + \\", "print (1 +", "let l = [1,", "if true { print 1 } else {",
        "print \"${1 +",
    ])
    func needsMoreInput(_ text: String) {
        #expect(parse(text).needsMoreInput, "\(text)")
    }

    @Test("complete or plainly wrong input does not ask for more", arguments: [
        "print 1", "print )", "}", "for r in [1] { print r }", "let x = \"a\\\"b\"", "lett x = 1",
    ])
    func complete(_ text: String) {
        #expect(!parse(text).needsMoreInput, "\(text)")
    }

    @Test("statements split at newlines and semicolons; comments are ignored")
    func statements() {
        let result = parse("print 1; print 2 # a comment\n\n# only a comment\nprint 3")
        #expect(result.errors.isEmpty)
        #expect(result.statements.count == 3)
    }

    @Test("bare text in argument mode keeps paths and hyphenated names whole")
    func bareText() throws {
        let result = parse("run tutorials/data-1.hone")
        guard case .command(let call) = result.statements.first, case .bare(let text, _) = call.arguments.first?.value else {
            Issue.record("expected a command with a bare argument")
            return
        }
        #expect(text == "tutorials/data-1.hone")
    }

    @Test("one error per statement, and parsing resumes at the next")
    func recovery() {
        let result = parse("print 1 +\nprint 2 )\nprint 3")
        #expect(result.errors.count == 2)
        #expect(result.statements.count == 1)
    }

    @Test("`=` in a comparison suggests `==`")
    func assignmentInCondition() {
        let result = parse("assert x = 1")
        #expect(result.errors.first?.message == "`=` assigns only in `let`; to compare two values write `==`")
    }

    @Test("keywords and command names cannot be variables", arguments: [
        ("let for = 1", "`for` is a keyword and cannot name a variable"),
        ("let print = 1", "`print` names a command, so it cannot name a variable; choose another name"),
        ("for help in [1] { }", "`help` names a command, so it cannot name a loop variable"),
    ])
    func reservedNames(_ text: String, _ message: String) {
        #expect(parse(text).errors.first?.message == message)
    }

    @Test("numbers lex in both modes", arguments: [("print 2e-4", "0.0002"), ("print 1.5e3", "1500.0"), ("print -3", "-3")])
    func numbers(_ text: String, _ printed: String) {
        let (_, output, _) = runScript(text)
        #expect(output == printed + "\n")
    }
}

@Suite("edge cases found in review")
struct LanguageEdgeCaseTests {
    @Test("a long operator chain is an error with a position, not a stack overflow", arguments: [
        "print " + Array(repeating: "1", count: 5000).joined(separator: "+"),
        "print " + Array(repeating: "1", count: 5000).joined(separator: "*"),
        "let x = 1; print x" + String(repeating: ".y", count: 5000),
        "print " + Array(repeating: "true", count: 5000).joined(separator: " and "),
    ])
    func longChains(_ text: String) {
        let (outcome, _, _) = runScript(text)
        #expect(outcome.firstMessage?.hasPrefix("nested too deeply") == true)
        #expect(outcome.errors.first?.range != nil)
    }

    @Test("integers compare exactly, beyond a double's precision")
    func exactIntegers() {
        let (_, output, _) = runScript("print 9007199254740993 == 9007199254740992, 9007199254740993 > 9007199254740992")
        #expect(output == "false true\n")
    }

    @Test("a word in a word position is that word, even when it names a flag")
    func wordIsNotFlag() {
        let (outcome, _, _) = runScript("help full")
        #expect(outcome.firstMessage?.hasPrefix("no command `full`") == true)
    }
}
