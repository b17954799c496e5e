"""Database faults: stop PostgreSQL under webhook load, start it again. While it is down Chorus
reports unhealthy and answers webhooks with non-200 (so Meta retries) — it never acknowledges
what it could not store; afterwards it recovers by itself, and every message is there once:
those acknowledged directly, and those the simulator kept retrying."""
import threading
import time
from collections import Counter

from chorus import free_port, send_webhooks, wait_until


def test_postgres_restart_under_load(pg_workspace, postgres, quick, report):
    ws = pg_workspace
    port = free_port()
    sim = ws.simulator(port)
    ws.add_channel(sim.port)
    server = ws.serve(port)

    acknowledged: list[str] = []
    answers: list[tuple[float, float, int | None]] = []  # (sent, answered, status)
    stop = threading.Event()

    injected: list[str] = []

    def customers():
        # Simulated customers keep writing; the simulator retries each webhook until it gets 200.
        n = 0
        while not stop.is_set():
            n += 1
            injected.append(sim.inject(f"4971{n % 10:04d}", f"customer message {n}"))
            time.sleep(0.1)

    threads = [threading.Thread(target=send_webhooks, args=(server, "pgfault", w, stop, acknowledged, answers)) for w in range(4)] + [threading.Thread(target=customers)]
    for t in threads:
        t.start()
    time.sleep(2)
    down_at = time.monotonic()
    postgres.stop("fast")
    outage = 12 if quick else 20  # longer than the 5 s a webhook may wait for its commit
    health_during = Counter()
    while time.monotonic() - down_at < outage:
        health_during[server.http.request("GET", "/healthz")[0]] += 1
        time.sleep(0.2)
    up_at = time.monotonic()
    postgres.start()
    recovered_at = wait_until(lambda: server.http.request("GET", "/healthz")[0] == 200 and time.monotonic(), 60,
                              what="Chorus to report healthy again")
    try:
        wait_until(lambda: any(t > recovered_at and s == 200 for t, _, s in answers[-50:]), 30, what="webhooks acknowledged again")
    except TimeoutError:
        stop.set()
        raise AssertionError(f"no webhook acknowledged after recovery; last answers {Counter(s for _, _, s in answers[-200:])}")
    time.sleep(2)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    wait_until(lambda: sim.stats()["webhooksPending"] == 0, 120, interval=0.5, what="the simulator's retries to land")

    # Requests sent and answered while the database was down (0.3 s margin for commits under way).
    during = Counter(s for sent, answered, s in answers if down_at + 0.3 < sent and answered < up_at)
    slowest = max((answered - sent for sent, answered, _ in answers if down_at < sent < up_at), default=0)
    stored = Counter(row[0] for row in ws.query("SELECT wamid FROM messages"))
    missing = [w for w in acknowledged if stored[w] == 0]
    missing_injected = [w for w in injected if stored[w] == 0]
    duplicated = [w for w, n in stored.items() if int(n) > 1]
    report(tried=f"PostgreSQL stopped for {outage} s under 4 webhook senders and simulated customers; "
                 f"{len(acknowledged)} acknowledged, {len(injected)} sent by the simulator",
           lost=f"{len(missing)} acknowledged and {len(missing_injected)} simulator messages missing, {len(duplicated)} stored "
                f"twice; while down: webhooks answered {dict(during)} (slowest {slowest:.1f} s), /healthz "
                f"{dict(health_during)}; healthy "
                f"{recovered_at - up_at:.1f} s after PostgreSQL came back",
           missing=len(missing) + len(missing_injected), recovery_seconds=round(recovered_at - up_at, 2))
    assert server.process.alive(), "Chorus must ride out the outage without exiting"
    assert during and during.get(200, 0) == 0, f"acknowledged while the database was down: {during}"
    assert set(health_during) == {503}, health_during
    assert missing == [] and missing_injected == [] and duplicated == []
