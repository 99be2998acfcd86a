"""`thidua bench`: answer latency, throughput, index build time, peak memory, the cost of adding one plan and the
accuracy on generated questions, for the bundled plans and for a generated country-wide corpus of N plans.

Generated passages are embedded with the vector of the bundled passage they were made from (``_ReusedEmbeddings``):
the bundled embedder does about three passages a second on two cores, so 94,000 passages cannot be embedded for real
here. Questions are embedded for real (once each: the query cache).
"""

from __future__ import annotations

import json
import multiprocessing
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from core.settings import Settings
from core.vietnamese import fold
from knowledge.passages import Passage, PlanMeta
from retrieval.answering import Answer, Answerer
from retrieval.corpus import Generated, generate
from retrieval.embeddings import make_embeddings
from retrieval.evaluation import judge
from retrieval.query import parse_query
from retrieval.shelf import IndexSource
from retrieval.vectorstore import PassageIndex, StoredPassage, make_chroma_client

BANK_DIR = Path(__file__).resolve().parent.parent / "tests" / "retrieval" / "bank"
BUILD_BATCH = 40  # plans written to the index at once when a corpus is built afresh
QUESTIONS = 300  # generated questions asked of a corpus (one per plan, plans drawn at random)
UNSCOPED = (
    "Hình thức khen thưởng của phong trào gồm những gì?",
    "tieu chi thi dua doi voi doanh nghiep la gi",
    "những kế hoạch nào có nội dung triển khai bình dân học vụ số",
    "Hạn chót nộp hồ sơ đề nghị Huân chương Lao động là ngày nào?",
)
_SKIPPED_CATEGORIES = {"out_of_scope", "cross_doc", "document"}


@dataclass(frozen=True)
class BenchFigures:
    """The figures for one corpus."""

    label: str
    plans: int
    passages: int
    build_seconds: float
    p50_ms: float
    p95_ms: float
    answers_per_second: float
    peak_mb: float  # peak resident memory of the serving process
    accuracy: float | None = None  # share of the generated questions answered right (facts and the asked plan)
    questions: int = 0
    add_one_plan_s: float | None = None  # from storing one more plan to its first right answer, in a serving process
    workers: dict[str, float] = field(default_factory=dict)  # several serving processes at once: summed memory

    def as_json(self) -> dict[str, Any]:
        """The JSON object `thidua bench --json` prints."""
        return {
            "corpus": self.label,
            "plans": self.plans,
            "passages": self.passages,
            "p50_ms": round(self.p50_ms, 1),
            "p95_ms": round(self.p95_ms, 1),
            "answers_per_s": round(self.answers_per_second, 1),
            "index_build_s": round(self.build_seconds, 1),
            "add_one_plan_s": None if self.add_one_plan_s is None else round(self.add_one_plan_s, 2),
            "peak_rss_mb": round(self.peak_mb),
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "questions": self.questions,
            **self.workers,
        }


