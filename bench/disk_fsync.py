#!/usr/bin/env python3
"""What an fsync costs on this machine's disk, by how many 4 kB pages were written before it:
the price of each page a commit puts in SQLite's WAL (BENCHMARKS.md, session 13). Writes into a
scratch file beside the data (default: the current directory), 15 rounds per size, medians.

  python3 bench/disk_fsync.py [DIRECTORY]
"""
import os, statistics, sys, tempfile, time

directory = sys.argv[1] if len(sys.argv) > 1 else "."
page = b"x" * 4096
with tempfile.NamedTemporaryFile(dir=directory) as scratch:
    fd = scratch.fileno()
    for pages in (1, 10, 50, 200, 800):
        writes, syncs = [], []
        for round_ in range(15):
            started = time.perf_counter()
            for i in range(pages):
                os.pwrite(fd, page, (round_ * 1000 + i) * 4096)
            written = time.perf_counter()
            os.fsync(fd)
            writes.append((written - started) * 1000)
            syncs.append((time.perf_counter() - written) * 1000)
        print(f"{pages:4d} pages: write {statistics.median(writes):6.2f} ms, fsync median {statistics.median(syncs):6.2f} ms, max {max(syncs):6.2f} ms")
