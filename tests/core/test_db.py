"""The schema migrates on both backends and the rolled-back transaction isolates tests."""

from __future__ import annotations

from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from core.models import Reviewer


def test_every_table_is_migrated(session: Session) -> None:
    names = set(inspect(session.get_bind()).get_table_names())
    expected = {
        "reviewers",
        "initiatives",
        "attachments",
        "initiative_events",
        "notices",
        "conversations",
        "processed_updates",
        "channel_tokens",
        "documents",
        "document_versions",
    }
    assert expected <= names


def test_writes_are_rolled_back_between_tests_first(session: Session) -> None:
    session.add(Reviewer(username="isolation-check", password_hash="x"))
    session.commit()
    assert session.scalar(select(func.count()).select_from(Reviewer).where(Reviewer.username == "isolation-check")) == 1


def test_writes_are_rolled_back_between_tests_second(session: Session) -> None:
    assert session.scalar(select(func.count()).select_from(Reviewer).where(Reviewer.username == "isolation-check")) == 0


def test_a_harmless_write_does_not_wait_for_the_disk_on_postgresql(session: Session) -> None:
    from sqlalchemy import text

    from core.db import skip_disk_wait

    skip_disk_wait(session)
    if session.get_bind().dialect.name == "postgresql":
        assert session.scalar(text("SHOW synchronous_commit")) == "off"
