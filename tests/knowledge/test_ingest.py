"""Ingest is idempotent, replaces a changed plan's passages, and takes a removed plan out of the index."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.models import Document, DocumentVersion
from core.settings import BUNDLED_PLANS_DIR, Settings
from tests.fakes import FakeEmbeddings
from thidua.runtime import Runtime, build_runtime


@pytest.fixture
def plans_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "plans"
    shutil.copytree(BUNDLED_PLANS_DIR, folder)
    return folder


@pytest.fixture
def runtime(settings: Settings, plans_dir: Path, session_factory: sessionmaker[Session]) -> Runtime:
    configured = settings.model_copy(update={"plans_dir": plans_dir})
    built = build_runtime(configured, embedder=FakeEmbeddings(), sessions=session_factory, load=False)
    yield built  # type: ignore[misc]
    built.close()


def _ids_by_document(runtime: Runtime) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for stored in runtime.index.all_passages():
        grouped.setdefault(stored.passage.document, []).append(stored.passage.id)
    return grouped


def test_first_ingest_indexes_every_bundled_plan_with_sections(runtime: Runtime, plans_dir: Path) -> None:
    report = runtime.ingest_bundled()
    assert report.count("added") == 5
    stored = runtime.index.all_passages()
    assert {s.passage.document for s in stored} == {p.name for p in plans_dir.glob("*.txt")}
    assert all(s.passage.section_path for s in stored)
    assert all(s.meta.number for s in stored)
    ids = [s.passage.id for s in stored]
    assert len(ids) == len(set(ids))
    assert runtime.knowledge_counts() == (5, len(stored))


def test_second_ingest_of_unchanged_plans_embeds_nothing(runtime: Runtime) -> None:
    runtime.ingest_bundled()
    before = runtime.embeddings.misses
    report = runtime.ingest_bundled()
    assert report.count("unchanged") == 5
    assert runtime.embeddings.misses == before
    assert not runtime.index_is_stale()


def test_editing_one_plan_replaces_only_its_passages(runtime: Runtime, plans_dir: Path, session: Session) -> None:
    runtime.ingest_bundled()
    before = _ids_by_document(runtime)
    edited = plans_dir / "004_b55aeaefb686831a.txt"
    edited.write_text(
        edited.read_text(encoding="utf-8") + "\nGhi chú bổ sung: kế hoạch được cập nhật.\n", encoding="utf-8"
    )
    assert runtime.index_is_stale()

    report = runtime.ingest_bundled()

    statuses = {r.name: r.status for r in report.results}
    assert statuses.pop(edited.name) == "updated"
    assert set(statuses.values()) == {"unchanged"}
    after = _ids_by_document(runtime)
    for name, ids in before.items():
        if name != edited.name:
            assert after[name] == ids
    counts = Counter(s.passage.id for s in runtime.index.all_passages())
    assert max(counts.values()) == 1
    texts = " ".join(s.passage.text for s in runtime.index.all_passages() if s.passage.document == edited.name)
    assert "cập nhật" in texts
    document = session.scalar(select(Document).where(Document.name == edited.name))
    assert document is not None
    versions = session.scalars(select(DocumentVersion).where(DocumentVersion.document_id == document.id)).all()
    assert [v.version for v in versions] == [1, 2]
    assert document.passages == len(after[edited.name])


def test_removed_plan_leaves_the_index_and_keeps_its_record(
    runtime: Runtime, plans_dir: Path, session: Session
) -> None:
    runtime.ingest_bundled()
    gone = plans_dir / "001_9b7176cbb7f319f7.txt"
    gone.unlink()
    gone.with_name(gone.stem + ".meta.json").unlink()

    report = runtime.ingest_bundled()

    assert report.count("removed") == 1
    assert gone.name not in runtime.index.documents()
    document = session.scalar(select(Document).where(Document.name == gone.name))
    assert document is not None and not document.is_active and document.removed_at is not None
    assert runtime.knowledge_counts()[0] == 4


def test_ocr_plans_are_repaired_for_display_but_keep_the_original(runtime: Runtime) -> None:
    runtime.ingest_bundled()
    hoang_mai = [s.passage for s in runtime.index.all_passages() if s.passage.document.startswith("000_")]
    joined_text = " ".join(p.text for p in hoang_mai)
    joined_original = " ".join(p.original for p in hoang_mai)
    assert "15/12" in joined_text
    assert "Ké hoach" in joined_original or "KE HOACH" in joined_original
    assert "phường" in joined_text.lower()


def test_facts_are_stored_per_plan(runtime: Runtime, session: Session) -> None:
    runtime.ingest_bundled()
    documents = session.scalars(select(Document)).all()
    assert all(d.facts for d in documents)
    assert all(d.meta.get("number") for d in documents)
