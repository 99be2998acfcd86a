"""The running channels of a process, as the routes see them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from bot.dialog import Dialog
from bot.web.address_limit import AddressLimiter, SharedAddressLimiter, make_address_limiter
from core.settings import Settings

if TYPE_CHECKING:
    from bot.telegram.adapter import TelegramChannel
    from bot.zalo.webhook import ZaloChannel


@dataclass
class Channels:
    """The dialog and every enabled channel adapter."""

    settings: Settings
    sessions: sessionmaker[Session]
    dialog: Dialog
    telegram: TelegramChannel | None = None
    zalo: ZaloChannel | None = None
    web_limiter: AddressLimiter | SharedAddressLimiter = field(init=False)

    def __post_init__(self) -> None:
        self.web_limiter = make_address_limiter(self.settings, self.sessions)


def get_channels(request: Request) -> Channels:
    """The channels started by the app's lifespan; 503 while they are not running."""
    channels = getattr(request.app.state, "channels", None)
    if not isinstance(channels, Channels):
        raise HTTPException(status_code=503, detail="Kênh trò chuyện chưa sẵn sàng.")
    return channels
