"""Reviewing submissions: listing and filtering, state changes, comments, assignment, the submitter's replies,
similar earlier submissions, statistics and export rows. Every change is appended to the submission's history.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import ColumnElement, Select, event, func, or_, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session, UOWTransaction, selectinload

from core.errors import ErrorCode, ThiduaError
from core.initiatives import CODE_PATTERN, check_transition
from core.models import Attachment, Initiative, InitiativeEvent, InitiativeState, Notice, Reviewer
from core.notices import enqueue_notice
from core.settings import Settings
from core.vietnamese import fold, folded_words, nfc, squash_spaces

# Vietnam keeps one offset all year; dates in filters, statistics and exports are local dates.
VIETNAM_TZ = timezone(timedelta(hours=7), "ICT")
MAX_NOTE_CHARS = 2000
MAX_REPLY_CHARS = 5000


# --- the history is append-only -------------------------------------------------------------------------------


@event.listens_for(Session, "before_flush")
def _refuse_history_rewrites(session: Session, _context: UOWTransaction, _instances: object) -> None:
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, InitiativeEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise ThiduaError(ErrorCode.CONFLICT, "Lịch sử xử lý sáng kiến chỉ được ghi thêm, không được sửa hay xóa.")


def reviewer_actor(reviewer: Reviewer) -> str:
    """How a reviewer is named in the history."""
    return f"reviewer:{reviewer.username}"


SUBMITTER_ACTOR = "submitter"


def _append_event(
    session: Session,
    initiative: Initiative,
    *,
    kind: str,
    actor: str,
    note: str = "",
    internal: bool = False,
    from_state: str | None = None,
    to_state: str | None = None,
) -> InitiativeEvent:
    entry = InitiativeEvent(
        initiative_id=initiative.id,
        kind=kind,
        actor=actor,
        from_state=from_state,
        to_state=to_state,
        note=note,
        internal=internal,
        created_at=datetime.now(UTC),
    )
    session.add(entry)
    session.flush()
    return entry


# --- listing ----------------------------------------------------------------------------------------------------


class SortKey(StrEnum):
    """Orders a list of submissions may take; a leading minus means newest or last first."""

    CREATED_DESC = "-created_at"
    CREATED_ASC = "created_at"
    UPDATED_DESC = "-updated_at"
    UPDATED_ASC = "updated_at"
    TITLE_ASC = "title"
    TITLE_DESC = "-title"
    STATE_ASC = "state"
    STATE_DESC = "-state"
    CODE_ASC = "code"
    CODE_DESC = "-code"


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: object) -> object:
    """Refuse a day given as text in any form but YYYY-MM-DD (pydantic alone would read "0.0" as 1970-01-01)."""
    if isinstance(value, int | float) or (isinstance(value, str) and not _ISO_DAY.fullmatch(value.strip())):
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


class InitiativeFilters(BaseModel):
    """Which submissions to list, count or export; every given filter must hold."""

    model_config = ConfigDict(str_strip_whitespace=True)

    state: list[InitiativeState] = Field(default_factory=list, description="Any of these states.")
    field: str | None = Field(None, max_length=200, description="Exact field (lĩnh vực).")
    participant_kind: str | None = Field(None, max_length=64, description="Exact participant kind.")
    locality: str | None = Field(None, max_length=200, description="Exact locality.")
    unit: str | None = Field(None, max_length=300, description="Unit name contains this.")
    date_from: date | None = Field(None, description="Submitted on or after this day (Vietnam time).")
    date_to: date | None = Field(None, description="Submitted on or before this day (Vietnam time).")
    assigned_reviewer_id: int | None = Field(None, ge=1, le=2**31 - 1, description="Assigned to this reviewer.")
    unassigned: bool = Field(False, description="Only submissions assigned to nobody.")
    q: str | None = Field(
        None, max_length=200, description="Text search, with or without diacritics; a receipt code finds that one."
    )

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_day(cls, value: object) -> object:
        return iso_day(value)

    @field_validator("field", "participant_kind", "locality", "unit", "q")
    @classmethod
    def _normalise(cls, value: str | None) -> str | None:
        cleaned = squash_spaces(nfc(value)) if value is not None else None
        return cleaned or None


def _local_day_start(day: date) -> datetime:
    try:
        return datetime.combine(day, time.min, VIETNAM_TZ).astimezone(UTC)
    except OverflowError:  # 1 January of year 1 begins before UTC can count
        return datetime.min.replace(tzinfo=UTC)


def _conditions(filters: InitiativeFilters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.state:
        conditions.append(Initiative.state.in_([state.value for state in filters.state]))
    if filters.field:
        conditions.append(Initiative.field == filters.field)
    if filters.participant_kind:
        conditions.append(Initiative.participant_kind == filters.participant_kind)
    if filters.locality:
        conditions.append(Initiative.locality == filters.locality)
    if filters.unit:
        conditions.append(Initiative.unit.icontains(filters.unit, autoescape=True))
    if filters.date_from:
        conditions.append(Initiative.created_at >= _local_day_start(filters.date_from))
    if filters.date_to and filters.date_to < date.max:
        conditions.append(Initiative.created_at < _local_day_start(filters.date_to + timedelta(days=1)))
    if filters.assigned_reviewer_id is not None:
        conditions.append(Initiative.assigned_reviewer_id == filters.assigned_reviewer_id)
    if filters.unassigned:
        conditions.append(Initiative.assigned_reviewer_id.is_(None))
    if filters.q and CODE_PATTERN.fullmatch(filters.q):
        conditions.append(Initiative.code == filters.q.upper())
    elif filters.q:
        for token in fold(filters.q).split():
            conditions.append(Initiative.search_text.contains(token, autoescape=True))
    return conditions


def _filtered(query: Select[Any], filters: InitiativeFilters) -> Select[Any]:
    conditions = _conditions(filters)
    return query.where(*conditions) if conditions else query


_ORDER_COLUMNS = {
    "created_at": Initiative.created_at,
    "updated_at": Initiative.updated_at,
    "title": Initiative.title,
    "state": Initiative.state,
    "code": Initiative.id,  # codes are issued in id order
}


def _ordered(query: Select[Any], sort: SortKey) -> Select[Any]:
    name = sort.value.lstrip("-")
    column = _ORDER_COLUMNS[name]
    descending = sort.value.startswith("-")
    tie = Initiative.id.desc() if descending else Initiative.id.asc()
    return query.order_by(column.desc() if descending else column.asc(), tie)


@dataclass(frozen=True)
class Page:
    """One page of submissions and how many match in all."""

    items: list[Initiative]
    total: int
    page: int
    page_size: int


def list_initiatives(
    *,
    session: Session,
    filters: InitiativeFilters,
    sort: SortKey = SortKey.CREATED_DESC,
    page: int = 1,
    page_size: int = 20,
) -> Page:
    """One page of the submissions matching ``filters``, in the order ``sort`` gives."""
    total = session.scalar(_filtered(select(func.count()).select_from(Initiative), filters)) or 0
    query = _ordered(_filtered(select(Initiative), filters), sort)
    query = query.options(selectinload(Initiative.notices)).offset((page - 1) * page_size).limit(page_size)
    return Page(items=list(session.scalars(query)), total=int(total), page=page, page_size=page_size)


def reviewer_names(*, session: Session, reviewer_ids: Sequence[int | None]) -> dict[int, str]:
    """Usernames of the given reviewers, by id."""
    ids = {reviewer_id for reviewer_id in reviewer_ids if reviewer_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Reviewer.id, Reviewer.username).where(Reviewer.id.in_(ids)))
    return {reviewer_id: username for reviewer_id, username in rows}


def get_initiative(*, session: Session, initiative_id: int) -> Initiative:
    """The submission with ``initiative_id``, or a not-found error."""
    initiative = session.get(Initiative, initiative_id)
    if initiative is None:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy sáng kiến số {initiative_id}.")
    return initiative


def get_attachment(*, session: Session, initiative_id: int, attachment_id: int) -> Attachment:
    """An attachment of the submission, or a not-found error."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.initiative_id != initiative_id:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy tệp đính kèm số {attachment_id} của sáng kiến này.")
    return attachment


