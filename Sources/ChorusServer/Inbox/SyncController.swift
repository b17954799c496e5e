import ChorusCore
import ChorusStore
import Foundation
import Hummingbird

/// `GET /api/v1/sync?days=7`: everything a new device needs, streamed as NDJSON (one JSON
/// object per line) with progress: `start` (totals and the event id to continue from on the
/// WebSocket), `conversations` and `messages` batches, `progress`, then `end`.
struct SyncController {
    let sync: SyncRepository
    let pump: EventPump

    static let messageBatch = 2000

    func stream(_ request: Request, context: ChorusRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let daysText = request.uri.queryParameters.get("days") ?? "7"
        guard let days = Int(daysText), (1...90).contains(days) else {
            throw ChorusError.badRequest("invalid_days", "days must be between 1 and 90.")
        }
        let scope = AccessPolicy.scope(for: actor)
        let since = Clock.nowMillis() - Int64(days) * 86_400_000
        let lastEventID = pump.highWater
        let totals = try await sync.totals(scope: scope, since: since)
        let sync = self.sync
        let body = ResponseBody { writer in
            func line(_ value: some Encodable) async throws {
                var data = try JSONBody.encoder.encode(value)
                data.append(0x0A)
                try await writer.write(ByteBuffer(bytes: data))
            }
            struct Start: Encodable { var type = "start"; var conversations: Int; var messages: Int; var lastEventId: Int64; var since: Int64 }
            struct Progress: Encodable { var type: String; var messages: Int; var total: Int }
            try await line(Start(conversations: totals.conversations, messages: totals.messages, lastEventId: lastEventID, since: since))
            var after: Int64 = 0
            while true {
                let page = try await sync.conversations(scope: scope, since: since, afterID: after, limit: 500)
                guard let last = page.last else { break }
                try await writer.write(ByteBuffer(string: SyncBatchLine.make("conversations", page, bytesPerItem: 300, ConversationJSON.write)))
                after = last.id
            }
            var sent = 0
            // The next page is read while this one is encoded and written, so the database's
            // work overlaps ours (on PostgreSQL it runs in another process, on another core).
            func read(after: SyncRepository.MessageCursor?) -> Task<[MessageRecord], any Error> {
                Task { try await sync.messages(scope: scope, since: since, after: after, limit: Self.messageBatch) }
            }
            var next: Task<[MessageRecord], any Error>? = read(after: nil)
            defer { next?.cancel() }
            while let reading = next {
                let page = try await reading.value
                guard let last = page.last else { break }
                next = page.count < Self.messageBatch ? nil : read(after: .init(timestamp: last.timestamp, id: last.id))
                try await writer.write(ByteBuffer(string: SyncBatchLine.make("messages", page, bytesPerItem: 400, MessageJSON.write)))
                sent += page.count
                try await line(Progress(type: "progress", messages: sent, total: max(totals.messages, sent)))
            }
            try await line(Progress(type: "end", messages: sent, total: max(totals.messages, sent)))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/x-ndjson"], body: body)
    }
}
