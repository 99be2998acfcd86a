"""What only the Zalo Bot channel does: numbered choices, both update shapes, polling, its settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bot.zalobot.channel import unwrap
from core.settings import Settings
from tests.bot.support import make_app, make_runtime
from tests.fakes import ZALOBOT_TOKEN, FakeZaloBot

SECRET = "zalobot-Secret-123"


@pytest.fixture
def fake() -> Iterator[FakeZaloBot]:
    server = FakeZaloBot()
    yield server
    server.close()


def _settings(tmp_path: Path, fake: FakeZaloBot, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "_env_file": None,
        "environment": "test",
        "data_dir": tmp_path / "data",
        "zalobot_token": ZALOBOT_TOKEN,
        "zalobot_webhook_secret": SECRET,
        "zalobot_api_url": fake.url,
        "rate_limit_per_minute": 500,
    }
    return Settings(**{**values, **extra})


def _update(text: str, message_id: str, chat_id: str = "zb-1") -> dict[str, Any]:
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id,
            "from": {"id": chat_id, "name": "An"},
            "chat": {"id": chat_id, "chat_type": "PRIVATE"},
            "date": 1_700_000_000_000,
            "text": text,
        },
    }


def test_both_update_shapes_are_read() -> None:
    bare = _update("xin chào", "m1")
    assert unwrap(bare).message.text == "xin chào"
    assert unwrap({"ok": True, "result": bare}).message.sender.id == "zb-1"
    numeric = _update("x", "m2")
    numeric["message"]["from"]["id"] = 12345
    assert unwrap(numeric).message.sender.id == "12345", "ids are read as strings"
    with pytest.raises(ValueError, match="not a Zalo Bot update"):
        unwrap({"ok": True, "result": {"event_name": "message.text.received"}})


def test_choices_are_numbered_lines_answered_by_number(tmp_path: Path, fake: FakeZaloBot) -> None:
    runtime = make_runtime(_settings(tmp_path, fake))
    try:
        with TestClient(make_app(runtime)) as client:
            headers = {"X-Bot-Api-Secret-Token": SECRET}
            assert client.post("/webhooks/zalobot", json=_update("/start", "m1"), headers=headers).status_code == 200
            greeting = fake.sent("zb-1")[-1]
            assert "Anh/Chị nhắn số để chọn:\n1. ❓ Hỏi đáp\n2. 💡 Gửi sáng kiến" in greeting
            assert client.post("/webhooks/zalobot", json=_update("2", "m2"), headers=headers).status_code == 200
            assert "Bước 1/12" in fake.sent("zb-1")[-1]
    finally:
        runtime.close()


def test_webhook_is_off_while_polling_and_polling_delivers(tmp_path: Path, fake: FakeZaloBot) -> None:
    fake.updates.append({"ok": True, "result": _update("Hạn gửi sáng kiến?", "p1")})
    runtime = make_runtime(_settings(tmp_path, fake, zalobot_webhook_secret=None))
    try:
        with TestClient(make_app(runtime)) as client:
            found = fake.wait_for(lambda r: r.path.endswith("/sendMessage") and r.status == 200)
            assert "Hạn gửi sáng kiến" in found[0].json()["text"]
            off = client.post("/webhooks/zalobot", json=_update("x", "w1"), headers={"X-Bot-Api-Secret-Token": "x"})
            assert off.status_code == 404 and off.json()["error"] == "not_found"
    finally:
        runtime.close()


def test_a_secret_the_platform_refuses_stops_start_up(tmp_path: Path, fake: FakeZaloBot) -> None:
    runtime = make_runtime(_settings(tmp_path, fake, zalobot_webhook_secret="short"))
    try:
        with pytest.raises(ValueError, match="8-256"), TestClient(make_app(runtime)):
            pass
    finally:
        runtime.close()
