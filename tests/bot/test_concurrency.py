"""Two workers (two engines, two dialogs) handling one user's messages at the same moment, on both databases."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, delete, func, select, text
from sqlalchemy.orm import Session

from bot.dialog import Dialog
from bot.messages import Incoming, Reply
from core.db import make_engine, make_session_factory, migrate
from core.models import Attachment, Conversation, Initiative, InitiativeEvent, Notice, ProcessedUpdate
from core.settings import Settings
from tests.bot.support import FORM_BEFORE_FILE, RECEIPT, fill_form
from tests.conftest import BACKENDS
from tests.fakes import FakeAnswerer


@pytest.fixture(params=BACKENDS)
def engines(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[Engine]]:
    """Two engines on one database, as two worker processes have; committed rows are removed afterwards."""
    if request.param == "sqlite":
        settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "db")  # type: ignore[call-arg]
        migrate(settings)
        pair = [make_engine(settings.sqlalchemy_url), make_engine(settings.sqlalchemy_url)]
    else:
        shared: Engine = request.getfixturevalue("postgresql_engine")
        with shared.connect() as connection:  # the run's own schema
            search_path = connection.execute(text("SHOW search_path")).scalar_one()
        url = shared.url.render_as_string(hide_password=False)
        options = {"options": f"-csearch_path={search_path}"}
        pair = [create_engine(url, pool_pre_ping=True, connect_args=options) for _ in range(2)]
    yield pair
    for engine in pair:
        engine.dispose()


def _cleanup(engine: Engine, user: str) -> None:
    # Core deletes: the ORM guard that keeps history append-only is for sessions, not for test clean-up.
    with engine.begin() as connection:
        ids = select(Initiative.id).where(Initiative.channel_user_id == user).scalar_subquery()
        connection.execute(delete(InitiativeEvent).where(InitiativeEvent.initiative_id.in_(ids)))
        connection.execute(delete(Notice).where(Notice.initiative_id.in_(ids)))
        connection.execute(delete(Attachment).where(Attachment.channel_user_id == user))
        connection.execute(delete(Initiative).where(Initiative.channel_user_id == user))
        connection.execute(delete(Conversation).where(Conversation.user_id == user))
        connection.execute(delete(ProcessedUpdate).where(ProcessedUpdate.update_key.like(f"{user}:%")))


def _dialogs(engines: list[Engine], tmp_path: Path) -> list[Dialog]:
    settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d")  # type: ignore[call-arg]
    return [Dialog(sessions=make_session_factory(e), answerer=FakeAnswerer(), settings=settings) for e in engines]


def _at_once(calls: list[Callable[[], list[Reply]]]) -> list[list[Reply]]:
    barrier = threading.Barrier(len(calls))
    results: list[list[Reply]] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], list[Reply]]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


def _submissions(engine: Engine, user: str) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count(Initiative.id)).where(Initiative.channel_user_id == user)) or 0)


def _ready_to_confirm(dialog: Dialog, user: str) -> None:
    def say(text: str) -> str:
        return "\n".join(r.text for r in dialog.handle(Incoming(channel="telegram", user_id=user, text=text)))

    fill_form(say, FORM_BEFORE_FILE)
    fill_form(say, [("Bỏ qua", "Bước 12/12"), ("Đồng ý", "kiểm tra lại")])


def test_same_update_at_two_workers_one_reply_one_submission(engines: list[Engine], tmp_path: Path) -> None:
    user = f"u{uuid.uuid4().hex[:12]}"
    one, two = _dialogs(engines, tmp_path)
    try:
        _ready_to_confirm(one, user)
        update = Incoming(channel="telegram", user_id=user, text="Gửi", update_key=f"{user}:1")
        results = _at_once([lambda: one.handle(update), lambda: two.handle(update)])
        answered = [r for r in results if r]
        assert len(answered) == 1 and RECEIPT.search(answered[0][0].text)
        assert _submissions(engines[0], user) == 1
    finally:
        _cleanup(engines[0], user)


def test_different_updates_racing_are_serialised(engines: list[Engine], tmp_path: Path) -> None:
    user = f"u{uuid.uuid4().hex[:12]}"
    one, two = _dialogs(engines, tmp_path)
    try:
        _ready_to_confirm(one, user)
        first = Incoming(channel="telegram", user_id=user, text="Gửi", update_key=f"{user}:a")
        second = Incoming(channel="telegram", user_id=user, text="Gửi", update_key=f"{user}:b")
        results = _at_once([lambda: one.handle(first), lambda: two.handle(second)])
        texts = ["\n".join(r.text for r in replies) for replies in results]
        assert sum(bool(RECEIPT.search(t)) for t in texts) == 1, texts
        assert _submissions(engines[0], user) == 1
    finally:
        _cleanup(engines[0], user)


def test_many_first_messages_of_a_new_user_at_once(engines: list[Engine], tmp_path: Path) -> None:
    user = f"u{uuid.uuid4().hex[:12]}"
    one, two = _dialogs(engines, tmp_path)
    try:
        calls: list[Callable[[], list[Reply]]] = [
            (lambda d=dialog, i=i: d.handle(Incoming(channel="telegram", user_id=user, text=f"Hỏi {i}?")))
            for i, dialog in enumerate([one, two, one, two])
        ]
        results = _at_once(calls)
        assert len(results) == 4 and all(results)
        with Session(engines[0]) as session:
            conversation = session.scalar(select(Conversation).where(Conversation.user_id == user))
            assert conversation is not None and len(conversation.state["rl"]) == 4
    finally:
        _cleanup(engines[0], user)
