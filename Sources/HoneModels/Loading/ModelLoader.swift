import Foundation

/// The file formats a model is loaded from and saved to.
public enum ModelFormat: String, Sendable, CaseIterable {
    case huggingFace = "hf"
    case gguf
    case llama2c = "llama2.c"
}

/// A model with the tokenizer that belongs to it and where it came from.
public struct LoadedModel {
    public var model: any LanguageModel
    public var tokenizer: (any Tokenizer)?
    public var format: ModelFormat
    /// The local file or directory read.
    public var path: String
    /// Things the user should know about the load (a tokenizer found beside the checkpoint, a
    /// file taken from the cache while offline).
    public var notes: [String]
    /// The Jinja chat template the files carry (`chat_template.jinja`, `chat_template` in
    /// tokenizer_config.json, or GGUF `tokenizer.chat_template`), as text; nil when none.
    public var chatTemplate: String?

    public init(model: any LanguageModel, tokenizer: (any Tokenizer)?, format: ModelFormat, path: String, notes: [String] = [],
                chatTemplate: String? = nil) {
        self.model = model
        self.tokenizer = tokenizer
        self.format = format
        self.path = path
        self.notes = notes
        self.chatTemplate = chatTemplate
    }
}

/// Why a model source cannot be loaded, before any file is parsed.
public struct ModelSourceError: Error, CustomStringConvertible, Sendable {
    public var source: String
    public var message: String
    public init(source: String, _ message: String) {
        self.source = source
        self.message = message
    }
    public var description: String { "\(source): \(message)" }
}

