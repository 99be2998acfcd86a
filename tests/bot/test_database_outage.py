"""A webhook channel's message waits for a database that restarts, instead of being lost after the 200."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bot.dialog import Dialog
from bot.messages import Incoming
from core.db import make_engine, migrate
from core.settings import Settings
from tests.fakes import FakeAnswerer


def test_a_message_is_handled_once_the_database_is_back(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrate(settings)  # a database of this test's own: what it commits stays out of the shared test databases
    back = make_engine(settings.sqlalchemy_url)
    down = create_engine(f"sqlite:///{tmp_path / 'no-such-folder' / 'db.sqlite3'}")  # cannot be opened
    sessions = sessionmaker(bind=down, expire_on_commit=False)
    dialog = Dialog(sessions=sessions, answerer=FakeAnswerer(), settings=settings)
    waits: list[float] = []

    def wait(seconds: float) -> None:
        waits.append(seconds)
        if seconds >= 1.0:  # the second patient wait: the restart is over
            sessions.configure(bind=back)

    monkeypatch.setattr("bot.dialog.time.sleep", wait)
    incoming = Incoming(
        channel="telegram", user_id=uuid.uuid4().hex, text="Hạn gửi sáng kiến?", update_key=f"1:{uuid.uuid4().hex}"
    )
    replies = dialog.handle_patiently(incoming)
    assert replies and "15/12" in replies[-1].text
    assert [w for w in waits if w >= 0.5] == [0.5, 1.0]
    assert dialog.handle_patiently(incoming) == []  # the repeat of the update is still dropped
    back.dispose()
