// A stand-in for the Hugging Face hub on 127.0.0.1 (port chosen by the kernel), serving
// in-memory repositories in the hub's URL layout over plain HTTP/1.1 with POSIX sockets:
//   GET /api/models/ORG/NAME/revision/REV   {"sha": …, "siblings": [{"rfilename": …}]}
//   GET /ORG/NAME/resolve/REV/PATH          the file, with ETag and X-Repo-Commit; files marked
//                                           `redirected` answer 302 with X-Linked-Etag to
//                                           http://localhost:PORT/cdn/ETAG (another host name)
// Gated repositories answer 401 without `Authorization: Bearer \(token)`; unknown names 404.
// Every request is recorded, so tests can count them and look at their headers.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class LocalHubServer: @unchecked Sendable {
    struct Repository {
        var commit: String
        var files: [String: [UInt8]]
        var gated = false
        /// Files answered with a 302 to the CDN path.
        var redirected: Set<String> = []
    }

    struct Request {
        var path: String
        var host: String?
        var authorization: String?
    }

    static let token = "hf_local_test_token"

    let port: UInt16
    private let lock = NSLock()
    private var repositories: [String: Repository]
    private var recorded: [Request] = []
    private let listener: Int32
    private var stopped = false
    private let finished = DispatchSemaphore(value: 0)

    var endpoint: String { "http://127.0.0.1:\(port)" }
    var requests: [Request] { lock.withLock { recorded } }

    init(repositories: [String: Repository]) throws {
        self.repositories = repositories
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError.socket("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw ServerError.socket("bind/listen") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    deinit { stop() }

    struct ServerError: Error { var call: String; static func socket(_ call: String) -> ServerError { ServerError(call: call) } }

    /// Stops listening; later connections are refused.
    func stop() {
        let wasRunning = lock.withLock { () -> Bool in
            defer { stopped = true }
            return !stopped
        }
        guard wasRunning else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        finished.wait()
    }

    /// A port on 127.0.0.1 where nothing listens (bound, read, then closed).
    static func closedPort() -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        close(fd)
        return UInt16(bigEndian: address.sin_port)
    }

    /// A stable fake ETag for `bytes`: `length` hex digits from FNV-1a.
    static func etag(_ bytes: [UInt8], length: Int) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        var text = ""
        var state = hash
        while text.count < length {
            text += String(format: "%016llx", state)
            state = state &* 0x100_0000_01b3 &+ 1
        }
        return String(text.prefix(length))
    }

    private func serve() {
        defer { finished.signal() }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            handle(client)
            close(client)
        }
    }

    private func handle(_ client: Int32) {
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !data.containsHeaderEnd() {
            let n = recv(client, &buffer, buffer.count, 0)
            if n <= 0 { return }
            data += buffer[0..<n]
        }
        let text = String(decoding: data, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(path: String(parts[1]), host: headers["host"], authorization: headers["authorization"])
        lock.withLock { recorded.append(request) }
        let (status, responseHeaders, body) = route(request)
        var head = "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
        for (name, value) in responseHeaders { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    private static func reason(_ status: Int) -> String {
        [200: "OK", 302: "Found", 401: "Unauthorized", 404: "Not Found"][status] ?? "Error"
    }

    private static func json(_ object: Any) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data())
    }

    private func route(_ request: Request) -> (Int, [(String, String)], [UInt8]) {
        let path = request.path.removingPercentEncoding ?? request.path
        let repositories = lock.withLock { self.repositories }
        func notFound(_ code: String, _ message: String) -> (Int, [(String, String)], [UInt8]) {
            (404, [("Content-Type", "application/json"), ("X-Error-Code", code)], Self.json(["error": message]))
        }
        if path.hasPrefix("/cdn/") {
            let etag = String(path.dropFirst(5))
            for repository in repositories.values {
                for (_, bytes) in repository.files where Self.etag(bytes, length: 64) == etag {
                    return (200, [("ETag", "\"cdn-\(Self.etag(bytes, length: 8))\"")], bytes)
                }
            }
            return notFound("EntryNotFound", "no such object")
        }
        var segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let api = segments.first == "api"
        if api {
            guard segments.count >= 6, segments[1] == "models", segments[4] == "revision" else {
                return notFound("RepoNotFound", "Repository not found")
            }
            segments.removeFirst(2)
        }
        guard segments.count >= 4 else { return notFound("RepoNotFound", "Repository not found") }
        let name = segments[0] + "/" + segments[1]
        guard let repository = repositories[name] else { return notFound("RepoNotFound", "Repository not found") }
        if repository.gated && request.authorization != "Bearer \(Self.token)" {
            return (401, [("Content-Type", "application/json"), ("X-Error-Code", "GatedRepo")],
                    Self.json(["error": "Access to model \(name) is restricted. You must be authenticated to access it."]))
        }
        let revision = segments[3]
        guard revision == "main" || revision == repository.commit else {
            return notFound("RevisionNotFound", "Invalid rev id: \(revision)")
        }
        if api {
            let siblings = repository.files.keys.sorted().map { ["rfilename": $0] }
            return (200, [("Content-Type", "application/json"), ("X-Repo-Commit", repository.commit)],
                    Self.json(["id": name, "sha": repository.commit, "siblings": siblings]))
        }
        guard segments[2] == "resolve" else { return notFound("EntryNotFound", "Entry not found") }
        let file = segments[4...].joined(separator: "/")
        guard let bytes = repository.files[file] else { return notFound("EntryNotFound", "Entry not found") }
        if repository.redirected.contains(file) {
            let etag = Self.etag(bytes, length: 64)
            return (302, [("Location", "http://localhost:\(port)/cdn/\(etag)"), ("X-Linked-Etag", "\"\(etag)\""),
                          ("X-Linked-Size", "\(bytes.count)"), ("X-Repo-Commit", repository.commit)], [])
        }
        // Weak ETags for JSON files, to check `W/` is stripped.
        let etag = "\"\(Self.etag(bytes, length: 40))\""
        return (200, [("ETag", file.hasSuffix(".json") ? "W/" + etag : etag), ("X-Repo-Commit", repository.commit)], bytes)
    }
}

private extension Array where Element == UInt8 {
    func containsHeaderEnd() -> Bool {
        guard count >= 4 else { return false }
        for i in 0...(count - 4) where self[i] == 13 && self[i + 1] == 10 && self[i + 2] == 13 && self[i + 3] == 10 { return true }
        return false
    }
}
