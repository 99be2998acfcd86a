"""The answer-quality judge of ../shared/eval/README.md: facts present, out-of-scope declined, source hit@3."""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from core.vietnamese import fold
from retrieval.answering import Answer

EARLY_CHARS = 200  # the asked facts should be read before this many characters
HIT_OVERLAP = 0.5  # share of the gold passage's character trigrams a source must contain to count as it


SPLIT_SEED = "thidua-bank-2026"
HELD_OUT_SHARE = 45  # percent of the bank's sections held out from tuning


def bank_part(item: dict[str, Any]) -> str:
    """ "tuning" or "heldout": decided by the question's plan and section (its id when it has none) with a fixed seed,
    so all questions about one section fall on the same side, whichever method wrote them."""
    key = f"{item.get('doc')}|{item['section']}" if item.get("section") else str(item.get("id"))
    digest = int(hashlib.sha256(f"{SPLIT_SEED}:{key}".encode()).hexdigest(), 16)
    return "heldout" if digest % 100 < HELD_OUT_SHARE else "tuning"


def judge_text(text: str) -> str:
    """Text as the judge compares it: lower case, no diacritics (đ → d), white space collapsed."""
    return " ".join(fold(text).split())


def facts_present(answer_text: str, facts: Sequence[Sequence[str]]) -> bool:
    """Every fact present: each is a list of spellings, any one of which counts."""
    judged = judge_text(answer_text)
    return all(any(judge_text(spelling) in judged for spelling in fact) for fact in facts)


def _trigrams(text: str) -> set[str]:
    squashed = re.sub(r"[^0-9a-z]+", " ", judge_text(text))
    return {squashed[i : i + 3] for i in range(len(squashed) - 2)}


def passage_overlap(gold: str, text: str) -> float:
    """Share of the gold passage's character trigrams found in ``text`` (tolerates OCR spelling vs repaired)."""
    wanted = _trigrams(gold)
    return len(wanted & _trigrams(text)) / len(wanted) if wanted else 0.0


def source_hit(item: dict[str, Any], answer: Answer, k: int = 3) -> bool:
    """Tell whether the gold passage is among the first ``k`` sources: same document, overlapping text."""
    docs = item["doc"] if isinstance(item["doc"], list) else [item["doc"]]
    gold = item.get("gold_passage") or ""
    return any(s.document in docs and passage_overlap(gold, s.text) >= HIT_OVERLAP for s in answer.sources[:k])


@dataclass(frozen=True)
class ItemResult:
    """How one question was judged."""

    id: str
    variant: str
    category: str
    correct: bool
    hit: bool | None  # None for out-of-scope items
    found: bool
    elapsed_ms: float
    facts_early: bool | None = None  # right answers: every asked fact within the first EARLY_CHARS characters
    length: int | None = None  # answers that are neither cross-plan nor a list: their length


@dataclass
class EvalReport:
    """The judge's figures for a question file."""

    items: list[ItemResult] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of questions answered correctly."""
        return _share([i.correct for i in self.items])

    def accuracy_by(self, attribute: str) -> dict[str, tuple[float, int]]:
        """Accuracy and count per variant or category."""
        groups: dict[str, list[bool]] = defaultdict(list)
        for item in self.items:
            groups[str(getattr(item, attribute))].append(item.correct)
        return {key: (_share(values), len(values)) for key, values in sorted(groups.items())}

    @property
    def hit_at_3(self) -> float:
        """Share of answerable questions whose gold passage is among the first three sources."""
        return _share([i.hit for i in self.items if i.hit is not None])

    @property
    def out_of_scope(self) -> tuple[int, int]:
        """Out-of-scope questions declined, out of how many."""
        oos = [i for i in self.items if i.category == "out_of_scope"]
        return sum(1 for i in oos if not i.found), len(oos)


def _share(values: Sequence[bool]) -> float:
    return sum(values) / len(values) if values else 0.0


def judge(item: dict[str, Any], answer: Answer, elapsed_ms: float = 0.0) -> ItemResult:
    """Judge one answer against one question item."""
    out_of_scope = item.get("doc") is None or item.get("category") == "out_of_scope"
    if out_of_scope:
        correct = not answer.found
        hit = None
    else:
        correct = answer.found and facts_present(answer.text, item.get("answer_facts") or [])
        hit = source_hit(item, answer)
    early = (
        facts_present(answer.text[:EARLY_CHARS], item.get("answer_facts") or [])
        if correct and hit is not None
        else None
    )
    listed = sum(1 for line in answer.text.splitlines() if line.lstrip().startswith(("-", "+", "•"))) >= 3
    plain = correct and not out_of_scope and item.get("category") != "cross_doc" and not listed
    return ItemResult(
        id=str(item.get("id", "")),
        variant=str(item.get("variant", "")),
        category=str(item.get("category", "")),
        correct=correct,
        hit=hit,
        found=answer.found,
        elapsed_ms=elapsed_ms,
        facts_early=early,
        length=len(answer.text) if plain else None,
    )


def run_eval(items: list[dict[str, Any]], answer_fn: Callable[[str], Answer]) -> EvalReport:
    """Answer every question with ``answer_fn`` and judge it."""
    report = EvalReport()
    for item in items:
        start = time.perf_counter()
        answer = answer_fn(str(item["question"]))
        elapsed = (time.perf_counter() - start) * 1000
        report.items.append(judge(item, answer, elapsed))
    return report


def format_eval(report: EvalReport) -> str:
    """The figures as text: overall, by variant, by category, hit@3, out-of-scope."""
    lines = [f"Độ chính xác: {report.accuracy:.1%} ({sum(i.correct for i in report.items)}/{len(report.items)})"]
    lines.append("Theo cách gõ (variant):")
    lines += [f"  {k}: {v:.1%} ({n})" for k, (v, n) in report.accuracy_by("variant").items()]
    lines.append("Theo loại câu hỏi (category):")
    lines += [f"  {k}: {v:.1%} ({n})" for k, (v, n) in report.accuracy_by("category").items()]
    lines.append(f"Nguồn đúng trong 3 nguồn đầu (hit@3): {report.hit_at_3:.1%}")
    declined, total = report.out_of_scope
    lines.append(f"Câu ngoài phạm vi được từ chối: {declined}/{total}")
    answerable = [i for i in report.items if i.category != "out_of_scope"]
    false_declines = sum(1 for i in answerable if not i.found)
    lines.append(f"Câu có trả lời nhưng bị từ chối: {false_declines}/{len(answerable)}")
    early = [i.facts_early for i in report.items if i.facts_early is not None]
    lines.append(f"Câu đúng có đủ ý trong {EARLY_CHARS} ký tự đầu: {_share(early):.1%} ({sum(early)}/{len(early)})")
    lengths = sorted(i.length for i in report.items if i.length is not None)
    if lengths:
        lines.append(f"Độ dài trung vị (trừ câu liên kế hoạch và danh sách): {lengths[len(lengths) // 2]} ký tự")
    wrong = [i.id for i in report.items if not i.correct]
    if wrong:
        lines.append("Sai: " + ", ".join(wrong))
    return "\n".join(lines)
