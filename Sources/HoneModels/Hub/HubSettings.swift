// Where the hub is and where its files go, read from the same environment variables as
// huggingface_hub so that hone shares the Python tools' cache and login:
//   HF_ENDPOINT     the hub's address (default https://huggingface.co)
//   HF_TOKEN        an access token; else the file $HF_HOME/token that `huggingface-cli login` writes
//   HF_HOME         default ~/.cache/huggingface
//   HF_HUB_CACHE    default $HF_HOME/hub
//   HF_HUB_OFFLINE  1/true/yes/on: never use the network, only the cache
import Foundation

public struct HubSettings: Sendable, Equatable {
    public var endpoint: String
    public var token: String?
    public var cacheDirectory: String
    public var offline: Bool
    /// Seconds without any progress (connecting or receiving) before a request fails.
    public var timeout: TimeInterval

    public static let defaultEndpoint = "https://huggingface.co"

    public init(endpoint: String = HubSettings.defaultEndpoint, token: String? = nil,
                cacheDirectory: String, offline: Bool = false, timeout: TimeInterval = 10) {
        var endpoint = endpoint
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        self.endpoint = endpoint
        self.token = token
        self.cacheDirectory = cacheDirectory
        self.offline = offline
        self.timeout = timeout
    }

    /// The settings the environment `env` asks for.
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment) -> HubSettings {
        func value(_ name: String) -> String? {
            guard let text = env[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return text
        }
        let home = value("HOME") ?? NSHomeDirectory()
        let hfHome = value("HF_HOME").map { expandTilde($0, home: home) } ?? home + "/.cache/huggingface"
        let cache = value("HF_HUB_CACHE").map { expandTilde($0, home: home) } ?? hfHome + "/hub"
        var token = value("HF_TOKEN")
        if token == nil, let data = FileManager.default.contents(atPath: hfHome + "/token"),
           let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty {
            token = text
        }
        let offline = value("HF_HUB_OFFLINE").map { ["1", "true", "yes", "on"].contains($0.lowercased()) } ?? false
        return HubSettings(endpoint: value("HF_ENDPOINT") ?? defaultEndpoint, token: token,
                           cacheDirectory: cache, offline: offline)
    }

    static func expandTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst(1) }
        return path
    }
}