class _ReusedEmbeddings(Embeddings):
    """Embeds a generated passage with the vector of the bundled passage it was made from (cached: no model run)."""

    def __init__(self, inner: Embeddings, origin: dict[str, str]) -> None:
        self._inner = inner
        self._origin = origin

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of the originals (from the embedding cache)."""
        return self._inner.embed_documents([self._origin.get(t, t) for t in texts])

    def embed_query(self, text: str) -> list[float]:
        """Queries are embedded for real."""
        return self._inner.embed_query(text)


@dataclass(frozen=True)
class _Added:
    """A plan stored while a serving process answers, and the question that must then find it."""

    meta: PlanMeta
    passages: list[Passage]
    origin: dict[str, str]
    item: dict[str, Any]


@dataclass(frozen=True)
class _Job:
    data_dir: str
    cache_dir: str
    items: list[dict[str, Any]]
    added: _Added | None = None


@dataclass(frozen=True)
class _Served:
    latencies: list[float]
    seconds: float
    right: int
    judged: int
    add_seconds: float | None
    peak_mb: float
    pss_mb: float


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _pss_mb() -> float:
    """Proportional set size (shared pages divided among their users); 0 where /proc does not tell."""
    try:
        for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return 0.0
    return 0.0


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def right(item: dict[str, Any], answer: Answer) -> bool:
    """The asked facts are in the answer and its first source is the asked plan."""
    first = answer.sources[0].document if answer.sources else item.get("doc")
    return judge(item, answer).correct and first == item.get("doc")


def _serve(job: _Job) -> _Served:
    """In a fresh process, as a server would: open the index, read the catalog, answer; then take in one plan."""
    settings = Settings(data_dir=Path(job.data_dir))
    embeddings = make_embeddings(Settings(data_dir=Path(job.cache_dir).parent))
    client = make_chroma_client(settings)
    index = PassageIndex(client, embeddings)
    answerer = Answerer(index)
    answerer.attach(IndexSource(index))
    for question in UNSCOPED:  # warm: lazy models, first Chroma queries
        answerer.answer(question)
    latencies: list[float] = []
    good = judged = 0
    start = time.perf_counter()
    for item in job.items:
        t0 = time.perf_counter()
        answer = answerer.answer(item["question"])
        latencies.append((time.perf_counter() - t0) * 1000)
        if item.get("answer_facts"):
            judged += 1
            good += right(item, answer)
    seconds = time.perf_counter() - start
    added = None
    if job.added is not None:
        added = _add_one(job.added, PassageIndex(client, _ReusedEmbeddings(embeddings, job.added.origin)), answerer)
    return _Served(latencies, seconds, good, judged, added, _peak_rss_mb(), _pss_mb())


def _add_one(added: _Added, writer: PassageIndex, answerer: Answerer) -> float | None:
    """Seconds from storing ``added`` to its question answered right (None if it never was, within 60 s)."""
    start = time.perf_counter()
    writer.replace_document(added.meta.document, added.passages, added.meta)
    while time.perf_counter() - start < 60:
        answerer.refresh()
        if right(added.item, answerer.answer(added.item["question"])):
            return time.perf_counter() - start
        time.sleep(0.5)
    return None


def _measure(
    label: str, work: Path, settings: Settings, job: _Job, workers: int, counts: tuple[int, int, float]
) -> BenchFigures:
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        served = pool.submit(_serve, job).result()
    together: dict[str, float] = {}
    if workers > 1:  # several serving processes at once, as `thidua serve --workers N` runs them
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            runs = [r.result() for r in [pool.submit(_serve, replace(job, added=None)) for _ in range(workers)]]
        together = {
            "workers": workers,
            "workers_peak_rss_mb": round(sum(r.peak_mb for r in runs)),
            "workers_pss_mb": round(sum(r.pss_mb for r in runs)),
        }
    plans, passages, build = counts
    return BenchFigures(
        label=label,
        plans=plans,
        passages=passages,
        build_seconds=build,
        p50_ms=statistics.median(served.latencies),
        p95_ms=_percentile(served.latencies, 0.95),
        answers_per_second=len(served.latencies) / served.seconds if served.seconds else 0.0,
        peak_mb=served.peak_mb,
        accuracy=served.right / served.judged if served.judged else None,
        questions=served.judged,
        add_one_plan_s=served.add_seconds,
        workers=together,
    )


def _embed_questions(settings: Settings, job: _Job) -> None:
    """Embed the questions beforehand, into the cache the serving process reads: the model's time per question
    (from 0.1 to 0.8 s on two busy cores) is the same whatever the corpus, and is not what is measured here."""
    embeddings = make_embeddings(settings)
    questions = [item["question"] for item in job.items] + ([job.added.item["question"]] if job.added else [])
    for question in questions:
        embeddings.embed_query(parse_query(question).text)
    embeddings.close()


def _build(
    work: Path, embeddings: Embeddings, plans: Sequence[tuple[PlanMeta, list[Passage], dict[str, str]]]
) -> float:
    """Index ``plans`` afresh in ``work`` and read the catalog as a serving process would; the seconds it took."""
    settings = Settings(data_dir=work)
    start = time.perf_counter()
    client = make_chroma_client(settings)
    for first in range(0, len(plans), BUILD_BATCH):
        batch = plans[first : first + BUILD_BATCH]
        origin = {text: old for _, _, own in batch for text, old in own.items()}
        PassageIndex(client, _ReusedEmbeddings(embeddings, origin)).add_documents([(m, p) for m, p, _ in batch])
    Answerer(PassageIndex(client, embeddings)).attach(IndexSource(PassageIndex(client, embeddings)))
    return time.perf_counter() - start


def group_plans(stored: Sequence[StoredPassage]) -> list[tuple[PlanMeta, list[Passage]]]:
    plans: dict[str, tuple[PlanMeta, list[Passage]]] = {}
    for item in stored:
        plans.setdefault(item.meta.document, (item.meta, []))[1].append(item.passage)
    return list(plans.values())


def bank_items() -> list[dict[str, Any]]:
    """The question bank's items about one plan's content (no out-of-scope, cross-plan or document questions)."""
    items = []
    for path in sorted(BANK_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else None
            if item and item.get("doc") and item.get("category") not in _SKIPPED_CATEGORIES:
                items.append(item)
    return items


def answered_items(index: PassageIndex, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items the bundled plans answer right and that name their plan's place: the templates of generated
    questions (a generated question then tests what scale changes, not what the bundled plans lack)."""
    answerer = Answerer(index)
    answerer.attach(IndexSource(index))
    metas = {r.meta.document: r.meta for r in index.plan_records()}
    kept = []
    for item in items:
        meta = metas.get(item["doc"])
        if meta is None or not _names_place(item["question"], meta):
            continue
        if right(item, answerer.answer(item["question"])):
            kept.append(item)
    return kept


