"""What the admin API reads and returns; built from ORM rows here, so no route returns an ORM object."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt

from core.models import (
    Attachment,
    Document,
    DocumentVersion,
    Initiative,
    InitiativeEvent,
    InitiativeState,
    Notice,
    NoticeStatus,
    Reviewer,
    Role,
)
from core.review import SimilarMatch, Stats, notice_summary
from core.reviewers import is_locked


def _as_utc(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC, and RFC 3339 wants the offset written.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]

# --- accounts ---------------------------------------------------------------------------------------------------


class Token(BaseModel):
    """An OAuth2 bearer token."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth2 token type
    expires_in: int = Field(description="Seconds until the token expires.")


class ReviewerRead(BaseModel):
    """An account as the API shows it (never the password hash)."""

    id: int
    username: str
    full_name: str
    role: Role
    is_active: bool
    locked: bool = Field(description="Locked after repeated failed logins.")
    created_at: UtcDatetime

    @classmethod
    def of(cls, reviewer: Reviewer) -> ReviewerRead:
        """The read view of ``reviewer``."""
        return cls(
            id=reviewer.id,
            username=reviewer.username,
            full_name=reviewer.full_name,
            role=Role(reviewer.role),
            is_active=reviewer.is_active,
            locked=is_locked(reviewer),
            created_at=reviewer.created_at,
        )


# --- submissions ------------------------------------------------------------------------------------------------


class ReviewerRef(BaseModel):
    """A reviewer named on a submission."""

    id: int
    username: str


class NoticeCounts(BaseModel):
    """Delivery of the notices of one submission."""

    pending: int = 0
    sent: int = 0
    failed: int = 0


class InitiativeSummary(BaseModel):
    """A submission in a list."""

    id: int
    code: str
    title: str
    state: InitiativeState
    state_label: str
    field: str
    participant_kind: str
    proposer_name: str
    unit: str
    locality: str
    channel: str
    assigned_reviewer: ReviewerRef | None
    notices: NoticeCounts
    created_at: UtcDatetime
    updated_at: UtcDatetime

    @classmethod
    def of(cls, initiative: Initiative, names: dict[int, str]) -> InitiativeSummary:
        """The list view of ``initiative``; ``names`` gives reviewer usernames by id."""
        state = InitiativeState(initiative.state)
        assigned = initiative.assigned_reviewer_id
        return cls(
            id=initiative.id,
            code=initiative.code,
            title=initiative.title,
            state=state,
            state_label=state.label,
            field=initiative.field,
            participant_kind=initiative.participant_kind,
            proposer_name=initiative.proposer_name,
            unit=initiative.unit,
            locality=initiative.locality,
            channel=initiative.channel,
            assigned_reviewer=ReviewerRef(id=assigned, username=names.get(assigned, "")) if assigned else None,
            notices=NoticeCounts(**notice_summary(initiative.notices)),
            created_at=initiative.created_at,
            updated_at=initiative.updated_at,
        )


class InitiativePage(BaseModel):
    """One page of a list of submissions."""

    items: list[InitiativeSummary]
    total: int = Field(description="How many submissions match the filters in all.")
    page: int
    page_size: int


class AttachmentRead(BaseModel):
    """A file sent with a submission; download it from ``download_url`` with the bearer token."""

    id: int
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: UtcDatetime
    download_url: str

    @classmethod
    def of(cls, attachment: Attachment) -> AttachmentRead:
        """The read view of ``attachment``."""
        return cls(
            id=attachment.id,
            filename=attachment.filename,
            content_type=attachment.content_type,
            size=attachment.size,
            sha256=attachment.sha256,
            created_at=attachment.created_at,
            download_url=f"/api/initiatives/{attachment.initiative_id}/attachments/{attachment.id}",
        )


class EventKind(StrEnum):
    """What an entry of the history records."""

    CREATED = "created"
    TRANSITION = "transition"
    COMMENT = "comment"
    ASSIGNMENT = "assignment"
    REPLY = "reply"
    NOTICE = "notice"
    CONTACT_ERASED = "contact_erased"
    PERSONAL_DATA_EXPORTED = "personal_data_exported"
    PERSONAL_DATA_ERASED = "personal_data_erased"


class EventRead(BaseModel):
    """One entry of a submission's append-only history."""

    id: int
    kind: EventKind
    actor: str = Field(description='"reviewer:<username>", "submitter" or "system".')
    from_state: InitiativeState | None
    to_state: InitiativeState | None
    note: str
    internal: bool = Field(description="An internal comment, never shown to the submitter.")
    created_at: UtcDatetime

    @classmethod
    def of(cls, event: InitiativeEvent) -> EventRead:
        """The read view of ``event``."""
        return cls(
            id=event.id,
            kind=EventKind(event.kind),
            actor=event.actor,
            from_state=InitiativeState(event.from_state) if event.from_state else None,
            to_state=InitiativeState(event.to_state) if event.to_state else None,
            note=event.note,
            internal=event.internal,
            created_at=event.created_at,
        )


class NoticeRead(BaseModel):
    """A message queued for the submitter and how its delivery went."""

    id: int
    channel: str
    text: str
    status: NoticeStatus
    attempts: int
    last_error: str
    created_at: UtcDatetime
    sent_at: UtcDatetime | None

    @classmethod
    def of(cls, notice: Notice) -> NoticeRead:
        """The read view of ``notice``."""
        return cls(
            id=notice.id,
            channel=notice.channel,
            text=notice.text,
            status=NoticeStatus(notice.status),
            attempts=notice.attempts,
            last_error=notice.last_error,
            created_at=notice.created_at,
            sent_at=notice.sent_at,
        )


