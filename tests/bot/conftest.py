"""Fixtures of the channel tests: settings in a temporary folder with generous limits."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from tests.bot.support import ChatRuntime, make_app, make_runtime


@pytest.fixture
def chat_settings(tmp_path: Path) -> Settings:
    """Settings for chat tests: a fresh data folder (its SQLite file shared by every 'worker' of the test)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, environment="test", data_dir=tmp_path / "data", rate_limit_per_minute=500
    )


@pytest.fixture
def runtime(chat_settings: Settings) -> Iterator[ChatRuntime]:
    """A chat runtime (real database, fake answerer) on the test's settings."""
    current = make_runtime(chat_settings)
    yield current
    current.close()


@pytest.fixture
def client(runtime: ChatRuntime) -> Iterator[TestClient]:
    """The whole app around ``runtime``, started (lifespan run) for the test."""
    with TestClient(make_app(runtime)) as test_client:
        yield test_client
