"""Engine, sessions and migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from core.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class Base(DeclarativeBase):
    """Declarative base of every table."""


BUSY_TIMEOUT_SECONDS = 30.0


def make_engine(url: str, *, busy_timeout: float = BUSY_TIMEOUT_SECONDS) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and a busy timeout so several workers can share it.

    On SQLite every transaction begins with ``BEGIN IMMEDIATE``: it takes the write lock up front (waiting up to
    ``busy_timeout`` seconds), so a transaction that reads and then writes can never fail half-way with
    "database is locked" when it turns into a writer; WAL keeps plain reads outside transactions unblocked.
    """
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": busy_timeout}, hide_parameters=True
        )
        busy_ms = int(busy_timeout * 1000)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN itself.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Parameters may hold personal data (phone, e-mail): never let them reach a log through an exception.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """A session factory bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def skip_disk_wait(session: Session) -> None:
    """Let this transaction's commit return before its WAL reaches the disk (PostgreSQL; nothing elsewhere).

    For writes that may be lost if the database server crashes (never in a clean restart), and whose loss is harmless:
    a rate counter, the state after a question, replies kept for a repeat. Nothing is ever corrupted; the commit
    just does not wait for ``fsync``. Submissions and reviews keep the default.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def alembic_config(url: str) -> Config:
    """Alembic configuration pointing at the bundled migrations and ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(settings: Settings) -> None:
    """Bring the database to the newest schema."""
    url = settings.sqlalchemy_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "head")
