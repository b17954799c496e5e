"""Fixtures for the browser tests: a real `chorus demo` (Chorus + the Cloud API simulator over
real HTTP) on free ports, and Debian's Chromium driven by Playwright."""
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest
from playwright.sync_api import sync_playwright

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "chorus-demo-2026"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(url, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class Demo:
    def __init__(self, port, sim_port):
        self.base = f"http://127.0.0.1:{port}"
        self.sim = f"http://127.0.0.1:{sim_port}"
        self.counter = 0

    def customer_writes(self, text, wa_id=None, name="Test Customer", context=None):
        """A simulated customer sends a WhatsApp message (a signed webhook reaches Chorus)."""
        self.counter += 1
        wa_id = wa_id or f"49160{os.getpid() % 1000:03d}{self.counter:04d}"
        payload = {"from": wa_id, "name": name, "text": text}
        if context:
            payload["context"] = context  # the wamid this message replies to
        body = json.dumps(payload).encode()
        request = urllib.request.Request(self.sim + "/_sim/inject", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as r:
            return wa_id, json.load(r)["id"]

    def customer_sends(self, wa_id, kind, content, name="Test Customer"):
        """Any message type, as Meta shapes it: `content` is the object under the type's key."""
        body = json.dumps({"from": wa_id, "name": name, "type": kind, "content": content}).encode()
        request = urllib.request.Request(self.sim + "/_sim/inject", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as r:
            return json.load(r)["id"]

    def sent(self):
        with urllib.request.urlopen(self.sim + "/_sim/sent", timeout=5) as r:
            return json.load(r)["items"]


@pytest.fixture(scope="session")
def demo():
    binary = os.path.join(ROOT, ".build", "debug", "chorus")
    data = tempfile.mkdtemp(prefix="chorus-browser-")
    port, sim_port = free_port(), free_port()
    process = subprocess.Popen(
        [binary, "demo", "--data-dir", data, "--port", str(port), "--sim-port", str(sim_port), "--customer-rate", "0.0001"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_up(f"http://127.0.0.1:{port}/healthz")
        wait_up(f"http://127.0.0.1:{sim_port}/_sim/health")
        yield Demo(port, sim_port)
    finally:
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield browser
        browser.close()


def sign_in(browser, demo, email):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(demo.base + "/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector(".topbar")
    return page
