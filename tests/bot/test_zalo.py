"""Zalo OA end to end: signed webhooks into the product's app, replies to a fake OA API on 127.0.0.1."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

import bot.lifecycle
from bot.zalo.signature import compute_signature, signature_matches
from bot.zalo.tokens import TOKEN_NAME, ZaloTokens
from core.db import session_scope
from core.models import ChannelToken, Conversation, Initiative, InitiativeState, Notice, ProcessedUpdate
from core.notices import enqueue_notice
from core.settings import Settings
from tests.bot.support import (
    FORM_AFTER_FILE,
    FORM_BEFORE_FILE,
    RECEIPT,
    ChatRuntime,
    count_initiatives,
    fill_form,
    make_app,
    make_runtime,
)
from tests.factories import make_initiative
from tests.fakes import FAKE_CITATION, FakeZalo, Recorded

APP_ID = "4301234567890"
OA_SECRET = "oa-Secret-key"
APP_SECRET = "app-Secret-key"
PDF = b"%PDF-1.4\n" + b"0" * 200 + b"\n%%EOF"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo(app_secret=APP_SECRET)
    yield server
    server.close()


def _settings(tmp_path: Path, fake: FakeZalo, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "environment": "test",
        "data_dir": tmp_path / "data",
        "zalo_app_id": APP_ID,
        "zalo_oa_secret": OA_SECRET,
        "zalo_app_secret": APP_SECRET,
        "zalo_access_token": "acc-0",
        "zalo_refresh_token": "ref-0",
        "zalo_api_url": fake.url,
        "zalo_oauth_url": fake.url,
        "rate_limit_per_minute": 500,
        "zalo_media_hosts": "127.0.0.1",  # the fake media server
    }
    values.update(extra)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, fake: FakeZalo) -> Settings:
    return _settings(tmp_path, fake)


@pytest.fixture
def chat_settings(settings: Settings) -> Settings:
    return settings


def _signed(event: dict[str, Any], *, secret: str = OA_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(event).encode()
    mac = hashlib.sha256(APP_ID.encode() + raw + str(event["timestamp"]).encode() + secret.encode()).hexdigest()
    return raw, {"X-ZEvent-Signature": f"mac={mac}", "content-type": "application/json"}


class ZaloUser:
    """A resident writing to the ward's OA."""

    counter = 0

    def __init__(self, client: TestClient, fake: FakeZalo, user_id: str = "8123456789012345678") -> None:
        self.client = client
        self.fake = fake
        self.user_id = user_id

    def event(self, name: str = "user_send_text", **message: Any) -> dict[str, Any]:
        ZaloUser.counter += 1
        return {
            "event_name": name,
            "app_id": APP_ID,
            "sender": {"id": self.user_id},
            "recipient": {"id": "579745863508352884"},
            "message": {"msg_id": f"msg{ZaloUser.counter:06d}", **message},
            "timestamp": str(int(time.time() * 1000) + ZaloUser.counter),
            "user_id_by_app": "5520000000000",
        }

    def post(self, event: dict[str, Any], client: TestClient | None = None) -> int:
        raw, headers = _signed(event)
        return (client or self.client).post("/webhooks/zalo", content=raw, headers=headers).status_code

    def exchange(self, event: dict[str, Any]) -> list[dict[str, Any]]:
        before = len(self.fake.sent(self.user_id))
        assert self.post(event) == 200
        # The event is handled after the answer; the test client returns once that background work is done.
        return self.fake.sent(self.user_id)[before:]

    def say(self, text: str) -> str:
        return "\n".join(m["text"] for m in self.exchange(self.event(text=text)))

    def press(self, data: str) -> str:
        return self.say(f"#btn:{data}")


