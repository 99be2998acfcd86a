"""Web workers beside a `thidua worker` run nothing on their own; a single process runs everything."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

import bot.lifecycle
from core.settings import Settings
from tests.bot.support import make_app, make_runtime


@pytest.mark.parametrize("background", [True, False])
def test_background_work_runs_only_where_asked(
    chat_settings: Settings, monkeypatch: pytest.MonkeyPatch, background: bool
) -> None:
    started: list[str] = []

    async def housekeeping(_runtime: Any) -> None:
        started.append("housekeeping")
        await asyncio.sleep(3600)

    monkeypatch.setattr(bot.lifecycle, "_housekeeping", housekeeping)
    runtime = make_runtime(chat_settings.model_copy(update={"web_background": background}))
    try:
        with TestClient(make_app(runtime)) as client:
            assert client.post("/api/chat", json={"session": "web-worker-1", "text": "xin chào"}).status_code == 200
    finally:
        runtime.close()
    assert started == (["housekeeping"] if background else [])
