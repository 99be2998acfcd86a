"""`thidua bench`: answer latency, throughput, index build time and peak memory, for the bundled plans and 200 more."""

from __future__ import annotations

import multiprocessing
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from langchain_core.embeddings import Embeddings

from core.settings import Settings
from knowledge.passages import Fact, Passage, PlanMeta
from retrieval.answering import Answerer
from retrieval.embeddings import make_embeddings
from retrieval.vectorstore import PassageIndex, StoredPassage, make_chroma_client

DEFAULT_QUESTIONS = (
    "Phòng Văn hóa – Xã hội phường Hoàng Mai phải báo cáo trước ngày nào?",
    "tieu chi thi dua doi voi doanh nghiep o xa trung khanh la gi",
    "Giai đoạn 2 của phong trào ở phường Thanh Bình được triển khai trên cơ sở nào?",
    "sở y tế hn có yêu cầu tuyên truyền kỹ năng số cho cán bộ ko",
    "Hình thức khen thưởng của thành phố Hà Nội gồm những gì?",
    "những kế hoạch nào có nội dung triển khai bình dân học vụ số",
    "Hạn chót nộp hồ sơ đề nghị Huân chương Lao động là ngày nào?",
    "ty le thu tuc hanh chinh truc tuyen o phuong thanh binh la bao nhieu",
)
# Names given to generated plans in place of each bundled plan's own locality.
_GENERATED_NAMES = (
    "An Phú",
    "Bình Minh",
    "Cẩm Giàng",
    "Đông Hưng",
    "Gia Lộc",
    "Hải An",
    "Kim Liên",
    "Long Biên",
    "Minh Khai",
    "Nam Sách",
    "Ngọc Lâm",
    "Phú Lương",
    "Quang Trung",
    "Tân Dân",
    "Thạch Bàn",
    "Văn Miếu",
    "Vĩnh Tuy",
    "Xuân Đỉnh",
    "Yên Hòa",
    "Đồng Tâm",
)


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


