"""One contract for every channel: the same scenarios through Telegram, Zalo OA, Zalo Bot and the web chat.

Each driver talks to the product's app the way its platform does (webhooks, signed events, the page's JSON API) and
reads what the bot sent from a fake platform server on 127.0.0.1 that refuses what the real API would refuse.
"""

from __future__ import annotations

import contextlib
import functools
import json
import uuid
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from bot.notifier import deliver_due
from core.db import session_scope
from core.models import Attachment, Initiative, Notice
from core.notices import enqueue_notice
from core.settings import Settings
from tests.bot.support import (
    FORM_AFTER_FILE,
    FORM_BEFORE_FILE,
    PNG,
    RECEIPT,
    ChatRuntime,
    count_initiatives,
    fill_form,
    make_app,
    make_runtime,
)
from tests.bot.test_telegram import TelegramUser, wait_handled
from tests.bot.test_telegram import _settings as telegram_settings
from tests.bot.test_zalo import APP_SECRET, ZaloUser, _signed
from tests.bot.test_zalo import _settings as zalo_settings
from tests.fakes import FAKE_CITATION, ZALOBOT_TOKEN, FakePlatform, FakeTelegram, FakeZalo, FakeZaloBot

CHANNELS = ("telegram", "zalo", "zalobot", "web")
ZALOBOT_SECRET = "zalobot-Secret-123"


