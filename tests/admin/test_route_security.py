"""Every route of the product's app but login, health, the chat, the webhooks, the plan pages and the API docs
refuses a missing, expired or wrong token (API) or session (console pages, sent back to sign-in); a reviewer cannot
do what only admins may. The route table is walked, so a new route is covered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from admin.console import session as console_session
from admin.console.deps import get_admin_viewer
from admin.deps import get_current_admin
from admin.security import create_access_token
from core.models import Role
from core.settings import Settings
from tests.admin.conftest import login
from tests.admin.console_support import sign_in
from tests.factories import make_initiative, make_reviewer
from tests.fakes import FakeAnswerer
from thidua.app import create_app

PUBLIC = re.compile(
    r"^(/healthz|/api/auth/token|/api/chat(/.*)?|/webhooks/.*|/|/widget\.js|/tra-cuu"
    r"|/admin/login|/plans/\{document\}|/docs|/docs/oauth2-redirect|/redoc)$"
)
CONSOLE = re.compile(r"^/admin(/.*)?$")
ADMIN_ONLY = {
    ("POST", "/api/reviewers"),
    ("PATCH", "/api/reviewers/{reviewer_id}"),
    ("POST", "/api/plans"),
    ("PUT", "/api/plans/{plan_id}"),
    ("DELETE", "/api/plans/{plan_id}"),
    ("POST", "/api/initiatives/{initiative_id}/personal-data/export"),
    ("POST", "/api/initiatives/{initiative_id}/personal-data/erase"),
}


@dataclass
class _Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    answerer: FakeAnswerer = field(default_factory=FakeAnswerer)


@pytest.fixture
def app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    """The product's app."""
    return create_app(_Runtime(settings, session_factory))  # type: ignore[arg-type]


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client of the product's app."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _operations(app: FastAPI) -> list[tuple[str, str, Dependant]]:
    """Every (method, path) the app serves, through included routers (FastAPI includes them lazily)."""
    operations = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in sorted((context.methods or set()) - {"HEAD", "OPTIONS"}):
                operations.append((method, str(context.path), route.dependant))
    return sorted(operations, key=lambda operation: operation[:2])


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def _needs_admin(dependant: Dependant) -> bool:
    return dependant.call is get_current_admin or any(_needs_admin(d) for d in dependant.dependencies)


def test_every_private_route_refuses_bad_tokens(client: TestClient, app: FastAPI, session: Session) -> None:
    reviewer = make_reviewer(session, username="bi.tu.choi")
    make_initiative(session)
    session.commit()
    settings: Settings = app.state.runtime.settings
    expired, _ = create_access_token(
        settings=settings,
        reviewer=reviewer,
        now=datetime.now(UTC) - timedelta(minutes=settings.access_token_minutes + 5),
    )
    forged = jwt.encode(
        {"sub": str(reviewer.id), "aud": "thidua-admin", "iat": 0, "exp": 4102444800}, "not-the-key-" * 4, "HS256"
    )
    bad_headers = {
        "missing": {},
        "expired": {"Authorization": f"Bearer {expired}"},
        "forged": {"Authorization": f"Bearer {forged}"},
        "garbage": {"Authorization": "Bearer abc.def.ghi"},
        "wrong scheme": {"Authorization": f"Basic {expired}"},
    }
    checked = []
    for method, path, _route in _operations(app):
        if PUBLIC.match(path) or CONSOLE.match(path):
            continue
        for name, headers in bad_headers.items():
            response = client.request(method, _url(path), headers=headers)
            assert response.status_code == 401, (method, path, name, response.text)
            assert response.json()["error"] == "unauthorized", (method, path, name)
            assert response.headers["www-authenticate"] == "Bearer"
        checked.append((method, path))
    assert len(checked) >= 15
    assert ("GET", "/api/initiatives/export") in checked


