import AsyncHTTPClient
import NIOCore

/// A bare HTTP client for servers started as separate processes.
public struct TestClient: Sendable {
    let base: String
    let http = HTTPClient(eventLoopGroupProvider: .singleton)

    public init(base: String) { self.base = base }

    public func status(_ path: String) async throws -> Int {
        let response = try await http.execute(HTTPClientRequest(url: base + path), timeout: .seconds(2))
        _ = try await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }

    public func shutdown() async throws { try await http.shutdown() }
}
