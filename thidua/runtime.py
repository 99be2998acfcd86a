"""Everything a running process holds: settings, database, index, answerer — built once from settings."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chromadb.api import ClientAPI
from langchain_core.embeddings import Embeddings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, session_scope
from core.documents import knowledge_counts, knowledge_stamp
from core.settings import Settings
from knowledge.ingest import DocumentResult, IngestReport, active_facts, index_is_stale, ingest_file, ingest_folder
from knowledge.ingest import remove_document as remove_plan
from knowledge.passages import Fact, Passage
from retrieval.answering import Answer, Answerer
from retrieval.embeddings import CachedEmbeddings, make_embeddings
from retrieval.generator import AnswerGenerator, make_generator
from retrieval.shelf import IndexSource
from retrieval.vectorstore import PassageIndex, make_chroma_client

log = logging.getLogger(__name__)

FRESHNESS_CHECK_SECONDS = 5.0


@dataclass
class Runtime:
    """The process's services; channels and routes reach them through here."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    embeddings: CachedEmbeddings
    index: PassageIndex
    answerer: Answerer
    _stamp: tuple[int, str] | None = None
    _checked_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _knowledge_stamp(self) -> tuple[int, str]:
        with self.sessions() as session:
            return knowledge_stamp(session=session)

    def _facts_of(self, documents: Sequence[str]) -> list[Fact]:
        with self.sessions() as session:
            return active_facts(session=session, documents=documents)

    def reload_knowledge(self) -> None:
        """Read the catalog of plans afresh; their passages are read from the index as questions need them."""
        with self._lock:
            self.answerer.attach(IndexSource(self.index, self._facts_of))
            self._stamp = self._knowledge_stamp()
            self._checked_at = time.monotonic()

    def refresh_knowledge(self) -> list[str]:
        """Take in only the plans added, replaced or removed since the last look (by any worker)."""
        with self._lock:
            stamp = self._knowledge_stamp()
            changed = self.answerer.refresh()
            self._stamp = stamp
            self._checked_at = time.monotonic()
            return changed

    def _take_in(self) -> None:
        """After a change made here: only what changed once loaded, everything on the first load."""
        if self._stamp is None:
            self.reload_knowledge()
        else:
            self.refresh_knowledge()

    def ensure_fresh(self) -> None:
        """Take in what another worker changed in the knowledge base (checked at most every few seconds)."""
        if time.monotonic() - self._checked_at < FRESHNESS_CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        if self._knowledge_stamp() != self._stamp:
            try:
                changed = self.refresh_knowledge()
            except Exception:  # the vector store is down: keep answering from what is loaded
                log.warning("knowledge refresh failed (vector store unavailable?); answering from what is loaded")
                return
            log.info("knowledge base changed: %d plan(s) taken in", len(changed))

    def answer(self, question: str, *, locality: str | None = None) -> Answer:
        """Answer a question from the plans, after making sure the knowledge is current."""
        self.ensure_fresh()
        return self.answerer.answer(question, locality=locality)

    def plan_passages(self, document: str) -> list[Passage]:
        """The passages of one plan in reading order (for the plan page), after making sure they are current."""
        self.ensure_fresh()
        return [stored.passage for stored in self.index.passages_of([document])]

    def ingest_bundled(self, *, show_progress: bool = False, force: bool = False, reload: bool = True) -> IngestReport:
        """Index the bundled plans folder (idempotent) and, unless told not to, reload the answerer."""
        with session_scope(self.sessions) as session:
            report = ingest_folder(
                session=session,
                sink=self.index,
                folder=self.settings.plans_dir,
                show_progress=show_progress,
                force=force,
            )
        if reload:
            self._take_in()
        return report

    def ingest_files(self, paths: list[Path], *, show_progress: bool = False, reload: bool = True) -> IngestReport:
        """Index the given plan files (added to whatever is indexed) and, unless told not to, reload."""
        from knowledge.ingest import ingest_paths

        with session_scope(self.sessions) as session:
            report = ingest_paths(session=session, sink=self.index, paths=paths, show_progress=show_progress)
        if reload:
            self._take_in()
        return report

    def ingest_upload(self, *, path: Path, name: str, meta: dict[str, Any], actor: str) -> DocumentResult:
        """Add or replace an uploaded plan; its file is archived as a new version; answers change at once."""
        with session_scope(self.sessions) as session:
            result = ingest_file(
                session=session,
                sink=self.index,
                path=path,
                name=name,
                meta_data=meta,
                source="upload",
                actor=actor,
                archive_dir=self.settings.uploads_dir / "plans",
            )
        self._take_in()
        return result

    def remove_plan(self, name: str) -> DocumentResult:
        """Take a plan out of the knowledge base; answers change at once."""
        with session_scope(self.sessions) as session:
            result = remove_plan(session=session, sink=self.index, name=name)
        self._take_in()
        return result

    def knowledge_counts(self) -> tuple[int, int]:
        """How many plans are active, and how many passages they hold."""
        with self.sessions() as session:
            return knowledge_counts(session=session)

    def vector_store_available(self) -> bool:
        """Whether the vector store answers; when not, answers come from lexical search alone."""
        return self.index.available()

    def index_is_stale(self) -> bool:
        """Whether the bundled plans need (re-)ingesting."""
        with self.sessions() as session:
            return index_is_stale(session=session, sink=self.index, folder=self.settings.plans_dir)

    def close(self) -> None:
        """Release the database pool and the embedding cache."""
        self.embeddings.close()
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    embedder: Embeddings | None = None,
    chroma_client: ClientAPI | None = None,
    sessions: sessionmaker[Session] | None = None,
    generator: AnswerGenerator | None = None,
    load: bool = True,
) -> Runtime:
    """Build the runtime; tests hand in a fake embedder, an in-memory Chroma client or a rolled-back session factory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.sqlalchemy_url)
    factory = sessions if sessions is not None else make_session_factory(engine)
    embeddings = make_embeddings(settings, embedder)
    index = PassageIndex(chroma_client if chroma_client is not None else make_chroma_client(settings), embeddings)
    answerer = Answerer(
        index, generator if generator is not None else make_generator(settings), link_base=settings.public_url
    )
    runtime = Runtime(settings, engine, factory, embeddings, index, answerer)
    if load:
        runtime.reload_knowledge()
    return runtime
