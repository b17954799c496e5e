"""CPU used by each process name, once a second, while a benchmark runs beside it: which of the
server, its database and the load generator took the 2 cores (BENCHMARKS.md, session 18).

    python3 bench/cpu_by_process.py SECONDS [NAME ...]   # default names: chorus chorus-bench postgres wrk
    python3 bench/cpu_by_process.py SECONDS --threads NAME THREAD ...
                                  # the threads of processes called NAME, by thread name, e.g.
                                  # chorus-bench device-reader paced-sender (BENCHMARKS.md, session 20)
Prints, per second, each name's share of one core (utime + stime from /proc/PID/stat, or
/proc/PID/task/TID/stat per thread, summed over those with that name), and the machine's idle and
iowait share of both cores from /proc/stat. A process that exits within a second shows negative.
"""
import os
import sys
import time

seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
threads_of = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--threads" else None
names = (sys.argv[4:] if threads_of else sys.argv[2:]) or ["chorus", "chorus-bench", "postgres", "wrk"]
HZ = os.sysconf("SC_CLK_TCK")


def cpu_and_name(path):
    text = open(path).read()
    fields = text[text.rindex(")") + 2:].split()
    return text[text.index("(") + 1:text.rindex(")")], int(fields[11]) + int(fields[12])


def by_name():
    totals = dict.fromkeys(names, 0)
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            name, cpu = cpu_and_name(f"/proc/{pid}/stat")
            if threads_of is None:
                if name in totals:
                    totals[name] += cpu
            elif name == threads_of:
                for tid in os.listdir(f"/proc/{pid}/task"):
                    thread, cpu = cpu_and_name(f"/proc/{pid}/task/{tid}/stat")
                    if thread in totals:
                        totals[thread] += cpu
        except OSError:
            continue
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
