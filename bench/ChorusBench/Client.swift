import AsyncHTTPClient
import ChorusCore
import Foundation
import NIOCore
import NIOHTTP1

/// The benchmark's HTTP client: real requests to the running server.
struct Client: Sendable {
    let http: HTTPClient
    let base: String

    func waitUntilUp() async throws {
        for _ in 0..<400 {
            if let reply = try? await get("/healthz", token: nil), reply["status"] != nil || reply != .null { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("the server did not start")
    }

    func request(_ method: HTTPMethod, _ path: String, token: String?, body: Data? = nil,
                 headers: [(String, String)] = []) async throws -> (Int, ByteBuffer) {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await http.execute(request, timeout: .seconds(60))
        return (Int(response.status.code), try await response.body.collect(upTo: 512 << 20))
    }

    func get(_ path: String, token: String?) async throws -> JSONValue {
        let (_, body) = try await request(.GET, path, token: token)
        return (try? JSONValue.parse(body.readableBytesView)) ?? .null
    }

    func post(_ path: String, token: String?, json: JSONValue) async throws -> JSONValue {
        let (_, body) = try await request(.POST, path, token: token, body: Data(json.serialized.utf8),
                                          headers: [("Content-Type", "application/json")])
        return (try? JSONValue.parse(body.readableBytesView)) ?? .null
    }

    func signIn(_ email: String) async throws -> String {
        let reply = try await post("/api/v1/sessions", token: nil, json: ["email": .string(email), "password": "bench-password-1"])
        guard let token = reply["token"]?.string else { throw BenchError("sign-in failed: \(reply)") }
        return token
    }

    /// Streams the sync and counts the messages in it, parsing each line as it arrives — as a
    /// device does with the stream, so its parsing overlaps the server's work (until session
    /// 14 the whole body was received first and parsed after).
    func syncCount(token: String) async throws -> Int {
        var request = HTTPClientRequest(url: base + "/api/v1/sync?days=7")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await http.execute(request, timeout: .seconds(60))
        guard response.status == .ok else { throw BenchError("sync answered \(response.status.code)") }
        var count = 0, pending: [UInt8] = [], ended = false
        func take(_ line: some Collection<UInt8>) throws {
            let value = try JSONValue.parse(line)
            switch value["type"]?.string {
            case "messages": count += value["items"]?.array?.count ?? 0
            case "end": ended = true
            default: break
            }
        }
        for try await chunk in response.body {
            pending.append(contentsOf: chunk.readableBytesView)
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                try take(pending[start..<newline])
                start = newline + 1
            }
            pending.removeFirst(start)
        }
        if !pending.isEmpty { try take(pending) }
        guard ended else { throw BenchError("the sync stream ended without its end line") }
        return count
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
