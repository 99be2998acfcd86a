"""Telegram end to end: the product's app with the webhook (and polling) against a fake Bot API on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import bot.lifecycle
from core.db import session_scope
from core.models import Attachment, Conversation, Initiative, InitiativeState, Notice, ProcessedUpdate
from core.notices import enqueue_notice
from core.review import transition
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
from tests.factories import make_initiative, make_reviewer
from tests.fakes import FAKE_CITATION, TELEGRAM_BOT_ID, FakeTelegram, Recorded

TOKEN = "7000001:TEST-token_for-fake"
SECRET = "webhook-Secret_123"
HEADER = "X-Telegram-Bot-Api-Secret-Token"


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    server = FakeTelegram()
    yield server
    server.close()


def _settings(tmp_path: Path, fake: FakeTelegram, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "environment": "test",
        "data_dir": tmp_path / "data",
        "telegram_token": TOKEN,
        "telegram_webhook_secret": SECRET,
        "telegram_api_url": fake.url,
        "rate_limit_per_minute": 500,
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, fake: FakeTelegram) -> Settings:
    return _settings(tmp_path, fake)


@pytest.fixture
def chat_settings(settings: Settings) -> Settings:
    return settings


def handled(client: TestClient) -> list[str | None]:
    """Update keys the client's Telegram channel has finished with (replies sent, or dropped as repeats)."""
    channel = client.app.state.channels.get("telegram")  # type: ignore[attr-defined]
    done: list[str | None] | None = getattr(channel, "test_handled", None)
    if done is None:
        done = []
        original = channel.handle

        async def handle(incoming: Any, chat_id: int) -> None:
            try:
                await original(incoming, chat_id)
            finally:
                done.append(incoming.update_key)

        channel.handle = handle
        channel.test_handled = done
    return done


def wait_handled(clients: list[TestClient], update: dict[str, Any], timeout: float = 20.0) -> None:
    """Wait until every client's channel has handled ``update``."""
    key = f"{TELEGRAM_BOT_ID}:{update['update_id']}"
    deadline = time.monotonic() + timeout
    while not all(key in handled(client) for client in clients):
        assert time.monotonic() < deadline, "the bot did not handle the update"
        time.sleep(0.01)


class TelegramUser:
    """A person chatting with the bot: builds updates and posts them to the webhook."""

    next_update_id = 1000

    def __init__(self, client: TestClient, fake: FakeTelegram, user_id: int = 555001) -> None:
        self.client = client
        self.fake = fake
        self.user_id = user_id
        handled(client)  # track before the first update is posted

    def _base(self) -> dict[str, Any]:
        TelegramUser.next_update_id += 1
        return {"update_id": TelegramUser.next_update_id}

    def _message(self, **content: Any) -> dict[str, Any]:
        sender = {"id": self.user_id, "is_bot": False, "first_name": "An"}
        update = self._base()
        update["message"] = {
            "message_id": update["update_id"],
            "date": 1_700_000_000,
            "chat": {"id": self.user_id, "type": "private"},
            "from": sender,
            **content,
        }
        return update

    def text_update(self, text: str) -> dict[str, Any]:
        return self._message(text=text)

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {HEADER: secret, "content-type": "application/json"} if secret is not None else {}
        # ASCII escapes, so a lone surrogate arrives as Telegram would send it.
        return self.client.post("/webhooks/telegram", content=json.dumps(update), headers=headers).status_code

    def exchange(self, update: dict[str, Any]) -> list[dict[str, str]]:
        """Post ``update``, wait until the bot has handled it, and return the messages it sent in answer."""
        before = len(self.fake.sent(self.user_id))
        assert self.post(update) == 200
        wait_handled([self.client], update)
        return self.fake.sent(self.user_id)[before:]

    def say(self, text: str) -> str:
        return "\n".join(m["text"] for m in self.exchange(self.text_update(text)))

    def press(self, data: str) -> str:
        update = self._base()
        update["callback_query"] = {
            "id": f"cq{update['update_id']}",
            "from": {"id": self.user_id, "is_bot": False, "first_name": "An"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": self.user_id, "type": "private"},
                "text": "…",
            },
        }
        return "\n".join(m["text"] for m in self.exchange(update))

    def send_document(self, file_id: str, name: str, mime: str, data: bytes) -> str:
        self.fake.files[f"documents/{file_id}"] = data
        document = {"file_id": file_id, "file_unique_id": file_id, "file_name": name, "mime_type": mime}
        document["file_size"] = len(data)
        return "\n".join(m["text"] for m in self.exchange(self._message(document=document)))

    def send_photo(self, file_id: str, data: bytes) -> str:
        self.fake.files[f"documents/{file_id}"] = data
        photo = [{"file_id": file_id, "file_unique_id": file_id, "width": 90, "height": 90, "file_size": len(data)}]
        return "\n".join(m["text"] for m in self.exchange(self._message(photo=photo, caption="")))


