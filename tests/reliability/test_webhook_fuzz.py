"""Webhook fuzzing: thousands of mutated payloads built from the conformance corpus (truncated,
wrong types, huge strings, deep nesting, invalid UTF-8, missing fields, bad numbers, bad
signatures), each signed as Meta would. Never a 5xx, never a crash; and each carries an intact
"control" entry: accepted (200) means the control is stored, refused means it is not — a batch
is never half-stored."""
import copy
import json
import random
import threading
from collections import Counter
from pathlib import Path

from chorus import APP_SECRET, PHONE_ID, WABA_ID, encode, sign, text_message, webhook

CORPUS = Path(__file__).resolve().parents[2] / "Tests/ChorusServerTests/Fixtures/pywa-updates"
ACCEPTED_REFUSALS = {400, 401, 413, 415, 422}


def corpus() -> list[dict]:
    payloads = []
    for file in sorted(CORPUS.glob("*.json")):
        payloads.extend(json.loads(file.read_text()).values())
    return payloads


def retarget(payload, serial: int):
    """Point the payload at the test channel and give its ids a unique serial."""
    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "phone_number_id":
                    node[key] = PHONE_ID
                elif key == "id" and isinstance(value, str) and value.startswith("wamid"):
                    node[key] = f"{value}.fuzz{serial}"
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(payload)
    for entry in payload.get("entry", []):
        entry["id"] = WABA_ID
    return payload


def paths(node, prefix=()):
    """Every (container, key) inside node, for structural mutations."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node, index
            yield from paths(value, prefix + (index,))


WRONG_TYPES = [None, True, 0, -1, 1.5, 10 ** 30, "", "x", [], {}, [None], {"": None}, "\u202e\u0000evil"]
DEEP = "@@DEEP@@"


def mutate(payload: dict, rng: random.Random) -> tuple[str, dict | None, bytes | None]:
    """A structural mutation (returns the payload) or a byte-level one (returns the body)."""
    kind = rng.choice(["wrong_type", "wrong_type", "delete", "delete", "huge_string", "deep_nesting", "duplicate_list",
                       "truncate", "invalid_utf8", "bad_number", "lone_surrogate", "bad_signature", "empty", "not_object"])
    targets = list(paths(payload))
    if kind in ("wrong_type", "delete", "huge_string", "deep_nesting", "duplicate_list") and targets:
        container, key = rng.choice(targets)
        if kind == "wrong_type":
            container[key] = copy.deepcopy(rng.choice(WRONG_TYPES))
        elif kind == "delete":
            if isinstance(container, dict):
                del container[key]
            else:
                container.pop(key)
        elif kind == "huge_string":
            container[key] = "Ω" * rng.choice([70_000, 1_000_000, 5_000_000])
        elif kind == "deep_nesting":
            container[key] = DEEP
        else:
            container[key] = [copy.deepcopy(container[key])] * rng.randint(100, 2000)
        return kind, payload, None
    if kind == "bad_signature":
        return kind, payload, None  # the body is fine, its signature is not
    if not isinstance(payload.get("entry"), list):
        payload["entry"] = []
    payload["entry"].append(CONTROL)  # the control entry's place; its bytes go in last, unmutated
    body = encode(payload)
    if kind == "truncate":
        return kind, None, body[:rng.randrange(0, max(1, len(body)))]
    if kind == "invalid_utf8":
        at = rng.randrange(0, body.index(CONTROL.encode()))
        return kind, None, body[:at] + rng.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"]) + body[at:]
    if kind == "bad_number":
        return kind, None, body.replace(b'"timestamp":"', b'"timestamp":1e400,"x":"', 1).replace(b"1697", b"NaN", 1)
    if kind == "lone_surrogate":
        return kind, None, body.replace(b'"body":"', b'"body":"\\ud800\\udfff\\udc00', 1)
    if kind == "empty":
        return kind, None, b""
    if kind == "not_object":
        return kind, None, rng.choice([b"[]", b"null", b"42", b'"entry"', b"{", b"{}{}"])
    raise AssertionError(kind)


CONTROL = "@@CONTROL@@"


def build(serial: int, base: dict, rng: random.Random) -> tuple[str, str, bytes, str]:
    """One case: the mutated payload with an intact control entry added after the mutation (so
    nothing mutates it), and the signature the request carries."""
    payload = retarget(copy.deepcopy(base), serial)
    kind, mutated, body = mutate(payload, rng)
    if mutated is not None:
        if not isinstance(mutated.get("entry"), list):
            mutated["entry"] = []
        mutated["entry"].append(CONTROL)
        body = encode(mutated)
        if kind == "deep_nesting":
            depth = rng.choice([200, 5_000, 100_000])
            body = body.replace(f'"{DEEP}"'.encode(), b"[" * depth + b"1" + b"]" * depth, 1)
    control = f"wamid.control.{serial}"
    entry = encode(webhook([text_message(control, "4950000001", f"control {serial}")])["entry"][0])
    body = body.replace(f'"{CONTROL}"'.encode(), entry, 1)
    secret = "not-the-secret" if kind == "bad_signature" else APP_SECRET
    return kind, control, body, sign(body, secret)


def test_mutated_webhooks(workspace, quick, report):
    count = 1500 if quick else 10_000
    workspace.add_channel()
    server = workspace.serve()
    bases = corpus()
    assert len(bases) == 74
    rng = random.Random(20261125)
    cases = [build(serial, rng.choice(bases), rng) for serial in range(count)]

    outcomes: dict[int, tuple[str, int | None]] = {}
    lock = threading.Lock()
    jobs = list(enumerate(cases))

    def worker():
        while True:
            with lock:
                if not jobs:
                    return
                serial, (kind, control, body, signature) = jobs.pop()
            status, _ = server.http.request("POST", "/webhooks/whatsapp", body,
                                            {"X-Hub-Signature-256": signature, "Content-Type": "application/json"})
            outcomes[serial] = (kind, status)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    alive = server.process.alive() and server.http.request("GET", "/healthz")[0] == 200
    stored = Counter(row[0] for row in workspace.query("SELECT wamid FROM messages WHERE wamid LIKE 'wamid.control.%'"))
    server_errors = [(serial, kind, status) for serial, (kind, status) in outcomes.items()
                     if status is None or status >= 500]
    unexpected = [(serial, kind, status) for serial, (kind, status) in outcomes.items()
                  if status is not None and status < 500 and status != 200 and status not in ACCEPTED_REFUSALS]
    half_stored, dropped = [], []
    for serial, (kind, status) in outcomes.items():
        control = cases[serial][1]
        if status == 200 and stored[control] != 1:
            dropped.append((serial, kind))
        if status != 200 and stored[control] != 0:
            half_stored.append((serial, kind, status))
    by_kind = Counter(kind for kind, _ in outcomes.values())
    by_status = Counter(status for _, status in outcomes.values())
    report(tried=f"{count} mutated, signed payloads from the 74-payload corpus: {dict(by_kind)}; answers {dict(by_status)}",
           lost=f"{len(server_errors)} 5xx or dropped connections, {len(dropped)} accepted batches missing their valid entry, "
                f"{len(half_stored)} refused batches partly stored; server alive afterwards: {alive}",
           server_errors=len(server_errors), half_stored=len(half_stored), dropped=len(dropped))
    assert alive, server.process.tail()
    assert server_errors == [], f"{server_errors[:5]}\n{server.process.tail()}"
    assert unexpected == [], unexpected[:5]
    assert dropped == [], dropped[:5]
    assert half_stored == [], half_stored[:5]
