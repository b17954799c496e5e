import ChorusTestSupport
import Foundation
import Testing

/// Stopping (SIGTERM, or a test's end) must not wait on clients: connections and device sockets
/// that would keep the server open are closed by the server itself.
@Suite("Stopping the server", .serialized)
struct ShutdownTests {
    @Test("a stopping server closes every device socket cleanly, even one that never answers, and stops within seconds",
          .timeLimit(.minutes(1)))
    func shutdownClosesSockets() async throws {
        let sockets = Locked<(stalled: StalledSocket, healthy: TestSocket)?>(nil)
        let stopping = Locked<ContinuousClock.Instant?>(nil)
        try await TestServer.with { server in
            let (_, token) = try await server.member(.standard)
            let stalled = try StalledSocket(baseURL: server.baseURL, token: token)
            let healthy = try await TestSocket.connect(server, token: token)
            try await healthy.waitFor(5, "hello") { $0.contains { $0["type"]?.string == "hello" } }
            sockets.withLock { $0 = (stalled, healthy) }
            stopping.withLock { $0 = .now }
        }
        // Without the server's own close, the stalled device held the shutdown until the ping
        // timeout (about a minute).
        let took = stopping.value!.duration(to: .now)
        #expect(took < .seconds(8), "shutdown took \(took)")
        let (stalled, healthy) = sockets.value!
        // 1000 or 1001: Hummingbird's own close (normal) and ours (going away) race; the web app
        // reconnects after either.
        #expect([1000, 1001].contains(try await healthy.waitForClose(5).code))
        #expect(stalled.drainFindsClosed(within: 5))
    }

    @Test("a stopping server closes a connection that has sent nothing at once, and a half-sent request after its grace",
          .timeLimit(.minutes(1)))
    func shutdownClosesPendingConnections() async throws {
        let connections = Locked<(idle: RawConnection, half: RawConnection)?>(nil)
        let stopping = Locked<ContinuousClock.Instant?>(nil)
        try await TestServer.with(configure: { $0.stopGrace = .seconds(2) }) { server in
            // As a browser opens spare connections; before the fix the stop waited on them forever.
            let idle = try RawConnection(baseURL: server.baseURL)
            let half = try RawConnection(baseURL: server.baseURL)
            half.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            #expect(try await server.request("GET", "/healthz").status == 200)
            connections.withLock { $0 = (idle, half) }
            stopping.withLock { $0 = .now }
        }
        let took = stopping.value!.duration(to: .now)
        #expect(took < .seconds(6), "shutdown took \(took)")
        let (idle, half) = connections.value!
        #expect(idle.drainFindsClosed(within: 1))
        #expect(half.drainFindsClosed(within: 1))
    }
}
