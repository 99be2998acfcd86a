"""``POST /webhooks/zalo``: check the signature, answer at once, then run the event through the dialog."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from bot.channels import get_channels
from bot.dialog import Dialog
from bot.messages import Incoming, IncomingFile, Reply
from bot.notifier import DeliveryError
from bot.ordering import UserLocks
from bot.zalo.client import CALLBACK_PREFIX, ZaloClient, ZaloError, media_url_allowed
from bot.zalo.signature import SIGNATURE_HEADER, signature_matches
from bot.zalo.tokens import ZaloTokenError, ZaloTokens
from core.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["webhooks"])

CHANNEL = "zalo"
MAX_BODY_BYTES = 1024 * 1024
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


def _too_old(timestamp: str) -> bool:
    try:
        sent = datetime.fromtimestamp(int(timestamp) / 1000, tz=UTC)
    except (ValueError, OverflowError, OSError):
        return True
    return datetime.now(UTC) - sent > MAX_EVENT_AGE


def _event_key(user_id: str, event: dict[str, Any], message: dict[str, Any]) -> str:
    """A key for an event without ``msg_id``: a redelivery has the same sender, timestamp and message."""
    digest = hashlib.sha256(json.dumps(message, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]
    return f"{user_id}:{event.get('timestamp', '')}:{digest}"


_TIMESTAMP = re.compile(rb'"timestamp"\s*:\s*"?(\d{1,20})"?')


class ZaloChannel:
    """Turns OA events into dialog messages and sends the replies through the OA API."""

    def __init__(self, *, settings: Settings, sessions: sessionmaker[Session], dialog: Dialog) -> None:
        self.settings = settings
        self.dialog = dialog
        self.http = httpx.AsyncClient()
        self.tokens = ZaloTokens(settings=settings, sessions=sessions)
        self.client = ZaloClient(api_url=settings.zalo_api_url, tokens=self.tokens, http=self.http)
        self._user_locks = UserLocks()

    async def start(self) -> None:
        """Store the configured tokens the first time."""
        await run_in_threadpool(self.tokens.seed)

    async def stop(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    async def process(self, event: dict[str, Any]) -> None:
        """Run one event through the dialog and send the replies; failures are logged, never raised."""
        try:
            incoming = await self._incoming(event)
            if incoming is None:
                return
            async with self._user_locks.hold(incoming.user_id):
                replies = await run_in_threadpool(self.dialog.handle, incoming)
                for reply in replies:
                    await self.client.send_reply(incoming.user_id, reply)
        except Exception:
            log.exception("Zalo event %s failed", event.get("event_name"))

    async def _incoming(self, event: dict[str, Any]) -> Incoming | None:
        name = str(event.get("event_name", ""))
        if name == "follow":
            follower = str((event.get("follower") or {}).get("id", ""))
            if not follower:
                return None
            key = f"follow:{follower}:{event.get('timestamp', '')}"
            return Incoming(channel=CHANNEL, user_id=follower, text="/start", update_key=key)
        if name not in TEXT_EVENTS | FILE_EVENTS | UNSUPPORTED_EVENTS:
            return None  # delivery receipts, OA's own messages, …
        user_id = str((event.get("sender") or {}).get("id", ""))
        message = event.get("message") or {}
        if not user_id or not isinstance(message, dict):
            return None
        msg_id = str(message.get("msg_id") or "") or _event_key(user_id, event, message)
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
            payload = (item or {}).get("payload") or {}
            url = str(payload.get("url") or "")
            if not media_url_allowed(url, self.settings.zalo_media_host_list):
                log.warning("ignored a Zalo attachment link outside the media hosts")
                continue
            kind = str(item.get("type", ""))
            name = str(payload.get("name") or PurePosixPath(urlsplit(url).path).name or "tep")
            if kind == "image" and "." not in name:
                name += ".jpg"
            declared = int(payload.get("size") or 0) if str(payload.get("size") or "0").isdigit() else 0
            data = None if declared > limit else await self.client.download(url, limit)
            content_type = "image/jpeg" if kind == "image" else "application/octet-stream"
            files.append(IncomingFile(name, content_type, declared or len(data or b""), data))
        return tuple(files)

    async def send_notice(self, user_id: str, text: str) -> None:
        """Deliver a queued notice; outside Zalo's 48-hour reply window this may fail and is retried later."""
        try:
            await self.client.send_reply(user_id, Reply(text))
        except (ZaloError, ZaloTokenError) as exc:
            raise DeliveryError(str(exc), retry_after=getattr(exc, "retry_after", None)) from exc


@router.post("/webhooks/zalo", include_in_schema=False)
async def zalo_webhook(request: Request, background: BackgroundTasks) -> Any:
    """Accept an OA event: 403 without a valid signature, 400 for a malformed body, else 200 at once."""
    channels = get_channels(request)
    zalo = channels.zalo
    if zalo is None:
        return JSONResponse({"error": "not_found", "detail": "Kênh Zalo chưa được cấu hình."}, status_code=404)
    header = request.headers.get(SIGNATURE_HEADER)
    if not header:
        return JSONResponse({"error": "forbidden", "detail": "Thiếu chữ ký."}, status_code=403)
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return JSONResponse({"error": "too_large", "detail": "Nội dung quá lớn."}, status_code=413)
    # The signature is checked before the body is parsed; the timestamp it covers is read without parsing.
    found = _TIMESTAMP.search(raw)
    if found is None:
        return JSONResponse({"error": "bad_request", "detail": "Không phải sự kiện Zalo OA."}, status_code=400)
    timestamp = found.group(1).decode()
    settings = channels.settings
    if not signature_matches(
        header=header,
        app_id=settings.zalo_app_id or "",
        body=raw,
        timestamp=timestamp,
        secret=settings.zalo_oa_secret or "",
    ):
        log.warning("Zalo webhook call with a wrong signature")
        return JSONResponse({"error": "forbidden", "detail": "Sai chữ ký."}, status_code=403)
    try:
        event = json.loads(raw)
    except (ValueError, RecursionError):
        return JSONResponse({"error": "bad_request", "detail": "JSON không hợp lệ."}, status_code=400)
    if not isinstance(event, dict) or str(event.get("timestamp")) != timestamp:
        return JSONResponse({"error": "bad_request", "detail": "Không phải sự kiện Zalo OA."}, status_code=400)
    if _too_old(str(event["timestamp"])):
        # Signed but stale: a replay outlives our memory of msg_ids, so it is acknowledged and ignored.
        log.warning("ignored a Zalo event older than %s", MAX_EVENT_AGE)
        return {"ok": True}
    # Answer now (Zalo waits about 2 s); the event is handled after the response is sent.
    background.add_task(zalo.process, event)
    return {"ok": True}
