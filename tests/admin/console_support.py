"""Helpers of the console tests: the product app over the test database, signing in, reading CSRF tokens."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.models import Attachment, Initiative
from core.settings import Settings
from knowledge.passages import Passage
from tests.admin.conftest import PASSWORD
from tests.fakes import FakeAnswerer

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class ConsoleRuntime:
    """What the app needs of a runtime for the chat, the console and the plan page."""

    settings: Settings
    sessions: sessionmaker[Session]
    answerer: FakeAnswerer = field(default_factory=FakeAnswerer)
    passages: dict[str, list[Passage]] = field(default_factory=dict)

    def plan_passages(self, document: str) -> list[Passage]:
        """The passages given for ``document``."""
        return self.passages.get(document, [])


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = _CSRF.search(html)
    assert found, "page has no CSRF token"
    return found.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; the console's CSRF token of the new session."""
    page = client.get("/admin/login")
    assert page.status_code == 200
    response = client.post(
        "/admin/login",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text), "next": "/admin"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    queue = client.get("/admin")
    assert queue.status_code == 200, queue.text
    return csrf_of(queue.text)


def add_attachment(
    session: Session, settings: Settings, initiative: Initiative, *, name: str, content_type: str, data: bytes
) -> Attachment:
    """Store ``data`` as an attachment of ``initiative``."""
    stored = settings.uploads_dir / "attachments" / f"{initiative.id}-{name}"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(data)
    attachment = Attachment(
        initiative_id=initiative.id,
        channel=initiative.channel,
        channel_user_id=initiative.channel_user_id,
        filename=name,
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_path=f"attachments/{initiative.id}-{name}",
    )
    session.add(attachment)
    session.flush()
    return attachment
