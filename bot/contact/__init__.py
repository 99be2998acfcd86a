"""Routes that only carry notices to a submitter's contact (e-mail, Zalo ZNS to the phone), besides their chat channel.

Adding a route means one module that defines a ``ContactRoute`` and one line in ``bot.registry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from bot.channels import ChannelContext
from core.settings import Settings


class NoticeSender(Protocol):
    """Delivers a notice to an address; raises ``bot.notifier.DeliveryError`` when it should be retried."""

    async def start(self) -> None:
        """Open what the sender needs."""

    async def stop(self) -> None:
        """Release it."""

    async def send_notice(self, address: str, text: str) -> None:
        """Deliver ``text`` to ``address`` (an e-mail address, a phone number)."""


@dataclass(frozen=True)
class ContactRoute:
    """One contact route: its outbox channel name, whether settings enable it, and how to build its sender."""

    name: str
    enabled: Callable[[Settings], bool]
    build: Callable[[ChannelContext], NoticeSender]
