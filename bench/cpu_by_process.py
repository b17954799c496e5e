"""CPU used by each process name, once a second, while a benchmark runs beside it: which of the
server, its database and the load generator took the 2 cores (BENCHMARKS.md, session 18).

    python3 bench/cpu_by_process.py SECONDS [NAME ...]   # default names: chorus chorus-bench postgres wrk
Prints, per second, each name's share of one core (utime + stime from /proc/PID/stat, summed
over its processes), and the machine's idle and iowait share of both cores from /proc/stat.
"""
import os
import sys
import time

seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
names = sys.argv[2:] or ["chorus", "chorus-bench", "postgres", "wrk"]
HZ = os.sysconf("SC_CLK_TCK")


def by_name():
    totals = dict.fromkeys(names, 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            text = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        name = text[text.index("(") + 1:text.rindex(")")]
        if name in totals:
            fields = text[text.rindex(")") + 2:].split()
            totals[name] += int(fields[11]) + int(fields[12])
    return totals


def machine():
    fields = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(fields), fields[3], fields[4]   # all, idle, iowait


print("second " + " ".join(f"{n:>13}" for n in names) + "   idle iowait (of 2 cores)")
before, (all0, idle0, wait0) = by_name(), machine()
for second in range(seconds):
    time.sleep(1)
    now, (all1, idle1, wait1) = by_name(), machine()
    shares = [(now[n] - before.get(n, 0)) / HZ for n in names]
    span = max(all1 - all0, 1)
    print(f"{second + 1:>6} " + " ".join(f"{s:>13.2f}" for s in shares)
          + f"   {(idle1 - idle0) / span:>4.0%} {(wait1 - wait0) / span:>6.0%}")
    before, all0, idle0, wait0 = now, all1, idle1, wait1
