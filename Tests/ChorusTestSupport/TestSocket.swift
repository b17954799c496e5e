import ChorusCore
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging

/// A device's event WebSocket in a test: a real client over TCP that collects every frame and
/// how the server closed it.
public final class TestSocket: Sendable {
    public let frames = Locked<[JSONValue]>([])
    /// Unparsed frames with the instant each arrived, when connected with `parse: false`
    /// (benchmarks parse after the run, so the load generator's own work stays out of the timing).
    public let rawFrames = Locked<[(String, ContinuousClock.Instant)]>([])
    public let closed = Locked<(code: Int, reason: String)?>(nil)
    private let task: Locked<Task<Void, Never>?> = Locked(nil)
    private let stop = Locked<Bool>(false)
    private let writer = Locked<WebSocketOutboundWriter?>(nil)

    /// Sends a JSON frame to the server (presence: viewing, typing).
    public func send(_ frame: JSONValue) async throws {
        guard let writer = writer.value else { throw TestFailure("socket not open") }
        try await writer.write(.text(frame.serialized))
    }

    /// Connects with the device's bearer token; waits for the server's hello frame.
    public static func connect(_ server: TestServer, token: String, lastEventID: Int64? = nil) async throws -> TestSocket {
        try await connect(baseURL: server.baseURL, token: token, lastEventID: lastEventID)
    }

    /// Connects to any Chorus (or a load balancer in front of several).
    public static func connect(baseURL: String, token: String, lastEventID: Int64? = nil, parse: Bool = true) async throws -> TestSocket {
        let socket = TestSocket()
        var url = baseURL.replacingOccurrences(of: "http://", with: "ws://") + "/api/v1/events"
        if let lastEventID { url += "?last_event_id=\(lastEventID)" }
        var configuration = WebSocketClientConfiguration()
        configuration.maxFrameSize = 1 << 20
        configuration.additionalHeaders = [.authorization: "Bearer \(token)"]
        let started = Task {
            do {
                let close = try await WebSocketClient.connect(url: url, configuration: configuration, logger: Logger(label: "test-socket")) { inbound, outbound, _ in
                    socket.writer.withLock { $0 = outbound }
                    for try await message in inbound.messages(maxSize: 16 << 20) {
                        guard case .text(let text) = message else { continue }
                        if !parse {
                            socket.rawFrames.withLock { $0.append((text, .now)) }
                        } else if let value = try? JSONValue.parse(text.utf8) {
                            // A batch frame carries several events: keep them one by one, in order.
                            let values = value["type"]?.string == "batch" ? (value["events"]?.array ?? []) : [value]
                            socket.frames.withLock { $0.append(contentsOf: values) }
                        }
                        if socket.stop.value { return }
                    }
                }
                var code = 1000
                if let close {
                    switch close.closeCode {
                    case .normalClosure: code = 1000
                    case .goingAway: code = 1001
                    case .policyViolation: code = 1008
                    case .unknown(let n): code = Int(n)
                    default: code = 1002
                    }
                }
                socket.closed.withLock { $0 = (code, close?.reason ?? "") }
            } catch {
                socket.closed.withLock { $0 = (-1, "\(error)") }
            }
        }
        socket.task.withLock { $0 = started }
        if parse {
            try await socket.waitFor(2, "the hello frame") { $0.contains { $0["type"]?.string == "hello" } }
        } else {
            let deadline = Date().addingTimeInterval(2)
            while socket.rawFrames.value.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        return socket
    }

    /// Event frames (those with an id), in arrival order.
    public var events: [JSONValue] { frames.value.filter { $0["id"]?.int != nil } }

    public func waitFor(_ seconds: Double = 5, _ what: String, _ condition: @Sendable ([JSONValue]) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(frames.value) { return }
            if closed.value != nil { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        if condition(frames.value) { return }
        throw TestFailure("socket: timed out waiting for \(what); got \(frames.value.count) frames, closed: \(String(describing: closed.value))")
    }

    public func waitForClose(_ seconds: Double = 5) async throws -> (code: Int, reason: String) {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if let closed = closed.value { return closed }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw TestFailure("socket was not closed")
    }

    public func close() async {
        stop.withLock { $0 = true }
        task.value?.cancel()
        _ = await task.value?.value
    }
}
