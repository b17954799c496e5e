#!/usr/bin/env python3
"""Posts signed single-message webhooks at a fixed rate to a running Chorus and reports the
time to 200 OK, from each webhook's sending and from its due time (so a stalled server shows
in every webhook it held up). The same load as chorus-bench's no-device phase — one evenly
spaced schedule dealt round 50 keep-alive connections, random customers of the bench's data —
without regenerating the data, so server builds or settings can be compared on one database.

  chorus-bench inbox --keep-data DIR, then `chorus serve` on a copy of DIR/chorus.sqlite, then:
  python3 bench/webhook_rate.py PORT [--rate 1000] [--seconds 30] [--secret S] [--phone P]
      --db DIR/chorus.sqlite [--names stored|bench] [--tag T]
"""
import argparse, asyncio, hashlib, hmac, json, random, sqlite3, statistics, time


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def webhook(wamid, wa_id, phone, name):
    return {"object": "whatsapp_business_account", "entry": [{"id": "910000002", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "49170", "phone_number_id": phone},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}],
        "messages": [{"from": wa_id, "id": wamid, "timestamp": str(int(time.time())),
                      "type": "text", "text": {"body": f"fan-out {wamid}"}}]}}]}]}


async def sender(worker, senders, args, began, interval, results):
    reader, writer = await asyncio.open_connection("127.0.0.1", args.port)
    count = args.rate * args.seconds // senders
    for i in range(count):
        due = began + (i * senders + worker) * interval
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        wamid = f"wamid.{args.tag}.{worker}.{i}"
        wa_id, name = random.choice(args.contacts)
        name = name if args.names == "stored" else "Bench"
        body = json.dumps(webhook(wamid, wa_id, args.phone, name), separators=(",", ":")).encode()
        signature = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
        request = (f"POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   f"X-Hub-Signature-256: {signature}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        posted = time.monotonic()
        writer.write(request)
        status = await reader.readline()
        length = 0
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b""):
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        answered = time.monotonic()
        results.append((status.split()[1].decode(), (answered - posted) * 1000, (answered - due) * 1000))
    writer.close()


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--secret", default="bench-inbox-secret")
    parser.add_argument("--phone", default="910000001")
    parser.add_argument("--db", required=True,
                        help="the kept database the server runs on a copy of (DIR/chorus.sqlite): its customers are read from it")
    parser.add_argument("--names", choices=["stored", "bench"], default="stored",
                        help="the customers' profile names as stored (as Meta sends them), or 'Bench' for all (a rename per message)")
    parser.add_argument("--tag", default=f"rate{int(time.time())}")
    args = parser.parse_args()
    # The customers as stored, read from the data itself rather than rebuilt from how
    # chorus-bench generates them.
    with sqlite3.connect(f"file:{args.db}?mode=ro", uri=True) as db:
        args.contacts = db.execute("SELECT wa_id, name FROM contacts WHERE wa_id IS NOT NULL").fetchall()
    senders, results = 50, []
    began = time.monotonic() + 0.2
    interval = 1 / args.rate
    await asyncio.gather(*(sender(w, senders, args, began, interval, results) for w in range(senders)))
    elapsed = time.monotonic() - began
    statuses = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    sent, due = [r[1] for r in results], [r[2] for r in results]
    print(f"RESULT sent_per_second={len(results) / elapsed:.0f} statuses={statuses} "
          f"ack_p50={percentile(sent, 50):.1f} ack_p99={percentile(sent, 99):.1f} "
          f"from_due_p50={percentile(due, 50):.1f} from_due_p99={percentile(due, 99):.1f} from_due_max={max(due):.1f} "
          f"ack_mean={statistics.mean(sent):.1f}")


asyncio.run(main())
