#!/usr/bin/env python3
"""Groups `perf script -F comm,tid,ip,sym` samples of a Swift server by the async job that ran
(the frame called by swift::runJobInEstablishedExecutorContext), or by thread name when no job
ran; prints the top groups as shares of all samples, demangled. Used by bench/profile-ingest."""
import collections, subprocess, sys
from perf_samples import read

samples = read(sys.argv[1])

groups = collections.Counter()
for thread, frames in samples:
    entry = next((frames[i - 1] for i, f in enumerate(frames) if i > 0 and "runJobInEstablishedExecutorContext" in f), None)
    groups[entry or f"(thread {thread}, no job)"] += 1

def demangle(name):
    if name.startswith("(thread"): return name
    out = subprocess.run(["swift", "demangle", "--simplified", name], capture_output=True, text=True).stdout.strip()
    return (out.split(" ---> ")[-1] or name)[:140]

for name, count in groups.most_common(int(sys.argv[2]) if len(sys.argv) > 2 else 30):
    print(f"{100 * count / len(samples):5.1f} %  {demangle(name)}")