def attachment_file(*, settings: Settings, attachment: Attachment) -> Path:
    """The stored file of ``attachment``, checked to lie inside the uploads folder; not-found when it is gone."""
    root = settings.uploads_dir.resolve()
    candidate = (root / attachment.storage_path).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        raise ThiduaError(ErrorCode.NOT_FOUND, "Tệp đính kèm không còn trên máy chủ.")
    return candidate


_PREVIEW_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
}


def preview_type(*, path: Path, attachment: Attachment) -> str | None:
    """The media type to show ``attachment`` inline with (images, PDF), or None: it is then only downloaded.

    The declared type must be one of these and the file's first bytes must agree, so nothing else renders.
    """
    magic = _PREVIEW_MAGIC.get(attachment.content_type.lower())
    if magic is None:
        return None
    with path.open("rb") as handle:
        head = handle.read(16)
    return attachment.content_type.lower() if head.startswith(magic) else None


# --- changes ----------------------------------------------------------------------------------------------------


def _move(session: Session, initiative: Initiative, target: InitiativeState) -> str:
    """Change the state in one guarded statement, so two concurrent moves cannot both succeed."""
    current = initiative.state
    check_transition(current, target.value)
    now = datetime.now(UTC)
    result = session.execute(
        update(Initiative)
        .where(Initiative.id == initiative.id, Initiative.state == current)
        .values(state=target.value, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 1) != 1:
        raise ThiduaError(ErrorCode.CONFLICT, "Sáng kiến vừa được người khác cập nhật. Vui lòng tải lại rồi thử lại.")
    session.refresh(initiative)
    return current


def _clean_note(note: str, limit: int = MAX_NOTE_CHARS) -> str:
    return nfc(note).strip()[:limit]


def transition(
    *,
    session: Session,
    initiative: Initiative,
    reviewer: Reviewer,
    to_state: InitiativeState,
    note: str = "",
    internal_note: str = "",
) -> InitiativeEvent:
    """Move a submission as a reviewer; the note goes to the submitter through the notice queue.

    A request for more information and a rejection need a note. ``internal_note`` stays in the history only.
    """
    if to_state is InitiativeState.WITHDRAWN:
        raise ThiduaError(ErrorCode.ILLEGAL_TRANSITION, "Chỉ người gửi mới có thể rút sáng kiến.")
    text = _clean_note(note)
    if to_state.note_required and not text:
        raise ThiduaError(ErrorCode.VALIDATION, f"Cần ghi rõ {to_state.note_required} để gửi cho người đề xuất.")
    previous = _move(session, initiative, to_state)
    entry = _append_event(
        session,
        initiative,
        kind="transition",
        actor=reviewer_actor(reviewer),
        from_state=previous,
        to_state=to_state.value,
        note=text,
    )
    if internal := _clean_note(internal_note):
        _append_event(session, initiative, kind="comment", actor=reviewer_actor(reviewer), note=internal, internal=True)
    enqueue_notice(
        session=session,
        initiative=initiative,
        text=to_state.notice(code=initiative.code, title=initiative.title, note=text),
    )
    return entry


def add_comment(
    *, session: Session, initiative: Initiative, reviewer: Reviewer, text: str, internal: bool = True
) -> InitiativeEvent:
    """Record a reviewer's comment; one that is not internal is also sent to the submitter."""
    body = _clean_note(text)
    if not body:
        raise ThiduaError(ErrorCode.VALIDATION, "Nội dung trao đổi không được để trống.")
    entry = _append_event(
        session, initiative, kind="comment", actor=reviewer_actor(reviewer), note=body, internal=internal
    )
    if not internal:
        enqueue_notice(
            session=session,
            initiative=initiative,
            text=f"Phản hồi về sáng kiến {initiative.code} “{initiative.title}”:\n{body}",
        )
    initiative.updated_at = datetime.now(UTC)
    return entry


def assign(
    *, session: Session, initiative: Initiative, reviewer: Reviewer, assignee_id: int | None
) -> InitiativeEvent | None:
    """Give the submission to ``assignee_id`` (or to nobody); None when nothing changes."""
    assignee = None
    if assignee_id is not None:
        assignee = session.get(Reviewer, assignee_id)
        if assignee is None or not assignee.is_active:
            raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy cán bộ xem xét đang hoạt động có số {assignee_id}.")
    if initiative.assigned_reviewer_id == assignee_id:
        return None
    initiative.assigned_reviewer_id = assignee_id
    initiative.updated_at = datetime.now(UTC)
    note = f"Giao cho {assignee.username}" if assignee is not None else "Bỏ giao xử lý"
    return _append_event(session, initiative, kind="assignment", actor=reviewer_actor(reviewer), note=note)


def add_submitter_reply(
    *, session: Session, initiative: Initiative, text: str, attachment_ids: Sequence[int] = ()
) -> InitiativeEvent:
    """Attach the submitter's answer to a request for more information and put the submission back in review.

    Called by the chat dialog; raises ``conflict`` when the submission is not waiting for information and
    ``validation_error`` for an empty answer. Attachments the same chat user sent and that belong to no
    submission yet are attached as well.
    """
    body = nfc(text).strip()[:MAX_REPLY_CHARS]
    if not body and not attachment_ids:
        raise ThiduaError(ErrorCode.VALIDATION, "Nội dung bổ sung không được để trống.")
    if initiative.state != InitiativeState.NEEDS_INFO.value:
        raise ThiduaError(ErrorCode.CONFLICT, f"Sáng kiến {initiative.code} hiện không chờ bổ sung thông tin.")
    attached = 0
    if attachment_ids:
        for attachment in session.scalars(
            select(Attachment).where(
                Attachment.id.in_(list(attachment_ids)),
                Attachment.channel == initiative.channel,
                Attachment.channel_user_id == initiative.channel_user_id,
                Attachment.initiative_id.is_(None),
            )
        ):
            attachment.initiative_id = initiative.id
            attached += 1
    note = body + (f"\n(kèm {attached} tệp)" if attached else "")
    entry = _append_event(session, initiative, kind="reply", actor=SUBMITTER_ACTOR, note=note)
    previous = _move(session, initiative, InitiativeState.IN_REVIEW)
    _append_event(
        session,
        initiative,
        kind="transition",
        actor=SUBMITTER_ACTOR,
        from_state=previous,
        to_state=InitiativeState.IN_REVIEW.value,
        note="Người đề xuất đã bổ sung thông tin.",
    )
    return entry


def awaiting_reply(*, session: Session, channel: str, channel_user_id: str) -> list[Initiative]:
    """The chat user's submissions that wait for more information, newest first (for the dialog)."""
    return list(
        session.scalars(
            select(Initiative)
            .where(
                Initiative.channel == channel,
                Initiative.channel_user_id == channel_user_id,
                Initiative.state == InitiativeState.NEEDS_INFO.value,
            )
            .order_by(Initiative.updated_at.desc(), Initiative.id.desc())
        )
    )


def withdraw(*, session: Session, initiative: Initiative, reason: str = "") -> InitiativeEvent:
    """The submitter withdraws their submission (from the chat); illegal once it is decided."""
    previous = _move(session, initiative, InitiativeState.WITHDRAWN)
    return _append_event(
        session,
        initiative,
        kind="transition",
        actor=SUBMITTER_ACTOR,
        from_state=previous,
        to_state=InitiativeState.WITHDRAWN.value,
        note=_clean_note(reason),
    )


# --- similar earlier submissions ------------------------------------------------------------------------------

TITLE_THRESHOLD = 0.8
DESCRIPTION_THRESHOLD = 0.5
_CANDIDATE_LIMIT = 1000


@dataclass(frozen=True)
class SimilarMatch:
    """An earlier submission that looks like this one."""

    initiative_id: int
    code: str
    title: str
    state: str
    created_at: datetime
    score: float
    reason: str  # "title" | "description"


def _shingles(text: str, size: int = 3) -> set[tuple[str, ...]]:
    tokens = folded_words(text)
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def _jaccard(left: set[Any], right: set[Any]) -> float:
    return len(left & right) / len(left | right) if left and right else 0.0


def _title_similarity(left: str, right: str) -> float:
    a, b = " ".join(folded_words(left)), " ".join(folded_words(right))
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return max(_jaccard(set(a.split()), set(b.split())), difflib.SequenceMatcher(None, a, b).ratio())


def _longest_words(text: str, count: int = 3) -> list[str]:
    unique = sorted({word for word in folded_words(text) if len(word) >= 3}, key=lambda word: (-len(word), word))
    return unique[:count]


def similar_initiatives(*, session: Session, initiative: Initiative, limit: int = 5) -> list[SimilarMatch]:
    """Earlier submissions with the same or nearly the same title or description, most alike first."""
    own_shingles = _shingles(initiative.description)
    # Only submissions sharing one of the longest words of the title or description can be alike; the
    # database drops the rest before anything is compared here.
    anchors = {*_longest_words(initiative.title), *_longest_words(initiative.description)}
    prefilter = or_(*(Initiative.search_text.contains(word, autoescape=True) for word in sorted(anchors)))
    rows = session.execute(
        select(
            Initiative.id,
            Initiative.code,
            Initiative.title,
            Initiative.description,
            Initiative.state,
            Initiative.created_at,
        )
        .where(Initiative.id < initiative.id, *([prefilter] if anchors else []))
        .order_by(Initiative.id.desc())
        .limit(_CANDIDATE_LIMIT)
    )
    matches: list[SimilarMatch] = []
    for row in rows:
        title_score = _title_similarity(initiative.title, row.title)
        description_score = _jaccard(own_shingles, _shingles(row.description))
        if title_score < TITLE_THRESHOLD and description_score < DESCRIPTION_THRESHOLD:
            continue
        by_title = title_score >= description_score
        matches.append(
            SimilarMatch(
                initiative_id=row.id,
                code=row.code,
                title=row.title,
                state=row.state,
                created_at=row.created_at,
                score=round(max(title_score, description_score), 3),
                reason="title" if by_title else "description",
            )
        )
    matches.sort(key=lambda match: (-match.score, -match.initiative_id))
    return matches[:limit]


# --- statistics -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stats:
    """Counts of the matching submissions."""

    total: int
    by_state: list[tuple[str, int]]
    by_field: list[tuple[str, int]]
    by_locality: list[tuple[str, int]]
    by_month: list[tuple[str, int]]


def _local_month(session: Session) -> ColumnElement[str]:
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("Asia/Ho_Chi_Minh", Initiative.created_at), "YYYY-MM")
    # SQLite keeps UTC wall-clock text.
    return func.strftime("%Y-%m", Initiative.created_at, "+7 hours")


