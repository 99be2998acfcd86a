"""Telegram adapter: turns updates into dialog messages and replies into ``sendMessage`` calls."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from starlette.concurrency import run_in_threadpool
from telegram import (
    BotCommand,
    Document,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    PhotoSize,
    Update,
)
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.dialog import Dialog
from bot.messages import Incoming, IncomingFile, Reply
from bot.notifier import DeliveryError
from bot.ordering import make_user_order
from bot.rendering import TELEGRAM_LIMIT, split_text, telegram_html
from bot.telegram.sender import retry_seconds, with_retries
from core.settings import Settings

log = logging.getLogger(__name__)

CHANNEL = "telegram"
CONCURRENT_UPDATES = 16
ALLOWED_UPDATES = ["message", "callback_query"]
COMMANDS = (
    ("sangkien", "Gửi sáng kiến"),
    ("trangthai", "Tra cứu hồ sơ sáng kiến"),
    ("diaban", "Chọn phường/xã"),
    ("bosung", "Bổ sung thông tin hồ sơ"),
    ("rut", "Rút sáng kiến chưa có kết quả"),
    ("ngungthongbao", "Ngừng thông báo qua e-mail/Zalo"),
    ("huy", "Hủy thao tác đang làm"),
    ("help", "Hướng dẫn"),
)
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's buttons as an inline keyboard (buttons whose data exceeds 64 bytes are left out)."""
    rows = [
        [InlineKeyboardButton(b.label, callback_data=b.data) for b in row if 0 < len(b.data.encode()) <= 64]
        for row in reply.buttons
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


class TelegramChannel:
    """A python-telegram-bot ``Application`` fed by polling or by our webhook route, replying through the dialog."""

    def __init__(self, *, settings: Settings, dialog: Dialog) -> None:
        if not settings.telegram_token:
            raise ValueError("THIDUA_TELEGRAM_TOKEN is not set")
        secret = settings.telegram_webhook_secret
        if secret and not SECRET_FORMAT.fullmatch(secret):
            # Telegram's setWebhook refuses any other secret_token, so fail at start-up rather than never get updates.
            raise ValueError("THIDUA_TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        self.settings = settings
        self.dialog = dialog
        self.webhook_mode = bool(secret)
        api = settings.telegram_api_url.rstrip("/")
        builder = (
            Application.builder()
            .token(settings.telegram_token)
            .base_url(f"{api}/bot")
            .base_file_url(f"{api}/file/bot")
            .concurrent_updates(CONCURRENT_UPDATES)
        )
        if self.webhook_mode:
            builder = builder.updater(None)
        self.application: Application[Any, Any, Any, Any, Any, Any] = builder.build()
        self.application.bot_data["channel"] = self
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
        self.application.add_handler(MessageHandler(private, on_message))
        self.application.add_handler(CallbackQueryHandler(on_callback))
        self.application.add_error_handler(on_error)
        # Updates are handled concurrently, but one user's updates in the order they came.
        self._user_locks = make_user_order(settings, scope=CHANNEL)

    @property
    def name(self) -> str:
        """The channel's name."""
        return CHANNEL

    @property
    def accepts_webhook(self) -> bool:
        """Whether updates come through our webhook (a secret is set) rather than polling."""
        return self.webhook_mode

    @property
    def bot_id(self) -> str:
        """The bot's numeric id (the token's prefix), which scopes update ids."""
        return str(self.application.bot.id)

    async def start(self) -> None:
        """Initialise the bot (``getMe``), start processing, and poll unless a webhook secret is set."""
        await self.application.initialize()
        try:
            await self.application.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
        except TelegramError:
            log.warning("could not register the command menu", exc_info=True)
        await self.application.start()
        if not self.webhook_mode and self.application.updater is not None:
            await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=0.5)
            log.info("Telegram polling started")

    async def stop(self) -> None:
        """Stop polling and processing; release the HTTP clients."""
        if self.application.updater is not None and self.application.updater.running:
            await self.application.updater.stop()
        if self.application.running:
            await self.application.stop()
        await self.application.shutdown()
        await self._user_locks.close()

    async def feed(self, payload: dict[str, Any]) -> None:
        """Process one webhook update, replies sent, before the webhook answers (``ValueError``: not an update).

        Telegram re-sends an update until it gets a 2xx: answering only after the work means a web worker killed
        mid-update costs nothing (the re-sent copy is handled by another worker), where a queued update would be lost
        with the process. It also keeps one chat's updates in order across workers, as Telegram sends the next update
        of a chat only after the previous one was answered.
        """
        try:
            update = Update.de_json(payload, self.application.bot)
        except Exception as exc:  # whatever the library trips over in a hostile body, it is not an update
            raise ValueError("not a Telegram update") from exc
        await self.application.process_update(update)

    async def handle(self, incoming: Incoming, chat_id: int) -> None:
        """Run one message through the dialog (in a worker thread) and send the replies."""
        async with self._user_locks.hold(incoming.user_id):
            replies = await run_in_threadpool(self.dialog.handle_patiently, incoming)
            await self.send_replies(chat_id, replies)

    async def send_replies(self, chat_id: int | str, replies: list[Reply]) -> None:
        """Send replies in order, split under 4096 characters, the buttons under the last piece."""
        for reply in replies:
            pieces = split_text(reply.text, TELEGRAM_LIMIT)
            for index, piece in enumerate(pieces):
                markup = keyboard(reply) if index == len(pieces) - 1 else None
                html = telegram_html(piece, bold=reply.emphasis)
                await with_retries(functools.partial(self._send_piece, chat_id, html, markup))

    async def send_reply(self, user_id: str, reply: Reply) -> None:
        """Send one reply to a user's private chat (its id equals the user id)."""
        await self.send_replies(user_id, [reply])

    async def _send_piece(self, chat_id: int | str, html: str, markup: InlineKeyboardMarkup | None) -> Message:
        sent: Message = await self.application.bot.send_message(
            chat_id=chat_id, text=html, parse_mode=ParseMode.HTML, reply_markup=markup
        )
        return sent

    async def send_notice(self, user_id: str, text: str) -> None:
        """Deliver a queued notice (the private chat id equals the user id)."""
        try:
            await self.send_replies(user_id, [Reply(text)])
        except TelegramError as exc:
            retry_after = None
            if hasattr(exc, "retry_after"):
                retry_after = retry_seconds(exc)  # type: ignore[arg-type]
            raise DeliveryError(f"Telegram: {type(exc).__name__}", retry_after=retry_after) from exc

    async def download(self, file_id: str, size: int | None) -> bytes | None:
        """The bytes of a sent file, or None when it is larger than the attachment limit."""
        limit = self.settings.max_attachment_mb * 1024 * 1024
        if size is not None and size > limit:
            return None
        file = await with_retries(lambda: self.application.bot.get_file(file_id))
        data = bytes(await with_retries(file.download_as_bytearray))
        return data if len(data) <= limit else None


def _channel(context: ContextTypes.DEFAULT_TYPE) -> TelegramChannel:
    channel = context.application.bot_data["channel"]
    assert isinstance(channel, TelegramChannel)
    return channel


async def _files(channel: TelegramChannel, message: Message) -> tuple[IncomingFile, ...]:
    photo: PhotoSize | None = message.photo[-1] if message.photo else None
    document: Document | None = message.document
    if photo is not None:
        data = await channel.download(photo.file_id, photo.file_size)
        name = f"anh_{photo.file_unique_id}.jpg"
        return (IncomingFile(name, "image/jpeg", photo.file_size or len(data or b""), data),)
    if document is not None:
        data = await channel.download(document.file_id, document.file_size)
        name = document.file_name or f"tai_lieu_{document.file_unique_id}"
        content_type = document.mime_type or "application/octet-stream"
        return (IncomingFile(name, content_type, document.file_size or len(data or b""), data),)
    return ()


async def on_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hand a private message (text, caption, photo or document) to the dialog."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None:
        return
    channel = _channel(context)
    files = await _files(channel, message)
    text = message.text or message.caption or ""
    incoming = Incoming(
        channel=CHANNEL,
        user_id=str(user.id),
        text=text,
        files=files,
        update_key=f"{channel.bot_id}:{update.update_id}",
        unsupported=not text and not files,
    )
    await channel.handle(incoming, message.chat_id)


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Hand a pressed inline button to the dialog."""
    query, user = update.callback_query, update.effective_user
    if query is None or user is None:
        return
    channel = _channel(context)
    try:
        await with_retries(query.answer)  # stops the button's spinner
    except TelegramError:
        # A re-delivered or stale query can no longer be answered; the dialog still decides what to do.
        log.info("could not answer a callback query", exc_info=True)
    chat_id = query.message.chat.id if query.message is not None else user.id
    incoming = Incoming(
        channel=CHANNEL,
        user_id=str(user.id),
        callback=query.data or "",
        update_key=f"{channel.bot_id}:{update.update_id}",
    )
    await channel.handle(incoming, chat_id)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log any handler failure with its traceback and apologise to the user."""
    log.error("Telegram update failed", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat is not None:
        try:
            await context.bot.send_message(
                chat_id=update.effective_chat.id,
                text="Xin lỗi Anh/Chị, hệ thống đang gặp sự cố. Anh/Chị vui lòng thử lại sau ít phút.",
            )
        except TelegramError:
            log.warning("could not send the apology either", exc_info=True)
