"""Photos and documents sent with an initiative: type and size checks, storage in the uploads folder."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.state import held_attachment_ids
from core.conversations import stored_states
from core.errors import ErrorCode, ThiduaError
from core.models import Attachment

MAX_ATTACHMENTS = 10  # InitiativeCreate accepts at most ten
# Extension → (content type, accepted leading bytes); the bytes decide, not what the client claims.
_KINDS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "webp": ("image/webp", (b"RIFF",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (b"PK\x03\x04",)),
    "doc": ("application/msword", (b"\xd0\xcf\x11\xe0",)),
    "xls": ("application/vnd.ms-excel", (b"\xd0\xcf\x11\xe0",)),
}
_BY_TYPE = {content_type: ext for ext, (content_type, _) in _KINDS.items()}
ACCEPTED_LABEL = "ảnh JPG, PNG, WEBP; tài liệu PDF, DOC, DOCX, XLS, XLSX, PPTX"
_UNSAFE = re.compile(r"[^\w.\- ]", re.UNICODE)


def _extension(filename: str, content_type: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    if suffix in _KINDS:
        return suffix
    return _BY_TYPE.get(content_type.split(";")[0].strip().lower(), "")


def _sniff(data: bytes) -> str | None:
    """The kind told by the bytes alone (images and PDF); Office files need their extension too."""
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return "webp"
    for ext in ("jpg", "png", "pdf"):
        if any(data.startswith(magic) for magic in _KINDS[ext][1]):
            return ext
    return None


def check_file(*, filename: str, content_type: str, size: int, data: bytes | None, max_bytes: int) -> str:
    """The accepted extension of a sent file, or a ``ThiduaError`` with a Vietnamese reason."""
    limit_mb = max_bytes // (1024 * 1024)
    if data is None or size > max_bytes or len(data) > max_bytes:
        raise ThiduaError(ErrorCode.TOO_LARGE, f"Tệp “{filename}” lớn hơn {limit_mb} MB nên chưa nhận được.")
    if not data:
        raise ThiduaError(ErrorCode.VALIDATION, f"Tệp “{filename}” rỗng.")
    ext = _sniff(data) or _extension(filename, content_type)
    if not ext or not any(data.startswith(magic) for magic in _KINDS[ext][1]):
        raise ThiduaError(
            ErrorCode.UNSUPPORTED_TYPE, f"Tệp “{filename}” không thuộc loại được nhận ({ACCEPTED_LABEL})."
        )
    return ext


def store_attachment(
    *,
    session: Session,
    uploads_dir: Path,
    channel: str,
    channel_user_id: str,
    filename: str,
    content_type: str,
    data: bytes,
    max_bytes: int,
) -> Attachment:
    """Check a file, keep its bytes under ``uploads_dir/attachments`` (named by hash) and record it, unlinked."""
    ext = check_file(filename=filename, content_type=content_type, size=len(data), data=data, max_bytes=max_bytes)
    digest = hashlib.sha256(data).hexdigest()
    folder = uploads_dir / "attachments" / digest[:2]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{ext}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    safe_name = _UNSAFE.sub("_", Path(filename).name)[:200] or f"tep.{ext}"
    attachment = Attachment(
        channel=channel,
        channel_user_id=channel_user_id,
        filename=safe_name,
        content_type=_KINDS[ext][0],
        size=len(data),
        sha256=digest,
        storage_path=path.relative_to(uploads_dir).as_posix(),  # relative: the data folder may move or be relative
    )
    session.add(attachment)
    session.flush()
    return attachment


def purge_unclaimed_attachments(*, session: Session, uploads_dir: Path, older_than: timedelta) -> int:
    """Delete files sent to forms that were never submitted (older than ``older_than``); returns how many."""
    cutoff = datetime.now(UTC) - older_than
    held: set[int] = set()
    for state in stored_states(session=session):
        held |= held_attachment_ids(state)
    stale = [
        row
        for row in session.scalars(
            select(Attachment).where(Attachment.initiative_id.is_(None), Attachment.created_at < cutoff)
        )
        if row.id not in held
    ]
    paths = {row.storage_path for row in stale}
    for row in stale:
        session.delete(row)
    session.flush()
    for path in paths:
        # Files are named by content hash: keep one another attachment still points to.
        if session.scalar(select(Attachment.id).where(Attachment.storage_path == path).limit(1)) is None:
            (uploads_dir / path).unlink(missing_ok=True)
    return len(stale)
