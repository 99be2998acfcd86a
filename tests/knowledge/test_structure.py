"""Heading parsing on the five bundled plans (raw OCR text) and on small damaged samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.vietnamese import fold
from knowledge.ocr_repair import default_repairer
from knowledge.structure import (
    CLOSING_TITLE,
    LEVEL_LABEL,
    LEVEL_LETTER,
    LEVEL_NUMBER,
    LEVEL_PART,
    PREAMBLE_TITLE,
    TRAILER_TITLE,
    Section,
    clean_title,
    parse_structure,
    roman_value,
)

PLANS = Path(__file__).resolve().parents[2] / "knowledge" / "plans"


def plan_lines(prefix: str) -> list[str]:
    (path,) = PLANS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8").splitlines()


def parts(root: Section) -> list[str]:
    return [child.heading for child in root.children]


def find(root: Section, *steps: str) -> Section:
    """Follow a path of folded heading prefixes ("iii.", "1.", "c)") down the tree."""
    node = root
    for step in steps:
        matches = [child for child in node.children if fold(child.heading).startswith(step)]
        assert matches, f"no {step!r} under {node.heading!r}: {[c.heading for c in node.children]}"
        node = matches[0]
    return node


@pytest.mark.parametrize(
    ("token", "value"),
    [("I", 1), ("|", 1), ("I1", 2), ("II", 2), ("II1", 3), ("IIl", 3), ("IV", 4), ("VI", 6), ("IIII", None)],
)
def test_roman_value_reads_ocr_damaged_numerals(token: str, value: int | None) -> None:
    assert roman_value(token) == value


# The numbered parts of each plan, in order, by a word or two of their folded titles.
EXPECTED_PARTS = {
    "000": ["muc", "noi dung", "tieu chi", "to chuc thuc hien"],
    "001": ["muc", "noi dung", "tieu chi", "giai phap", "thoi gian", "to chuc thuc hien"],
    "002": ["muc dich", "doi tuong", "tieu chi", "to chuc thuc hien"],
    "003": ["muc", "noi dung", "tieu chi", "to chuc thuc hien"],
    "004": ["muc", "noi dung", "tieu chi", "tien", "to chuc thuc hien"],
}


@pytest.mark.parametrize("prefix", sorted(EXPECTED_PARTS))
def test_top_level_sections_of_each_plan(prefix: str) -> None:
    root = parse_structure(plan_lines(prefix))
    headings = parts(root)
    assert headings[0] == PREAMBLE_TITLE
    assert headings[-1] == TRAILER_TITLE
    assert headings[-2] == CLOSING_TITLE
    numbered = [child for child in root.children if child.label]
    expected = EXPECTED_PARTS[prefix]
    assert [child.label for child in numbered] == [f"{roman}." for roman in ("I", "II", "III", "IV", "V", "VI")][
        : len(expected)
    ]
    for child, words in zip(numbered, expected, strict=True):
        assert words in fold(child.title), (child.heading, words)


@pytest.mark.parametrize("prefix", sorted(EXPECTED_PARTS))
def test_sections_tile_the_text(prefix: str) -> None:
    lines = plan_lines(prefix)
    root = parse_structure(lines)
    for node in root.walk():
        assert node.line_start <= node.body_start <= node.body_end <= node.line_end <= len(lines)
        for left, right in zip(node.children, node.children[1:], strict=False):
            assert left.line_end == right.line_start
        if node.children:
            assert node.children[-1].line_end == node.line_end


def test_hoang_mai_criteria_path_with_damaged_headings() -> None:
    root = parse_structure(plan_lines("000"))
    # "I1. TIEU CHI THI PUA …" is part III; "¢) Déi véi doanh nghi¢p" is c); the second "d)" is đ).
    part = find(root, "iii.")
    assert part.title.startswith("Tieu chi thi")
    criteria = find(root, "iii.", "1.")
    assert [child.label for child in criteria.children] == ["a)", "b)", "c)", "d)", "đ)"]
    assert "doanh nghi" in fold(find(root, "iii.", "1.", "c)").title)
    awards = find(root, "iii.", "2.")
    assert [child.label for child in awards.children] == ["2.1.", "2.2."]


def test_trung_khanh_damaged_letter_after_b_is_c() -> None:
    # "¢) Béi véi cac doanh nghiép" follows "b)": it opens c), not the tail of b).
    original = plan_lines("001")
    repaired = default_repairer().repair("\n".join(original)).split("\n")
    criteria = find(parse_structure(repaired, original), "iii.", "1.")
    assert [child.label for child in criteria.children] == ["a)", "b)", "c)", "d)"]
    assert fold(find(parse_structure(repaired, original), "iii.", "1.", "c)").title) == "doi voi cac doanh nghiep"


@pytest.mark.parametrize("glyph", ["¢", "©", "€", "e"])
def test_damaged_c_marker_after_b(glyph: str) -> None:
    lines = ["I. MUC DICH", "1. Muc dich", "a) Mot.", "b) Hai.", f"{glyph}) Doi voi doanh nghiep", "- Ba."]
    section = find(parse_structure(lines), "i.", "1.")
    assert [child.label for child in section.children] == ["a)", "b)", "c)"]


def test_numbering_that_skips_a_number_is_still_followed() -> None:
    root = parse_structure(plan_lines("000"))
    # The plan jumps from "2. Nội dung thi đua" to "4. Giải pháp thực hiện".
    assert [child.label for child in find(root, "ii.").children] == ["1.", "2.", "4.", "5."]


def test_unnumbered_label_headings_in_thanh_binh() -> None:
    root = parse_structure(plan_lines("004"))
    criteria = find(root, "iii.", "1.")
    labels = [child.title for child in criteria.children if child.level == LEVEL_LABEL]
    assert [fold(label)[:8] for label in labels] == ["dei v6i ", "dei v6i ", "dbi vei ", "dei tuon"]
    awards = find(root, "iii.", "2.")
    assert [fold(child.title) for child in awards.children] == [
        "khen thuong hang nam",
        "khen thueng so ket",
        "khen thudng tong ket",
    ]


SAMPLE = """\
UBND PHƯỜNG A
KẾ HOẠCH
Thực hiện Kế hoạch số 1/KH-UBND, phường ban hành kế hoạch.
|. MUC PiCH, YEU CAU
1. Muc dich
a) Huy dong suc manh tong hop cua he thong
chinh tri.
¢) Kip thoi bieu duong.
I1. NOI DUNG THI DUA VA
HINH THUC KHEN THUONG
1. Noi dung
So lieu nam
2030. Can cu thanh tich nay.
7. Day la muc bi lech so.
a) Muc a.
b) Muc b.
¢) Muc c.
d) Muc d.
d) Muc dd.
) Muc mat chu.
2. Hinh thuc
Khen thuong so ket:
- Giay khen.
Trên đây là Kế hoạch của phường.
Nơi nhận:
- Như trên;
KT. CHỦ TỊCH
"""


def test_damaged_sample_outline() -> None:
    root = parse_structure(SAMPLE.splitlines())
    assert parts(root) == [
        PREAMBLE_TITLE,
        "I. Muc pich, yeu cau",
        "II. Noi dung thi dua va hinh thuc khen thuong",
        CLOSING_TITLE,
        TRAILER_TITLE,
    ]
    first = find(root, "i.", "1.")
    # "¢)" follows "a)" where "b)" was expected: one skipped letter is accepted and read as c).
    assert [child.label for child in first.children] == ["a)", "c)"]
    content = find(root, "ii.", "1.")
    # "2030." and an out-of-sequence "7." are body text; "d)" read twice is d) then đ); ")" with no letter is e).
    assert [child.label for child in content.children] == ["a)", "b)", "c)", "d)", "đ)", "e)"]
    assert content.children[0].level == LEVEL_LETTER
    assert content.body_end - content.body_start == 3
    form = find(root, "ii.", "2.")
    assert form.level == LEVEL_NUMBER
    assert [child.title for child in form.children] == ["Khen thuong so ket"]
    assert find(root, "ii.").level == LEVEL_PART


def test_fallback_lines_rescue_a_heading_garbled_by_repair() -> None:
    original = ["I. MUC DICH", "1. Muc dich", "a) Mot.", "¢) Hai."]
    repaired = ["I. MỤC ĐÍCH", "1. Mục đích", "a) Một.", "có) Hai."]
    without = parse_structure(repaired)
    assert [child.label for child in find(without, "i.", "1.").children] == ["a)"]
    rescued = parse_structure(repaired, original)
    letters = find(rescued, "i.", "1.").children
    assert [(child.label, child.title) for child in letters] == [("a)", "Một"), ("c)", "Hai")]


def test_clean_title() -> None:
    assert clean_title("TIÊU CHÍ THI ĐUA VÀ HÌNH THỨC KHEN THƯỞNG", whole_line=True) == (
        "Tiêu chí thi đua và hình thức khen thưởng"
    )
    assert clean_title("MỤC Đích, YÊU CẦU:", whole_line=True) == "Mục đích, yêu cầu"
    assert clean_title("TỔ CHỨC THỰC HIỆN CỦA UBND", whole_line=True) == "Tổ chức thực hiện của UBND"
    assert clean_title("Tập thể: các Ban đảng và Văn phòng Thành ủy; Ủy ban Mặt trận Tổ quốc") == "Tập thể"
    assert clean_title("Giai đoạn 1: (từ 2025 - 2027)") == "Giai đoạn 1: (từ 2025 - 2027)"
    long = clean_title("Thi đua " + "nâng cao nhận thức " * 10)
    assert long.endswith("…") and len(long) <= 91


def test_plan_numbered_from_the_top_without_parts() -> None:
    text = """KẾ HOẠCH
