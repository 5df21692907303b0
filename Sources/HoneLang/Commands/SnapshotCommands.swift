import Foundation
import HoneModels

/// `snapshot save NAME`.
public enum SnapshotSaveCommand: Command {
    static let name = Arg<String>.positional("name", .name, help: "the snapshot's name (a folder in snapshots_dir)")
    public static let spec = CommandSpec(
        ["snapshot", "save"], summary: "keep the session's state, to come back to it later",
        discussion: """
            Writes SNAPSHOTS_DIR/NAME (`set snapshots_dir=`, default `snapshots`): models by path \
            and SHA-256 (not copied), their adapters, active adapter and template, data sets, \
            variables, options and the runs' references. Adapters and data are stored once by \
            content hash in SNAPSHOTS_DIR/blobs, so snapshots of a session that trains only \
            adapters cost the adapters. The manifest is written last and the folder renamed in \
            whole, so a snapshot cut short is never listed and one it replaces stays until then. \
            Not stored yet, and refused by name: weights changed in the session (a merged \
            adapter, full fine-tuning, `new model`), retrieval indexes and reward heads.
            """,
        category: .session, arguments: [name.spec],
        examples: [.init("snapshot save before_lr_sweep", ""), .init("snapshot restore before_lr_sweep", "back to it")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        try save(arguments[name], automatic: false, in: context)
    }

    static func save(_ name: String, automatic: Bool, in context: CommandContext) throws -> Value {
        let workspace = context.session.workspace
        if let index = workspace.indexes.first {
            throw HoneError(.value, "retrieval index `\(index.name)` cannot be kept in a snapshot yet", at: context.call.range,
                            hints: ["rebuild it after restoring, with the `rag index` that made it"])
        }
        let manifest = try Snapshots.capture(automatic: automatic, in: context)
        let store = Snapshots.store(in: context)
        do { try store.write(manifest, name: name) } catch { throw HoneError(.io, "could not write snapshot \(name): \(error)", at: context.call.range) }
        context.say("snapshot \(name): \(DataReference.plural(manifest.models.count, "model")), "
                    + "\(DataReference.plural(manifest.models.reduce(0) { $0 + $1.adapters.count }, "adapter")), "
                    + "\(DataReference.plural(manifest.dataSets.count, "data set")), \(DataReference.plural(manifest.variables.count, "variable")) "
                    + "in \(store.directory)/\(name)")
        return .string(store.directory + "/" + name)
    }
}

/// `snapshot restore NAME|last`.
public enum SnapshotRestoreCommand: Command {
    static let name = Arg<String>.positional("name", .word, help: "a snapshot in snapshots_dir, or `last` for the newest automatic one")
    public static let spec = CommandSpec(
        ["snapshot", "restore"], summary: "bring back the session as a snapshot kept it",
        discussion: """
            Replaces the session's models, adapters, data sets, variables, options and runs with \
            the snapshot's. Every model file is checked against its SHA-256 first: one that \
            changed is refused, naming it, and the session is left as it was. `last` is the \
            newest snapshot `train … snapshot=true` took. `hone --restore NAME` starts a new \
            process from one.
            """,
        category: .session, arguments: [name.spec],
        examples: [.init("snapshot restore before_lr_sweep", ""), .init("snapshot restore last", "before the last training that took one")],
        isHeavy: true)

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let store = Snapshots.store(in: context)
        var wanted = arguments[name]
        let known = store.list()
        if wanted == "last" {
            guard let last = known.last(where: { $0.manifest.automatic }) else {
                throw HoneError(.value, "no automatic snapshot in \(store.directory)", at: arguments.range(of: name),
                                hints: ["`train … snapshot=true` takes one before it changes weights"])
            }
            wanted = last.name
        }
        guard FileManager.default.fileExists(atPath: store.directory + "/" + wanted) else {
            let names = known.map(\.name)
            var hints = [names.isEmpty ? "there are no snapshots in \(store.directory)" : "snapshots: " + names.joined(separator: ", ")]
            let suggestion = Suggestions.didYouMean(wanted, among: names)
            if !suggestion.isEmpty { hints.insert(String(suggestion.dropFirst(2)), at: 0) }
            throw HoneError(.value, "no snapshot named `\(wanted)`", at: arguments.range(of: name), hints: hints)
        }
        let manifest: SnapshotManifest
        do { manifest = try store.read(wanted) } catch { throw HoneError(.value, "\(error)", at: arguments.range(of: name)) }
        try Snapshots.restore(manifest, name: wanted, in: context)
        context.say("restored snapshot \(wanted): \(DataReference.plural(manifest.models.count, "model")), "
                    + "\(DataReference.plural(manifest.dataSets.count, "data set")), \(DataReference.plural(manifest.variables.count, "variable"))")
        return .string(wanted)
    }
}

/// `snapshots`.
public enum SnapshotsCommand: Command {
    public static let spec = CommandSpec(
        ["snapshots"], summary: "list the snapshots in snapshots_dir, with their size and time",
        discussion: "Size counts the stored files each snapshot names (shared ones in each); models are referenced, not stored.",
        category: .session, examples: [.init("snapshots", "")])

    public static func run(_ arguments: BoundArguments, in context: CommandContext) throws -> Value {
        let store = Snapshots.store(in: context)
        let all = store.list()
        let incomplete = store.incomplete()
        if all.isEmpty && incomplete.isEmpty {
            context.show("no snapshots in \(store.directory); `snapshot save NAME` takes one")
            return .list([])
        }
        let formatter = ISO8601DateFormatter()
        let header = ["snapshot", "taken", "stored", "models", "data", "variables", "kind"]
        let rows = all.map { entry in
            [entry.name, formatter.string(from: entry.manifest.created), ModelHandle.bytes(store.size(of: entry.manifest)),
             String(entry.manifest.models.count), String(entry.manifest.dataSets.count), String(entry.manifest.variables.count),
             entry.manifest.automatic ? "automatic" : "saved"]
        }
        // Volatile: the times differ from run to run, so notebooks leave the listing out of their outputs.
        context.show(Display(text: Table.render(header: header, rows: rows), html: HTML.table(header: header, rows: rows), kind: .volatile))
        if !incomplete.isEmpty { context.show("incomplete (no manifest, never restored): " + incomplete.joined(separator: ", ")) }
        return .list(all.map { .string($0.name) })
    }
}
