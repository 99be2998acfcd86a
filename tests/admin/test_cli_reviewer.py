"""`thidua reviewer create` makes an account that can log in to the admin API."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from admin.api import admin_router
from admin.errors import install_error_handlers
from core.db import make_engine, make_session_factory
from core.settings import Settings, get_settings
from tests.admin.conftest import FakeRuntime, login
from thidua.cli import main


def test_the_cli_creates_an_admin_who_can_log_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("THIDUA_DATA_DIR", str(data_dir))
    monkeypatch.setenv("THIDUA_ENVIRONMENT", "test")
    get_settings.cache_clear()
    try:
        monkeypatch.setattr("sys.stdin", io.StringIO("mot-mat-khau-that-dai\n"))
        code = main(["reviewer", "create", "--username", "Quan.Tri", "--role", "admin", "--password-stdin"])
        assert code == 0
        settings = Settings(_env_file=None, environment="test", data_dir=data_dir)  # type: ignore[call-arg]
        engine = make_engine(settings.sqlalchemy_url)
        app = FastAPI()
        app.state.runtime = FakeRuntime(settings=settings, sessions=make_session_factory(engine))
        app.include_router(admin_router)
        install_error_handlers(app)
        with TestClient(app) as client:
            headers = login(client, "quan.tri", "mot-mat-khau-that-dai")
            me = client.get("/api/auth/me", headers=headers).json()
        engine.dispose()
        assert (me["username"], me["role"]) == ("quan.tri", "admin")
    finally:
        get_settings.cache_clear()
