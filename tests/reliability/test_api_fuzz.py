"""API fuzzing: schemathesis (PyPI) generates requests from /openapi.json and sends them with an
admin's session. Never a 5xx, and every response matches the document (status codes, content
types, bodies against their schemas)."""
import re
import subprocess

from chorus import free_port, text_message, webhook

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_headers_conformance,response_schema_conformance")
# Calls that would end the fuzzer's own session or lock its admin out; the rest is fair game.
KEEP_SESSION = [r"^/api/v1/sessions/current$", r"^/api/v1/devices/logout-all$", r"^/api/v1/devices/\{id\}$",
                r"^/api/v1/members/\{id\}/(logout-all|deactivate)$", r"^/api/v1/settings/security$"]


def test_schemathesis_against_openapi(workspace, quick, report, tmp_path):
    sim = workspace.simulator(free_port())
    workspace.add_channel(sim.port)
    workspace.create_member("admin@fuzz.test")
    workspace.create_member("agent@fuzz.test", role="standard")
    server = workspace.serve()
    token = server.sign_in("admin@fuzz.test")
    # Something to find: conversations, a label, a quick reply.
    for i in range(5):
        server.http.webhook(webhook([text_message(f"wamid.fuzz.{i}", f"4990{i:04d}", f"hello {i}")]))
    server.http.json("POST", "/api/v1/labels", {"name": "vip"}, token=token)
    server.http.json("POST", "/api/v1/quick-replies", {"shortcut": "hi", "body": "Hello"}, token=token)

    command = ["schemathesis", "run", f"http://127.0.0.1:{server.port}/openapi.json", "-H", f"Authorization: Bearer {token}",
               "--checks", CHECKS, "--max-examples", "10" if quick else "60", "--workers", "2", "--seed", "20261125",
               "--request-timeout", "20", "--exclude-path-regex", "|".join(KEEP_SESSION), "--no-color"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1500, cwd=tmp_path)
    output = result.stdout + result.stderr
    (workspace.directory / "schemathesis.log").write_text(output)
    generated = re.search(r"(\d+) generated", output)
    failures = re.findall(r"^_{3,} (.+?) _{3,}$", output, re.MULTILINE)
    server_errors = [line for line in output.splitlines() if "Server error" in line]
    report(tried=f"schemathesis over every operation of /openapi.json ({generated.group(1) if generated else '?'} requests, "
                 f"checks {CHECKS})",
           lost=f"{len(failures)} operations with failures{': ' + ', '.join(failures[:8]) if failures else ''}, "
                f"{len(server_errors)} server errors; "
                f"server alive afterwards: {server.process.alive()}",
           failures=failures)
    assert server.process.alive()
    assert result.returncode == 0, output[-6000:]
