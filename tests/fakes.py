"""Fakes: real subclasses of the interfaces they stand in for, in one place."""

from __future__ import annotations

import hashlib

import numpy as np
from langchain_core.embeddings import Embeddings

from core.vietnamese import folded_words


class FakeEmbeddings(Embeddings):
    """Deterministic bag-of-words embedder: texts sharing folded words get similar vectors. Counts its calls."""

    name = "fake-bow-64"

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.embedded_texts = 0

    def _vector(self, text: str) -> list[float]:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in folded_words(text):
            bucket = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "big") % self.dim
            vector[bucket] += 1.0
        norm = float(np.linalg.norm(vector)) or 1.0
        return (vector / norm).tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages."""
        self.embedded_texts += len(texts)
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        """Embed a query."""
        return self._vector(text)


# --- chat channels (bot/) ---------------------------------------------------------------------------------------

import html as _html  # noqa: E402
import json as _json  # noqa: E402
import re as _re  # noqa: E402
import threading as _threading  # noqa: E402
import time as _time  # noqa: E402
from collections.abc import Callable as _Callable  # noqa: E402
from dataclasses import dataclass as _dataclass  # noqa: E402
from dataclasses import field as _field  # noqa: E402
from http.server import BaseHTTPRequestHandler as _Handler  # noqa: E402
from http.server import ThreadingHTTPServer as _Server  # noqa: E402
from typing import Any as _Any  # noqa: E402
from urllib.parse import parse_qs as _parse_qs  # noqa: E402

from bot.ports import QuestionAnswerer  # noqa: E402

FAKE_CITATION = "Nguồn: Kế hoạch 99/KH-UBND của UBND phường Hoàng Mai, mục III.1"


@_dataclass(frozen=True)
class FakeAnswer:
    """An answer as the retrieval package shapes it."""

    question: str
    text: str
    found: bool
    sources: list[str]


class FakeAnswerer(QuestionAnswerer):
    """Answers every question from one canned passage with its citation; remembers what it was asked."""

    def __init__(self, localities: list[str] | None = None) -> None:
        self.asked: list[tuple[str, str | None]] = []
        self._localities = localities if localities is not None else ["phường Hoàng Mai", "xã Sóc Sơn"]

    def answer(self, question: str, *, locality: str | None = None) -> FakeAnswer:
        """Answer with a fixed deadline and its citation; ``found`` is False for questions about weather."""
        self.asked.append((question, locality))
        if "thời tiết" in question:
            return FakeAnswer(question, "Em chưa tìm thấy nội dung này trong các kế hoạch.", False, [])
        text = f"Hạn gửi sáng kiến là ngày 15/12 hằng năm.\n{FAKE_CITATION}"
        return FakeAnswer(question, text, True, ["99/KH-UBND"])

    def follow_up(self, question: str, previous: str | None) -> str:
        """Carry nothing over: the fake reads every question on its own."""
        return question

    def localities(self) -> list[str]:
        """The fixed localities."""
        return list(self._localities)


@_dataclass
class Recorded:
    """One request a fake platform server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int = 0  # what the fake answered
    response: bytes = b""

    def json(self) -> _Any:
        """The body parsed as JSON."""
        return _json.loads(self.body)

    def form(self) -> dict[str, str]:
        """The body parsed as a form (JSON bodies also accepted, as python-telegram-bot may send either)."""
        if self.headers.get("content-type", "").startswith("application/json"):
            return {k: v if isinstance(v, str) else _json.dumps(v) for k, v in self.json().items()}
        if self.headers.get("content-type", "").startswith("multipart/form-data"):
            return _multipart_fields(self.body, self.headers["content-type"])
        return {k: v[0] for k, v in _parse_qs(self.body.decode()).items()}


def _multipart_fields(body: bytes, content_type: str) -> dict[str, str]:
    boundary = content_type.split("boundary=")[1].strip('"').encode()
    fields: dict[str, str] = {}
    for part in body.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        if b'name="' not in head:
            continue
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        fields[name] = value.rsplit(b"\r\n", 1)[0].decode("utf-8", "replace")
    return fields