def _grouped(
    session: Session, column: ColumnElement[Any] | InstrumentedAttribute[Any], filters: InitiativeFilters
) -> list[tuple[str, int]]:
    query = _filtered(select(column, func.count()).select_from(Initiative), filters).group_by(column)
    return [(str(key or ""), int(count)) for key, count in session.execute(query)]


def _most_first(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    return sorted(pairs, key=lambda pair: (-pair[1], pair[0]))


def stats(*, session: Session, filters: InitiativeFilters) -> Stats:
    """Counts by state (every state, zeros included), field, locality and month (Vietnam time)."""
    by_state = dict(_grouped(session, Initiative.state, filters))
    month = _local_month(session).label("month")
    return Stats(
        total=sum(by_state.values()),
        by_state=[(state.value, by_state.get(state.value, 0)) for state in InitiativeState],
        by_field=_most_first(_grouped(session, Initiative.field, filters)),
        by_locality=_most_first(_grouped(session, Initiative.locality, filters)),
        by_month=sorted(_grouped(session, month, filters)),
    )


def count_by_state(*, session: Session, filters: InitiativeFilters) -> dict[InitiativeState, int]:
    """How many submissions match ``filters`` in each state (the state filter itself is ignored), zeros included."""
    others = filters.model_copy(update={"state": []})
    counted = dict(_grouped(session, Initiative.state, others))
    return {state: counted.get(state.value, 0) for state in InitiativeState}


def known_localities(*, session: Session) -> list[str]:
    """Every locality a submission names, alphabetically (to pick a filter from)."""
    rows = session.scalars(select(Initiative.locality).where(Initiative.locality != "").distinct())
    return sorted(rows, key=fold)


# --- export -----------------------------------------------------------------------------------------------------

EXPORT_HEADERS = (
    "Mã sáng kiến",
    "Tên sáng kiến",
    "Trạng thái",
    "Ngày gửi",
    "Cập nhật lần cuối",
    "Người đề xuất",
    "Đối tượng tham gia",
    "Đơn vị",
    "Địa phương",
    "Lĩnh vực",
    "Mô tả",
    "Hiệu quả",
    "Phạm vi áp dụng",
    "Số điện thoại",
    "Thư điện tử",
    "Kênh gửi",
    "Cán bộ xem xét",
)


def _local_time(moment: datetime) -> datetime:
    # Spreadsheets know no time zones: the export gives Vietnam wall-clock time, to the minute.
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM_TZ).replace(tzinfo=None, second=0, microsecond=0)


