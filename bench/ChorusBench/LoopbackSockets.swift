import CBenchLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Plain loopback TCP for the fan-out's load generator: sockets read by one thread with epoll,
/// with no event-loop framework in between. Why not SwiftNIO, as the rest of the bench: the
/// generator shares the 2 cores with the server and its database, and NIO's event loops,
/// pipelines and the task hops around them cost it ~0.4 of a core during the fan-out — CPU the
/// server waited for (BENCHMARKS.md, session 20). Sockets stay blocking for writes (a webhook or
/// a pong is small, and loopback's send buffer takes it at once) and are read with MSG_DONTWAIT
/// when epoll says there is something.
enum Loopback {
    /// A connected socket to 127.0.0.1:`port`, Nagle off (each request goes out as written).
    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket(): errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let error = errno
            Glibc.close(fd)
            throw BenchError("connect to 127.0.0.1:\(port): errno \(error)")
        }
        return fd
    }

    /// Writes all of `bytes` (blocking).
    static func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BenchError("send: errno \(errno)")
                }
                offset += written
            }
        }
    }

    /// What can be read now: the byte count, 0 at the end of the stream, nil when nothing is there.
    static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws -> Int? {
        while true {
            let count = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return nil
            default: throw BenchError("recv: errno \(errno)")
            }
        }
    }

    /// Reads (blocking, at most `timeout`) until the bytes so far contain an HTTP head's end;
    /// returns them all (the head and whatever followed it in the same reads).
    static func readHead(_ fd: Int32, timeout: Duration) throws -> [UInt8] {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while headEnd(received) == nil {
            guard ContinuousClock.now < deadline else { throw BenchError("no HTTP answer within \(timeout)") }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) >= 0 || errno == EINTR else { throw BenchError("poll: errno \(errno)") }
            let count = try chunk.withUnsafeMutableBytes { try receive(fd, into: $0) }
            if count == 0 { throw BenchError("the connection closed before the answer's head") }
            if let count { received += chunk[..<count] }
        }
        return received
    }

    /// Where an HTTP head ends (the index after its blank line), if `bytes` hold all of it.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 3..<bytes.count
            where bytes[index] == 10 && bytes[index - 1] == 13 && bytes[index - 2] == 10 && bytes[index - 3] == 13 {
            return index + 1
        }
        return nil
    }
}

/// An epoll instance: sockets (and timers) registered for reading, and a wait for those ready.
final class Epoll: @unchecked Sendable {
    // @unchecked: `add` and `remove` are thread-safe system calls; `wait` runs on one thread.
    let fd: Int32
    private let events: UnsafeMutablePointer<epoll_event>
    private let capacity: Int32 = 256

    init() throws {
        fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw BenchError("epoll_create1: errno \(errno)") }
        events = .allocate(capacity: Int(capacity))
    }

    deinit {
        events.deallocate()
        Glibc.close(fd)
    }

    func add(_ socket: Int32) throws {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = socket
        guard epoll_ctl(fd, EPOLL_CTL_ADD, socket, &event) == 0 else { throw BenchError("epoll_ctl: errno \(errno)") }
    }

    func remove(_ socket: Int32) {
        epoll_ctl(fd, EPOLL_CTL_DEL, socket, nil)
    }

    /// Waits up to `milliseconds` (-1: without limit), then calls `ready` for each ready descriptor.
    func wait(milliseconds: Int32, _ ready: (Int32) throws -> Void) rethrows {
        let count = epoll_wait(fd, events, capacity, milliseconds)
        guard count > 0 else { return }
        for index in 0..<Int(count) { try ready(events[index].data.fd) }
    }
}

/// A one-shot monotonic timer that epoll can wait on.
final class OneShotTimer: @unchecked Sendable {
    // @unchecked: used on one thread.
    let fd: Int32

    init() throws {
        fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard fd >= 0 else { throw BenchError("timerfd_create: errno \(errno)") }
    }

    deinit { Glibc.close(fd) }

    /// Fires once, `delay` from now (at once if it is not positive).
    func arm(in delay: Duration) {
        let (seconds, attoseconds) = delay.components
        let nanoseconds = seconds > 0 || attoseconds > 0 ? max(Int64(1), seconds * 1_000_000_000 + attoseconds / 1_000_000_000) : 1
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(nanoseconds / 1_000_000_000)
        spec.it_value.tv_nsec = Int(nanoseconds % 1_000_000_000)
        timerfd_settime(fd, 0, &spec, nil)
    }

    /// Clears a fired timer (epoll reports it until it is read).
    func clear() {
        var expirations: UInt64 = 0
        _ = read(fd, &expirations, 8)
    }
}
