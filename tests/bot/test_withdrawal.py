"""Withdrawal by the submitter in the web chat: confirmation, reasons, ownership, decided submissions, repeats."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.commands import Command, is_cancel_word, parse_command
from core.db import session_scope
from core.models import Initiative, InitiativeEvent, InitiativeState
from core.review import transition
from tests.bot.support import ChatRuntime
from tests.factories import make_initiative, make_reviewer


def _chat(client: TestClient, session: str, text: str = "", **extra: Any) -> dict[str, Any]:
    payload = json.dumps({"session": session, "text": text, **extra})
    response = client.post("/api/chat", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _text(body: dict[str, Any]) -> str:
    return "\n".join(body["replies"])


def _submitted(runtime: ChatRuntime, session: str, **overrides: Any) -> str:
    with session_scope(runtime.sessions) as db:
        return make_initiative(db, **{"channel": "web", "channel_user_id": session, **overrides}).code


def _state(runtime: ChatRuntime, code: str) -> tuple[str, list[InitiativeEvent]]:
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        withdrawals = [e for e in initiative.events if e.to_state == InitiativeState.WITHDRAWN.value]
        db.expunge_all()
        return initiative.state, withdrawals


def test_withdraw_with_buttons_and_a_reason_then_status_shows_it(client: TestClient, runtime: ChatRuntime) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    ask = _chat(client, session, f"/rut {code}")
    assert "có chắc muốn rút" in _text(ask) and code in _text(ask)
    buttons = [b["data"] for row in ask["messages"][-1]["buttons"] for b in row]
    assert buttons == [f"wd:yes:{code}", f"wd:no:{code}"]
    assert _state(runtime, code)[0] == InitiativeState.SUBMITTED.value, "nothing changes before the confirmation"
    noted = _chat(client, session, "Tôi đã nộp sáng kiến này ở đơn vị khác")
    assert "ghi nhận lý do rút: Tôi đã nộp sáng kiến này ở đơn vị khác" in _text(noted)
    assert [b["data"] for row in noted["messages"][-1]["buttons"] for b in row] == buttons
    done = _chat(client, session, "Có, rút sáng kiến", callback=f"wd:yes:{code}", message_id="confirm-1")
    assert "Em đã rút sáng kiến" in _text(done) and "Đã rút" in _text(done)
    state, events = _state(runtime, code)
    assert state == InitiativeState.WITHDRAWN.value
    assert [(e.actor, e.note) for e in events] == [("submitter", "Tôi đã nộp sáng kiến này ở đơn vị khác")]
    status = _text(_chat(client, session, f"/trangthai {code}"))
    assert "Trạng thái: Đã rút" in status and "Lý do rút: Tôi đã nộp" in status


def test_repeated_delivery_withdraws_once_and_never_errors(client: TestClient, runtime: ChatRuntime) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    _chat(client, session, f"rút sáng kiến {code}")
    first = _chat(client, session, "có", message_id="m-yes")
    assert "Em đã rút sáng kiến" in _text(first)
    # The same message delivered again gets the same reply, without a second withdrawal; a second press of the old
    # button is told it is done.
    assert _chat(client, session, "có", message_id="m-yes")["replies"] == first["replies"]
    again = _chat(client, session, "Có, rút sáng kiến", callback=f"wd:yes:{code}", message_id="m-yes-2")
    assert "đã được rút trước đó" in _text(again)
    assert "đã được rút trước đó" in _text(_chat(client, session, f"/rut {code}"))
    state, events = _state(runtime, code)
    assert state == InitiativeState.WITHDRAWN.value and len(events) == 1


def test_someone_elses_code_looks_like_an_unknown_code(client: TestClient, runtime: ChatRuntime) -> None:
    owner, stranger = uuid.uuid4().hex, uuid.uuid4().hex
    code = _submitted(runtime, owner)
    other_channel = _submitted(runtime, stranger, channel="telegram")  # same user id, another channel
    unknown = "SK-2026-999999"
    theirs = _text(_chat(client, stranger, f"/rut {code}"))
    nobody = _text(_chat(client, stranger, f"/rut {unknown}"))
    assert theirs == nobody.replace(unknown, code)
    assert "không tìm thấy hồ sơ" in theirs
    assert "không tìm thấy hồ sơ" in _text(_chat(client, stranger, f"/rut {other_channel}"))
    # A forged button press is refused the same way.
    forged = _text(_chat(client, stranger, "Có", callback=f"wd:yes:{code}"))
    assert "không tìm thấy hồ sơ" in forged
    assert _state(runtime, code)[0] == InitiativeState.SUBMITTED.value
    assert _state(runtime, other_channel)[0] == InitiativeState.SUBMITTED.value


@pytest.mark.parametrize(
    ("decision", "label"), [(InitiativeState.ACCEPTED, "Được công nhận"), (InitiativeState.REJECTED, "Không được")]
)
def test_decided_submission_cannot_be_withdrawn(
    client: TestClient, runtime: ChatRuntime, decision: InitiativeState, label: str
) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    with session_scope(runtime.sessions) as db:
        reviewer = make_reviewer(db)
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        transition(session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
        transition(
            session=db, initiative=initiative, reviewer=reviewer, to_state=decision, note="Kết luận của hội đồng."
        )
    reply = _text(_chat(client, session, f"/rut {code}"))
    assert "đã có kết quả xem xét" in reply and label in reply and "không thể rút" in reply
    assert _state(runtime, code)[0] == decision.value


def test_decision_between_question_and_answer_is_reported(client: TestClient, runtime: ChatRuntime) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    _chat(client, session, f"/rut {code}")
    with session_scope(runtime.sessions) as db:
        reviewer = make_reviewer(db)
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        transition(session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
        transition(session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.ACCEPTED)
    reply = _text(_chat(client, session, "có"))
    assert "không thể rút" in reply
    assert _state(runtime, code)[0] == InitiativeState.ACCEPTED.value


def test_saying_no_keeps_the_submission_and_words_without_diacritics_work(
    client: TestClient, runtime: ChatRuntime
) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    _chat(client, session, f"rut sang kien {code.lower()}")
    kept = _text(_chat(client, session, "không"))
    assert "giữ nguyên hồ sơ" in kept
    assert _state(runtime, code)[0] == InitiativeState.SUBMITTED.value
    # After “không” an ordinary message is a question again, not a late confirmation.
    _chat(client, session, "có")
    assert _state(runtime, code)[0] == InitiativeState.SUBMITTED.value
    _chat(client, session, f"rut {code} - trung voi ho so khac")
    _chat(client, session, "dong y")
    state, events = _state(runtime, code)
    assert state == InitiativeState.WITHDRAWN.value and events[0].note == "trung voi ho so khac"


def test_withdraw_without_a_code_offers_the_open_submissions(client: TestClient, runtime: ChatRuntime) -> None:
    session = uuid.uuid4().hex
    assert "không có sáng kiến nào" in _text(_chat(client, session, "/rut"))
    first, second = _submitted(runtime, session), _submitted(runtime, session)
    menu = _chat(client, session, "rút sáng kiến")
    assert first in _text(menu) and second in _text(menu)
    ask = _text(_chat(client, session, second))
    assert "có chắc muốn rút" in ask and second in ask
    _chat(client, session, "Có", callback=f"wd:yes:{second}")
    assert _state(runtime, second)[0] == InitiativeState.WITHDRAWN.value
    assert _state(runtime, first)[0] == InitiativeState.SUBMITTED.value
    # Only one left: the question comes at once.
    assert first in _text(_chat(client, session, "/rut"))


def test_status_offers_withdrawal_and_help_mentions_it(client: TestClient, runtime: ChatRuntime) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    status = _chat(client, session, f"/trangthai {code}")
    assert [b["data"] for row in status["messages"][0]["buttons"] for b in row] == [f"wd:ask:{code}"]
    assert "/rut" in _text(_chat(client, session, "/help"))


def test_withdraw_inside_the_form_keeps_the_form(client: TestClient, runtime: ChatRuntime) -> None:
    session = uuid.uuid4().hex
    code = _submitted(runtime, session)
    _chat(client, session, "/sangkien")
    reply = _text(_chat(client, session, f"/rut {code}"))
    assert "hoàn tất hoặc hủy" in reply and "Bước 1/12" in reply
    assert _state(runtime, code)[0] == InitiativeState.SUBMITTED.value


def test_withdraw_words_are_commands_and_dung_with_diacritics_is_not_cancel() -> None:
    typed = parse_command("/rut SK-2026-000123 trùng")
    assert typed is not None and typed.command is Command.WITHDRAW and typed.argument == "SK-2026-000123 trùng"
    parsed = parse_command("Rút sáng kiến SK-2026-000123")
    assert parsed is not None and parsed.command is Command.WITHDRAW and parsed.argument == "SK-2026-000123"
    assert parse_command("rút sáng kiến") is not None
    assert parse_command("rút kinh nghiệm thế nào?") is None
    assert is_cancel_word("dừng") and is_cancel_word("dung") and not is_cancel_word("Đúng rồi")
