#!/usr/bin/env python3
"""Writes N signed single-message webhooks (unique wamids, 1,000 customers) for the ingest
benchmark, as ready HTTP/1.1 requests, each followed by a NUL byte, dealt round THREADS files
PATH.0 … PATH.<THREADS-1> (webhook i goes to file i % THREADS): one file per wrk thread
(bench/webhooks.lua). Bodies are ASCII-escaped JSON, as Meta sends them, signed with
HMAC-SHA256 of the exact bytes.

  python3 bench/make_webhooks.py N SECRET PHONE_NUMBER_ID WAMID_PREFIX PATH [THREADS=2]

Why ready requests: wrk runs each thread's `init` in its main thread one after the other and
starts each thread as soon as its own `init` is done, but its clock only after all of them.
Building 125,000 requests per thread in Lua took seconds, and thread 0's requests meanwhile
were counted in a window they were not in (BENCHMARKS.md, session 16). A file is read whole
in a tenth of a second, and only thread 0's before the clock (bench/webhooks.lua)."""
import hashlib, hmac, json, sys

count, secret, phone_number_id, prefix, path = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
files = [open(f"{path}.{t}", "wb") for t in range(threads)]
for i in range(count):
    customer = f"1555{i % 1000:07d}"
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "bench-waba", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550000", "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": f"Customer {i % 1000}"}, "wa_id": customer}],
            "messages": [{"from": customer, "id": f"wamid.{prefix}.{i}", "timestamp": "1700000000",
                          "type": "text", "text": {"body": f"Message {i} — où est ma commande?"}}]}}]}]}
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    head = (f"POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"X-Hub-Signature-256: {signature}\r\nContent-Length: {len(body)}\r\n\r\n")
    files[i % threads].write(head.encode() + body + b"\0")
for f in files:
    f.close()
