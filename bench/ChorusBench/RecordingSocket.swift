import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import Synchronization

/// A device's event socket for the fan-out measurement: each text frame is timestamped by a
/// handler on the event loop as it arrives, and parsed only after the run. Why not TestSocket:
/// it hands every frame to a task through an async sequence, and with 200 sockets on the same
/// 2 cores as the server the load generator used about 86 % of one core during the fan-out,
/// about 74 % with this one (BENCHMARKS.md) — time the server waited for. The server sees the
/// same client either way.
final class RecordingSocket: Sendable {
    private let channel: any Channel
    private let recorded: Recorded

    /// Every text frame's bytes, copied into chunks of 1 MiB, with where each frame is and when it
    /// arrived. Copied, not kept as the ByteBuffer the decoder hands over: that is a slice of
    /// the socket's receive buffer, and with every slice kept NIO could reuse none of them —
    /// each read malloc'ed fresh memory and faulted its pages in, a third of the load
    /// generator's CPU during the fan-out (BENCHMARKS.md, session 18). Chunks rather than one
    /// growing array: no copy of megabytes on the event loop when it outgrows its capacity.
    final class Recorded: Sendable {
        struct Store {
            static let chunkSize = 1 << 20
            var chunks: [[UInt8]] = []
            var frames: [(chunk: Int, start: Int, end: Int, at: ContinuousClock.Instant)] = []

            mutating func append(_ frame: ByteBuffer, at instant: ContinuousClock.Instant) {
                if chunks.isEmpty || chunks[chunks.count - 1].count + frame.readableBytes > Self.chunkSize {
                    var chunk: [UInt8] = []
                    chunk.reserveCapacity(max(Self.chunkSize, frame.readableBytes))
                    chunks.append(chunk)
                }
                let last = chunks.count - 1
                let start = chunks[last].count
                chunks[last].append(contentsOf: frame.readableBytesView)
                frames.append((last, start, chunks[last].count, instant))
            }

            func text(_ index: Int) -> String {
                let frame = frames[index]
                return String(decoding: chunks[frame.chunk][frame.start..<frame.end], as: UTF8.self)
            }
        }
        let store = Mutex(Store())

        func append(_ frame: ByteBuffer, at instant: ContinuousClock.Instant) {
            store.withLock { $0.append(frame, at: instant) }
        }
    }

    private init(channel: any Channel, recorded: Recorded) {
        self.channel = channel
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

    func close() { channel.close(promise: nil) }

    /// Opens `GET /api/v1/events` with the device's bearer token and waits for the hello frame.
    static func connect(host: String, port: Int, token: String) async throws -> RecordingSocket {
        let recorded = Recorded()
        let upgraded: EventLoopFuture<(any Channel)?> = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = NIOTypedWebSocketClientUpgrader<(any Channel)?>(maxFrameSize: 1 << 20, upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(FrameRecorder(recorded))
                            return channel
                        }
                    })
                    var headers = HTTPHeaders()
                    headers.add(name: "Host", value: "\(host):\(port)")
                    headers.add(name: "Authorization", value: "Bearer \(token)")
                    headers.add(name: "Content-Length", value: "0")
                    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/api/v1/events", headers: headers)
                    let configuration = NIOTypedHTTPClientUpgradeConfiguration<(any Channel)?>(
                        upgradeRequestHead: head, upgraders: [upgrader],
                        notUpgradingCompletionHandler: { channel in channel.eventLoop.makeSucceededFuture(nil) })
                    return try channel.pipeline.syncOperations.configureUpgradableHTTPClientPipeline(
                        configuration: .init(upgradeConfiguration: configuration))
                }
            }
        guard let channel = try await upgraded.get() else { throw BenchError("the events socket was not upgraded") }
        let socket = RecordingSocket(channel: channel, recorded: recorded)
        let deadline = ContinuousClock.now + .seconds(2)
        while socket.frameCount == 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return socket
    }
}

/// Keeps each text frame with its arrival time; answers pings (the server's keep-alive).
private final class FrameRecorder: ChannelInboundHandler, @unchecked Sendable {
    // @unchecked: used on its channel's event loop only.
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    private let recorded: RecordingSocket.Recorded

    init(_ recorded: RecordingSocket.Recorded) { self.recorded = recorded }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let now = ContinuousClock.now
            recorded.append(frame.unmaskedData, at: now)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }
}
