"""A notice claimed by a worker that was killed is sent by the next worker, once."""

from __future__ import annotations

import asyncio

from sqlalchemy.orm import Session, sessionmaker

from bot.notifier import claim_due, deliver_due
from core.notices import due_notices, enqueue_notice, release_claims
from tests.factories import make_initiative


def test_a_killed_workers_claims_are_released_and_sent_once(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        initiative = make_initiative(session, channel="telegram", channel_user_id="4242")
        enqueue_notice(session=session, initiative=initiative, text="Hồ sơ đang được xem xét.")
        session.commit()
    assert len(claim_due(sessions=session_factory, channel="telegram")) == 1  # then the worker is killed
    with session_factory() as session:
        assert due_notices(session=session, channel="telegram") == []  # held by the dead worker's claim
        assert release_claims(session=session) == 1
        session.commit()
    sent: list[tuple[str, str]] = []

    async def send(user_id: str, text: str) -> None:
        sent.append((user_id, text))

    for _ in range(2):
        asyncio.run(deliver_due(sessions=session_factory, channel="telegram", send=send))
    assert sent == [("4242", "Hồ sơ đang được xem xét.")]
