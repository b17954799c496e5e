#!/usr/bin/env python3
"""Shares of a Swift server's perf samples by the frames on their stacks (BENCHMARKS.md's
per-part percentages under ingest). Input: `perf script -F comm,tid,ip,sym` output, as
`KEEP=DIR bench/profile-ingest` leaves it in DIR/samples.txt.

  perf_frames.py SAMPLES --threads            samples per thread name
  perf_frames.py SAMPLES THREAD MARKER...     the samples of threads whose name contains THREAD
                                              (\"\" for all), each counted under the first MARKER
                                              (in the order given) that a frame of its stack
                                              contains, demangled; "(other)" if none
  perf_frames.py SAMPLES --callees FUNCTION   for samples with FUNCTION on the stack, the frame
                                              it called (shares of all samples)
"""
import collections, subprocess, sys
import perf_samples

def read(path):
    """The samples, each frame demangled."""
    samples = perf_samples.read(path)
    names = sorted({frame for _, frames in samples for frame in frames})
    out = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(names),
                         capture_output=True, text=True).stdout.splitlines()
    plain = dict(zip(names, out))
    return [(thread, [plain.get(frame, frame) for frame in frames]) for thread, frames in samples]

def show(counter, total):
    for name, count in counter.most_common(25):
        print(f"{100 * count / total:5.1f} %  {name[:150]}")

samples = read(sys.argv[1])
if sys.argv[2] == "--threads":
    show(collections.Counter(thread for thread, _ in samples), len(samples))
elif sys.argv[2] == "--callees":
    target, counter = sys.argv[3], collections.Counter()
    for _, frames in samples:   # leaf first: the callee sits just before the function
        index = next((i for i, frame in enumerate(frames) if target in frame), None)
        if index is not None:
            counter[frames[index - 1] if index > 0 else "(self)"] += 1
    print(f"{target}: {100 * sum(counter.values()) / len(samples):.1f} % of all samples")
    show(counter, len(samples))
else:
    thread, markers = sys.argv[2], sys.argv[3:]
    chosen = [frames for name, frames in samples if thread in name]
    counter = collections.Counter(
        next((m for m in markers if any(m in frame for frame in frames)), "(other)") for frames in chosen)
    print(f"{len(chosen)} of {len(samples)} samples in threads matching {thread!r}")
    show(counter, len(chosen))