def _is_send(request: Recorded) -> bool:
    return request.path.endswith("/sendMessage")


def test_question_is_answered_with_citation_in_html(client: TestClient, fake: FakeTelegram) -> None:
    user = TelegramUser(client, fake)
    sent = user.exchange(user.text_update("Hạn gửi sáng kiến là khi nào?"))
    assert any(FAKE_CITATION in m["text"] for m in sent)
    assert all(m["parse_mode"] == "HTML" for m in sent)
    markup = json.loads(sent[-1]["reply_markup"])
    assert markup["inline_keyboard"][0][0]["callback_data"] == "menu:submit"
    assert fake.matching(lambda r: r.path == f"/bot{TOKEN}/getMe")
    commands = json.loads(fake.matching(lambda r: r.path.endswith("/setMyCommands"))[0].form()["commands"])
    assert {"command": "sangkien", "description": "Gửi sáng kiến"} in commands


def test_initiative_with_photo_receipt_and_status(client: TestClient, fake: FakeTelegram, runtime: ChatRuntime) -> None:
    user = TelegramUser(client, fake)
    fill_form(user.say, FORM_BEFORE_FILE)
    assert "Đã nhận tệp" in user.send_photo("photo-1", PNG)
    last = fill_form(user.say, FORM_AFTER_FILE[:2])
    assert "Số hóa sổ theo dõi hộ gia đình" in last
    done = user.press("confirm:send")
    match = RECEIPT.search(done)
    assert match, done
    code = match.group(1)
    assert f"\nMã hồ sơ: <b>{code}</b>\n" in done, "the receipt code on its own line, in bold"
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None and initiative.channel == "telegram"
        assert initiative.channel_user_id == str(user.user_id)
        assert len(initiative.attachments) == 1 and initiative.attachments[0].content_type == "image/png"
    status = user.press(f"status:{code}")
    assert code in status and "Đã tiếp nhận" in status
    assert "Đã tiếp nhận" in user.say(f"/trangthai {code}")
    assert fake.matching(lambda r: r.path.endswith("/answerCallbackQuery"))


def test_user_text_is_html_escaped(client: TestClient, fake: FakeTelegram) -> None:
    user = TelegramUser(client, fake)
    fill_form(user.say, FORM_BEFORE_FILE[:6])
    reply = user.say("<b>Sổ</b> & <script>x</script> điện tử")
    assert "Bước 7/12" in reply
    fill_form(user.say, FORM_BEFORE_FILE[7:])
    fill_form(user.say, [("Bỏ qua", "Bước 12/12")])
    summary = user.say("Đồng ý")
    assert "&lt;b&gt;Sổ&lt;/b&gt; &amp; &lt;script&gt;x&lt;/script&gt; điện tử" in summary
    assert "<b>" not in summary


def test_wrong_or_missing_secret_is_403_and_changes_nothing(
    client: TestClient, fake: FakeTelegram, runtime: ChatRuntime
) -> None:
    user = TelegramUser(client, fake)
    update = user.text_update("/sangkien")
    assert user.post(update, secret=None) == 403
    assert user.post(update, secret="wrong-secret") == 403
    assert user.post(update, secret=SECRET + "x") == 403
    time.sleep(0.3)
    assert fake.sent() == []
    with session_scope(runtime.sessions) as db:
        assert db.scalar(select(func.count(Conversation.id))) == 0
        assert db.scalar(select(func.count(ProcessedUpdate.id))) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{nope",
        b"[]",
        b'{"message": {}}',
        b'{"update_id": "x"}',
        b'{"update_id": 5, "message": "text"}',
        b'{"update_id": 5, "message": {"date": "yesterday", "chat": 1}}',
        b"\xff\xfe",
    ],
)
def test_malformed_update_is_400(client: TestClient, body: bytes) -> None:
    response = client.post("/webhooks/telegram", content=body, headers={HEADER: SECRET})
    assert response.status_code == 400


