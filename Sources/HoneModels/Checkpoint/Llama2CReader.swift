// Reads llama2.c's legacy ("version 0") checkpoint, as written by `export.py --version 0` and
// read by `run.c`: seven little-endian int32 header fields, then float32 tensors.
import Foundation
import HoneTensor

/// Reader for llama2.c `.bin` checkpoints.
///
/// Layout: `dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len` (int32; a
/// negative `vocab_size` means an unshared classifier follows the other tensors), then float32
/// row-major [out, in] tensors: token_embedding [V, C]; rms_att [L, C]; wq [L, C, C];
/// wk [L, KV, C]; wv [L, KV, C]; wo [L, C, C]; rms_ffn [L, C]; w1 [L, F, C]; w2 [L, C, F];
/// w3 [L, F, C]; rms_final [C]; freq_cis_real [S, D/2]; freq_cis_imag [S, D/2]; wcls [V, C]
/// when unshared. q and k rows are in the interleaved rotary layout. llama2.c's constants are
/// rope theta 10000 and RMSNorm eps 1e-5.
public enum Llama2CReader {
    static let headerFields = ["dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads", "vocab_size", "seq_len"]
    static let headerBytes = 28

    /// One tensor of the file: its llama2.c name, the Hugging Face name of its parts (with `*`
    /// for the layer number; nil for the RoPE tables, which are skipped), and one part's shape.
    struct Entry {
        var name: String
        var target: String?
        var partShape: [Int]
        var parts: Int
        var elements: Int
    }

