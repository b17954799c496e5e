#!/usr/bin/env python3
"""Pages per commit by owning B-tree, from an SQLite database's WAL as the writer left it.

  wal_pages.py DATABASE      (DATABASE-wal beside it; both are copied, never changed)

Reads the WAL's frames of its current generation (those whose salts match its header), splits
them into commits (a frame with a database size ends one), skips the first 5 commits (the WAL
may start mid-burst), and names each frame's page by its owner in a copy of the database with
the WAL applied (SQLite's dbstat table). Format: sqlite.org/fileformat.html, "WAL File Format".
"""
import collections, os, shutil, sqlite3, struct, sys, tempfile

path = sys.argv[1]
wal = open(path + "-wal", "rb").read()
_, _, page_size, _, salt1, salt2 = struct.unpack(">IIIIII", wal[:24])
commits, current, offset = [], [], 32
while offset + 24 + page_size <= len(wal):
    page, size_after, s1, s2 = struct.unpack(">IIII", wal[offset:offset + 16])
    if (s1, s2) != (salt1, salt2):
        break
    current.append(page)
    if size_after:
        commits.append(current)
        current = []
    offset += 24 + page_size
commits = commits[5:]
if not commits:
    sys.exit("too few commits in the WAL: run the load longer")
with tempfile.TemporaryDirectory() as directory:
    copy = os.path.join(directory, "db")
    shutil.copy(path, copy)
    shutil.copy(path + "-wal", copy + "-wal")
    owner = {page: name for name, page in sqlite3.connect(copy).execute("SELECT name, pageno FROM dbstat")}
counts = collections.Counter(owner.get(page, "(free or new)") for commit in commits for page in commit)
print(f"{len(commits)} commits, {sum(map(len, commits)) / len(commits):.1f} pages (WAL frames) per commit, {page_size}-byte pages")
for name, count in counts.most_common():
    print(f"{count / len(commits):6.2f}  {name}")