def test_same_confirmation_to_two_workers_gives_one_reply_and_one_submission(
    settings: Settings, fake: FakeTelegram
) -> None:
    workers = [make_runtime(settings), make_runtime(settings)]
    try:
        with TestClient(make_app(workers[0])) as one, TestClient(make_app(workers[1])) as two:
            user = TelegramUser(one, fake)
            fill_form(user.say, FORM_BEFORE_FILE)
            fill_form(user.say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])
            update = user.text_update("Gửi")
            before = len(fake.sent(user.user_id))
            handled(two)
            barrier = threading.Barrier(2)
            codes: list[int] = []

            def deliver(client: TestClient) -> None:
                barrier.wait()
                codes.append(client.post("/webhooks/telegram", json=update, headers={HEADER: SECRET}).status_code)

            threads = [threading.Thread(target=deliver, args=(c,)) for c in (one, two)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert codes == [200, 200]
            wait_handled([one, two], update)
        receipts = [m for m in fake.sent(user.user_id)[before:] if "Mã hồ sơ" in m["text"]]
        assert len(receipts) == 1
        assert len(fake.sent(user.user_id)) == before + 1
        assert count_initiatives(workers[0]) == 1
    finally:
        for worker in workers:
            worker.close()


def test_long_answer_is_split_under_4096(client: TestClient, fake: FakeTelegram, runtime: ChatRuntime) -> None:
    paragraph = "Các tổ dân phố triển khai ứng dụng số trong quản lý. " * 40
    long_text = "\n\n".join([paragraph] * 6) + "\n" + FAKE_CITATION

    def long_answer(question: str, *, locality: str | None = None) -> Any:
        return type("A", (), {"text": long_text, "found": True, "sources": []})()

    runtime.answerer.answer = long_answer  # type: ignore[method-assign]
    user = TelegramUser(client, fake)
    sent = user.exchange(user.text_update("Kể chi tiết kế hoạch?"))
    assert len(sent) >= 3
    assert all(len(m["text"].encode("utf-16-le")) // 2 <= 4096 for m in sent)
    assert FAKE_CITATION in sent[-1]["text"] and "reply_markup" in sent[-1]
    assert "reply_markup" not in sent[0]


def test_flood_control_is_honoured(client: TestClient, fake: FakeTelegram) -> None:
    refused: list[Recorded] = []

    def once_429(request: Recorded) -> tuple[int, dict[str, str], bytes] | None:
        if _is_send(request) and not refused:
            refused.append(request)
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests",
                "parameters": {"retry_after": 1},
            }
            return 429, {}, json.dumps(body).encode()
        return None

    fake.overrides.append(once_429)
    user = TelegramUser(client, fake)
    started = time.monotonic()
    sent = user.exchange(user.text_update("Hạn gửi sáng kiến?"))
    assert refused and time.monotonic() - started >= 1.0
    assert any(FAKE_CITATION in m["text"] for m in sent)


def test_server_errors_are_retried(client: TestClient, fake: FakeTelegram) -> None:
    failures: list[Recorded] = []

    def twice_502(request: Recorded) -> tuple[int, dict[str, str], bytes] | None:
        if _is_send(request) and len(failures) < 2:
            failures.append(request)
            return 502, {}, b'{"ok": false, "error_code": 502, "description": "Bad Gateway"}'
        return None

    fake.overrides.append(twice_502)
    user = TelegramUser(client, fake)
    sent = user.exchange(user.text_update("Hạn gửi sáng kiến?"))
    assert len(failures) == 2 and any(FAKE_CITATION in m["text"] for m in sent)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 10_000, "vượt quá giới hạn"),
        ("'); DELETE FROM initiatives; --", FAKE_CITATION),
        ("🙏🙏🙏", "Em chưa hiểu"),
        ("Hạn \ud83d nộp?", FAKE_CITATION),
    ],
)
def test_hostile_text_gets_a_clear_reply(client: TestClient, fake: FakeTelegram, text: str, expected: str) -> None:
    user = TelegramUser(client, fake)
    assert any(expected in m["text"] for m in user.exchange(user.text_update(text)))


