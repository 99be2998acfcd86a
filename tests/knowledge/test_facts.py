"""Facts extracted from the five bundled plans: award lists, deadlines, phases, targets and responsible bodies."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from core.vietnamese import fold
from knowledge.chunking import chunk_plan
from knowledge.facts import award_forms, award_value, body_name, extract_facts
from knowledge.metadata import load_meta
from knowledge.passages import Fact, Passage, PlanMeta

PLANS = Path(__file__).resolve().parents[2] / "knowledge" / "plans"
PREFIXES = ["000", "001", "002", "003", "004"]


@cache
def plan(prefix: str) -> tuple[Path, str]:
    (path,) = PLANS.glob(f"{prefix}_*.txt")
    return path, path.read_text(encoding="utf-8")


@cache
def facts(prefix: str, *, repaired: bool = False) -> tuple[Fact, ...]:
    path, text = plan(prefix)
    if repaired:
        from knowledge.ocr_repair import default_repairer

        passages = chunk_plan(path.name, text, default_repairer().repair(text))
    else:
        passages = chunk_plan(path.name, text, text)
    return tuple(extract_facts(load_meta(path), passages))


def values(prefix: str, kind: str) -> list[str]:
    return [fact.value for fact in facts(prefix) if fact.kind == kind]


HANOI_AWARDS = [
    "Huân chương Lao động",
    "Cờ thi đua của Chính phủ",
    "Bằng khen của Thủ tướng Chính phủ",
    "Bằng khen của Chủ tịch UBND Thành phố",
    "Cờ thi đua của UBND Thành phố",
    "Giấy khen các cấp",
]
EXPECTED_AWARDS = {
    # Hoàng Mai and the Sở Y tế copy the Hà Nội list word for word.
    "000": HANOI_AWARDS,
    "002": HANOI_AWARDS,
    "003": HANOI_AWARDS,
    "001": [
        "Huân chương Lao động",
        "Cờ thi đua của Chính phủ",
        "Bằng khen của Thủ tướng Chính phủ",
        "Cờ thi đua của tỉnh",
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Giấy khen của Chủ tịch UBND xã",
    ],
    # Thanh Bình lists the sơ kết awards first, then the tổng kết awards (which repeat the Bằng khen of the tỉnh).
    "004": [
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Giấy khen của Chủ tịch UBND Thành phố",
        "Giấy khen của Chủ tịch UBND phường",
        "Huân chương Lao động",
        "Cờ thi đua của Chính phủ",
        "Bằng khen của Thủ tướng Chính phủ",
        "Cờ thi đua của UBND tỉnh",
    ],
}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_award_forms_come_out_as_one_complete_list(prefix: str) -> None:
    assert award_forms(facts(prefix)) == EXPECTED_AWARDS[prefix]
    award_facts = [fact for fact in facts(prefix) if fact.kind == "award"]
    # Each list sits in one passage of the plan's "Hình thức khen thưởng" section.
    assert len({fact.passage_id for fact in award_facts}) == 1
    for fact in award_facts:
        assert "khen thu" in fold(" ".join(fact.section_path))
        assert fact.text and not fact.text.startswith("-")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_award_lists_survive_ocr_repair(prefix: str) -> None:
    assert award_forms(facts(prefix, repaired=True)) == EXPECTED_AWARDS[prefix]


def test_thanh_binh_awards_know_their_occasion() -> None:
    occasions = {
        fact.value: fold(fact.section_path[-1])
        for fact in facts("004")
        if fact.kind == "award" and "so k" in fold(fact.section_path[-1])
    }
    assert sorted(occasions) == [
        "Bằng khen của Chủ tịch UBND tỉnh",
        "Giấy khen của Chủ tịch UBND Thành phố",
        "Giấy khen của Chủ tịch UBND phường",
    ]
    final = [
        fact for fact in facts("004") if fact.kind == "award" and any("tong k" in fold(s) for s in fact.section_path)
    ]
    assert len(final) == 7


@pytest.mark.parametrize(
    ("item", "value"),
    [
        ("- Bang khen ctia Thi tuéng Chinh phu;", "Bằng khen của Thủ tướng Chính phủ"),
        ("- C0¢ thi dua cia Chinh phu;", "Cờ thi đua của Chính phủ"),
        ("- B?mg khen ctua Chu tich UBND tinh;", "Bằng khen của Chủ tịch UBND tỉnh"),
        ("+ Gidy khen cta Chua tich UBND xaA.", "Giấy khen của Chủ tịch UBND xã"),
        ("- Giấy khen của Giám đốc Sở;", "Giấy khen của Giám đốc Sở"),
        ("- Kỷ niệm chương vì sự nghiệp thi đua;", "Kỷ niệm chương vì sự nghiệp thi đua"),
        ("- Thực hiện biểu dương, khen thưởng kịp thời các tập thể;", None),
    ],
)
def test_award_value(item: str, value: str | None) -> None:
    assert award_value(item) == value


EXPECTED_DEADLINES = {
    "000": ["15/12", "10/12"],
    "001": ["định kỳ hằng năm"],
    "002": ["15/12"],
    "003": ["30/11"],
    "004": [],
}


@pytest.mark.parametrize("prefix", PREFIXES)
def test_report_deadlines(prefix: str) -> None:
    assert values(prefix, "deadline") == EXPECTED_DEADLINES[prefix]


def test_hoang_mai_report_deadline_says_who_reports_to_whom() -> None:
    (fact,) = [fact for fact in facts("000") if fact.kind == "deadline" and fact.value == "15/12"]
    assert fact.section_path[0].startswith("IV.")
    assert "phong van hoa" in fold(fact.section_path[1])  # who reports
    assert "khoa hoc va cong ngh" in fold(fact.text)  # to whom
    assert fact.passage_id.startswith("000_")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_phases(prefix: str) -> None:
    found = set(values(prefix, "phase"))
    assert {
        "Thời gian thực hiện: 2025–2030",
        "Giai đoạn 1: 2025–2027",
        "Giai đoạn 2: 2027–2030",
        "Sơ kết 2027",
    } <= found
    # Thanh Bình's plan sets no year for its tổng kết.
    assert ("Tổng kết 2030" in found) is (prefix != "004")


def test_targets_of_thanh_binh() -> None:
    targets = [fact for fact in facts("004") if fact.kind == "target"]
    assert {fact.value for fact in targets} == {"80%", "90%", "100%", "70%"}
    report = [fact for fact in targets if "phan mem" in fold(fact.text)]
    assert [fact.value for fact in report] == ["100%"]
    assert "80% trd 1én" in next(fact.text for fact in targets if fact.value == "80%")


def test_ranking_targets_of_hanoi() -> None:
    assert values("002", "target") == ["xếp thứ 01–05", "xếp thứ 01–05"]


def test_responsible_bodies_of_hanoi() -> None:
    bodies = values("002", "responsibility")
    for body in ("Sở Khoa học và Công nghệ", "Sở Nội vụ", "Sở Văn hóa và Thể thao"):
        assert body in bodies
    standing = [f for f in facts("002") if f.kind == "responsibility" and "Thường trực" in f.text]
    assert {fact.value for fact in standing} == {"Sở Khoa học và Công nghệ"}
    duties = [f.text for f in facts("002") if f.kind == "responsibility" and f.value == "Sở Khoa học và Công nghệ"]
    assert any(duty.startswith("Hướng dẫn, lựa chọn, đề xuất mô hình, sáng kiến") for duty in duties)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_plan_names_responsible_bodies(prefix: str) -> None:
    bodies = set(values(prefix, "responsibility"))
    assert len(bodies) >= 3
    assert all(0 < len(body) <= 120 for body in bodies)


@pytest.mark.parametrize(
    ("heading", "body"),
    [
        ("1. Phòng Văn hóa – Xã hội là cơ quan thường trực của Phong trào thi đua chủ trì", "Phòng Văn hóa – Xã hội"),
        ("2. Văn phòng HĐND & UBND: Tham mưu hướng dẫn khen thưởng", "Văn phòng HĐND & UBND"),
        ("2. Đề nghị Ủy ban Mặt trận Tổ quốc và các tổ chức chính trị - xã hội thực hiện tốt", None),
        ("1. Sở Khoa học và Công nghệ (cơ quan Thường trực của phong trào)", "Sở Khoa học và Công nghệ"),
        ("3. Cán bộ, công chức tập trung thực hiện thủ tục hành chính", "Cán bộ, công chức"),
    ],
)
def test_body_name(heading: str, body: str | None) -> None:
    expected = body or "Ủy ban Mặt trận Tổ quốc và các tổ chức chính trị - xã hội"
    assert body_name(heading) == expected


def test_signature_block_gives_no_facts() -> None:
    for prefix in PREFIXES:
        assert all(fact.section_path[0] != "Nơi nhận" for fact in facts(prefix))


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("Định kỳ trước ngày 15/12 hằng năm báo cáo về Sở.", "15/12"),
        ("Gửi hồ sơ chậm nhất ngày 30 tháng 11 năm 2026 về Phòng Nội vụ.", "30/11/2026"),
        ("Hoàn thành trước ngày 05/01/2026.", "5/1/2026"),
        ("Pinh ky trudc ngay 10/12 hing nim béo céo.", "10/12"),
        ("Căn cứ Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị.", None),
    ],
)
def test_deadline_sentences(sentence: str, value: str | None) -> None:
    passage = Passage("x.txt:0", "x.txt", 0, ("IV. Tổ chức thực hiện",), f"- {sentence}", sentence, 0, 1)
    meta = PlanMeta("x.txt", "", "", "", "", "", "")
    found = [fact.value for fact in extract_facts(meta, [passage]) if fact.kind == "deadline"]
    assert found == ([value] if value else [])
