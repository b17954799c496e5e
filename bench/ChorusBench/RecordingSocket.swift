import CBenchLinux
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A device's event socket for the fan-out measurement: each text frame is timestamped as the
/// read that completes it returns, and parsed only after the run. All devices' sockets are read
/// by one thread (`DeviceReader`) with epoll: with 200 sockets on the same 2 cores as the server,
/// NIO's event loops and channel pipelines made every frame cost the load generator more than
/// reading it does (LoopbackSockets.swift; BENCHMARKS.md, session 20). The server sees the same
/// client: an HTTP upgrade with a bearer token, then WebSocket frames, pings answered.
final class RecordingSocket: Sendable {
    private let fd: Int32
    private let recorded: Recorded

    /// Every text frame's bytes, copied into chunks, with where each frame is and when it arrived.
    /// Chunks rather than one growing array: no copy of megabytes on the reading thread when it
    /// outgrows its capacity. The first chunk, 4 MiB, is written once as the device connects: a
    /// full run's 5 s of fan-out bring each device ~2 MB, and when each of the 200 devices took a
    /// fresh 1 MiB chunk on the way, ~3 s in, the kernel faulting in and zeroing those 200 MiB
    /// doubled the reading thread's CPU and slowed the server beside it for about a second
    /// (BENCHMARKS.md, session 20). Later chunks (a longer `--fanout-seconds`) are 1 MiB.
    final class Recorded: Sendable {
        struct Store {
            static let chunkSize = 1 << 20
            static let firstChunkSize = 4 << 20
            var chunks: [[UInt8]] = {
                var first = [UInt8](repeating: 0, count: firstChunkSize)   // written: its pages faulted in now
                first.removeAll(keepingCapacity: true)
                return [first]
            }()
            var frames: [(chunk: Int, start: Int, end: Int, at: ContinuousClock.Instant)] = []

            mutating func append(_ frame: ArraySlice<UInt8>, at instant: ContinuousClock.Instant) {
                if chunks[chunks.count - 1].count + frame.count > chunks[chunks.count - 1].capacity {
                    var chunk: [UInt8] = []
                    chunk.reserveCapacity(max(Self.chunkSize, frame.count))
                    chunks.append(chunk)
                }
                let last = chunks.count - 1
                let start = chunks[last].count
                chunks[last].append(contentsOf: frame)
                frames.append((last, start, chunks[last].count, instant))
            }

            func text(_ index: Int) -> String {
                let frame = frames[index]
                return String(decoding: chunks[frame.chunk][frame.start..<frame.end], as: UTF8.self)
            }
        }
        let store = Mutex(Store())

        func append(_ frame: ArraySlice<UInt8>, at instant: ContinuousClock.Instant) {
            store.withLock { $0.append(frame, at: instant) }
        }
    }

    private init(fd: Int32, recorded: Recorded) {
        self.fd = fd
        self.recorded = recorded
    }

    /// The text frames so far, with the instant each arrived.
    var rawFrames: [(String, ContinuousClock.Instant)] {
        recorded.store.withLock { store in store.frames.indices.map { (store.text($0), store.frames[$0].at) } }
    }

    var frameCount: Int { recorded.store.withLock { $0.frames.count } }

    /// Has a text frame after the first `start` ones contained `text`?
    func hasFrame(containing text: String, after start: Int) -> Bool {
        recorded.store.withLock { store in (min(start, store.frames.count)..<store.frames.count).contains { store.text($0).contains(text) } }
    }

    /// Ends the session: the reading thread sees the end of the stream and closes the socket.
    func close() { DeviceReader.shared.shutDown(fd, recorded: recorded) }

    /// Opens `GET /api/v1/events` with the device's bearer token and waits for the hello frame.
    static func connect(host: String, port: Int, token: String) async throws -> RecordingSocket {
        let fd = try Loopback.connect(port: port)
        let key = Data((0..<16).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        let request = "GET /api/v1/events HTTP/1.1\r\nHost: \(host):\(port)\r\nAuthorization: Bearer \(token)\r\n"
            + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let received: [UInt8]
        do {
            try Loopback.send(fd, Array(request.utf8))
            received = try Loopback.readHead(fd, timeout: .seconds(5))
        } catch {
            Glibc.close(fd)
            throw error
        }
        let headEnd = Loopback.headEnd(received)!
        guard String(decoding: received[..<headEnd], as: UTF8.self).hasPrefix("HTTP/1.1 101") else {
            Glibc.close(fd)
            throw BenchError("the events socket was not upgraded: \(String(decoding: received[..<headEnd], as: UTF8.self))")
        }
        let recorded = Recorded()
        do { try DeviceReader.shared.add(fd, recorded: recorded, firstBytes: received[headEnd...]) } catch {
            Glibc.close(fd)
            throw error
        }
        let socket = RecordingSocket(fd: fd, recorded: recorded)
        let deadline = ContinuousClock.now + .seconds(2)
        while socket.frameCount == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return socket
    }
}

/// The thread that reads every device socket: epoll, then each ready socket drained into its
/// WebSocket frame parser (`FrameStream`).
final class DeviceReader: Sendable {
    static let shared = try! DeviceReader()

