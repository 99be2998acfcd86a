"""Every table of the product."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base
from core.states import InitiativeState

__all__ = ["InitiativeState"]  # kept here too: the tables and their callers name it with the models


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class Role(StrEnum):
    """What a reviewer account may do."""

    REVIEWER = "reviewer"
    ADMIN = "admin"


class NoticeStatus(StrEnum):
    """Delivery of a notice to a submitter."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class Reviewer(Base):
    """An account of the office that reviews submissions."""

    __tablename__ = "reviewers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.REVIEWER.value)
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Initiative(Base):
    """A submitted initiative (sáng kiến)."""

    __tablename__ = "initiatives"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    submission_key: Mapped[str] = mapped_column(String(128), unique=True)  # makes a repeated confirmation a no-op
    state: Mapped[str] = mapped_column(String(16), default=InitiativeState.SUBMITTED.value, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    proposer_name: Mapped[str] = mapped_column(String(200))
    participant_kind: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(300), default="")
    locality: Mapped[str] = mapped_column(String(200), default="", index=True)
    field: Mapped[str] = mapped_column(String(200), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text)
    benefit: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    contact_phone: Mapped[str] = mapped_column(String(32), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    consent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Notices also go to the e-mail / phone (Zalo ZNS) given, unless the submitter opted out.
    contact_notices: Mapped[bool] = mapped_column(default=True, server_default=true())
    search_text: Mapped[str] = mapped_column(Text, default="")  # folded title, description, names
    assigned_reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("reviewers.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="Attachment.id"
    )
    events: Mapped[list[InitiativeEvent]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="InitiativeEvent.id"
    )
    notices: Mapped[list[Notice]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="Notice.id"
    )


class Attachment(Base):
    """A file sent with an initiative; the bytes live in the uploads folder."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiatives.id"), nullable=True, index=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    initiative: Mapped[Initiative | None] = relationship(back_populates="attachments")


class InitiativeEvent(Base):
    """Append-only history of a submission: state changes, comments, assignments, submitter replies, notices."""

    __tablename__ = "initiative_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # admin.schemas.EventKind: created, transition, comment, …
    actor: Mapped[str] = mapped_column(String(128))  # "reviewer:<username>", "submitter", "system"
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    initiative: Mapped[Initiative] = relationship(back_populates="events")


class Notice(Base):
    """Outbox of messages to a submitter, delivered by the channel they used, retried until sent or failed."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("copy_of_id", "channel"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiatives.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=NoticeStatus.PENDING.value, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # A copy to the submitter's e-mail or phone of the notice with this id (sent on the chat channel).
    copy_of_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)

    initiative: Mapped[Initiative] = relationship(back_populates="notices")


class Conversation(Base):
    """Dialog state of one user on one channel, shared by every worker."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(128))
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    locality: Mapped[str | None] = mapped_column(String(200), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProcessedUpdate(Base):
    """A channel update already handled (Telegram update_id, Zalo msg_id, web message id), so repeats are dropped."""

    __tablename__ = "processed_updates"
    __table_args__ = (UniqueConstraint("channel", "update_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # What was answered, for channels whose answer travels in the HTTP response (a lost response is asked again).
    replies: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True, default=None)


class RateCounter(Base):
    """Requests counted per key (a client address) and one-minute window, shared by every worker."""

    __tablename__ = "rate_counters"
    __table_args__ = (UniqueConstraint("key", "window"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    window: Mapped[int] = mapped_column(Integer, index=True)  # minutes since the epoch
    count: Mapped[int] = mapped_column(Integer, default=0)


class ChannelToken(Base):
    """Access and refresh tokens of a channel account (the Zalo OA), rotated atomically."""

    __tablename__ = "channel_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class Document(Base):
    """A plan in the knowledge base (bundled or uploaded)."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)  # file name, the `document` of sources
    title: Mapped[str] = mapped_column(Text, default="")
    issuer: Mapped[str] = mapped_column(String(300), default="")
    level: Mapped[str] = mapped_column(String(32), default="")
    locality: Mapped[str] = mapped_column(String(200), default="")
    number: Mapped[str] = mapped_column(String(64), default="")
    date: Mapped[str] = mapped_column(String(32), default="")
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # the full PlanMeta
    sha256: Mapped[str] = mapped_column(String(64), default="")
    passages: Mapped[int] = mapped_column(Integer, default=0)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(String(16), default="bundled")  # bundled | upload
    is_active: Mapped[bool] = mapped_column(default=True)
    ingested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", cascade="all, delete-orphan", order_by="DocumentVersion.version"
    )


class DocumentVersion(Base):
    """One ingested version of a plan, kept with its date."""

    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)
    storage_path: Mapped[str] = mapped_column(String(500), default="")
    actor: Mapped[str] = mapped_column(String(128), default="system")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    document: Mapped[Document] = relationship(back_populates="versions")


Index("ix_initiatives_channel_user", Initiative.channel, Initiative.channel_user_id)


class LookupAttempt(Base):
    """One try to read a submission by code and contact, per key (a chat user, an address, a code), for the limit."""

    __tablename__ = "lookup_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
