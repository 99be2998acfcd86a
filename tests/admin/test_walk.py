"""The black-box walk over HTTP, through the product's app: a submission made in the web chat is reviewed,
answered in the chat, accepted and exported; its history lists every step and the chat shows the notices.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.models import Role
from core.reviewers import ReviewerCreate, create_reviewer
from core.settings import Settings
from tests.admin.conftest import login
from tests.bot.support import FORM_AFTER_FILE, FORM_BEFORE_FILE, PNG, RECEIPT, fill_form
from tests.fakes import FakeAnswerer
from thidua.app import create_app

SESSION = "walk-session-0001"
PHONE_FORMS = ("0912345678", "0912 345 678", "912345678")


@dataclass
class WalkRuntime:
    """What the app needs of a runtime for chat and review, over the test's rolled-back database."""

    settings: Settings
    sessions: sessionmaker[Session]
    answerer: FakeAnswerer = field(default_factory=FakeAnswerer)


@pytest.fixture
def app_client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The whole product app (chat, webhooks, admin API) around the walk runtime."""
    chat_settings = settings.model_copy(update={"rate_limit_per_minute": 500})
    app = create_app(WalkRuntime(chat_settings, session_factory))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _chat(client: TestClient, text: str, notices: list[str]) -> str:
    response = client.post("/api/chat", json={"session": SESSION, "text": text})
    assert response.status_code == 200, response.text
    notices.extend(response.json()["notices"])
    return "\n".join(response.json()["replies"])


def _poll(client: TestClient, notices: list[str]) -> None:
    response = client.get(f"/api/chat/{SESSION}/notices")
    assert response.status_code == 200
    notices.extend(response.json()["notices"])


def test_walk_from_web_chat_to_export(
    app_client: TestClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = app_client
    notices: list[str] = []

    # An admin made with the service `thidua reviewer create` calls; the admin creates a reviewer over HTTP.
    create_reviewer(
        session=session, reviewer_in=ReviewerCreate(username="admin", password="mat-khau-quan-tri", role=Role.ADMIN)
    )
    session.commit()
    admin = login(client, "admin", "mat-khau-quan-tri")
    made = client.post(
        "/api/reviewers",
        json={"username": "nguyen.thu", "password": "mat-khau-can-bo", "full_name": "Nguyễn Thị Thu"},
        headers=admin,
    )
    assert made.status_code == 201, made.text
    reviewer = login(client, "nguyen.thu", "mat-khau-can-bo")

    # A resident submits an initiative with a file in the web chat.
    say = lambda text: _chat(client, text, notices)  # noqa: E731
    fill_form(say, FORM_BEFORE_FILE)
    sent = client.post(f"/api/chat/{SESSION}/attachments", files={"file": ("so-do.png", PNG, "image/png")})
    assert sent.status_code == 200
    receipt = RECEIPT.search(fill_form(say, FORM_AFTER_FILE))
    assert receipt is not None
    code = receipt.group(1)

    # The reviewer finds it without typing diacritics.
    found = client.get("/api/initiatives", params={"q": "so hoa so theo doi ho gia dinh"}, headers=reviewer)
    assert found.status_code == 200
    [item] = [item for item in found.json()["items"] if item["code"] == code]
    assert item["channel"] == "web"
    url = f"/api/initiatives/{item['id']}"
    detail = client.get(url, headers=reviewer).json()
    [attachment] = detail["attachments"]
    download = client.get(attachment["download_url"], headers=reviewer)
    assert download.status_code == 200
    assert download.content == PNG
    assert client.get(attachment["download_url"]).status_code == 401

    # in_review, then needs_info.
    moved = client.post(f"{url}/transitions", json={"to_state": "in_review"}, headers=reviewer)
    assert moved.status_code == 200, moved.text
    client.post(f"{url}/comments", json={"text": "Kiểm tra số liệu trước khi công nhận."}, headers=reviewer)
    asked = client.post(
        f"{url}/transitions",
        json={"to_state": "needs_info", "note": "Xin cho biết đã số hóa bao nhiêu hộ gia đình."},
        headers=reviewer,
    )
    assert asked.json()["state"] == "needs_info"
    _poll(client, notices)
    assert any("đang được xem xét" in notice for notice in notices)
    assert any("Xin cho biết đã số hóa bao nhiêu hộ gia đình." in notice for notice in notices)

    # The resident answers in the chat; the answer lands on the submission, which is back in review.
    answered = _chat(client, "/bosung Đã số hóa 412 hộ gia đình của tổ dân phố.", notices)
    assert code in answered
    after_reply = client.get(url, headers=reviewer).json()
    assert after_reply["state"] == "in_review"
    assert any(e["kind"] == "reply" and "412 hộ" in e["note"] for e in after_reply["history"])

    # Accepted; the resident's chat shows it.
    accepted = client.post(
        f"{url}/transitions", json={"to_state": "accepted", "note": "Hội đồng đánh giá cao."}, headers=reviewer
    )
    assert accepted.json()["state"] == "accepted"
    _poll(client, notices)
    assert any("đã được công nhận" in notice and "Hội đồng đánh giá cao." in notice for notice in notices)
    assert not any("Kiểm tra số liệu" in notice for notice in notices)  # the internal comment stays inside

    # The history lists every step, who did it and when.
    history = client.get(f"{url}/history", headers=reviewer).json()
    steps = [(e["kind"], e["actor"], e["from_state"], e["to_state"]) for e in history if e["kind"] != "notice"]
    assert steps == [
        ("created", "submitter", None, "submitted"),
        ("transition", "reviewer:nguyen.thu", "submitted", "in_review"),
        ("comment", "reviewer:nguyen.thu", None, None),
        ("transition", "reviewer:nguyen.thu", "in_review", "needs_info"),
        ("reply", "submitter", None, None),
        ("transition", "submitter", "needs_info", "in_review"),
        ("transition", "reviewer:nguyen.thu", "in_review", "accepted"),
    ]
    assert all(e["created_at"] for e in history)
    final = client.get(url, headers=reviewer).json()
    assert final["notices"] == {"pending": 0, "sent": 3, "failed": 0}
    assert [n["status"] for n in final["notice_log"]] == ["sent", "sent", "sent"]

    # Exported to both formats.
    csv_file = client.get("/api/initiatives/export", params={"format": "csv", "state": "accepted"}, headers=reviewer)
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    record: dict[str, Any] = dict(zip(rows[0], rows[1], strict=True))
    assert (record["Mã sáng kiến"], record["Trạng thái"], record["Kênh gửi"]) == (code, "Được công nhận", "web")
    xlsx_file = client.get("/api/initiatives/export", params={"format": "xlsx", "state": "accepted"}, headers=reviewer)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_file.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Mã sáng kiến"
    assert values[1][0] == code

    # The resident's phone number appears in no log line.
    logged = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert logged, "the walk should have logged something"
    for phone in PHONE_FORMS:
        assert phone not in logged
