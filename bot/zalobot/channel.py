"""The Zalo Bot channel: ``POST /webhooks/zalobot`` (or ``getUpdates`` polling) in, ``sendMessage`` out.

The documented ``sendMessage`` takes only ``chat_id`` and ``text``, so a reply's buttons are shown as numbered
lines and the user answers with the number (the dialog maps it back to the button).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.concurrency import run_in_threadpool

from bot.channels import ChannelContext, ChannelKind
from bot.dialog import Dialog
from bot.messages import Incoming, IncomingFile, Reply
from bot.notifier import DeliveryError
from bot.ordering import make_user_order
from bot.rendering import numbered_choices
from bot.webhook_guard import guard
from bot.zalo.client import media_url_allowed
from bot.zalobot.client import ZaloBotClient, ZaloBotError
from core.errors import ErrorCode, ThiduaError
from core.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

CHANNEL = "zalobot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 - a header name
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"
UNSUPPORTED_EVENTS = {"message.sticker.received", "message.unsupported.received"}
POLL_TIMEOUT = 30


def _as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class _User(BaseModel):
    id: str
    name: str | None = None
    _ids = field_validator("id", mode="before")(classmethod(lambda cls, value: _as_text(value)))


class _Chat(BaseModel):
    id: str
    chat_type: str = "PRIVATE"
    _ids = field_validator("id", mode="before")(classmethod(lambda cls, value: _as_text(value)))


class _Message(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    message_id: str
    sender: _User = Field(alias="from")
    chat: _Chat
    date: int = 0
    text: str | None = None
    photo: Any = None
    caption: str | None = None
    _ids = field_validator("message_id", mode="before")(classmethod(lambda cls, value: _as_text(value)))


class ZaloBotUpdate(BaseModel):
    """One update, as the webhook and ``getUpdates`` deliver it."""

    event_name: str
    message: _Message


def unwrap(body: object) -> ZaloBotUpdate:
    """The update in a webhook body, bare or wrapped as ``{"ok": true, "result": update}``; ``ValueError`` if none."""
    if isinstance(body, dict) and "result" in body and "event_name" not in body:
        body = body["result"]
    try:
        return ZaloBotUpdate.model_validate(body)
    except ValidationError as exc:
        raise ValueError("not a Zalo Bot update") from exc


def _photo_url(photo: object) -> str | None:
    """The link of a sent photo, whichever shape the platform uses (a link, an object, a list of sizes)."""
    if isinstance(photo, str):
        return photo
    if isinstance(photo, dict):
        return _photo_url(photo.get("url") or photo.get("file_url"))
    if isinstance(photo, list) and photo:
        return _photo_url(photo[-1])
    return None


def _incoming(
    message: _Message, *, text: str = "", files: tuple[IncomingFile, ...] = (), unsupported: bool = False
) -> Incoming:
    return Incoming(
        channel=CHANNEL,
        user_id=message.sender.id,
        text=text,
        files=files,
        update_key=message.message_id,
        unsupported=unsupported or not (text or files),
        numbered_choices=True,
    )


class ZaloBotChannel:
    """Turns Zalo Bot updates into dialog messages and replies with ``sendMessage``."""

    name = CHANNEL

    def __init__(self, *, settings: Settings, dialog: Dialog) -> None:
        if not settings.zalobot_token:
            raise ValueError("THIDUA_ZALOBOT_TOKEN is not set")
        secret = settings.zalobot_webhook_secret
        if secret is not None and not 8 <= len(secret) <= 256:
            raise ValueError("THIDUA_ZALOBOT_WEBHOOK_SECRET must be 8-256 characters (the platform refuses others)")
        self.settings = settings
        self.dialog = dialog
        self.accepts_webhook = bool(secret)
        self.http = httpx.AsyncClient()
        self.client = ZaloBotClient(api_url=settings.zalobot_api_url, token=settings.zalobot_token, http=self.http)
        self._user_locks = make_user_order(settings, scope=CHANNEL)
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Check the token (``getMe``); poll ``getUpdates`` unless a webhook secret is set."""
        await self.client.get_me()
        if not self.accepts_webhook:
            self._poller = asyncio.create_task(self._poll(), name="zalobot-polling")

    async def stop(self) -> None:
        """Stop polling and close the HTTP client."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self.http.aclose()
        await self._user_locks.close()

    async def _poll(self) -> None:
        failures = 0
        while True:
            try:
                updates = await self.client.get_updates(poll_seconds=POLL_TIMEOUT)
                failures = 0
            except ZaloBotError:
                failures += 1
                log.warning("Zalo Bot getUpdates failed", exc_info=True)
                await asyncio.sleep(min(2.0**failures, 60.0))
                continue
            for body in updates:
                with contextlib.suppress(ValueError):
                    await self.process(unwrap(body))

    async def process(self, update: ZaloBotUpdate) -> None:
        """Run one update through the dialog and send the replies; failures are logged, never raised."""
        try:
            incoming = await self._incoming(update)
            if incoming is None:
                return
            async with self._user_locks.hold(incoming.user_id):
                replies = await run_in_threadpool(self.dialog.handle_patiently, incoming)
                for reply in replies:
                    await self.send_reply(update.message.chat.id, reply)
        except Exception:
            log.exception("Zalo Bot update %s failed", update.event_name)

    async def _incoming(self, update: ZaloBotUpdate) -> Incoming | None:
        message = update.message
        if message.chat.chat_type.upper() != "PRIVATE":
            return None  # the bot serves private chats, as on Telegram
        if update.event_name == TEXT_EVENT:
            return _incoming(message, text=message.text or "")
        if update.event_name == IMAGE_EVENT:
            return _incoming(message, text=message.caption or "", files=await self._files(message))
        if update.event_name in UNSUPPORTED_EVENTS:
            return _incoming(message, unsupported=True)
        return None

    async def _files(self, message: _Message) -> tuple[IncomingFile, ...]:
        url = _photo_url(message.photo)
        # Only links on Zalo's media hosts (THIDUA_ZALO_MEDIA_HOSTS), or on the configured API host itself.
        if url is None or not (
            media_url_allowed(url, self.settings.zalo_media_host_list)
            or url.startswith(self.settings.zalobot_api_url.rstrip("/") + "/")
        ):
            log.warning("ignored a Zalo Bot photo link outside the media hosts")
            return ()
        limit = self.settings.max_attachment_mb * 1024 * 1024
        data = await self.client.download(url, limit)
        name = f"anh_{message.message_id}.jpg"
        return (IncomingFile(name, "image/jpeg", len(data) if data is not None else limit + 1, data),)

    async def send_reply(self, user_id: str, reply: Reply) -> None:
        """Send one reply; its buttons become numbered lines to answer with the number."""
        await self.client.send_text(user_id, numbered_choices(reply))

    async def send_notice(self, user_id: str, text: str) -> None:
        """Deliver a queued notice to the user's private chat."""
        try:
            await self.client.send_text(user_id, text)
        except ZaloBotError as exc:
            raise DeliveryError(str(exc), retry_after=exc.retry_after) from exc


@router.post("/webhooks/zalobot", include_in_schema=False)
async def zalobot_webhook(request: Request, background: BackgroundTasks) -> Any:
    """Accept an update: 403 without the right secret header, 400 for a body that is not an update, else 200 at once."""
    delivery = await guard(request, CHANNEL, secret=(SECRET_HEADER, lambda settings: settings.zalobot_webhook_secret))
    try:
        update = unwrap(delivery.payload)
    except ValueError as exc:
        raise ThiduaError(ErrorCode.BAD_REQUEST, "Không phải bản cập nhật Zalo Bot.") from exc
    channel = delivery.channel
    assert isinstance(channel, ZaloBotChannel)
    background.add_task(channel.process, update)
    return {"ok": True}


def _build(context: ChannelContext) -> ZaloBotChannel:
    return ZaloBotChannel(settings=context.settings, dialog=context.dialog)


KIND = ChannelKind(name=CHANNEL, router=router, enabled=lambda settings: bool(settings.zalobot_token), build=_build)
