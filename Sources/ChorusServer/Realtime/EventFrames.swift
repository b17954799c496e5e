import ChorusCore
import ChorusStore
import Foundation
import NIOCore

/// The JSON frames of the event socket: `{"id", "type", "at", "conversationId", "data", "message"}`,
/// or `{"type": "batch", "events": [those, in id order]}` when several arrive together.
enum EventFrames {
    struct Item: Sendable, Equatable {
        let id: Int64
        let text: String
    }

    /// Batches stay under this size, so clients with modest frame limits take them whole.
    static let maxBatchBytes = 60_000

    /// The frames carrying `items`: single events as themselves, runs of them as batches.
    static func frames(_ items: [Item]) -> [ByteBuffer] {
        var frames: [ByteBuffer] = []
        var run: [Item] = []
        var size = 0
        func flush() {
            guard !run.isEmpty else { return }
            if run.count == 1 {
                frames.append(ByteBuffer(string: run[0].text))
            } else {
                var buffer = ByteBuffer()
                buffer.writeString(#"{"type":"batch","events":["#)
                for (index, item) in run.enumerated() {
                    if index > 0 { buffer.writeString(",") }
                    buffer.writeString(item.text)
                }
                buffer.writeString("]}")
                frames.append(buffer)
            }
            run.removeAll()
            size = 0
        }
        for item in items {
            if size + item.text.utf8.count > maxBatchBytes { flush() }
            run.append(item)
            size += item.text.utf8.count + 1
        }
        flush()
        return frames
    }

    struct Frame: Encodable {
        var id: Int64
        var type: String
        var at: Int64
        var conversationId: Int64?
        var data: JSONValue
        var message: MessageRecord?
    }

    static func text(_ event: FeedEvent) -> String {
        let frame = Frame(id: event.id, type: event.kind, at: event.at, conversationId: event.conversationID,
                          data: event.payload, message: event.message)
        return (try? String(decoding: JSONBody.encoder.encode(frame), as: UTF8.self)) ?? "{}"
    }
}
