"""Fixtures of the admin API tests: an app with the admin router over the test's rolled-back database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.orm import Session, sessionmaker

import core.reviewers
from admin.api import admin_router
from admin.errors import install_error_handlers
from core.models import Role
from core.settings import Settings
from tests.factories import make_reviewer

PASSWORD = "mat-khau-du-dai"


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with tiny costs: the same code path, a thousand times faster."""
    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=64, parallelism=1),))
    monkeypatch.setattr(core.reviewers, "password_hash", cheap)
    monkeypatch.setattr(core.reviewers, "_DUMMY_HASH", cheap.hash("dummy"))


@dataclass
class FakeRuntime:
    """What the admin routes need from the runtime, with no index or answerer."""

    settings: Settings
    sessions: sessionmaker[Session]
    knowledge: Any = None


@pytest.fixture
def admin_app(settings: Settings, session_factory: sessionmaker[Session]) -> FastAPI:
    """An app holding only the admin API."""
    app = FastAPI()
    app.state.runtime = FakeRuntime(settings=settings, sessions=session_factory)
    app.include_router(admin_router)
    install_error_handlers(app)
    return app


@pytest.fixture
def client(admin_app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client of the admin app that returns 500s instead of raising."""
    with TestClient(admin_app, raise_server_exceptions=False) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Authorization headers for the account."""
    response = client.post("/api/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def reviewer_headers(client: TestClient, session: Session) -> dict[str, str]:
    """Headers of a logged-in reviewer named ``le.reviewer``."""
    make_reviewer(session, username="le.reviewer", role=Role.REVIEWER)
    session.commit()
    return login(client, "le.reviewer")


@pytest.fixture
def admin_headers(client: TestClient, session: Session) -> dict[str, str]:
    """Headers of a logged-in admin named ``tran.admin``."""
    make_reviewer(session, username="tran.admin", role=Role.ADMIN)
    session.commit()
    return login(client, "tran.admin")
