"""Web chat routes: the page at ``/``, ``POST /api/chat``, attachments, notices, and ``/widget.js``."""

from __future__ import annotations

import json
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from bot.channels import Channels, get_channels
from bot.messages import Incoming, IncomingFile, Reply
from bot.notifier import take_web_notices_and_arm
from bot.web.address_limit import client_address, limit_key

CHANNEL = "web"
SESSION_PATTERN = r"^[A-Za-z0-9_-]{8,128}$"
MAX_BODY_BYTES = 256 * 1024  # far above max_message_chars; bigger bodies are refused before parsing
router = APIRouter(tags=["web chat"])
ChannelsDep = Annotated[Channels, Depends(get_channels)]
SessionPath = Annotated[str, Path(pattern=SESSION_PATTERN, description="The chat page's session id.")]


class ChatIn(BaseModel):
    """A message from the web chat page."""

    session: str = Field(pattern=SESSION_PATTERN, description="Random id the page keeps in localStorage.")
    text: str = Field("", description="What the user typed.")
    message_id: str | None = Field(None, max_length=128, description="Client id of the message, to drop repeats.")
    callback: str | None = Field(None, max_length=64, description="Data of a pressed button.")


class ButtonOut(BaseModel):
    """A button under a reply."""

    label: str
    data: str


class MessageOut(BaseModel):
    """One reply with its buttons."""

    text: str
    buttons: list[list[ButtonOut]]
    emphasis: list[str] = Field(default_factory=list, description="Pieces of the text to show in bold.")


class ChatOut(BaseModel):
    """The replies to a message, plus notices waiting for this session."""

    replies: list[str]
    messages: list[MessageOut]
    notices: list[str]


def _error(status: int, code: str, detail: str) -> JSONResponse:
    return JSONResponse({"error": code, "detail": detail}, status_code=status)


async def _over_limit(request: Request, channels: Channels) -> JSONResponse | None:
    """A 429 when this client address sent too much in the last minute, else None."""
    address = client_address(request, channels.settings.trusted_proxy_networks)
    allowed, wait = await run_in_threadpool(channels.web_limiter.allow, address)
    return None if allowed else _rate_limited(wait)


