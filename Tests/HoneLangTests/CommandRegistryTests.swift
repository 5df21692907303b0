import Foundation
import HoneTrain
import Testing
@testable import HoneLang

/// Checks the declarations themselves, as argument-parser's validators do, so a new command
/// cannot ship with broken help, defaults or examples.
@Suite("command declarations")
struct CommandRegistryTests {
    static var specs: [CommandSpec] { CommandRegistry.standard.commands.map { $0.spec } }

    @Test("command names are unique; a command that starts others takes by position only a name, where the longer command wins")
    func uniqueNames() {
        let names = Self.specs.map(\.name)
        #expect(Set(names).count == names.count)
        for spec in Self.specs where spec.words.count == 1 && CommandRegistry.standard.hasTwoWordCommands(startingWith: spec.words[0]) {
            // `use NAME` beside `use adapter NAME`: only a model named `adapter` needs `use $adapter`.
            // A string is the same (`chat "reset"` is a message, bare `chat reset` the command).
            for positional in spec.positionals {
                switch positional.type {
                case .word, .string: continue
                default: Issue.record("`\(spec.name)` also starts two-word commands, so a value after it would be ambiguous")
                }
            }
        }
        let (outcome, _, _) = runScript("use adapter x", registry: .standard)
        #expect(outcome.firstMessage == "no model is loaded")
    }

    @Test("summaries are one lowercase line of at most 72 characters, with no final period")
    func summaries() {
        for spec in Self.specs {
            #expect(spec.summary.count <= 72, "\(spec.name)")
            #expect(!spec.summary.hasSuffix("."), "\(spec.name)")
            #expect(spec.summary.first?.isLowercase == true, "\(spec.name)")
            #expect(!spec.summary.contains("\n"), "\(spec.name)")
        }
    }

    @Test("every argument is documented and every default fits its type")
    func argumentsAndDefaults() throws {
        for spec in Self.specs {
            for argument in spec.arguments {
                #expect(!argument.help.isEmpty, "\(spec.name) \(argument.name)")
                if let d = argument.defaultValue {
                    let file = SourceFile(name: "<default>", text: "x")
                    let range = SourceRange(file: file, start: 0, end: 1)
                    _ = try Binder.check(d.value, argument.type, reject: { shown, r in
                        HoneError(.badArgument, "default \(shown) of `\(spec.name) \(argument.name)` does not fit \(argument.type.expectation)", at: r)
                    }, at: range)
                }
            }
        }
    }

    @Test("every example parses and checks (variables it assumes aside)")
    func examples() {
        for spec in Self.specs {
            #expect(!spec.examples.isEmpty, "`\(spec.name)` has no example")
            for example in spec.examples {
                let session = Session(output: CapturedOutput(), interrupt: InterruptFlag())
                do {
                    _ = try Interpreter(session: session).prepare(SourceFile(name: "<example>", text: example.code))
                } catch let list as HoneErrorList {
                    let real = list.errors.filter { $0.code != .undefinedVariable }
                    #expect(real.isEmpty, "example `\(example.code)` of `\(spec.name)`: \(real.map(\.message))")
                } catch {
                    Issue.record("example `\(example.code)`: \(error)")
                }
            }
        }
    }

    @Test("help lists every command, and `help NAME` works for each")
    func help() {
        let overview = Help.overview(.standard)
        for spec in Self.specs {
            #expect(overview.contains("  \(spec.name) "), "\(spec.name)")
            let (outcome, output, _) = runScript("help \(spec.name)", registry: .standard)
            #expect(outcome.errors.isEmpty, "help \(spec.name)")
            #expect(output.hasPrefix("\(spec.name) — \(spec.summary)"))
        }
    }

    @Test("every Command type in Sources/HoneLang/Commands is in the registry")
    func registryIsComplete() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/HoneLang/Commands").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: sources.path).filter { $0.hasSuffix(".swift") }
        let registered = Set(CommandRegistry.builtins.map { String(describing: $0) })
        var declared = Set<String>()
        let pattern = try Regex(#"(?:enum|struct|final class)\s+(\w+)\s*:\s*(?:Training)?Command\b"#)
        for file in files {
            let text = try String(contentsOfFile: sources.appendingPathComponent(file).path, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let name = match.output[1].substring { declared.insert(String(name)) }
            }
        }
        #expect(!declared.isEmpty)
        #expect(declared.subtracting(registered).isEmpty, "not in CommandRegistry.builtins: \(declared.subtracting(registered).sorted())")
    }

    @Test("every recipe has exactly one registered training command, named as the recipe says")
    func everyRecipeHasItsCommand() {
        for recipe in Recipe.allCases {
            let commands = CommandRegistry.builtins.compactMap { $0 as? any TrainingCommand.Type }.filter { $0.recipe == recipe }
            #expect(commands.count == 1, "\(recipe): \(commands)")
            #expect(commands.first?.spec.name == recipe.command, "\(recipe) names `\(recipe.command)`, its command is `\(commands.first?.spec.name ?? "none")`")
        }
    }
}
