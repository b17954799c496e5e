/// Messages by their time, for a new device's sync (`SyncRepository.messages`), which pages
/// through the last days' messages by (time, id). Before, it paged by id alone and filtered
/// by time: the primary key was walked from the table's oldest message, so each sync read the
/// rows of every message ever stored — on 2,000,000 messages, 12 times those it sent
/// (BENCHMARKS.md session 14). New messages arrive with the current time, so they are added at
/// the index's end: about one more page per group commit, not one per message.
let m0011MessagesByTime = Migration(version: 11, name: "messages by time, for the sync", sql: """
CREATE INDEX messages_time ON messages(meta_timestamp, id)
""")
