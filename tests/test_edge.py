"""The edge of the app: bodies bounded while they stream, uploads vetted before reading, nesting and controls refused.

These drive the ASGI app directly, so a test can see how many bytes the app pulled from the client.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI

from core.settings import Settings
from tests.bot.support import ChatRuntime, make_app, make_runtime
from thidua.edge import MAX_JSON_DEPTH, has_hidden_controls, json_depth

MB = 1024 * 1024


@dataclass
class Sent:
    """What the app answered and how much of the body it read."""

    status: int = 0
    body: bytes = b""
    read: int = 0
    messages: list[dict[str, Any]] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.body)


def drive(
    app: FastAPI,
    path: str,
    *,
    chunk: bytes = b"x" * 65536,
    total: int | None = None,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    query: bytes = b"",
    body: bytes | None = None,
    prefix: bytes = b"",
) -> Sent:
    """Send ``body`` (or ``total`` bytes of ``chunk``s, without a Content-Length unless given) to ``app``."""
    sent = Sent()
    pieces: Iterator[bytes]
    if body is not None:
        pieces = iter([body])
        remaining = len(body)
    else:
        remaining = total if total is not None else 10**12
        endless: Iterator[bytes] = iter(lambda: chunk, None)
        pieces = _chain(prefix, endless)

    async def receive() -> dict[str, Any]:
        nonlocal remaining
        if remaining <= 0:
            await asyncio.sleep(3600)
        piece = next(pieces)[:remaining]
        remaining -= len(piece)
        sent.read += len(piece)
        return {"type": "http.request", "body": piece, "more_body": remaining > 0}

    async def send(message: dict[str, Any]) -> None:
        sent.messages.append(message)
        if message["type"] == "http.response.start":
            sent.status = message["status"]
        elif message["type"] == "http.response.body":
            sent.body += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }

    async def run() -> None:
        async with app.router.lifespan_context(app):
            await asyncio.wait_for(app(scope, receive, send), timeout=60)

    asyncio.run(run())
    return sent


def _chain(first: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    if first:
        yield first
    yield from rest


FILE_PART = b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'


@pytest.fixture
def edge_runtime(settings: Settings) -> Iterator[ChatRuntime]:
    runtime = make_runtime(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def app(edge_runtime: ChatRuntime) -> FastAPI:
    return make_app(edge_runtime)


MULTIPART = {"content-type": "multipart/form-data; boundary=xyz"}


def test_an_anonymous_plan_upload_is_refused_before_a_byte_is_read(app: FastAPI) -> None:
    for method, path in (("POST", "/api/plans"), ("PUT", "/api/plans/1")):
        sent = drive(app, path, method=method, headers=MULTIPART)
        assert sent.status == 401
        assert sent.read == 0
        assert sent.json()["error"] == "unauthorized"


def test_a_forged_token_does_not_open_the_upload(app: FastAPI) -> None:
    sent = drive(app, "/api/plans", headers={**MULTIPART, "authorization": "Bearer abc.def.ghi"})
    assert (sent.status, sent.read) == (401, 0)


def test_a_chunked_attachment_without_length_stops_at_the_limit(app: FastAPI, settings: Settings) -> None:
    sent = drive(app, "/api/chat/session-1234/attachments", headers=MULTIPART, prefix=FILE_PART)
    assert sent.status == 413
    limit = settings.max_attachment_mb * MB
    assert limit < sent.read <= limit + 2 * MB
    assert sent.json()["error"] == "too_large"


@pytest.mark.parametrize("path", ["/api/chat", "/webhooks/zalo", "/webhooks/telegram"])
def test_a_big_body_is_refused_while_it_streams(app: FastAPI, path: str) -> None:
    sent = drive(app, path, headers={"content-type": "application/json"})
    assert sent.status == 413
    assert sent.read <= 2 * MB


@pytest.mark.parametrize("path", ["/api/chat", "/webhooks/zalo", "/api/plans"])
def test_a_declared_length_over_the_limit_is_refused_unread(app: FastAPI, path: str) -> None:
    sent = drive(app, path, headers={"content-type": "application/json", "content-length": str(200 * MB)})
    assert (sent.status, sent.read) == (413, 0)


@pytest.mark.parametrize("path", ["/api/chat", "/webhooks/zalo", "/webhooks/telegram", "/api/auth/token"])
def test_deep_nesting_is_a_bad_request(app: FastAPI, path: str) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    sent = drive(app, path, body=deep, headers={"content-type": "application/json"})
    assert sent.status == 400
    assert sent.json()["error"] == "bad_request"


def test_json_depth_skips_strings() -> None:
    assert json_depth(b'{"a": "[[[[[[", "b": [1, {"c": "\\"]]"}]}') == 3
    assert json_depth(b"[" * (MAX_JSON_DEPTH + 1)) == MAX_JSON_DEPTH + 1


def test_hidden_controls_are_found_raw_and_escaped() -> None:
    assert has_hidden_controls("tên\u202egnp.exe".encode())
    assert has_hidden_controls(b'{"a": "x\\u0000"}')
    assert has_hidden_controls(b'{"a": "x\\u202E"}')
    assert not has_hidden_controls(b'{"a": "x\\\\u0000"}')  # an escaped backslash, then plain text
    assert not has_hidden_controls("Nguyễn Văn An".encode())


def test_nul_in_an_admin_query_or_form_is_refused(app: FastAPI) -> None:
    sent = drive(app, "/api/initiatives", method="GET", query=b"q=a%00b")
    assert sent.status == 422
    form = b"username=ad%00min&password=xxxxxxxxxxxx"
    sent = drive(app, "/api/auth/token", body=form, headers={"content-type": "application/x-www-form-urlencoded"})
    assert sent.status == 422
    sent = drive(
        app,
        "/api/auth/token",
        body="username=a\u202eb&password=x".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert sent.status == 422
