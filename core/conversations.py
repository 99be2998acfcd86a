"""Dialog state of chat users, kept in the database so every worker and every restart sees the same state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Conversation


def lock_conversation(*, session: Session, channel: str, user_id: str) -> Conversation:
    """The conversation of ``user_id`` on ``channel``, created when new and row-locked where the database can.

    On PostgreSQL the ``FOR UPDATE`` lock serialises concurrent updates of one user; on SQLite the
    writer lock plus the optimistic ``version`` column does (a stale write raises ``StaleDataError``).
    A concurrent first message of a new user raises ``IntegrityError``; retry the unit of work.
    """
    query = select(Conversation).where(Conversation.channel == channel, Conversation.user_id == user_id)
    conversation = session.scalar(query.with_for_update())
    if conversation is not None:
        return conversation
    # No savepoint: pysqlite would commit early on releasing it. When another worker creates the same row
    # first, the flush raises IntegrityError and the caller retries its whole unit of work.
    conversation = Conversation(channel=channel, user_id=user_id, state={}, locality=None)
    session.add(conversation)
    session.flush()
    return conversation


def save_state(*, conversation: Conversation, state: dict[str, Any], locality: str | None) -> None:
    """Replace the stored state (a new dict, so the JSON column is seen as changed) and the chosen locality."""
    conversation.state = dict(state)
    conversation.locality = locality


FORM_MODES = ("form", "confirm", "edit")
FORM_KEYS = ("step", "form", "attachments", "editing", "submission_key", "choices", "choices_for")


def purge_abandoned_forms(*, session: Session, idle: timedelta) -> int:
    """Drop half-filled forms idle longer than ``idle`` (they hold names and phone numbers); returns how many.

    The conversation keeps ``form_expired`` so the dialog can still tell the user politely at their next message.
    """
    cutoff = datetime.now(UTC) - idle
    purged = 0
    for conversation in session.scalars(select(Conversation).where(Conversation.updated_at < cutoff)):
        state = dict(conversation.state or {})
        if state.get("mode") not in FORM_MODES:
            continue
        for key in FORM_KEYS:
            state.pop(key, None)
        state.update(mode="idle", form_expired=True)
        conversation.state = state
        purged += 1
    session.flush()
    return purged