class SimilarRead(BaseModel):
    """An earlier submission much like this one."""

    id: int
    code: str
    title: str
    state: InitiativeState
    created_at: UtcDatetime
    score: float = Field(ge=0, le=1, description="1 means the same title or description.")
    reason: Literal["title", "description"]

    @classmethod
    def of(cls, match: SimilarMatch) -> SimilarRead:
        """The read view of ``match``."""
        return cls(
            id=match.initiative_id,
            code=match.code,
            title=match.title,
            state=InitiativeState(match.state),
            created_at=match.created_at,
            score=match.score,
            reason="title" if match.reason == "title" else "description",
        )


class InitiativeDetail(InitiativeSummary):
    """A submission in full: contact, attachments, history, notices and similar earlier submissions."""

    description: str
    benefit: str
    scope: str
    contact_phone: str
    contact_email: str
    consent_at: UtcDatetime
    allowed_transitions: list[InitiativeState] = Field(description="States a reviewer may move it to now.")
    attachments: list[AttachmentRead]
    history: list[EventRead]
    notice_log: list[NoticeRead]
    similar: list[SimilarRead]


class TransitionCreate(BaseModel):
    """A reviewer's move of a submission to another state."""

    model_config = ConfigDict(extra="forbid")

    to_state: InitiativeState = Field(description="Reviewers may not choose `withdrawn`, which is the submitter's.")
    note: str = Field(
        "",
        max_length=2000,
        description="Sent to the submitter with the notice; required for `needs_info` and `rejected`.",
    )
    internal_note: str = Field("", max_length=2000, description="Kept in the history only, never sent.")


class CommentCreate(BaseModel):
    """A comment on a submission: internal, or an answer sent to the submitter."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=2000)
    internal: StrictBool = Field(True, description="False sends the text to the submitter on their channel.")


class AssignmentUpdate(BaseModel):
    """Who reviews a submission; null assigns it to nobody."""

    model_config = ConfigDict(extra="forbid")

    reviewer_id: StrictInt | None = Field(ge=1, le=2**31 - 1)  # JSON true is no reviewer


# --- statistics -------------------------------------------------------------------------------------------------


class Count(BaseModel):
    """How many submissions have one value."""

    key: str
    label: str
    count: int


class StatsRead(BaseModel):
    """Counts of the matching submissions."""

    total: int
    by_state: list[Count]
    by_field: list[Count]
    by_locality: list[Count]
    by_month: list[Count] = Field(description="Keys are YYYY-MM, Vietnam time.")

    @classmethod
    def of(cls, stats: Stats) -> StatsRead:
        """The read view of ``stats``."""

        def plain(pairs: list[tuple[str, int]], empty: str) -> list[Count]:
            return [Count(key=key, label=key or empty, count=count) for key, count in pairs]

        return cls(
            total=stats.total,
            by_state=[Count(key=key, label=InitiativeState(key).label, count=count) for key, count in stats.by_state],
            by_field=plain(stats.by_field, "Chưa rõ"),
            by_locality=plain(stats.by_locality, "Chưa rõ"),
            by_month=[Count(key=key, label=f"Tháng {key[5:]}/{key[:4]}", count=count) for key, count in stats.by_month],
        )


class ExportFormat(StrEnum):
    """File formats of an export."""

    CSV = "csv"
    XLSX = "xlsx"


# --- plans ------------------------------------------------------------------------------------------------------


class PlanVersionRead(BaseModel):
    """One ingested version of a plan."""

    version: int
    sha256: str
    size: int
    actor: str
    created_at: UtcDatetime

    @classmethod
    def of(cls, version: DocumentVersion) -> PlanVersionRead:
        """The read view of ``version``."""
        return cls(
            version=version.version,
            sha256=version.sha256,
            size=version.size,
            actor=version.actor,
            created_at=version.created_at,
        )


class PlanRead(BaseModel):
    """A plan of the knowledge base."""

    id: int
    name: str = Field(description="File name; answers cite it.")
    title: str
    issuer: str
    level: str
    locality: str
    number: str
    date: str
    source: Literal["bundled", "upload"]
    is_active: bool
    passages: int
    version: int = Field(description="The newest version.")
    ingested_at: UtcDatetime
    removed_at: UtcDatetime | None

    @classmethod
    def of(cls, document: Document) -> PlanRead:
        """The read view of ``document``."""
        return cls(
            id=document.id,
            name=document.name,
            title=document.title,
            issuer=document.issuer,
            level=document.level,
            locality=document.locality,
            number=document.number,
            date=document.date,
            source="upload" if document.source == "upload" else "bundled",
            is_active=document.is_active,
            passages=document.passages,
            version=max((v.version for v in document.versions), default=0),
            ingested_at=document.ingested_at,
            removed_at=document.removed_at,
        )


class PlanDetail(PlanRead):
    """A plan with every version ingested, oldest first."""

    versions: list[PlanVersionRead]

    @classmethod
    def of(cls, document: Document) -> PlanDetail:
        """The read view of ``document`` with its versions."""
        return cls(
            **PlanRead.of(document).model_dump(),
            versions=[PlanVersionRead.of(version) for version in document.versions],
        )
