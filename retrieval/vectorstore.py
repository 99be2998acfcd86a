"""The passage index: Chroma (embedded or server) through langchain-chroma, always with our embedder."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import chromadb
import httpx
import numpy as np
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from langchain_chroma import Chroma
from langchain_core.documents import Document as LCDocument
from langchain_core.embeddings import Embeddings

from core.settings import Settings
from knowledge.passages import Passage, PlanMeta
from retrieval.catalog import PlanRecord, implemented_plans

COLLECTION = "plan_passages"
SECTION_SEPARATOR = " › "
EMBED_BATCH = 16
OUTAGE_RETRY_SECONDS = 2.0  # after a failed search, the server is not tried again for this long
EXACT_SEARCH_PLANS = 50  # up to this many plans, dense search compares the query with each of their passages

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPassage:
    """A passage as the index holds it, with its plan's citation fields."""

    passage: Passage
    meta: PlanMeta


def make_chroma_client(settings: Settings) -> ClientAPI:
    """An HTTP client for ``THIDUA_CHROMA_URL``, else an embedded persistent client in the data folder."""
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(
            host=url.hostname or "localhost",
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.chroma_dir), settings=chroma_settings)


def _metadata(passage: Passage, meta: PlanMeta, plan: dict[str, str] | None = None) -> dict[str, Any]:
    return (plan or {}) | {
        "document": passage.document,
        "order": passage.order,
        "section": SECTION_SEPARATOR.join(passage.section_path),
        "original": passage.original,
        "line_start": passage.line_start,
        "line_end": passage.line_end,
        "title": meta.title,
        "issuer": meta.issuer,
        "level": meta.level,
        "locality": meta.locality,
        "number": meta.number,
        "date": meta.date,
        "aliases": "|".join(meta.aliases),
        "suggested": meta.suggested,
    }


def _plan_fields(passages: Sequence[Passage], meta: PlanMeta) -> dict[str, str]:
    """What the catalog reads from a plan's first passage: the plans it implements and a version of its text."""
    digest = hashlib.sha256()
    for p in passages:
        digest.update(f"{p.id}\x00{p.section}\x00{p.text}\x01".encode())
    digest.update(repr(meta).encode())
    return {"implements": json.dumps(implemented_plans(meta, passages)), "version": digest.hexdigest()[:16]}


def _from_record(pid: str, text: str, md: dict[str, Any]) -> StoredPassage:
    section = str(md.get("section") or "")
    passage = Passage(
        id=pid,
        document=str(md["document"]),
        order=int(md.get("order", 0)),
        section_path=tuple(section.split(SECTION_SEPARATOR)) if section else (),
        text=text,
        original=str(md.get("original", "")),
        line_start=int(md.get("line_start", 0)),
        line_end=int(md.get("line_end", 0)),
    )
    aliases = str(md.get("aliases") or "")
    meta = PlanMeta(
        document=passage.document,
        title=str(md.get("title", "")),
        issuer=str(md.get("issuer", "")),
        level=str(md.get("level", "")),
        locality=str(md.get("locality", "")),
        number=str(md.get("number", "")),
        date=str(md.get("date", "")),
        aliases=tuple(aliases.split("|")) if aliases else (),
        suggested=bool(md.get("suggested", False)),
    )
    return StoredPassage(passage, meta)


