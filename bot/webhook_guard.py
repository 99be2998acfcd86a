"""The one guard in front of every channel webhook: off 404, bad secret or signature 403, large 413, bad JSON 400.

Failures are raised as ``ThiduaError`` and become ``{"error", "detail"}`` in the app's one error handler.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from starlette.datastructures import Headers

from bot.channels import Channel, get_channels
from core.errors import ErrorCode, ThiduaError
from core.settings import Settings

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def secret_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the configured secret with the header; False when either is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@dataclass(frozen=True)
class Delivery:
    """A webhook call that passed the guard."""

    channel: Channel
    raw: bytes
    payload: Any


async def _read(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ThiduaError(ErrorCode.TOO_LARGE, "Nội dung quá lớn.")
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise ThiduaError(ErrorCode.TOO_LARGE, "Nội dung quá lớn.")
        chunks.append(chunk)
    return b"".join(chunks)


async def guard(
    request: Request,
    name: str,
    *,
    secret: tuple[str, Callable[[Settings], str | None]] | None = None,
    signed: Callable[[Headers, bytes], bool] | None = None,
    max_bytes: int = MAX_BODY_BYTES,
) -> Delivery:
    """Check one webhook call to channel ``name``.

    ``secret`` is (header name, the setting it must equal), checked before the body is read so a stranger causes
    no work;
    ``signed`` checks a signature over the raw body before it is parsed.
    """
    channels = get_channels(request)
    channel = channels.get(name)
    if channel is None or not channel.accepts_webhook:
        raise ThiduaError(ErrorCode.NOT_FOUND, "Kênh này chưa bật webhook.")
    if secret is not None and not secret_matches(secret[1](channels.settings), request.headers.get(secret[0])):
        log.warning("%s webhook call with a missing or wrong secret", name)
        raise ThiduaError(ErrorCode.FORBIDDEN, "Sai mã bí mật.")
    raw = await _read(request, max_bytes)
    if signed is not None and not signed(request.headers, raw):
        log.warning("%s webhook call with a wrong signature", name)
        raise ThiduaError(ErrorCode.FORBIDDEN, "Sai chữ ký.")
    try:
        payload = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # RecursionError: a deeply nested body
        raise ThiduaError(ErrorCode.BAD_REQUEST, "JSON không hợp lệ.") from exc
    return Delivery(channel, raw, payload)