def test_every_console_page_sends_a_stranger_to_sign_in(client: TestClient, app: FastAPI, session: Session) -> None:
    reviewer = make_reviewer(session, username="bi.tu.choi")
    session.commit()
    settings: Settings = app.state.runtime.settings
    old = datetime.now(UTC) - timedelta(minutes=settings.console_idle_minutes + 1)
    expired = console_session.issue(
        settings=settings, session=console_session.start(reviewer=reviewer, now=old), now=old
    )
    bad_cookies = {"missing": None, "expired": expired, "forged": "abc.def.ghi"}
    checked = []
    for method, path, _route in _operations(app):
        if PUBLIC.match(path) or not CONSOLE.match(path):
            continue
        for name, cookie in bad_cookies.items():
            client.cookies.clear()
            if cookie is not None:
                client.cookies.set(console_session.COOKIE, cookie, path="/admin")
            response = client.request(method, _url(path), follow_redirects=False)
            assert response.status_code == 303, (method, path, name, response.text)
            assert response.headers["location"].startswith("/admin/login"), (method, path, name)
        checked.append((method, path))
    assert ("GET", "/admin/initiatives/{initiative_id}/attachments/{attachment_id}") in checked
    assert len(checked) >= 15


def test_only_the_expected_routes_are_public(app: FastAPI) -> None:
    public = {(method, path) for method, path, _ in _operations(app) if PUBLIC.match(path)}
    assert {path for _, path in public} <= {
        "/healthz",
        "/api/auth/token",
        "/api/chat",
        "/api/chat/{session}/attachments",
        "/api/chat/{session}/notices",
        "/",
        "/widget.js",
        "/webhooks/telegram",
        "/webhooks/zalo",
        "/admin/login",
        "/plans/{document}",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/webhooks/zalobot",
        "/tra-cuu",  # the public look-up by receipt code + contact, limited per address
    }


def test_a_reviewer_cannot_do_admin_things(client: TestClient, app: FastAPI, session: Session) -> None:
    make_reviewer(session, username="chi.xem")
    session.commit()
    headers = login(client, "chi.xem")
    admin_routes = {(method, path) for method, path, dependant in _operations(app) if _needs_admin(dependant)}
    assert admin_routes == ADMIN_ONLY
    for method, path in sorted(admin_routes):
        response = client.request(method, _url(path), headers=headers)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["error"] == "forbidden"


CONSOLE_ADMIN_ONLY = {
    ("GET", "/admin/plans"),
    ("POST", "/admin/plans"),
    ("POST", "/admin/plans/{plan_id}/replace"),
    ("POST", "/admin/plans/{plan_id}/remove"),
    ("GET", "/admin/accounts"),
    ("POST", "/admin/accounts"),
    ("POST", "/admin/accounts/{reviewer_id}"),
}


def _needs_admin_viewer(dependant: Dependant) -> bool:
    return dependant.call is get_admin_viewer or any(_needs_admin_viewer(d) for d in dependant.dependencies)


def test_a_reviewer_gets_403_on_admin_pages(client: TestClient, app: FastAPI, session: Session) -> None:
    make_reviewer(session, username="chi.xem")
    session.commit()
    csrf = sign_in(client, "chi.xem")
    admin_pages = {(method, path) for method, path, dependant in _operations(app) if _needs_admin_viewer(dependant)}
    assert admin_pages == CONSOLE_ADMIN_ONLY
    for method, path in sorted(admin_pages):
        response = client.request(method, _url(path), data={"csrf_token": csrf} if method == "POST" else None)
        assert response.status_code == 403, (method, path, response.text)
        assert "Không có quyền truy cập" in response.text


def test_an_admin_passes_the_admin_check(client: TestClient, session: Session) -> None:
    make_reviewer(session, username="quan.ly", role=Role.ADMIN)
    session.commit()
    headers = login(client, "quan.ly")
    response = client.request("DELETE", "/api/plans/999", headers=headers)
    assert response.status_code == 404
