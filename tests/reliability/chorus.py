"""The reliability suite's harness: a real `chorus serve` and `chorus sim` as processes, real HTTP
between them, and the store read directly afterwards (the SQLite file, or PostgreSQL through psql).

Nothing here imitates Chorus: every scenario drives the same binary a user runs.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The simulator's defaults (`chorus sim --help`); the channel is registered with the same values.
PHONE_ID = "100000000000001"
WABA_ID = "200000000000001"
APP_SECRET = "sim-app-secret"
ACCESS_TOKEN = "sim-access-token"
PASSWORD = "reliability-pass-2026"


def binary() -> str:
    """`CHORUS_BIN`, else the release build, else the debug build."""
    if os.environ.get("CHORUS_BIN"):
        return os.environ["CHORUS_BIN"]
    for kind in ("release", "debug"):
        path = ROOT / ".build" / kind / "chorus"
        if path.exists():
            return str(path)
    raise RuntimeError("no chorus binary: run `swift build -c release --product chorus` first")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def text_message(wamid: str, sender: str, text: str) -> dict:
    return {"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}


def webhook(messages: list[dict] | None = None, statuses: list[dict] | None = None, name: str = "Reliability") -> dict:
    """A `messages` notification for the test channel, shaped as Meta sends it."""
    value: dict = {"messaging_product": "whatsapp",
                   "metadata": {"display_phone_number": "15550100001", "phone_number_id": PHONE_ID}}
    if messages:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": m["from"]} for m in messages]
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}]}


def encode(payload) -> bytes:
    # Meta escapes non-ASCII; the signature is over exactly these bytes.
    return json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()


def send_webhooks(server, label: str, worker: int, stop: threading.Event, acknowledged: list,
                  answers: list | None = None, stop_when_gone: bool = False):
    """One load generator: single-message webhooks with unique ids until `stop` is set. Each
    acknowledged id goes into `acknowledged`, each answer as (sent, answered, status) into
    `answers`. A refused or unanswered request is retried after a pause, unless `stop_when_gone`."""
    i = 0
    while not stop.is_set():
        i += 1
        wamid = f"wamid.{label}.{worker}.{i}"
        sent = time.monotonic()
        status = server.http.webhook(webhook([text_message(wamid, f"49{worker}{i % 40:04d}", f"{label} {wamid}")]))
        if answers is not None:
            answers.append((sent, time.monotonic(), status))
        if status == 200:
            acknowledged.append(wamid)
        elif status is None and stop_when_gone:
            return  # the server is gone
        else:
            time.sleep(0.05)


class Http:
    """One keep-alive connection per thread to one base address. Connection errors come back as
    status None, never as exceptions: a killed server is an expected event here."""

    def __init__(self, port: int, timeout: float = 10):
        self.port, self.timeout = port, timeout
        self.local = threading.local()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                token: str | None = None) -> tuple[int | None, bytes]:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers.setdefault("Content-Type", "application/json")
        for attempt in range(2):
            conn = getattr(self.local, "conn", None)
            if conn is None:
                conn = self.local.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                return response.status, response.read()
            except (OSError, http.client.HTTPException) as error:
                conn.close()
                self.local.conn = None
                # A keep-alive connection the server closed while idle: try once more, fresh.
                if attempt == 0 and isinstance(error, (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)) \
                        and method == "GET":
                    continue
                return None, str(error).encode()
        return None, b""

    def json(self, method: str, path: str, payload=None, token: str | None = None) -> tuple[int | None, dict]:
        status, data = self.request(method, path, None if payload is None else json.dumps(payload).encode(), token=token)
        try:
            return status, json.loads(data) if data else {}
        except ValueError:
            return status, {"raw": data[:200].decode(errors="replace")}

    def webhook(self, payload, secret: str = APP_SECRET) -> int | None:
        body = payload if isinstance(payload, bytes) else encode(payload)
        status, _ = self.request("POST", "/webhooks/whatsapp", body, {"X-Hub-Signature-256": sign(body, secret)})
        return status


class Process:
    """A child process whose output goes to a log file (read it when something fails)."""

    def __init__(self, args: list[str], env: dict, log: Path):
        self.log = log
        self.handle = open(log, "ab")
        self.popen = subprocess.Popen(args, env=env, stdout=self.handle, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def kill(self):
        """SIGKILL: no shutdown code runs."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, timeout: float = 30):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        self.handle.close()

    def alive(self) -> bool:
        return self.popen.poll() is None

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def open_files(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_until(check, timeout: float, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}")


class Workspace:
    """One Chorus installation: a data directory and a database (SQLite file unless a
    PostgreSQL URL is given), with its channel, members, and the processes serving it."""

    def __init__(self, directory: Path, database_url: str | None = None):
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.sqlite_path = None if database_url else directory / "chorus.sqlite"
        self.database_url = database_url or f"sqlite://{self.sqlite_path}"
        self.processes: list[Process] = []

    @property
    def env(self) -> dict:
        env = dict(os.environ)
        env.update(CHORUS_DATA_DIR=str(self.directory), CHORUS_DATABASE_URL=self.database_url, CHORUS_LOG_LEVEL="warning")
        return env

    def cli(self, *args: str) -> str:
        result = subprocess.run([binary(), *args], env=self.env, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"chorus {' '.join(args)} failed: {result.stdout}{result.stderr}")
        return result.stdout

    def add_channel(self, graph_port: int | None = None):
        self.cli("channel", "add", "--phone-number-id", PHONE_ID, "--waba-id", WABA_ID, "--display-number", "+1 555 010 0001",
                 "--access-token", ACCESS_TOKEN, "--app-secret", APP_SECRET, "--verify-token", "sim-verify-token",
                 "--graph-url", f"http://127.0.0.1:{graph_port or 9}")

    def create_member(self, email: str, role: str = "admin", name: str | None = None):
        self.cli("admin", "create", "--email", email, "--password", PASSWORD, "--name", name or email.split("@")[0],
                 "--role", role)

    def serve(self, port: int | None = None, env: dict | None = None) -> "Server":
        port = port or free_port()
        process = Process([binary(), "serve", "--port", str(port)], {**self.env, **(env or {})},
                          self.directory / "serve.log")
        self.processes.append(process)
        server = Server(process, port)
        server.wait_up()
        return server

    def simulator(self, webhook_port: int, *flags: str) -> "Simulator":
        port = free_port()
        process = Process([binary(), "sim", "--port", str(port), "--webhook-url",
                           f"http://127.0.0.1:{webhook_port}/webhooks/whatsapp", *flags],
                          dict(os.environ), self.directory / "sim.log")
        self.processes.append(process)
        sim = Simulator(process, port)
        wait_until(lambda: sim.http.request("GET", "/_sim/health")[0] == 200, 30, what="the simulator")
        return sim

    def query(self, sql: str) -> list[tuple]:
        """Rows of a read-only query, straight from the store."""
        if self.sqlite_path:
            with sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=30) as db:
                return db.execute(sql).fetchall()
        out = subprocess.run(["psql", self.database_url, "-At", "-F", "\t", "-c", sql], capture_output=True, text=True,
                             timeout=60, check=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def close(self):
        for process in self.processes:
            process.stop()


class Server:
    def __init__(self, process: Process, port: int):
        self.process, self.port = process, port
        self.http = Http(port)

    def wait_up(self, timeout: float = 60):
        def up():
            if not self.process.alive():
                raise RuntimeError(f"chorus serve exited:\n{self.process.tail()}")
            return self.http.request("GET", "/healthz")[0] == 200
        wait_until(up, timeout, what="chorus serve to answer /healthz")

    def sign_in(self, email: str) -> str:
        status, body = self.http.json("POST", "/api/v1/sessions", {"email": email, "password": PASSWORD})
        assert status in (200, 201), f"sign-in of {email}: {status} {body}"
        return body["token"]


class Simulator:
    def __init__(self, process: Process, port: int):
        self.process, self.port = process, port
        self.http = Http(port)

    def inject(self, sender: str, text: str, name: str | None = None) -> str:
        status, body = self.http.json("POST", "/_sim/inject", {"from": sender, "text": text, "name": name or sender})
        assert status == 200, f"inject: {status} {body}"
        return body["id"]

    def sent(self) -> list[dict]:
        status, body = self.http.json("GET", "/_sim/sent")
        assert status == 200
        return body["items"]

    def stats(self) -> dict:
        return self.http.json("GET", "/_sim/stats")[1]
