"""Helpers shared by the channel tests: a small runtime, the app around it, and the initiative form's answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, migrate, session_scope
from core.models import Initiative
from core.settings import Settings
from tests.fakes import FakeAnswerer
from thidua.app import create_app

RECEIPT = re.compile(r"Mã hồ sơ: (?:<b>)?(SK-\d{4}-\d{6})")  # bold on Telegram
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
DESCRIPTION = (
    "Tổ dân phố lập nhóm Zalo và bảng tính dùng chung để số hóa sổ theo dõi hộ gia đình, "
    "giúp cán bộ tra cứu nhanh và người dân không phải khai lại giấy tờ."
)
# (answer, what the next prompt must contain); the attachment goes in before "xong".
FORM_BEFORE_FILE: list[tuple[str, str]] = [
    ("/sangkien", "Bước 1/12"),
    ("Nguyễn Văn An", "Bước 2/12"),
    ("Cá nhân", "Bước 3/12"),
    ("Tổ dân phố số 5", "Bước 4/12"),
    ("phường Hoàng Mai", "Bước 5/12"),
    ("Chuyển đổi số", "Bước 6/12"),
    ("Số hóa sổ theo dõi hộ gia đình", "Bước 7/12"),
    (DESCRIPTION, "Bước 8/12"),
    ("Tiết kiệm 30 phút mỗi lần tra cứu", "Bước 9/12"),
    ("Phường, xã", "Bước 10/12"),
    ("0912 345 678", "Bước 11/12"),
]
FORM_AFTER_FILE: list[tuple[str, str]] = [
    ("xong", "Bước 12/12"),
    ("Đồng ý", "kiểm tra lại thông tin"),
    ("Gửi", "Mã hồ sơ"),
]


@dataclass
class ChatRuntime:
    """What the channels need from a runtime, with a fake answerer."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    answerer: FakeAnswerer = field(default_factory=FakeAnswerer)

    def close(self) -> None:
        """Release the database pool."""
        self.engine.dispose()


def make_runtime(settings: Settings) -> ChatRuntime:
    """A runtime on the settings' (migrated) SQLite file: two of them on one folder are two workers."""
    migrate(settings)
    engine = make_engine(settings.sqlalchemy_url)
    return ChatRuntime(settings, engine, make_session_factory(engine))


def make_app(runtime: ChatRuntime) -> FastAPI:
    """The product's app around ``runtime``."""
    return create_app(runtime)  # type: ignore[arg-type]


def count_initiatives(runtime: ChatRuntime) -> int:
    """How many submissions are stored."""
    with session_scope(runtime.sessions) as session:
        return int(session.scalar(select(func.count(Initiative.id))) or 0)


def fill_form(say: Callable[[str], str], steps: list[tuple[str, str]]) -> str:
    """Send each answer and check the reply asks the expected next thing; returns the last reply."""
    last = ""
    for answer, expected in steps:
        last = say(answer)
        assert expected in last, f"after {answer!r} expected {expected!r} in {last!r}"
    return last