def test_signature_recipe_matches_a_known_vector() -> None:
    # sha256("123" + '{"a":1}' + "1700000000000" + "secret"), computed independently of the code under test.
    expected = "mac=" + hashlib.sha256(b'123{"a":1}1700000000000secret').hexdigest()
    got = compute_signature(app_id="123", body=b'{"a":1}', timestamp="1700000000000", secret="secret")
    assert got == expected
    assert signature_matches(header=expected, app_id="123", body=b'{"a":1}', timestamp="1700000000000", secret="secret")
    assert not signature_matches(header=None, app_id="123", body=b"{}", timestamp="1", secret="secret")
    assert not signature_matches(
        header=expected, app_id="123", body=b'{"a":2}', timestamp="1700000000000", secret="secret"
    )


def test_question_answered_with_citation_and_quick_replies(client: TestClient, fake: FakeZalo) -> None:
    user = ZaloUser(client, fake)
    sent = user.exchange(user.event(text="Hạn gửi sáng kiến là khi nào?"))
    assert any(FAKE_CITATION in m["text"] for m in sent)
    buttons = sent[-1]["attachment"]["payload"]["buttons"]
    assert buttons[0]["type"] == "oa.query.hide" and buttons[0]["payload"] == "#btn:menu:submit"
    send = fake.matching(lambda r: r.path == "/v3.0/oa/message/cs")[0]
    assert send.headers["access_token"] == "acc-0"
    assert send.json()["recipient"] == {"user_id": user.user_id}


def test_initiative_with_file_receipt_and_status(client: TestClient, fake: FakeZalo, runtime: ChatRuntime) -> None:
    user = ZaloUser(client, fake)
    fill_form(user.say, FORM_BEFORE_FILE)
    fake.files["ke-hoach.pdf"] = PDF
    attachment = {"type": "file", "payload": {"url": f"{fake.url}/files/ke-hoach.pdf", "name": "ke-hoach.pdf"}}
    got = user.exchange(user.event("user_send_file", attachments=[attachment]))
    assert "Đã nhận tệp “ke-hoach.pdf”" in got[0]["text"]
    fill_form(user.say, FORM_AFTER_FILE[:2])
    done = user.press("confirm:send")
    match = RECEIPT.search(done)
    assert match, done
    code = match.group(1)
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None and initiative.channel == "zalo"
        assert [a.filename for a in initiative.attachments] == ["ke-hoach.pdf"]
        assert initiative.attachments[0].content_type == "application/pdf"
    assert "Đã tiếp nhận" in user.press(f"status:{code}")
    assert "Đã tiếp nhận" in user.say(f"tra cứu {code}")


def test_image_event_is_stored_too(client: TestClient, fake: FakeZalo) -> None:
    user = ZaloUser(client, fake)
    fill_form(user.say, FORM_BEFORE_FILE)
    fake.files["abc"] = b"\xff\xd8\xff\xe0" + b"0" * 100
    image = {"type": "image", "payload": {"url": f"{fake.url}/files/abc", "thumbnail": ""}}
    got = user.exchange(user.event("user_send_image", text="", attachments=[image]))
    assert "Đã nhận tệp" in got[0]["text"]


def test_a_link_outside_zalo_media_hosts_is_never_fetched(tmp_path: Path, fake: FakeZalo) -> None:
    runtime = make_runtime(_settings(tmp_path, fake, zalo_media_hosts="zdn.vn,zadn.vn"))
    try:
        with TestClient(make_app(runtime)) as client:
            user = ZaloUser(client, fake)
            fill_form(user.say, FORM_BEFORE_FILE)
            fake.files["abc"] = b"\xff\xd8\xff\xe0" + b"0" * 100
            image = {"type": "image", "payload": {"url": f"{fake.url}/files/abc"}}
            user.exchange(user.event("user_send_image", text="", attachments=[image]))
    finally:
        runtime.close()
    assert fake.matching(lambda r: r.path.startswith("/files")) == []