class PassageIndex:
    """Dense index of plan passages. Ids are passage ids, so re-adding a passage replaces it."""

    def __init__(self, client: ClientAPI, embeddings: Embeddings, collection: str = COLLECTION) -> None:
        self._embeddings = embeddings
        self._client = client
        self._store = Chroma(
            collection_name=collection,
            embedding_function=embeddings,
            client=client,
            collection_metadata={"hnsw:space": "cosine"},
        )
        self._down_until = 0.0

    def replace_document(
        self,
        document: str,
        passages: Sequence[Passage],
        meta: PlanMeta,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Make the index hold exactly ``passages`` for ``document``: no stale or duplicate chunks remain.

        Passages are embedded first (in batches, reporting progress), so a failure leaves the old passages in place.
        """
        for start in range(0, len(passages), EMBED_BATCH):
            self._embeddings.embed_documents([p.text for p in passages[start : start + EMBED_BATCH]])
            if progress is not None:
                progress(min(start + EMBED_BATCH, len(passages)))
        self.delete_document(document)
        if not passages:
            return
        plan = _plan_fields(passages, meta)
        self._store.add_texts(
            texts=[p.text for p in passages],
            metadatas=[_metadata(p, meta, plan if i == 0 else None) for i, p in enumerate(passages)],
            ids=[p.id for p in passages],
        )

    def add_documents(self, plans: Sequence[tuple[PlanMeta, Sequence[Passage]]]) -> None:
        """Add plans not indexed yet, in one write (building a corpus afresh: no old passages to look for)."""
        texts: list[str] = []
        metadatas: list[dict[str, Any]] = []
        ids: list[str] = []
        for meta, passages in plans:
            plan = _plan_fields(passages, meta)
            texts += [p.text for p in passages]
            metadatas += [_metadata(p, meta, plan if i == 0 else None) for i, p in enumerate(passages)]
            ids += [p.id for p in passages]
        if ids:
            self._store.add_texts(texts=texts, metadatas=metadatas, ids=ids)

    def delete_document(self, document: str) -> None:
        """Remove every passage of ``document``."""
        existing = self._store.get(where={"document": document}, include=[])
        ids = list(existing.get("ids") or [])
        if ids:
            self._store.delete(ids=ids)

    def available(self) -> bool:
        """Whether the vector store answers (a Chroma server may be down; answers then use lexical search only)."""
        try:
            self._client.heartbeat()
        except Exception:  # any failure to reach it is "not available"
            return False
        return True

    def documents(self) -> set[str]:
        """Names of the documents present in the index."""
        # each plan's first passage only: reading every passage's metadata fails (too many SQL variables) and is slow
        records = self._store.get(where={"order": 0}, include=["metadatas"])
        return {str(md["document"]) for md in records.get("metadatas") or [] if md}

    def has_document(self, document: str) -> bool:
        """Whether any passage of ``document`` is indexed (one row read, not the whole collection)."""
        return bool(self._store.get(where={"document": document}, limit=1, include=[]).get("ids"))

    def all_passages(self) -> list[StoredPassage]:
        """Every stored passage with its plan metadata, in document and reading order."""
        return _sorted_records(self._store.get(include=["metadatas", "documents"]))

    def passages_of(self, documents: Sequence[str]) -> list[StoredPassage]:
        """The stored passages of ``documents``, in document and reading order (read from the store, not kept)."""
        wanted = sorted(set(documents))
        if not wanted:
            return []
        where: dict[str, Any] = {"document": wanted[0]} if len(wanted) == 1 else {"document": {"$in": wanted}}
        records = self._store.get(where=where, include=["metadatas", "documents"])
        return _sorted_records(records)

    def plan_records(self) -> list[PlanRecord]:
        """Every plan's catalog record, read from its first passage (a plan indexed before the catalog existed has
        its card read from its passages once)."""
        records = self._store.get(where={"order": 0}, include=["metadatas", "documents"])
        plans: list[PlanRecord] = []
        for stored, md in zip(_sorted_records(records), _sorted_metadatas(records), strict=True):
            if "implements" in md:
                implements = tuple((str(n), str(i)) for n, i in json.loads(str(md["implements"])))
                plans.append(PlanRecord(stored.meta, implements, str(md.get("version", ""))))
            else:
                passages = [s.passage for s in self.passages_of([stored.meta.document])]
                plans.append(PlanRecord(stored.meta, implemented_plans(stored.meta, passages)))
        return plans

    def search(self, query: str, k: int, documents: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """Dense search: ``(passage id, cosine similarity)`` best first, optionally only within ``documents``.

        Nothing (and one warning, not a traceback per question) while a Chroma server cannot be reached. Within a
        few plans the search is exact, over their vectors read from the store: the approximate (HNSW) search with a
        filter keeping a few dozen passages out of tens of thousands finds none of them.
        """
        wanted = sorted(set(documents)) if documents is not None else None
        if wanted is not None and not wanted:
            return []
        if time.monotonic() < self._down_until:
            return []  # the server failed a moment ago: lexical search answers alone until the next try
        vector = self._embeddings.embed_query(query)
        try:
            return self._nearest(vector, k, wanted)
        except (httpx.TransportError, OSError) as exc:  # a Chroma server down or restarting
            self._down_until = time.monotonic() + OUTAGE_RETRY_SECONDS
            log.warning("vector store unreachable (%s); lexical search only for now", type(exc).__name__)
            return []

    def _nearest(self, vector: list[float], k: int, wanted: list[str] | None) -> list[tuple[str, float]]:
        if wanted is not None and len(wanted) <= EXACT_SEARCH_PLANS:
            return self._exact(vector, k, wanted)
        where: dict[str, Any] | None = None
        if wanted is not None:
            where = {"document": wanted[0]} if len(wanted) == 1 else {"document": {"$in": wanted}}
        hits: list[tuple[LCDocument, float]] = self._store.similarity_search_by_vector_with_relevance_scores(
            vector, k=k, filter=where
        )
        return [(str(doc.id), 1.0 - float(distance)) for doc, distance in hits]

    def _exact(self, vector: list[float], k: int, documents: list[str]) -> list[tuple[str, float]]:
        """Cosine similarity to every passage of ``documents``, the ``k`` best."""
        where: dict[str, Any] = {"document": documents[0]} if len(documents) == 1 else {"document": {"$in": documents}}
        records = self._store.get(where=where, include=["embeddings"])
        ids = list(records.get("ids") or [])
        embeddings = records.get("embeddings")
        if not ids or embeddings is None:
            return []
        matrix = np.asarray(embeddings, dtype=np.float32)
        query = np.asarray(vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(query)) or 1.0)
        similarity = matrix @ query / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-similarity)[:k]
        return [(str(ids[i]), float(similarity[i])) for i in order]


def _sorted_records(records: Any) -> list[StoredPassage]:
    """Chroma's ``get`` result as stored passages in document and reading order."""
    stored = [
        _from_record(pid, text or "", dict(md or {}))
        for pid, text, md in zip(
            records.get("ids") or [], records.get("documents") or [], records.get("metadatas") or [], strict=True
        )
    ]
    stored.sort(key=lambda s: (s.passage.document, s.passage.order))
    return stored


def _sorted_metadatas(records: Any) -> list[dict[str, Any]]:
    """The metadata of Chroma's ``get`` result in the order of ``_sorted_records``."""
    mds = [dict(md or {}) for md in records.get("metadatas") or []]
    return sorted(mds, key=lambda md: (str(md.get("document", "")), int(md.get("order", 0))))
