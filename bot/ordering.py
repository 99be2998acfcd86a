"""One user's messages handled in the order they came, one at a time: in this process, or across workers via Redis."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

from redis.asyncio import Redis

from core.settings import Settings


class UserOrder(Protocol):
    """Per-user turns: ``hold`` waits behind the user's earlier messages."""

    def hold(self, user_id: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold ``user_id``'s turn."""

    async def close(self) -> None:
        """Release what the locks hold on to."""


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    holders: int = 0  # tasks holding or waiting for the lock


class UserLocks:
    """Per-user locks for one event loop; a user's lock is dropped as soon as no task holds or awaits it.

    A ``defaultdict(asyncio.Lock)`` would keep one lock for every user ever seen. Here the count of tasks
    inside ``hold`` decides: the last one out removes the entry, so the table only holds users being served.
    """

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @asynccontextmanager
    async def hold(self, user_id: str) -> AsyncIterator[None]:
        """Hold ``user_id``'s lock, waiting behind that user's earlier messages."""
        entry = self._entries.get(user_id)
        if entry is None:
            entry = self._entries[user_id] = _Entry()
        entry.holders += 1
        try:
            async with entry.lock:
                yield
        finally:
            # Runs on cancellation too, so a task cancelled while waiting never leaks its entry.
            entry.holders -= 1
            if entry.holders == 0 and self._entries.get(user_id) is entry:
                del self._entries[user_id]

    async def close(self) -> None:
        """Nothing to release."""


class RedisUserLocks:
    """Per-user first-come-first-served locks shared by every worker through Redis.

    Each message puts a token at the end of the user's Redis list and waits until its token is first; it removes the
    token when done. Every token has a lease key, refreshed while its message waits or runs: a worker killed mid-turn
    stops refreshing, and the next waiter removes its token once the lease ran out, so a dead worker blocks the user
    for at most ``lease_seconds``.
    """

    def __init__(
        self, client: Redis, *, prefix: str = "thidua:", lease_seconds: float = 10.0, poll_seconds: float = 0.01
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._lease_ms = int(lease_seconds * 1000)
        self._poll = poll_seconds

    def _lease(self, token: str) -> str:
        return f"{self._prefix}turn-lease:{token}"

    async def _renew(self, token: str) -> None:
        await self._client.set(self._lease(token), "1", px=self._lease_ms)

    async def _wait_for_turn(self, queue: str, token: str) -> None:
        while True:
            head = await self._client.lindex(queue, 0)
            if head is None:  # our token was taken for a dead one's (a very long pause): queue again
                await self._client.rpush(queue, token)
            elif str(head) == token:
                return
            elif not await self._client.exists(self._lease(str(head))):
                await self._client.lrem(queue, 1, str(head))  # its worker died
            await self._renew(token)
            await asyncio.sleep(self._poll)

    async def _keep_lease(self, token: str) -> None:
        while True:
            await asyncio.sleep(self._lease_ms / 3000)
            await self._renew(token)

    @asynccontextmanager
    async def hold(self, user_id: str) -> AsyncIterator[None]:
        """Hold ``user_id``'s turn, waiting behind that user's earlier messages on any worker."""
        queue = f"{self._prefix}turns:{user_id}"
        token = uuid.uuid4().hex
        await self._renew(token)
        await self._client.rpush(queue, token)
        await self._client.pexpire(queue, 60 * self._lease_ms)
        keeper: asyncio.Task[None] | None = None
        try:
            await self._wait_for_turn(queue, token)
            keeper = asyncio.create_task(self._keep_lease(token))
            yield
        finally:
            if keeper is not None:
                keeper.cancel()
            await self._client.lrem(queue, 1, token)
            await self._client.delete(self._lease(token))

    async def close(self) -> None:
        """Close the Redis connections."""
        await self._client.aclose()


def make_user_order(settings: Settings, *, scope: str) -> UserOrder:
    """Turns through Redis when ``THIDUA_REDIS_URL`` is set, else in this process; ``scope`` names the channel."""
    if not settings.redis_url:
        return UserLocks()
    client = Redis.from_url(settings.redis_url, decode_responses=True)
    return RedisUserLocks(client, prefix=f"{settings.redis_prefix}{scope}:")
