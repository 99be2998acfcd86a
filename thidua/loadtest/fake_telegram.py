"""A fake Telegram Bot API on 127.0.0.1 for the harness: it answers what the bot calls and records every message sent.

The bot under load reaches it through ``THIDUA_TELEGRAM_API_URL``; nothing goes to Telegram.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

BOT_ID = 777000111
TOKEN = f"{BOT_ID}:loadtest-token-not-a-secret"  # a fake bot's token
SEND_DELAY_SECONDS = 0.02  # a little network time per message, so deliveries are under way when a worker is killed


@dataclass(frozen=True)
class Sent:
    """One ``sendMessage`` the fake accepted."""

    chat_id: str
    text: str
    with_buttons: bool


def _fields(headers: Any, body: bytes) -> dict[str, str]:
    kind = headers.get("content-type", "")
    if kind.startswith("application/json"):
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in json.loads(body or b"{}").items()}
    if kind.startswith("multipart/form-data"):
        boundary = kind.split("boundary=")[1].strip('"').encode()
        fields: dict[str, str] = {}
        for part in body.split(b"--" + boundary):
            head, _, value = part.partition(b"\r\n\r\n")
            if b'name="' in head:
                name = head.split(b'name="')[1].split(b'"')[0].decode()
                fields[name] = value.rsplit(b"\r\n", 1)[0].decode("utf-8", "replace")
        return fields
    return {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}


class FakeTelegram:
    """The Bot API methods the bot calls (getMe, setMyCommands, sendMessage), in a thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: list[Sent] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:  # the name http.server dispatches to
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                payload = json.dumps({"ok": True, "result": fake.answer(self.path, self.headers, body)}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The base URL to give the bot."""
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def answer(self, path: str, headers: Any, body: bytes) -> Any:
        """The ``result`` of one Bot API call."""
        method = path.rsplit("/", 1)[-1]
        if method == "getMe":
            return {"id": BOT_ID, "is_bot": True, "first_name": "Trợ lý thi đua", "username": "thidua_load_bot"}
        if method != "sendMessage":
            return True
        fields = _fields(headers, body)
        time.sleep(SEND_DELAY_SECONDS)
        with self.lock:
            self.sent.append(Sent(fields.get("chat_id", ""), fields.get("text", ""), "reply_markup" in fields))
            number = len(self.sent)
        chat = {"id": int(fields.get("chat_id") or 0), "type": "private"}
        return {"message_id": number, "date": int(time.time()), "chat": chat, "text": fields.get("text", "")}

    def messages(self, chat_id: str | None = None) -> list[Sent]:
        """Every message sent so far (to ``chat_id`` if given)."""
        with self.lock:
            return [m for m in self.sent if chat_id is None or m.chat_id == chat_id]

    def replies_per_chat(self) -> Counter[str]:
        """Dialog replies per chat: every reply carries buttons on its last piece; notices carry none."""
        with self.lock:
            return Counter(m.chat_id for m in self.sent if m.with_buttons)

    def close(self) -> None:
        """Stop the server."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