Tổ chức hội thi sáng kiến năm 2026
Căn cứ Luật Thi đua, khen thưởng;
1. Mục đích
Khuyến khích sáng kiến.
2. Nội dung
a) Thi sáng kiến.
b) Khen thưởng:
- Giấy khen của Chủ tịch UBND xã.
Trên đây là Kế hoạch của xã.
Nơi nhận:
- Như trên;
"""
    root = parse_structure(text.splitlines())
    assert parts(root) == [PREAMBLE_TITLE, "1. Mục đích", "2. Nội dung", CLOSING_TITLE, TRAILER_TITLE]
    assert [child.heading for child in find(root, "2.").children] == ["a) Thi sáng kiến", "b) Khen thưởng"]


def test_part_titles_in_sentence_case_with_clean_numerals() -> None:
    text = "KẾ HOẠCH\nI. Mục đích, yêu cầu\n1. Mục đích\nKhuyến khích.\nII. Nội dung thi đua\n1. Thi sáng kiến.\n"
    root = parse_structure(text.splitlines())
    assert parts(root) == [PREAMBLE_TITLE, "I. Mục đích, yêu cầu", "II. Nội dung thi đua"]
    # A sentence that merely starts with "V." is no part: the numbering expects III.
    assert len(parse_structure([*text.splitlines(), "V. Một câu văn bình thường kết thúc ở đây."]).children) == 3
