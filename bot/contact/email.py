"""Notices by e-mail through a real SMTP server (stdlib ``smtplib`` in a worker thread)."""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from starlette.concurrency import run_in_threadpool

from bot.contact import ContactRoute
from bot.notifier import DeliveryError
from core.initiatives import CODE_PATTERN
from core.settings import Settings

CHANNEL = "email"
TIMEOUT_SECONDS = 20.0
_PERMANENT = re.compile(r"^5\d\d")
FOOTER = (
    "\n\n—\nĐây là thư tự động của trợ lý phong trào “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”, gửi tới "
    "địa chỉ Anh/Chị đã khai khi gửi sáng kiến. Nếu không muốn nhận thông báo qua e-mail, Anh/Chị nhắn "
    "“/ngungthongbao {code}” cho trợ lý."
)


def message_for(*, settings: Settings, address: str, text: str) -> EmailMessage:
    """The e-mail of one notice: plain UTF-8 text, the receipt code in the subject."""
    match = CODE_PATTERN.search(text)
    code = match.group(0) if match else ""
    message = EmailMessage()
    message["Subject"] = f"Thông báo về hồ sơ sáng kiến {code}".strip()
    message["From"] = settings.smtp_from
    message["To"] = address
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or "localhost")
    message.set_content(text + (FOOTER.format(code=code) if code else ""))
    return message


class EmailSender:
    """Sends each notice in its own SMTP session (notices are few; no connection is held open)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.smtp_host:
            raise ValueError("THIDUA_SMTP_HOST is not set")
        self.settings = settings
        self.host = settings.smtp_host

    async def start(self) -> None:
        """Nothing to open: a session per notice."""

    async def stop(self) -> None:
        """Nothing to close."""

    async def send_notice(self, address: str, text: str) -> None:
        """Send one notice; a refused or unreachable server is a ``DeliveryError`` (retried later)."""
        await run_in_threadpool(self._send, message_for(settings=self.settings, address=address, text=text))

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.smtp_tls == "tls":
            return smtplib.SMTP_SSL(
                self.host, settings.smtp_port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        client = smtplib.SMTP(self.host, settings.smtp_port, timeout=TIMEOUT_SECONDS)
        if settings.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def _send(self, message: EmailMessage) -> None:
        try:
            with self._connect() as client:
                if self.settings.smtp_user:
                    client.login(self.settings.smtp_user, self.settings.smtp_password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP: {type(exc).__name__}: {str(exc)[:300]}") from exc


EMAIL = ContactRoute(
    name=CHANNEL,
    enabled=lambda settings: bool(settings.smtp_host),
    build=lambda context: EmailSender(context.settings),
)
