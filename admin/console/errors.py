"""Failures on console and plan pages become pages in Vietnamese (never JSON, never a stack trace).

A missing or expired session goes back to sign-in; a refused form goes back where it came from with the reason;
anything else is an error page with the status the API would give.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from admin.console import render
from admin.console import session as console_session
from admin.errors import STATUS_BY_CODE, status_detail, validation_detail
from core.errors import ErrorCode, ThiduaError

Handler = Callable[[Request, Exception], Awaitable[Response]]
PAGE_PREFIXES = ("/admin", "/plans/")
SIGN_IN = "/admin/login"


def is_page(request: Request) -> bool:
    """Whether the request is for a console or plan page (not the JSON API)."""
    return request.url.path.startswith(PAGE_PREFIXES)


def _to_sign_in(request: Request, detail: str) -> Response:
    back = render.safe_back(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    target = SIGN_IN if request.method != "GET" or back == "/admin" else f"{SIGN_IN}?next={quote(back, safe='')}"
    request.state.viewer = None
    response = render.redirect(request, target, error=detail)
    console_session.clear_cookie(response, settings=render.settings_of(request))
    return response


def _error_page(request: Request, status: int, detail: str) -> Response:
    return render.page(request, "error.html", {"status": status, "detail": detail}, status=status)


def _failure(request: Request, code: ErrorCode, detail: str, status: int) -> Response:
    if code is ErrorCode.UNAUTHORIZED and request.url.path.startswith("/admin") and request.url.path != SIGN_IN:
        return _to_sign_in(request, detail)
    if request.method == "POST" and status not in {403, 404} and request.url.path.startswith("/admin"):
        return render.redirect(request, render.safe_back(request.headers.get("referer")), error=detail)
    return _error_page(request, status, detail)


def _console_aware(json_handler: Handler) -> Handler:
    async def handle(request: Request, exc: Exception) -> Response:
        if not is_page(request):
            return await json_handler(request, exc)
        if isinstance(exc, ThiduaError):
            return _failure(request, exc.code, exc.detail, STATUS_BY_CODE.get(exc.code, 400))
        if isinstance(exc, RequestValidationError):
            return _failure(request, ErrorCode.VALIDATION, validation_detail(exc.errors()), 422)
        assert isinstance(exc, StarletteHTTPException)
        detail = status_detail(exc.status_code)
        return _error_page(request, exc.status_code, detail)

    return handle


def install_page_errors(app: FastAPI) -> None:
    """Wrap the API's error handlers so console and plan pages answer with pages."""
    for exc_type in (ThiduaError, RequestValidationError, StarletteHTTPException):
        json_handler = app.exception_handlers[exc_type]
        app.add_exception_handler(exc_type, _console_aware(json_handler))  # type: ignore[arg-type]
