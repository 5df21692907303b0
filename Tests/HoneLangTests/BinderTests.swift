import Testing
@testable import HoneLang

@Suite("binding arguments to a command's declaration")
struct BinderTests {
    func record(_ text: String) throws -> Record {
        let (outcome, _, _) = runScript(text)
        guard case .record(let r)? = outcome.value else {
            throw BinderTestFailure(message: "\(text) gave \(outcome.errors.map(\.message))")
        }
        return r
    }
    struct BinderTestFailure: Error { let message: String }

    @Test("defaults fill what is not written")
    func defaults() throws {
        let r = try record("lora")
        #expect(r["r"]?.repr == "8")
        #expect(r["targets"]?.repr == #"["q_proj", "v_proj"]"#)
        #expect(r["rslora"]?.repr == "false")
    }

    @Test("key=value, comma lists, flags and clauses bind by name")
    func keyedArguments() throws {
        let r = try record("lora r=16 alpha=32 targets=q_proj,v_proj,o_proj rslora init=pissa as tuned")
        #expect(r["r"]?.repr == "16")
        #expect(r["alpha"]?.repr == "32.0")
        #expect(r["targets"]?.repr == #"["q_proj", "v_proj", "o_proj"]"#)
        #expect(r["rslora"]?.repr == "true")
        #expect(r["init"]?.repr == #""pissa""#)
        #expect(r["name"]?.repr == #""tuned""#)
    }

    @Test("a bare word is a variable where a word cannot mean itself, and itself elsewhere")
    func variableRule() throws {
        let r = try record("let q_proj = 4; let rank = 32; lora r=rank targets=q_proj,rank alpha=$rank")
        #expect(r["r"]?.repr == "32")
        #expect(r["targets"]?.repr == #"["q_proj", "rank"]"#)
        #expect(r["alpha"]?.repr == "32.0")
    }

    @Test("`$name` substitutes a variable even where a word means itself")
    func dollarSubstitutes() throws {
        let r = try record(#"let t = ["k_proj"]; lora targets=$t"#)
        #expect(r["targets"]?.repr == #"["k_proj"]"#)
    }

    @Test("fields of session values are reached with a dot")
    func dottedReference() throws {
        let r = try record("let d = set; lora on d.seed")
        #expect(r["on"]?.repr == #""d.seed""#, "a value-typed clause takes bare text as itself")
        let s = try record("let d = set seed=5; lora r=d.seed")
        #expect(s["r"]?.repr == "5")
    }

    @Test("bracketed lists and parenthesised arithmetic are values")
    func listsAndArithmetic() throws {
        let r = try record("let base = 4; lora targets=[a, b] r=(base * 2)")
        #expect(r["targets"]?.repr == #"["a", "b"]"#)
        #expect(r["r"]?.repr == "8")
    }

    @Test("misspelled argument names get a suggestion", arguments: [
        ("lora rnk=4", "unknown argument `rnk` for `lora`; did you mean `r`?"),
        ("lora alpah=4", "unknown argument `alpah` for `lora`; did you mean `alpha`?"),
        ("lora rslra", "`lora` takes no values by position; did you mean `rslora`?"),
        ("lora init=pisa", "`init` of `lora` must be one of `kaiming`, `gaussian`, `pissa`, not `pisa`; did you mean `pissa`?"),
        ("lora r=0", "`r` of `lora` must be an integer from 1 to 4096, not 0"),
        ("lora r=2.5", "`r` of `lora` must be an integer from 1 to 4096, not 2.5 (float)"),
        ("lora r=big", "unknown variable `big`"),
        ("lora r=8 r=4", "`r` is given twice to `lora`"),
        ("lora as 3x", "`as` of `lora` must be a name (letters, digits and `_`, not starting with a digit), not \"3x\""),
        ("show dta", "unknown command `show dta`; did you mean `show data`?"),
        ("show", "`show` needs a second word: `show vars`, `show session`, `show model`, `show params`, `show memory`, `show data`"),
    ])
    func suggestions(_ text: String, _ message: String) {
        let (outcome, _, _) = runScript(text)
        #expect(outcome.firstMessage == message)
        #expect(outcome.errors.first?.range != nil)
    }

    @Test("values are checked before anything runs")
    func checkedBeforeRunning() {
        let (outcome, printed, _) = runScript("print \"first\"\nlora r=0")
        #expect(printed == "")
        #expect(outcome.exitStatus == 65)
    }

    @Test("values computed at run time are checked when they are known")
    func runtimeCheck() {
        let (outcome, printed, _) = runScript("let x = 0\nprint \"first\"\nlora r=x")
        #expect(printed == "first\n")
        #expect(outcome.firstMessage == "`r` of `lora` must be an integer from 1 to 4096, not 0")
        #expect(outcome.exitStatus == 70)
    }
}
