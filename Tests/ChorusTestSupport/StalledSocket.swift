import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A device that opens its event socket and then stops reading: a plain TCP socket that sends
/// the WebSocket upgrade, reads the 101 answer, and leaves everything else in the kernel.
public final class StalledSocket: @unchecked Sendable {
    // @unchecked: used by one test task at a time.
    private let fd: Int32

    public init(baseURL: String, token: String) throws {
        let url = URL(string: baseURL)!
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(url.port!).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("stalled socket: connect failed") }
        let request = "GET /api/v1/events HTTP/1.1\r\nHost: 127.0.0.1:\(url.port!)\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Authorization: Bearer \(token)\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        // Only the answer's head: one byte at a time up to the blank line, nothing after it.
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { throw TestFailure("stalled socket: no upgrade answer") }
            head.append(byte)
        }
        guard String(decoding: head, as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            throw TestFailure("stalled socket: not upgraded: \(String(decoding: head, as: UTF8.self))")
        }
    }

    /// Starts reading again and drains what the kernel holds: true when the server had closed
    /// the connection (end of stream within `seconds`), false if data kept coming or it stayed open.
    public func drainFindsClosed(within seconds: Int) -> Bool {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = Date().addingTimeInterval(Double(seconds))
        while Date() < deadline {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
        return false
    }

    deinit { close(fd) }
}
