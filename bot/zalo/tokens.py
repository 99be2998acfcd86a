"""The OA access and refresh tokens, kept in the database and rotated atomically.

Zalo's refresh token is single-use: whoever refreshes must store the new pair before anyone uses the new access
token, and no two workers may refresh with the same refresh token. The refresh runs inside one transaction that
holds the token row (PostgreSQL row lock; SQLite writer lock taken by a first write).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from core.db import session_scope
from core.models import ChannelToken
from core.settings import Settings

log = logging.getLogger(__name__)

TOKEN_NAME = "zalo_oa"  # noqa: S105 - the row name
REFRESH_MARGIN = timedelta(minutes=5)


class ZaloTokenError(Exception):
    """No usable token: none configured, or the refresh was refused."""


class ZaloTokens:
    """Reads the current access token and refreshes it when Zalo says it is invalid or it has expired."""

    def __init__(self, *, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings = settings
        self._sessions = sessions

    def seed(self) -> None:
        """Store the tokens from the settings the first time (later the database copy is the truth)."""
        if not (self._settings.zalo_access_token and self._settings.zalo_refresh_token):
            return
        try:
            with session_scope(self._sessions) as session:
                if session.scalar(select(ChannelToken.id).where(ChannelToken.name == TOKEN_NAME)) is None:
                    session.add(
                        ChannelToken(
                            name=TOKEN_NAME,
                            access_token=self._settings.zalo_access_token,
                            refresh_token=self._settings.zalo_refresh_token,
                            expires_at=None,
                        )
                    )
        except IntegrityError:
            pass  # another worker seeded it

    def _current(self) -> tuple[str, datetime | None]:
        with session_scope(self._sessions) as session:
            row = session.scalar(select(ChannelToken).where(ChannelToken.name == TOKEN_NAME))
            if row is None:
                raise ZaloTokenError("no Zalo OA token stored")
            return row.access_token, row.expires_at

    async def access_token(self) -> str:
        """The access token to use now, refreshed first when it is about to expire."""
        token, expires_at = await run_in_threadpool(self._current)
        if expires_at is not None:
            moment = expires_at if expires_at.tzinfo else expires_at.replace(tzinfo=UTC)
            if moment - REFRESH_MARGIN <= datetime.now(UTC):
                return await self.refresh(token)
        return token

    async def refresh(self, stale: str) -> str:
        """A fresh access token; refreshes only if nobody replaced ``stale`` in the meantime."""
        return await run_in_threadpool(self._refresh, stale)

    def _exchange(self, refresh_token: str) -> dict[str, Any]:
        """Zalo's answer to using ``refresh_token`` once: new access and refresh tokens, or ``ZaloTokenError``."""
        response = httpx.post(
            f"{self._settings.zalo_oauth_url.rstrip('/')}/v4/oa/access_token",
            headers={"secret_key": self._settings.zalo_app_secret or ""},
            data={
                "app_id": self._settings.zalo_app_id or "",
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
            timeout=15.0,
        )
        try:
            data = response.json()
        except ValueError as exc:
            raise ZaloTokenError(f"token refresh answered HTTP {response.status_code}") from exc
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
            code = data.get("error") if isinstance(data, dict) else None
            raise ZaloTokenError(f"token refresh refused (error {code})")
        return data

    def _refresh(self, stale: str) -> str:
        with session_scope(self._sessions) as session:
            # Write first: on SQLite this takes the writer lock before reading, so refreshes never interleave.
            session.execute(
                update(ChannelToken).where(ChannelToken.name == TOKEN_NAME).values(updated_at=datetime.now(UTC))
            )
            row = session.scalar(select(ChannelToken).where(ChannelToken.name == TOKEN_NAME).with_for_update())
            if row is None:
                raise ZaloTokenError("no Zalo OA token stored")
            if row.access_token != stale:
                return row.access_token  # another worker already refreshed
            data = self._exchange(row.refresh_token)
            row.access_token = str(data["access_token"])
            row.refresh_token = str(data["refresh_token"])
            expires_in = int(data.get("expires_in") or 0)
            row.expires_at = datetime.now(UTC) + timedelta(seconds=expires_in) if expires_in > 0 else None
            new_token = row.access_token
        log.info("Zalo OA access token refreshed")
        return new_token
