"""The checks an uploaded plan file must pass (its queries live in ``core.documents``)."""

from __future__ import annotations

import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from fastapi import UploadFile
from sqlalchemy.orm import Session

from core.errors import ErrorCode, ThiduaError
from core.models import Document
from core.settings import Settings
from knowledge.ingest import DocumentResult

PLAN_SUFFIXES = (".txt", ".docx", ".pdf")
_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)
_CHUNK = 1 << 20


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


class PlanRuntime(Protocol):
    """What changing the knowledge base needs from the runtime."""

    @property
    def settings(self) -> Settings: ...

    def ingest_upload(self, *, path: Path, name: str, meta: dict[str, Any], actor: str) -> DocumentResult:
        """Add or replace an uploaded plan and reload the answers."""
        ...

    def remove_plan(self, name: str) -> DocumentResult:
        """Take a plan out of the knowledge base and reload the answers."""
        ...


def _end_read(session: Session) -> None:
    # The runtime changes the knowledge base in its own unit of work; ending ours first keeps SQLite's read
    # snapshot from hiding that change from us afterwards.
    session.commit()


def ingest_uploaded(
    *, session: Session, runtime: PlanRuntime, actor: str, upload: UploadFile, name: str, meta: dict[str, Any]
) -> DocumentResult:
    """Check and spool an uploaded plan file, then add it (or a new version of it) to the knowledge base."""
    settings = runtime.settings
    suffix = "." + plan_file_name(upload.filename).rsplit(".", 1)[-1]
    limit = settings.max_upload_mb * 1024 * 1024
    with spooled_upload(upload.file, suffix=suffix, limit_bytes=limit, folder=settings.uploads_dir / "tmp") as path:
        _end_read(session)
        return runtime.ingest_upload(path=path, name=name, meta=meta, actor=actor)


def remove_uploaded(*, session: Session, runtime: PlanRuntime, document: Document) -> DocumentResult:
    """Take a plan out of the knowledge base (its versions are kept)."""
    name = document.name
    _end_read(session)
    return runtime.remove_plan(name)
