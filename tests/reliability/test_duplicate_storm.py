"""Duplicate storm: the simulator delivers every webhook 3 times, each copy at a random moment
within 2 s (so copies and different webhooks arrive out of order; read often comes before
delivered). No message is stored or announced twice, and every status ends at its latest state."""
import json
from collections import Counter

from chorus import free_port, wait_until

CUSTOMERS = 20


def test_every_webhook_three_times_out_of_order(workspace, quick, report):
    inbound_count = 100 if quick else 400
    replies = 40 if quick else 200
    port = free_port()
    sim = workspace.simulator(port, "--redeliver", "3", "--redeliver-spread", "2", "--reorder-chance", "0.5",
                              "--skip-delivered-chance", "0.2", "--delivered-delay", "0.3", "--read-delay", "0.6")
    workspace.add_channel(sim.port)
    workspace.create_member("admin@storm.test")
    server = workspace.serve(port)
    token = server.sign_in("admin@storm.test")

    wamids = [sim.inject(f"4940{i % CUSTOMERS:06d}", f"storm message {i}") for i in range(inbound_count)]

    def conversations():
        status, body = server.http.json("GET", "/api/v1/conversations?view=all&limit=100", token=token)
        return status == 200 and len(body["items"]) == CUSTOMERS and [item["id"] for item in body["items"]]
    ids = wait_until(conversations, 60, what="the customers' conversations")
    for i in range(replies):
        status, body = server.http.json("POST", f"/api/v1/conversations/{ids[i % len(ids)]}/messages",
                                        {"text": f"storm reply {i}"}, token=token)
        assert status == 202, body

    def quiet():
        stats = sim.stats()
        outbound = workspace.query("SELECT status, COUNT(*) FROM messages WHERE direction = 'outbound' GROUP BY status")
        return stats["webhooksPending"] == 0 and outbound == [("read", replies)] and stats
    stats = wait_until(quiet, 120, interval=0.3, what="every webhook delivered and every reply read")

    stored = Counter(row[0] for row in workspace.query("SELECT wamid FROM messages WHERE direction = 'inbound'"))
    missing = [w for w in wamids if stored[w] == 0]
    duplicated = [w for w, n in stored.items() if n > 1]
    announced = Counter()
    for (payload,) in workspace.query("SELECT payload FROM events WHERE kind = 'message.created'"):
        announced[json.loads(payload)["messageId"]] += 1
    announced_twice = [m for m, n in announced.items() if n > 1]
    statuses = Counter(row[0] for row in workspace.query("SELECT status FROM messages WHERE direction = 'outbound'"))
    report(tried=f"{inbound_count} customer messages and the statuses of {replies} replies, every webhook delivered 3 times "
                 f"out of order ({stats['webhooksDelivered']} deliveries)",
           lost=f"{len(missing)} messages missing, {len(duplicated)} stored twice, {len(announced_twice)} announced twice; "
                f"reply statuses at the end: {dict(statuses)}",
           deliveries=stats["webhooksDelivered"], missing=len(missing), duplicated=len(duplicated))
    assert stats["webhooksDelivered"] >= 3 * inbound_count
    assert missing == [] and duplicated == [] and announced_twice == []
    assert statuses == {"read": replies}
