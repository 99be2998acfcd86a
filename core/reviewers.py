"""Reviewer accounts: creation, changes, password hashing (argon2) and login with lock-out."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer, Role
from core.settings import Settings
from core.vietnamese import nfc, squash_spaces

logger = logging.getLogger(__name__)

USERNAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{2,63}$"
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256

password_hash = PasswordHash((Argon2Hasher(),))
# Verified against when the username is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = password_hash.hash("thidua-dummy-password")


class ReviewerCreate(BaseModel):
    """A new account, as the CLI or an admin gives it."""

    model_config = ConfigDict(str_strip_whitespace=True)

    username: str = Field(pattern=USERNAME_PATTERN, description="Lower-case letters, digits, dot, dash, underscore.")
    password: str = Field(min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS)
    full_name: str = Field("", max_length=200)
    role: Role = Role.REVIEWER

    @field_validator("username", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("full_name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return squash_spaces(nfc(value))


class ReviewerUpdate(BaseModel):
    """Changes an admin makes to an account; omitted fields stay as they are."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    full_name: str | None = Field(None, max_length=200)
    role: Role | None = None
    is_active: StrictBool | None = None  # JSON true or false, not 1 or "yes"
    password: str | None = Field(None, min_length=MIN_PASSWORD_CHARS, max_length=MAX_PASSWORD_CHARS)
    unlock: StrictBool = Field(False, description="Clear failed logins and any lock.")

    @field_validator("full_name")
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        return squash_spaces(nfc(value)) if value is not None else None


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return password_hash.hash(password)


def create_reviewer(*, session: Session, reviewer_in: ReviewerCreate) -> Reviewer:
    """Create an account; a taken username is a conflict."""
    if session.scalar(select(Reviewer.id).where(Reviewer.username == reviewer_in.username)) is not None:
        raise ThiduaError(ErrorCode.CONFLICT, f"Tên đăng nhập “{reviewer_in.username}” đã có người dùng.")
    reviewer = Reviewer(
        username=reviewer_in.username,
        full_name=reviewer_in.full_name,
        password_hash=hash_password(reviewer_in.password),
        role=reviewer_in.role.value,
        is_active=True,
        failed_logins=0,
        created_at=datetime.now(UTC),
    )
    savepoint = session.begin_nested()
    try:
        session.add(reviewer)
        session.flush()
    except IntegrityError as exc:
        savepoint.rollback()
        raise ThiduaError(ErrorCode.CONFLICT, f"Tên đăng nhập “{reviewer_in.username}” đã có người dùng.") from exc
    savepoint.commit()
    logger.info("reviewer account created: %s (%s)", reviewer.username, reviewer.role)
    return reviewer


def get_reviewer(*, session: Session, reviewer_id: int) -> Reviewer:
    """The account with ``reviewer_id``, or a not-found error."""
    reviewer = session.get(Reviewer, reviewer_id)
    if reviewer is None:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy tài khoản số {reviewer_id}.")
    return reviewer


def list_reviewers(*, session: Session, include_inactive: bool = True) -> list[Reviewer]:
    """Every account, by username."""
    query = select(Reviewer).order_by(Reviewer.username)
    if not include_inactive:
        query = query.where(Reviewer.is_active.is_(True))
    return list(session.scalars(query))


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Reviewer)
            .where(Reviewer.role == Role.ADMIN.value, Reviewer.is_active.is_(True))
        )
        or 0
    )


def update_reviewer(*, session: Session, reviewer: Reviewer, reviewer_in: ReviewerUpdate) -> Reviewer:
    """Apply an admin's changes; the last active admin cannot be demoted or deactivated."""
    loses_admin = reviewer.role == Role.ADMIN.value and (
        (reviewer_in.role is not None and reviewer_in.role != Role.ADMIN) or reviewer_in.is_active is False
    )
    if loses_admin and reviewer.is_active and _active_admins(session) <= 1:
        raise ThiduaError(ErrorCode.CONFLICT, "Không thể bỏ quyền hoặc khóa quản trị viên cuối cùng.")
    if reviewer_in.full_name is not None:
        reviewer.full_name = reviewer_in.full_name
    if reviewer_in.role is not None:
        reviewer.role = reviewer_in.role.value
    if reviewer_in.is_active is not None:
        reviewer.is_active = reviewer_in.is_active
    if reviewer_in.password is not None:
        reviewer.password_hash = hash_password(reviewer_in.password)
    if reviewer_in.unlock or reviewer_in.password is not None:
        reviewer.failed_logins = 0
        reviewer.locked_until = None
    session.flush()
    logger.info("reviewer account changed: %s", reviewer.username)
    return reviewer


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; every stored time is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def is_locked(reviewer: Reviewer, now: datetime | None = None) -> bool:
    """Tell whether the account is locked at ``now``."""
    locked_until = _aware(reviewer.locked_until)
    return locked_until is not None and locked_until > (now or datetime.now(UTC))


