"""The web chat's per-address limit: counted on the socket peer, proxies believed only when configured."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bot.web.address_limit import AddressLimiter, SharedAddressLimiter, limit_key
from core.settings import Settings
from tests.bot.support import PNG, ChatRuntime, make_app, make_runtime


def _settings(tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "environment": "test",
        "data_dir": tmp_path / "data",
        "rate_limit_per_minute": 500,
        "web_chat_per_address_per_minute": 3,
    }
    return Settings(**{**values, **extra})


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[ChatRuntime]:
    current = make_runtime(_settings(tmp_path))
    yield current
    current.close()


def _post(client: TestClient, headers: dict[str, str] | None = None) -> Any:
    body = json.dumps({"session": uuid.uuid4().hex, "text": "Hạn gửi sáng kiến?"})  # a new session every time
    return client.post("/api/chat", content=body, headers={"content-type": "application/json", **(headers or {})})


def test_one_address_is_limited_whatever_its_sessions(runtime: ChatRuntime) -> None:
    app = make_app(runtime)
    with TestClient(app, client=("198.51.100.7", 40000)) as client:
        assert [_post(client).status_code for _ in range(3)] == [200, 200, 200]
        refused = _post(client, {"X-Forwarded-For": "203.0.113.50"})  # not believed: no proxy is trusted
        assert refused.status_code == 429
        body = refused.json()
        assert body["error"] == "rate_limited" and "chờ khoảng một phút" in body["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        upload = client.post(f"/api/chat/{uuid.uuid4().hex}/attachments", files={"file": ("a.png", PNG, "image/png")})
        assert upload.status_code == 429
        assert len(runtime.answerer.asked) == 3, "a refused message never reaches the dialog"
    with TestClient(app, client=("198.51.100.8", 40000)) as neighbour:
        assert _post(neighbour).status_code == 200


def test_forwarded_for_is_read_only_from_trusted_proxies(tmp_path: Path) -> None:
    current = make_runtime(_settings(tmp_path, trusted_proxies="10.0.0.0/24, ::1"))
    try:
        with TestClient(make_app(current), client=("10.0.0.5", 40000)) as proxy:
            first = {"X-Forwarded-For": "203.0.113.1"}
            assert [_post(proxy, first).status_code for _ in range(3)] == [200, 200, 200]
            assert _post(proxy, first).status_code == 429
            # Another client behind the same proxy has its own budget; a hop the client wrote itself is skipped.
            assert _post(proxy, {"X-Forwarded-For": "203.0.113.1, 203.0.113.2"}).status_code == 200
            assert _post(proxy, {"X-Forwarded-For": "203.0.113.1, 203.0.113.2, 10.0.0.9"}).status_code == 200
    finally:
        current.close()


def test_limiter_windows_sweep_and_ipv6_networks() -> None:
    now = [1000.0]
    limiter = AddressLimiter(per_minute=2, clock=lambda: now[0])
    assert limiter.allow("192.0.2.1")[0] and limiter.allow("192.0.2.1")[0]
    allowed, wait = limiter.allow("192.0.2.1")
    assert not allowed and wait == 60
    # One phone's /64 is one client, however it picks its address.
    assert limiter.allow("2001:db8:1:2::10")[0] and limiter.allow("2001:db8:1:2:abcd::1")[0]
    assert not limiter.allow("2001:db8:1:2::99")[0]
    assert limit_key("::ffff:192.0.2.1") == "192.0.2.1"
    now[0] += 61
    assert limiter.allow("192.0.2.1")[0]
    assert len(limiter) == 1, "windows that ended are swept"


def test_trusted_proxies_must_be_addresses(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        _settings(tmp_path, trusted_proxies="proxy.local")
    assert [str(n) for n in _settings(tmp_path, trusted_proxies="10.0.0.5, fd00::/8").trusted_proxy_networks] == [
        "10.0.0.5/32",
        "fd00::/8",
    ]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_shared_limit_holds_across_workers(request: pytest.FixtureRequest, tmp_path: Any, backend: str) -> None:
    from core.db import make_engine, make_session_factory, migrate

    if backend == "sqlite":
        settings = Settings(_env_file=None, environment="test", data_dir=tmp_path / "d")  # type: ignore[call-arg]
        migrate(settings)
        engine = make_engine(settings.sqlalchemy_url)
    else:
        engine = request.getfixturevalue("postgresql_engine")
    sessions = make_session_factory(engine)
    moment = 1_800_000_000.0
    workers = [SharedAddressLimiter(sessions=sessions, per_minute=3, clock=lambda: moment) for _ in range(2)]
    outcomes = [workers[i % 2].allow("203.0.113.7")[0] for i in range(5)]
    assert outcomes == [True, True, True, False, False], "one count, whichever worker answers"
    assert workers[0].allow("203.0.113.8")[0], "another address has its own count"
