#!/usr/bin/env python3
"""Summarises bench/webhook-ingest runs: medians with min/max, the ratio to the baseline, and
writes the figures into bench/results.json (merged with other benchmarks' figures)."""
import json, os, statistics, sys

rows = [line.split("\t") for line in open(sys.argv[1]).read().split("\n") if line]
stored = {line.split("\t")[0]: int(line.split("\t")[1]) for line in open(sys.argv[2]).read().split("\n") if line}
duration, connections = sys.argv[3], sys.argv[4]

def rate(requests, micros): return int(requests) / (int(micros) / 1e6)
baseline = [rate(r[1], r[2]) for r in rows]
chorus = [rate(r[4], r[5]) for r in rows]
durable = [stored[r[0]] / (int(r[5]) / 1e6) for r in rows]
p50 = [int(r[6]) / 1000 for r in rows]
p99 = [int(r[7]) / 1000 for r in rows]
# CPU per acknowledged message, in µs: the server's, and the load generator's on the same cores.
server_cpu = [float(r[8]) * 1e6 / int(r[4]) for r in rows]
wrk_cpu = [float(r[9]) * 1e6 / int(r[4]) for r in rows]
group = [float(r[10]) for r in rows]   # webhooks per group commit (the server's /metrics)

def figure(values, unit):
    return {"median": round(statistics.median(values), 1), "min": round(min(values), 1), "max": round(max(values), 1), "unit": unit}

result = {
    "command": f"RUNS={len(rows)} DURATION={duration} bench/webhook-ingest",
    "load": f"wrk, 2 threads, {connections} connections, {duration} s per run, signed single-message webhooks, unique ids, 1,000 customers",
    "baseline_trivial_handler": figure(baseline, "requests/s"),
    "chorus_acknowledged": figure(chorus, "messages/s"),
    "chorus_durable_stored": figure(durable, "messages/s"),
    "chorus_ack_latency_p50": figure(p50, "ms"),
    "chorus_ack_latency_p99": figure(p99, "ms"),
    "chorus_server_cpu_per_message": figure(server_cpu, "µs"),
    "wrk_cpu_per_request": figure(wrk_cpu, "µs"),
    "chorus_webhooks_per_group_commit": figure(group, "webhooks"),
    "ratio_to_baseline": round(statistics.median(chorus) / statistics.median(baseline), 3),
}
path = os.path.join(os.path.dirname(__file__), "results.json")
existing = json.load(open(path)) if os.path.exists(path) else {}
existing["webhook_ingest_sqlite"] = result
json.dump(existing, open(path, "w"), indent=2)

print("\n| figure | median | min | max |\n|---|---|---|---|")
for key in ["baseline_trivial_handler", "chorus_acknowledged", "chorus_durable_stored", "chorus_ack_latency_p50", "chorus_ack_latency_p99",
            "chorus_server_cpu_per_message", "wrk_cpu_per_request", "chorus_webhooks_per_group_commit"]:
    f = result[key]
    print(f"| {key} ({f['unit']}) | {f['median']} | {f['min']} | {f['max']} |")
print(f"| Chorus / baseline | {result['ratio_to_baseline']} | | |")
