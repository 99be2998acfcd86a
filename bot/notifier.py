"""Delivery of queued notices to submitters: one background worker per push channel, polling for the web."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.state import DialogState
from core.conversations import lock_conversation, save_state
from core.db import session_scope
from core.models import Notice, NoticeStatus
from core.notices import CONTACT_COLUMNS, copy_to_contact, due_notices, mark_attempt_failed, mark_sent, take_pending
from core.review import awaiting_reply

log = logging.getLogger(__name__)

CLAIM_SECONDS = 300  # a claimed notice is not picked again by another worker for this long


class DeliveryError(Exception):
    """A send that failed; ``retry_after`` is the platform's hint, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


Sender = Callable[[str, str], Awaitable[None]]  # (channel user id, text)


@dataclass(frozen=True)
class _Claimed:
    id: int
    user_id: str
    text: str


def claim_due(*, sessions: sessionmaker[Session], channel: str, limit: int = 20) -> list[_Claimed]:
    """Take due notices of ``channel`` for this worker by pushing their next attempt past the claim window."""
    with session_scope(sessions) as session:
        notices = due_notices(session=session, channel=channel, limit=limit)
        lease = datetime.now(UTC) + timedelta(seconds=CLAIM_SECONDS)
        for notice in notices:
            notice.next_attempt_at = lease
        return [_Claimed(n.id, n.channel_user_id, n.text) for n in notices]


def record_result(*, sessions: sessionmaker[Session], notice_id: int, error: DeliveryError | Exception | None) -> None:
    """Mark a claimed notice sent, or failed for now (retried later with back-off)."""
    with session_scope(sessions) as session:
        notice = session.get(Notice, notice_id)
        if notice is None or notice.status != NoticeStatus.PENDING.value:
            return
        if error is None:
            mark_sent(session=session, notice=notice)
            channel, user_id = notice.channel, notice.channel_user_id
        else:
            retry_after = error.retry_after if isinstance(error, DeliveryError) else None
            mark_attempt_failed(session=session, notice=notice, error=str(error), retry_after=retry_after)
            return
    if channel not in CONTACT_COLUMNS:  # an e-mail or ZNS copy has no chat to arm
        arm_reply(sessions=sessions, channel=channel, user_id=user_id)


def arm_reply(*, sessions: sessionmaker[Session], channel: str, user_id: str) -> None:
    """After a notice, let the user's next message answer a request for more information (best effort).

    The notice tells the submitter to answer right in the chat; an idle conversation is therefore put in the
    ``reply`` mode for their newest submission waiting for information. A form in progress is left alone.
    """
    try:
        with session_scope(sessions) as session:
            waiting = awaiting_reply(session=session, channel=channel, channel_user_id=user_id)
            if not waiting:
                return
            conversation = lock_conversation(session=session, channel=channel, user_id=user_id)
            state = DialogState.load(conversation.state)
            if not state.arm_reply(waiting[0].code):
                return
            state.touched = time.time()
            save_state(conversation=conversation, state=state.dump(), locality=conversation.locality)
    except Exception:
        log.warning("could not arm the reply mode after a notice", exc_info=True)


async def deliver_due(*, sessions: sessionmaker[Session], channel: str, send: Sender) -> int:
    """Send every due notice of ``channel`` once; returns how many were sent."""
    claimed = await run_in_threadpool(claim_due, sessions=sessions, channel=channel)
    sent = 0
    for item in claimed:
        error: Exception | None = None
        try:
            await send(item.user_id, item.text)
            sent += 1
        except Exception as exc:
            log.warning("notice %s on %s not delivered: %s", item.id, channel, type(exc).__name__)
            error = exc
        await run_in_threadpool(record_result, sessions=sessions, notice_id=item.id, error=error)
    return sent


def queue_contact_copies(*, sessions: sessionmaker[Session], channel: str) -> int:
    """Copy recent chat notices to contact route ``channel`` (e-mail, ZNS); another worker's copy wins a race."""
    try:
        with session_scope(sessions) as session:
            return copy_to_contact(session=session, channel=channel)
    except IntegrityError:
        return 0


async def deliver_contact(*, sessions: sessionmaker[Session], channel: str, send: Sender) -> int:
    """Queue copies for contact route ``channel``, then send every due one once; returns how many were sent."""
    await run_in_threadpool(queue_contact_copies, sessions=sessions, channel=channel)
    return await deliver_due(sessions=sessions, channel=channel, send=send)


async def notice_worker(
    *, sessions: sessionmaker[Session], channel: str, send: Sender, interval: float = 10.0, contact: bool = False
) -> None:
    """Deliver due notices of ``channel`` forever, every ``interval`` seconds (copying first for a contact route)."""
    deliver = deliver_contact if contact else deliver_due
    while True:
        try:
            await deliver(sessions=sessions, channel=channel, send=send)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("notice worker for %s failed; trying again later", channel)
        await asyncio.sleep(interval)


def take_web_notices(*, session: Session, user_id: str, limit: int = 20) -> list[str]:
    """Pending notices of a web chat session, marked sent as the page picks them up."""
    return [n.text for n in take_pending(session=session, channel="web", channel_user_id=user_id, limit=limit)]


def take_web_notices_and_arm(*, sessions: sessionmaker[Session], user_id: str) -> list[str]:
    """Pending notices of a web session, then the reply mode when one asked for more information."""
    with session_scope(sessions) as session:
        texts = take_web_notices(session=session, user_id=user_id)
    if texts:
        arm_reply(sessions=sessions, channel="web", user_id=user_id)
    return texts
