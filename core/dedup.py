"""Updates already handled per channel (Telegram update_id, Zalo msg_id, web message id), so repeats are dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import ProcessedUpdate


def claim_update(*, session: Session, channel: str, update_key: str) -> bool:
    """Record ``update_key`` as handled; False when it already was (by this or another worker).

    Call it as the first write of the unit of work that handles the update: the row then commits or rolls
    back together with everything the update changed. On a repeat the whole unit of work is rolled back
    (no savepoint, which pysqlite would commit early), so there is nothing else to undo.
    """
    session.add(ProcessedUpdate(channel=channel, update_key=update_key[:128]))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return False
    return True


def remember_replies(*, session: Session, channel: str, update_key: str, replies: list[Any]) -> None:
    """Keep what was answered to ``update_key``, so a repeat of it can be answered the same."""
    session.execute(
        update(ProcessedUpdate)
        .where(ProcessedUpdate.channel == channel, ProcessedUpdate.update_key == update_key[:128])
        .values(replies=replies)
    )


def stored_replies(*, session: Session, channel: str, update_key: str) -> list[Any]:
    """What was answered to ``update_key`` (empty when nothing was kept, or the first answer is still on its way)."""
    found = session.scalar(
        select(ProcessedUpdate.replies).where(
            ProcessedUpdate.channel == channel, ProcessedUpdate.update_key == update_key[:128]
        )
    )
    return list(found or [])


def forget_old_updates(*, session: Session, older_than: timedelta = timedelta(days=3)) -> int:
    """Delete records older than the platforms' redelivery windows (Telegram 24 h, Zalo up to 12 h)."""
    cutoff = datetime.now(UTC) - older_than
    result = session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
