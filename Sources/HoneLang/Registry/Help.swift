import Foundation

/// `help` text, derived entirely from command specs.
public enum Help {
    public static func usage(_ spec: CommandSpec) -> String {
        if spec.syntax == .statement, let first = spec.examples.first { return first.code }
        var parts = [spec.name]
        for argument in spec.arguments {
            let text = argument.usage
            parts.append(argument.isRequired ? text : "[\(text)]")
        }
        if spec.syntax == .command { parts.append("COMMAND …") }
        return parts.joined(separator: " ")
    }

    /// All commands by category, each with its summary.
    public static func overview(_ registry: CommandRegistry) -> String {
        let width = registry.commands.map { $0.spec.name.count }.max() ?? 0
        var out = "hone commands (`help NAME` for one command's arguments and examples):\n"
        for category in CommandSpec.Category.allCases {
            let specs = registry.commands.map { $0.spec }.filter { $0.category == category }
            guard !specs.isEmpty else { continue }
            out += "\n\(category.rawValue)\n"
            for spec in specs {
                out += "  " + spec.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + spec.summary + "\n"
            }
        }
        return out
    }

    /// One command: summary, usage, arguments with their types and defaults, examples; with
    /// `full`, the extended discussion too.
    public static func detail(_ spec: CommandSpec, full: Bool) -> String {
        var out = "\(spec.name) — \(spec.summary)\n\nusage: \(usage(spec))\n"
        if !spec.arguments.isEmpty {
            out += "\narguments:\n"
            let rows = spec.arguments.map { argument -> (String, String) in
                var help = argument.help
                if let d = argument.defaultValue { help += " (default: \(d.value.repr))" }
                if case .choice(let c) = argument.type { help += " [choices: \(c.joined(separator: ", "))]" }
                return (argument.role == .option ? "\(argument.name)=\(argument.type.usage)" : argument.usage, help)
            }
            let width = min(28, rows.map(\.0.count).max() ?? 0)
            for (left, right) in rows {
                let pad = left.count >= width ? "  " : String(repeating: " ", count: width - left.count + 2)
                out += "  \(left)\(pad)\(right)\n"
            }
        }
        if !spec.discussion.isEmpty {
            let paragraphs = spec.discussion.components(separatedBy: "\n\nExtended help\n\n")
            out += "\n" + paragraphs[0] + "\n"
            if paragraphs.count > 1 {
                out += full ? "\n" + paragraphs[1] + "\n" : "\n(`??\(spec.name)` shows the extended help)\n"
            }
        }
        if !spec.examples.isEmpty {
            out += "\nexamples:\n"
            for example in spec.examples { out += "  \(example.code)\n      \(example.explanation)\n" }
        }
        return out
    }
}

extension Help {
    /// The command reference in docs/LANGUAGE.md, generated from the specs; a test keeps the
    /// document in step with the registry.
    public static func markdownReference(_ registry: CommandRegistry) -> String {
        var out = ""
        for category in CommandSpec.Category.allCases {
            let specs = registry.commands.map { $0.spec }.filter { $0.category == category }
            guard !specs.isEmpty else { continue }
            out += "### \(category.rawValue)\n\n"
            for spec in specs {
                out += "#### `\(spec.name)`\n\n\(spec.summary).\n\n```\n\(usage(spec))\n```\n\n"
                if !spec.arguments.isEmpty {
                    out += "| argument | accepts | default | meaning |\n|---|---|---|---|\n"
                    for argument in spec.arguments {
                        let name = argument.role == .option ? "`\(argument.name)=`" : "`\(argument.usage)`"
                        let accepts = argument.type.usage.replacingOccurrences(of: "|", with: "\\|")
                        let value = argument.defaultValue.map { "`\($0.value.repr)`" } ?? (argument.isRequired ? "required" : "")
                        out += "| \(name) | `\(accepts)` | \(value) | \(argument.help.replacingOccurrences(of: "|", with: "\\|")) |\n"
                    }
                    out += "\n"
                }
                if !spec.discussion.isEmpty {
                    out += spec.discussion.replacingOccurrences(of: "\n\nExtended help\n\n", with: "\n\n") + "\n\n"
                }
                if !spec.examples.isEmpty {
                    out += "```\n" + spec.examples.map { "\($0.code)    # \($0.explanation)" }.joined(separator: "\n") + "\n```\n\n"
                }
            }
        }
        return out
    }
}
