#!/usr/bin/env python3
"""What a webhook group commit costs SQLite, by group size and by part: Chorus's schema (made by
`chorus channel add`), 1,000 customers, then groups of G messages each in one transaction as
`IngestRepository.storeMessages` writes them (one multi-row INSERT of messages, one of events,
one UPDATE of the touched conversations), synchronous=FULL, no checkpoints. Prints the process's
CPU per message (Python's own overhead included, the same in every row: compare rows) and the
WAL pages each commit wrote. Variants drop one part: the search index's trigger (nofts), the
conversation update (noupdate), the conversations' activity indexes (noconvidx), the fsync
(nosync). BENCHMARKS.md session 15.

  bench/sqlite_group_size.py                    # .build/release/chorus makes the schema
  CHORUS_BIN=/path/to/chorus bench/sqlite_group_size.py
"""
import json, os, shutil, sqlite3, subprocess, tempfile, time

BIN = os.environ.get("CHORUS_BIN", ".build/release/chorus")
NOW = 1700000000000


def schema(directory):
    subprocess.run([BIN, "channel", "add", "--data-dir", directory, "--phone-number-id", "900000001",
                    "--waba-id", "w", "--display-number", "+1 555 0000", "--access-token", "t", "--app-secret", "s",
                    "--verify-token", "v", "--graph-url", "http://127.0.0.1:9"], check=True, capture_output=True)
    return os.path.join(directory, "chorus.sqlite")


def run(source, variant, group, messages=2500):
    path = source + ".run"
    shutil.copy(source, path)
    c = sqlite3.connect(path, isolation_level=None)
    c.execute("PRAGMA journal_mode=WAL")
    c.execute("PRAGMA synchronous=" + ("OFF" if variant == "nosync" else "FULL"))
    c.execute("PRAGMA foreign_keys=ON")
    c.execute("PRAGMA wal_autocheckpoint=0")
    if variant == "nofts":
        c.execute("DROP TRIGGER message_search_insert")
    if variant == "noconvidx":
        for index in ("conversations_activity", "conversations_assignee", "conversations_waiting"):
            c.execute("DROP INDEX " + index)
    channel = c.execute("SELECT id FROM channels").fetchone()[0]
    c.execute("BEGIN")
    for i in range(1000):
        contact = c.execute("INSERT INTO contacts (channel_id, wa_id, name, created_at, updated_at) VALUES (?,?,?,?,?) RETURNING id",
                            (channel, f"1555{i:07d}", f"Customer {i}", NOW, NOW)).fetchone()[0]
        c.execute("INSERT INTO conversations (channel_id, contact_id, status, last_message_at, created_at, updated_at) "
                  "VALUES (?,?,'open',?,?,?)", (channel, contact, NOW, NOW, NOW))
    c.execute("COMMIT")
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conversations = [row[0] for row in c.execute("SELECT id FROM conversations ORDER BY id")]
    raw = json.dumps({"from": "15550000000", "id": "wamid.b.0", "timestamp": "1700000000", "type": "text",
                      "text": {"body": "Message 0 — où est ma commande?"}}, sort_keys=True)
    groups = messages // group
    n = 0
    started = time.process_time()
    for g in range(groups):
        c.execute("BEGIN IMMEDIATE")
        touched = [conversations[(n + k) % 1000] for k in range(group)]
        values = []
        for k, conversation in enumerate(touched):
            values += [channel, conversation, f"wamid.b.{n + k}", f"wamid.b.{n + k}", "inbound", "text", "received",
                       f"Message {n + k} — où est ma commande?", raw, None, None, None, NOW, NOW, NOW]
        inserted = c.execute(
            "INSERT INTO messages (channel_id, conversation_id, dedupe_key, wamid, direction, type, status, text, content, "
            "reply_to_wamid, media_id, media_status, meta_timestamp, created_at, updated_at) VALUES "
            + ",".join(["(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"] * group)
            + " ON CONFLICT (channel_id, dedupe_key) DO NOTHING RETURNING id", values).fetchall()
        events = []
        for (message,), conversation in zip(inserted, touched):
            events += [NOW, "message.created", conversation, None, f'{{"conversationId":{conversation},"messageId":{message}}}']
        c.execute("INSERT INTO events (at, kind, conversation_id, assignee_id, payload) VALUES "
                  + ",".join(["(?,?,?,?,?)"] * len(inserted)), events)
        if variant != "noupdate":
            ids = sorted(set(touched))
            update = []
            for conversation in ids:
                update += [conversation, NOW + g, NOW + g, "Message preview"]
            c.execute("WITH v(id, ts, inbound_ts, preview) AS (VALUES " + ",".join(["(?,?,?,?)"] * len(ids)) + ") "
                      "UPDATE conversations SET "
                      "last_message_preview = CASE WHEN conversations.last_message_at <= v.ts THEN v.preview ELSE conversations.last_message_preview END, "
                      "last_message_at = CASE WHEN conversations.last_message_at < v.ts THEN v.ts ELSE conversations.last_message_at END, "
                      "last_inbound_at = CASE WHEN v.inbound_ts > 0 AND (conversations.last_inbound_at IS NULL "
                      "OR conversations.last_inbound_at < v.inbound_ts) THEN v.inbound_ts ELSE conversations.last_inbound_at END, "
                      "status = CASE WHEN conversations.status IN ('resolved', 'snoozed') THEN 'open' ELSE conversations.status END, "
                      "version = conversations.version + 1, updated_at = ? FROM v WHERE conversations.id = v.id", update + [NOW])
        c.execute("COMMIT")
        n += group
    cpu = time.process_time() - started
    page = c.execute("PRAGMA page_size").fetchone()[0]
    pages = os.path.getsize(path + "-wal") / (page + 24) / groups
    c.close()
    print(f"{variant:10s} group {group:3d}: {1e6 * cpu / n:6.1f} µs CPU per message, {pages:5.1f} WAL pages per commit")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def main():
    with tempfile.TemporaryDirectory() as directory:
        source = schema(directory)
        for _ in range(2):
            for group in (12, 25, 50):
                run(source, "all", group)
            for variant in ("nofts", "noupdate", "noconvidx", "nosync"):
                run(source, variant, 25)


main()