class _ReusedEmbeddings(Embeddings):
    """Embeds a generated passage with the vector of the bundled passage it was made from (cached: no model run).

    Generated plans differ from the bundled ones only in names and numbers, so their true vectors are close;
    embedding 5,000 passages afresh would measure the embedding model, which ingest does once per plan anyway.
    """

    def __init__(self, inner: Embeddings, origin: dict[str, str]) -> None:
        self._inner = inner
        self._origin = origin

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Vectors of the originals (from the embedding cache)."""
        return self._inner.embed_documents([self._origin.get(t, t) for t in texts])

    def embed_query(self, text: str) -> list[float]:
        """Queries are embedded for real."""
        return self._inner.embed_query(text)


def _peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _serve(data_dir: str, questions: Sequence[str], rounds: int, cache_dir: str) -> tuple[list[float], float, float]:
    """In a fresh process, as a server would: open the index, load, answer. Latencies, wall time, peak MB."""
    settings = Settings(data_dir=Path(data_dir))
    embeddings = make_embeddings(Settings(data_dir=Path(cache_dir).parent))
    index = PassageIndex(make_chroma_client(settings), embeddings)
    answerer = Answerer(index)
    answerer.load(index.all_passages(), [])
    for question in questions:  # warm: caches, lazy models, first Chroma queries
        answerer.answer(question)
    latencies: list[float] = []
    start = time.perf_counter()
    for _ in range(rounds):
        for question in questions:
            t0 = time.perf_counter()
            answerer.answer(question)
            latencies.append((time.perf_counter() - t0) * 1000)
    return latencies, time.perf_counter() - start, _peak_rss_mb()


def _measure(
    label: str,
    work: Path,
    settings: Settings,
    questions: Sequence[str],
    rounds: int,
    plans: int,
    passages: int,
    build: float,
) -> BenchFigures:
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        latencies, total, peak = pool.submit(
            _serve, str(work), list(questions), rounds, str(settings.cache_dir)
        ).result()
    return BenchFigures(
        label=label,
        plans=plans,
        passages=passages,
        build_seconds=build,
        p50_ms=statistics.median(latencies),
        p95_ms=_percentile(latencies, 0.95),
        answers_per_second=len(latencies) / total if total else 0.0,
        peak_mb=peak,
    )


def _build(work: Path, embeddings: Embeddings, plans: Sequence[tuple[PlanMeta, list[Passage]]]) -> float:
    """Index ``plans`` afresh in ``work`` and load an answerer on them; the seconds it took."""
    settings = Settings(data_dir=work)
    start = time.perf_counter()
    index = PassageIndex(make_chroma_client(settings), embeddings)
    for meta, passages in plans:
        index.replace_document(meta.document, passages, meta)
    Answerer(index).load(index.all_passages(), [])
    return time.perf_counter() - start


def _group(stored: Sequence[StoredPassage]) -> list[tuple[PlanMeta, list[Passage]]]:
    plans: dict[str, tuple[PlanMeta, list[Passage]]] = {}
    for item in stored:
        plans.setdefault(item.meta.document, (item.meta, []))[1].append(item.passage)
    return list(plans.values())


def _variant(
    meta: PlanMeta, passages: list[Passage], serial: int
) -> tuple[PlanMeta, list[Passage], dict[str, str], Callable[[str], str]]:
    """A new plan from a bundled one: another locality name and other plan numbers and dates."""
    name = f"{_GENERATED_NAMES[serial % len(_GENERATED_NAMES)]} {serial}"
    old_names = sorted({meta.locality, *meta.aliases}, key=len, reverse=True)
    bare = meta.locality.split(" ", 1)[-1] if " " in meta.locality else meta.locality
    number = f"{100 + serial}/KH-UBND"

    def rename(text: str) -> str:
        for old in [*old_names, bare]:
            if old:
                text = re.sub(re.escape(old), f"{meta.level} {name}" if old == meta.locality else name, text)
        text = text.replace(meta.number, number)
        return re.sub(r"\b(\d{1,2})/(\d{1,2})/2025\b", lambda m: f"{m.group(1)}/{m.group(2)}/{2025 + serial % 3}", text)

    document = f"gen_{serial:03d}_{meta.document}"
    new_meta = replace(
        meta,
        document=document,
        title=rename(meta.title),
        issuer=rename(meta.issuer),
        locality=f"{meta.level} {name}",
        number=number,
        aliases=(name,),
    )
    origin: dict[str, str] = {}
    new_passages = []
    for p in passages:
        text = rename(p.text)
        origin[text] = p.text
        new_passages.append(
            replace(p, id=f"{document}:{p.order}", document=document, text=text, original=rename(p.original))
        )
    return new_meta, new_passages, origin, rename


def run_bench(
    settings: Settings,
    *,
    questions: Sequence[str] = DEFAULT_QUESTIONS,
    generated_plans: int = 200,
    rounds: int = 5,
    facts: Sequence[Fact] = (),
    progress: Callable[[str], None] | None = None,
) -> str:
    """Measure the answerer on the ingested plans and on ``generated_plans`` variants of them; the figures as text."""
    say = progress or (lambda _: None)
    embeddings = make_embeddings(settings)
    source = PassageIndex(make_chroma_client(settings), embeddings)
    stored = source.all_passages()
    if not stored:
        return "Chưa có kế hoạch nào trong chỉ mục: hãy chạy `thidua ingest` trước."
    bundled = _group(stored)
    results: list[BenchFigures] = []
    with tempfile.TemporaryDirectory(prefix="thidua-bench-") as tmp:
        say("bundled plans: building the index")
        work = Path(tmp) / "bundled"
        build = _build(work, embeddings, bundled)
        say("bundled plans: answering in a serving process")
        results.append(_measure("Kế hoạch có sẵn", work, settings, questions, rounds, len(bundled), len(stored), build))
        generated: list[tuple[PlanMeta, list[Passage]]] = []
        origin: dict[str, str] = {}
        asked = list(questions)
        for serial in range(generated_plans):
            meta, passages = bundled[serial % len(bundled)]
            new_meta, new_passages, new_origin, rename = _variant(meta, passages, serial)
            generated.append((new_meta, new_passages))
            origin.update(new_origin)
            if serial < len(bundled):  # ask about the generated localities, not the vanished bundled ones
                asked = [rename(q) for q in asked]
        say(f"{generated_plans} generated plans: building the index")
        work = Path(tmp) / "generated"
        build = _build(work, _ReusedEmbeddings(embeddings, origin), generated)
        count = sum(len(p) for _, p in generated)
        say(f"{generated_plans} generated plans: answering in a serving process")
        label = f"{generated_plans} kế hoạch sinh thêm"
        results.append(_measure(label, work, settings, asked, rounds, generated_plans, count, build))
    return format_bench(results)


def format_bench(results: Sequence[BenchFigures]) -> str:
    """The bench figures as a table for a terminal."""
    lines = ["Đo hiệu năng trả lời (trích dẫn, trong tiến trình, đã khởi động):"]
    for r in results:
        lines.append(
            f"- {r.label}: {r.plans} kế hoạch, {r.passages} đoạn | p50 {r.p50_ms:.1f} ms, p95 {r.p95_ms:.1f} ms | "
            f"{r.answers_per_second:.1f} câu trả lời/giây (1 tiến trình) | dựng chỉ mục {r.build_seconds:.1f} s | "
            f"bộ nhớ đỉnh của tiến trình phục vụ {r.peak_mb:.0f} MB"
        )
    return "\n".join(lines)
