"""A per-client-address limit on the web chat, in addition to the per-session one kept in the dialog state.

Session ids are made by the page, so a script can use a new one for every message; the address it connects
from is harder to change. Only the socket peer counts, unless it is one of ``trusted_proxies``: then the
``X-Forwarded-For`` chain is read from the right, skipping trusted hops, and the first other address is the client.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Sequence

from redis import Redis
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import Request

from core.db import session_scope, skip_disk_wait
from core.rate_counters import count_hit, forget_windows
from core.settings import Settings

WINDOW_SECONDS = 60.0
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def _trusted(address: str, networks: Sequence[_Network]) -> bool:
    parsed = _parse(address)
    return parsed is not None and any(parsed in network for network in networks)


def client_address(request: Request, trusted_proxies: Sequence[_Network] = ()) -> str:
    """The address the request came from: the socket peer, or what trusted proxies say the client was."""
    address = request.client.host if request.client is not None else ""
    if not trusted_proxies or not _trusted(address, trusted_proxies):
        return address
    hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    for hop in reversed(hops):
        if _parse(hop) is None:
            break  # a malformed hop was written by someone we do not trust: stop at the last trusted one
        address = hop
        if not _trusted(hop, trusted_proxies):
            break
    return address


def limit_key(address: str) -> str:
    """What is counted: an IPv4 address, or the /64 network of an IPv6 one (a single home or phone gets a /64)."""
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(parsed) if parsed is not None else address


class AddressLimiter:
    """At most ``per_minute`` requests per client address in each one-minute window, in this process.

    Meant for one event loop (the routes are async), so no lock; entries of windows that ended are swept
    once a minute, so the table holds only addresses seen in the last minute or two.
    """

    def __init__(self, *, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._per_minute = per_minute
        self._clock = clock
        self._windows: dict[str, tuple[float, int]] = {}
        self._swept = clock()

    def __len__(self) -> int:
        return len(self._windows)

    def allow(self, address: str) -> tuple[bool, int]:
        """Count one request from ``address``; returns (allowed, seconds until the window ends)."""
        now = self._clock()
        if now - self._swept >= WINDOW_SECONDS:
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < WINDOW_SECONDS}
            self._swept = now
        key = limit_key(address)
        started, count = self._windows.get(key, (now, 0))
        if now - started >= WINDOW_SECONDS:
            started, count = now, 0
        wait = max(1, int(started + WINDOW_SECONDS - now + 0.999))
        if count >= self._per_minute:
            return False, wait
        self._windows[key] = (started, count + 1)
        return True, wait


class SharedAddressLimiter:
    """The same limit counted in the database, so it holds across web workers (fixed one-minute windows).

    ``allow`` writes to the database: call it from a worker thread, not the event loop.
    """

    def __init__(self, *, sessions: sessionmaker[Session], per_minute: int, clock: Callable[[], float] = time.time):
        self._sessions = sessions
        self._per_minute = per_minute
        self._clock = clock
        self._swept_window = 0

    def allow(self, address: str) -> tuple[bool, int]:
        """Count one request from ``address``; returns (allowed, seconds until the window ends)."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        wait = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        with session_scope(self._sessions) as session:
            skip_disk_wait(session)
            count = count_hit(session=session, key=limit_key(address), window=window)
            if window > self._swept_window:  # once a minute per worker, drop finished windows
                forget_windows(session=session, before=window - 1)
                self._swept_window = window
        return count <= self._per_minute, wait


class RedisAddressLimiter:
    """The same limit counted in Redis (one key per address and minute, gone two minutes later), across web workers.

    ``allow`` talks to Redis: call it from a worker thread, not the event loop.
    """

    def __init__(self, *, client: Redis, prefix: str, per_minute: int, clock: Callable[[], float] = time.time):
        self._client = client
        self._prefix = prefix
        self._per_minute = per_minute
        self._clock = clock

    def allow(self, address: str) -> tuple[bool, int]:
        """Count one request from ``address``; returns (allowed, seconds until the window ends)."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        wait = max(1, int((window + 1) * WINDOW_SECONDS - now + 0.999))
        key = f"{self._prefix}address:{limit_key(address)}:{window}"
        pipe = self._client.pipeline()
        pipe.incr(key)
        pipe.expire(key, int(2 * WINDOW_SECONDS))
        count, _ = pipe.execute()
        return int(count) <= self._per_minute, wait


Limiter = AddressLimiter | SharedAddressLimiter | RedisAddressLimiter


def make_address_limiter(settings: Settings, sessions: sessionmaker[Session]) -> Limiter:
    """Counted in Redis when ``THIDUA_REDIS_URL`` is set; else in the database on PostgreSQL (several web workers),
    in the process on SQLite (one host, one process)."""
    if settings.redis_url:
        client = Redis.from_url(settings.redis_url)
        per_minute = settings.web_chat_per_address_per_minute
        return RedisAddressLimiter(client=client, prefix=settings.redis_prefix, per_minute=per_minute)
    if settings.sqlalchemy_url.startswith("sqlite"):
        return AddressLimiter(per_minute=settings.web_chat_per_address_per_minute)
    return SharedAddressLimiter(sessions=sessions, per_minute=settings.web_chat_per_address_per_minute)
