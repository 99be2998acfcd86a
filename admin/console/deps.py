"""Dependencies of the console pages: the signed-in reviewer (from the session cookie) and the CSRF check."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from admin.console import session as console_session
from admin.deps import SessionDep, SettingsDep
from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer, Role


@dataclass(frozen=True)
class Viewer:
    """The signed-in reviewer of a page and their session.

    ``name`` and ``is_admin`` are copied when the request starts, so an error page can still draw the menus after the
    request's database session has been rolled back.
    """

    reviewer: Reviewer
    session: console_session.ConsoleSession
    name: str
    is_admin: bool

    @classmethod
    def of(cls, reviewer: Reviewer, session: console_session.ConsoleSession) -> Viewer:
        """The viewer for ``reviewer`` in ``session``."""
        return cls(reviewer, session, reviewer.full_name or reviewer.username, reviewer.role == Role.ADMIN.value)


def get_viewer(request: Request, session: SessionDep, settings: SettingsDep) -> Viewer:
    """The reviewer the session cookie names; ``unauthorized`` (back to sign-in) otherwise."""
    opened = console_session.read(settings=settings, token=request.cookies.get(console_session.COOKIE))
    reviewer = session.get(Reviewer, opened.reviewer_id)
    if reviewer is None or not console_session.matches(reviewer, opened):
        raise ThiduaError(ErrorCode.UNAUTHORIZED, "Phiên làm việc không còn hiệu lực. Vui lòng đăng nhập lại.")
    viewer = Viewer.of(reviewer, opened)
    request.state.viewer = viewer
    return viewer


ViewerDep = Annotated[Viewer, Depends(get_viewer)]


def get_admin_viewer(viewer: ViewerDep) -> Viewer:
    """The signed-in reviewer when they are an admin; ``forbidden`` otherwise."""
    if not viewer.is_admin:
        raise ThiduaError(ErrorCode.FORBIDDEN, "Trang này chỉ dành cho quản trị viên.")
    return viewer


AdminViewerDep = Annotated[Viewer, Depends(get_admin_viewer)]

_CSRF_REFUSED = "Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã bảo vệ). Vui lòng tải lại trang rồi thử lại."


async def require_csrf(request: Request, viewer: ViewerDep) -> Viewer:
    """The viewer, once the request carries the session's CSRF token (form field or header); ``forbidden`` else."""
    given = request.headers.get(console_session.CSRF_HEADER)
    if given is None:
        form = await request.form()
        field = form.get(console_session.CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not console_session.csrf_ok(viewer.session.csrf, given):
        raise ThiduaError(ErrorCode.FORBIDDEN, _CSRF_REFUSED)
    return viewer


CheckedViewer = Annotated[Viewer, Depends(require_csrf)]


async def require_admin_csrf(viewer: AdminViewerDep, _checked: CheckedViewer) -> Viewer:
    """An admin's request carrying the CSRF token; ``forbidden`` for other reviewers."""
    return viewer


CheckedAdmin = Annotated[Viewer, Depends(require_admin_csrf)]
