"""Everything a running process holds: settings, database, index, answerer — built once from settings."""

from __future__ import annotations

import logging
import threading
import time
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
from knowledge.passages import Passage
from retrieval.answering import Answer, Answerer
from retrieval.embeddings import CachedEmbeddings, make_embeddings
from retrieval.generator import AnswerGenerator, make_generator
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
    _by_plan: dict[str, list[Passage]] = field(default_factory=dict)
    _stamp: tuple[int, str] | None = None
    _checked_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _knowledge_stamp(self) -> tuple[int, str]:
        with self.sessions() as session:
            return knowledge_stamp(session=session)

    def reload_knowledge(self) -> None:
        """Rebuild the answerer's in-memory structures from the index and the stored facts."""
        with self._lock:
            passages = self.index.all_passages()
            with self.sessions() as session:
                facts = active_facts(session=session)
            self.answerer.load(passages, facts)
            by_plan: dict[str, list[Passage]] = {}
            for stored in passages:
                by_plan.setdefault(stored.passage.document, []).append(stored.passage)
            self._by_plan = by_plan
            self._stamp = self._knowledge_stamp()
            self._checked_at = time.monotonic()

    def ensure_fresh(self) -> None:
        """Reload when another worker changed the knowledge base (checked at most every few seconds)."""
        if time.monotonic() - self._checked_at < FRESHNESS_CHECK_SECONDS:
            return
        self._checked_at = time.monotonic()
        if self._knowledge_stamp() != self._stamp:
            log.info("knowledge base changed; reloading")
            try:
                self.reload_knowledge()
            except Exception:  # the vector store is down: keep answering from what is loaded
                log.warning("knowledge reload failed (vector store unavailable?); answering from what is loaded")

    def answer(self, question: str, *, locality: str | None = None) -> Answer:
        """Answer a question from the plans, after making sure the knowledge is current."""
        self.ensure_fresh()
        return self.answerer.answer(question, locality=locality)

    def plan_passages(self, document: str) -> list[Passage]:
        """The passages of one plan in reading order (for the plan page), after making sure they are current."""
        self.ensure_fresh()
        return list(self._by_plan.get(document, ()))

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
            self.reload_knowledge()
        return report

    def ingest_files(self, paths: list[Path], *, show_progress: bool = False, reload: bool = True) -> IngestReport:
        """Index the given plan files (added to whatever is indexed) and, unless told not to, reload."""
        from knowledge.ingest import ingest_paths

        with session_scope(self.sessions) as session:
            report = ingest_paths(session=session, sink=self.index, paths=paths, show_progress=show_progress)
        if reload:
            self.reload_knowledge()
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
        self.reload_knowledge()
        return result

    def remove_plan(self, name: str) -> DocumentResult:
        """Take a plan out of the knowledge base; answers change at once."""
        with session_scope(self.sessions) as session:
            result = remove_plan(session=session, sink=self.index, name=name)
        self.reload_knowledge()
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
