import Foundation

/// The JSON file a Jupyter client writes before starting the kernel: where to bind each
/// channel and the key that signs messages.
struct ConnectionFile: Decodable {
    var transport: String
    var ip: String
    var key: String
    var signatureScheme: String
    var shellPort: Int
    var iopubPort: Int
    var stdinPort: Int
    var controlPort: Int
    var hbPort: Int

    enum CodingKeys: String, CodingKey {
        case transport, ip, key
        case signatureScheme = "signature_scheme"
        case shellPort = "shell_port", iopubPort = "iopub_port", stdinPort = "stdin_port"
        case controlPort = "control_port", hbPort = "hb_port"
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        transport = try c.decodeIfPresent(String.self, forKey: .transport) ?? "tcp"
        ip = try c.decodeIfPresent(String.self, forKey: .ip) ?? "127.0.0.1"
        key = try c.decodeIfPresent(String.self, forKey: .key) ?? ""
        signatureScheme = try c.decodeIfPresent(String.self, forKey: .signatureScheme) ?? "hmac-sha256"
        shellPort = try c.decode(Int.self, forKey: .shellPort)
        iopubPort = try c.decode(Int.self, forKey: .iopubPort)
        stdinPort = try c.decode(Int.self, forKey: .stdinPort)
        controlPort = try c.decode(Int.self, forKey: .controlPort)
        hbPort = try c.decode(Int.self, forKey: .hbPort)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(_ path: String) throws -> ConnectionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(description: "cannot read the connection file `\(path)`: no such file or not readable")
        }
        let file: ConnectionFile
        do {
            file = try JSONDecoder().decode(ConnectionFile.self, from: data)
        } catch {
            throw Failure(description: "`\(path)` is not a Jupyter connection file: \(error)")
        }
        guard file.key.isEmpty || file.signatureScheme == "hmac-sha256" else {
            throw Failure(description: "`\(path)` asks for signature scheme `\(file.signatureScheme)`; hone signs with hmac-sha256 only")
        }
        return file
    }

    func endpoint(_ port: Int) -> String {
        transport == "ipc" ? "ipc://\(ip)-\(port)" : "\(transport)://\(ip):\(port)"
    }
}