def test_sticker_gets_a_polite_reply(client: TestClient, fake: FakeTelegram) -> None:
    user = TelegramUser(client, fake)
    sticker = {"file_id": "st", "file_unique_id": "st", "width": 1, "height": 1, "is_animated": False}
    sticker |= {"is_video": False, "type": "regular"}
    sent = user.exchange(user._message(sticker=sticker))
    assert "chỉ đọc được tin nhắn chữ" in sent[0]["text"]


def test_notices_are_delivered_by_the_worker(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.lifecycle, "NOTICE_INTERVAL_SECONDS", 0.2)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            user = TelegramUser(client, fake)
            fill_form(user.say, FORM_BEFORE_FILE)
            fill_form(user.say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại"), ("Gửi", "Mã hồ sơ")])
            with session_scope(runtime.sessions) as db:
                initiative = db.scalar(select(Initiative))
                assert initiative is not None
                enqueue_notice(session=db, initiative=initiative, text="Sáng kiến của Anh/Chị đang được xem xét.")
            fake.wait_for(lambda r: _is_send(r) and "đang được xem xét" in r.form().get("text", ""))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with session_scope(runtime.sessions) as db:
                    notice = db.scalar(select(Notice))
                    if notice is not None and notice.status == "sent":
                        break
                time.sleep(0.05)
            assert notice is not None and notice.status == "sent" and notice.attempts == 1
    finally:
        runtime.close()


def test_polling_without_webhook_secret(tmp_path: Path, fake: FakeTelegram) -> None:
    settings = _settings(tmp_path, fake, telegram_webhook_secret=None)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            update = TelegramUser(client, fake).text_update("Hạn gửi sáng kiến?")
            with fake.lock:
                fake.updates.append(update)
            fake.wait_for(lambda r: _is_send(r) and FAKE_CITATION in r.form().get("text", ""))
            # The webhook route is off in polling mode.
            assert client.post("/webhooks/telegram", json=update, headers={HEADER: SECRET}).status_code == 404
    finally:
        runtime.close()


def test_secret_in_a_format_telegram_refuses_stops_start_up(tmp_path: Path, fake: FakeTelegram) -> None:
    runtime = make_runtime(_settings(tmp_path, fake, telegram_webhook_secret="has spaces & symbols!"))
    try:
        with pytest.raises(ValueError, match="1-256 characters"), TestClient(make_app(runtime)):
            pass
    finally:
        runtime.close()


def test_stale_callback_query_still_gets_its_reply_and_no_apology(client: TestClient, fake: FakeTelegram) -> None:
    def too_old(request: Recorded) -> tuple[int, dict[str, str], bytes] | None:
        if request.path.endswith("/answerCallbackQuery"):
            body = {"ok": False, "error_code": 400, "description": "Bad Request: query is too old"}
            return 400, {}, json.dumps(body).encode()
        return None

    fake.overrides.append(too_old)
    reply = TelegramUser(client, fake).press("menu:submit")
    assert "Bước 1/12" in reply and "sự cố" not in reply


def test_unreachable_bot_api_leaves_the_web_chat_up(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="test",
        data_dir=tmp_path / "data",
        telegram_token=TOKEN,
        telegram_webhook_secret=SECRET,
        telegram_api_url=f"http://127.0.0.1:{closed_port}",
    )
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            chat = client.post("/api/chat", json={"session": "abcdefgh1234", "text": "Hạn nộp?"})
            assert chat.status_code == 200 and FAKE_CITATION in chat.json()["replies"][0]
            assert client.post("/webhooks/telegram", json={"update_id": 1}, headers={HEADER: SECRET}).status_code == 404
    finally:
        runtime.close()


def test_documents_are_checked_by_type_and_size(client: TestClient, fake: FakeTelegram, runtime: ChatRuntime) -> None:
    user = TelegramUser(client, fake)
    fill_form(user.say, FORM_BEFORE_FILE)
    pdf = b"%PDF-1.7\n" + b"1" * 500
    assert "Đã nhận tệp “bao-cao.pdf”" in user.send_document("doc-1", "bao-cao.pdf", "application/pdf", pdf)
    refused = user.send_document("doc-2", "script.sh", "text/x-sh", b"#!/bin/sh\nrm -rf /\n")
    assert "không thuộc loại được nhận" in refused
    big = b"%PDF-1.7\n" + b"1" * (11 * 1024 * 1024)
    assert "lớn hơn 10 MB" in user.send_document("doc-3", "lon.pdf", "application/pdf", big)
    assert not fake.matching(lambda r: r.path.endswith("/documents/doc-3")), "an oversize file is not downloaded"
    with session_scope(runtime.sessions) as db:
        assert [a.filename for a in db.scalars(select(Attachment))] == ["bao-cao.pdf"]


def test_request_for_information_is_pushed_and_answered_in_plain_words(
    settings: Settings, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.lifecycle, "NOTICE_INTERVAL_SECONDS", 0.2)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            user = TelegramUser(client, fake)
            fill_form(user.say, FORM_BEFORE_FILE)
            last = fill_form(user.say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại"), ("Gửi", "Mã hồ sơ")])
            code = RECEIPT.search(last).group(1)  # type: ignore[union-attr]
            with session_scope(runtime.sessions) as db:
                reviewer = make_reviewer(db, username="reviewer.tg")
                initiative = db.scalar(select(Initiative).where(Initiative.code == code))
                assert initiative is not None
                transition(session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
                transition(
                    session=db,
                    initiative=initiative,
                    reviewer=reviewer,
                    to_state=InitiativeState.NEEDS_INFO,
                    note="Xin ảnh chụp màn hình bảng tính.",
                )
            fake.wait_for(lambda r: _is_send(r) and "ảnh chụp màn hình" in r.form().get("text", ""))
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:  # the reply mode is armed right after the notice is recorded
                with session_scope(runtime.sessions) as db:
                    conversation = db.scalar(select(Conversation).where(Conversation.user_id == str(user.user_id)))
                    if conversation is not None and conversation.state.get("mode") == "reply":
                        break
                time.sleep(0.05)
            assert "đã chuyển nội dung bổ sung" in user.say("Em gửi kèm bảng tính ở tin sau ạ.")
            with session_scope(runtime.sessions) as db:
                initiative = db.scalar(select(Initiative).where(Initiative.code == code))
                assert initiative is not None and initiative.state == InitiativeState.IN_REVIEW.value
    finally:
        runtime.close()


def test_submitter_withdraws_by_button_and_a_repeated_press_changes_nothing(
    client: TestClient, fake: FakeTelegram, runtime: ChatRuntime
) -> None:
    user = TelegramUser(client, fake, user_id=555777)
    with session_scope(runtime.sessions) as db:
        code = make_initiative(db, channel="telegram", channel_user_id="555777").code
        someone_elses = make_initiative(db, channel="telegram", channel_user_id="555888").code
    assert "không tìm thấy hồ sơ" in user.say(f"/rut {someone_elses}")
    assert "có chắc muốn rút" in user.say(f"/rut {code}")
    markup = json.loads(fake.sent(user.user_id)[-1]["reply_markup"])
    assert [b["callback_data"] for b in markup["inline_keyboard"][0]] == [f"wd:yes:{code}", f"wd:no:{code}"]
    update = user._base()
    update["callback_query"] = {
        "id": f"cq{update['update_id']}",
        "from": {"id": user.user_id, "is_bot": False, "first_name": "An"},
        "chat_instance": "ci",
        "data": f"wd:yes:{code}",
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": user.user_id, "type": "private"},
            "text": "…",
        },
    }
    assert "Em đã rút sáng kiến" in "\n".join(m["text"] for m in user.exchange(update))
    assert user.exchange(update) == []  # Telegram re-sends the same update: dropped
    assert "đã được rút trước đó" in user.press(f"wd:yes:{code}")
    with session_scope(runtime.sessions) as db:
        mine = db.scalar(select(Initiative).where(Initiative.code == code))
        theirs = db.scalar(select(Initiative).where(Initiative.code == someone_elses))
        assert mine is not None and theirs is not None
        assert mine.state == InitiativeState.WITHDRAWN.value and theirs.state == InitiativeState.SUBMITTED.value
        assert sum(1 for e in mine.events if e.to_state == InitiativeState.WITHDRAWN.value) == 1
    commands = json.loads(fake.matching(lambda r: r.path.endswith("/setMyCommands"))[0].form()["commands"])
    assert any(c["command"] == "rut" for c in commands)


def test_per_user_locks_are_dropped_when_idle(client: TestClient, fake: FakeTelegram) -> None:
    channel = client.app.state.channels.get("telegram")  # type: ignore[attr-defined]
    for user_id in (556001, 556002, 556003):
        TelegramUser(client, fake, user_id=user_id).say("/help")
    assert len(channel._user_locks) == 0
