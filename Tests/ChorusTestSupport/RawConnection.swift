import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain TCP connection to a test server, for what HTTP clients never do on purpose: open a
/// connection and send nothing (as browsers do ahead of need), send half a request, or stop
/// reading.
public final class RawConnection: @unchecked Sendable {
    // @unchecked: used by one test task at a time.
    private let fd: Int32

    public init(baseURL: String) throws {
        let port = URL(string: baseURL)!.port!
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw TestFailure("raw connection: connect failed") }
    }

    public func send(_ text: String) {
        _ = text.withCString { Glibc.send(fd, $0, strlen($0), 0) }
    }

    /// Reads an answer's head, one byte at a time up to the blank line, leaving the rest unread.
    public func readHead() throws -> String {
        var head: [UInt8] = []
        var byte: UInt8 = 0
        while !head.suffix(4).elementsEqual([13, 10, 13, 10]) {
            guard recv(fd, &byte, 1, 0) == 1 else { throw TestFailure("raw connection: no answer") }
            head.append(byte)
        }
        return String(decoding: head, as: UTF8.self)
    }

    /// Reads one whole answer (a `Content-Length` body): its status, headers (names in lower
    /// case) and body.
    public func readAnswer() throws -> (status: Int, headers: [String: String], body: String) {
        var timeout = timeval(tv_sec: 15, tv_usec: 0)   // a server that never answers fails the test
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let lines = try readHead().split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ")[1]) else {
            throw TestFailure("raw connection: no status line")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        var body = [UInt8](repeating: 0, count: length)
        var read = 0
        while read < length {
            let n = body.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + read, length - read, 0) }
            guard n > 0 else { throw TestFailure("raw connection: the body ended early") }
            read += n
        }
        return (status, headers, String(decoding: body, as: UTF8.self))
    }

    /// Starts reading and drains what the kernel holds: true when the server had closed the
    /// connection (end of stream within `seconds`), false if data kept coming or it stayed open.
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
