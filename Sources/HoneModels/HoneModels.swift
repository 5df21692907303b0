import HoneTensor

/// HoneModels holds the language models built on HoneTensor: configs, architectures, tokenizers,
/// and checkpoint reading and writing. So far: the Llama architecture (`LlamaModel`), the llama2.c
/// checkpoint and tokenizer readers, safetensors reading and writing, greedy generation, and
/// `AtomicFile`, through which every file hone writes goes.
public enum HoneModels {
    public static let version = HoneTensor.version
    public static let modules = HoneTensor.modules + ["HoneModels"]
}
