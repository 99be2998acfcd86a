"""The console's sign-in session: a signed cookie with an idle expiry, and the CSRF token every form carries.

The cookie holds a JWT naming the reviewer, the password stamp (a password change ends every session), the time of
sign-in (sessions end after ``access_token_minutes`` whatever happens) and a random CSRF token. It is re-issued on
every signed-in request, so it expires after ``console_idle_minutes`` without one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from starlette.responses import Response

from admin.security import password_stamp
from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer
from core.settings import Settings

COOKIE = "thidua_console"
LOGIN_CSRF_COOKIE = "thidua_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/admin"
_AUDIENCE = "thidua-console"
_ALGORITHM = "HS256"
_EXPIRED = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."


@dataclass(frozen=True)
class ConsoleSession:
    """A valid session: who, since when, and its CSRF token."""

    reviewer_id: int
    stamp: str
    signed_in_at: datetime
    csrf: str


def _key(settings: Settings) -> bytes:
    return hashlib.sha256(b"thidua-console-session:" + settings.secret_key.encode()).digest()


def issue(*, settings: Settings, session: ConsoleSession, now: datetime | None = None) -> str:
    """The cookie value for ``session``, valid for the idle time from ``now``."""
    moment = now or datetime.now(UTC)
    claims = {
        "sub": str(session.reviewer_id),
        "aud": _AUDIENCE,
        "pws": session.stamp,
        "auth": int(session.signed_in_at.timestamp()),
        "csrf": session.csrf,
        "iat": int(moment.timestamp()),
        "exp": int((moment + timedelta(minutes=settings.console_idle_minutes)).timestamp()),
    }
    return jwt.encode(claims, _key(settings), algorithm=_ALGORITHM)


def start(*, reviewer: Reviewer, now: datetime | None = None) -> ConsoleSession:
    """A new session for ``reviewer``, who has just signed in."""
    return ConsoleSession(
        reviewer_id=reviewer.id,
        stamp=password_stamp(reviewer),
        signed_in_at=now or datetime.now(UTC),
        csrf=secrets.token_urlsafe(32),
    )


def read(*, settings: Settings, token: str | None, now: datetime | None = None) -> ConsoleSession:
    """The session a cookie holds; ``unauthorized`` when it is missing, forged, idle too long or too old."""
    if not token:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, "Cần đăng nhập để vào trang quản trị.")
    moment = now or datetime.now(UTC)
    try:
        claims = jwt.decode(
            token,
            _key(settings),
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub", "aud", "auth", "csrf"], "verify_exp": False},
        )
        session = ConsoleSession(
            reviewer_id=int(claims["sub"]),
            stamp=str(claims.get("pws", "")),
            signed_in_at=datetime.fromtimestamp(int(claims["auth"]), UTC),
            csrf=str(claims["csrf"]),
        )
        expires = datetime.fromtimestamp(int(claims["exp"]), UTC)
    except (jwt.PyJWTError, ValueError, TypeError, KeyError) as exc:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _EXPIRED) from exc
    too_old = moment - session.signed_in_at > timedelta(minutes=settings.access_token_minutes)
    if expires <= moment or too_old:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _EXPIRED)
    return session


def matches(reviewer: Reviewer, session: ConsoleSession) -> bool:
    """Whether the account is still the one the session was opened for (same password, still active)."""
    return reviewer.is_active and hmac.compare_digest(session.stamp, password_stamp(reviewer))


def csrf_ok(expected: str, given: str | None) -> bool:
    """Whether a form's CSRF token is the session's."""
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def set_cookie(response: Response, *, settings: Settings, name: str, value: str, minutes: int) -> None:
    """Set one of the console's cookies: HttpOnly, SameSite=Lax, Secure in production."""
    response.set_cookie(
        name,
        value,
        max_age=minutes * 60,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )


def clear_cookie(response: Response, *, settings: Settings, name: str = COOKIE) -> None:
    """End a cookie."""
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="lax", secure=settings.environment == "production"
    )
