import Foundation
@testable import HoneModels
@testable import HonePEFT

/// The binary checkpoint readers, each over libFuzzer's exactly-sized input buffer rather than a
/// page-sized memory map, so AddressSanitizer reports any read past the end.
enum CheckpointTargets {
    static let safetensors = FuzzTarget(
        name: "safetensors", summary: "SafeTensorsReader: the header, then every tensor it lists",
        seeds: [.files(.shared, "models", ending: [".safetensors"]),
                .files(.repository, "Tests/HoneModelsTests/Fixtures", ending: [".safetensors"])]
    ) { bytes in
        guard let reader = try? SafeTensorsReader(file: MappedFile(borrowing: bytes), path: fuzzInputName) else { return }
        for name in reader.names { _ = try? reader.tensor(name) }
    }

    static let gguf = FuzzTarget(
        name: "gguf", summary: "GGUFReader, then the model (GGUFLlama + DecoderModel), its tokenizer and the adapter reader",
        seeds: [.files(.shared, "models", ending: [".gguf"]),
                .files(.repository, "Tests/HoneModelsTests/Fixtures", ending: [".gguf"])]
    ) { bytes in
        guard let reader = try? GGUFReader(file: MappedFile(borrowing: bytes), path: fuzzInputName) else { return }
        for name in reader.tensorNames {
            _ = try? reader.tensor(name)
            _ = try? reader.storedBytes(name)
        }
        _ = try? TokenizerLoader.load(gguf: reader)
        if let (configuration, weights, _) = try? GGUFLlama.read(reader) {
            _ = try? DecoderModel(configuration: configuration, weights: weights, file: fuzzInputName)
        }
        _ = try? GGUFAdapterFile.read(reader)
    }

    static let llama2c = FuzzTarget(
        name: "llama2c", summary: "llama2.c: Llama2CReader on a .bin model and Llama2CTokenizer on a tokenizer.bin",
        seeds: [.files(.shared, "models", ending: [".bin"])]
    ) { bytes in
        _ = try? Llama2CReader.read(bytes: bytes, file: fuzzInputName)
        if let tokenizer = try? Llama2CTokenizer(bytes: bytes.array, path: fuzzInputName) {
            TokenizerTargets.exercise(tokenizer, with: bytes)
        }
    }
}
