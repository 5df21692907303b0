import Foundation

/// A checkpoint file mapped read-only into memory, unmapped when released. Readers check every
/// size against `bytes.count` before they read, so a lying header never reads past the file.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer?

    init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw CheckpointError(file: path, "cannot open the file: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw CheckpointError(file: path, "cannot read the file's size: \(String(cString: strerror(errno)))")
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            // mmap refuses zero bytes; an empty file is an empty buffer, which readers refuse.
            mapping = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw CheckpointError(file: path, "cannot map the file: \(String(cString: strerror(errno)))")
        }
        mapping = map
        bytes = UnsafeRawBufferPointer(start: map, count: size)
    }

    /// Bytes that another owner keeps alive for as long as this value (hone-fuzz's inputs, which
    /// libFuzzer allocates at their exact size, so AddressSanitizer sees any read past the end
    /// that a page-sized mapping would hide).
    init(borrowing bytes: UnsafeRawBufferPointer) {
        mapping = nil
        self.bytes = bytes
    }

    deinit {
        if let mapping { munmap(mapping, bytes.count) }
    }
}
