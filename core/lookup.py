"""Reading a submission from any channel or device: its receipt code plus the phone or e-mail given with it.

Codes are sequential, so a wrong code, a wrong contact and a refused try all look the same to the caller (None),
and tries are counted in the database per key (chat user, network address, code) so every worker sees them.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from core.initiatives import normalise_email, normalise_phone
from core.models import Initiative, LookupAttempt

WINDOW = timedelta(minutes=15)
MAX_TRIES = 5  # the sixth try within the window is refused


def contact_key(text: str) -> str | None:
    """The phone (0xxxxxxxxx) or e-mail (lower case) ``text`` holds, or None when it holds neither."""
    return normalise_phone(text) or normalise_email(text)


def _allowed(*, session: Session, keys: Sequence[str], now: datetime) -> bool:
    """Record a try under every key; False when any key already used its tries in the window."""
    since = now - WINDOW
    counts = [
        int(
            session.scalar(
                select(func.count(LookupAttempt.id)).where(LookupAttempt.key == key, LookupAttempt.created_at >= since)
            )
            or 0
        )
        for key in keys
    ]
    session.add_all([LookupAttempt(key=key[:200], created_at=now) for key in keys])
    session.flush()
    return all(count < MAX_TRIES for count in counts)


def _same(given: str, stored: str) -> bool:
    return bool(stored) and hmac.compare_digest(given.encode(), stored.encode())


def lookup_by_contact(
    *, session: Session, code: str, contact: str, keys: Sequence[str], now: datetime | None = None
) -> Initiative | None:
    """The submission ``code`` when ``contact`` is the phone or e-mail given with it and the tries allow; else None."""
    now = now or datetime.now(UTC)
    code_key = f"code:{code.strip().upper()}"
    if not _allowed(session=session, keys=[*keys, code_key], now=now):
        return None
    given = contact_key(contact)
    initiative = session.scalar(select(Initiative).where(Initiative.code == code.strip().upper()))
    if initiative is None or given is None:
        return None
    if _same(given, normalise_phone(initiative.contact_phone) or "") or _same(
        given, (initiative.contact_email or "").lower()
    ):
        return initiative
    return None


def forget_old_attempts(*, session: Session, now: datetime | None = None) -> int:
    """Drop tries older than the window (housekeeping); returns how many."""
    cutoff = (now or datetime.now(UTC)) - WINDOW
    result = session.execute(delete(LookupAttempt).where(LookupAttempt.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