/// Opens a model from a path (a Hugging Face directory, a `.gguf` file, a llama2.c `.bin`) by
/// looking at what is there, never by trusting the name alone.
public enum ModelLoader {
    /// Loads `path`. `tokenizerPath` names the tokenizer of a llama2.c checkpoint; without it
    /// `tokenizer.bin` or `tok<vocab>.bin` beside the checkpoint is used when present.
    /// A GGUF's Q8_0/Q4_0 linear weights stay in their blocks unless `dequantizesGGUF`.
    public static func load(path: String, tokenizerPath: String? = nil, dequantizesGGUF: Bool = false) throws -> LoadedModel {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelSourceError(source: path, "does not exist; expected a Hugging Face model directory, a .gguf file or a llama2.c .bin checkpoint")
        }
        if isDirectory.boolValue { return try loadHuggingFace(directory: path) }
        try PickleRefusal.check(path: path)
        let head = try firstBytes(of: path, count: 4)
        if head == GGUFReader.magic { return try loadGGUF(path: path, dequantizes: dequantizesGGUF) }
        let ext = (path as NSString).pathExtension.lowercased()
        if ext == "safetensors" || ext == "json" {
            throw ModelSourceError(source: path, "is one file of a Hugging Face model; load the directory that holds it: load model \((path as NSString).deletingLastPathComponent)")
        }
        if ext == "gguf" { throw CheckpointError(file: path, "does not start with the GGUF magic bytes `GGUF`") }
        return try loadLlama2C(path: path, tokenizerPath: tokenizerPath)
    }

    static func firstBytes(of path: String, count: Int) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CheckpointError(file: path, "cannot be opened") }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: count)) ?? Data())
    }

    /// Every `model_type` hone loads from a Hugging Face directory.
    public static var supportedModelTypes: [String] { DecoderFamily.all.map(\.modelType) + HuggingFaceDirectory.supportedGPT2ModelTypes }

    static func loadHuggingFace(directory: String) throws -> LoadedModel {
        var loaded = try loadHuggingFaceFiles(directory: directory)
        // A template hone cannot read is a note: the weights and tokenizer are still usable.
        do {
            let (template, notes) = try ChatTemplateFiles.read(directory: directory)
            loaded.chatTemplate = template
            loaded.notes += notes
        } catch {
            loaded.notes.append("chat template not read: \(error)")
        }
        return loaded
    }

    static func loadHuggingFaceFiles(directory: String) throws -> LoadedModel {
        let configPath = directory + "/config.json"
        let model: any LanguageModel
        switch try modelType(configPath: configPath, directory: directory) {
        case let type where HuggingFaceDirectory.supportedGPT2ModelTypes.contains(type):
            model = try HuggingFaceDirectory.loadGPT2(path: directory)
        case let type where DecoderFamily.named(type) != nil:
            model = try HuggingFaceDirectory.loadLlama(path: directory)
        case let type:
            if let why = DecoderFamily.refusedModelTypes[type] {
                throw CheckpointError(file: configPath, "model_type `\(type)` is \(why); hone does not load it. Supported: \(supportedModelTypes.joined(separator: ", "))")
            }
            let near = Suggestions.closest(to: type, among: supportedModelTypes, limit: 1).first.map { " (did you mean `\($0)`?)" } ?? ""
            throw CheckpointError(file: configPath, "model_type `\(type)` is not supported\(near); hone implements \(supportedModelTypes.joined(separator: ", "))")
        }
        let fm = FileManager.default
        let hasTokenizer = ["tokenizer.json", "vocab.json"].contains { fm.fileExists(atPath: directory + "/" + $0) }
        guard hasTokenizer else {
            return LoadedModel(model: model, tokenizer: nil, format: .huggingFace, path: directory,
                               notes: ["no tokenizer: the directory holds neither tokenizer.json nor vocab.json + merges.txt"])
        }
        // The weights are usable without a tokenizer (token ids still work), so a tokenizer hone
        // cannot read is a note, not a failed load.
        do {
            let tokenizer = try TokenizerLoader.load(directory: directory)
            try checkVocabulary(tokenizer, model: model, file: directory)
            return LoadedModel(model: model, tokenizer: tokenizer, format: .huggingFace, path: directory)
        } catch {
            return LoadedModel(model: model, tokenizer: nil, format: .huggingFace, path: directory,
                               notes: ["no tokenizer: \(error)"])
        }
    }

    /// The `model_type` of `config.json`, refusing a directory without one.
    static func modelType(configPath: String, directory: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: configPath) else {
            try HuggingFaceDirectory.refusePickles(directory: directory)
            throw CheckpointError(file: configPath, "cannot be read (a Hugging Face model directory needs config.json)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw CheckpointError(file: configPath, "is not a JSON object")
        }
        guard let type = json["model_type"] as? String else {
            throw CheckpointError(file: configPath, "has no `model_type`; hone implements \(supportedModelTypes.joined(separator: ", "))")
        }
        return type
    }

    static func loadGGUF(path: String, dequantizes: Bool = false) throws -> LoadedModel {
        let (model, kept) = try GGUFLlama.loadReporting(path: path, keepsQuantizedBlocks: !dequantizes)
        let reader = try GGUFReader(path: path)
        var blockNotes: [String] = []
        if !kept.isEmpty {
            let formats = Set(kept.values.map(\.rawValue)).sorted().joined(separator: ", ")
            blockNotes.append("\(kept.count) linear weights kept in \(formats) as the file stores them (`dequantize=true` loads them as float32, for method=full)")
        }
        let template = ChatTemplateFiles.read(gguf: reader)
        guard reader.metadata["tokenizer.ggml.model"] != nil else {
            return LoadedModel(model: model, tokenizer: nil, format: .gguf, path: path, notes: blockNotes + ["no tokenizer: the GGUF holds no tokenizer.ggml.* metadata"],
                               chatTemplate: template)
        }
        do {
            let tokenizer = try TokenizerLoader.load(gguf: reader)
            try checkVocabulary(tokenizer, model: model, file: path)
            return LoadedModel(model: model, tokenizer: tokenizer, format: .gguf, path: path, notes: blockNotes, chatTemplate: template)
        } catch {
            return LoadedModel(model: model, tokenizer: nil, format: .gguf, path: path, notes: blockNotes + ["no tokenizer: \(error)"], chatTemplate: template)
        }
    }

    /// A tokenizer with more ids than the model has embeddings would produce ids the model cannot run.
    /// (Fewer is fine: models often pad their vocabulary to a multiple of 64.)
    static func checkVocabulary(_ tokenizer: any Tokenizer, model: any LanguageModel, file: String) throws {
        if tokenizer.vocabularySize > model.vocabularySize {
            throw CheckpointError(file: file, "the tokenizer has \(tokenizer.vocabularySize) tokens but the model only \(model.vocabularySize) embeddings")
        }
    }

    static func loadLlama2C(path: String, tokenizerPath: String?) throws -> LoadedModel {
        let (configuration, weights) = try Llama2CReader.read(path: path)
        let model = try LlamaModel(configuration: configuration, weights: weights, file: path)
        let directory = (path as NSString).deletingLastPathComponent
        let candidates = tokenizerPath.map { [$0] }
            ?? [directory + "/tokenizer.bin", directory + "/tok\(configuration.vocabSize).bin"]
        var notes: [String] = []
        var tokenizer: (any Tokenizer)?
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            tokenizer = try Llama2CTokenizer(path: found, vocabularySize: configuration.vocabSize)
            if tokenizerPath == nil { notes.append("tokenizer: \(found)") }
        } else if let tokenizerPath {
            throw ModelSourceError(source: tokenizerPath, "does not exist; expected a llama2.c tokenizer.bin")
        } else {
            notes.append("no tokenizer found (looked for tokenizer.bin and tok\(configuration.vocabSize).bin beside it); give one with tokenizer=PATH")
        }
        return LoadedModel(model: model, tokenizer: tokenizer, format: .llama2c, path: path, notes: notes)
    }
}

extension ModelLoader {
    /// Loads `hf:ORG/NAME[@REV]` or `hf:ORG/NAME/FILE.gguf` from the Hugging Face hub through the
    /// local cache (`HF_HOME`), downloading only what is missing. `progress` receives lines to
    /// show while downloading; `isCancelled` stops a download (Ctrl-C).
    public static func loadFromHub(_ text: String, settings: HubSettings = .fromEnvironment(), refresh: Bool = false,
                                   dequantizesGGUF: Bool = false,
                                   progress: @escaping (String) -> Void = { _ in },
                                   isCancelled: (() -> Bool)? = nil) throws -> LoadedModel {
        let reference = try HubReference(parsing: text)
        let client = HubClient(settings: settings, isCancelled: isCancelled)
        var lastReport = ContinuousClock.now
        let snapshot = try client.fetch(reference, refresh: refresh) { file, received, total in
            guard ContinuousClock.now - lastReport > .milliseconds(500) else { return }
            lastReport = ContinuousClock.now
            let size = total.map { " of \($0 / 1_000_000) MB" } ?? ""
            progress("downloading \(file): \(received / 1_000_000) MB\(size)")
        }
        var loaded = try load(path: snapshot.modelPath, dequantizesGGUF: dequantizesGGUF)
        loaded.notes.insert(snapshot.note, at: 0)
        return loaded
    }
}
