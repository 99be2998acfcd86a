"""The plans of the knowledge base as the admin API lists them, and the checks an uploaded plan file must pass."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.errors import ErrorCode, ThiduaError
from core.models import Document

PLAN_SUFFIXES = (".txt", ".docx", ".pdf")
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
_CHUNK = 1 << 20


def list_plans(*, session: Session, include_removed: bool = False) -> list[Document]:
    """The plans of the knowledge base, by name, with their versions."""
    query = select(Document).options(selectinload(Document.versions)).order_by(Document.name)
    if not include_removed:
        query = query.where(Document.is_active.is_(True))
    return list(session.scalars(query))


def get_plan(*, session: Session, plan_id: int) -> Document:
    """The plan with ``plan_id`` (removed ones too), or a not-found error."""
    document = session.get(Document, plan_id)
    if document is None:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy kế hoạch số {plan_id}.")
    return document


def find_plan(*, session: Session, name: str) -> Document | None:
    """The plan stored under file name ``name``, if any."""
    return session.scalar(select(Document).where(Document.name == name))


def plan_file_name(filename: str | None) -> str:
    """A safe document name from an uploaded file's name; refuses types other than .txt, .docx and .pdf."""
    base = unicodedata.normalize("NFC", (filename or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in PLAN_SUFFIXES:
        raise ThiduaError(ErrorCode.UNSUPPORTED_TYPE, "Chỉ nhận kế hoạch dạng .txt, .docx hoặc .pdf.")
    safe_stem = _UNSAFE.sub("_", stem).strip(" ._")[:200] or "ke-hoach"
    return f"{safe_stem}.{suffix.lower()}"


@contextmanager
def spooled_upload(source: BinaryIO, *, suffix: str, limit_bytes: int, folder: Path) -> Iterator[Path]:
    """Copy an upload to a temporary file in ``folder`` (removed afterwards), refusing more than ``limit_bytes``."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=suffix, delete=False) as target:
        path = Path(target.name)
        try:
            written = 0
            while chunk := source.read(_CHUNK):
                written += len(chunk)
                if written > limit_bytes:
                    raise ThiduaError(ErrorCode.TOO_LARGE, f"Tệp vượt quá {limit_bytes // (1024 * 1024)} MB cho phép.")
                target.write(chunk)
            if written == 0:
                raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, "Tệp tải lên trống.")
        except BaseException:
            target.close()
            path.unlink(missing_ok=True)
            raise
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