def export_rows(
    *, session: Session, filters: InitiativeFilters, sort: SortKey = SortKey.CREATED_DESC
) -> Iterator[list[str | datetime]]:
    """The matching submissions as rows under ``EXPORT_HEADERS``: text (not yet made spreadsheet-safe), and the
    submission and update times as Vietnam wall-clock datetimes.
    """
    names = {reviewer_id: username for reviewer_id, username in session.execute(select(Reviewer.id, Reviewer.username))}
    query = _ordered(_filtered(select(Initiative), filters), sort).execution_options(yield_per=500)
    for initiative in session.scalars(query):
        state = InitiativeState(initiative.state)
        yield [
            initiative.code,
            initiative.title,
            state.label,
            _local_time(initiative.created_at),
            _local_time(initiative.updated_at),
            initiative.proposer_name,
            initiative.participant_kind,
            initiative.unit,
            initiative.locality,
            initiative.field,
            initiative.description,
            initiative.benefit,
            initiative.scope,
            initiative.contact_phone,
            initiative.contact_email,
            initiative.channel,
            names.get(initiative.assigned_reviewer_id or 0, ""),
        ]


def notice_summary(notices: Sequence[Notice]) -> dict[str, int]:
    """How many of the submission's notices are pending, sent and failed."""
    summary = {"pending": 0, "sent": 0, "failed": 0}
    for notice in notices:
        summary[notice.status] = summary.get(notice.status, 0) + 1
    return summary
