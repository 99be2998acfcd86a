"""Telegram load: webhook bursts with repeated updates, and initiative forms sent one update at a time per chat.

Updates are posted to ``/webhooks/telegram`` as Telegram would: with the secret header, and again when the answer was
not a 2xx (Telegram re-sends until it gets one). What the bot sent comes back through the fake Bot API.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from thidua.loadtest.fake_telegram import FakeTelegram
from thidua.loadtest.web import FORM, QUESTIONS, Tally

SECRET = "loadtest-webhook-secret"  # noqa: S105 - the harness's own webhook secret
RECEIPT = re.compile(r"Mã hồ sơ:\s*(?:<[^>]+>\s*)*([A-Z]{2,}-\d{4}-\d+)")
BURST_CHATS_FROM = 5_000_000
FORM_CHATS_FROM = 6_000_000
IN_FLIGHT = 50  # webhook posts at once


@dataclass
class TelegramTally:
    """What the Telegram side saw."""

    updates_unique: int = 0
    updates_repeated: int = 0
    expected_replies: Counter[str] = field(default_factory=Counter)
    receipts: dict[str, str] = field(default_factory=dict)  # chat id -> receipt code
    receipts_twice: int = 0


_update_ids = itertools.count(1)


def text_update(chat_id: int, text: str) -> dict[str, Any]:
    """A private text message as Telegram sends it to a webhook, with a fresh ``update_id``."""
    update_id = next(_update_ids)
    user = {"id": chat_id, "is_bot": False, "first_name": "Người dân"}
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private", "first_name": "Người dân"},
        "from": user,
        "text": text,
    }
    return {"update_id": update_id, "message": message}


async def post_update(client: httpx.AsyncClient, tally: Tally, update: dict[str, Any]) -> None:
    """Post one update until the app answers 2xx (bounded), as Telegram re-sends after a failure."""
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for _ in range(60):
        try:
            response = await client.post("/webhooks/telegram", json=update, headers=headers)
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
            continue
        tally.status[response.status_code] += 1
        if response.is_success:
            return
        await asyncio.sleep(0.5)


async def burst(
    client: httpx.AsyncClient, tally: Tally, tg: TelegramTally, *, updates: int, chats: int, repeat_share: float = 0.1
) -> None:
    """``updates`` webhook posts at once from ``chats`` chats, ``repeat_share`` of them repeats of earlier ones."""
    repeats = int(updates * repeat_share)
    unique = [
        text_update(BURST_CHATS_FROM + n % chats, QUESTIONS[n % len(QUESTIONS)]) for n in range(updates - repeats)
    ]
    chosen = random.Random(12).choices(unique, k=repeats)
    order = [*unique, *chosen]
    random.Random(13).shuffle(order)
    for update in unique:
        tg.expected_replies[str(update["message"]["chat"]["id"])] += 1
    tg.updates_unique += len(unique)
    tg.updates_repeated += repeats
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(update: dict[str, Any]) -> None:
        async with gate:
            await post_update(client, tally, update)

    await asyncio.gather(*(one(update) for update in order))


async def _wait_for_messages(fake: FakeTelegram, chat: str, count: int, limit: float = 60.0) -> None:
    for _ in range(int(limit / 0.05)):
        if len(fake.messages(chat)) >= count:
            return
        await asyncio.sleep(0.05)


async def form(client: httpx.AsyncClient, tally: Tally, tg: TelegramTally, fake: FakeTelegram, user: int) -> None:
    """One initiative form over Telegram, each step after the bot answered the one before; the confirmation twice."""
    chat_id = FORM_CHATS_FROM + user
    chat = str(chat_id)
    confirm = text_update(chat_id, "Gửi")
    for update in [*(text_update(chat_id, text) for text in FORM), confirm]:
        seen = len(fake.messages(chat))
        await post_update(client, tally, update)
        await _wait_for_messages(fake, chat, seen + 1)
    await post_update(client, tally, confirm)  # Telegram re-sends an update whose answer it did not get
    await asyncio.sleep(1.0)
    found = [m.group(1) for sent in fake.messages(chat) if (m := RECEIPT.search(sent.text))]
    if found:
        tg.receipts[chat] = found[0]
    tg.receipts_twice += max(0, len(set(found)) - 1)


def check_replies(fake: FakeTelegram, tg: TelegramTally) -> tuple[int, int]:
    """Burst replies against unique updates: (missing, duplicate) over the burst's chats."""
    got = fake.replies_per_chat()
    missing = sum(max(0, n - got[chat]) for chat, n in tg.expected_replies.items())
    extra = sum(max(0, got[chat] - n) for chat, n in tg.expected_replies.items())
    return missing, extra


async def wait_for_replies(fake: FakeTelegram, tg: TelegramTally, limit: float) -> None:
    """Wait until every unique update of the bursts got its reply (or ``limit`` seconds passed)."""
    for _ in range(int(limit / 0.5)):
        if not check_replies(fake, tg)[0]:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.0)  # late doubles would come now


def notices_received(fake: FakeTelegram, expected: dict[str, str]) -> Counter[str]:
    """How often each expected notice (chat id -> text) arrived (notices carry no buttons)."""
    counts: Counter[str] = Counter()
    for sent in fake.messages():
        if not sent.with_buttons and sent.chat_id in expected and _same_text(sent.text, expected[sent.chat_id]):
            counts[sent.chat_id] += 1
    return counts


def _same_text(html: str, text: str) -> bool:
    plain = re.sub(r"<[^>]+>", "", html).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return plain.strip() == text.strip() or text.strip() in plain
