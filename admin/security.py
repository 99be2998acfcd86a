"""Signed, expiring access tokens (JWT, HS256) for reviewer accounts."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import jwt

from core.errors import ErrorCode, ThiduaError
from core.models import Reviewer
from core.settings import Settings

ALGORITHM = "HS256"
_AUDIENCE = "thidua-admin"


def _signing_key(settings: Settings) -> bytes:
    # A fixed-length key derived from the secret: HS256 wants 32 bytes, and a short development secret is allowed.
    return hashlib.sha256(b"thidua-admin-token:" + settings.secret_key.encode()).digest()


def password_stamp(reviewer: Reviewer) -> str:
    """A short digest of the password hash; changing the password changes it, which voids every token issued before."""
    return hashlib.sha256(reviewer.password_hash.encode()).hexdigest()[:16]


def create_access_token(*, settings: Settings, reviewer: Reviewer, now: datetime | None = None) -> tuple[str, int]:
    """A token for ``reviewer`` and its lifetime in seconds."""
    issued = now or datetime.now(UTC)
    lifetime = timedelta(minutes=settings.access_token_minutes)
    claims = {
        "sub": str(reviewer.id),
        "aud": _AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + lifetime).timestamp()),
        "pws": password_stamp(reviewer),
    }
    return jwt.encode(claims, _signing_key(settings), algorithm=ALGORITHM), int(lifetime.total_seconds())


_INVALID = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại."


def reviewer_id_from_token(*, settings: Settings, token: str) -> tuple[int, str]:
    """The reviewer id and password stamp a valid token carries; an ``unauthorized`` error otherwise."""
    try:
        claims = jwt.decode(
            token,
            _signing_key(settings),
            algorithms=[ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["exp", "iat", "sub", "aud"]},
        )
        return int(claims["sub"]), str(claims.get("pws", ""))
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise ThiduaError(ErrorCode.UNAUTHORIZED, _INVALID) from exc


def token_matches(reviewer: Reviewer, stamp: str) -> bool:
    """Tell whether a token's password stamp still matches the account."""
    return stamp == password_stamp(reviewer)
