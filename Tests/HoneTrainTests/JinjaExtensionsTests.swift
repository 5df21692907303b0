import Foundation
import Testing
@testable import HoneTrain

/// The Jinja constructs the Llama 3.1/3.2, Qwen3, Gemma 3 and SmolLM3 templates need, each
/// against the value Python's Jinja gives, and the neighbours hone still refuses.
@Suite struct JinjaExtensionsTests {
    func render(_ source: String, _ variables: [String: JinjaValue] = [:], now: Date = Date()) throws -> String {
        try ChatTemplate(source).render(messageValues: [], addGenerationPrompt: false, variables: variables, now: now)
    }

    @Test("slices take a step as Python's do: [::-1] reverses, [1::2] strides, negative bounds count from the end")
    func slicesWithStep() throws {
        #expect(try render("{{ [1, 2, 3, 4, 5][::-1] }} {{ 'abcdef'[1::2] }} {{ [1, 2, 3, 4, 5][-2::-2] }} {{ [1, 2, 3][5:0:-1] }}")
            == "[5, 4, 3, 2, 1] bdf [4, 2] [3, 2]")
    }

    @Test("split and replace work as Python's str methods")
    func stringMethods() throws {
        #expect(try render("{{ 'a</think>b</think>c'.split('</think>') }} {{ '  x  y '.split() }} {{ 'a/think b'.replace('/think', '') }}")
            == "['a', 'b', 'c'] ['x', 'y'] a b")
    }

    @Test("join, items, select and reject with equalto, as Jinja's filters")
    func filters() throws {
        let text = try render("{{ tools | reject('equalto', 'code_interpreter') | join(', ') }}|{% for k, v in d | items %}{{ k }}={{ v }};{% endfor %}|{{ [none, 1, 2] | select('number') | join('+') }}",
                              ["tools": .list([.string("brave_search"), .string("code_interpreter"), .string("wolfram")]),
                               "d": .dict([("a", .int(1)), ("b", .string("x"))])])
        #expect(text == "brave_search, wolfram|a=1;b=x;|1+2")
    }

    @Test("tojson(indent=4) lays JSON out as Python's json.dumps(indent=4)")
    func tojsonIndent() throws {
        let text = try render("{{ t | tojson(indent=4) }}", ["t": .dict([("name", .string("f")), ("args", .list([.int(1), .dict([])])), ("empty", .list([]))])])
        #expect(text == "{\n    \"name\": \"f\",\n    \"args\": [\n        1,\n        {}\n    ],\n    \"empty\": []\n}")
    }

    @Test("strftime_now is defined and formats the given time; date_string passed in wins in Llama 3.2's template")
    func strftimeNow() throws {
        var c = DateComponents()
        (c.year, c.month, c.day, c.hour) = (2024, 7, 6, 15)
        let date = Calendar(identifier: .gregorian).date(from: c)!
        #expect(try render("{{ strftime_now is defined }} {{ strftime_now('%d %b %Y, %A %B %H:%M %p %%') }}", now: date)
            == "True 06 Jul 2024, Saturday July 15:00 PM %")
        let llama = "{%- if not date_string is defined %}{%- if strftime_now is defined %}{%- set date_string = strftime_now('%d %b %Y') %}{%- else %}{%- set date_string = '26 Jul 2024' %}{%- endif %}{%- endif %}{{ date_string }}"
        #expect(try render(llama, now: date) == "06 Jul 2024")
        #expect(try render(llama, ["date_string": .string("1 Jan 2025")], now: date) == "1 Jan 2025")
    }

    @Test("what hone still lacks is refused when the template is read, with its line:column", arguments: [
        ("{{ x | map(attribute='a') }}", "the filter `map`", JinjaLocation(line: 1, column: 8)),
        ("{{ x | join(', ', attribute='a') }}", "the keyword argument `attribute` to the filter `join`", JinjaLocation(line: 1, column: 8)),
        ("\n {{ x | select('divisibleby', 3) }}", "the test `divisibleby` in `select`", JinjaLocation(line: 2, column: 9)),
        ("{{ x | reject(t) }}", "`reject` without a test name", JinjaLocation(line: 1, column: 8)),
        ("{{ range(3) }}", "the function `range()`", JinjaLocation(line: 1, column: 4)),
        ("{% macro f() %}{% endmacro %}", "`macro`", JinjaLocation(line: 1, column: 4)),
    ])
    func refusals(_ source: String, _ construct: String, _ location: JinjaLocation) {
        #expect { try ChatTemplate(source) } throws: { error in
            let e = error as? JinjaError
            return e?.kind == .unsupported && e?.location == location && e?.message.hasPrefix(construct) == true
        }
    }

    @Test("a strftime_now directive hone does not know is refused when rendering, naming it")
    func strftimeUnknownDirective() {
        #expect { try render("{{ strftime_now('%U') }}") } throws: { error in
            (error as? JinjaError)?.kind == .unsupported && "\(error)".contains("`%U`")
        }
    }
}