Responder = _Callable[[Recorded], tuple[int, dict[str, str], bytes] | None]


@_dataclass
class FakePlatform:
    """A real HTTP server on 127.0.0.1 in a thread that records requests and answers through ``respond``."""

    respond: Responder
    requests: list[Recorded] = _field(default_factory=list)
    overrides: list[Responder] = _field(default_factory=list)  # tried first; a test can inject 429s or 5xxs

    def __post_init__(self) -> None:
        platform = self

        class Handler(_Handler):
            def log_message(self, *args: object) -> None:
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                recorded = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with platform.lock:
                    platform.requests.append(recorded)
                    overrides = list(platform.overrides)
                result = None
                for override in overrides:
                    result = override(recorded)
                    if result is not None:
                        break
                if result is None:
                    result = platform.respond(recorded) or (404, {}, b"{}")
                status, headers, payload = result
                recorded.status, recorded.response = status, payload
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = _serve
            do_POST = _serve

        self.lock = _threading.Lock()
        self.server = _Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = _threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """Base URL of the server."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        """Stop the server and its thread."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def matching(self, predicate: _Callable[[Recorded], bool]) -> list[Recorded]:
        """Requests received so far that satisfy ``predicate``."""
        with self.lock:
            return [r for r in self.requests if predicate(r)]

    def wait_for(self, predicate: _Callable[[Recorded], bool], count: int = 1, timeout: float = 10.0) -> list[Recorded]:
        """Wait until ``count`` matching requests arrived; fail the test otherwise."""
        deadline = _time.monotonic() + timeout
        while _time.monotonic() < deadline:
            found = self.matching(predicate)
            if len(found) >= count:
                return found
            _time.sleep(0.02)
        raise AssertionError(f"expected {count} matching requests, got {len(self.matching(predicate))}")


TELEGRAM_BOT_ID = 7000001
_TG_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "code", "pre", "a", "tg-spoiler", "blockquote"}
_TG_ENTITY = _re.compile(r"&(?:lt|gt|amp|quot|#\d+|#x[0-9A-Fa-f]+);")
_TG_TAG = _re.compile(r"<(/?)([a-z-]+)(?:\s+href=\"[^\"<>]*\")?>")


def _telegram_html_text(html: str) -> str | None:
    """The text a Telegram HTML message shows, or None when its entities would not parse."""
    shown: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(html):
        if html[i] == "&":
            entity = _TG_ENTITY.match(html, i)
            if entity is None:
                return None
            shown.append(_html.unescape(entity.group(0)))
            i = entity.end()
        elif html[i] == "<":
            tag = _TG_TAG.match(html, i)
            if tag is None or tag.group(2) not in _TG_TAGS:
                return None
            if tag.group(1):
                if not open_tags or open_tags.pop() != tag.group(2):
                    return None
            else:
                open_tags.append(tag.group(2))
            i = tag.end()
        else:
            shown.append(html[i])
            i += 1
    return None if open_tags else "".join(shown)


def telegram_refusal(fields: dict[str, str]) -> str | None:
    """Why the Bot API would refuse this ``sendMessage`` (entities, 4096 characters, 64-byte callback data)."""
    text = fields.get("text", "")
    shown = _telegram_html_text(text) if fields.get("parse_mode") == "HTML" else text
    if shown is None:
        return "can't parse entities"
    if not shown.strip():
        return "message text is empty"
    if len(shown.encode("utf-16-le")) // 2 > 4096:
        return "message is too long"
    markup = _json.loads(fields["reply_markup"]) if fields.get("reply_markup") else {}
    for row in markup.get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data", "")
            if not 1 <= len(data.encode()) <= 64:
                return "BUTTON_DATA_INVALID"
    return None


