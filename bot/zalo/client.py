"""Sending OA customer-service messages (``/v3.0/oa/message/cs``) and fetching files users sent."""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.messages import Button, Reply
from bot.rendering import ZALO_LIMIT, split_text
from bot.zalo.tokens import ZaloTokens

log = logging.getLogger(__name__)

SEND_PATH = "/v3.0/oa/message/cs"
CALLBACK_PREFIX = "#btn:"  # button payloads come back as a user text message starting with this
MAX_BUTTONS = 5  # *unsure*: the documented limit of a message's buttons; more choices are listed in the text
INVALID_TOKEN_ERRORS = frozenset({-216, -124})  # "access token is invalid / expired"
RATE_LIMIT_ERRORS = frozenset({-32})  # "exceeded request limit"
MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 60.0


class ZaloError(Exception):
    """Zalo refused a request; ``retry_after`` is set when waiting may help."""

    def __init__(self, message: str, *, code: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


def message_payload(text: str, buttons: list[Button]) -> dict[str, Any]:
    """The ``message`` object: text, with quick-reply buttons as a template attachment when there are any."""
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["attachment"] = {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": b.label[:100], "type": "oa.query.hide", "payload": f"{CALLBACK_PREFIX}{b.data}"}
                    for b in buttons[:MAX_BUTTONS]
                ]
            },
        }
    return message


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = str(response.headers.get("retry-after", ""))
    try:
        wait: float = min(float(header), MAX_WAIT_SECONDS)
    except ValueError:
        wait = min(0.5 * 2 ** (attempt - 1), MAX_WAIT_SECONDS)
    return wait


def _answer(response: httpx.Response) -> tuple[int, str]:
    """(error code, message) of an OA API answer; -1 when it is not the usual JSON object."""
    try:
        data = response.json()
    except ValueError as exc:
        raise ZaloError(f"Zalo answered HTTP {response.status_code} without JSON") from exc
    if not isinstance(data, dict):
        return -1, ""
    return int(data.get("error", 0)), str(data.get("message", ""))


class ZaloClient:
    """The OA send API with token refresh and retries on 429 and 5xx."""

    def __init__(self, *, api_url: str, tokens: ZaloTokens, http: httpx.AsyncClient) -> None:
        self._api_url = api_url.rstrip("/")
        self._tokens = tokens
        self._http = http

    async def send_reply(self, user_id: str, reply: Reply) -> None:
        """Send one reply, split under 2,000 characters, the buttons with the last piece."""
        buttons = reply.flat_buttons
        text = reply.text
        if len(buttons) > MAX_BUTTONS:
            text += "\n\n" + "\n".join(f"• {b.label}" for b in buttons[MAX_BUTTONS - 1 :])
            buttons = buttons[: MAX_BUTTONS - 1]
        pieces = split_text(text, ZALO_LIMIT)
        for index, piece in enumerate(pieces):
            await self.send_message(user_id, message_payload(piece, buttons if index == len(pieces) - 1 else []))

    async def send_message(self, user_id: str, message: dict[str, Any]) -> None:
        """POST one message; refresh the token once if Zalo calls it invalid; retry on 429/5xx."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        token = await self._tokens.access_token()
        refreshed = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            response = await self._post(body, token, attempt)
            if response is None:
                continue  # waited after a network error, a 429 or a 5xx
            code, text = _answer(response)
            if code == 0 and response.status_code < 400:
                return
            if code in INVALID_TOKEN_ERRORS and not refreshed:
                token, refreshed = await self._tokens.refresh(token), True
            elif code in RATE_LIMIT_ERRORS and attempt < MAX_ATTEMPTS:
                await asyncio.sleep(_retry_after(response, attempt))
            else:
                raise ZaloError(f"Zalo refused the message (error {code}: {text[:200]})", code=code)
        raise ZaloError("Zalo send failed after retries")

    async def _post(self, body: dict[str, Any], token: str, attempt: int) -> httpx.Response | None:
        """One POST; None after waiting when it may be retried, ``ZaloError`` on the last attempt."""
        try:
            response = await self._http.post(
                f"{self._api_url}{SEND_PATH}", json=body, headers={"access_token": token}, timeout=15.0
            )
        except httpx.TransportError as exc:
            if attempt == MAX_ATTEMPTS:
                raise ZaloError(f"Zalo unreachable: {type(exc).__name__}") from exc
            await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), MAX_WAIT_SECONDS))
            return None
        if response.status_code == 429 or response.status_code >= 500:
            wait = _retry_after(response, attempt)
            if attempt == MAX_ATTEMPTS:
                raise ZaloError(f"Zalo answered HTTP {response.status_code}", retry_after=wait)
            log.warning("Zalo answered HTTP %s; retrying in %.1f s", response.status_code, wait)
            await asyncio.sleep(wait)
            return None
        return response

    async def download(self, url: str, limit: int) -> bytes | None:
        """The file at ``url`` (a Zalo CDN link from a signed event), or None when larger than ``limit``."""
        # No redirects: a media host's redirect could point anywhere, and only the checked host is fetched.
        async with self._http.stream("GET", url, timeout=30.0, follow_redirects=False) as response:
            response.raise_for_status()
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                return None
            chunks: list[bytes] = []
            total = 0
            async for chunk in response.aiter_bytes():
                total += len(chunk)
                if total > limit:
                    return None
                chunks.append(chunk)
            return b"".join(chunks)


def media_url_allowed(url: str, hosts: list[str]) -> bool:
    """Whether ``url`` is an http(s) link on one of ``hosts`` or their subdomains (Zalo's media servers)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in {"https", "http"} or not host:
        return False
    return any(host == allowed or host.endswith("." + allowed) for allowed in hosts)
