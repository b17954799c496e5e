"""Reads `perf script -F comm,tid,ip,sym` output into samples: (thread name, [frame symbol, …]),
leaf first. Shared by bench/perf_jobs.py and bench/perf_frames.py."""


def read(path):
    samples, current = [], None
    for line in open(path):
        if not line.strip():
            if current: samples.append(current)
            current = None
        elif not line.startswith("\t"):
            current = (line.split()[0], [])
        elif current:
            current[1].append(line.strip().split(" ", 1)[-1])
    if current: samples.append(current)
    return samples
