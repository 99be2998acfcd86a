"""Rendering console pages: the Jinja2 environment, the page frame's context, flash messages and redirects."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import RedirectResponse, Response

from admin.console import session as console_session
from admin.console.deps import Viewer
from core.models import InitiativeState
from core.review import VIETNAM_TZ
from core.settings import Settings

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
FLASH_COOKIE = "thidua_flash"
# Every page's assets are the app's own; nothing inline runs, and no other site may frame a page.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self'; script-src 'self'; style-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

templates = Jinja2Templates(directory=TEMPLATES_DIR)


def _local(moment: datetime | None, pattern: str = "%d/%m/%Y %H:%M") -> str:
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(VIETNAM_TZ).strftime(pattern)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MB".replace(".", ",")
    if count >= 1024:
        return f"{count / 1024:.0f} KB"
    return f"{count} byte"


def _actor(actor: str) -> str:
    if actor == "submitter":
        return "người đề xuất"
    if actor == "system":
        return "hệ thống"
    return actor.removeprefix("reviewer:")


templates.env.filters["local"] = _local
templates.env.filters["actor"] = _actor
templates.env.filters["size"] = _size
templates.env.filters["state_label"] = lambda value: InitiativeState(value).label
templates.env.filters["number"] = lambda value: f"{int(value):,}".replace(",", ".")


def settings_of(request: Request) -> Settings:
    """The settings of the running app."""
    settings: Settings = request.app.state.runtime.settings
    return settings


def _flash(request: Request) -> tuple[str, str] | None:
    raw = unquote(request.cookies.get(FLASH_COOKIE, ""))
    if ":" not in raw:
        return None
    kind, _, text = raw.partition(":")
    return (kind if kind in {"ok", "error"} else "ok"), text[:500]


def _keep_session(request: Request, response: Response) -> Response:
    """Re-issue the session cookie (the idle expiry restarts) and drop a shown flash message."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    settings = settings_of(request)
    if viewer is not None:
        value = console_session.issue(settings=settings, session=viewer.session)
        console_session.set_cookie(
            response,
            settings=settings,
            name=console_session.COOKIE,
            value=value,
            minutes=settings.console_idle_minutes,
        )
    return response


def page(request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200) -> Response:
    """A full page in the console frame; the session is kept alive and a pending flash message is shown once."""
    viewer: Viewer | None = getattr(request.state, "viewer", None)
    values = {
        "viewer": viewer,
        "csrf_token": viewer.session.csrf if viewer else "",
        "flash": _flash(request),
        "path": request.url.path,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, template, values, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["Referrer-Policy"] = "same-origin"
    if values["flash"] is not None:
        response.delete_cookie(FLASH_COOKIE, path=console_session.COOKIE_PATH)
    return _keep_session(request, response)


def safe_back(target: str | None, default: str = "/admin") -> str:
    """A same-site path to go back to: the path and query of ``target`` when it lies under /admin, else ``default``."""
    if not target:
        return default
    parts = urlsplit(target)
    path = parts.path
    if not path.startswith("/admin") or path.startswith("//") or "\\" in path:
        return default
    return path + (f"?{parts.query}" if parts.query else "")


def redirect(request: Request, url: str, *, ok: str | None = None, error: str | None = None) -> Response:
    """A 303 to ``url`` (after a form), carrying a message to show on the next page."""
    response = RedirectResponse(url, status_code=303)
    message = ("error", error) if error else ("ok", ok) if ok else None
    if message is not None:
        response.set_cookie(
            FLASH_COOKIE,
            quote(f"{message[0]}:{message[1][:500]}"),
            max_age=60,
            path=console_session.COOKIE_PATH,
            httponly=True,
            samesite="lax",
            secure=settings_of(request).environment == "production",
        )
    return _keep_session(request, response)
