"""The ingest pipeline: file → text → repaired text → structured passages → index, with facts and versions kept.

Idempotent: a file whose bytes and metadata are unchanged costs a hash; a changed file replaces its passages;
a plan removed from the folder leaves the index.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ErrorCode, ThiduaError
from core.models import Document, DocumentVersion
from core.vietnamese import nfc
from knowledge.metadata import meta_from_data, read_meta_file
from knowledge.passages import Fact, Passage, PlanMeta

log = logging.getLogger(__name__)

# Letters glued to digits inside a word ("d6i", "s6", "1am") are the mark of OCR damage.
# A plan splits into a few hundred passages; more is a document nobody should embed in one go.
MAX_PASSAGES_PER_DOCUMENT = 5000
_OCR_TOKEN = re.compile(r"\b[^\W\d_]+\d[^\W\d_]*\b|\b\d[^\W\d_]+\b", re.UNICODE)


class PassageSink(Protocol):
    """Where passages go: the retrieval index implements this."""

    def replace_document(
        self, document: str, passages: Sequence[Passage], meta: PlanMeta, progress: Callable[[int], None] | None = None
    ) -> None: ...

    def delete_document(self, document: str) -> None: ...

    def documents(self) -> set[str]: ...

    def has_document(self, document: str) -> bool: ...


@dataclass
class DocumentResult:
    """What happened to one file."""

    name: str
    status: str  # "added" | "updated" | "unchanged" | "removed"
    passages: int = 0
    facts: int = 0
    version: int = 0


@dataclass
class IngestReport:
    """What one ingest run did."""

    results: list[DocumentResult] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        """How many files ended with ``status``."""
        return sum(1 for r in self.results if r.status == status)

    def summary(self) -> str:
        """One line for a person."""
        indexed = sum(r.passages for r in self.results if r.status in ("added", "updated"))
        return (
            f"{self.count('added')} thêm mới, {self.count('updated')} cập nhật, {self.count('unchanged')} không đổi, "
            f"{self.count('removed')} gỡ bỏ; {indexed} đoạn được lập chỉ mục trong {self.seconds:.1f} s"
        )


def plan_files(folder: Path) -> list[Path]:
    """The plan files of a folder (metadata files excluded), in name order."""
    from knowledge.loaders import SUPPORTED_SUFFIXES

    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SUPPORTED_SUFFIXES and not p.name.startswith(".")
    )


def looks_like_ocr(text: str) -> bool:
    """Tell whether ``text`` carries OCR damage (letters glued to digits in many words)."""
    words = text.split()
    if not words:
        return False
    return len(_OCR_TOKEN.findall(text)) / len(words) > 0.01


@lru_cache(maxsize=1)
def pipeline_fingerprint() -> str:
    """Hash of the code and data that turn a file into passages and facts.

    Part of every plan's content hash, so a new release of the repair or the chunking re-processes the plans on the
    next ingest by itself (re-embedding only the passages whose text really changed, thanks to the embedding cache).
    """
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*package.glob("*.py"), *(package / "lexicon").glob("*")]):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def content_hash(data: bytes, meta: dict[str, Any]) -> str:
    """Hash of a plan's bytes, its metadata and the pipeline: any of them changing makes the plan re-ingested."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps(meta, sort_keys=True, ensure_ascii=False).encode())
    digest.update(pipeline_fingerprint().encode())
    return digest.hexdigest()


@lru_cache(maxsize=16)
def _repaired(text: str) -> str:
    # Repair is the costly step of ingest (seconds per OCR plan); a re-ingest of the same text reuses it.
    from knowledge.ocr_repair import default_repairer

    return default_repairer().repair(text)


def prepare_plan(name: str, text: str, meta: PlanMeta, *, ocr: bool) -> tuple[list[Passage], list[Fact]]:
    """Repair (when OCR), structure, chunk and extract facts from a plan's text."""
    from knowledge.chunking import chunk_plan
    from knowledge.facts import extract_facts

    original = nfc(text).replace("\r\n", "\n").replace("\r", "\n")
    repaired = _repaired(original) if ocr else original
    passages = chunk_plan(name, original, repaired)
    facts = extract_facts(meta, passages)
    return passages, facts


