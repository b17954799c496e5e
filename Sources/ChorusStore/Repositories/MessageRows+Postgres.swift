import ChorusCore
import PostgresNIO

extension MessageRows {
    /// PostgreSQL: a message row decoded in one pass over its cells, each with the decoder of
    /// its column's type — when the row's columns start with `columns`, in order; nil otherwise,
    /// or when a cell does not decode as expected, for the caller's column-by-column path. Why:
    /// a new device's sync decodes 17 columns of every message it sends, and finding each by
    /// name and choosing its decoder at run time was a quarter of the server's CPU in a
    /// 156,000-message sync (BENCHMARKS.md session 14).
    static func decodeInOnePass(_ row: PostgresFastRow) -> MessageRecord? {
        guard row.columns.names.starts(with: columnNames) else { return nil }
        var cells = row.row.makeIterator()
        // Each call with a concrete type, so that it is specialised (PostgresNIO's variadic
        // tuple decode was not, and looked up generic metadata for every cell).
        func next<T: PostgresDecodable>(_ type: T.Type) throws -> T {
            guard let cell = cells.next() else { throw MissingCell() }
            return try cell.decode(T.self)
        }
        do {
            return record(
                id: try next(Int64.self), conversationID: try next(Int64.self), wamid: try next(String?.self),
                direction: try next(String.self), type: try next(String.self), status: try next(String.self),
                text: try next(String?.self), content: try next(String.self), replyToWamid: try next(String?.self),
                senderMemberID: try next(Int64?.self), timestamp: try next(Int64.self), errorCode: try next(Int?.self),
                errorTitle: try next(String?.self), errorDetails: try next(String?.self), errorHint: try next(String?.self),
                mediaRef: try next(Int64?.self), mediaStatus: try next(String?.self))
        } catch {
            return nil
        }
    }

    private struct MissingCell: Error {}
}
