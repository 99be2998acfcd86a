"""Personal data of submitters under Nghị định 13/2023/NĐ-CP: kept no longer than needed, given or erased on request.

A submitter is one channel account (channel + channel user id). Contact data (phone, e-mail) of decided submissions
is erased after the retention period; on request an admin exports or erases everything personal a submitter gave.
Each of these is recorded in the history of every submission it touched (never with the data itself).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from core.models import Attachment, Conversation, Initiative, InitiativeEvent, InitiativeState, Notice, NoticeStatus
from core.vietnamese import fold

DECIDED = (InitiativeState.ACCEPTED.value, InitiativeState.REJECTED.value, InitiativeState.WITHDRAWN.value)
ERASED_NAME = "(đã xóa theo yêu cầu)"
SYSTEM_ACTOR = "system"


def _record(session: Session, initiative: Initiative, *, kind: str, actor: str, note: str) -> None:
    session.add(
        InitiativeEvent(
            initiative_id=initiative.id,
            kind=kind,
            actor=actor,
            note=note,
            internal=True,
            created_at=datetime.now(UTC),
        )
    )


def erase_expired_contacts(*, session: Session, retention: timedelta, now: datetime | None = None) -> int:
    """Blank phone and e-mail of submissions decided longer than ``retention`` ago; returns how many."""
    cutoff = (now or datetime.now(UTC)) - retention
    rows = session.scalars(
        select(Initiative).where(
            Initiative.state.in_(DECIDED),
            Initiative.updated_at < cutoff,
            or_(Initiative.contact_phone != "", Initiative.contact_email != ""),
        )
    ).all()
    for initiative in rows:
        initiative.contact_phone, initiative.contact_email = "", ""
        _record(session, initiative, kind="contact_erased", actor=SYSTEM_ACTOR, note="Hết thời hạn lưu giữ liên hệ.")
    session.flush()
    return len(rows)


def submitter_initiatives(*, session: Session, initiative: Initiative) -> list[Initiative]:
    """Every submission of the submitter of ``initiative`` (the same channel account), oldest first."""
    return list(
        session.scalars(
            select(Initiative)
            .where(Initiative.channel == initiative.channel, Initiative.channel_user_id == initiative.channel_user_id)
            .order_by(Initiative.id)
        )
    )


def export_personal_data(*, session: Session, initiative: Initiative, actor: str) -> dict[str, Any]:
    """What the submitter of ``initiative`` gave about themselves, per submission; the export is recorded."""
    rows = submitter_initiatives(session=session, initiative=initiative)
    for row in rows:
        _record(session, row, kind="personal_data_exported", actor=actor, note="Xuất dữ liệu cá nhân theo yêu cầu.")
    session.flush()
    return {
        "channel": initiative.channel,
        "submissions": [
            {
                "code": row.code,
                "proposer_name": row.proposer_name,
                "unit": row.unit,
                "contact_phone": row.contact_phone,
                "contact_email": row.contact_email,
                "consent_at": row.consent_at.isoformat(),
                "created_at": row.created_at.isoformat(),
                "attachments": [attachment.filename for attachment in row.attachments],
            }
            for row in rows
        ],
    }


def erase_personal_data(*, session: Session, initiative: Initiative, actor: str) -> list[str]:
    """Erase name, contact and channel account of the submitter of ``initiative`` from all their submissions and
    forget their conversation; the codes touched are returned and the erasure recorded. The content stays."""
    rows = submitter_initiatives(session=session, initiative=initiative)
    channel, account = initiative.channel, initiative.channel_user_id
    pseudonym = "erased:" + hashlib.sha256(f"{channel}:{account}".encode()).hexdigest()[:16]
    for row in rows:
        row.proposer_name, row.contact_phone, row.contact_email = ERASED_NAME, "", ""
        row.channel_user_id = pseudonym
        row.search_text = fold(" ".join([row.title, row.description]))
        _record(session, row, kind="personal_data_erased", actor=actor, note="Xóa dữ liệu cá nhân theo yêu cầu.")
    session.execute(delete(Conversation).where(Conversation.channel == channel, Conversation.user_id == account))
    for model in (Attachment, Notice):
        session.execute(
            update(model)
            .where(model.channel == channel, model.channel_user_id == account)
            .values(channel_user_id=pseudonym)
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Notice)
        .where(Notice.channel_user_id == pseudonym, Notice.status == NoticeStatus.PENDING.value)
        .values(status=NoticeStatus.FAILED.value, last_error="personal data erased")
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return [row.code for row in rows]
