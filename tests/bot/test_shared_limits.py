"""Per-user turns and the per-address limit shared through Redis, as several web workers would share them."""

from __future__ import annotations

import asyncio

import pytest
from redis import Redis
from redis.asyncio import Redis as AsyncRedis

from bot.ordering import RedisUserLocks, make_user_order
from bot.web.address_limit import RedisAddressLimiter, make_address_limiter
from core.settings import Settings

pytestmark = pytest.mark.redis


def _locks(url: str, prefix: str, lease_seconds: float = 10.0) -> RedisUserLocks:
    return RedisUserLocks(AsyncRedis.from_url(url, decode_responses=True), prefix=prefix, lease_seconds=lease_seconds)


def test_one_users_turns_hold_across_workers(redis_url: str, redis_prefix: str) -> None:
    async def scenario() -> list[str]:
        worker_a, worker_b = _locks(redis_url, redis_prefix), _locks(redis_url, redis_prefix)
        seen: list[str] = []

        async def message(locks: RedisUserLocks, user: str, name: str, pause: float) -> None:
            async with locks.hold(user):
                seen.append(f"{name}+")
                await asyncio.sleep(pause)
                seen.append(f"{name}-")

        started = asyncio.Event()

        async def first_message() -> None:
            async with worker_a.hold("u1"):
                seen.append("a1+")
                started.set()
                await asyncio.sleep(0.2)
                seen.append("a1-")

        first = asyncio.create_task(first_message())
        await started.wait()
        second = asyncio.create_task(message(worker_b, "u1", "a2", 0))
        await asyncio.sleep(0.05)
        third = asyncio.create_task(message(worker_a, "u1", "a3", 0))
        other = asyncio.create_task(message(worker_b, "u2", "b1", 0))
        await asyncio.gather(first, second, third, other)
        await worker_a.close()
        await worker_b.close()
        return seen

    seen = asyncio.run(scenario())
    assert seen.index("a1-") < seen.index("a2+") < seen.index("a2-") < seen.index("a3+"), seen
    assert seen.index("b1-") < seen.index("a1-"), "another user is not held up"


def test_a_killed_workers_turn_runs_out(redis_url: str, redis_prefix: str) -> None:
    async def scenario() -> bool:
        client = AsyncRedis.from_url(redis_url, decode_responses=True)
        # A worker took u1's turn and was killed: its token stays first, its lease runs out and is not renewed.
        await client.rpush(f"{redis_prefix}turns:u1", "dead-token")
        await client.set(f"{redis_prefix}turn-lease:dead-token", "1", px=300)
        locks = _locks(redis_url, redis_prefix, lease_seconds=0.3)
        ran = False
        async with asyncio.timeout(10):
            async with locks.hold("u1"):
                ran = True
        left = await client.llen(f"{redis_prefix}turns:u1")
        await client.aclose()
        await locks.close()
        return ran and left == 0

    assert asyncio.run(scenario())


def test_the_address_limit_is_counted_once_for_all_workers(redis_url: str, redis_prefix: str) -> None:
    clients = [Redis.from_url(redis_url) for _ in range(2)]
    workers = [
        RedisAddressLimiter(client=client, prefix=redis_prefix, per_minute=3, clock=lambda: 6_000_030.0)
        for client in clients
    ]
    answers = [workers[n % 2].allow("203.0.113.7")[0] for n in range(4)]
    assert answers == [True, True, True, False]
    assert workers[1].allow("203.0.113.7") == (False, 30)
    assert workers[0].allow("198.51.100.1")[0], "another address has its own count"
    for client in clients:
        client.close()


def test_redis_is_used_when_its_url_is_set(settings: Settings, redis_url: str, redis_prefix: str) -> None:
    configured = settings.model_copy(update={"redis_url": redis_url, "redis_prefix": redis_prefix})
    assert isinstance(make_address_limiter(configured, sessions=None), RedisAddressLimiter)  # type: ignore[arg-type]
    assert isinstance(make_user_order(configured, scope="telegram"), RedisUserLocks)
