"""Web workers beside a `thidua worker` run nothing on their own; a single process runs everything."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fastapi.testclient import TestClient

import bot.lifecycle
from core.settings import Settings
from tests.bot.support import make_app, make_runtime
from tests.fakes import ZALOBOT_TOKEN, FakeZaloBot


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


@pytest.mark.parametrize("background", [True, False])
def test_a_polling_channel_runs_only_with_background_work(chat_settings: Settings, background: bool) -> None:
    fake = FakeZaloBot()
    settings = chat_settings.model_copy(
        update={"web_background": background, "zalobot_token": ZALOBOT_TOKEN, "zalobot_api_url": fake.url}
    )
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            running = client.app.state.channels.get("zalobot")  # type: ignore[attr-defined]
            assert (running is not None) == background, "a web worker beside `thidua worker` polls nothing"
            webhook = client.post("/webhooks/zalobot", json={})
            assert webhook.status_code == 404, "a polling channel takes no webhook calls"
    finally:
        runtime.close()
        fake.close()


def test_a_webhook_channel_answers_in_a_web_worker_too(chat_settings: Settings) -> None:
    fake = FakeZaloBot()
    settings = chat_settings.model_copy(
        update={
            "web_background": False,
            "zalobot_token": ZALOBOT_TOKEN,
            "zalobot_webhook_secret": "zalobot-Secret-123",
            "zalobot_api_url": fake.url,
        }
    )
    runtime = make_runtime(settings)
    try:
        with TestClient(make_app(runtime)) as client:
            assert client.app.state.channels.get("zalobot") is not None  # type: ignore[attr-defined]
    finally:
        runtime.close()
        fake.close()
