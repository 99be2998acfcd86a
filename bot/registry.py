"""Every kind of push channel and contact route the product has: adding one is one package and one line here."""

from __future__ import annotations

from bot.channels import ChannelKind
from bot.contact import ContactRoute
from bot.contact.email import EMAIL
from bot.contact.zns import ZNS
from bot.telegram.webhook import KIND as TELEGRAM
from bot.zalo.webhook import KIND as ZALO
from bot.zalobot.channel import KIND as ZALOBOT

KINDS: tuple[ChannelKind, ...] = (TELEGRAM, ZALO, ZALOBOT)
CONTACT_ROUTES: tuple[ContactRoute, ...] = (EMAIL, ZNS)
