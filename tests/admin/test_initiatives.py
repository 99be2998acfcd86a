"""Submissions through the admin API: listing, detail, attachments, transitions, history, notices, similar ones."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import ThiduaError
from core.models import Attachment, Initiative, InitiativeEvent, Notice
from core.review import add_submitter_reply, awaiting_reply, withdraw
from core.settings import Settings
from tests.factories import make_initiative, make_reviewer


def _ids(response_json: dict[str, object]) -> list[int]:
    items = response_json["items"]
    assert isinstance(items, list)
    return [item["id"] for item in items]


def test_list_filters_sorts_and_pages(client: TestClient, session: Session, reviewer_headers: dict[str, str]) -> None:
    helper = make_reviewer(session, username="pho.phong")
    a = make_initiative(
        session,
        title="Số hóa hồ sơ đất đai",
        field="Chuyển đổi số",
        locality="Đà Nẵng",
        unit="Sở Tài nguyên",
        participant_kind="Tập thể",
    )
    b = make_initiative(session, title="Trường học xanh thông minh", field="Giáo dục, đào tạo", locality="Huế")
    c = make_initiative(session, title="Phần mềm quản lý bệnh án", field="Y tế", locality="Đà Nẵng")
    b.created_at = datetime.now(UTC) - timedelta(days=40)
    c.assigned_reviewer_id = helper.id
    session.commit()

    def listed(**params: object) -> list[int]:
        response = client.get("/api/initiatives", params=params, headers=reviewer_headers)
        assert response.status_code == 200, response.text
        return _ids(response.json())

    assert set(listed()) >= {a.id, b.id, c.id}
    assert listed(locality="Đà Nẵng") == [c.id, a.id]
    assert listed(field="Y tế") == [c.id]
    assert listed(participant_kind="Tập thể") == [a.id]
    assert listed(unit="tài nguyên") in ([a.id], [])  # case folding of non-ASCII letters differs by backend
    assert listed(unit="Tài nguyên") == [a.id]
    assert listed(assigned_reviewer_id=helper.id) == [c.id]
    assert c.id not in listed(unassigned=True)
    # Diacritic-insensitive search, in any case, over several words.
    assert listed(q="so hoa DAT dai") == [a.id]
    assert listed(q="SỐ HÓA") == [a.id]
    assert listed(q="100%_x") == []
    assert listed(q=a.code.lower()) == [a.id]
    old = (datetime.now(UTC) - timedelta(days=30)).date().isoformat()
    assert b.id not in listed(date_from=old)
    assert listed(date_to=old) == [b.id]
    assert set(listed(date_from="0001-01-01", date_to="9999-12-31")) >= {a.id, b.id, c.id}
    assert listed(state=["submitted", "in_review"], locality="Huế") == [b.id]
    assert listed(state="accepted", locality="Huế") == []
    assert listed(sort="created_at", locality="Đà Nẵng") == [a.id, c.id]
    assert listed(sort="title", locality="Đà Nẵng") == [c.id, a.id]
    page = client.get(
        "/api/initiatives", params={"page_size": 1, "page": 2, "locality": "Đà Nẵng"}, headers=reviewer_headers
    )
    assert page.json()["total"] == 2
    assert _ids(page.json()) == [a.id]
    bad = client.get("/api/initiatives", params={"page_size": 1000, "state": "nope"}, headers=reviewer_headers)
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation_error"
    assert "page_size" in bad.json()["detail"]


def test_detail_shows_contact_history_and_attachments(
    client: TestClient, session: Session, settings: Settings, reviewer_headers: dict[str, str]
) -> None:
    initiative = make_initiative(session, contact_email="an@example.vn")
    stored = settings.uploads_dir / "attachments" / "a.pdf"
    stored.parent.mkdir(parents=True)
    stored.write_bytes(b"%PDF-1.4 test")
    attachment = Attachment(
        initiative_id=initiative.id,
        channel="web",
        channel_user_id=initiative.channel_user_id,
        filename="thuyết minh.pdf",
        content_type="text/html",
        size=13,
        sha256=hashlib.sha256(b"%PDF-1.4 test").hexdigest(),
        storage_path="attachments/a.pdf",
    )
    escaping = Attachment(
        initiative_id=initiative.id,
        channel="web",
        channel_user_id=initiative.channel_user_id,
        filename="x",
        content_type="text/plain",
        size=1,
        sha256="0" * 64,
        storage_path="../../../etc/passwd",
    )
    session.add_all([attachment, escaping])
    session.commit()
    detail = client.get(f"/api/initiatives/{initiative.id}", headers=reviewer_headers)
    assert detail.status_code == 200
    body = detail.json()
    assert body["contact_phone"] == "0912345678"
    assert body["contact_email"] == "an@example.vn"
    assert body["state_label"] == "Đã tiếp nhận"
    assert body["allowed_transitions"] == ["in_review"]
    assert [event["kind"] for event in body["history"]] == ["created"]
    url = body["attachments"][0]["download_url"]
    download = client.get(url, headers=reviewer_headers)
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 test"
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert client.get(url).status_code == 401
    assert client.get(body["attachments"][1]["download_url"], headers=reviewer_headers).status_code == 404
    other = make_initiative(session)
    session.commit()
    wrong_owner = client.get(f"/api/initiatives/{other.id}/attachments/{attachment.id}", headers=reviewer_headers)
    assert wrong_owner.status_code == 404
    missing = client.get("/api/initiatives/999999", headers=reviewer_headers)
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"


def test_legal_moves_write_history_and_queue_notices(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    initiative = make_initiative(session)
    session.commit()
    url = f"/api/initiatives/{initiative.id}/transitions"

    illegal = client.post(url, json={"to_state": "accepted", "note": "Tốt"}, headers=reviewer_headers)
    assert illegal.status_code == 409
    assert illegal.json()["error"] == "illegal_transition"
    withdraw_attempt = client.post(url, json={"to_state": "withdrawn"}, headers=reviewer_headers)
    assert withdraw_attempt.status_code == 409

    moved = client.post(url, json={"to_state": "in_review", "internal_note": "Ưu tiên"}, headers=reviewer_headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "in_review"
    no_note = client.post(url, json={"to_state": "needs_info"}, headers=reviewer_headers)
    assert no_note.status_code == 422
    asked = client.post(
        url, json={"to_state": "needs_info", "note": "Xin gửi thêm số liệu thử nghiệm."}, headers=reviewer_headers
    )
    assert asked.json()["state"] == "needs_info"
    body = asked.json()
    steps = [(e["kind"], e["actor"], e["from_state"], e["to_state"], e["internal"]) for e in body["history"]]
    assert steps == [
        ("created", "submitter", None, "submitted", False),
        ("transition", "reviewer:le.reviewer", "submitted", "in_review", False),
        ("comment", "reviewer:le.reviewer", None, None, True),
        ("transition", "reviewer:le.reviewer", "in_review", "needs_info", False),
    ]
    assert [n["status"] for n in body["notice_log"]] == ["pending", "pending"]
    assert "Xin gửi thêm số liệu thử nghiệm." in body["notice_log"][1]["text"]
    assert body["notices"] == {"pending": 2, "sent": 0, "failed": 0}
    assert all(n["channel"] == "web" for n in body["notice_log"])


def test_comments_are_internal_unless_sent(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    initiative = make_initiative(session)
    session.commit()
    url = f"/api/initiatives/{initiative.id}/comments"
    internal = client.post(url, json={"text": "Hồ sơ giống năm ngoái"}, headers=reviewer_headers)
    assert internal.status_code == 201
    assert internal.json()["internal"] is True
    public = client.post(url, json={"text": "Cảm ơn bạn đã gửi.", "internal": False}, headers=reviewer_headers)
    assert public.json()["internal"] is False
    notices = session.scalars(select(Notice).where(Notice.initiative_id == initiative.id)).all()
    assert [n.text for n in notices] == [
        f"Phản hồi về sáng kiến {initiative.code} “{initiative.title}”:\nCảm ơn bạn đã gửi."
    ]
    assert client.post(url, json={"text": "   "}, headers=reviewer_headers).status_code == 422


def test_assignment_is_recorded(client: TestClient, session: Session, reviewer_headers: dict[str, str]) -> None:
    initiative = make_initiative(session)
    helper = make_reviewer(session, username="chuyen.vien")
    session.commit()
    url = f"/api/initiatives/{initiative.id}/assignment"
    assigned = client.put(url, json={"reviewer_id": helper.id}, headers=reviewer_headers)
    assert assigned.status_code == 200
    assert assigned.json()["assigned_reviewer"] == {"id": helper.id, "username": "chuyen.vien"}
    assert client.put(url, json={"reviewer_id": 999999}, headers=reviewer_headers).status_code == 404
    cleared = client.put(url, json={"reviewer_id": None}, headers=reviewer_headers)
    assert cleared.json()["assigned_reviewer"] is None
    notes = [e["note"] for e in cleared.json()["history"] if e["kind"] == "assignment"]
    assert notes == ["Giao cho chuyen.vien", "Bỏ giao xử lý"]


def test_submitter_reply_returns_the_submission_to_review(session: Session) -> None:
    reviewer = make_reviewer(session)
    initiative = make_initiative(session)
    with pytest.raises(ThiduaError) as caught:
        add_submitter_reply(session=session, initiative=initiative, text="Đây là số liệu")
    assert caught.value.code == "conflict"
    from core.models import InitiativeState
    from core.review import transition

    transition(session=session, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
    transition(
        session=session,
        initiative=initiative,
        reviewer=reviewer,
        to_state=InitiativeState.NEEDS_INFO,
        note="Thêm số liệu",
    )
    assert awaiting_reply(session=session, channel="web", channel_user_id=initiative.channel_user_id) == [initiative]
    loose = Attachment(
        channel="web",
        channel_user_id=initiative.channel_user_id,
        filename="so-lieu.xlsx",
        content_type="application/octet-stream",
        size=1,
        sha256="1" * 64,
        storage_path="x",
    )
    session.add(loose)
    session.flush()
    add_submitter_reply(
        session=session, initiative=initiative, text="Số liệu: 120 hồ sơ/tháng", attachment_ids=[loose.id]
    )
    assert initiative.state == "in_review"
    assert loose.initiative_id == initiative.id
    kinds = [(e.kind, e.actor) for e in initiative.events][-2:]
    assert kinds == [("reply", "submitter"), ("transition", "submitter")]
    assert awaiting_reply(session=session, channel="web", channel_user_id=initiative.channel_user_id) == []
    withdraw(session=session, initiative=initiative, reason="Trùng")
    assert initiative.state == "withdrawn"


def test_history_cannot_be_rewritten(session: Session) -> None:
    initiative = make_initiative(session)
    session.commit()
    entry = session.scalars(select(InitiativeEvent).where(InitiativeEvent.initiative_id == initiative.id)).one()
    entry_id = entry.id
    entry.note = "sửa lịch sử"
    with pytest.raises(ThiduaError):
        session.flush()
    session.rollback()
    session.delete(session.get(InitiativeEvent, entry_id))
    with pytest.raises(ThiduaError):
        session.flush()
    session.rollback()


def test_similar_earlier_submissions_are_shown(
    client: TestClient, session: Session, reviewer_headers: dict[str, str]
) -> None:
    description = "Xây dựng hệ thống cảnh báo sạt lở đất bằng cảm biến độ ẩm và gửi tin nhắn cho người dân vùng núi."
    first = make_initiative(session, title="Hệ thống cảnh báo sạt lở đất", description=description)
    make_initiative(session, title="Sổ tay điện tử cho hội phụ nữ", description="Ứng dụng ghi chép sinh hoạt chi hội.")
    second = make_initiative(
        session, title="He thong canh bao sat lo dat!", description="Mô tả khác hẳn, nói về cảm biến."
    )
    third = make_initiative(session, title="Một tên hoàn toàn khác", description=description + " Bản sửa.")
    session.commit()
    similar = client.get(f"/api/initiatives/{third.id}", headers=reviewer_headers).json()["similar"]
    assert [(s["id"], s["reason"]) for s in similar] == [(first.id, "description")]
    similar = client.get(f"/api/initiatives/{second.id}", headers=reviewer_headers).json()["similar"]
    assert [(s["id"], s["reason"], s["score"]) for s in similar] == [(first.id, "title", 1.0)]
    assert client.get(f"/api/initiatives/{first.id}", headers=reviewer_headers).json()["similar"] == []


def test_concurrent_moves_cannot_both_succeed(session: Session) -> None:
    reviewer = make_reviewer(session)
    initiative = make_initiative(session)
    from core.models import InitiativeState
    from core.review import transition

    # Another worker moved it meanwhile: the stale object still says "submitted".
    session.execute(
        Initiative.__table__.update()
        .where(Initiative.id == initiative.id)
        .values(state=InitiativeState.IN_REVIEW.value)
    )
    with pytest.raises(ThiduaError) as caught:
        transition(session=session, initiative=initiative, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
    assert caught.value.code == "conflict"
