"""Does SQLite's FTS5 index pause commits the way PostgreSQL's GIN pending list did (migration 9)?
A table shaped like `messages` with its FTS5 index kept by the same insert trigger as migration 4,
SEED rows of chat-like text, then commits of 26 rows (the ingest bench's webhooks per group
commit) at RATE commits/s for SECS s, WAL and synchronous=FULL as `chorus serve` runs; per-commit
latency.   python3 bench/sqlite_fts_tail.py [SEED RATE SECS]"""
import os, random, sqlite3, sys, tempfile, time

seed, rate, secs = (int(a) for a in (sys.argv[1:4] if len(sys.argv) > 3 else ("400000", "40", "60")))
path = os.path.join(tempfile.mkdtemp(prefix="chorus-fts-"), "t.sqlite")
db = sqlite3.connect(path, isolation_level=None)
db.executescript("""
PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
CREATE TABLE messages (id INTEGER PRIMARY KEY, text TEXT);
CREATE VIRTUAL TABLE message_search USING fts5(text, content='messages', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.text IS NOT NULL BEGIN INSERT INTO message_search(rowid, text) VALUES (new.id, new.text); END;
""")
def text(n):
    return f"w{random.randint(0, 5000)} hello w{random.randint(0, 20000)} order {random.getrandbits(24):06x} thanks w{random.randint(0, 800)} x{n}"
db.execute("BEGIN")
db.executemany("INSERT INTO messages (text) VALUES (?)", ((text(n),) for n in range(seed)))
db.execute("COMMIT")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
latencies, start = [], time.monotonic()
for i in range(rate * secs):
    due = start + i / rate
    if due > time.monotonic():
        time.sleep(due - time.monotonic())
    t0 = time.monotonic()
    db.execute("BEGIN")
    db.executemany("INSERT INTO messages (text) VALUES (?)", ((text(i * 26 + k),) for k in range(26)))
    db.execute("COMMIT")
    latencies.append((time.monotonic() - t0) * 1000)
    if i % (rate // 5 or 1) == 0:
        db.execute("PRAGMA wal_checkpoint(PASSIVE)")   # the server checkpoints every 200 ms
latencies.sort()
q = lambda p: latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]
print(f"FTS5, {len(latencies)} commits of 26 rows: mean {sum(latencies) / len(latencies):.2f} ms, p50 {q(50):.2f}, "
      f"p99 {q(99):.2f}, p99.9 {q(99.9):.2f}, max {latencies[-1]:.2f} ms, over 50 ms: {sum(1 for l in latencies if l > 50)}")
