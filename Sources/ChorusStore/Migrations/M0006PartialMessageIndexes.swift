/// Indexes that only the few messages they serve enter: media still to fetch, replies queued or
/// being sent, messages deleted and waiting out their retention. An inbound message is in none of
/// them, so storing one updates three indexes instead of six (the ingest hot path, BENCHMARKS.md).
let m0006PartialMessageIndexes = Migration(version: 6, name: "partial indexes on messages", sql: """
DROP INDEX messages_media_pending;
CREATE INDEX messages_media_pending ON messages(id) WHERE media_status = 'pending';
DROP INDEX messages_outbox;
CREATE INDEX messages_outbox ON messages(next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX messages_sending ON messages(id) WHERE status = 'sending';
DROP INDEX messages_deleted;
CREATE INDEX messages_deleted ON messages(deleted_at) WHERE deleted_at IS NOT NULL
""")
