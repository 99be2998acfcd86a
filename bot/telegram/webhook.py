"""``POST /webhooks/telegram``: the shared guard checks the secret-token header, then the update is queued."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from bot.channels import ChannelContext, ChannelKind
from bot.telegram.adapter import CHANNEL, TelegramChannel
from bot.webhook_guard import guard
from core.errors import ErrorCode, ThiduaError

router = APIRouter(tags=["webhooks"])

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


@router.post("/webhooks/telegram", include_in_schema=False)
async def telegram_webhook(request: Request) -> Any:
    """Accept an update from Telegram; 403 without the right secret, 400 for a body that is not an update."""
    delivery = await guard(request, CHANNEL, secret=(SECRET_HEADER, lambda settings: settings.telegram_webhook_secret))
    payload = delivery.payload
    channel = delivery.channel
    if not isinstance(payload, dict) or not isinstance(payload.get("update_id"), int):
        raise ThiduaError(ErrorCode.BAD_REQUEST, "Không phải bản cập nhật Telegram.")
    assert isinstance(channel, TelegramChannel)
    try:
        await channel.feed(payload)
    except ValueError as exc:
        raise ThiduaError(ErrorCode.BAD_REQUEST, "Không phải bản cập nhật Telegram.") from exc
    return {"ok": True}


def _build(context: ChannelContext) -> TelegramChannel:
    return TelegramChannel(settings=context.settings, dialog=context.dialog)


KIND = ChannelKind(name=CHANNEL, router=router, enabled=lambda settings: bool(settings.telegram_token), build=_build)
