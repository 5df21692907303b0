// PyTorch pickles are refused, never loaded: unpickling executes whatever the file asks for
// (it can import and call any Python function), so opening an untrusted `.bin`/`.pt` is running
// untrusted code. hone reads safetensors instead and says how to convert.
//
// What is recognised as a pickle:
// * `.pt`, `.pth`, `.pkl`, `.ckpt`: always (these extensions are PyTorch/pickle formats);
// * `.bin` (and any other file checked): by content, not by name — a zip archive ("PK\u{3}\u{4}")
//   holding a `data.pkl` member (the format of `torch.save` since PyTorch 1.6), or a raw pickle
//   (protocol opcode 0x80, a protocol number 2…5, then a non-zero opcode; the legacy `torch.save`
//   format and plain `pickle.dump`). A llama2.c checkpoint starts with int32 `dim` (third byte 0
//   for any dim below 65536) or the "ak42" magic of its later versions, so it is not refused.
import Foundation

public enum PickleRefusal {
    /// Extensions refused whatever their contents.
    public static let pickleExtensions: Set<String> = ["pt", "pth", "pkl", "ckpt"]

    /// What a pickle-format file looks like.
    public enum Kind: String, Sendable {
        case zipPickle = "a PyTorch zip archive with a pickled `data.pkl`"
        case rawPickle = "a raw Python pickle"
        case pickleExtension = "a PyTorch/pickle file"
    }

    /// How to convert a Hugging Face directory holding pickled weights to safetensors.
    public static let directoryConversion =
        #"python -c "from transformers import AutoModelForCausalLM; AutoModelForCausalLM.from_pretrained('DIR').save_pretrained('OUT', safe_serialization=True)""#
    /// How to convert a single state-dict file to safetensors.
    public static let fileConversion =
        #"python -c "import torch; from safetensors.torch import save_file; save_file(torch.load('FILE', weights_only=True), 'model.safetensors')""#

    /// The pickle kind of `bytes` (the start of a file; 64 KiB is plenty), or nil.
    public static func kind(ofContents bytes: [UInt8]) -> Kind? {
        if bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04 {
            return contains(bytes, Array("data.pkl".utf8)) ? .zipPickle : nil
        }
        if bytes.count >= 3 && bytes[0] == 0x80 && (2...5).contains(bytes[1]) && bytes[2] != 0 {
            return .rawPickle
        }
        return nil
    }

    /// The pickle kind of the file at `path` (by extension for `.pt/.pth/.pkl/.ckpt`, by
    /// content otherwise), or nil when it is not a pickle or cannot be read.
    public static func kind(path: String) -> Kind? {
        let ext = (path as NSString).pathExtension.lowercased()
        if pickleExtensions.contains(ext) { return .pickleExtension }
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        // Zip local headers put member names near the start; a zip64 central directory could
        // place it anywhere, so also look at the end of the file.
        var head = [UInt8]((try? handle.read(upToCount: 65536)) ?? Data())
        if head.count >= 4, head[0] == 0x50, head[1] == 0x4B, !contains(head, Array("data.pkl".utf8)),
           let end = try? handle.seekToEnd(), end > 65536 {
            try? handle.seek(toOffset: max(65536, end - 65536))
            head += [UInt8]((try? handle.readToEnd()) ?? Data())
        }
        return kind(ofContents: head)
    }

    /// Throws a `CheckpointError` for `path` if it is a pickle, explaining why it is not loaded
    /// and how to convert it to safetensors; returns normally for anything else.
    public static func check(path: String) throws {
        guard let kind = kind(path: path) else { return }
        let directory = ((path as NSString).deletingLastPathComponent as String)
        let dir = directory.isEmpty ? "." : directory
        throw CheckpointError(file: path,
            "is \(kind.rawValue); hone does not load pickles, because loading one would run arbitrary code "
            + "stored in the file (unpickling can import and call any Python function). Convert it to safetensors "
            + "with Python, where you can decide whether to trust it, then load the result: for a Hugging Face model directory, "
            + directoryConversion.replacingOccurrences(of: "'DIR'", with: "'\(dir)'")
            + " (OUT is the new directory); for a bare state dict, "
            + fileConversion.replacingOccurrences(of: "'FILE'", with: "'\(path)'"))
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first && Array(haystack[i..<(i + needle.count)]) == needle { return true }
            i += 1
        }
        return false
    }
}
