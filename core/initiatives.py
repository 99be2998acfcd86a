"""The initiative domain: schemas, the state machine and the service functions that create and read submissions."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import ErrorCode, ThiduaError
from core.models import Attachment, Initiative, InitiativeEvent, InitiativeState
from core.vietnamese import fold, nfc, squash_spaces

PARTICIPANT_KINDS = ("Cá nhân", "Tập thể", "Doanh nghiệp", "Cán bộ, công chức, viên chức", "Trường học", "Khác")
FIELDS = (
    "Khoa học, công nghệ",
    "Đổi mới sáng tạo",
    "Chuyển đổi số",
    "Cải cách hành chính",
    "Kinh tế số, doanh nghiệp",
    "Giáo dục, đào tạo",
    "Y tế",
    "An ninh mạng, an toàn thông tin",
    "Văn hóa, xã hội",
    "Khác",
)

# Derived from the state policy (core.states); kept for callers that read them as tables.
TRANSITIONS: dict[InitiativeState, frozenset[InitiativeState]] = {state: state.next_states for state in InitiativeState}
STATE_LABELS: dict[InitiativeState, str] = {state: state.label for state in InitiativeState}

_PHONE = re.compile(r"^(?:\+?84|0)(?:3|5|7|8|9)\d{8}$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")
CODE_PATTERN = re.compile(r"\bSK-\d{4}-\d{6}\b", re.IGNORECASE)


def normalise_phone(text: str) -> str | None:
    """A Vietnamese mobile number in the form 0xxxxxxxxx, or None when ``text`` is not one."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if not _PHONE.match(digits):
        return None
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def normalise_email(text: str) -> str | None:
    """A lower-cased e-mail address, or None when ``text`` is not one."""
    candidate = text.strip()
    return candidate.lower() if _EMAIL.match(candidate) and len(candidate) <= 254 else None


def _clean(value: str) -> str:
    return squash_spaces(nfc(value))


class InitiativeCreate(BaseModel):
    """What the initiative form collects; validated again here whatever the channel checked."""

    model_config = ConfigDict(str_strip_whitespace=True)

    channel: str = Field(min_length=1, max_length=16)
    channel_user_id: str = Field(min_length=1, max_length=128)
    submission_key: str = Field(min_length=8, max_length=128)
    proposer_name: str = Field(min_length=2, max_length=200)
    participant_kind: str = Field(min_length=1, max_length=64)
    unit: str = Field("", max_length=300)
    locality: str = Field("", max_length=200)
    field: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=5, max_length=300)
    description: str = Field(min_length=20, max_length=5000)
    benefit: str = Field("", max_length=3000)
    scope: str = Field("", max_length=3000)
    contact_phone: str = Field("", max_length=32)
    contact_email: str = Field("", max_length=254)
    consent: bool
    attachment_ids: list[int] = Field(default_factory=list, max_length=10)

    @field_validator("proposer_name", "unit", "locality", "field", "title", "participant_kind")
    @classmethod
    def _one_line(cls, value: str) -> str:
        return _clean(value)

    @field_validator("description", "benefit", "scope")
    @classmethod
    def _nfc(cls, value: str) -> str:
        return nfc(value).strip()

    @model_validator(mode="after")
    def _contact_and_consent(self) -> InitiativeCreate:
        if not self.consent:
            raise ValueError("consent to personal-data processing is required")
        phone = normalise_phone(self.contact_phone) if self.contact_phone else ""
        email = normalise_email(self.contact_email) if self.contact_email else ""
        if phone is None or email is None or not (phone or email):
            raise ValueError("a valid Vietnamese phone number or e-mail address is required")
        self.contact_phone, self.contact_email = phone, email
        return self


def format_code(initiative_id: int, year: int) -> str:
    """The receipt code, e.g. ``SK-2026-000123``."""
    return f"SK-{year}-{initiative_id:06d}"


def create_initiative(*, session: Session, initiative_in: InitiativeCreate) -> Initiative:
    """Store a submission once: a second call with the same ``submission_key`` returns the first one."""
    existing = session.scalar(select(Initiative).where(Initiative.submission_key == initiative_in.submission_key))
    if existing is not None:
        return existing
    now = datetime.now(UTC)
    data = initiative_in.model_dump(exclude={"consent", "attachment_ids"})
    initiative = Initiative(
        **data,
        code=f"tmp-{initiative_in.submission_key}"[:32],
        consent_at=now,
        created_at=now,
        updated_at=now,
        state=InitiativeState.SUBMITTED.value,
        search_text=fold(" ".join([initiative_in.title, initiative_in.description, initiative_in.proposer_name])),
    )
    savepoint = session.begin_nested()
    try:
        session.add(initiative)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        existing = session.scalar(select(Initiative).where(Initiative.submission_key == initiative_in.submission_key))
        if existing is None:
            raise
        return existing
    savepoint.commit()
    initiative.code = format_code(initiative.id, now.year)
    if initiative_in.attachment_ids:
        for attachment in session.scalars(
            select(Attachment).where(
                Attachment.id.in_(initiative_in.attachment_ids),
                Attachment.channel == initiative_in.channel,
                Attachment.channel_user_id == initiative_in.channel_user_id,
                Attachment.initiative_id.is_(None),
            )
        ):
            attachment.initiative_id = initiative.id
    session.add(
        InitiativeEvent(
            initiative_id=initiative.id,
            kind="created",
            actor="submitter",
            to_state=InitiativeState.SUBMITTED.value,
            note=f"Gửi qua kênh {initiative_in.channel}",
            created_at=now,
        )
    )
    session.flush()
    return initiative


def get_by_code(*, session: Session, code: str) -> Initiative:
    """The submission with receipt ``code`` (case-insensitive), or a not-found error."""
    initiative = session.scalar(select(Initiative).where(Initiative.code == code.strip().upper()))
    if initiative is None:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy sáng kiến có mã {code.strip().upper()}.")
    return initiative


def find_own(*, session: Session, code: str, channel: str, channel_user_id: str) -> Initiative | None:
    """The submission with receipt ``code`` if this chat user made it; None otherwise (never revealing which)."""
    return session.scalar(
        select(Initiative).where(
            Initiative.code == code.strip().upper(),
            Initiative.channel == channel,
            Initiative.channel_user_id == channel_user_id,
        )
    )


def attachment_names(*, session: Session, attachment_ids: list[int]) -> list[str]:
    """File names of the given attachments, in the order they were sent."""
    if not attachment_ids:
        return []
    rows = session.scalars(select(Attachment).where(Attachment.id.in_(attachment_ids)).order_by(Attachment.id))
    return [row.filename for row in rows]


def list_for_submitter(*, session: Session, channel: str, channel_user_id: str, limit: int = 10) -> list[Initiative]:
    """The newest submissions a chat user made."""
    return list(
        session.scalars(
            select(Initiative)
            .where(Initiative.channel == channel, Initiative.channel_user_id == channel_user_id)
            .order_by(Initiative.id.desc())
            .limit(limit)
        )
    )


def check_transition(current: str, target: str) -> InitiativeState:
    """The target state when the move is legal; an ``illegal_transition`` error otherwise."""
    try:
        source, goal = InitiativeState(current), InitiativeState(target)
    except ValueError as exc:
        raise ThiduaError(ErrorCode.VALIDATION, f"Trạng thái không hợp lệ: {target}.") from exc
    if goal not in source.next_states:
        raise ThiduaError(ErrorCode.ILLEGAL_TRANSITION, f"Không thể chuyển từ “{source.label}” sang “{goal.label}”.")
    return goal