def _rate_limited(wait: int) -> JSONResponse:
    response = _error(
        429,
        "rate_limited",
        "Có quá nhiều tin nhắn gửi từ cùng một địa chỉ mạng trong một phút. "
        "Anh/Chị vui lòng chờ khoảng một phút rồi gửi tiếp nhé. Em cảm ơn!",
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _out(replies: list[Reply], notices: list[str]) -> ChatOut:
    return ChatOut(
        replies=[reply.text for reply in replies],
        messages=[
            MessageOut(
                text=reply.text,
                buttons=[[ButtonOut(label=b.label, data=b.data) for b in row] for row in reply.buttons],
                emphasis=list(reply.emphasis),
            )
            for reply in replies
        ],
        notices=notices,
    )


async def _notices(channels: Channels, session_id: str) -> list[str]:
    return await run_in_threadpool(take_web_notices_and_arm, sessions=channels.sessions, user_id=session_id)


@router.post(
    "/api/chat",
    response_model=ChatOut,
    responses={400: {}, 413: {}, 422: {}, 429: {}},
    openapi_extra={
        "requestBody": {"required": True, "content": {"application/json": {"schema": ChatIn.model_json_schema()}}}
    },
)
async def chat(request: Request, channels: ChannelsDep) -> Any:
    """Send one message (or button press) to the assistant and get its replies."""
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        return _error(413, "too_large", "Tin nhắn quá dài.")
    try:
        # Invalid UTF-8 becomes U+FFFD so the user still gets a reply instead of an error page.
        payload = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return _error(400, "bad_request", "Nội dung gửi lên không phải JSON hợp lệ.")
    try:
        message = ChatIn.model_validate(payload)
    except ValidationError:
        return _error(422, "validation_error", "Thiếu mã phiên (session) hợp lệ hoặc nội dung tin nhắn.")
    incoming = Incoming(
        channel=CHANNEL,
        user_id=message.session,
        text=message.text,
        callback=message.callback,
        update_key=f"{message.session}:{message.message_id}" if message.message_id else None,
        replay_repeats=True,
        address=limit_key(client_address(request, channels.settings.trusted_proxy_networks)),
    )
    address = client_address(request, channels.settings.trusted_proxy_networks)
    exchanged = await run_in_threadpool(_exchange, channels, address, incoming)
    if isinstance(exchanged, int):
        return _rate_limited(exchanged)
    return _out(*exchanged)


def _exchange(channels: Channels, address: str, incoming: Incoming) -> tuple[list[Reply], list[str]] | int:
    """Count the address, run the dialog, take the session's notices: one trip to a worker thread, not three.

    Returns the replies and notices, or the seconds to wait when the address is over its limit.
    """
    allowed, wait = channels.web_limiter.allow(address)
    if not allowed:
        return wait
    replies = channels.dialog.handle(incoming)
    return replies, take_web_notices_and_arm(sessions=channels.sessions, user_id=incoming.user_id)


@router.post(
    "/api/chat/{session}/attachments",
    response_model=ChatOut,
    responses={400: {}, 413: {}, 422: {}, 429: {}},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            "message_id": {"type": "string", "maxLength": 128},
                        },
                    }
                }
            }
        }
    },
)
async def chat_attachment(session: SessionPath, request: Request, channels: ChannelsDep) -> Any:
    """Send a file (multipart field ``file``, optional ``message_id``) in the initiative form."""
    if (refused := await _over_limit(request, channels)) is not None:
        return refused
    limit = channels.settings.max_attachment_mb * 1024 * 1024
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        # Refuse before the body is spooled anywhere.
        return _too_large(channels, session)
    read = await _read_upload(request, limit)
    if isinstance(read, JSONResponse):
        return read
    sent, key = read
    incoming = Incoming(
        channel=CHANNEL,
        user_id=session,
        files=(sent,),
        update_key=f"{session}:{key}" if key else None,
        replay_repeats=True,
    )
    replies = await run_in_threadpool(channels.dialog.handle, incoming)
    return _out(replies, await _notices(channels, session))


async def _read_upload(request: Request, limit: int) -> tuple[IncomingFile, str | None] | JSONResponse:
    """The one file of a multipart upload and its message id, or the error to answer."""
    try:
        async with request.form(max_files=1, max_fields=2) as form:
            upload = form.get("file")
            message_id = form.get("message_id")
            if not isinstance(upload, UploadFile):
                return _error(422, "validation_error", "Thiếu tệp (trường “file”).")
            data = await upload.read(limit + 1)
            sent = IncomingFile(
                filename=upload.filename or "tep",
                content_type=upload.content_type or "application/octet-stream",
                size=len(data),
                data=data if len(data) <= limit else None,
            )
    except (MultiPartException, ValueError):
        return _error(400, "bad_request", "Nội dung tải lên không hợp lệ.")
    if message_id is not None and (not isinstance(message_id, str) or len(message_id) > 128):
        return _error(422, "validation_error", "Mã tin nhắn (message_id) không hợp lệ.")
    return sent, message_id or None


def _too_large(channels: Channels, session: str) -> JSONResponse:
    detail = f"Tệp lớn hơn {channels.settings.max_attachment_mb} MB nên chưa nhận được."
    return JSONResponse(
        {"replies": [detail], "messages": [{"text": detail, "buttons": []}], "notices": []}, status_code=413
    )


@router.get("/api/chat/{session}/notices", responses={422: {}})
async def chat_notices(session: SessionPath, channels: ChannelsDep) -> Any:
    """Notices about this session's submissions (status changes, requests for more information)."""
    return {"notices": await _notices(channels, session)}


def _static(name: str) -> str:
    return resources.files("bot.web").joinpath("static", name).read_text(encoding="utf-8")


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def chat_page() -> HTMLResponse:
    """The chat page (also shown inside the portal's embed frame)."""
    return HTMLResponse(_static("index.html"))


@router.get("/widget.js", include_in_schema=False)
async def widget_script() -> Response:
    """The one-tag embed script for ward portals."""
    return Response(_static("widget.js"), media_type="text/javascript; charset=utf-8")
