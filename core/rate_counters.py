"""Counting requests per key and minute in the database, so every web worker sees the same count."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.models import RateCounter


def count_hit(*, session: Session, key: str, window: int) -> int:
    """Add one to ``key``'s count in ``window`` in one atomic statement; returns the new count."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = (
        insert(RateCounter)
        .values(key=key[:128], window=window, count=1)
        .on_conflict_do_update(
            index_elements=[RateCounter.key, RateCounter.window], set_={"count": RateCounter.count + 1}
        )
        .returning(RateCounter.count)
    )
    return int(session.execute(upsert).scalar_one())


def forget_windows(*, session: Session, before: int) -> int:
    """Delete counts of windows before ``before``; returns how many."""
    result = session.execute(delete(RateCounter).where(RateCounter.window < before))
    return int(getattr(result, "rowcount", 0) or 0)
