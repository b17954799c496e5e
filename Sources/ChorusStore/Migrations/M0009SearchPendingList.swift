/// PostgreSQL's full-text (GIN) indexes keep new entries in a pending list and merge it into the
/// index when it passes `gin_pending_list_limit` (4 MB by default) — inside the insert that
/// passes it, which on the ingest path holds the writer lock: every webhook waited behind a
/// merge of up to 0.6 s, about twice a minute at 1,000 messages/s (`bench/pg-gin-pending`,
/// BENCHMARKS.md). At the smallest limit (64 kB) each merge is small and the median commit
/// costs what it did; with the list off (`fastupdate = off`) the median commit doubled.
/// The lists already pending are merged here, once. (SQLite's FTS5 merges its segments a
/// bounded amount per transaction, its automerge: no such pause, `bench/sqlite_fts_tail.py`.)
let m0009SearchPendingList = Migration(version: 9, name: "small pending lists for the search indexes", sql: "",
                                       postgresOnly: """
ALTER INDEX messages_search SET (gin_pending_list_limit = 64);
ALTER INDEX contacts_search SET (gin_pending_list_limit = 64);
SELECT gin_clean_pending_list('messages_search'::regclass);
SELECT gin_clean_pending_list('contacts_search'::regclass)
""")
