#!/usr/bin/env python3
"""Pages written to the WAL per ingested message, on a copy of a generated SQLite database:
groups of 30 messages to random conversations, stored with the multi-row statements ingest uses
(insert the messages, update their conversations, rename their customers or not, log the
events), one transaction and one fsync each, as `chorus serve` writes them (synchronous=FULL).
Each page written is a WAL frame written and fsynced, and later copied into the database file by
a checkpoint: on a large database, where each message's conversation sits on pages of its own,
this is what a message costs the disk.

  chorus-bench inbox --keep-data /work/bench-data     # once: the full run's data, kept
  python3 bench/sqlite_pages_per_message.py /work/bench-data/chorus.sqlite

The statements mirror `IngestRepository.storeMessages` (IngestRepository+Messages.swift) in
their effect on rows and indexes; a change there that writes other rows belongs here too.

Variants: as the schema is now (migration 11's index added to an older copy); without migration
11's index; with the customers renamed by every message (the fan-out bench before session 13);
with migration 10's indexes put back as they were before it.
"""
import os, random, shutil, sqlite3, sys, tempfile, time


def run(source, label, renames=False, setup=(), groups=40, size=30):
    directory = tempfile.mkdtemp(prefix="chorus-pages-")
    path = os.path.join(directory, "chorus.sqlite")
    shutil.copy(source, path)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=wal", "synchronous=full", "temp_store=memory", "wal_autocheckpoint=0"):
        db.execute("PRAGMA " + pragma)
    for statement in setup:
        db.execute(statement)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conversations = db.execute("SELECT max(id) FROM conversations").fetchone()[0]
    rnd, stored, started = random.Random(7), 0, time.time()
    for group in range(groups):
        ids = sorted({rnd.randrange(1, conversations + 1) for _ in range(size)})
        now = 1_800_000_000_000 + group
        db.execute("BEGIN IMMEDIATE")
        rows, args = [], []
        for i, conversation in enumerate(ids):
            rows.append("(1, ?, ?, ?, 'inbound', 'text', 'received', ?, '{}', ?, ?, ?)")
            args += [conversation, f"wamid.pages.{group}.{i}", f"wamid.pages.{group}.{i}", f"pages {group} {i}", now, now, now]
        db.execute("INSERT INTO messages (channel_id, conversation_id, dedupe_key, wamid, direction, type, status, text, content, "
                   f"meta_timestamp, created_at, updated_at) VALUES {','.join(rows)} "
                   "ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id", args).fetchall()
        args = [value for conversation in ids for value in (conversation, now, now, "pages")]
        db.execute(f"WITH v(id, ts, inbound_ts, preview) AS (VALUES {','.join(['(?, ?, ?, ?)'] * len(ids))}) "
                   "UPDATE conversations SET last_message_preview = v.preview, last_message_at = v.ts, last_inbound_at = v.inbound_ts, "
                   f"status = 'open', version = conversations.version + 1, updated_at = {now} FROM v WHERE conversations.id = v.id", args)
        if renames:
            args = [value for conversation in ids for value in (conversation, f"Renamed {group}")]
            db.execute(f"WITH r(id, name) AS (VALUES {','.join(['(?, ?)'] * len(ids))}) "
                       f"UPDATE contacts SET name = r.name, updated_at = {now} FROM r "
                       "WHERE contacts.id = (SELECT contact_id FROM conversations WHERE id = r.id)", args)
        args = [value for conversation in ids for value in (now, conversation)]
        db.execute("INSERT INTO events (at, kind, conversation_id, assignee_id, payload) VALUES "
                   + ",".join(["(?, 'message.created', ?, NULL, '{}')"] * len(ids)), args)
        db.execute("COMMIT")
        stored += len(ids)
    seconds = time.time() - started
    frames = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    db.close()
    shutil.rmtree(directory)
    print(f"{label:58s} {frames / stored:5.2f} pages per message  ({seconds / stored * 1e6:4.0f} µs each, fsyncs included)")


def main():
    source = sys.argv[1]
    before_10 = ("DROP INDEX conversations_team",
                 "CREATE INDEX conversations_team ON conversations(team_id, last_message_at)",
                 "CREATE INDEX IF NOT EXISTS contacts_name ON contacts(name)")
    without_11 = ("DROP INDEX IF EXISTS messages_time",)
    with_11 = ("CREATE INDEX IF NOT EXISTS messages_time ON messages(meta_timestamp, id)",)
    for _ in range(2):
        run(source, "now (migration 11's messages_time included)", setup=with_11)
        run(source, "without migration 11's messages_time", setup=without_11)
        run(source, "now, every message renaming its customer", renames=True, setup=with_11)
        run(source, "before migrations 10 and 11", setup=without_11 + before_10)

main()
