"""Webhook group commits as PostgreSQL saw them, from a statement log written with
log_min_duration_statement=0 and log_line_prefix='%m[%p]' (bench/pg-statements does both).

    python3 bench/pg_transactions.py LOG [FROM TO]   # optional HH:MM:SS window

Prints how many statements each ingest transaction ran and, per statement, PostgreSQL's own
time (parse + bind + execute) and the gap before it (the round trip: client, network, waiting
for a core). The log's clock has millisecond resolution: read means, not single gaps."""
import re
import statistics
import sys
from collections import Counter, defaultdict
from datetime import datetime

LINE = re.compile(r'^(\S+ \S+) UTC\[(\d+)\]LOG:  duration: ([\d.]+) ms  (parse|bind|execute) [^:]*: (.*)$')
path = sys.argv[1]
window = (sys.argv[2], sys.argv[3]) if len(sys.argv) > 3 else ("00:00:00", "99:99:99")
open_tx, done = {}, []
for line in open(path, errors="replace"):
    match = LINE.match(line)
    if not match:
        continue
    stamp, pid, duration, phase, sql = match.groups()
    if not window[0] <= stamp[11:19] <= window[1]:
        continue
    at = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000
    if phase == "parse" and sql.startswith("BEGIN"):
        open_tx[pid] = []
    if pid in open_tx:
        open_tx[pid].append((at, float(duration), phase, sql[:48].replace("\n", " ")))
        if phase == "execute" and sql.startswith("COMMIT"):
            done.append(open_tx.pop(pid))
ingest = [t for t in done if any("INSERT INTO messages" in s[3] for s in t)]
if not ingest:
    sys.exit("no ingest transactions in the log")
print(f"{len(ingest)} ingest transactions")
print("statements per transaction:", sorted(Counter(sum(1 for s in t if s[2] == "execute") for t in ingest).items()))
walls = [t[-1][0] - t[0][0] + t[0][1] for t in ingest]
print(f"transaction time: mean {statistics.mean(walls):.2f} ms, median {statistics.median(walls):.2f} ms")
own, gaps = defaultdict(list), defaultdict(list)
for t in ingest:
    per, previous = defaultdict(float), None
    for at, duration, phase, key in t:
        per[key] += duration
        if phase == "parse" and previous is not None:
            gaps[key].append(at - duration - previous)
        previous = at
    for key, value in per.items():
        own[key].append(value)
for key in own:
    gap = statistics.mean(gaps[key]) if gaps[key] else 0.0
    print(f"  {key:<48} n={len(own[key]):5d}  postgres {statistics.mean(own[key]):.3f} ms  gap before {gap:.3f} ms")
