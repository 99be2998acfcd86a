"""`thidua serve`: no proxy headers believed, a clean one-line error for a taken port, the banner only after the bind;
and the logs keep tokens out."""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
import uvicorn

import thidua.cli
from core.settings import get_settings
from thidua.cli import main
from thidua.logs import configure_logging, redact

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


class _Runtime:
    def close(self) -> None:
        pass


@pytest.fixture(autouse=True)
def _fresh_settings() -> None:
    get_settings.cache_clear()


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    monkeypatch.setenv("THIDUA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(thidua.cli, "_runtime", lambda settings: _Runtime())

    def run(self: uvicorn.Server, sockets: Any = None) -> None:
        seen["config"], seen["sockets"] = self.config, sockets

    monkeypatch.setattr(uvicorn.Server, "run", run)
    return seen


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_does_not_believe_forwarded_headers(captured: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", str(_free_port())]) == 0
    config = captured["config"]
    assert config.proxy_headers is False
    assert config.access_log is False
    assert captured["sockets"], "the server is handed the socket bound before the banner"
    assert "đang chạy" in capsys.readouterr().err


def test_a_taken_port_is_one_clean_line(captured: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        code = main(["serve", "--port", str(taken.getsockname()[1])])
    err = capsys.readouterr().err
    assert code == 2
    assert "đang chạy" not in err
    assert len(err.strip().splitlines()) == 1 and "cổng" in err
    assert "config" not in captured


def test_tokens_never_reach_the_log(caplog: pytest.LogCaptureFixture) -> None:
    configure_logging("INFO")
    with caplog.at_level(logging.INFO):
        logging.getLogger("httpx").info('HTTP Request: POST https://api.telegram.org/bot%s/getMe "200 OK"', TOKEN)
        logging.getLogger("bot.telegram").warning("call failed: https://api.telegram.org/bot%s/sendMessage", TOKEN)
    assert TOKEN not in caplog.text
    assert "HTTP Request" not in caplog.text, "httpx is held at WARNING"
    assert "/bot<token>" in caplog.text


def test_redact_masks_query_tokens() -> None:
    assert "abc123" not in redact("GET /x?access_token=abc123&y=1")
