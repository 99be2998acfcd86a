"""Stored attachments are found again under `make run`'s relative data folder, and old rows are migrated."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from bot.attachments import store_attachment
from core.review import attachment_file
from core.settings import Settings
from tests.bot.support import PNG


def test_an_attachment_stored_under_a_relative_data_folder_is_found(
    session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(_env_file=None, environment="test", data_dir=Path("data"))  # type: ignore[call-arg]
    attachment = store_attachment(
        session=session,
        uploads_dir=settings.uploads_dir,
        channel="web",
        channel_user_id="u1",
        filename="anh.png",
        content_type="image/png",
        data=PNG,
        max_bytes=1024 * 1024,
    )
    assert attachment.storage_path.startswith("attachments/")
    assert attachment_file(settings=settings, attachment=attachment).read_bytes() == PNG


def test_the_migration_makes_old_paths_relative() -> None:
    migration = importlib.import_module("core.migrations.versions.0002_relative_storage_paths")
    relative = migration.relative_path
    assert relative("data/uploads/attachments/ab/abc.png", "attachments/") == "attachments/ab/abc.png"
    assert relative("/srv/thidua/data/uploads/attachments/ab/abc.png", "attachments/") == "attachments/ab/abc.png"
    assert relative("attachments/ab/abc.png", "attachments/") == "attachments/ab/abc.png"
    assert relative("data/uploads/plans/kh.docx/v1.docx", "plans/") == "plans/kh.docx/v1.docx"
    assert relative("", "plans/") == ""
