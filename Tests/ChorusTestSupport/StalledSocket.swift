import Foundation

/// A device that opens its event socket and then stops reading: the WebSocket upgrade over a
/// plain TCP connection, the 101 answer read, and everything else left in the kernel.
public final class StalledSocket: Sendable {
    private let connection: RawConnection

    public init(baseURL: String, token: String) throws {
        connection = try RawConnection(baseURL: baseURL)
        let port = URL(string: baseURL)!.port!
        connection.send("GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer \(token)\r\n\r\n")
        let head = try connection.readHead()
        guard head.hasPrefix("HTTP/1.1 101") else { throw TestFailure("stalled socket: not upgraded: \(head)") }
    }

    /// See `RawConnection.drainFindsClosed(within:)`.
    public func drainFindsClosed(within seconds: Int) -> Bool { connection.drainFindsClosed(within: seconds) }
}
