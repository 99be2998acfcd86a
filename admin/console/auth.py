"""Sign-in, sign-out and password change of the console."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from admin.console import render
from admin.console import session as console_session
from admin.console.deps import CheckedViewer, ViewerDep
from admin.deps import SessionDep, SettingsDep
from core.errors import ErrorCode, ThiduaError
from core.reviewers import authenticate, change_own_password

router = APIRouter(prefix="/admin")

NextQuery = Annotated[str | None, Query(alias="next", max_length=500)]
_LOGIN_MINUTES = 30


@router.get("/login")
def sign_in_page(request: Request, settings: SettingsDep, next_page: NextQuery = None) -> Response:
    """The sign-in form; it carries its own CSRF token, as there is no session yet."""
    token = secrets.token_urlsafe(24)
    response = render.page(request, "login.html", {"login_csrf": token, "next": render.safe_back(next_page)})
    console_session.set_cookie(
        response, settings=settings, name=console_session.LOGIN_CSRF_COOKIE, value=token, minutes=_LOGIN_MINUTES
    )
    return response


@router.post("/login")
def sign_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next_page: Annotated[str, Form(alias="next", max_length=500)] = "/admin",
) -> Response:
    """Check the account (lock-out included) and open a session."""
    if not console_session.csrf_ok(request.cookies.get(console_session.LOGIN_CSRF_COOKIE, ""), csrf_token):
        raise ThiduaError(ErrorCode.FORBIDDEN, "Biểu mẫu đăng nhập đã hết hạn. Vui lòng tải lại trang rồi thử lại.")
    reviewer = authenticate(session=session, settings=settings, username=username, password=password)
    opened = console_session.start(reviewer=reviewer)
    response = render.redirect(request, render.safe_back(next_page))
    value = console_session.issue(settings=settings, session=opened)
    console_session.set_cookie(
        response, settings=settings, name=console_session.COOKIE, value=value, minutes=settings.console_idle_minutes
    )
    console_session.clear_cookie(response, settings=settings, name=console_session.LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def sign_out(request: Request, settings: SettingsDep, _viewer: CheckedViewer) -> Response:
    """End the session."""
    request.state.viewer = None
    response = render.redirect(request, "/admin/login", ok="Đã đăng xuất.")
    console_session.clear_cookie(response, settings=settings)
    return response


@router.get("/password")
def password_page(request: Request, _viewer: ViewerDep) -> Response:
    """The password change form."""
    return render.page(request, "password.html")


@router.post("/password")
def change_password(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CheckedViewer,
    current: Annotated[str, Form(max_length=256)],
    new: Annotated[str, Form(max_length=256)],
    repeated: Annotated[str, Form(max_length=256)],
) -> Response:
    """Change one's own password; other sessions of the account end, this one goes on."""
    reviewer = change_own_password(
        session=session, settings=settings, reviewer=viewer.reviewer, current=current, new=new, repeated=repeated
    )
    request.state.viewer = type(viewer).of(reviewer, console_session.start(reviewer=reviewer))
    return render.redirect(request, "/admin/password", ok="Đã đổi mật khẩu.")
