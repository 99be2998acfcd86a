"""What every request passes before any route sees it: bounded bodies, bounded JSON nesting, no hidden controls.

One ASGI middleware, so each channel and route gets the same limits without reading a body itself:

- a body is refused with 413 as soon as its declared length or the bytes streamed so far pass its route's limit
  (chat, look-up form and webhooks small; attachments and plan uploads by their settings);
- a plan upload without a signed bearer token is refused with 401 before a byte of it is read;
- small bodies are read whole (bounded) and JSON nested deeper than ``MAX_JSON_DEPTH`` is refused with 400;
- on the admin API, NUL and bidirectional control characters in the path, query or body are refused with 422
  (chat and webhook text is cleaned instead, by the dialog).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings

MB = 1024 * 1024
CHAT_BODY_BYTES = 256 * 1024
LOOKUP_BODY_BYTES = 16 * 1024  # the look-up page's form: a receipt code and a phone or e-mail
WEBHOOK_BODY_BYTES = 1 * MB
DEFAULT_BODY_BYTES = 1 * MB
MULTIPART_OVERHEAD = 64 * 1024
MAX_JSON_DEPTH = 64

_ATTACHMENTS = re.compile(r"^/api/chat/[^/]+/attachments$")
_PLAN_UPLOAD = re.compile(r"^/api/plans(/[^/]+)?$")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(rb"[^\[\]{}]+")
# NUL and the bidi embeddings, overrides, isolates and marks, raw (UTF-8) or as a JSON escape not itself escaped.
_HIDDEN_RAW = re.compile(rb"\x00|\xd8\x9c|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
_HIDDEN_ESCAPE = re.compile(rb"(?:^|[^\\])(?:\\\\)*\\u(?:0000|061[cC]|200[eEfF]|202[a-eA-E]|206[6-9])")

Guard = Callable[[Scope], Awaitable[JSONResponse | None]]


@dataclass(frozen=True)
class BodyRule:
    """How a route's body is bounded: its byte limit, and whether it is small enough to read whole and inspect."""

    limit: int
    buffered: bool
    chat_file: bool = False  # the web chat page shows a refused attachment as a reply


def body_rule(path: str, method: str, settings: Settings) -> BodyRule:
    """The limit of a request's body, by its route."""
    if _ATTACHMENTS.match(path):
        return BodyRule(settings.max_attachment_mb * MB + MULTIPART_OVERHEAD, buffered=False, chat_file=True)
    if _PLAN_UPLOAD.match(path) and method in {"POST", "PUT"}:
        return BodyRule(settings.max_upload_mb * MB + MULTIPART_OVERHEAD, buffered=False)
    if path == "/api/chat":
        return BodyRule(CHAT_BODY_BYTES, buffered=True)
    if path == "/tra-cuu":
        return BodyRule(LOOKUP_BODY_BYTES, buffered=True)
    if path.startswith("/webhooks/"):
        return BodyRule(WEBHOOK_BODY_BYTES, buffered=True)
    return BodyRule(DEFAULT_BODY_BYTES, buffered=True)


def json_depth(raw: bytes) -> int:
    """How deeply the JSON text ``raw`` nests arrays and objects, without parsing it (strings are skipped)."""
    brackets = _NOT_BRACKET.sub(b"", _JSON_STRING.sub(b"", raw))
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


def has_hidden_controls(raw: bytes) -> bool:
    """Whether ``raw`` holds NUL or a bidi control character, as UTF-8 bytes or as a JSON ``\\u`` escape."""
    return bool(_HIDDEN_RAW.search(raw) or _HIDDEN_ESCAPE.search(raw))


def _error(status: int, code: str, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)


def too_large(rule: BodyRule) -> JSONResponse:
    """The 413 answer for a body over the rule's limit (for a chat attachment, also as a chat reply)."""
    if rule.chat_file:
        detail = f"Tệp lớn hơn {rule.limit // MB} MB nên chưa nhận được."
        message: dict[str, Any] = {"text": detail, "buttons": []}
        content = {"error": "too_large", "detail": detail, "replies": [detail], "messages": [message], "notices": []}
        return JSONResponse(content, status_code=413)
    size = f"{rule.limit // MB} MB" if rule.limit >= MB else f"{rule.limit // 1024} KB"
    return _error(413, "too_large", f"Dữ liệu gửi lên vượt quá giới hạn {size}.")


_HIDDEN_DETAIL = "Dữ liệu chứa ký tự điều khiển không được phép (NUL hoặc ký tự đổi chiều văn bản)."


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once a streamed body passes its limit."""


class Edge:
    """The ASGI middleware described in the module docstring; ``upload_guard`` vets plan uploads before reading."""

    def __init__(self, app: ASGIApp, *, upload_guard: Guard | None = None) -> None:
        self.app = app
        self.upload_guard = upload_guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request, then hand it on with a bounded body."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        method: str = scope["method"]
        admin_api = path.startswith("/api/") and not path.startswith("/api/chat")
        if admin_api and (has_hidden_controls(path.encode()) or has_hidden_controls(_query(scope))):
            await _error(422, "validation_error", _HIDDEN_DETAIL)(scope, receive, send)
            return
        if method in {"GET", "HEAD", "OPTIONS", "DELETE"} and "content-length" not in Headers(scope=scope):
            await self.app(scope, receive, send)
            return
        rule = body_rule(path, method, _settings(scope))
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > rule.limit:
            await too_large(rule)(scope, receive, send)
            return
        if rule.buffered:
            await self._buffered(scope, receive, send, rule, admin_api=admin_api)
            return
        if self.upload_guard is not None and _PLAN_UPLOAD.match(path):
            refused = await self.upload_guard(scope)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self._streamed(scope, receive, send, rule)

    async def _buffered(self, scope: Scope, receive: Receive, send: Send, rule: BodyRule, *, admin_api: bool) -> None:
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > rule.limit:
                await too_large(rule)(scope, receive, send)
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        if body.lstrip()[:1] in (b"[", b"{") and json_depth(body) > MAX_JSON_DEPTH:
            await _error(400, "bad_request", "Dữ liệu JSON lồng nhau quá sâu.")(scope, receive, send)
            return
        if admin_api and has_hidden_controls(_text_of(scope, body)):
            await _error(422, "validation_error", _HIDDEN_DETAIL)(scope, receive, send)
            return
        await self.app(scope, _replay(body, receive), send)

    async def _streamed(self, scope: Scope, receive: Receive, send: Send, rule: BodyRule) -> None:
        size = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal size, exceeded
            message = await receive()
            size += len(message.get("body", b""))
            if size > rule.limit:
                exceeded = True
                raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # whatever the route made of the cut-off body, the answer is the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            exceeded = True
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await too_large(rule)(scope, receive, send)


def _settings(scope: Scope) -> Settings:
    settings: Settings = scope["app"].state.runtime.settings
    return settings


def _query(scope: Scope) -> bytes:
    return unquote_to_bytes(bytes(scope.get("query_string", b"")))


def _text_of(scope: Scope, body: bytes) -> bytes:
    """The body's text as a route will read it (form fields percent-decoded)."""
    content_type = Headers(scope=scope).get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/x-www-form-urlencoded":
        return unquote_to_bytes(body.replace(b"+", b" "))
    return body


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