def _names_place(question: str, meta: PlanMeta) -> bool:
    folded = fold(question).lower()
    names = [meta.locality, *meta.aliases] if meta.level != "sở" else [meta.locality, "Sở Y tế"]
    return any(fold(n).lower() in folded for n in names if n)


def generated_items(
    plans: Sequence[Generated], templates: Sequence[dict[str, Any]], limit: int
) -> list[dict[str, Any]]:
    """One question per plan (for ``limit`` plans drawn at random), renamed from a template about its bundled plan."""
    by_doc: dict[str, list[dict[str, Any]]] = {}
    for item in templates:
        by_doc.setdefault(item["doc"], []).append(item)
    rng = random.Random(7)
    chosen = rng.sample(list(plans), min(limit, len(plans)))
    items = []
    for plan in chosen:
        pool = by_doc.get(plan.template.document)
        if pool:
            items.append(renamed_item(rng.choice(pool), plan))
    return items


def renamed_item(item: dict[str, Any], plan: Generated) -> dict[str, Any]:
    """A bundled plan's question and answer, told of a generated plan."""
    return {
        **item,
        "id": f"{plan.meta.document}:{item['id']}",
        "question": plan.rename(item["question"]),
        "doc": plan.meta.document,
        "answer_facts": [[plan.rename(s) for s in fact] for fact in item.get("answer_facts") or []],
        "gold_passage": plan.rename(str(item.get("gold_passage", ""))),
    }


def run_bench(
    settings: Settings,
    *,
    generated_plans: int = 200,
    workers: int = 1,
    progress: Callable[[str], None] | None = None,
) -> list[BenchFigures]:
    """Measure the bundled plans and ``generated_plans`` generated ones."""
    say = progress or (lambda _: None)
    embeddings = make_embeddings(settings)
    source = PassageIndex(make_chroma_client(settings), embeddings)
    stored = source.all_passages()
    if not stored:
        raise LookupError("Chưa có kế hoạch nào trong chỉ mục: hãy chạy `thidua ingest` trước.")
    bundled = group_plans(stored)
    say("the bundled plans' question bank: keeping the questions they answer")
    templates = answered_items(source, bank_items())
    results: list[BenchFigures] = []
    with tempfile.TemporaryDirectory(prefix="scale-bench-") as tmp:
        work = Path(tmp) / "bundled"
        build = _build(work, embeddings, [(m, p, {}) for m, p in bundled])
        say(f"bundled plans: {len(templates)} questions in a serving process")
        job = _Job(str(work), str(settings.cache_dir), [*templates, *({"question": q} for q in UNSCOPED)])
        results.append(_measure("bundled", work, settings, job, 1, (len(bundled), len(stored), build)))
        say(f"{generated_plans} generated plans: generating")
        plans = generate(bundled, generated_plans + 1, [item["question"] for item in bank_items()])
        held_out, plans = plans[-1], plans[:-1]  # added while serving
        work = Path(tmp) / "generated"
        say(f"{generated_plans} generated plans: building the index")
        build = _build(work, embeddings, [(g.meta, g.passages, g.origin) for g in plans])
        items = generated_items(plans, templates, QUESTIONS)
        added_items = generated_items([held_out], templates, 1)
        added = _Added(held_out.meta, held_out.passages, held_out.origin, added_items[0]) if added_items else None
        job = _Job(str(work), str(settings.cache_dir), [*items, *({"question": q} for q in UNSCOPED)], added)
        say(f"{generated_plans} generated plans: {len(items)} questions in a serving process")
        count = sum(len(g.passages) for g in plans)
        results.append(_measure("generated", work, settings, job, workers, (len(plans), count, build)))
    return results


def format_bench(results: Sequence[BenchFigures], *, as_json: bool = False) -> str:
    """The bench figures: one JSON object per line, or a table for a terminal."""
    if as_json:
        return "\n".join(json.dumps(r.as_json(), ensure_ascii=False) for r in results)
    lines = ["Đo hiệu năng trả lời (trích dẫn, trong tiến trình, đã khởi động):"]
    for r in results:
        accuracy = f" | đúng {r.accuracy:.1%} của {r.questions} câu hỏi" if r.accuracy is not None else ""
        added = f" | thêm một kế hoạch: {r.add_one_plan_s:.1f} s" if r.add_one_plan_s is not None else ""
        lines.append(
            f"- {r.label}: {r.plans} kế hoạch, {r.passages} đoạn | p50 {r.p50_ms:.1f} ms, p95 {r.p95_ms:.1f} ms | "
            f"{r.answers_per_second:.1f} câu trả lời/giây (1 tiến trình) | dựng chỉ mục {r.build_seconds:.1f} s | "
            f"bộ nhớ đỉnh của tiến trình phục vụ {r.peak_mb:.0f} MB{accuracy}{added}"
        )
    return "\n".join(lines)
