"""Where the plans' passages come from, and the libraries built over a few plans at a time.

A process keeps the catalog of every plan (metadata and hierarchy only) and, for the last questions' scopes, a
library over the plans in scope (the asker's plan and the plans above it): its passages, facts, lexical index and
cards. Libraries are built on demand from the shared store and kept in a bounded cache, so a process's memory grows
with the places asked about, not with the country. A small corpus is one library over every plan, as before.
"""

from __future__ import annotations

import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from knowledge.passages import Fact
from retrieval.catalog import Catalog, PlanRecord, implemented_plans
from retrieval.library import Library, plan_features
from retrieval.vectorstore import PassageIndex, StoredPassage

SMALL_CORPUS = 20  # up to this many plans, every question sees every plan (one library, as the bundled five)
SCOPES_KEPT = 32  # libraries kept between questions (each a few plans: a few megabytes)
PLANS_KEPT = 48  # plans whose passages and lexical features are kept (the provinces' plans are in most scopes)


class PlanSource(Protocol):
    """What the shelf reads plans from."""

    def records(self) -> list[PlanRecord]:
        """Every plan's catalog record."""
        ...

    def passages(self, documents: Sequence[str]) -> list[StoredPassage]:
        """The passages of ``documents`` in document and reading order."""
        ...

    def facts(self, documents: Sequence[str]) -> list[Fact]:
        """The extracted facts of ``documents``."""
        ...


class HeldSource:
    """Plans handed in whole (tests, evaluation): everything is already in memory."""

    def __init__(self, passages: Sequence[StoredPassage], facts: Sequence[Fact]) -> None:
        self._by_doc: dict[str, list[StoredPassage]] = {}
        for stored in passages:
            self._by_doc.setdefault(stored.passage.document, []).append(stored)
        self._facts = list(facts)

    def records(self) -> list[PlanRecord]:
        """One record per plan, its parent read from its card."""
        return [
            PlanRecord(held[0].meta, implemented_plans(held[0].meta, [s.passage for s in held]))
            for held in self._by_doc.values()
        ]

    def passages(self, documents: Sequence[str]) -> list[StoredPassage]:
        """The held passages of ``documents``."""
        return [s for doc in sorted(documents) for s in self._by_doc.get(doc, [])]

    def facts(self, documents: Sequence[str]) -> list[Fact]:
        """The held facts of ``documents``."""
        wanted = set(documents)
        return [f for f in self._facts if f.document in wanted]


class IndexSource:
    """Plans read from the passage index when asked for, facts from the database."""

    def __init__(self, index: PassageIndex, facts: Callable[[Sequence[str]], list[Fact]] | None = None) -> None:
        self._index = index
        self._facts = facts

    def records(self) -> list[PlanRecord]:
        """The catalog records the index keeps with each plan's first passage."""
        return self._index.plan_records()

    def passages(self, documents: Sequence[str]) -> list[StoredPassage]:
        """The passages of ``documents``, read from the index."""
        return self._index.passages_of(documents)

    def facts(self, documents: Sequence[str]) -> list[Fact]:
        """The stored facts of ``documents`` (none when no database is attached)."""
        return self._facts(documents) if self._facts is not None else []


@dataclass(frozen=True)
class _Shard:
    """One plan as read and worked out once: its passages, facts and the passages' lexical features."""

    passages: list[StoredPassage]
    facts: list[Fact]
    features: list[Counter[str]]


class Shelf:
    """The catalog of every plan and the libraries of the scopes asked about lately."""

    def __init__(self, source: PlanSource | None = None, capacity: int = SCOPES_KEPT) -> None:
        self._source = source
        self._capacity = capacity
        self.catalog = Catalog(source.records() if source is not None else ())
        self._libraries: OrderedDict[tuple[str, ...], Library] = OrderedDict()
        self._shards: OrderedDict[str, _Shard] = OrderedDict()
        self._lock = threading.Lock()
        if source is not None and self.small:
            self.everything()  # read while the store answers: a vector store down later leaves lexical answers

    @property
    def small(self) -> bool:
        """Whether every question sees every plan."""
        return len(self.catalog) <= SMALL_CORPUS

    def everything(self) -> Library:
        """A library over every plan (only for a small corpus)."""
        return self.library(sorted(self.catalog.records))

    def library(self, documents: Sequence[str]) -> Library:
        """The library over ``documents`` (built on first use, then kept while used)."""
        key = tuple(sorted(set(documents)))
        with self._lock:
            held = self._libraries.get(key)
            if held is not None:
                self._libraries.move_to_end(key)
                return held
        library = self._build(key)
        with self._lock:
            self._libraries[key] = library
            while len(self._libraries) > self._capacity:
                self._libraries.popitem(last=False)
        return library

    def _build(self, documents: tuple[str, ...], catalog: Catalog | None = None) -> Library:
        resolver = (catalog or self.catalog).resolver
        if self._source is None or not documents:
            return Library(resolver=resolver)
        shards = self._shards_of(documents)
        return Library(
            [s for shard in shards for s in shard.passages],
            [f for shard in shards for f in shard.facts],
            resolver=resolver,
            features=[c for shard in shards for c in shard.features],
        )

    def _shards_of(self, documents: tuple[str, ...]) -> list[_Shard]:
        """The plans' shards in document order: kept ones reused, the others read in one go."""
        assert self._source is not None
        with self._lock:
            kept = {d: self._shards[d] for d in documents if d in self._shards}
            for doc in kept:
                self._shards.move_to_end(doc)
        missing = [d for d in documents if d not in kept]
        if missing:
            read = self._read(missing)
            kept.update(read)
            with self._lock:
                self._shards.update(read)
                while len(self._shards) > PLANS_KEPT:
                    self._shards.popitem(last=False)
        return [kept[d] for d in documents]

    def _read(self, documents: list[str]) -> dict[str, _Shard]:
        """The plans' shards, read from the source in one go."""
        assert self._source is not None
        passages = self._source.passages(documents)
        facts = self._source.facts(documents)
        shards = {}
        for doc in documents:
            own = [s for s in passages if s.passage.document == doc]
            shards[doc] = _Shard(own, [f for f in facts if f.document == doc], plan_features(own))
        return shards

    def refresh(self) -> list[str]:
        """Read the catalog again; drop the libraries holding a plan that was added, replaced or removed.

        Returns the plans that changed. A library over plans that did not change is kept.
        """
        if self._source is None:
            return []
        fresh = Catalog(self._source.records())
        old = self.catalog.records
        changed = sorted(d for d in set(old) | set(fresh.records) if old.get(d) != fresh.records.get(d))
        with self._lock:
            for doc in changed:
                self._shards.pop(doc, None)
        whole = None
        if len(fresh) <= SMALL_CORPUS and changed:  # one library over everything, built before it is swapped in
            whole = self._build(tuple(sorted(fresh.records)), fresh)
        with self._lock:
            self.catalog = fresh
            for key in [k for k in self._libraries if set(k) & set(changed) or (whole is not None)]:
                del self._libraries[key]
            if whole is not None:
                self._libraries[tuple(sorted(fresh.records))] = whole

        return changed
