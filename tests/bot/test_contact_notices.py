"""Notices where the submitter is: a reviewer's request reaches a real SMTP server (aiosmtpd) and a fake ZNS endpoint;
a failing SMTP server is retried with back-off and ends in a failed state reviewers see."""

from __future__ import annotations

import functools
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.channels import ChannelContext
from bot.contact.email import EmailSender
from bot.contact.zns import ZnsSender
from bot.notifier import deliver_contact
from core.db import session_scope
from core.models import Initiative, InitiativeState, Notice
from core.notices import MAX_ATTEMPTS
from core.review import transition
from core.settings import Settings
from tests.bot.support import FORM_AFTER_FILE, FORM_BEFORE_FILE, RECEIPT, fill_form, make_app, make_runtime
from tests.bot.test_zalo import APP_SECRET
from tests.factories import make_reviewer
from tests.fakes import FakeZalo

REQUEST = "Đề nghị gửi thêm số hộ đã được số hóa."


class Inbox:
    """An aiosmtpd handler that keeps what it receives, or refuses every message with 451."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.refuse = refuse
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return "451 4.3.0 Mailbox temporarily unavailable"
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _smtp(handler: Inbox) -> Iterator[tuple[Inbox, int]]:
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    yield from _smtp(Inbox())


@pytest.fixture
def refusing_inbox() -> Iterator[tuple[Inbox, int]]:
    yield from _smtp(Inbox(refuse=True))


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    server = FakeZalo(app_secret=APP_SECRET)
    yield server
    server.close()


def _settings(tmp_path: Path, port: int, fake: FakeZalo) -> Settings:
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="test",
        data_dir=tmp_path / "data",
        rate_limit_per_minute=500,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_tls="none",
        smtp_from="thidua@phuong.example.vn",
        zns_template_id="tpl-1234",
        zns_api_url=fake.url,
        zalo_app_id="4301234567890",
        zalo_oa_secret="oa-Secret-key",
        zalo_app_secret=APP_SECRET,
        zalo_access_token="acc-0",
        zalo_refresh_token="ref-0",
        zalo_api_url=fake.url,
        zalo_oauth_url=fake.url,
    )


def _submit(client: TestClient, contact: str) -> str:
    return _submit_in(client, uuid.uuid4().hex, contact)


def _ask_for_information(runtime: Any, code: str) -> int:
    with session_scope(runtime.sessions) as db:
        reviewer = make_reviewer(db, username=f"can.bo.{code[-3:]}")
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        transition(session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
        transition(
            session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.NEEDS_INFO, note=REQUEST
        )
        return initiative.id


def _deliver(client: TestClient, runtime: Any, channel: str, sender: Any) -> int:
    call = functools.partial(deliver_contact, sessions=runtime.sessions, channel=channel, send=sender.send_notice)
    sent: int = client.portal.call(call)
    return sent


def test_request_for_information_reaches_smtp_and_zns(tmp_path: Path, inbox: tuple[Inbox, int], fake: FakeZalo) -> None:
    handler, port = inbox
    settings = _settings(tmp_path, port, fake)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            by_mail = _submit(client, "an.nguyen@example.vn")
            by_phone = _submit(client, "0912 345 678")
            _ask_for_information(runtime, by_mail)
            _ask_for_information(runtime, by_phone)
            dialog = client.app.state.channels.dialog  # type: ignore[attr-defined]
            context = ChannelContext(settings=settings, sessions=runtime.sessions, dialog=dialog)
            assert _deliver(client, runtime, "email", EmailSender(settings)) == 2  # in review, then the request
            zns = ZnsSender(context)
            client.portal.call(zns.start)
            assert _deliver(client, runtime, "zns", zns) == 2
            client.portal.call(zns.stop)
            assert _deliver(client, runtime, "email", EmailSender(settings)) == 0, "each notice is copied once"
    finally:
        runtime.close()
    mail_from, recipients, raw = handler.messages[-1]
    assert mail_from == "thidua@phuong.example.vn" and recipients == ["an.nguyen@example.vn"]
    email = message_from_bytes(raw, policy=policy.default)
    assert by_mail in str(email["Subject"])
    body = email.get_body(preferencelist=("plain",))
    assert body is not None and REQUEST in body.get_content() and "/ngungthongbao" in body.get_content()
    template = fake.zns()[-1]
    assert template["phone"] == "84912345678" and template["template_id"] == "tpl-1234"
    assert template["template_data"]["ma_ho_so"] == by_phone and REQUEST in template["template_data"]["noi_dung"]
    assert fake.rejected == []


def test_failing_smtp_is_retried_with_back_off_then_failed_for_reviewers(
    tmp_path: Path, refusing_inbox: tuple[Inbox, int], fake: FakeZalo
) -> None:
    _, port = refusing_inbox
    settings = _settings(tmp_path, port, fake)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            code = _submit(client, "an.nguyen@example.vn")
            initiative_id = _ask_for_information(runtime, code)
            waits = []
            for _ in range(MAX_ATTEMPTS):
                assert _deliver(client, runtime, "email", EmailSender(settings)) == 0
                with session_scope(runtime.sessions) as db:
                    for notice in db.scalars(select(Notice).where(Notice.channel == "email")):
                        if notice.status == "pending":
                            waits.append(
                                (notice.next_attempt_at.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds()
                            )
                            notice.next_attempt_at = datetime.now(UTC)  # the back-off has passed
            assert waits[0] > 20 and waits[-1] > waits[0], "retried later and later"
            token = client.post(
                "/api/auth/token", data={"username": f"can.bo.{code[-3:]}", "password": "mat-khau-du-dai"}
            ).json()["access_token"]
            detail = client.get(f"/api/initiatives/{initiative_id}", headers={"Authorization": f"Bearer {token}"})
            assert detail.status_code == 200
            mails = [n for n in detail.json()["notice_log"] if n["channel"] == "email"]
            assert mails and all(n["status"] == "failed" and n["attempts"] == MAX_ATTEMPTS for n in mails)
            assert "451" in mails[0]["last_error"]
            assert detail.json()["notices"]["failed"] == len(mails)
    finally:
        runtime.close()


def test_submitter_can_stop_contact_notices(tmp_path: Path, inbox: tuple[Inbox, int], fake: FakeZalo) -> None:
    handler, port = inbox
    settings = _settings(tmp_path, port, fake)
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            session = uuid.uuid4().hex
            code = _submit_in(client, session, "an.nguyen@example.vn")
            status = client.post("/api/chat", json={"session": session, "text": code}).json()
            data = [b["data"] for row in status["messages"][0]["buttons"] for b in row]
            assert f"stop:{code}" in data
            stopped = client.post("/api/chat", json={"session": session, "text": f"/ngungthongbao {code}"}).json()
            assert "ngừng gửi thông báo" in stopped["replies"][0]
            _ask_for_information(runtime, code)
            assert _deliver(client, runtime, "email", EmailSender(settings)) == 0
    finally:
        runtime.close()
    assert handler.messages == []


def _submit_in(client: TestClient, session: str, contact: str) -> str:
    def say(text: str) -> str:
        return "\n".join(client.post("/api/chat", json={"session": session, "text": text}).json()["replies"])

    steps = [(contact if answer == "0912 345 678" else answer, expected) for answer, expected in FORM_BEFORE_FILE]
    fill_form(say, steps)
    match = RECEIPT.search(fill_form(say, FORM_AFTER_FILE))
    assert match
    return match.group(1)
