"""One user's messages handled in the order they came, with a lock per user that exists only while in use."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field


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
