"""Fixtures of the reliability suite and its report: every scenario records what it tried and
what was lost; the table is printed before pytest's own summary and written to
tests/reliability/results.json."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from chorus import Workspace, free_port  # noqa: E402

QUICK = os.environ.get("RELIABILITY_QUICK") == "1"
RESULTS = Path(__file__).parent / "results.json"
_records: list[dict] = []


@pytest.fixture
def quick() -> bool:
    """The short version (CI): fewer rounds and shorter loads, the same checks."""
    return QUICK


@pytest.fixture
def report(request):
    """`report(tried=…, lost=…, **figures)`: one row of the suite's table for this scenario."""
    def record(tried: str, lost: str, **figures):
        _records.append({"scenario": request.node.name, "tried": tried, "lost": lost, **figures})
    return record


@pytest.fixture
def workspace(tmp_path):
    ws = Workspace(tmp_path / "chorus")
    yield ws
    ws.close()


def _pg_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])
    return versions[-1] if versions else None


class ThrowawayPostgres:
    """A PostgreSQL cluster of our own on 127.0.0.1, so a scenario may stop and start it."""

    def __init__(self):
        self.bin = _pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (scripts/test installs it)")
        self.dir = Path(tempfile.mkdtemp(prefix="chorus-rel-pg."))
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._as_pg(str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust", "--no-sync")
        self.start()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _as_pg(self, *args: str):
        command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self):
        self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "log"), "-w", "-o",
                    f"-h 127.0.0.1 -p {self.port} -k {self.dir} -c max_connections=200 -c fsync=off", "start")

    def stop(self, mode: str = "fast"):
        self._as_pg(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w", "stop")

    def destroy(self):
        try:
            self.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres():
    cluster = ThrowawayPostgres()
    yield cluster
    cluster.destroy()


@pytest.fixture
def pg_workspace(tmp_path, postgres):
    ws = Workspace(tmp_path / "chorus", database_url=postgres.url)
    yield ws
    ws.close()


def pytest_sessionstart(session):
    session.config._reliability_started = time.time()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _records:
        return
    RESULTS.write_text(json.dumps({"quick": QUICK, "scenarios": _records}, indent=2) + "\n")
    terminalreporter.section("reliability report" + (" (quick)" if QUICK else ""))
    width = max(len(r["scenario"]) for r in _records)
    for r in _records:
        terminalreporter.write_line(f"{r['scenario']:<{width}}  tried: {r['tried']}")
        terminalreporter.write_line(f"{'':<{width}}  lost:  {r['lost']}")
    terminalreporter.write_line(f"(written to {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS})")
