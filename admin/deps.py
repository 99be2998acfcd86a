"""Dependencies of the admin routes: the runtime, a database session, the current reviewer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.orm import Session, sessionmaker

from admin.security import reviewer_id_from_token, token_matches
from core.db import session_scope
from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer, Role
from core.settings import Settings
from knowledge.ingest import DocumentResult

TOKEN_URL = "/api/auth/token"  # noqa: S105 - a path, not a secret


class AdminRuntime(Protocol):
    """What the admin routes need from ``app.state.runtime`` (``thidua.runtime.Runtime`` provides it)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def sessions(self) -> sessionmaker[Session]: ...

    def ingest_upload(self, *, path: Path, name: str, meta: dict[str, Any], actor: str) -> DocumentResult:
        """Add or replace an uploaded plan and reload the answers."""
        ...

    def remove_plan(self, name: str) -> DocumentResult:
        """Take a plan out of the knowledge base and reload the answers."""
        ...


def get_runtime(request: Request) -> AdminRuntime:
    """The runtime the app was built with."""
    runtime: AdminRuntime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[AdminRuntime, Depends(get_runtime)]


def get_settings(runtime: RuntimeDep) -> Settings:
    """The settings of the running app."""
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One unit of work per request: committed before the response is sent, rolled back on any error."""
    with session_scope(runtime.sessions) as session:
        yield session


# "function" scope ends the unit of work before the response leaves, so a client never sees an uncommitted success.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

_LOGIN_REQUIRED = "Cần đăng nhập để thực hiện thao tác này."


def get_current_reviewer(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> Reviewer:
    """The active reviewer a valid bearer token names; ``unauthorized`` for a missing, expired or wrong token."""
    if not token:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _LOGIN_REQUIRED)
    reviewer_id, stamp = reviewer_id_from_token(settings=settings, token=token)
    reviewer = session.get(Reviewer, reviewer_id)
    if reviewer is None or not reviewer.is_active or not token_matches(reviewer, stamp):
        raise ThiduaError(ErrorCode.UNAUTHORIZED, "Phiên đăng nhập không còn hiệu lực. Vui lòng đăng nhập lại.")
    return reviewer


CurrentReviewer = Annotated[Reviewer, Depends(get_current_reviewer)]


def get_current_admin(reviewer: CurrentReviewer) -> Reviewer:
    """The current reviewer when they are an admin; ``forbidden`` otherwise."""
    if reviewer.role != Role.ADMIN.value:
        raise ThiduaError(ErrorCode.FORBIDDEN, "Chỉ quản trị viên mới được thực hiện thao tác này.")
    return reviewer


CurrentAdmin = Annotated[Reviewer, Depends(get_current_admin)]
