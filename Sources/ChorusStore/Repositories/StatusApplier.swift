import ChorusCore
import SQLKit

/// Moves a sent message's status forward, never back (PRODUCT.md §1).
enum StatusApplier {
    /// Returns the message's conversation when the status changed.
    @discardableResult
    static func apply(channelID: Int64, wamid: String, status: MessageStatus, errorCode: Int?,
                      errorTitle: String?, errorDetails: String?, now: Int64,
                      _ sql: any SQLDatabase) async throws -> Int64? {
        let lower = MessageStatus.allCases.filter { $0.rank < status.rank }.map(\.rawValue)
        guard !lower.isEmpty else { return nil }
        let hint = errorCode.map { CloudAPIErrorCatalogue.entry(for: $0).hint }
        let errorColumns: SQLQueryString = status == .failed
            ? ", error_code = \(bind: errorCode), error_title = \(bind: errorTitle), error_details = \(bind: errorDetails), error_hint = \(bind: hint)"
            : ""
        let row = try await sql.raw("""
            UPDATE messages SET status = \(bind: status.rawValue), updated_at = \(bind: now) \(errorColumns)
            WHERE channel_id = \(bind: channelID) AND wamid = \(bind: wamid) AND direction = 'outbound'
                AND status IN (\(binds: lower))
            RETURNING id, conversation_id
            """).first()
        guard let row else { return nil }
        let conversationID = try row.decode(column: "conversation_id", as: Int64.self)
        let messageID = try row.decode(column: "id", as: Int64.self)
        try await EventLog.append(kind: "message.status", conversationID: conversationID, assigneeID: nil,
                                  payload: .object(["messageId": .int(messageID), "status": .string(status.rawValue)]),
                                  now: now, sql)
        return conversationID
    }

    /// After the sender learns a message's wamid, statuses that raced ahead of it are applied.
    static func applyRecorded(channelID: Int64, wamid: String, now: Int64, _ sql: any SQLDatabase) async throws {
        let rows = try await sql.raw("""
            SELECT status, error_code, raw FROM message_statuses WHERE channel_id = \(bind: channelID) AND wamid = \(bind: wamid)
            """).all()
        let statuses = try rows.compactMap { row -> (MessageStatus, Int?)? in
            guard let status = MessageStatus(rawValue: try row.decode(column: "status", as: String.self)) else { return nil }
            return (status, try row.decode(column: "error_code", as: Int?.self))
        }
        guard let best = statuses.max(by: { $0.0.rank < $1.0.rank }) else { return }
        _ = try await apply(channelID: channelID, wamid: wamid, status: best.0, errorCode: best.1,
                            errorTitle: nil, errorDetails: nil, now: now, sql)
    }
}
