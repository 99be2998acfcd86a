"""``POST /webhooks/zalo``: check the signature, answer at once, then run the event through the dialog."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers

from bot.channels import ChannelContext, ChannelKind, get_channels
from bot.dialog import Dialog
from bot.messages import Incoming, IncomingFile, Reply
from bot.notifier import DeliveryError
from bot.ordering import make_user_order
from bot.webhook_guard import guard
from bot.zalo.client import CALLBACK_PREFIX, ZaloClient, ZaloError, media_url_allowed
from bot.zalo.signature import SIGNATURE_HEADER, signature_matches
from bot.zalo.tokens import ZaloTokenError, ZaloTokens
from core.errors import ErrorCode, ThiduaError
from core.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

CHANNEL = "zalo"
# Zalo retries for up to 12 hours (*unsure*); processed msg_ids are remembered for 3 days (core.dedup).
MAX_EVENT_AGE = timedelta(days=2)
TEXT_EVENTS = {"user_send_text"}
FILE_EVENTS = {"user_send_image", "user_send_file"}
UNSUPPORTED_EVENTS = {
    "user_send_sticker",
    "user_send_gif",
    "user_send_audio",
    "user_send_video",
    "user_send_location",
    "user_send_link",
    "user_send_business_card",
}


def _follow(event: dict[str, Any]) -> Incoming | None:
    follower = str((event.get("follower") or {}).get("id", ""))
    if not follower:
        return None
    key = f"follow:{follower}:{event.get('timestamp', '')}"
    return Incoming(channel=CHANNEL, user_id=follower, text="/start", update_key=key)


def _sender_and_message(event: dict[str, Any]) -> tuple[str, dict[str, Any] | None]:
    sender = event.get("sender")
    message = event.get("message")
    user_id = str(sender.get("id", "")) if isinstance(sender, dict) else ""
    return user_id, message if isinstance(message, dict) else None


def _attachment(item: object) -> tuple[str, str, str, int] | None:
    """(url, file name, content type, declared size) of one attachment of an event, or None when it has no link."""
    if not isinstance(item, dict):
        return None
    payload = item.get("payload") or {}
    url = str(payload.get("url") or "")
    if not url.startswith(("https://", "http://")):
        return None
    image = str(item.get("type", "")) == "image"
    size = str(payload.get("size") or "0")
    content_type = "image/jpeg" if image else "application/octet-stream"
    return url, _file_name(payload, url, image=image), content_type, int(size) if size.isdigit() else 0


def _file_name(payload: dict[str, Any], url: str, *, image: bool) -> str:
    name = str(payload.get("name") or PurePosixPath(urlsplit(url).path).name or "tep")
    return name + ".jpg" if image and "." not in name else name


def _too_old(timestamp: str) -> bool:
    try:
        sent = datetime.fromtimestamp(int(timestamp) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return True
    return datetime.now(UTC) - sent > MAX_EVENT_AGE


def _update_key(user_id: str, event: dict[str, Any], message: dict[str, Any]) -> str:
    """The event's ``msg_id``, or a key made from its content when it has none (so repeats are still dropped)."""
    return str(message.get("msg_id") or "") or _event_key(user_id, event, message)


