import ChorusCore
import SQLKit

/// What a group commit's first statement reads: every channel, and the known customers (with
/// their conversations) that the group's messages come from. One statement for both — in the
/// transaction it also carries PostgreSQL's writer lock (`Database.transaction(opening:)`), so
/// the whole lookup costs one round trip instead of three (lock, channels, customers).
/// (PostgreSQL's short path, `storeInOneStatement`, finds them inside its one statement.)
///
/// It sees the database as it was when the statement began, possibly before another writer
/// released the lock. Contacts and conversations are
/// never deleted and are created or re-identified only by ingest, whose groups one instance
/// commits one at a time; with several instances, a customer created by another instance at
/// that moment is missed, its insert then hits the unique index, and the group commits again
/// batch by batch (GroupCommitter), each afresh.
struct IngestLookup {
    struct Known {
        var id: Int64
        var waID: String?
        var userID: String?
        var name: String?
        var username: String?
    }

    /// phone_number_id → channel id
    var channels: [String: Int64] = [:]
    /// "channel|wa_id" and "channel|user_id" → the customer
    var byWaID: [String: Known] = [:]
    var byUserID: [String: Known] = [:]
    /// contact id → (conversation, assignee)
    var conversationOf: [Int64: (Int64, Int64?)] = [:]

    /// Channel rows carry `phone_number_id`; customer rows carry `id`. Customers are looked up
    /// by the channel's phone number (a scalar subquery, so the (channel, wa_id) and
    /// (channel, user_id) indexes serve it on both engines).
    static func query(for batches: [InboundBatch]) -> SQLQueryString {
        var waIDs: [String: Set<String>] = [:], userIDs: [String: Set<String>] = [:]   // phone number → ids
        for batch in batches {
            for message in batch.messages {
                if let w = message.customer.waID { waIDs[message.phoneNumberID, default: []].insert(w) }
                if let u = message.customer.userID { userIDs[message.phoneNumberID, default: []].insert(u) }
            }
        }
        var query: SQLQueryString = """
            SELECT id AS channel_id, phone_number_id, CAST(NULL AS BIGINT) AS id, CAST(NULL AS TEXT) AS wa_id,
                CAST(NULL AS TEXT) AS user_id, CAST(NULL AS TEXT) AS name, CAST(NULL AS TEXT) AS username,
                CAST(NULL AS BIGINT) AS conversation_id, CAST(NULL AS BIGINT) AS assignee_id
            FROM channels
            """
        var conditions: [SQLQueryString] = []
        // Sorted, so that the same group shapes give the same statement text (prepared once on SQLite).
        for (phone, ids) in waIDs.sorted(by: { $0.key < $1.key }) {
            conditions.append("(k.channel_id = (SELECT id FROM channels WHERE phone_number_id = \(bind: phone)) AND k.wa_id IN (\(binds: paddedToPowerOfTwo(ids.sorted()))))")
        }
        for (phone, ids) in userIDs.sorted(by: { $0.key < $1.key }) {
            conditions.append("(k.channel_id = (SELECT id FROM channels WHERE phone_number_id = \(bind: phone)) AND k.user_id IN (\(binds: paddedToPowerOfTwo(ids.sorted()))))")
        }
        if !conditions.isEmpty {
            query.appendInterpolation(unsafeRaw: """

                UNION ALL
                SELECT k.channel_id, CAST(NULL AS TEXT), k.id, k.wa_id, k.user_id, k.name, k.username, c.id, c.assignee_id
                FROM contacts k LEFT JOIN conversations c ON c.channel_id = k.channel_id AND c.contact_id = k.id
                WHERE
                """)
            query.appendInterpolation(SQLList(conditions, separator: SQLRaw(" OR ")))
        }
        return query
    }

    /// The known customer `customer` is, if it brings no identity the stored one lacks (a new
    /// identity to link takes the careful path: `IngestRepository.contactID`).
    func known(_ customer: CustomerIdentity, channelID: Int64) -> Known? {
        guard let k = customer.userID.flatMap({ byUserID["\(channelID)|\($0)"] }) ?? customer.waID.flatMap({ byWaID["\(channelID)|\($0)"] }),
              customer.waID == nil || k.waID == customer.waID, customer.userID == nil || k.userID == customer.userID else { return nil }
        return k
    }

    /// Reads the rows of `query` (a row of NULLs, PostgreSQL's when nothing was found, is neither kind).
    init(_ rows: [any SQLRow]) throws {
        for row in rows {
            guard let channelID = try row.decode(column: "channel_id", as: Int64?.self) else { continue }
            if let phone = try row.decode(column: "phone_number_id", as: String?.self) {
                channels[phone] = channelID
                continue
            }
            guard let id = try row.decode(column: "id", as: Int64?.self) else { continue }
            let known = Known(id: id, waID: try row.decode(column: "wa_id", as: String?.self),
                              userID: try row.decode(column: "user_id", as: String?.self),
                              name: try row.decode(column: "name", as: String?.self),
                              username: try row.decode(column: "username", as: String?.self))
            if let w = known.waID { byWaID["\(channelID)|\(w)"] = known }
            if let u = known.userID { byUserID["\(channelID)|\(u)"] = known }
            if let conversation = try row.decode(column: "conversation_id", as: Int64?.self) {
                conversationOf[id] = (conversation, try row.decode(column: "assignee_id", as: Int64?.self))
            }
        }
    }
}
