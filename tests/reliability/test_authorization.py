"""Authorization against the running binary, independent of the Swift matrix test: a Restricted
member calls every route of /openapi.json aimed at a conversation it must not see and at admin
resources. Nothing it gets back mentions the hidden conversation, nothing it sends changes
anything, its WebSocket never carries it; tokens of deactivated members and evicted devices
are refused."""
import json
import secrets
from contextlib import ExitStack
import threading
import time

import pytest
from websockets.sync.client import connect

from chorus import free_port, text_message, webhook

# Routes a member uses on itself; called with an empty body they must still answer 4xx, never 5xx.
SELF_SERVICE = {("POST", "/api/v1/me/two-factor/totp"), ("PUT", "/api/v1/me/pin"), ("POST", "/api/v1/me/step-up"),
                ("POST", "/api/v1/me/two-factor/totp/confirm"), ("POST", "/api/v1/me/two-factor/totp/disable"),
                ("POST", "/api/v1/me/two-factor/recovery-codes"), ("POST", "/api/v1/device-links/approve"),
                ("POST", "/api/v1/conversations/{id}/read"), ("POST", "/api/v1/conversations/{id}/typing")}
# Not a member's call (Meta's webhook, anonymous sign-in) or one that ends this member's own session.
NOT_SWEPT = {"/webhooks/whatsapp", "/api/v1/sessions", "/api/v1/sessions/current", "/api/v1/invites/accept",
             "/api/v1/device-links", "/api/v1/device-links/{id}/claim", "/api/v1/devices/logout-all", "/api/v1/events"}
# Reading these is for admins (and members granted the right); a Restricted member gets 403.
# (The member list itself is for everyone: assigning and @mentions need it.)
ADMIN_READS = {"/api/v1/members/{id}", "/api/v1/invites", "/api/v1/team/devices",
               "/api/v1/team/advisories", "/api/v1/permission-templates", "/api/v1/permission-conflicts",
               "/api/v1/audit-events", "/api/v1/audit-events/verify", "/api/v1/settings/security",
               "/api/v1/settings/payment", "/api/v1/diagnostics/webhooks", "/api/v1/exports/conversations"}
BODIES = {"/api/v1/conversations/{id}/messages": {"text": "let me in"},
          "/api/v1/conversations/{id}/assignment": {"memberId": None},
          "/api/v1/conversations/{id}/status": {"status": "resolved"},
          "/api/v1/conversations/{id}/labels": {"labelIds": [1]},
          "/api/v1/conversations/{id}/notes": {"body": "let me in"}}


def socket(port: int, token: str, sockets: ExitStack):
    """A device's event socket, closed with `sockets`; its frames collect in the returned list."""
    ws = sockets.enter_context(connect(f"ws://127.0.0.1:{port}/api/v1/events",
                                       additional_headers={"Authorization": f"Bearer {token}"}, open_timeout=10))
    frames: list[str] = []

    def read():
        try:
            for frame in ws:
                frames.append(frame if isinstance(frame, str) else frame.decode())
        except Exception:
            pass
    threading.Thread(target=read, daemon=True).start()
    return ws, frames


def test_restricted_member_reaches_nothing_hidden(workspace, report):
    with ExitStack() as sockets:
        sweep(workspace, report, sockets)


