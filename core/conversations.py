"""Dialog state of chat users, kept in the database so every worker and every restart sees the same state."""

from __future__ import annotations

from collections.abc import Callable
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


def stored_states(*, session: Session) -> list[dict[str, Any]]:
    """Every stored dialog state (for housekeeping that must not drop what a conversation still holds)."""
    return [dict(state or {}) for state in session.scalars(select(Conversation.state))]


def rewrite_idle_states(
    *, session: Session, idle: timedelta, rewrite: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> int:
    """Apply ``rewrite`` to the state of conversations idle longer than ``idle``; returns how many it changed.

    ``rewrite`` belongs to the dialog, which owns the state's shape: it returns the new state, or None to keep it.
    """
    cutoff = datetime.now(UTC) - idle
    changed = 0
    for conversation in session.scalars(select(Conversation).where(Conversation.updated_at < cutoff)):
        new_state = rewrite(dict(conversation.state or {}))
        if new_state is not None:
            conversation.state = new_state
            changed += 1
    session.flush()
    return changed
