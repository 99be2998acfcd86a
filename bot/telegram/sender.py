"""Sending to Telegram with retries: honour ``retry_after`` on 429, back off on 5xx and network errors."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 60.0


def retry_seconds(error: RetryAfter) -> float:
    """The wait Telegram asked for, in seconds (an int or a timedelta depending on the library setting)."""
    value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def with_retries(call: Callable[[], Awaitable[T]], *, attempts: int = MAX_ATTEMPTS) -> T:
    """Run ``call``; retry on flood control (after ``retry_after``) and on 5xx or network failures."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except RetryAfter as exc:
            if attempt == attempts:
                raise
            wait = min(retry_seconds(exc), MAX_WAIT_SECONDS)
            log.warning("Telegram flood control; waiting %.1f s", wait)
            await asyncio.sleep(wait)
        except (BadRequest, Forbidden, InvalidToken):
            raise  # the request itself is wrong or the user blocked the bot: retrying cannot help
        except NetworkError:
            if attempt == attempts:
                raise
            await asyncio.sleep(min(0.5 * 2 ** (attempt - 1), MAX_WAIT_SECONDS))
    raise AssertionError("unreachable")
