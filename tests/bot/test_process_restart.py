"""The form survives its process being killed: a real server process, stopped hard after three answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from tests.bot.support import FORM_BEFORE_FILE, fill_form

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_")}
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "tests.bot.serve_for_test", str(data_dir), str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/widget.js", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    process.wait()
    raise AssertionError(f"server did not start: {log.read_text(errors='replace')}")


def test_form_resumes_after_the_process_is_killed(tmp_path: Path) -> None:
    data_dir, log, port = tmp_path / "data", tmp_path / "server.log", _free_port()
    session = uuid.uuid4().hex

    def say(text: str) -> str:
        response = httpx.post(f"http://127.0.0.1:{port}/api/chat", json={"session": session, "text": text}, timeout=20)
        assert response.status_code == 200, response.text
        return "\n".join(response.json()["replies"])

    process = _start(data_dir, port, log)
    try:
        fill_form(say, FORM_BEFORE_FILE[:4])  # /sangkien and three answers
    finally:
        process.kill()  # no graceful shutdown: the state must already be in the database
        process.wait()

    process = _start(data_dir, port, log)
    try:
        reply = say("phường Hoàng Mai")
        assert "Bước 5/12" in reply, reply
    finally:
        process.terminate()
        process.wait(timeout=30)
