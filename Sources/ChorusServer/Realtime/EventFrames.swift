import ChorusCore
import ChorusStore
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

    /// `{"at","conversationId","data","id","message","type"}`, keys sorted as the API's
    /// JSONEncoder writes them, written directly: the pump writes every event once for all
    /// devices, and JSONEncoder was ~5 % of the server's CPU during the fan-out.
    static func text(_ event: FeedEvent) -> String {
        var out = #"{"at":"#
        out.reserveCapacity(event.message == nil ? 128 : 512)
        out += String(event.at)
        if let conversation = event.conversationID { out += #","conversationId":"#; out += String(conversation) }
        out += #","data":"#
        event.payload.write(to: &out)
        out += #","id":"#
        out += String(event.id)
        if let message = event.message { out += #","message":"#; MessageJSON.write(message, to: &out) }
        out += #","type":"#
        JSONValue.writeString(event.kind, to: &out)
        out += "}"
        return out
    }
}
