import CBenchLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Sends prepared HTTP requests on a schedule over keep-alive loopback connections, from one
/// thread with epoll and a timer, and times each from its write to its answer's last byte.
/// Request `k` goes on connection `k % connections`, each connection one request at a time:
/// a request due while its connection still waits for an answer goes out right after that
/// answer (PacedWebhooks says what that means for the figures). Why one thread and plain
/// sockets: LoopbackSockets.swift.
final class PacedSender: Sendable {
    struct Request {
        let due: ContinuousClock.Instant
        let bytes: [UInt8]
    }

    /// When each request was written and when its answer's last byte was read.
    typealias Times = (posted: [ContinuousClock.Instant], answered: [ContinuousClock.Instant])

    private let sockets: [Int32]

    /// Connects first, so that the schedule's first requests are not late by the connecting.
    init(port: Int, connections: Int) throws {
        var sockets: [Int32] = []
        do {
            for _ in 0..<connections { sockets.append(try Loopback.connect(port: port)) }
        } catch {
            for fd in sockets { Glibc.close(fd) }
            throw error
        }
        self.sockets = sockets
    }

    deinit { for fd in sockets { Glibc.close(fd) } }

    /// Runs the schedule on a thread of its own; returns when every request is answered. An
    /// answer other than 200, a closed connection or 30 s without an answer ends it with an error.
    func run(_ requests: [Request]) async throws -> Times {
        let sockets = self.sockets
        return try await withCheckedThrowingContinuation { continuation in
            Thread {
                bench_name_thread("paced-sender")
                continuation.resume(with: Result { try Self.loop(requests, sockets: sockets) })
            }.start()
        }
    }

    /// One connection's state in the loop.
    private final class Connection {
        let fd: Int32
        /// The next request of this connection's share (`k % connections`), and whether it is
        /// written and waiting for its answer.
        var next: Int
        var waiting = false
        var received: [UInt8] = []

        init(fd: Int32, first: Int) {
            self.fd = fd
            self.next = first
        }
    }

    private static func loop(_ requests: [Request], sockets: [Int32]) throws -> Times {
        let epoll = try Epoll()
        let timer = try OneShotTimer()
        try epoll.add(timer.fd)
        let connections = sockets.enumerated().map { Connection(fd: $0.element, first: $0.offset) }
        var byDescriptor: [Int32: Connection] = [:]
        for connection in connections {
            byDescriptor[connection.fd] = connection
            try epoll.add(connection.fd)
        }
        let never = ContinuousClock.Instant.now
        var posted = Array(repeating: never, count: requests.count)
        var answered = Array(repeating: never, count: requests.count)
        var answers = 0
        var scheduled = 0          // requests before this one have come due
        var lastProgress = ContinuousClock.now
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
        defer { buffer.deallocate() }

        // Writes the connection's next request if it is due and the connection is free.
        func sendIfDue(_ connection: Connection, now: ContinuousClock.Instant) throws {
            let k = connection.next
            guard !connection.waiting, k < requests.count, requests[k].due <= now else { return }
            posted[k] = .now
            try Loopback.send(connection.fd, requests[k].bytes)
            connection.waiting = true
        }

        while answers < requests.count {
            let now = ContinuousClock.now
            while scheduled < requests.count && requests[scheduled].due <= now {
                try sendIfDue(connections[scheduled % connections.count], now: now)
                scheduled += 1
            }
            if scheduled < requests.count { timer.arm(in: requests[scheduled].due - .now) }
            guard now - lastProgress < .seconds(30) else { throw BenchError("no webhook answered for 30 s") }
            try epoll.wait(milliseconds: 1000) { fd in
                if fd == timer.fd { return timer.clear() }
                guard let connection = byDescriptor[fd] else { return }
                while let count = try Loopback.receive(fd, into: buffer) {
                    guard count > 0 else { throw BenchError("the server closed a webhook connection") }
                    let at = ContinuousClock.now
                    connection.received += UnsafeRawBufferPointer(rebasing: buffer[..<count])
                    while let (status, length) = try answer(in: connection.received) {
                        guard status == 200 else { throw BenchError("webhook answered \(status)") }
                        connection.received.removeFirst(length)
                        answered[connection.next] = at
                        answers += 1
                        lastProgress = at
                        connection.waiting = false
                        connection.next += connections.count
                        try sendIfDue(connection, now: at)
                    }
                    if count < buffer.count { break }
                }
            }
        }
        return (posted, answered)
    }

    /// A whole HTTP answer at the start of `bytes`: its status and length, or nil if incomplete.
    static func answer(in bytes: [UInt8]) throws -> (status: Int, length: Int)? {
        guard let headEnd = Loopback.headEnd(bytes) else { return nil }
        let head = String(decoding: bytes[..<headEnd], as: UTF8.self)
        let lines = head.split(separator: "\r\n")
        guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.dropFirst(9).prefix(3)) else { throw BenchError("not an HTTP answer: \(head)") }
        var bodyLength = 0
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            if lower.hasPrefix("content-length:") {
                bodyLength = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0
            } else if lower.hasPrefix("transfer-encoding:") {
                throw BenchError("a chunked answer, which this sender does not read: \(head)")
            }
        }
        return bytes.count >= headEnd + bodyLength ? (status, headEnd + bodyLength) : nil
    }
}
