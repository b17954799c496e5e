"""Soak: mixed load for 10 minutes (1 in the quick run) — customers writing through the
simulator, direct webhooks, agents listing, searching, reading threads and replying, WebSocket
devices coming and going. Memory and open file descriptors of `chorus serve` are sampled every
5 s and must stay flat once warmed up; nothing acknowledged may be missing at the end."""
import random
import statistics
import threading
import time

from websockets.sync.client import connect

from chorus import free_port, text_message, wait_until, webhook


def paced(rate_per_second: float, stop: threading.Event, action):
    """Calls action() about rate_per_second times a second until stop is set."""
    interval = 1 / rate_per_second
    next_at = time.monotonic()
    while not stop.is_set():
        action()
        next_at += interval
        time.sleep(max(0.0, next_at - time.monotonic()))


def test_mixed_load_stays_flat(workspace, quick, report):
    duration = 60 if quick else 600
    port = free_port()
    sim = workspace.simulator(port, "--customers", "30", "--customer-rate", "5", "--read-delay", "1.0")
    workspace.add_channel(sim.port)
    workspace.create_member("admin@soak.test")
    workspace.create_member("agent@soak.test", role="standard")
    server = workspace.serve(port)
    tokens = [server.sign_in("admin@soak.test"), server.sign_in("agent@soak.test")]
    stop = threading.Event()
    acknowledged: list[str] = []
    counts = {"webhooks": 0, "reads": 0, "replies": 0, "sockets": 0, "frames": 0, "errors": 0}

    def direct_webhook():
        wamid = f"wamid.soak.{counts['webhooks']}"
        counts["webhooks"] += 1
        if server.http.webhook(webhook([text_message(wamid, f"4980{random.randrange(200):04d}", f"soak {wamid} order")])) == 200:
            acknowledged.append(wamid)
        else:
            counts["errors"] += 1

    def agent_reads():
        token = random.choice(tokens)
        path = random.choice(["/api/v1/conversations?view=all&limit=50", "/api/v1/conversations?view=unassigned",
                              "/api/v1/search?q=order", "/api/v1/inbox/counts", "/api/v1/me"])
        status, body = server.http.json("GET", path, token=token)
        counts["reads"] += 1
        if status != 200:
            counts["errors"] += 1
        elif path.startswith("/api/v1/conversations?view=all") and body["items"]:
            conversation = random.choice(body["items"])["id"]
            server.http.json("GET", f"/api/v1/conversations/{conversation}/messages?limit=30", token=token)
            # Reply only inside the customer's window (the simulator's customers wrote recently).
            if random.random() < 0.3 and conversation % 2 == 0:
                status, _ = server.http.json("POST", f"/api/v1/conversations/{conversation}/messages",
                                             {"text": "Thanks, on it."}, token=tokens[0])
                counts["replies"] += 1
                if status not in (202, 422):  # 422: the window of a direct-webhook customer is closed
                    counts["errors"] += 1

    def device_churn():
        # A device connects, listens a few seconds, leaves; again and again.
        try:
            with connect(f"ws://127.0.0.1:{port}/api/v1/events",
                         additional_headers={"Authorization": f"Bearer {random.choice(tokens)}"}, open_timeout=10) as ws:
                counts["sockets"] += 1
                until = time.monotonic() + random.uniform(1, 5)
                while time.monotonic() < until and not stop.is_set():
                    try:
                        ws.recv(timeout=0.5)
                        counts["frames"] += 1
                    except TimeoutError:
                        pass
        except Exception:
            counts["errors"] += 1

    workers = [threading.Thread(target=paced, args=(40, stop, direct_webhook)),
               threading.Thread(target=paced, args=(20, stop, agent_reads)),
               *[threading.Thread(target=paced, args=(1, stop, device_churn)) for _ in range(4)]]
    for w in workers:
        w.start()
    samples = []
    started = time.monotonic()
    while time.monotonic() - started < duration:
        samples.append((time.monotonic() - started, server.process.rss_mb(), server.process.open_files()))
        time.sleep(5)
    stop.set()
    for w in workers:
        w.join(timeout=30)
    wait_until(lambda: sim.stats()["webhooksPending"] == 0, 60, what="the simulator's webhooks to land")
    stored = {row[0] for row in workspace.query("SELECT wamid FROM messages WHERE wamid LIKE 'wamid.soak.%'")}
    missing = [w for w in acknowledged if w not in stored]

    # Flat: after a warm-up fifth, the last third's median against the middle third's.
    warm = [s for s in samples if s[0] >= duration / 5]
    third = max(1, len(warm) // 3)
    rss_mid, rss_end = statistics.median(s[1] for s in warm[:third]), statistics.median(s[1] for s in warm[-third:])
    fds_mid, fds_end = max(s[2] for s in warm[:third]), max(s[2] for s in warm[-third:])
    report(tried=f"{duration} s of mixed load: {counts['webhooks']} webhooks, {counts['reads']} agent reads, "
                 f"{counts['replies']} replies, {counts['sockets']} socket sessions ({counts['frames']} frames), "
                 f"simulated customers writing",
           lost=f"{len(missing)} acknowledged messages missing, {counts['errors']} failed calls; RSS "
                f"{samples[0][1]:.0f} → {rss_mid:.0f} → {rss_end:.0f} MB, open files {samples[0][2]} → {fds_mid} → {fds_end}",
           rss_mb=[round(s[1], 1) for s in samples], open_files=[s[2] for s in samples], missing=len(missing))
    assert server.process.alive()
    assert missing == []
    assert counts["errors"] <= counts["webhooks"] // 1000, counts
    assert rss_end <= rss_mid * 1.15 + 10, f"memory grew: {rss_mid:.0f} → {rss_end:.0f} MB"
    assert fds_end <= fds_mid + 10, f"file descriptors grew: {fds_mid} → {fds_end}"
