/// Fewer index writes per inbound message. Every message moves its conversation in each index
/// keyed on its activity, and on a database of 2,000,000 messages each such move dirties a page
/// of its own, written to the WAL, fsynced and later checkpointed: on SQLite 7.3 pages per
/// message before this migration, 6.3 after (`bench/sqlite_pages_per_message.py`, BENCHMARKS.md
/// session 13). Most conversations have no team, and only the team filter (`team_id = ?`) reads
/// this index, so conversations without one leave it; `contacts_name` served the contact search
/// of migration 4, which uses the full-text index since migration 5.
let m0010LeanerIndexes = Migration(version: 10, name: "team index of teamed conversations only; no contact name index", sql: """
DROP INDEX conversations_team;
CREATE INDEX conversations_team ON conversations(team_id, last_message_at) WHERE team_id IS NOT NULL;
DROP INDEX contacts_name
""")
