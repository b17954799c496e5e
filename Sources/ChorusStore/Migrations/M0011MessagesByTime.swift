/// Messages by their time, for a new device's sync (`SyncRepository.messages`), which pages
/// through the last days' messages by (time, id). Before, it paged by id alone and filtered
/// by time: the primary key was walked from the table's oldest message, so each sync read the
/// rows of every message ever stored — on 2,000,000 messages, 12 times those it sent
/// (BENCHMARKS.md session 14). New messages arrive with the current time, so they are added at
/// the index's end: on SQLite 6.28 → 6.37 pages written per message, about three more per group
/// commit of 30 (`bench/sqlite_pages_per_message.py` on the full run's data). Built in one go
/// on start (1.8 s for 2,000,000 messages on PostgreSQL here); meanwhile messages cannot be
/// written, so other instances' webhooks wait that long.
let m0011MessagesByTime = Migration(version: 11, name: "messages by time, for the sync", sql: """
CREATE INDEX messages_time ON messages(meta_timestamp, id)
""")
