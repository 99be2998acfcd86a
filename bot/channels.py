"""A channel is a plug-in: the ``Channel`` protocol, the ``ChannelKind`` that registers one, and the running set.

Adding a channel means one package that defines a ``ChannelKind`` and one line in ``bot.registry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from fastapi import APIRouter, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from bot.dialog import Dialog
from bot.messages import Reply
from bot.web.address_limit import Limiter, make_address_limiter
from core.settings import Settings


class Channel(Protocol):
    """A running channel: it turns platform messages into dialog messages and sends replies and notices."""

    @property
    def name(self) -> str:
        """The channel's name, as stored with conversations and submissions (``telegram``, ``zalobot``…)."""

    @property
    def accepts_webhook(self) -> bool:
        """Whether its webhook route is on (off when it polls instead)."""

    async def start(self) -> None:
        """Connect to the platform (and start polling where it polls)."""

    async def stop(self) -> None:
        """Stop and release clients."""

    async def send_reply(self, user_id: str, reply: Reply) -> None:
        """Send one dialog reply to ``user_id``, split and escaped for the platform."""

    async def send_notice(self, user_id: str, text: str) -> None:
        """Deliver a queued notice; raises ``bot.notifier.DeliveryError`` when it should be retried later."""


@dataclass(frozen=True)
class ChannelContext:
    """What a channel is built from."""

    settings: Settings
    sessions: sessionmaker[Session]
    dialog: Dialog


@dataclass(frozen=True)
class ChannelKind:
    """One kind of channel: its routes (always mounted), whether settings enable it, and how to build it."""

    name: str
    router: APIRouter
    enabled: Callable[[Settings], bool]
    build: Callable[[ChannelContext], Channel]


@dataclass
class Channels:
    """The dialog and every running channel."""

    settings: Settings
    sessions: sessionmaker[Session]
    dialog: Dialog
    running: dict[str, Channel] = field(default_factory=dict)
    web_limiter: Limiter = field(init=False)

    def __post_init__(self) -> None:
        self.web_limiter = make_address_limiter(self.settings, self.sessions)

    def get(self, name: str) -> Channel | None:
        """The running channel ``name``, or None when it is off."""
        return self.running.get(name)


def get_channels(request: Request) -> Channels:
    """The channels started by the app's lifespan; 503 while they are not running."""
    channels = getattr(request.app.state, "channels", None)
    if not isinstance(channels, Channels):
        raise HTTPException(status_code=503, detail="Kênh trò chuyện chưa sẵn sàng.")
    return channels
