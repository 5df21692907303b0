// Synchronous HTTP GETs for the hub client over Foundation's URLSession (libcurl on Linux).
// The calling thread waits in slices of 0.1 s, reporting progress and checking for
// cancellation between them, so progress callbacks and `isCancelled` run on the caller's
// thread. Redirects are followed; the first response's headers are kept, since the hub puts
// X-Linked-Etag and X-Repo-Commit on the redirect, not on the CDN's answer; Authorization is
// not forwarded to another host.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

struct HubHTTP {
    struct Response {
        var status: Int
        /// Headers of the first response (before any redirect), lowercased names.
        var firstHeaders: [String: String]
        /// Headers of the final response, lowercased names.
        var headers: [String: String]
        /// The body for non-200 answers and for `get`; empty for a download.
        var body: Data
        var bytes: Int64

        func header(_ name: String) -> String? { firstHeaders[name.lowercased()] ?? headers[name.lowercased()] }
        func finalHeader(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// A failure below HTTP: no connection, DNS, timeout, TLS.
    struct TransportError: Error { var reason: String }
    struct Cancelled: Error {}

    let settings: HubSettings

    /// GETs `url` into memory.
    func get(_ url: URL, isCancelled: (() -> Bool)?) throws -> Response {
        try perform(url, destination: nil, progress: nil, isCancelled: isCancelled)
    }

    /// GETs `url` into the file `destination` when the answer is 200 (else the body is in
    /// `Response.body` and the file is removed).
    func download(_ url: URL, to destination: String, progress: ((Int64, Int64?) -> Void)?,
                  isCancelled: (() -> Bool)?) throws -> Response {
        try perform(url, destination: destination, progress: progress, isCancelled: isCancelled)
    }

    private func perform(_ url: URL, destination: String?, progress: ((Int64, Int64?) -> Void)?,
                         isCancelled: (() -> Bool)?) throws -> Response {
        if isCancelled?() == true { throw Cancelled() }
        var request = URLRequest(url: url)
        request.setValue("hone", forHTTPHeaderField: "User-Agent")
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        if let token = settings.token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = settings.timeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        let transfer = Transfer(originalHost: url.host, destination: destination)
        let session = URLSession(configuration: configuration, delegate: transfer, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let task = session.dataTask(with: request)
        task.resume()
        var reported: Int64 = -1
        var cancelled = false
        while true {
            let finished = transfer.done.wait(timeout: .now() + 0.1) == .success
            let (received, expected) = transfer.progress()
            if let progress, received != reported, transfer.writingFile() {
                progress(received, expected)
                reported = received
            }
            if finished { break }
            if !cancelled, isCancelled?() == true {
                cancelled = true
                task.cancel()
            }
        }
        let outcome = transfer.finish()
        if cancelled { throw Cancelled() }
        if let failure = outcome.failure {
            throw TransportError(reason: failure)
        }
        guard let response = outcome.response else { throw TransportError(reason: "no response") }
        return response
    }
}

/// The state of one transfer, touched by URLSession's delegate queue and read by the waiting
/// thread under a lock.
private final class Transfer: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private let originalHost: String?
    private let destination: String?
    private var descriptor: Int32 = -1
    private var firstHeaders: [String: String]?
    private var response: HTTPURLResponse?
    private var body = Data()
    private var received: Int64 = 0
    private var expected: Int64?
    private var failure: String?

    init(originalHost: String?, destination: String?) {
        self.originalHost = originalHost
        self.destination = destination
    }

    func progress() -> (Int64, Int64?) { lock.withLock { (received, expected) } }
    func writingFile() -> Bool { lock.withLock { descriptor >= 0 } }

    func finish() -> (response: HubHTTP.Response?, failure: String?) {
        lock.withLock {
            if descriptor >= 0 {
                if fsync(descriptor) != 0 && failure == nil { failure = "cannot flush the download: \(String(cString: strerror(errno)))" }
                close(descriptor)
                descriptor = -1
            }
            guard let response else { return (nil, failure ?? "no response") }
            let headers = Self.headers(response)
            let result = HubHTTP.Response(status: response.statusCode, firstHeaders: firstHeaders ?? headers,
                                          headers: headers, body: body, bytes: received)
            return (result, failure)
        }
    }

    static func headers(_ response: HTTPURLResponse) -> [String: String] {
        var headers: [String: String] = [:]
        for (key, value) in response.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return headers
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void) {
        lock.withLock { if firstHeaders == nil { firstHeaders = Self.headers(response) } }
        var next = request
        if next.url?.host != originalHost { next.setValue(nil, forHTTPHeaderField: "Authorization") }
        completionHandler(next)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.withLock {
            self.response = response as? HTTPURLResponse
            expected = response.expectedContentLength >= 0 ? response.expectedContentLength : nil
            if let destination, self.response?.statusCode == 200 {
                descriptor = open(destination, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                if descriptor < 0 { failure = "cannot create \(destination): \(String(cString: strerror(errno)))" }
            }
        }
        completionHandler(lock.withLock { failure == nil } ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        let ok = lock.withLock { () -> Bool in
            received += Int64(data.count)
            if descriptor >= 0 {
                let written = data.withUnsafeBytes { buffer -> Bool in
                    var offset = 0
                    while offset < buffer.count {
                        let n = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                        if n <= 0 { return false }
                        offset += n
                    }
                    return true
                }
                if !written { failure = "cannot write the download: \(String(cString: strerror(errno)))" }
                return written
            }
            if body.count < 1 << 20 { body.append(data) }
            return true
        }
        if !ok { dataTask.cancel() }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
        lock.withLock {
            if let error, failure == nil {
                let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
                failure = underlying?.localizedDescription ?? error.localizedDescription
            }
            if failure == nil, let expected, response?.statusCode == 200, received != expected {
                failure = "the connection closed after \(received) of \(expected) bytes"
            }
        }
        done.signal()
    }
}
