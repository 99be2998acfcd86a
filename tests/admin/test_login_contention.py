"""Parallel wrong logins from many workers: each counted once, the lock exactly at the limit, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, migrate, session_scope
from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer
from core.reviewers import authenticate, is_locked
from core.settings import Settings
from tests.factories import make_reviewer

PARALLEL = 40


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared_sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """Sessions on a real database that several threads share (not the rolled-back test connection)."""
    if request.param == "sqlite":
        settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d")  # type: ignore[call-arg]
        migrate(settings)
        engine: Engine = make_engine(settings.sqlalchemy_url)
        yield make_session_factory(engine)
        engine.dispose()
        return
    engine = request.getfixturevalue("postgresql_engine")
    sessions = make_session_factory(engine)
    yield sessions
    with session_scope(sessions) as session:
        session.query(Reviewer).filter(Reviewer.username == "song.song").delete()


def test_parallel_wrong_logins_lock_exactly_at_the_limit(
    shared_sessions: sessionmaker[Session], settings: Settings
) -> None:
    with session_scope(shared_sessions) as session:
        make_reviewer(session, username="song.song")

    def attempt(_: int) -> str:
        try:
            with session_scope(shared_sessions) as session:
                authenticate(session=session, settings=settings, username="song.song", password="sai-mat-khau-nhe")
        except ThiduaError as exc:
            return exc.code.value
        return "ok"

    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        outcomes = list(pool.map(attempt, range(PARALLEL)))
    assert outcomes == [ErrorCode.UNAUTHORIZED.value] * PARALLEL, "every guess refused, none failed otherwise"
    with session_scope(shared_sessions) as session:
        reviewer = session.query(Reviewer).filter(Reviewer.username == "song.song").one()
        assert reviewer.failed_logins == settings.login_max_failures
        assert is_locked(reviewer)


def test_a_busy_database_answers_503_with_retry_after(tmp_path: Path) -> None:
    import sqlite3

    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from admin.api import admin_router
    from admin.errors import install_error_handlers
    from tests.admin.conftest import FakeRuntime

    settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d")  # type: ignore[call-arg]
    migrate(settings)
    engine = make_engine(settings.sqlalchemy_url, busy_timeout=0.2)
    app = FastAPI()
    app.state.runtime = FakeRuntime(settings=settings, sessions=make_session_factory(engine))
    app.include_router(admin_router)
    install_error_handlers(app)
    holder = sqlite3.connect(settings.sqlalchemy_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another worker in the middle of a write
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            response = client.post("/api/auth/token", data={"username": "ai.do", "password": "mat-khau-gi-do"})
        assert response.status_code == 503
        assert response.headers["retry-after"].isdigit()
        assert response.json()["error"] == "unavailable"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        engine.dispose()