def test_events_without_msg_id_are_told_apart_and_repeats_dropped(client: TestClient, fake: FakeZalo) -> None:
    user = ZaloUser(client, fake)
    first, second = user.event(text="Hạn gửi sáng kiến?"), user.event(text="Tiêu chí khen thưởng?")
    for event in (first, second):
        del event["message"]["msg_id"]
    assert user.exchange(first), "answered"
    assert user.exchange(second), "another message, not a repeat of the first"
    assert user.exchange(first) == [], "a redelivery is dropped"


def test_a_deeply_nested_signed_event_is_a_400(client: TestClient, fake: FakeZalo) -> None:
    event = ZaloUser(client, fake).event(text="x")
    event["message"]["deep"] = json.loads("[" * 500 + "]" * 500)
    raw, headers = _signed(event)
    assert client.post("/webhooks/zalo", content=raw, headers=headers).status_code == 400


@pytest.mark.parametrize("header", [None, "mac=deadbeef", "wrong"])
def test_missing_or_wrong_signature_is_403_and_changes_nothing(
    client: TestClient, fake: FakeZalo, runtime: ChatRuntime, header: str | None
) -> None:
    event = ZaloUser(client, fake).event(text="/sangkien")
    headers = {"content-type": "application/json"} | ({"X-ZEvent-Signature": header} if header else {})
    assert client.post("/webhooks/zalo", content=json.dumps(event), headers=headers).status_code == 403
    raw, good = _signed(event, secret="another-secret")
    assert client.post("/webhooks/zalo", content=raw, headers=good).status_code == 403
    assert fake.sent() == []
    with session_scope(runtime.sessions) as db:
        assert db.scalar(select(func.count(Conversation.id))) == 0
        assert db.scalar(select(func.count(ProcessedUpdate.id))) == 0


@pytest.mark.parametrize("body", [b"{broken", b"[1, 2]", b'"text"', b'{"event_name": "user_send_text"}'])
def test_malformed_body_is_400(client: TestClient, body: bytes) -> None:
    headers = {"X-ZEvent-Signature": "mac=00", "content-type": "application/json"}
    assert client.post("/webhooks/zalo", content=body, headers=headers).status_code == 400