class App:
    """The product's app on a test's settings, restartable on the same database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stack = contextlib.ExitStack()
        self.runtime, self.client = self._start()

    def _start(self) -> tuple[ChatRuntime, TestClient]:
        runtime = make_runtime(self.settings)
        self._stack.callback(runtime.close)
        client = self._stack.enter_context(TestClient(make_app(runtime)))
        return runtime, client

    def restart(self) -> None:
        """Stop the process and start a new one on the same database."""
        self._stack.close()
        self._stack = contextlib.ExitStack()
        self.runtime, self.client = self._start()

    def close(self) -> None:
        self._stack.close()


class Driver(Protocol):
    """A person on one channel, as many accounts as a scenario needs."""

    name: str
    app: App
    fake: FakePlatform | None
    # Whether a repeat gets the first replies again (a channel whose replies travel in the HTTP response may want
    # that after a lost response); never a second run of the dialog either way.
    replays_repeats: bool

    def say(self, user: str, text: str, *, key: str | None = None) -> str:
        """Send ``text`` from ``user`` (``key``: the platform's message id, to deliver it twice); the replies."""

    def send_image(self, user: str, data: bytes) -> str:
        """Send a photo; the replies."""

    def notices(self, user: str) -> list[str]:
        """Deliver queued notices on this channel and return what ``user`` received."""

    def bad_requests(self) -> list[tuple[int, int]]:
        """(expected, got) HTTP statuses for a wrong secret or signature, a body that is not JSON, a huge body."""


class TelegramDriver:
    name = "telegram"
    replays_repeats = False

    def __init__(self, tmp_path: Path) -> None:
        self.fake = FakeTelegram()
        self.app = App(telegram_settings(tmp_path, self.fake))
        self._users: dict[str, int] = {}

    def _user(self, user: str) -> TelegramUser:
        user_id = self._users.setdefault(user, 555_000 + len(self._users))
        return TelegramUser(self.app.client, self.fake, user_id)

    def say(self, user: str, text: str, *, key: str | None = None) -> str:
        person = self._user(user)
        update = person.text_update(text)
        if key is not None:
            update["update_id"] = 900_000_000 + zlib.crc32(key.encode()) % 10**8
            update["message"]["message_id"] = update["update_id"]
        before = len(self.fake.sent(person.user_id))
        assert person.post(update) == 200
        wait_handled([self.app.client], update)
        return "\n".join(m["text"] for m in self.fake.sent(person.user_id)[before:])

    def send_image(self, user: str, data: bytes) -> str:
        return self._user(user).send_photo(f"photo-{uuid.uuid4().hex[:8]}", data)

    def notices(self, user: str) -> list[str]:
        user_id = self._user(user).user_id
        before = len(self.fake.sent(user_id))
        _deliver(self.app, "telegram")
        return [m["text"] for m in self.fake.sent(user_id)[before:]]

    def bad_requests(self) -> list[tuple[int, int]]:
        post = functools.partial(self.app.client.post, "/webhooks/telegram")
        good = {"X-Telegram-Bot-Api-Secret-Token": self.app.settings.telegram_webhook_secret or ""}
        return [
            (403, post(content=b"{}", headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code),
            (400, post(content=b"{not json", headers=good).status_code),
            (413, post(content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=good).status_code),
        ]


class ZaloDriver:
    name = "zalo"
    replays_repeats = False

    def __init__(self, tmp_path: Path) -> None:
        self.fake = FakeZalo(app_secret=APP_SECRET)
        self.app = App(zalo_settings(tmp_path, self.fake))

    def _user(self, user: str) -> ZaloUser:
        return ZaloUser(self.app.client, self.fake, f"8123{zlib.crc32(user.encode()):015d}")

    def say(self, user: str, text: str, *, key: str | None = None) -> str:
        person = self._user(user)
        event = person.event(text=text)
        if key is not None:
            event["message"]["msg_id"] = key
        return "\n".join(m["text"] for m in person.exchange(event))

    def send_image(self, user: str, data: bytes) -> str:
        person = self._user(user)
        self.fake.files["anh.png"] = data
        attachment = {"type": "image", "payload": {"url": f"{self.fake.url}/files/anh.png"}}
        return "\n".join(m["text"] for m in person.exchange(person.event("user_send_image", attachments=[attachment])))

    def notices(self, user: str) -> list[str]:
        user_id = self._user(user).user_id
        before = len(self.fake.sent(user_id))
        _deliver(self.app, "zalo")
        return [m["text"] for m in self.fake.sent(user_id)[before:]]

    def bad_requests(self) -> list[tuple[int, int]]:
        post = functools.partial(self.app.client.post, "/webhooks/zalo")
        event = {"event_name": "user_send_text", "timestamp": "1", "message": {"text": "x"}}
        raw, headers = _signed(event, secret="wrong")
        return [
            (403, post(content=raw, headers=headers).status_code),
            (400, post(content=b"{not json", headers={"X-ZEvent-Signature": "mac=00"}).status_code),
            (413, post(content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=headers).status_code),
        ]


class ZaloBotDriver:
    name = "zalobot"
    replays_repeats = False

    def __init__(self, tmp_path: Path) -> None:
        self.fake = FakeZaloBot()
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            environment="test",
            data_dir=tmp_path / "data",
            zalobot_token=ZALOBOT_TOKEN,
            zalobot_webhook_secret=ZALOBOT_SECRET,
            zalobot_api_url=self.fake.url,
            rate_limit_per_minute=500,
        )
        self.app = App(settings)
        self._count = 0

    def _chat_id(self, user: str) -> str:
        return f"zb-{user}"

    def _post(self, user: str, event: str, key: str | None, **content: Any) -> str:
        self._count += 1
        chat_id = self._chat_id(user)
        message = {
            "message_id": key or f"zm{self._count:06d}",
            "from": {"id": chat_id, "name": "An"},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "date": 1_700_000_000_000 + self._count,
            **content,
        }
        update: dict[str, Any] = {"event_name": event, "message": message}
        body = {"ok": True, "result": update} if self._count % 2 else update  # both shapes the platform sends
        before = len(self.fake.sent(chat_id))
        response = self.app.client.post(
            "/webhooks/zalobot", json=body, headers={"X-Bot-Api-Secret-Token": ZALOBOT_SECRET}
        )
        assert response.status_code == 200, response.text
        return "\n".join(self.fake.sent(chat_id)[before:])

    def say(self, user: str, text: str, *, key: str | None = None) -> str:
        return self._post(user, "message.text.received", key, text=text)

    def send_image(self, user: str, data: bytes) -> str:
        self.fake.files["anh.jpg"] = data
        return self._post(user, "message.image.received", None, photo=f"{self.fake.url}/files/anh.jpg")

    def notices(self, user: str) -> list[str]:
        chat_id = self._chat_id(user)
        before = len(self.fake.sent(chat_id))
        _deliver(self.app, "zalobot")
        return self.fake.sent(chat_id)[before:]

    def bad_requests(self) -> list[tuple[int, int]]:
        post = functools.partial(self.app.client.post, "/webhooks/zalobot")
        good = {"X-Bot-Api-Secret-Token": ZALOBOT_SECRET}
        return [
            (403, post(content=b"{}", headers={"X-Bot-Api-Secret-Token": "wrong-secret"}).status_code),
            (403, post(content=b"{}").status_code),
            (400, post(content=b"{not json", headers=good).status_code),
            (400, post(json={"ok": True, "result": {"event_name": "x"}}, headers=good).status_code),
            (413, post(content=b"{" + b" " * (2 * 1024 * 1024) + b"}", headers=good).status_code),
        ]


class WebDriver:
    name = "web"
    fake = None
    replays_repeats = True  # the web chat gives a repeat the replies of its first copy (they travel in the response)

    def __init__(self, tmp_path: Path) -> None:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, environment="test", data_dir=tmp_path / "data", rate_limit_per_minute=500
        )
        self.app = App(settings)
        self._sessions: dict[str, str] = {}

    def _session(self, user: str) -> str:
        return self._sessions.setdefault(user, uuid.uuid4().hex)

    def say(self, user: str, text: str, *, key: str | None = None) -> str:
        payload: dict[str, Any] = {"session": self._session(user), "text": text}
        if key is not None:
            payload["message_id"] = key
        response = self.app.client.post("/api/chat", json=payload)
        assert response.status_code == 200, response.text
        return "\n".join(response.json()["replies"])

    def send_image(self, user: str, data: bytes) -> str:
        files = {"file": ("anh.png", data, "image/png")}
        response = self.app.client.post(f"/api/chat/{self._session(user)}/attachments", files=files)
        assert response.status_code == 200, response.text
        return "\n".join(response.json()["replies"])

    def notices(self, user: str) -> list[str]:
        notices: list[str] = self.app.client.get(f"/api/chat/{self._session(user)}/notices").json()["notices"]
        return notices

    def bad_requests(self) -> list[tuple[int, int]]:
        post = functools.partial(self.app.client.post, "/api/chat")
        return [
            (422, post(json={"session": "x", "text": "hi"}).status_code),
            (400, post(content=b"{not json", headers={"content-type": "application/json"}).status_code),
            (413, post(content=b"{" + b" " * (1024 * 1024) + b"}").status_code),
        ]


