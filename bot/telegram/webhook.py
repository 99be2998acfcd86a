"""``POST /webhooks/telegram``: check the secret-token header, then queue the update for the application."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from bot.channels import get_channels

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
MAX_BODY_BYTES = 1024 * 1024


def secret_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of the configured secret with the header; False when either is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())


@router.post("/webhooks/telegram", include_in_schema=False)
async def telegram_webhook(request: Request) -> Any:
    """Accept an update from Telegram; 403 without the right secret, 400 for a body that is not an update."""
    channels = get_channels(request)
    telegram = channels.telegram
    if telegram is None or not telegram.webhook_mode:
        return JSONResponse({"error": "not_found", "detail": "Kênh Telegram chưa bật webhook."}, status_code=404)
    if not secret_matches(channels.settings.telegram_webhook_secret, request.headers.get(SECRET_HEADER)):
        log.warning("Telegram webhook call with a missing or wrong secret")
        return JSONResponse({"error": "forbidden", "detail": "Sai mã bí mật."}, status_code=403)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return JSONResponse({"error": "too_large", "detail": "Nội dung quá lớn."}, status_code=413)
    try:
        payload = json.loads(raw)
    except ValueError:
        return JSONResponse({"error": "bad_request", "detail": "JSON không hợp lệ."}, status_code=400)
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        return JSONResponse({"error": "bad_request", "detail": "Không phải bản cập nhật Telegram."}, status_code=400)
    try:
        await telegram.feed(payload)
    except ValueError:
        return JSONResponse({"error": "bad_request", "detail": "Không phải bản cập nhật Telegram."}, status_code=400)
    return {"ok": True}