# One answer for an unknown name, a wrong password, an inactive and a locked account, so none can be told apart.
_BAD_CREDENTIALS = (
    "Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đang tạm khóa do đăng nhập sai nhiều lần. "
    "Vui lòng kiểm tra lại hoặc thử lại sau ít phút."
)


def _verify(password: str, stored: str) -> tuple[bool, str | None]:
    if len(password) > MAX_PASSWORD_CHARS:
        password_hash.verify(password[:MAX_PASSWORD_CHARS], stored)  # the same cost as any other attempt
        return False, None
    return password_hash.verify_and_update(password, stored)


def count_failed_login(*, session: Session, settings: Settings, reviewer_id: int, now: datetime) -> int | None:
    """Count one failed login in one atomic statement and commit it; the new count, or None while locked.

    The statement reads and writes the row at once, so parallel guesses are each counted and the lock comes exactly
    at ``login_max_failures``; while the account is locked nothing is counted; an expired lock starts a new count.
    """
    expired = and_(Reviewer.locked_until.is_not(None), Reviewer.locked_until <= now)
    count = case((expired, 1), else_=Reviewer.failed_logins + 1)
    until = now + timedelta(minutes=settings.login_lock_minutes)
    row = session.execute(
        update(Reviewer)
        .where(Reviewer.id == reviewer_id, or_(Reviewer.locked_until.is_(None), Reviewer.locked_until <= now))
        .values(
            failed_logins=count,
            locked_until=case(
                (count >= settings.login_max_failures, until), (expired, None), else_=Reviewer.locked_until
            ),
        )
        .returning(Reviewer.failed_logins)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    return None if row is None else int(row[0])


def authenticate(*, session: Session, settings: Settings, username: str, password: str) -> Reviewer:
    """The account when ``username`` and ``password`` match; otherwise an ``unauthorized`` error, counting the failure.

    Every failure (unknown name, wrong password, inactive or locked account) gets the same answer after the same
    password check. The read ends before the slow check, and a failure is counted in its own committed transaction,
    so rolling back the request cannot erase it; ``login_max_failures`` failures lock the account for
    ``login_lock_minutes``.
    """
    now = datetime.now(UTC)
    name = username.strip().lower()
    reviewer = session.scalar(select(Reviewer).where(Reviewer.username == name)) if len(name) <= 64 else None
    session.commit()  # no lock is held (SQLite's write lock, a PostgreSQL snapshot) during the password check
    valid, new_hash = _verify(password, reviewer.password_hash if reviewer is not None else _DUMMY_HASH)
    if reviewer is None:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _BAD_CREDENTIALS)
    if not valid:
        failures = count_failed_login(session=session, settings=settings, reviewer_id=reviewer.id, now=now)
        if failures is not None and failures >= settings.login_max_failures:
            logger.warning("reviewer account locked after repeated failed logins: %s", reviewer.username)
        else:
            logger.info("failed login for reviewer account: %s", reviewer.username)
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _BAD_CREDENTIALS)
    session.refresh(reviewer)
    if is_locked(reviewer, now) or not reviewer.is_active:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _BAD_CREDENTIALS)
    if new_hash is not None:
        reviewer.password_hash = new_hash
    reviewer.failed_logins = 0
    reviewer.locked_until = None
    session.flush()
    return reviewer


def change_own_password(
    *, session: Session, settings: Settings, reviewer: Reviewer, current: str, new: str, repeated: str
) -> Reviewer:
    """A reviewer changes their own password after giving the current one (a wrong one counts as a failed login)."""
    if new != repeated:
        raise ThiduaError(ErrorCode.VALIDATION, "Mật khẩu mới nhập lại không khớp.")
    if not MIN_PASSWORD_CHARS <= len(new) <= MAX_PASSWORD_CHARS:
        raise ThiduaError(ErrorCode.VALIDATION, f"Mật khẩu mới cần từ {MIN_PASSWORD_CHARS} đến 256 ký tự.")
    try:
        authenticate(session=session, settings=settings, username=reviewer.username, password=current)
    except ThiduaError as exc:
        if exc.code is not ErrorCode.UNAUTHORIZED:
            raise
        raise ThiduaError(ErrorCode.VALIDATION, "Mật khẩu hiện tại không đúng.") from exc
    return update_reviewer(session=session, reviewer=reviewer, reviewer_in=ReviewerUpdate(password=new))
