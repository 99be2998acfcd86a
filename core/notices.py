"""The outbox of notices to submitters: queued in the database, delivered by the channel workers, retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased

from core.models import Initiative, InitiativeEvent, Notice, NoticeStatus

MAX_ATTEMPTS = 8
# Contact routes besides the chat channel, and the contact column each one delivers to.
CONTACT_COLUMNS = {"email": Initiative.contact_email, "zns": Initiative.contact_phone}
COPY_WINDOW = timedelta(days=2)  # notices older than this when a route is switched on are not copied to it


def enqueue_notice(*, session: Session, initiative: Initiative, text: str) -> Notice:
    """Queue ``text`` for the submitter of ``initiative`` on the channel they used."""
    notice = Notice(
        initiative_id=initiative.id,
        channel=initiative.channel,
        channel_user_id=initiative.channel_user_id,
        text=text,
        status=NoticeStatus.PENDING.value,
        next_attempt_at=datetime.now(UTC),
    )
    session.add(notice)
    session.flush()
    return notice


def due_notices(*, session: Session, channel: str, limit: int = 20, now: datetime | None = None) -> list[Notice]:
    """Pending notices of ``channel`` whose next attempt is due, oldest first (locked where the database can)."""
    moment = now or datetime.now(UTC)
    query = (
        select(Notice)
        .where(Notice.channel == channel, Notice.status == NoticeStatus.PENDING.value, Notice.next_attempt_at <= moment)
        .order_by(Notice.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def release_claims(*, session: Session, now: datetime | None = None) -> int:
    """Make every pending notice due now; returns how many were waiting.

    For the one notice worker at its start: notices a killed worker had claimed (their next attempt pushed past the
    claim window) would otherwise wait out that window. Notices backing off after a failure are retried early once,
    which is harmless.
    """
    moment = now or datetime.now(UTC)
    result = session.execute(
        update(Notice)
        .where(Notice.status == NoticeStatus.PENDING.value, Notice.next_attempt_at > moment)
        .values(next_attempt_at=moment)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def take_pending(*, session: Session, channel: str, channel_user_id: str, limit: int = 20) -> list[Notice]:
    """Pending notices of one user that the channel hands over on the user's own request (the web page's poll).

    They are marked sent at once: the page shows them in the same response.
    """
    notices = list(
        session.scalars(
            select(Notice)
            .where(
                Notice.channel == channel,
                Notice.channel_user_id == channel_user_id,
                Notice.status == NoticeStatus.PENDING.value,
            )
            .order_by(Notice.id)
            .limit(limit)
        )
    )
    for notice in notices:
        mark_sent(session=session, notice=notice)
    return notices


def mark_sent(*, session: Session, notice: Notice) -> None:
    """Record a delivered notice."""
    notice.status = NoticeStatus.SENT.value
    notice.attempts += 1
    notice.sent_at = datetime.now(UTC)
    notice.last_error = ""
    session.add(
        InitiativeEvent(initiative_id=notice.initiative_id, kind="notice", actor="system", note="Đã gửi thông báo")
    )


def mark_attempt_failed(*, session: Session, notice: Notice, error: str, retry_after: float | None = None) -> None:
    """Record a failed attempt: retry later with back-off, or give up after ``MAX_ATTEMPTS``."""
    notice.attempts += 1
    notice.last_error = error[:1000]
    if notice.attempts >= MAX_ATTEMPTS:
        notice.status = NoticeStatus.FAILED.value
        return
    delay = retry_after if retry_after is not None else min(3600.0, 30.0 * 2 ** (notice.attempts - 1))
    notice.next_attempt_at = datetime.now(UTC) + timedelta(seconds=delay)


def copy_to_contact(*, session: Session, channel: str, now: datetime | None = None) -> int:
    """Queue on contact route ``channel`` (``email``, ``zns``) a copy of each recent chat notice whose submitter gave
    that contact and did not opt out; returns how many copies were queued.
    """
    column = CONTACT_COLUMNS[channel]
    moment = now or datetime.now(UTC)
    copy = aliased(Notice)
    rows = session.execute(
        select(Notice, column)
        .join(Initiative, Initiative.id == Notice.initiative_id)
        .where(
            Notice.copy_of_id.is_(None),
            Notice.channel.notin_(list(CONTACT_COLUMNS)),
            Notice.created_at >= moment - COPY_WINDOW,
            column != "",
            Initiative.contact_notices.is_(True),
            ~exists().where(copy.copy_of_id == Notice.id, copy.channel == channel),
        )
        .order_by(Notice.id)
    ).all()
    for notice, address in rows:
        session.add(
            Notice(
                initiative_id=notice.initiative_id,
                channel=channel,
                channel_user_id=str(address),
                text=notice.text,
                status=NoticeStatus.PENDING.value,
                next_attempt_at=moment,
                copy_of_id=notice.id,
            )
        )
    session.flush()
    return len(rows)


def set_contact_notices(*, session: Session, initiative: Initiative, enabled: bool) -> None:
    """The submitter's choice about notices by e-mail and Zalo ZNS; turning them off also drops queued ones."""
    initiative.contact_notices = enabled
    if enabled:
        return
    for notice in initiative.notices:
        if notice.channel in CONTACT_COLUMNS and notice.status == NoticeStatus.PENDING.value:
            notice.status = NoticeStatus.FAILED.value
            notice.last_error = "Người đề xuất đã từ chối nhận thông báo qua kênh này."
    session.flush()
