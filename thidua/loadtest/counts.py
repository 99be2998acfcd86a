"""The count check, in the database the harness drove: receipts against submissions, notices queued."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.db import make_engine, make_session_factory, session_scope
from core.models import Initiative, InitiativeState, Notice, Reviewer
from core.review import transition
from core.reviewers import ReviewerCreate, create_reviewer


@contextmanager
def _session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            yield session
    finally:
        engine.dispose()


def enqueue_notices(url: str, receipts: set[str]) -> list[tuple[str, str, str]]:
    """Move every submission to "in review", which queues one notice to its submitter.

    Returns the queued notices as (channel, channel user id, text).
    """
    with _session(url) as session:
        reviewer = session.scalar(select(Reviewer).where(Reviewer.username == "loadtest"))
        if reviewer is None:
            account = ReviewerCreate(username="loadtest", password=secrets.token_urlsafe(24))
            reviewer = create_reviewer(session=session, reviewer_in=account)
        rows = session.scalars(select(Initiative).where(Initiative.code.in_(receipts))).all()
        for row in rows:
            transition(session=session, initiative=row, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
        ids = [row.id for row in rows]
        notices = session.scalars(select(Notice).where(Notice.initiative_id.in_(ids), Notice.copy_of_id.is_(None)))
        return [(n.channel, n.channel_user_id, n.text) for n in notices]


def stored(url: str, receipts: set[str], telegram_users: set[str]) -> tuple[int, int]:
    """How many of the receipts are stored, and how many submissions the load made in all."""
    with _session(url) as session:
        found = session.scalar(select(func.count()).where(Initiative.code.in_(receipts))) or 0
        by_load = or_(
            Initiative.channel_user_id.like("load-form-%"),
            (Initiative.channel == "telegram") & Initiative.channel_user_id.in_(telegram_users),
        )
        made = session.scalar(select(func.count()).where(by_load)) or 0
        return int(found), int(made)