    private let epoll: Epoll
    private let streams = Mutex<[Int32: FrameStream]>([:])

    private init() throws {
        epoll = try Epoll()
        Thread { [self] in
            bench_name_thread("device-reader")   // as `top -H` and /proc show it
            self.run()
        }.start()
    }

    func add(_ fd: Int32, recorded: RecordingSocket.Recorded, firstBytes: ArraySlice<UInt8>) throws {
        let stream = FrameStream(fd: fd, recorded: recorded)
        if !firstBytes.isEmpty { _ = stream.consume(firstBytes, at: .now) }
        streams.withLock { $0[fd] = stream }
        do { try epoll.add(fd) } catch {
            streams.withLock { $0[fd] = nil }
            throw error
        }
    }

    /// Shuts the socket down if it is still this device's (the reading thread closes it then):
    /// a socket the server closed is closed already, and its number may belong to another.
    func shutDown(_ fd: Int32, recorded: RecordingSocket.Recorded) {
        streams.withLock { streams in
            if streams[fd]?.recorded === recorded { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    private func run() {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 << 10, alignment: 16)
        while true {
            epoll.wait(milliseconds: -1) { fd in   // a socket closed by `close()` wakes it with its end
                guard let stream = streams.withLock({ $0[fd] }) else { return }
                while true {
                    let read: Int?
                    do { read = try Loopback.receive(fd, into: buffer) } catch { return drop(fd) }
                    guard let count = read else { return }   // nothing more for now
                    let now = ContinuousClock.now
                    guard count > 0, stream.consume(ArraySlice(UnsafeRawBufferPointer(rebasing: buffer[..<count])), at: now) else {
                        return drop(fd)   // the end of the stream, or the server closed the session
                    }
                    if count < buffer.count { return }
                }
            }
        }
    }

    private func drop(_ fd: Int32) {
        epoll.remove(fd)
        streams.withLock { streams in
            streams[fd] = nil
            Glibc.close(fd)
        }
    }
}

/// One device's incoming WebSocket frames (server frames: unmasked), parsed as they arrive:
/// text messages go to its record, pings are answered. Used on the reading thread only.
final class FrameStream: @unchecked Sendable {
    private let fd: Int32
    let recorded: RecordingSocket.Recorded
    /// Bytes of a frame not yet complete.
    private var pending: [UInt8] = []
    /// A text message sent in fragments, so far.
    private var fragments: [UInt8]? = nil

    init(fd: Int32, recorded: RecordingSocket.Recorded) {
        self.fd = fd
        self.recorded = recorded
    }

    /// Takes bytes read at `instant`; false when the server closed the session.
    func consume(_ bytes: ArraySlice<UInt8>, at instant: ContinuousClock.Instant) -> Bool {
        pending += bytes
        var start = 0
        defer { pending.removeFirst(start) }
        while pending.count - start >= 2 {
            let first = pending[start], second = pending[start + 1]
            var length = Int(second & 0x7F), header = 2
            if length == 126 {
                guard pending.count - start >= 4 else { break }
                length = Int(pending[start + 2]) << 8 | Int(pending[start + 3])
                header = 4
            } else if length == 127 {
                guard pending.count - start >= 10 else { break }
                length = (2..<10).reduce(0) { $0 << 8 | Int(pending[start + $1]) }
                header = 10
            }
            let mask = second & 0x80 != 0 ? Array(pending[(start + header)..<min(pending.count, start + header + 4)]) : nil
            if mask != nil { header += 4 }
            guard pending.count - start >= header + length else { break }
            var payload = pending[(start + header)..<(start + header + length)]
            if let mask, mask.count == 4 {
                payload = ArraySlice(payload.enumerated().map { $0.element ^ mask[$0.offset % 4] })
            }
            start += header + length
            let fin = first & 0x80 != 0
            switch first & 0x0F {
            case 1 where fin: recorded.append(payload, at: instant)
            case 1: fragments = Array(payload)
            case 0:
                fragments? += payload
                if fin, let message = fragments {
                    recorded.append(message[...], at: instant)
                    fragments = nil
                }
            case 9: pong(payload)
            case 8: return false
            default: break
            }
        }
        return true
    }

    /// Answers a ping (the server's keep-alive) with a masked pong, as a client must.
    private func pong(_ payload: ArraySlice<UInt8>) {
        let mask = (0..<4).map { _ in UInt8.random(in: 0...255) }
        var frame: [UInt8] = [0x8A, 0x80 | UInt8(payload.count)] + mask
        frame += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        try? Loopback.send(fd, frame)
    }
}
