"""Crash safety: SIGKILL `chorus serve` at random moments under webhook load, again and again.
Acknowledged (200) means durable: every acknowledged message is stored exactly once, and the
SQLite file passes its integrity check."""
import random
import threading
import time
from collections import Counter

from chorus import send_webhooks


def load_until_killed(server, round_no: int, acknowledged: list, workers: int = 8):
    stop = threading.Event()
    threads = [threading.Thread(target=send_webhooks, args=(server, f"kill{round_no}", w, stop, acknowledged),
                                kwargs={"stop_when_gone": True}) for w in range(workers)]
    for t in threads:
        t.start()
    time.sleep(random.uniform(0.3, 1.5))
    server.process.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)


def test_sigkill_during_webhook_load(workspace, quick, report):
    rounds = 5 if quick else 20
    workspace.add_channel()
    acknowledged: list[str] = []
    for round_no in range(rounds):
        server = workspace.serve()
        load_until_killed(server, round_no, acknowledged)
        assert not server.process.alive()
    # One clean start after the last kill: recovery runs, then a clean stop.
    server = workspace.serve()
    server.process.stop()

    stored = Counter(row[0] for row in workspace.query("SELECT wamid FROM messages"))
    missing = [w for w in acknowledged if stored[w] == 0]
    duplicated = [w for w, n in stored.items() if n > 1]
    integrity = workspace.query("PRAGMA integrity_check")[0][0]
    report(tried=f"{rounds} SIGKILLs at random moments under 8 webhook senders; {len(acknowledged)} messages acknowledged",
           lost=f"{len(missing)} acknowledged messages missing, {len(duplicated)} stored twice, integrity_check {integrity}",
           acknowledged=len(acknowledged), missing=len(missing), duplicated=len(duplicated))
    assert len(acknowledged) > rounds * 20, "the load generator hardly got through"
    assert missing == [], f"acknowledged but lost: {missing[:5]}"
    assert duplicated == []
    assert integrity == "ok"
