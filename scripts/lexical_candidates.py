"""Compare two lexical indexes on the generated corpus (`docs/lexical-index.md` holds the figures):

- ``scoped``: BM25 over the plans in the question's scope (the asked plan and those above it), built in the serving
  process from the plans' passages on first use and kept in a bounded cache — what `retrieval/shelf.py` does;
- ``postgres``: PostgreSQL full-text search, one GIN index over the folded text of every passage, filtered by the
  plans in scope and ranked by ``ts_rank``.

Both get the same question words (content words and their pairs); each answers with its 30 best passages. Printed per
candidate, one JSON line: build seconds, p50/p95 of the lexical step, recall@30 of the passage the question was
written from, and the memory it costs (the serving process's growth; for PostgreSQL the index's size on disk, held
by the database server, not by the workers).

Usage: THIDUA_DATA_DIR=DIR .venv/bin/python scripts/lexical_candidates.py --plans 500 \\
           --database postgresql://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np
import psycopg

from core.settings import get_settings
from retrieval import bench
from retrieval.corpus import Generated, generate
from retrieval.embeddings import make_embeddings
from retrieval.evaluation import passage_overlap
from retrieval.lexical import char_trigrams, syllables
from retrieval.query import parse_query
from retrieval.shelf import HeldSource, Shelf
from retrieval.terms import question_terms
from retrieval.vectorstore import PassageIndex, StoredPassage, make_chroma_client

TOP = 30
TABLE = "lexical_candidate_passages"
SEARCH = (
    f"SELECT id FROM {TABLE}, to_tsquery('simple', %s) q WHERE document = ANY(%s) AND body @@ q "  # noqa: S608
    f"ORDER BY ts_rank(body, q) DESC LIMIT {TOP}"
)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _gold(item: dict[str, Any], stored: Sequence[StoredPassage]) -> str:
    """The passage of the asked plan the question was written from (most of its gold text)."""
    own = [s for s in stored if s.passage.document == item["doc"]]
    return max(own, key=lambda s: passage_overlap(item["gold_passage"], s.passage.text)).passage.id


def _words(question: str, shelf: Shelf) -> tuple[list[str], list[str], list[str]]:
    query = parse_query(question)
    docs, phrases = shelf.catalog.resolver.named(query.text)
    named = {w for phrase in phrases for w in phrase.split()}
    terms = question_terms(query, named, named_phrases=phrases)
    return docs, list(dict.fromkeys(terms.content)), list(dict.fromkeys(terms.pairs))


def scoped(shelf: Shelf, items: Sequence[dict[str, Any]], golds: Sequence[str]) -> dict[str, Any]:
    """BM25 over the scope's plans, libraries built on first use (cold for every new scope)."""
    before = _rss_mb()
    times, hits = [], 0
    for item, gold in zip(items, golds, strict=True):
        start = time.perf_counter()
        docs, content, pairs = _words(item["question"], shelf)
        library = shelf.library(shelf.catalog.scope(docs))
        features = Counter({"w:" + w: 1 for w in content} | {"p:" + p: 1 for p in pairs})
        features.update("s:" + w for w in content)
        features.update("c:" + g for g in set(char_trigrams(content)))
        scores = library.lexical.scores(features)
        scores = np.where(library.allowed(docs), scores, -1.0) if docs else scores
        top = [library.entries[i].passage.id for i in np.argsort(-scores)[:TOP] if scores[i] > 0]
        times.append((time.perf_counter() - start) * 1000)
        hits += gold in top
    return {"build_s": 0.0, **_figures(times, hits, len(items)), "memory_mb": round(_rss_mb() - before)}


def postgres(
    url: str, stored: Sequence[StoredPassage], shelf: Shelf, items: Sequence[dict[str, Any]], golds: Sequence[str]
) -> dict[str, Any]:
    """PostgreSQL full-text search over the folded text (simple configuration, GIN index)."""
    with psycopg.connect(url, autocommit=True) as db:
        db.execute(f"DROP TABLE IF EXISTS {TABLE}")
        start = time.perf_counter()
        db.execute(
            f"CREATE TABLE {TABLE} (id text PRIMARY KEY, document text NOT NULL, folded text NOT NULL, "
            "body tsvector GENERATED ALWAYS AS (to_tsvector('simple', folded)) STORED)"
        )
        with db.cursor() as cursor, cursor.copy(f"COPY {TABLE} (id, document, folded) FROM STDIN") as copy:
            for s in stored:
                words = syllables(f"{' '.join(s.passage.section_path)} {s.passage.text}")
                copy.write_row((s.passage.id, s.passage.document, " ".join(words)))
        db.execute(f"CREATE INDEX ON {TABLE} USING gin (body)")
        db.execute(f"CREATE INDEX ON {TABLE} (document)")
        db.execute(f"ANALYZE {TABLE}")
        build = time.perf_counter() - start
        size = db.execute(f"SELECT pg_total_relation_size('{TABLE}')").fetchone()
        times, hits = [], 0
        for item, gold in zip(items, golds, strict=True):
            start = time.perf_counter()
            docs, content, pairs = _words(item["question"], shelf)
            scope = shelf.catalog.scope(docs) if docs else shelf.catalog.top()
            words = [*content, *(p.replace(" ", " <-> ") for p in pairs)]
            rows = db.execute(
                SEARCH,
                (" | ".join(f"({w})" for w in words) or "''", docs or scope),
            ).fetchall()
            times.append((time.perf_counter() - start) * 1000)
            hits += gold in {r[0] for r in rows}
        db.execute(f"DROP TABLE {TABLE}")
    return {"build_s": round(build, 1), **_figures(times, hits, len(items)), "index_mb": round(size[0] / 2**20)}


def _figures(times: Sequence[float], hits: int, total: int) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[round(0.95 * (len(ordered) - 1))], 2),
        "recall_at_30": round(hits / total, 4),
        "questions": total,
    }


def main() -> None:
    """Generate the corpus, then measure both candidates on the same questions."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", type=int, default=500)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    settings = get_settings()
    source = PassageIndex(make_chroma_client(settings), make_embeddings(settings))
    bundled = bench.group_plans(source.all_passages())
    plans: list[Generated] = generate(bundled, args.plans, [i["question"] for i in bench.bank_items()])
    stored = [StoredPassage(p, g.meta) for g in plans for p in g.passages]
    items = bench.generated_items(plans, bench.answered_items(source, bench.bank_items()), 300)
    golds = [_gold(item, stored) for item in items]
    shelf = Shelf(HeldSource(stored, []))
    for name, figures in (
        ("scoped", scoped(shelf, items, golds)),
        ("postgres", postgres(args.database, stored, shelf, items, golds)),
    ):
        print(json.dumps({"candidate": name, "plans": args.plans, "passages": len(stored), **figures}))


if __name__ == "__main__":
    main()
