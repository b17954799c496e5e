/// Statuses find their message by wamid, and only outbound messages get statuses
/// (StatusApplier); customers' messages no longer enter this index. Each inbound message
/// entered it at a random place (wamids are random), one more page written per message on
/// the ingest path (BENCHMARKS.md).
let m0008OutboundWamidIndex = Migration(version: 8, name: "wamid index for outbound messages only", sql: """
DROP INDEX messages_wamid;
CREATE INDEX messages_wamid ON messages(channel_id, wamid) WHERE direction = 'outbound'
""")
