import CZeroMQ
import Foundation

/// A libzmq socket, used from one thread at a time (ZeroMQ sockets are not thread-safe; the
/// kernel's iopub socket is shared behind a lock). Frames are `[UInt8]`.
final class ZMQSocket: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer

    struct Failure: Error, CustomStringConvertible {
        var description: String
        static func last(_ what: String) -> Failure {
            Failure(description: "\(what): \(String(cString: zmq_strerror(zmq_errno())))")
        }
    }

    init(context: UnsafeMutableRawPointer, type: Int32) throws {
        guard let socket = zmq_socket(context, type) else { throw Failure.last("zmq_socket") }
        handle = socket
        var linger: Int32 = 0
        zmq_setsockopt(handle, ZMQ_LINGER, &linger, MemoryLayout<Int32>.size)
    }

    func bind(_ endpoint: String) throws {
        guard zmq_bind(handle, endpoint) == 0 else { throw Failure.last("cannot bind \(endpoint)") }
    }

    /// Sends the frames as one multipart message.
    func send(_ frames: [[UInt8]]) {
        for (i, frame) in frames.enumerated() {
            let flags = i < frames.count - 1 ? ZMQ_SNDMORE : 0
            frame.withUnsafeBytes { bytes in
                while zmq_send(handle, bytes.baseAddress, bytes.count, flags) < 0 && zmq_errno() == EINTR {}
            }
        }
    }

    /// Receives one multipart message; `nil` when interrupted by a signal or nothing waits.
    func receive(dontWait: Bool = true) -> [[UInt8]]? {
        var frames: [[UInt8]] = []
        while true {
            var message = zmq_msg_t()
            zmq_msg_init(&message)
            defer { zmq_msg_close(&message) }
            var size = zmq_msg_recv(&message, handle, dontWait && frames.isEmpty ? ZMQ_DONTWAIT : 0)
            while size < 0 && zmq_errno() == EINTR && !frames.isEmpty {
                size = zmq_msg_recv(&message, handle, 0)
            }
            if size < 0 { return frames.isEmpty ? nil : frames }
            let data = zmq_msg_data(&message)!.assumingMemoryBound(to: UInt8.self)
            frames.append(Array(UnsafeBufferPointer(start: data, count: Int(size))))
            if zmq_msg_more(&message) == 0 { return frames }
        }
    }

    /// Waits up to `timeout` milliseconds for any of `sockets` to be readable; returns which.
    static func poll(_ sockets: [ZMQSocket], timeout: Int) -> [Bool] {
        var items = sockets.map { zmq_pollitem_t(socket: $0.handle, fd: 0, events: Int16(ZMQ_POLLIN), revents: 0) }
        let count = zmq_poll(&items, Int32(items.count), timeout)
        guard count > 0 else { return Array(repeating: false, count: sockets.count) }
        return items.map { $0.revents & Int16(ZMQ_POLLIN) != 0 }
    }

    deinit { zmq_close(handle) }
}