def ingest_file(
    *,
    session: Session,
    sink: PassageSink,
    path: Path,
    name: str | None = None,
    meta_data: dict[str, Any] | None = None,
    source: str = "bundled",
    actor: str = "system",
    archive_dir: Path | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> DocumentResult:
    """Ingest one plan file; unchanged content (bytes and metadata) costs nothing unless ``force``."""
    from knowledge.loaders import load_document

    doc_name = name or path.name
    data = path.read_bytes()
    meta_dict = meta_data if meta_data is not None else read_meta_file(path)
    digest = content_hash(data, meta_dict)
    document = session.scalar(select(Document).where(Document.name == doc_name))
    if (
        not force
        and document is not None
        and document.is_active
        and document.sha256 == digest
        and sink.has_document(doc_name)
    ):
        return DocumentResult(doc_name, "unchanged", document.passages, len(document.facts), len(document.versions))
    loaded = load_document(path, name=doc_name)
    meta = meta_from_data(doc_name, meta_dict, lambda: loaded.text)
    ocr = bool(meta_dict.get("ocr", loaded.ocr or looks_like_ocr(loaded.text)))
    passages, facts = prepare_plan(doc_name, loaded.text, meta, ocr=ocr)
    if not passages:
        raise ThiduaError(ErrorCode.UNREADABLE_DOCUMENT, f"Không tìm thấy nội dung nào trong tệp {doc_name}.")
    if len(passages) > MAX_PASSAGES_PER_DOCUMENT:
        raise ThiduaError(
            ErrorCode.TOO_LARGE,
            f"Tệp {doc_name} tách ra hơn {MAX_PASSAGES_PER_DOCUMENT} đoạn, quá nhiều cho một kế hoạch; "
            "vui lòng tách thành nhiều tệp.",
        )
    sink.replace_document(doc_name, passages, meta, progress)
    status = "updated" if document is not None else "added"
    now = datetime.now(UTC)
    if document is None:
        document = Document(name=doc_name, source=source)
        session.add(document)
    document.title, document.issuer, document.level = meta.title, meta.issuer, meta.level
    document.locality, document.number, document.date = meta.locality, meta.number, meta.date
    document.meta = {**asdict(meta), "aliases": list(meta.aliases), "ocr": ocr}
    document.sha256 = digest
    document.passages = len(passages)
    document.facts = [{**asdict(f), "section_path": list(f.section_path)} for f in facts]
    document.is_active, document.removed_at, document.ingested_at = True, None, now
    session.flush()
    version = (
        session.scalar(select(func.max(DocumentVersion.version)).where(DocumentVersion.document_id == document.id)) or 0
    ) + 1
    stored = ""
    if archive_dir is not None:
        target = archive_dir / doc_name / f"v{version}{path.suffix.lower()}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        stored = target.relative_to(archive_dir.parent).as_posix()  # relative to the uploads folder
    session.add(
        DocumentVersion(
            document_id=document.id, version=version, sha256=digest, size=len(data), storage_path=stored, actor=actor
        )
    )
    session.flush()
    return DocumentResult(doc_name, status, len(passages), len(facts), version)


def remove_document(*, session: Session, sink: PassageSink, name: str) -> DocumentResult:
    """Take a plan out of the index; its record and versions are kept, marked removed."""
    document = session.scalar(select(Document).where(Document.name == name))
    if document is None or not document.is_active:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không có kế hoạch {name} trong kho tri thức.")
    sink.delete_document(name)
    document.is_active = False
    document.removed_at = datetime.now(UTC)
    session.flush()
    return DocumentResult(name, "removed", 0, 0, len(document.versions))


def ingest_folder(
    *,
    session: Session,
    sink: PassageSink,
    folder: Path,
    show_progress: bool = False,
    force: bool = False,
) -> IngestReport:
    """Bring the index in line with a folder of bundled plans: add, update, keep, and remove what left the folder."""
    return ingest_paths(
        session=session,
        sink=sink,
        paths=plan_files(folder),
        show_progress=show_progress,
        force=force,
        prune_source="bundled",
    )


def ingest_paths(
    *,
    session: Session,
    sink: PassageSink,
    paths: Sequence[Path],
    show_progress: bool = False,
    force: bool = False,
    prune_source: str | None = None,
) -> IngestReport:
    """Ingest the given files; with ``prune_source``, plans of that source missing from ``paths`` are removed."""
    from tqdm import tqdm

    started = time.perf_counter()
    report = IngestReport()
    names = {p.name for p in paths}
    with tqdm(total=len(paths), unit="kế hoạch", disable=not show_progress, desc="Lập chỉ mục") as bar:
        for path in paths:
            bar.set_postfix_str(path.name[:32])

            def _tick(_: int) -> None:
                bar.refresh()

            result = ingest_file(session=session, sink=sink, path=path, force=force, progress=_tick)
            session.commit()
            report.results.append(result)
            bar.update(1)
    if prune_source is not None:
        stale = session.scalars(
            select(Document).where(Document.source == prune_source, Document.is_active.is_(True))
        ).all()
        for document in stale:
            if document.name not in names:
                report.results.append(remove_document(session=session, sink=sink, name=document.name))
                session.commit()
    report.seconds = time.perf_counter() - started
    return report


def index_is_stale(*, session: Session, sink: PassageSink, folder: Path) -> bool:
    """Whether the bundled plans differ from what is indexed (so `make run` must ingest)."""
    indexed = sink.documents()
    active = {d.name: d for d in session.scalars(select(Document).where(Document.is_active.is_(True)))}
    files = plan_files(folder)
    for path in files:
        document = active.get(path.name)
        if document is None or path.name not in indexed:
            return True
        if document.sha256 != content_hash(path.read_bytes(), read_meta_file(path)):
            return True
    bundled_active = {n for n, d in active.items() if d.source == "bundled"}
    return bool(bundled_active - {p.name for p in files})


def active_facts(*, session: Session, documents: Sequence[str] | None = None) -> list[Fact]:
    """The extracted facts of every plan in the knowledge base (or only of ``documents``)."""
    facts: list[Fact] = []
    query = select(Document).where(Document.is_active.is_(True)).order_by(Document.name)
    if documents is not None:
        query = query.where(Document.name.in_(list(documents)))
    for document in session.scalars(query):
        for item in document.facts or []:
            facts.append(
                Fact(
                    document=str(item.get("document", document.name)),
                    kind=str(item.get("kind", "")),
                    value=str(item.get("value", "")),
                    text=str(item.get("text", "")),
                    section_path=tuple(item.get("section_path") or ()),
                    passage_id=str(item.get("passage_id", "")),
                )
            )
    return facts
