"""The reviewer console through the product app: sign-in, session and CSRF, queue, detail, figures, accounts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from admin.console import session as console_session
from core.models import Role
from core.settings import Settings
from tests.admin.console_support import ConsoleRuntime, csrf_of, sign_in
from tests.factories import make_initiative, make_reviewer
from thidua.app import create_app


@pytest.fixture
def console(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """The product app around a runtime over the test's database."""
    app = create_app(ConsoleRuntime(settings, session_factory))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def reviewer_csrf(console: TestClient, session: Session) -> str:
    """A signed-in reviewer ``le.reviewer``; the session's CSRF token."""
    make_reviewer(session, username="le.reviewer", role=Role.REVIEWER)
    session.commit()
    return sign_in(console, "le.reviewer")


@pytest.fixture
def admin_csrf(console: TestClient, session: Session) -> str:
    """A signed-in admin ``tran.admin``; the session's CSRF token."""
    make_reviewer(session, username="tran.admin", role=Role.ADMIN)
    session.commit()
    return sign_in(console, "tran.admin")


def test_pages_need_a_session(console: TestClient) -> None:
    response = console.get("/admin?state=accepted", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%3Fstate%3Daccepted"
    page = console.get(response.headers["location"])
    assert "Đăng nhập trang quản trị" in page.text
    assert "Cần đăng nhập" in page.text


def test_sign_in_sets_a_guarded_cookie(console: TestClient, session: Session) -> None:
    make_reviewer(session, username="le.reviewer")
    session.commit()
    page = console.get("/admin/login")
    response = console.post(
        "/admin/login",
        data={"username": "le.reviewer", "password": "mat-khau-du-dai", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith("thidua_console"))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # only in production


def test_wrong_password_stays_on_sign_in(console: TestClient, session: Session) -> None:
    make_reviewer(session, username="le.reviewer")
    session.commit()
    page = console.get("/admin/login")
    response = console.post(
        "/admin/login",
        data={"username": "le.reviewer", "password": "sai-mat-khau-roi", "csrf_token": csrf_of(page.text)},
        headers={"referer": "http://testserver/admin/login"},
    )
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.text


def test_action_without_csrf_is_refused(console: TestClient, session: Session, reviewer_csrf: str) -> None:
    item = make_initiative(session)
    session.commit()
    refused = console.post(f"/admin/initiatives/{item.id}/comments", data={"text": "Ghi chú", "internal": "true"})
    assert refused.status_code == 403
    assert "mã bảo vệ" in refused.text
    wrong = console.post(
        f"/admin/initiatives/{item.id}/comments", data={"text": "Ghi chú", "internal": "true", "csrf_token": "x"}
    )
    assert wrong.status_code == 403


def test_expired_session_goes_back_to_sign_in(console: TestClient, session: Session, settings: Settings) -> None:
    reviewer = make_reviewer(session, username="le.reviewer")
    session.commit()
    old = datetime.now(UTC) - timedelta(minutes=settings.console_idle_minutes + 1)
    stale = console_session.issue(settings=settings, session=console_session.start(reviewer=reviewer, now=old), now=old)
    console.cookies.set(console_session.COOKIE, stale, path="/admin")
    response = console.get("/admin", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/admin/login")


def test_reviewer_gets_403_on_admin_pages(console: TestClient, reviewer_csrf: str) -> None:
    for path in ("/admin/plans", "/admin/accounts"):
        response = console.get(path)
        assert response.status_code == 403
        assert "chỉ dành cho quản trị viên" in response.text
    queue = console.get("/admin")
    assert 'href="/admin/accounts"' not in queue.text


def test_admin_sees_admin_menus(console: TestClient, admin_csrf: str) -> None:
    queue = console.get("/admin")
    assert 'href="/admin/accounts"' in queue.text and 'href="/admin/plans"' in queue.text