def _deliver(app: App, channel: str) -> None:
    """Run the notice outbox of ``channel`` once, in the app's event loop (no waiting on the worker's timer)."""
    running = app.client.app.state.channels.get(channel)  # type: ignore[attr-defined]
    send = running.send_notice
    app.client.portal.call(functools.partial(deliver_due, sessions=app.runtime.sessions, channel=channel, send=send))


DRIVERS = {"telegram": TelegramDriver, "zalo": ZaloDriver, "zalobot": ZaloBotDriver, "web": WebDriver}


@pytest.fixture(params=CHANNELS)
def driver(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Driver]:
    current: Driver = DRIVERS[request.param](tmp_path)
    try:
        yield current
        rejected = getattr(current.fake, "rejected", [])
        assert rejected == [], f"the platform would have refused: {rejected}"
    finally:
        current.app.close()
        if current.fake is not None:
            current.fake.close()


def _submit(driver: Driver, user: str = "owner") -> str:
    say = functools.partial(driver.say, user)
    fill_form(say, FORM_BEFORE_FILE)
    assert "Đã nhận tệp" in driver.send_image(user, PNG)
    match = RECEIPT.search(fill_form(say, FORM_AFTER_FILE))
    assert match
    return match.group(1)


# ---------------------------------------------------------------------- the scenarios


def test_question_is_answered_with_its_citation(driver: Driver) -> None:
    assert FAKE_CITATION in driver.say("an", "Hạn gửi sáng kiến là khi nào?")


def test_form_with_an_attachment_gives_a_receipt(driver: Driver) -> None:
    code = _submit(driver)
    with session_scope(driver.app.runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None and initiative.channel == driver.name
        assert db.scalar(select(func.count(Attachment.id)).where(Attachment.initiative_id == initiative.id)) == 1


def test_status_by_bare_code_and_by_words(driver: Driver) -> None:
    code = _submit(driver)
    assert "Trạng thái: Đã tiếp nhận" in driver.say("owner", code)
    assert "Đã tiếp nhận" in driver.say("owner", f"kiểm tra hồ sơ {code}")
    mine = driver.say("owner", "hồ sơ của tôi")
    assert code in mine and "Đã tiếp nhận" in mine


def test_lookup_from_another_account_needs_the_phone(driver: Driver) -> None:
    code = _submit(driver)
    asked = driver.say("new-phone", code)
    assert "số điện thoại hoặc e-mail" in asked and "Số hóa" not in asked
    shown = driver.say("new-phone", "0912 345 678")
    assert "Trạng thái: Đã tiếp nhận" in shown and "Số hóa sổ theo dõi hộ gia đình" in shown
    wrong = driver.say("stranger", f"{code} 0987 654 321")
    assert "không tìm thấy hồ sơ khớp" in wrong and "Số hóa" not in wrong


def test_notice_reaches_the_submitter_on_their_channel(driver: Driver) -> None:
    code = _submit(driver)
    with session_scope(driver.app.runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        enqueue_notice(session=db, initiative=initiative, text=f"Hồ sơ {code} đang được xem xét.")
    assert driver.notices("owner") == [f"Hồ sơ {code} đang được xem xét."]
    assert driver.notices("owner") == [], "once"
    with session_scope(driver.app.runtime.sessions) as db:
        notice = db.scalar(select(Notice))
        assert notice is not None and notice.status == "sent"


def test_duplicate_delivery_gets_one_answer(driver: Driver) -> None:
    first = driver.say("an", "Hạn gửi sáng kiến?", key="dup-1")
    again = driver.say("an", "Hạn gửi sáng kiến?", key="dup-1")  # the platform re-sends after a timeout
    assert FAKE_CITATION in first and again == (first if driver.replays_repeats else "")
    assert len(driver.app.runtime.answerer.asked) == 1


def test_form_survives_a_restart(driver: Driver) -> None:
    fill_form(functools.partial(driver.say, "an"), FORM_BEFORE_FILE[:4])
    driver.app.restart()
    assert "Bước 5/12" in driver.say("an", "phường Hoàng Mai")
    assert count_initiatives(driver.app.runtime) == 0


@pytest.mark.parametrize(("text", "expected"), [("🙏🙏🙏", "Em chưa hiểu"), ("a" * 10_000, "vượt quá giới hạn")])
def test_bad_input_gets_a_clear_reply(driver: Driver, text: str, expected: str) -> None:
    assert expected in driver.say("an", text)


def test_bad_requests_are_refused_by_the_guard(driver: Driver) -> None:
    for expected, got in driver.bad_requests():
        assert got == expected
    assert json.loads(driver.app.client.post("/webhooks/nowhere").text)["error"] == "not_found"
