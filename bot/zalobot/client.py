"""The Zalo Bot Platform API: ``POST {api}/bot{token}/{method}`` with JSON, answers ``{"ok", "result"?, ...}``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx

from bot.rendering import ZALO_LIMIT, split_text

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 30.0


class ZaloBotError(Exception):
    """The platform refused a call or could not be reached; ``retry_after`` when it said when to come back."""

    def __init__(self, message: str, *, code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


def _wait(attempt: int) -> float:
    return min(0.5 * 2.0 ** (attempt - 1), MAX_WAIT_SECONDS)


class ZaloBotClient:
    """Calls the bot API with retries on network errors, 429 and 5xx."""

    def __init__(self, *, api_url: str, token: str, http: httpx.AsyncClient) -> None:
        self._base = f"{api_url.rstrip('/')}/bot{token}"
        self._http = http

    async def call(self, method: str, body: dict[str, Any], *, wait_seconds: float = 15.0) -> Any:
        """The ``result`` of ``method``; ``ZaloBotError`` when the platform says ``ok: false`` or stays down."""
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = await self._http.post(f"{self._base}/{method}", json=body, timeout=wait_seconds)
            except httpx.TransportError as exc:
                if attempt == MAX_ATTEMPTS:
                    raise ZaloBotError(f"Zalo Bot API unreachable: {type(exc).__name__}") from exc
                await asyncio.sleep(_wait(attempt))
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == MAX_ATTEMPTS:
                    raise ZaloBotError(f"Zalo Bot API answered HTTP {response.status_code}", retry_after=_wait(attempt))
                await asyncio.sleep(_wait(attempt))
                continue
            return _result(response)
        raise ZaloBotError("Zalo Bot API failed after retries")

    async def send_text(self, chat_id: str, text: str) -> None:
        """``sendMessage`` with ``{chat_id, text}``, split at 2,000 characters."""
        for piece in split_text(text, ZALO_LIMIT):
            await self.call("sendMessage", {"chat_id": chat_id, "text": piece})

    async def get_me(self) -> Any:
        """The bot's own account (checks the token)."""
        return await self.call("getMe", {})

    async def get_updates(self, *, poll_seconds: int = 30) -> list[dict[str, Any]]:
        """Waiting updates (long polling); the platform answers one update or a list."""
        result = await self.call("getUpdates", {"timeout": poll_seconds}, wait_seconds=poll_seconds + 15.0)
        if isinstance(result, list):
            return [item for item in result if isinstance(item, dict)]
        return [result] if isinstance(result, dict) and result else []

    async def download(self, url: str, limit: int) -> bytes | None:
        """The file at ``url`` (a photo link from an authenticated update), or None when larger than ``limit``."""
        async with self._http.stream("GET", url, timeout=30.0, follow_redirects=False) as response:
            response.raise_for_status()
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)


def _result(response: httpx.Response) -> Any:
    try:
        data = response.json()
    except ValueError as exc:
        raise ZaloBotError(f"Zalo Bot API answered HTTP {response.status_code} without JSON") from exc
    if not isinstance(data, dict) or data.get("ok") is not True:
        detail = data if not isinstance(data, dict) else data.get("description", "")
        code = data.get("error_code") if isinstance(data, dict) else None
        raise ZaloBotError(f"Zalo Bot API refused the call: {str(detail)[:200]}", code=code)
    return data.get("result")