def test_same_confirmation_to_two_workers_gives_one_reply_and_one_submission(
    settings: Settings, fake: FakeZalo
) -> None:
    workers = [make_runtime(settings), make_runtime(settings)]
    try:
        with TestClient(make_app(workers[0])) as one, TestClient(make_app(workers[1])) as two:
            user = ZaloUser(one, fake)
            fill_form(user.say, FORM_BEFORE_FILE)
            fill_form(user.say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])
            event = user.event(text="Gửi")
            before = len(fake.sent(user.user_id))
            barrier = threading.Barrier(2)
            codes: list[int] = []

            def deliver(client: TestClient) -> None:
                barrier.wait()
                codes.append(user.post(event, client))

            threads = [threading.Thread(target=deliver, args=(c,)) for c in (one, two)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert codes == [200, 200]
        new = fake.sent(user.user_id)[before:]
        assert len(new) == 1 and RECEIPT.search(new[0]["text"])
        assert count_initiatives(workers[0]) == 1
    finally:
        for worker in workers:
            worker.close()


def test_expired_access_token_is_refreshed_and_rotated(
    client: TestClient, fake: FakeZalo, runtime: ChatRuntime
) -> None:
    fake.valid_access = {"acc-from-elsewhere"}  # the seeded token no longer works
    fake.refresh_token = "ref-0"
    user = ZaloUser(client, fake)
    assert FAKE_CITATION in user.say("Hạn gửi sáng kiến?")
    refresh = fake.refreshes()
    assert len(refresh) == 1
    assert refresh[0].headers["secret_key"] == APP_SECRET
    assert refresh[0].form() == {"app_id": APP_ID, "grant_type": "refresh_token", "refresh_token": "ref-0"}
    with session_scope(runtime.sessions) as db:
        row = db.scalar(select(ChannelToken).where(ChannelToken.name == TOKEN_NAME))
        assert row is not None and (row.access_token, row.refresh_token) == ("acc-1", "ref-1")
        assert row.expires_at is not None
    user.say("Câu hỏi thứ hai?")
    assert len(fake.refreshes()) == 1  # the stored token is used from now on


def test_two_workers_refreshing_at_once_use_the_refresh_token_once(settings: Settings, fake: FakeZalo) -> None:
    workers = [make_runtime(settings), make_runtime(settings)]
    try:
        stores = [ZaloTokens(settings=settings, sessions=w.sessions) for w in workers]
        stores[0].seed()
        fake.valid_access = set()
        barrier = threading.Barrier(2)
        results: list[str] = []

        def refresh(store: ZaloTokens) -> None:
            barrier.wait()
            results.append(store._refresh("acc-0"))

        threads = [threading.Thread(target=refresh, args=(s,)) for s in stores]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert results == ["acc-1", "acc-1"]
        assert len(fake.refreshes()) == 1
    finally:
        for worker in workers:
            worker.close()


def test_rate_limited_send_is_retried_after_retry_after(client: TestClient, fake: FakeZalo) -> None:
    refused: list[Recorded] = []

    def once_429(request: Recorded) -> tuple[int, dict[str, str], bytes] | None:
        if request.path == "/v3.0/oa/message/cs" and not refused:
            refused.append(request)
            return 429, {"Retry-After": "1"}, b'{"error": -32, "message": "rate limit"}'
        return None

    fake.overrides.append(once_429)
    started = time.monotonic()
    assert FAKE_CITATION in ZaloUser(client, fake).say("Hạn gửi sáng kiến?")
    assert refused and time.monotonic() - started >= 1.0


def test_long_text_is_split_under_2000(client: TestClient, fake: FakeZalo, runtime: ChatRuntime) -> None:
    long_text = "\n\n".join(["Nội dung kế hoạch chuyển đổi số của phường. " * 20] * 6) + "\n" + FAKE_CITATION

    def long_answer(question: str, *, locality: str | None = None) -> Any:
        return type("A", (), {"text": long_text, "found": True, "sources": []})()

    runtime.answerer.answer = long_answer  # type: ignore[method-assign]
    sent = ZaloUser(client, fake).exchange(ZaloUser(client, fake).event(text="Chi tiết?"))
    assert len(sent) >= 3 and all(len(m["text"]) <= 2000 for m in sent)
    assert "attachment" in sent[-1] and "attachment" not in sent[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x" * 10_000, "vượt quá giới hạn"),
        ("<img src=x onerror=alert(1)> hạn?", FAKE_CITATION),
        ("1 OR 1=1; --", FAKE_CITATION),
        ("💡💡", "Em chưa hiểu"),
        ("Hạn \udc00 nộp?", FAKE_CITATION),
    ],
)
def test_hostile_text_gets_a_clear_reply(client: TestClient, fake: FakeZalo, text: str, expected: str) -> None:
    user = ZaloUser(client, fake)
    assert any(expected in m["text"] for m in user.exchange(user.event(text=text)))


def test_sticker_and_follow_events(client: TestClient, fake: FakeZalo) -> None:
    user = ZaloUser(client, fake)
    sticker = user.exchange(user.event("user_send_sticker", attachments=[{"type": "sticker"}]))
    assert "chỉ đọc được tin nhắn chữ" in sticker[0]["text"]
    now = str(int(time.time() * 1000))
    follow = {"event_name": "follow", "app_id": APP_ID, "follower": {"id": "999"}, "timestamp": now}
    raw, headers = _signed(follow)
    assert client.post("/webhooks/zalo", content=raw, headers=headers).status_code == 200
    assert "Xin chào" in fake.sent("999")[0]["text"]
    seen = {"event_name": "user_seen_message", "app_id": APP_ID, "timestamp": now}
    raw, headers = _signed(seen)
    assert client.post("/webhooks/zalo", content=raw, headers=headers).status_code == 200


