"""Per-user ordering locks: one user's messages in order, other users not blocked, no entry left behind."""

from __future__ import annotations

import asyncio

import pytest

from bot.ordering import UserLocks


def test_one_users_messages_run_in_order_and_locks_are_dropped() -> None:
    async def scenario() -> list[str]:
        locks = UserLocks()
        seen: list[str] = []

        async def message(user: str, name: str, pause: float) -> None:
            async with locks.hold(user):
                seen.append(f"{name}+")
                await asyncio.sleep(pause)
                seen.append(f"{name}-")

        first = asyncio.create_task(message("u1", "a1", 0.05))
        await asyncio.sleep(0)
        second = asyncio.create_task(message("u1", "a2", 0))
        other = asyncio.create_task(message("u2", "b1", 0))
        await asyncio.gather(first, second, other)
        assert len(locks) == 0
        return seen

    seen = asyncio.run(scenario())
    assert seen.index("a1-") < seen.index("a2+"), "the same user's second message waits for the first"
    assert seen.index("b1-") < seen.index("a1-"), "another user is not held up"


def test_a_cancelled_waiter_leaves_no_entry() -> None:
    async def scenario() -> int:
        locks = UserLocks()
        release = asyncio.Event()

        async def holder() -> None:
            async with locks.hold("u1"):
                await release.wait()

        async def waiter() -> None:
            async with locks.hold("u1"):
                pass

        held = asyncio.create_task(holder())
        await asyncio.sleep(0)
        waiting = asyncio.create_task(waiter())
        await asyncio.sleep(0)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        release.set()
        await held
        return len(locks)

    assert asyncio.run(scenario()) == 0
