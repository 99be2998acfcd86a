"""Chunking the five bundled plans along their structure, on raw OCR text and on OCR-repaired text."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from core.vietnamese import fold
from knowledge.chunking import MAX_CHARS, balanced_groups, chunk_plan
from knowledge.passages import Passage
from knowledge.structure import PREAMBLE_TITLE, TRAILER_TITLE

PLANS = Path(__file__).resolve().parents[2] / "knowledge" / "plans"
PREFIXES = ["000", "001", "002", "003", "004"]


def plan(prefix: str) -> tuple[str, str]:
    (path,) = PLANS.glob(f"{prefix}_*.txt")
    return path.name, path.read_text(encoding="utf-8")


@cache
def raw_passages(prefix: str) -> list[Passage]:
    name, text = plan(prefix)
    return chunk_plan(name, text, text)


@cache
def repaired_passages(prefix: str) -> list[Passage]:
    from knowledge.ocr_repair import default_repairer

    name, text = plan(prefix)
    return chunk_plan(name, text, default_repairer().repair(text))


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_passage_has_a_section_path_and_exact_source_lines(prefix: str) -> None:
    name, text = plan(prefix)
    lines = text.splitlines()
    passages = raw_passages(prefix)
    assert len(passages) >= 15
    previous_end = 0
    for order, passage in enumerate(passages):
        assert passage.id == f"{name}:{order}"
        assert passage.order == order
        assert passage.section_path, passage.id
        assert all(step.strip() for step in passage.section_path)
        assert passage.original == "\n".join(lines[passage.line_start : passage.line_end])
        assert passage.text.strip()
        assert previous_end <= passage.line_start < passage.line_end
        previous_end = passage.line_end
    assert passages[0].section_path == (PREAMBLE_TITLE,)
    assert passages[-1].section_path == (TRAILER_TITLE,)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_content_line_is_lost(prefix: str) -> None:
    _, text = plan(prefix)
    covered: set[int] = set()
    for passage in raw_passages(prefix):
        covered.update(range(passage.line_start, passage.line_end))
    missing = [i for i, line in enumerate(text.splitlines()) if line.strip() and i not in covered]
    assert missing == []


@pytest.mark.parametrize("prefix", PREFIXES)
def test_passage_sizes(prefix: str) -> None:
    for passage in raw_passages(prefix):
        if len(passage.text) > MAX_CHARS:
            # Only a single paragraph too long to cut (a plan's opening "Thực hiện …" sentence) may exceed the limit.
            longest = max(len(paragraph) for paragraph in passage.text.split("\n"))
            assert longest > MAX_CHARS * 0.9, passage.id
        assert len(passage.text) >= 90, passage.id


def test_heading_is_in_the_text_and_the_path_is_full() -> None:
    passages = raw_passages("002")
    business = [p for p in passages if p.section_path[-1] == "c) Đối với doanh nghiệp"]
    assert len(business) == 1
    (passage,) = business
    assert passage.section_path == (
        "III. Tiêu chí thi đua và hình thức khen thưởng",
        "1. Tiêu chí thi đua",
        "c) Đối với doanh nghiệp",
    )
    assert passage.text.startswith("c) Đối với doanh nghiệp\n- Nội bộ đoàn kết")
    assert "năng lực sáng tạo đột phá" in passage.text  # re-flowed across the source's line break


def test_long_criteria_block_splits_between_items_with_the_full_path() -> None:
    passages = [p for p in raw_passages("002") if p.section_path[-1].startswith("a) Đối với các sở")]
    assert len(passages) >= 2
    # The first piece carries the part and section headings that had no text of their own.
    assert passages[0].text.startswith(
        "III. TIÊU CHÍ THI ĐUA VÀ HÌNH THỨC KHEN THƯỞNG\n1. Tiêu chí thi đua\na) Đối với"
    )
    for passage in passages[1:]:
        assert passage.text.startswith("- "), passage.text[:40]  # each piece starts on an item, never mid-item


@pytest.mark.parametrize("prefix", PREFIXES)
def test_award_list_stays_in_one_passage(prefix: str) -> None:
    holding = [p for p in raw_passages(prefix) if "chuong lao dong" in fold(p.text)]
    assert len(holding) == 1
    folded = fold(holding[0].text)
    for word in ("thi dua", "khen", "chinh phu"):
        assert word in folded


def test_page_breaks_and_blank_lines_do_not_split_paragraphs() -> None:
    deadline = next(p for p in raw_passages("000") if "15/12" in p.text)
    line = next(line for line in deadline.text.split("\n") if "15/12" in line)
    assert line.startswith("- Pinh ky trudc ngay 15/12")
    assert line.endswith("dimg dau don vi.")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_repaired_text_gives_the_same_outline(prefix: str) -> None:
    _, text = plan(prefix)
    lines = text.splitlines()
    raw = raw_passages(prefix)
    repaired = repaired_passages(prefix)
    # The same sections in the same order; a long section may be cut at other items, as repair changes lengths.
    assert sections(repaired) == sections(raw)
    for passage in repaired:
        assert passage.original == "\n".join(lines[passage.line_start : passage.line_end])


def sections(passages: list[Passage]) -> list[list[str]]:
    found: list[list[str]] = []
    for passage in passages:
        steps = numbering(passage.section_path)
        if not found or found[-1] != steps:
            found.append(steps)
    return found


def numbering(path: tuple[str, ...]) -> list[str]:
    """The numbering of each step of a path ("III.", "1.", "c)"), or "label" for an unnumbered step."""
    firsts = [step.split(" ", 1)[0] for step in path]
    return [first if first.endswith((".", ")")) else "label" for first in firsts]


def test_repaired_paths_read_as_vietnamese() -> None:
    paths = {p.section for p in repaired_passages("000")}
    assert "III. Tiêu chí thi đua và hình thức khen thưởng › 1. Tiêu chí thi đua › c) Đối với doanh nghiệp" in paths


def test_line_count_mismatch_is_refused() -> None:
    with pytest.raises(ValueError, match="lines"):
        chunk_plan("x.txt", "a\nb", "a")


def test_balanced_groups() -> None:
    assert balanced_groups([], 10) == []
    assert len(balanced_groups([4, 4, 4], 10)) == 2
    assert balanced_groups([5, 5, 5, 5], 10) == [(0, 2), (2, 4)]
    assert balanced_groups([3, 3, 3, 3, 3, 3, 1], 10) == [(0, 3), (3, 7)]  # even, not greedy 9 / 9 / 1
    assert balanced_groups([20, 2], 10) == [(0, 1), (1, 2)]  # an oversized item stands alone