    /// The configuration and weights (Hugging Face names, float32) of the checkpoint at `path`.
    public static func read(path: String) throws -> (LlamaConfiguration, [String: Tensor]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(file: path, "cannot be read (missing or not a readable file)")
        }
        return try data.withUnsafeBytes { try read(bytes: $0, file: path) }
    }

    /// The same from bytes already in memory; `file` names them in errors.
    public static func read(bytes: UnsafeRawBufferPointer, file: String) throws -> (LlamaConfiguration, [String: Tensor]) {
        guard bytes.count >= headerBytes else {
            throw CheckpointError(file: file, tensor: "header", offset: 0,
                "the file has \(bytes.count) bytes, fewer than the \(headerBytes)-byte llama2.c header (7 int32)")
        }
        var header: [Int] = []
        for i in 0..<7 {
            header.append(Int(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: Int32.self))))
        }
        let (dim, hidden, layers, heads, kvHeads, signedVocab, seqLen) =
            (header[0], header[1], header[2], header[3], header[4], header[5], header[6])
        let shared = signedVocab > 0
        let vocab = abs(signedVocab)
        let described = zip(headerFields, header).map { "\($0) \($1)" }.joined(separator: ", ")
        for (name, value) in zip(headerFields, header) where (name == "vocab_size" ? value == 0 : value <= 0) {
            throw CheckpointError(file: file, tensor: "header", offset: 4 * headerFields.firstIndex(of: name)!,
                "\(name) is \(value), expected a positive number (header: \(described))")
        }
        let configuration = LlamaConfiguration(
            hiddenSize: dim, intermediateSize: hidden, numHiddenLayers: layers, numAttentionHeads: heads,
            numKeyValueHeads: kvHeads, vocabSize: vocab, maxPositionEmbeddings: seqLen,
            rmsNormEps: 1e-5, ropeTheta: 10000, tieWordEmbeddings: shared, rotaryLayout: .interleaved)
        var problems = configuration.problems
        // llama2.c has no separate head size: the heads split the model dimension exactly.
        if configuration.numAttentionHeads > 0, configuration.hiddenSize % configuration.numAttentionHeads != 0 {
            problems.append("num_attention_heads \(configuration.numAttentionHeads) does not divide hidden_size \(configuration.hiddenSize)")
        }
        if !problems.isEmpty {
            throw CheckpointError(file: file, tensor: "header", offset: 0,
                "inconsistent sizes: \(problems.joined(separator: "; ")) (header: \(described))")
        }
        let entries = try layout(configuration, file: file, described: described)

        // Check the file's length against the header before allocating anything.
        var expected = headerBytes
        for entry in entries {
            let (bytesNeeded, o1) = entry.elements.multipliedReportingOverflow(by: 4)
            let (end, o2) = expected.addingReportingOverflow(bytesNeeded)
            if o1 || o2 { throw overflow(file, entry.name, described) }
            if end > bytes.count {
                throw CheckpointError(file: file, tensor: entry.name, offset: bytes.count,
                    "the file ends at byte \(bytes.count), inside this tensor, which needs bytes \(expected)..<\(end) "
                    + "(shape \(entry.parts > 1 ? [entry.parts] + entry.partShape : entry.partShape)); "
                    + "the header (\(described)) implies a file of \(totalBytes(entries)) bytes; is the file truncated?")
            }
            expected = end
        }
        if bytes.count != expected {
            throw CheckpointError(file: file, tensor: entries.last!.name, offset: expected,
                "the file has \(bytes.count) bytes, \(bytes.count - expected) more than the \(expected) that the header "
                + "(\(described)) implies; the data after the last tensor does not belong to a llama2.c version-0 checkpoint")
        }

        var weights: [String: Tensor] = [:]
        var offset = headerBytes
        for entry in entries {
            let partElements = entry.partShape.reduce(1, *)
            if let target = entry.target {
                for part in 0..<entry.parts {
                    let start = offset + part * partElements * 4
                    let slice = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + partElements * 4)])
                    let name = target.replacingOccurrences(of: "*", with: String(part))
                    weights[name] = Tensor.fromRaw(slice, dtype: .float32, shape: entry.partShape)
                }
            }
            offset += entry.elements * 4
        }
        return (configuration, weights)
    }

    static func overflow(_ file: String, _ tensor: String, _ described: String) -> CheckpointError {
        CheckpointError(file: file, tensor: tensor,
            "the header's sizes (\(described)) make this tensor larger than any file can be")
    }

    static func totalBytes(_ entries: [Entry]) -> Int {
        entries.reduce(headerBytes) { $0 &+ $1.elements &* 4 }
    }

    /// The tensors in file order, with element counts checked for overflow.
    static func layout(_ cfg: LlamaConfiguration, file: String, described: String) throws -> [Entry] {
        let (c, f, l, kv, v, s) = (cfg.hiddenSize, cfg.intermediateSize, cfg.numHiddenLayers, cfg.kvDim, cfg.vocabSize, cfg.maxPositionEmbeddings)
        func layered(_ suffix: String) -> String { "model.layers.*." + suffix }
        let specs: [(String, String?, [Int], Int)] = [
            ("token_embedding_table", "model.embed_tokens.weight", [v, c], 1),
            ("rms_att_weight", layered("input_layernorm.weight"), [c], l),
            ("wq", layered("self_attn.q_proj.weight"), [c, c], l),
            ("wk", layered("self_attn.k_proj.weight"), [kv, c], l),
            ("wv", layered("self_attn.v_proj.weight"), [kv, c], l),
            ("wo", layered("self_attn.o_proj.weight"), [c, c], l),
            ("rms_ffn_weight", layered("post_attention_layernorm.weight"), [c], l),
            ("w1", layered("mlp.gate_proj.weight"), [f, c], l),
            ("w2", layered("mlp.down_proj.weight"), [c, f], l),
            ("w3", layered("mlp.up_proj.weight"), [f, c], l),
            ("rms_final_weight", "model.norm.weight", [c], 1),
            ("freq_cis_real", nil, [s, cfg.headDim / 2], 1),
            ("freq_cis_imag", nil, [s, cfg.headDim / 2], 1),
        ] + (cfg.tieWordEmbeddings ? [] : [("wcls", "lm_head.weight", [v, c], 1)])
        return try specs.map { name, target, shape, parts in
            var elements = parts
            for size in shape {
                let (product, overflowed) = elements.multipliedReportingOverflow(by: size)
                if overflowed { throw overflow(file, name, described) }
                elements = product
            }
            return Entry(name: name, target: target, partShape: shape, parts: parts, elements: elements)
        }
    }
}