def sweep(workspace, report, sockets: ExitStack):
    sim = workspace.simulator(free_port())  # Graph calls some routes make (profile, template sync) reach it
    workspace.add_channel(sim.port)
    workspace.create_member("admin@authz.test")
    workspace.create_member("rita@authz.test", role="restricted")
    workspace.create_member("sam@authz.test", role="standard")
    server = workspace.serve()
    admin, rita, sam = (server.sign_in(f"{n}@authz.test") for n in ("admin", "rita", "sam"))
    marker = f"SECRET{secrets.token_hex(6)}"
    assert server.http.webhook(webhook([text_message(f"wamid.{marker}", "4960000001", f"{marker} first")],
                                       name=f"Customer{marker}")) == 200
    status, listing = server.http.json("GET", "/api/v1/conversations?view=all", token=admin)
    conversation = listing["items"][0]["id"]
    contact = workspace.query(f"SELECT contact_id FROM conversations WHERE id = {conversation}")[0][0]
    _, label = server.http.json("POST", "/api/v1/labels", {"name": "vip"}, token=admin)
    _, quick = server.http.json("POST", "/api/v1/quick-replies", {"shortcut": "hi", "body": "Hello"}, token=admin)
    members = {m["email"]: m["id"] for m in server.http.json("GET", "/api/v1/members", token=admin)[1]["items"]}

    # The WebSocket: the admin's socket sees a new message of the hidden conversation, Rita's never.
    _, admin_frames = socket(server.port, admin, sockets)
    _, rita_frames = socket(server.port, rita, sockets)
    time.sleep(0.3)
    assert server.http.webhook(webhook([text_message(f"wamid.{marker}.2", "4960000001", f"{marker} second")],
                                       name=f"Customer{marker}")) == 200
    deadline = time.monotonic() + 10
    while not any(marker in f for f in admin_frames) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1)
    socket_ok = any(marker in f for f in admin_frames) and not any(marker in f for f in rita_frames)

    before = {path: server.http.json("GET", path, token=admin)[1] for path in
              ("/api/v1/settings/security", "/api/v1/members", f"/api/v1/conversations/{conversation}",
               "/api/v1/permission-templates", "/api/v1/labels", "/api/v1/quick-replies")}

    # Every route, aimed at the hidden conversation and at admin resources.
    ids = {"/api/v1/conversations/": conversation, "/api/v1/contacts/": contact, "/api/v1/members/": members["admin@authz.test"],
           "/api/v1/devices/": 1, "/api/v1/channels/": 1, "/api/v1/media/": 1, "/api/v1/permission-templates/": 1,
           "/api/v1/labels/": label.get("id", 1), "/api/v1/quick-replies/": quick.get("id", 1), "/api/v1/team/presets/": "small"}
    document = json.loads(server.http.request("GET", "/openapi.json")[1])
    calls, leaks, changed_allowed, server_errors = 0, [], [], []
    for template, operations in document["paths"].items():
        if template in NOT_SWEPT:
            continue
        path = template
        for prefix, value in ids.items():
            if path.startswith(prefix):
                path = path.replace("{id}", str(value)).replace("{name}", str(value))
        for method in (m.upper() for m in operations if m in ("get", "post", "put", "patch", "delete")):
            body = None if method in ("GET", "DELETE") else json.dumps(BODIES.get(template, {})).encode()
            query = "?q=" + marker if template == "/api/v1/search" else ""
            status, data = server.http.request(method, path + query, body, token=rita)
            calls += 1
            text = data.decode(errors="replace")
            if status is None or status >= 500:
                server_errors.append((method, path, status))
            if marker in text or "4960000001" in text:
                leaks.append((method, path, status))
            hidden_target = template.startswith(("/api/v1/conversations/{id}", "/api/v1/contacts/{id}"))
            if hidden_target and status != 404:
                changed_allowed.append((method, path, status, "the hidden conversation must answer 404"))
            elif method == "GET" and template in ADMIN_READS and status != 403:
                changed_allowed.append((method, path, status, "admin-only reading"))
            elif method != "GET" and (method, template) not in SELF_SERVICE and status is not None and status < 400:
                changed_allowed.append((method, path, status, "a Restricted member may not change this"))

    after = {path: server.http.json("GET", path, token=admin)[1] for path in before}
    altered = [path for path in before if before[path] != after[path]]

    # Tokens that must stop working.
    assert server.http.json("POST", f"/api/v1/members/{members['sam@authz.test']}/deactivate", {}, token=admin)[0] == 200
    deactivated = server.http.json("GET", "/api/v1/me", token=sam)
    with pytest.raises(Exception):
        socket(server.port, sam, sockets)
    first = rita
    for _ in range(4):
        server.sign_in("rita@authz.test")
    evicted = server.http.json("GET", "/api/v1/me", token=first)

    report(tried=f"{calls} calls by a Restricted member over every route of /openapi.json (hidden conversation, admin "
                 f"resources, search for its text), its WebSocket during a new message, a deactivated member's and an "
                 f"evicted device's tokens",
           lost=f"{len(leaks)} responses mentioning the hidden conversation, {len(changed_allowed)} calls allowed that "
                f"must not be, {len(altered)} resources changed, WebSocket kept it out: {socket_ok}; deactivated → "
                f"{deactivated[0]} {deactivated[1].get('error', {}).get('code')}, evicted → {evicted[0]} "
                f"{evicted[1].get('error', {}).get('code')}",
           calls=calls, leaks=len(leaks), allowed=len(changed_allowed), altered=len(altered))
    assert server_errors == [], server_errors
    assert leaks == [], leaks
    assert changed_allowed == [], changed_allowed
    assert altered == [], [(path, before[path], after[path]) for path in altered]
    assert socket_ok, (admin_frames[-3:], rita_frames[-3:])
    assert deactivated[0] == 401
    assert evicted[0] == 401 and evicted[1]["error"]["code"] == "device_evicted"