class FakeTelegram(FakePlatform):
    """The Bot API methods the bot uses; ``files`` maps a file_path to its bytes, ``updates`` feeds polling."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.updates: list[dict[str, _Any]] = []
        self.rejected: list[str] = []  # why the fake refused a message, as the real Bot API would
        self._next_message_id = 1
        super().__init__(respond=self._respond)

    def _respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path.startswith("/file/bot"):
            file_path = request.path.split("/", 3)[3]
            data = self.files.get(file_path)
            return (200, {"Content-Type": "application/octet-stream"}, data) if data is not None else (404, {}, b"")
        method = request.path.rsplit("/", 1)[-1]
        result: _Any = True
        if method == "getMe":
            result = {"id": TELEGRAM_BOT_ID, "is_bot": True, "first_name": "Trợ lý thi đua", "username": "thidua_bot"}
        elif method == "sendMessage":
            fields = request.form()
            refusal = telegram_refusal(fields)
            if refusal is not None:
                with self.lock:
                    self.rejected.append(refusal)
                body = {"ok": False, "error_code": 400, "description": f"Bad Request: {refusal}"}
                return 400, {}, _json.dumps(body).encode()
            self._next_message_id += 1
            result = {
                "message_id": self._next_message_id,
                "date": 1_700_000_000,
                "chat": {"id": int(fields["chat_id"]), "type": "private"},
                "text": fields.get("text", ""),
            }
        elif method == "getFile":
            file_id = request.form()["file_id"]
            path = f"documents/{file_id}"
            result = {"file_id": file_id, "file_unique_id": file_id, "file_size": len(self.files.get(path, b""))}
            result["file_path"] = path
        elif method == "getUpdates":
            with self.lock:
                result, self.updates = list(self.updates), []
        return 200, {}, _json.dumps({"ok": True, "result": result}).encode()

    def sent(self, chat_id: int | None = None) -> list[dict[str, str]]:
        """Fields of every sendMessage so far (to ``chat_id`` if given)."""
        messages = [r.form() for r in self.matching(lambda r: r.path.endswith("/sendMessage") and r.status == 200)]
        return [m for m in messages if chat_id is None or m.get("chat_id") == str(chat_id)]


def zalo_oa_refusal(body: object) -> str | None:
    """Why the OA API would refuse this customer-service message (schema, 2,000 characters, buttons)."""
    if not isinstance(body, dict) or set(body) != {"recipient", "message"}:
        return "body must be {recipient, message}"
    recipient, message = body["recipient"], body["message"]
    if not isinstance(recipient, dict) or not isinstance(recipient.get("user_id"), str) or not recipient["user_id"]:
        return "recipient.user_id must be a string"
    text = message.get("text") if isinstance(message, dict) else None
    if not isinstance(text, str) or not 1 <= len(text) <= 2000:
        return "message.text must be 1-2000 characters"
    buttons = ((message.get("attachment") or {}).get("payload") or {}).get("buttons", [])
    if len(buttons) > 5 or any(len(b.get("title", "")) > 100 or not b.get("payload") for b in buttons):
        return "invalid buttons"
    return None


def zns_refusal(body: object) -> str | None:
    """Why ZNS would refuse this template message (schema, phone in 84… form, string parameters)."""
    if not isinstance(body, dict) or set(body) - {"phone", "template_id", "template_data", "tracking_id", "mode"}:
        return "unknown fields"
    if not _re.fullmatch(r"84\d{9}", str(body.get("phone", ""))):
        return "phone must be 84xxxxxxxxx"
    data = body.get("template_data")
    if not isinstance(body.get("template_id"), str) or not isinstance(data, dict):
        return "template_id and template_data are required"
    if not all(isinstance(v, str) and len(v) <= 400 for v in data.values()):
        return "template parameters must be strings of at most 400 characters"
    return None


class FakeZalo(FakePlatform):
    """The OA send API, the OAuth refresh endpoint and a file host; refresh tokens are single-use as on Zalo."""

    def __init__(self, *, access_token: str = "acc-0", refresh_token: str = "ref-0", app_secret: str = "") -> None:  # noqa: S107
        self.valid_access = {access_token}
        self.refresh_token = refresh_token
        self.app_secret = app_secret
        self.files: dict[str, bytes] = {}
        self.send_error: int = 0  # a test sets e.g. -230 (user outside the reply window) to refuse sends
        self.rejected: list[str] = []  # why the fake refused a message, as the OA API would
        self._issued = 0
        super().__init__(respond=self._respond)

    def _respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.method == "GET" and request.path.startswith("/files/"):
            data = self.files.get(request.path.removeprefix("/files/"))
            return (200, {"Content-Type": "application/octet-stream"}, data) if data is not None else (404, {}, b"")
        if request.path == "/v3.0/oa/message/cs":
            if request.headers.get("access_token") not in self.valid_access:
                return 200, {}, _json.dumps({"error": -216, "message": "Access token is invalid"}).encode()
            if self.send_error:
                return 200, {}, _json.dumps({"error": self.send_error, "message": "User has not interacted"}).encode()
            refusal = zalo_oa_refusal(request.json())
            if refusal is not None:
                with self.lock:
                    self.rejected.append(refusal)
                return 200, {}, _json.dumps({"error": -201, "message": refusal}).encode()
            return 200, {}, _json.dumps({"error": 0, "message": "Success", "data": {"message_id": "m"}}).encode()
        if request.path == "/message/template":  # Zalo ZNS, with the OA's access token
            if request.headers.get("access_token") not in self.valid_access:
                return 200, {}, _json.dumps({"error": -124, "message": "Access token is invalid"}).encode()
            refusal = zns_refusal(request.json())
            if refusal is not None:
                with self.lock:
                    self.rejected.append(refusal)
                return 200, {}, _json.dumps({"error": -108, "message": refusal}).encode()
            return 200, {}, _json.dumps({"error": 0, "message": "Success", "data": {"msg_id": "zns-1"}}).encode()
        if request.path == "/v4/oa/access_token":
            fields = request.form()
            with self.lock:
                if request.headers.get("secret_key") != self.app_secret or fields.get("refresh_token") != (
                    self.refresh_token
                ):
                    return 200, {}, _json.dumps({"error": -14014, "error_name": "Invalid refresh token"}).encode()
                self._issued += 1
                access, self.refresh_token = f"acc-{self._issued}", f"ref-{self._issued}"
                self.valid_access = {access}
            body = {"access_token": access, "refresh_token": self.refresh_token, "expires_in": "90000"}
            return 200, {}, _json.dumps(body).encode()
        return 404, {}, b"{}"

    def sent(self, user_id: str | None = None) -> list[dict[str, _Any]]:
        """The ``message`` objects the fake accepted so far (to ``user_id`` if given), in order."""
        accepted = self.matching(
            lambda r: r.path == "/v3.0/oa/message/cs" and r.status == 200 and _json.loads(r.response)["error"] == 0
        )
        bodies = [r.json() for r in accepted]
        return [b["message"] for b in bodies if user_id is None or b["recipient"]["user_id"] == user_id]

    def zns(self) -> list[dict[str, _Any]]:
        """ZNS template messages the fake accepted, in order."""
        accepted = self.matching(
            lambda r: r.path == "/message/template" and r.status == 200 and _json.loads(r.response)["error"] == 0
        )
        return [r.json() for r in accepted]

    def refreshes(self) -> list[Recorded]:
        """Calls of the token refresh endpoint."""
        return self.matching(lambda r: r.path == "/v4/oa/access_token")


ZALOBOT_TOKEN = "1234567890:zalo-bot-TEST-token"


class FakeZaloBot(FakePlatform):
    """The Zalo Bot Platform API: ``/bot<token>/{getMe,getUpdates,setWebhook,sendMessage}`` and a photo host."""

    def __init__(self, token: str = ZALOBOT_TOKEN) -> None:
        self.token = token
        self.files: dict[str, bytes] = {}
        self.updates: list[dict[str, _Any]] = []
        self.rejected: list[str] = []
        super().__init__(respond=self._respond)

    def _answer(self, result: _Any) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, _json.dumps({"ok": True, "result": result}).encode()

    def _refuse(self, status: int, description: str) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.rejected.append(description)
        return status, {}, _json.dumps({"ok": False, "error_code": status, "description": description}).encode()

    def _respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.method == "GET" and request.path.startswith("/files/"):
            data = self.files.get(request.path.removeprefix("/files/"))
            return (200, {"Content-Type": "image/jpeg"}, data) if data is not None else (404, {}, b"")
        prefix, _, method = request.path.rpartition("/")
        if prefix != f"/bot{self.token}":
            return self._refuse(401, "Unauthorized")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._refuse(400, "body must be JSON")
        body = request.json() if request.body else {}
        if method == "getMe":
            return self._answer({"id": "bot-1", "account_name": "bot.thidua", "account_type": "BASIC"})
        if method == "sendMessage":
            return self._send(body)
        if method == "getUpdates":
            with self.lock:
                update = self.updates.pop(0) if self.updates else None
            return self._answer(update) if update is not None else self._refuse(408, "Request timeout")
        if method == "setWebhook":
            return self._answer({"url": body.get("url")})
        return self._refuse(404, "Not Found")

    def _send(self, body: _Any) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(body, dict) or set(body) != {"chat_id", "text"}:
            return self._refuse(400, "sendMessage takes exactly chat_id and text")
        if not isinstance(body["chat_id"], str) or not isinstance(body["text"], str):
            return self._refuse(400, "chat_id and text must be strings")
        if not 1 <= len(body["text"]) <= 2000:
            return self._refuse(400, "text must be 1-2000 characters")
        return self._answer({"message_id": f"sent-{len(self.requests)}", "date": 1_700_000_000_000})

    def sent(self, chat_id: str | None = None) -> list[str]:
        """Texts the fake accepted so far (to ``chat_id`` if given), in order."""
        accepted = self.matching(lambda r: r.path.endswith("/sendMessage") and r.status == 200)
        return [r.json()["text"] for r in accepted if chat_id is None or r.json()["chat_id"] == chat_id]


# --- answer generator (retrieval/) ------------------------------------------------------------------------------

from langchain_core.callbacks import CallbackManagerForLLMRun as _RunManager  # noqa: E402
from langchain_core.language_models import BaseChatModel as _BaseChatModel  # noqa: E402
from langchain_core.messages import AIMessage as _AIMessage  # noqa: E402
from langchain_core.messages import BaseMessage as _BaseMessage  # noqa: E402
from langchain_core.outputs import ChatGeneration as _ChatGeneration  # noqa: E402
from langchain_core.outputs import ChatResult as _ChatResult  # noqa: E402


class SlowChatModel(_BaseChatModel):
    """A chat model that answers, but only after ``delay`` seconds (to test the generator's timeout)."""

    delay: float = 1.0

    @property
    def _llm_type(self) -> str:
        return "slow-fake"

    def _generate(
        self,
        messages: list[_BaseMessage],
        stop: list[str] | None = None,
        run_manager: _RunManager | None = None,
        **kwargs: _Any,
    ) -> _ChatResult:
        _time.sleep(self.delay)
        return _ChatResult(generations=[_ChatGeneration(message=_AIMessage("quá muộn"))])


class BrokenChatModel(_BaseChatModel):
    """A chat model whose endpoint is down."""

    @property
    def _llm_type(self) -> str:
        return "broken-fake"

    def _generate(
        self,
        messages: list[_BaseMessage],
        stop: list[str] | None = None,
        run_manager: _RunManager | None = None,
        **kwargs: _Any,
    ) -> _ChatResult:
        raise ConnectionError("endpoint down")
