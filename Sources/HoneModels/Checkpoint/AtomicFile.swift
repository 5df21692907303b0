import Foundation

/// Writes files so that a reader never sees half of one: the bytes go to a temporary file in the
/// same directory, which is flushed and then renamed over the target.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws {
        try stream(to: path) { try $0.write(bytes) }
    }
}

extension AtomicFile {
    /// Where `stream(to:_:)` sends bytes: an open temporary file.
    public struct Sink {
        let fd: Int32

        /// Appends `bytes` to the file.
        public func write(_ bytes: [UInt8]) throws {
            try bytes.withUnsafeBytes { try write($0) }
        }

        public func write(_ buffer: UnsafeRawBufferPointer) throws {
            var written = 0
            while written < buffer.count {
                let n = Foundation.write(fd, buffer.baseAddress! + written, buffer.count - written)
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { throw StreamFailure(reason: String(cString: strerror(errno))) }
                written += n
            }
        }
    }

    struct StreamFailure: Error { let reason: String }

    /// Writes the file at `path` piece by piece through `body`, atomically: the pieces go to a
    /// temporary file in the same directory, which is flushed and renamed over `path` only when
    /// `body` returns. When `body` or the disk fails, the temporary file is removed and `path` is
    /// left as it was; `body`'s own errors are rethrown unchanged.
    public static func stream(to path: String, _ body: (Sink) throws -> Void) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let name = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: String(cString: strerror(errno))) }
        do {
            try body(Sink(fd: fd))
        } catch let failure as StreamFailure {
            close(fd)
            unlink(temporary)
            throw WriteError(path: path, reason: failure.reason)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        let synced = fsync(fd) == 0
        let reason = String(cString: strerror(errno))
        close(fd)
        guard synced else {
            unlink(temporary)
            throw WriteError(path: path, reason: "could not flush the file to disk: \(reason)")
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw WriteError(path: path, reason: reason)
        }
    }
}
