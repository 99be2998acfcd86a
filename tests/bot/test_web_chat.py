"""The web chat end to end through the product's app: questions, the form, status, restarts, repeats, bad input."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.db import session_scope
from core.models import Attachment, Initiative, InitiativeEvent, InitiativeState, Notice
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
from tests.factories import make_reviewer
from tests.fakes import FAKE_CITATION


def _session() -> str:
    return uuid.uuid4().hex


def _chat(client: TestClient, session: str, text: str, **extra: Any) -> dict[str, Any]:
    # json.dumps escapes a lone surrogate as \\ud800, as a browser would send broken Unicode.
    payload = json.dumps({"session": session, "text": text, **extra})
    response = client.post("/api/chat", content=payload, headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body["replies"], list)
    return body


def _say(client: TestClient, session: str) -> Any:
    return lambda text: "\n".join(_chat(client, session, text)["replies"])


def _submit_with_file(client: TestClient, session: str) -> str:
    fill_form(_say(client, session), FORM_BEFORE_FILE)
    response = client.post(
        f"/api/chat/{session}/attachments", files={"file": ("so-do.png", PNG, "image/png")}, data={"message_id": "f1"}
    )
    assert response.status_code == 200
    assert "Đã nhận tệp “so-do.png”" in response.json()["replies"][0]
    last = fill_form(_say(client, session), FORM_AFTER_FILE)
    match = RECEIPT.search(last)
    assert match, last
    return match.group(1)


def test_page_and_widget_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert 'lang="vi"' in page.text and "viewport" in page.text and "/api/chat" in page.text
    widget = client.get("/widget.js")
    assert widget.status_code == 200 and "iframe" in widget.text
    assert widget.headers["content-type"].startswith("text/javascript")
    # Replies quote user and document text: the page only ever sets text, never markup.
    assert ".innerHTML" not in page.text and ".outerHTML" not in page.text
    assert 'id="file"' in page.text and "display: none" not in page.text, "the file picker stays keyboard-reachable"
    # In a portal's frame storage may be refused; the page must go through its guarded wrapper.
    assert "localStorage.getItem" not in page.text and "sessionStorage.getItem" not in page.text


def test_question_is_answered_with_its_citation(client: TestClient, runtime: ChatRuntime) -> None:
    body = _chat(client, _session(), "Hạn gửi sáng kiến là khi nào?")
    assert any(FAKE_CITATION in reply for reply in body["replies"])
    assert body["messages"][-1]["buttons"], "an answer offers the next steps as buttons"
    assert runtime.answerer.asked == [("Hạn gửi sáng kiến là khi nào?", None)]


def test_chosen_locality_scopes_later_questions(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    menu = _chat(client, session, "/diaban")
    labels = [b["label"] for row in menu["messages"][0]["buttons"] for b in row]
    assert "phường Hoàng Mai" in labels
    chosen = _chat(client, session, "phường Hoàng Mai", callback="loc:0")
    assert "phường Hoàng Mai" in chosen["replies"][0]
    _chat(client, session, "Tiêu chí khen thưởng?")
    assert runtime.answerer.asked[-1] == ("Tiêu chí khen thưởng?", "phường Hoàng Mai")


def test_initiative_with_attachment_gets_a_receipt_and_its_status(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    code = _submit_with_file(client, session)
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        assert initiative.channel == "web" and initiative.channel_user_id == session
        assert initiative.contact_phone == "0912345678"
        assert initiative.participant_kind == "Cá nhân" and initiative.field == "Chuyển đổi số"
        assert [a.filename for a in initiative.attachments] == ["so-do.png"]
    status = "\n".join(_chat(client, session, f"/trangthai {code}")["replies"])
    assert code in status and "Đã tiếp nhận" in status
    by_words = "\n".join(_chat(client, session, f"tra cứu {code.lower()}")["replies"])
    assert "Đã tiếp nhận" in by_words
    # Another session cannot read it: codes are sequential.
    other = "\n".join(_chat(client, _session(), f"/trangthai {code}")["replies"])
    assert "không tìm thấy" in other.lower() and "Số hóa" not in other


def test_edit_a_field_from_the_summary(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    say = _say(client, session)
    fill_form(say, FORM_BEFORE_FILE)
    fill_form(say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])
    body = _chat(client, session, "Sửa thông tin", callback="confirm:edit")
    assert "mục nào" in body["replies"][0]
    asked = _chat(client, session, "Tên sáng kiến", callback="edit:title")
    assert "Bước 6/12" in asked["replies"][0]
    summary = "\n".join(_chat(client, session, "Sổ hộ gia đình điện tử")["replies"])
    assert "Tên sáng kiến: Sổ hộ gia đình điện tử" in summary
    done = "\n".join(_chat(client, session, "Gửi", callback="confirm:send")["replies"])
    assert RECEIPT.search(done)


def test_invalid_answers_get_clear_vietnamese_messages(client: TestClient) -> None:
    session = _session()
    say = _say(client, session)
    fill_form(say, FORM_BEFORE_FILE[:2])
    assert "chọn một trong các mục" in say("người ngoài hành tinh")
    fill_form(say, FORM_BEFORE_FILE[2:10])
    wrong = say("12345")
    assert "số điện thoại di động Việt Nam" in wrong
    assert "Bước 11/12" in say("an.nguyen@example.vn")


def test_repeated_message_id_gets_the_same_reply_once_worked_out(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    first = _chat(client, session, "Hạn gửi sáng kiến?", message_id="m-1")
    again = _chat(client, session, "Hạn gửi sáng kiến?", message_id="m-1")
    assert first["replies"] and again["replies"] == first["replies"], "a lost response can be asked for again"
    assert len(runtime.answerer.asked) == 1


def test_a_resent_confirmation_after_a_lost_response_gets_the_receipt(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    say = _say(client, session)
    fill_form(say, FORM_BEFORE_FILE)
    fill_form(say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])
    first = _chat(client, session, "Gửi", message_id="confirm-9")  # its response is lost on the way
    again = _chat(client, session, "Gửi", message_id="confirm-9")
    receipt = RECEIPT.search("\n".join(first["replies"]))
    assert receipt and receipt.group(1) in "\n".join(again["replies"])
    assert count_initiatives(runtime) == 1


def test_confirmation_delivered_to_two_workers_at_once_stores_one_submission(chat_settings: Settings) -> None:
    session = _session()
    workers = [make_runtime(chat_settings), make_runtime(chat_settings)]
    try:
        with TestClient(make_app(workers[0])) as one, TestClient(make_app(workers[1])) as two:
            say = _say(one, session)
            fill_form(say, FORM_BEFORE_FILE)
            fill_form(say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])
            results: list[dict[str, Any]] = []
            barrier = threading.Barrier(2)

            def confirm(client: TestClient) -> None:
                barrier.wait()
                results.append(_chat(client, session, "Gửi", message_id="confirm-1"))

            threads = [threading.Thread(target=confirm, args=(c,)) for c in (one, two)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        codes = {match.group(1) for r in results if (match := RECEIPT.search("\n".join(r["replies"])))}
        assert len(results) == 2 and len(codes) == 1, "both copies get the one receipt"
        assert count_initiatives(workers[0]) == 1
    finally:
        for worker in workers:
            worker.close()


def test_two_different_confirmations_racing_store_one_submission(chat_settings: Settings) -> None:
    """Without a message id (so no dedup), the row lock / version check still keeps one submission."""
    session = _session()
    workers = [make_runtime(chat_settings), make_runtime(chat_settings)]
    try:
        with TestClient(make_app(workers[0])) as one, TestClient(make_app(workers[1])) as two:
            say = _say(one, session)
            fill_form(say, FORM_BEFORE_FILE)
            fill_form(say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])
            barrier = threading.Barrier(2)
            results: list[str] = []

            def confirm(client: TestClient) -> None:
                barrier.wait()
                results.append("\n".join(_chat(client, session, "Gửi")["replies"]))

            threads = [threading.Thread(target=confirm, args=(c,)) for c in (one, two)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        assert len(results) == 2
        assert sum(bool(RECEIPT.search(r)) for r in results) == 1
        assert count_initiatives(workers[0]) == 1
    finally:
        for worker in workers:
            worker.close()


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"", b'{"session": "abcdefgh", "text": "x"', b"\xff\xfe{"],
)
def test_malformed_json_is_400(client: TestClient, body: bytes) -> None:
    response = client.post("/api/chat", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"


def test_missing_or_bad_session_is_422(client: TestClient) -> None:
    assert client.post("/api/chat", json={"text": "xin chào"}).status_code == 422
    assert client.post("/api/chat", json={"session": "../../etc", "text": "x"}).status_code == 422


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a" * 10_000, "dài 10.000 ký tự, vượt quá giới hạn 4.000 ký tự"),
        ("<script>alert('x')</script> hạn nộp?", FAKE_CITATION),
        ("'; DROP TABLE initiatives; --", FAKE_CITATION),
        ("😀🎉🙏", "Em chưa hiểu"),
        ("Hạn nộp \ud800 sáng kiến?", FAKE_CITATION),
        ("\x00\x01", "Em chưa hiểu"),
    ],
)
def test_hostile_input_gets_a_clear_reply(client: TestClient, runtime: ChatRuntime, text: str, expected: str) -> None:
    body = _chat(client, _session(), text)
    assert any(expected in reply for reply in body["replies"]), body
    assert count_initiatives(runtime) == 0


def test_invalid_utf8_still_gets_a_reply(client: TestClient) -> None:
    raw = b'{"session": "' + _session().encode() + b'", "text": "H\xe1n n\xff\xfep?"}'
    response = client.post("/api/chat", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 200
    assert response.json()["replies"]


def test_unsupported_attachment_is_refused_politely(client: TestClient) -> None:
    session = _session()
    fill_form(_say(client, session), FORM_BEFORE_FILE)
    response = client.post(
        f"/api/chat/{session}/attachments", files={"file": ("virus.exe", b"MZ\x90\x00", "application/octet-stream")}
    )
    assert "không thuộc loại được nhận" in response.json()["replies"][0]
    too_big = PNG + b"\x00" * (1024 * 1024 * 11)
    response = client.post(f"/api/chat/{session}/attachments", files={"file": ("big.png", too_big, "image/png")})
    assert response.status_code == 413 and "lớn hơn 10 MB" in response.json()["replies"][0]
    assert client.post(f"/api/chat/{session}/attachments", data={"message_id": "x"}).status_code == 422
    assert "gửi ảnh hoặc tài liệu" in _say(client, session)("còn gì nữa"), "the form is where it was"


def test_rate_limit_warns_once(tmp_path: Any) -> None:
    settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d", rate_limit_per_minute=3)  # type: ignore[call-arg]
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            session = _session()
            replies = [_chat(client, session, f"câu hỏi số {i}")["replies"] for i in range(5)]
        assert all(FAKE_CITATION in r[0] for r in replies[:3])
        assert "hơi nhanh" in replies[3][0]
        assert replies[4] == []
    finally:
        runtime.close()


def test_cancel_and_help_by_words_and_commands(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    say = _say(client, session)
    greeting = _chat(client, session, "/start")
    assert "Xin chào" in greeting["replies"][0] and "/sangkien" not in greeting["replies"][0], "a short greeting"
    assert "menu:help" in [b["data"] for row in greeting["messages"][0]["buttons"] for b in row]
    assert "/sangkien" in say("hướng dẫn"), "the commands are under “hướng dẫn”"
    fill_form(say, FORM_BEFORE_FILE[:3])
    assert "đã hủy" in say("hủy")
    assert "không có thao tác" in say("/huy")
    assert "Bước 1/12" in say("gửi sáng kiến")
    assert "Bước 2/12" in say("Trần Thị Bình")
    # A question-looking answer inside the form is taken as the answer, never as a command.
    assert "chọn một trong các mục" in say("tra cứu")


def test_notices_reach_the_web_session_once(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    code = _submit_with_file(client, session)
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        enqueue_notice(session=db, initiative=initiative, text=f"Hồ sơ {code} đang được xem xét.")
    first = client.get(f"/api/chat/{session}/notices").json()["notices"]
    assert first == [f"Hồ sơ {code} đang được xem xét."]
    assert client.get(f"/api/chat/{session}/notices").json()["notices"] == []
    with session_scope(runtime.sessions) as db:
        notice = db.scalar(select(Notice))
        assert notice is not None and notice.status == "sent"


def test_submitter_answers_a_request_for_information(client: TestClient, runtime: ChatRuntime) -> None:
    session = _session()
    code = _submit_with_file(client, session)
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        initiative.state = InitiativeState.NEEDS_INFO.value
        db.add(
            InitiativeEvent(
                initiative_id=initiative.id,
                kind="transition",
                actor="reviewer:bich",
                from_state="in_review",
                to_state="needs_info",
                note="Đề nghị bổ sung số liệu tiết kiệm thời gian.",
            )
        )
    status = _chat(client, session, f"/trangthai {code}")
    assert "bổ sung số liệu" in status["replies"][0]
    assert status["messages"][0]["buttons"][0][0]["data"] == f"reply:{code}"
    prompt = _chat(client, session, "Bổ sung thông tin", callback=f"reply:{code}")
    assert "nhắn nội dung bổ sung" in prompt["replies"][0]
    client.post(f"/api/chat/{session}/attachments", files={"file": ("bang-so-lieu.png", PNG, "image/png")})
    done = _chat(client, session, "Mỗi tháng tiết kiệm khoảng 20 giờ công.")
    assert "đã chuyển nội dung bổ sung" in done["replies"][0]
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        replies = [e for e in initiative.events if e.actor == "submitter" and e.kind == "reply"]
        assert replies and "20 giờ công" in replies[-1].note
        assert initiative.state == InitiativeState.IN_REVIEW.value
        names = {a.filename for a in db.scalars(select(Attachment).where(Attachment.initiative_id == initiative.id))}
        assert names == {"so-do.png", "bang-so-lieu.png"}


def test_reviewer_request_reaches_the_page_and_a_plain_answer_goes_back(
    client: TestClient, runtime: ChatRuntime
) -> None:
    session = _session()
    code = _submit_with_file(client, session)
    with session_scope(runtime.sessions) as db:
        reviewer = make_reviewer(db, username="can.bo.phuong")
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None
        transition(session=db, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
        transition(
            session=db,
            initiative=initiative,
            reviewer=reviewer,
            to_state=InitiativeState.NEEDS_INFO,
            note="Đề nghị gửi thêm số hộ đã được số hóa.",
        )
    notices = client.get(f"/api/chat/{session}/notices").json()["notices"]
    assert len(notices) == 2 and "số hộ đã được số hóa" in notices[1]
    # As the notice says, the answer is simply typed into the chat.
    done = _chat(client, session, "Đã số hóa 312 hộ trên tổng số 340 hộ.")
    assert "đã chuyển nội dung bổ sung" in done["replies"][0]
    with session_scope(runtime.sessions) as db:
        initiative = db.scalar(select(Initiative).where(Initiative.code == code))
        assert initiative is not None and initiative.state == InitiativeState.IN_REVIEW.value
        assert any(e.kind == "reply" and "312 hộ" in e.note for e in initiative.events)
    # The next message is an ordinary question again.
    assert FAKE_CITATION in _chat(client, session, "Hạn gửi sáng kiến?")["replies"][-1]


def test_dung_with_diacritics_confirms_the_summary_instead_of_cancelling(
    client: TestClient, runtime: ChatRuntime
) -> None:
    # “đúng” (right) and “dừng” (stop) fold to the same letters; the summary must not be thrown away.
    session = _session()
    say = _say(client, session)
    fill_form(say, FORM_BEFORE_FILE + FORM_AFTER_FILE[:2])
    assert RECEIPT.search(say("Đúng"))
    assert count_initiatives(runtime) == 1
