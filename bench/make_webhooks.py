#!/usr/bin/env python3
"""Writes N signed single-message webhooks (unique wamids, 1,000 customers) for the ingest
benchmark: one line per request, "<signature>\t<body>". Bodies are ASCII-escaped JSON, as Meta
sends them, signed with HMAC-SHA256 of the exact bytes."""
import hashlib, hmac, json, sys

count, secret, phone_number_id, prefix = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
with open(sys.argv[5], "w") as out:
    for i in range(count):
        customer = f"1555{i % 1000:07d}"
        payload = {"object": "whatsapp_business_account", "entry": [{"id": "bench-waba", "changes": [{
            "field": "messages", "value": {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "15550000", "phone_number_id": phone_number_id},
                "contacts": [{"profile": {"name": f"Customer {i % 1000}"}, "wa_id": customer}],
                "messages": [{"from": customer, "id": f"wamid.{prefix}.{i}", "timestamp": "1700000000",
                              "type": "text", "text": {"body": f"Message {i} — où est ma commande?"}}]}}]}]}
        body = json.dumps(payload, ensure_ascii=True, separators=(",", ":"))
        signature = "sha256=" + hmac.new(secret.encode(), body.encode(), hashlib.sha256).hexdigest()
        out.write(f"{signature}\t{body}\n")