def _event_key(user_id: str, event: dict[str, Any], message: dict[str, Any]) -> str:
    """A key for an event without ``msg_id``: a redelivery has the same sender, timestamp and message."""
    digest = hashlib.sha256(json.dumps(message, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]
    return f"{user_id}:{event.get('timestamp', '')}:{digest}"


class ZaloChannel:
    """Turns OA events into dialog messages and sends the replies through the OA API."""

    name = CHANNEL
    accepts_webhook = True

    def __init__(self, *, settings: Settings, sessions: sessionmaker[Session], dialog: Dialog) -> None:
        self.settings = settings
        self.dialog = dialog
        self.http = httpx.AsyncClient()
        self.tokens = ZaloTokens(settings=settings, sessions=sessions)
        self.client = ZaloClient(api_url=settings.zalo_api_url, tokens=self.tokens, http=self.http)
        self._user_locks = make_user_order(settings, scope=CHANNEL)

    async def start(self) -> None:
        """Store the configured tokens the first time."""
        await run_in_threadpool(self.tokens.seed)

    async def stop(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()
        await self._user_locks.close()

    async def process(self, event: dict[str, Any]) -> None:
        """Run one event through the dialog and send the replies; failures are logged, never raised."""
        try:
            incoming = await self._incoming(event)
            if incoming is None:
                return
            async with self._user_locks.hold(incoming.user_id):
                replies = await run_in_threadpool(self.dialog.handle_patiently, incoming)
                for reply in replies:
                    await self.client.send_reply(incoming.user_id, reply)
        except Exception:
            log.exception("Zalo event %s failed", event.get("event_name"))

    async def _incoming(self, event: dict[str, Any]) -> Incoming | None:
        name = str(event.get("event_name", ""))
        if name == "follow":
            return _follow(event)
        if name not in TEXT_EVENTS | FILE_EVENTS | UNSUPPORTED_EVENTS:
            return None  # delivery receipts, OA's own messages, …
        user_id, message = _sender_and_message(event)
        if not user_id or message is None:
            return None
        msg_id = _update_key(user_id, event, message)
        text = str(message.get("text") or "")
        if name in UNSUPPORTED_EVENTS:
            return Incoming(channel=CHANNEL, user_id=user_id, update_key=msg_id, unsupported=True)
        if text.startswith(CALLBACK_PREFIX):
            return Incoming(channel=CHANNEL, user_id=user_id, callback=text[len(CALLBACK_PREFIX) :], update_key=msg_id)
        files = await self._files(message) if name in FILE_EVENTS else ()
        return Incoming(channel=CHANNEL, user_id=user_id, text=text, files=files, update_key=msg_id)

    async def _files(self, message: dict[str, Any]) -> tuple[IncomingFile, ...]:
        limit = self.settings.max_attachment_mb * 1024 * 1024
        files: list[IncomingFile] = []
        for item in message.get("attachments") or []:
            found = _attachment(item)
            if found is None:
                continue
            url, name, content_type, declared = found
            if not media_url_allowed(url, self.settings.zalo_media_host_list):
                log.warning("ignored a Zalo attachment link outside the media hosts")
                continue
            data = None if declared > limit else await self.client.download(url, limit)
            files.append(IncomingFile(name, content_type, declared or len(data or b""), data))
        return tuple(files)

    async def send_reply(self, user_id: str, reply: Reply) -> None:
        """Send one dialog reply through the OA API."""
        await self.client.send_reply(user_id, reply)

    async def send_notice(self, user_id: str, text: str) -> None:
        """Deliver a queued notice; outside Zalo's 48-hour reply window this may fail and is retried later."""
        try:
            await self.client.send_reply(user_id, Reply(text))
        except (ZaloError, ZaloTokenError) as exc:
            raise DeliveryError(str(exc), retry_after=getattr(exc, "retry_after", None)) from exc


_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')


def _signed_timestamp(raw: bytes) -> str | None:
    """The timestamp the signature covers, read by pattern (the body is not parsed before it is checked)."""
    found = _TIMESTAMP.search(raw)
    return found.group(1).decode() if found is not None else None


def _signed(settings: Settings) -> Callable[[Headers, bytes], bool]:
    def check(headers: Headers, raw: bytes) -> bool:
        """The OA signature over the raw body, checked before parsing (the timestamp it covers is read by pattern)."""
        timestamp = _signed_timestamp(raw)
        if timestamp is None:
            raise ThiduaError(ErrorCode.BAD_REQUEST, "Không phải sự kiện Zalo OA.")
        return signature_matches(
            header=headers.get(SIGNATURE_HEADER),
            app_id=settings.zalo_app_id or "",
            body=raw,
            timestamp=timestamp,
            secret=settings.zalo_oa_secret or "",
        )

    return check


@router.post("/webhooks/zalo", include_in_schema=False)
async def zalo_webhook(request: Request, background: BackgroundTasks) -> Any:
    """Accept an OA event: 403 without a valid signature, 400 for a malformed body, else 200 at once."""
    channels = get_channels(request)
    if channels.get(CHANNEL) is not None and not request.headers.get(SIGNATURE_HEADER):
        raise ThiduaError(ErrorCode.FORBIDDEN, "Thiếu chữ ký.")  # no work for a caller who does not even sign
    delivery = await guard(request, CHANNEL, signed=_signed(channels.settings))
    event = delivery.payload
    if not isinstance(event, dict) or str(event.get("timestamp")) != _signed_timestamp(delivery.raw):
        # The timestamp the handler trusts must be the one the signature covered.
        raise ThiduaError(ErrorCode.BAD_REQUEST, "Không phải sự kiện Zalo OA.")
    if _too_old(str(event["timestamp"])):
        # Signed but stale: a replay outlives our memory of msg_ids, so it is acknowledged and ignored.
        log.warning("ignored a Zalo event older than %s", MAX_EVENT_AGE)
        return {"ok": True}
    channel = delivery.channel
    assert isinstance(channel, ZaloChannel)
    # Answer now (Zalo waits about 2 s); the event is handled after the response is sent.
    background.add_task(channel.process, event)
    return {"ok": True}


def _build(context: ChannelContext) -> ZaloChannel:
    return ZaloChannel(settings=context.settings, sessions=context.sessions, dialog=context.dialog)


KIND = ChannelKind(
    name=CHANNEL,
    router=router,
    enabled=lambda settings: bool(settings.zalo_app_id and settings.zalo_oa_secret),
    build=_build,
)