def test_notices_are_sent_and_failures_stay_queued(
    settings: Settings, fake: FakeZalo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.lifecycle, "NOTICE_INTERVAL_SECONDS", 0.2)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            user = ZaloUser(client, fake)
            fill_form(user.say, FORM_BEFORE_FILE)
            fill_form(user.say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại"), ("Gửi", "Mã hồ sơ")])
            fake.send_error = -230  # outside the 48-hour window: Zalo refuses
            with session_scope(runtime.sessions) as db:
                initiative = db.scalar(select(Initiative))
                assert initiative is not None
                enqueue_notice(session=db, initiative=initiative, text="Hồ sơ của Anh/Chị cần bổ sung thông tin.")
            notice = _wait_notice(runtime, lambda n: n.attempts >= 1)
            assert notice.status == "pending" and "-230" in notice.last_error
            fake.send_error = 0
            with session_scope(runtime.sessions) as db:
                queued = db.scalar(select(Notice))
                assert queued is not None
                queued.next_attempt_at = queued.created_at  # due again now
            notice = _wait_notice(runtime, lambda n: n.status == "sent")
            assert any("cần bổ sung" in m["text"] for m in fake.sent(user.user_id))
    finally:
        runtime.close()


def _wait_notice(runtime: ChatRuntime, condition: Any) -> Notice:
    deadline = time.monotonic() + 8
    while True:
        with session_scope(runtime.sessions) as db:
            notice = db.scalar(select(Notice))
            if notice is not None and condition(notice):
                return notice
        assert time.monotonic() < deadline, "notice not in the expected state"
        time.sleep(0.05)


def test_signed_but_stale_event_is_ignored(client: TestClient, fake: FakeZalo, runtime: ChatRuntime) -> None:
    user = ZaloUser(client, fake)
    event = user.event(text="Hạn gửi sáng kiến?")
    event["timestamp"] = str(int((time.time() - 3 * 86400) * 1000))
    assert user.post(event) == 200
    assert fake.sent() == [] and runtime.answerer.asked == []


def test_token_past_its_expiry_is_refreshed_before_sending(
    client: TestClient, fake: FakeZalo, runtime: ChatRuntime
) -> None:
    with session_scope(runtime.sessions) as db:
        row = db.scalar(select(ChannelToken).where(ChannelToken.name == TOKEN_NAME))
        assert row is not None
        row.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    assert FAKE_CITATION in ZaloUser(client, fake).say("Hạn gửi sáng kiến?")
    assert len(fake.refreshes()) == 1
    sends = fake.matching(lambda r: r.path == "/v3.0/oa/message/cs")
    assert [r.headers["access_token"] for r in sends] == ["acc-1"], "never sent with the expired token"


def test_withdrawal_by_typed_words_and_locks_dropped_when_idle(
    client: TestClient, fake: FakeZalo, runtime: ChatRuntime
) -> None:
    user = ZaloUser(client, fake, user_id="8123456789000000001")
    with session_scope(runtime.sessions) as db:
        code = make_initiative(db, channel="zalo", channel_user_id=user.user_id).code
    ask = user.exchange(user.event(text=f"rut sang kien {code}"))
    assert "có chắc muốn rút" in ask[-1]["text"]
    assert [b["payload"] for b in ask[-1]["attachment"]["payload"]["buttons"]] == [
        f"#btn:wd:yes:{code}",
        f"#btn:wd:no:{code}",
    ]
    confirm = user.event(text="có")
    assert "Em đã rút sáng kiến" in "\n".join(m["text"] for m in user.exchange(confirm))
    assert user.exchange(confirm) == []  # Zalo re-delivers the same msg_id
    assert "Đã rút" in user.say(f"/trangthai {code}")
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None and initiative.state == InitiativeState.WITHDRAWN.value
    assert len(client.app.state.channels.get("zalo")._user_locks) == 0  # type: ignore[attr-defined]
