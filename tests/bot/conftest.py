"""Fixtures of the channel tests: settings in a temporary folder with generous limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import Settings


@pytest.fixture
def chat_settings(tmp_path: Path) -> Settings:
    """Settings for chat tests: a fresh data folder (its SQLite file shared by every 'worker' of the test)."""
    return Settings(  # type: ignore[call-arg]
        _env_file=None, environment="test", data_dir=tmp_path / "data", rate_limit_per_minute=500
    )
