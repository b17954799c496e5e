"""Prints bench/results.json as one table: every figure with its target and baseline."""
import json
import sys

results = json.load(open(sys.argv[1] if len(sys.argv) > 1 else "bench/results.json"))
rows = []


def add(name, value, unit, target=""):
    rows.append((name, f"{value:,.1f} {unit}" if isinstance(value, (int, float)) else str(value), target))


ingest = results.get("webhook_ingest_sqlite")
if ingest:
    for key, value in ingest.items():
        if isinstance(value, dict) and "median" in value:
            add(f"ingest: {key}", value["median"], "", "≥ 15,000" if key == "chorus_durable_stored" else "")
paced = results.get("ingest_paced_sqlite")
if paced:
    add(f"ingest at {paced['rate']:,.0f}/s: webhooks sent per second", paced["sent_per_second"], "/s")
    add("ingest at that rate: 200 OK p50 / p99 / max", f"{paced['ack']['p50_ms']:.1f} / {paced['ack']['p99_ms']:.1f} / {paced['ack']['max_ms']:.1f} ms", "", "p99 ≤ 50 ms")
    add("ingest at that rate: from the due time p99", paced["ack_from_due"]["p99_ms"], "ms")
    add("ingest at that rate: stored / acknowledged", f"{paced['stored']:,.0f} / {paced['acknowledged']:,.0f}", "", "all stored")
for engine in ("sqlite", "postgres"):
    r = results.get(f"inbox_{engine}")
    if not r:
        continue
    scale = f"{r['conversations']:,} conv / {r['messages']:,} msgs" + (" (quick)" if r.get("quick") else "")
    add(f"[{engine}] data", scale, "")
    add(f"[{engine}] conversation list p95", r["list"]["p95_ms"], "ms", "< 20 ms")
    add(f"[{engine}] baseline /healthz p95", r["baseline_healthz"]["p95_ms"], "ms")
    add(f"[{engine}] search p95", r["search"]["p95_ms"], "ms", "< 100 ms")
    # Ratios to the same run's trivial request: how much work a list or a search adds.
    add(f"[{engine}] list p95 / healthz p95", r["list"]["p95_ms"] / r["baseline_healthz"]["p95_ms"], "×")
    add(f"[{engine}] search p95 / healthz p95", r["search"]["p95_ms"] / r["baseline_healthz"]["p95_ms"], "×")
    add(f"[{engine}] webhook→socket p99 ({int(r['fanout']['devices'])} devices, 1,000 msg/s)", r["fanout"]["p99_ms"], "ms", "< 25 ms")
    # Its parts: the webhook's own round trip (200 OK) during the fan-out, and the same webhooks
    # with no device connected, measured first in the same run (the baseline).
    if "fanout_webhook_ack" in r and "fanout_baseline_webhook_ack" in r:
        add(f"[{engine}]   of which webhook → 200 OK p50 / p99",
            f"{r['fanout_webhook_ack']['p50_ms']:.1f} / {r['fanout_webhook_ack']['p99_ms']:.1f} ms", "")
        add(f"[{engine}]   baseline: the same webhooks, no device, p50 / p99",
            f"{r['fanout_baseline_webhook_ack']['p50_ms']:.1f} / {r['fanout_baseline_webhook_ack']['p99_ms']:.1f} ms", "")
    # Timed from each webhook's due time instead of its sending: a stall then counts in every
    # webhook it held up, not only in the ten in flight (ChorusBench.sendWebhooks).
    if "fanout_from_due" in r:
        add(f"[{engine}]   from the due time: webhook→socket p99 / max",
            f"{r['fanout_from_due']['p99_ms']:.1f} / {r['fanout_from_due']['max_ms']:.1f} ms", "")
        add(f"[{engine}]   from the due time: no device, 200 OK p99 / max",
            f"{r['fanout_baseline_webhook_ack_from_due']['p99_ms']:.1f} / {r['fanout_baseline_webhook_ack_from_due']['max_ms']:.1f} ms", "")
    add(f"[{engine}] device-to-device p99", r["device_to_device"]["p99_ms"], "ms", "< 50 ms")
    sync = r["sync_standard"]
    spread = f" (min {sync['min_messages_per_second']:,.0f}, max {sync['max_messages_per_second']:,.0f})" if "min_messages_per_second" in sync else ""
    add(f"[{engine}] new-device sync, median of runs{spread}", sync["messages_per_second"], "msg/s", "≥ 30,000")
    add(f"[{engine}] memory idle / 200 / 1,000 sockets", f"{r['memory_idle_mb']:.0f} / {r['memory_200_sockets_mb']:.0f} / {r.get('memory_1000_sockets_mb', float('nan')):.0f} MB", "")

width = max(len(r[0]) for r in rows) if rows else 10
print(f"{'figure':<{width}}  {'measured':>22}  target")
for name, value, target in rows:
    print(f"{name:<{width}}  {value:>22}  {target}")

# Every benchmark must have reported (the quick run in CI checks exactly this, not the speed).
required = ["webhook_ingest_sqlite", "ingest_paced_sqlite.ack"] + [f"inbox_{engine}.{figure}" for engine in ("sqlite", "postgres") for figure in
            ("list", "search", "fanout", "fanout_from_due", "device_to_device", "sync_standard", "memory_idle_mb",
             "memory_200_sockets_mb", "memory_1000_sockets_mb")]
def reported(key):
    section, _, figure = key.partition(".")
    value = results.get(section)
    return value is not None and (not figure or value.get(figure) is not None)


missing = [key for key in required if not reported(key)]
print(f"\n{len(required) - len(missing)} of {len(required)} benchmark figures reported" + (f"; missing: {', '.join(missing)}" if missing else ""))
sys.exit(1 if missing else 0)
