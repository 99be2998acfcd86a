"""OCR diacritic repair: line preservation, clean text and numbers untouched, typical repairs, gold-set accuracy."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.lexicon import modern_tone_placement
from knowledge.ocr_channel import channel_cost, skeleton_keys
from knowledge.ocr_repair import PLANS_DIR, Repairer, default_repairer, restore_lines
from knowledge.restore_accuracy import group_accuracy, load_gold, matched_words

GOLD = Path(__file__).resolve().parents[1] / "data" / "restore" / "gold.jsonl"
HOLDOUT = GOLD.with_name("holdout.jsonl")
CLEAN_PLAN = PLANS_DIR / "002_04368527553e5a8d.txt"


@pytest.fixture(scope="module")
def repairer() -> Repairer:
    return default_repairer()


@pytest.mark.parametrize(
    ("ocr", "expected"),
    [
        ("Pinh ky trudc ngay 10/12 hing nim béo céo", "Định kỳ trước ngày 10/12 hằng năm báo cáo"),
        ("Ké hoach sé 190/KH-UBND", "Kế hoạch số 190/KH-UBND"),
        ("d6i méi sang tao va chuyén d6i s6", "đổi mới sáng tạo và chuyển đổi số"),
        ("chinh quyén sb cua ca nudc", "chính quyền số của cả nước"),
        ("Nhan dan, 1am nén tang", "Nhân dân, làm nền tảng"),
        ("ciia B6 Chinh trj", "của Bộ Chính trị"),
        ("trén dia ban phwong Hoang Mai", "trên địa bàn phường Hoàng Mai"),
        ("nang cao nhan thirc", "nâng cao nhận thức"),
        # Phrases the clean plan does not use come from the shipped administrative phrases.
        ("Bang khen cua Chu tich Uy ban nhan dan tinh;", "Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh;"),
        ("Day manh hop tac qudc té", "Đẩy mạnh hợp tác quốc tế"),
        ("nhirng di tich lich str ciia dia phuong", "những di tích lịch sử của địa phương"),
    ],
)
def test_typical_repairs(repairer: Repairer, ocr: str, expected: str) -> None:
    assert repairer.repair(ocr) == expected


def test_line_count_is_preserved(repairer: Repairer) -> None:
    text = "KE HOACH\n\nTrién khai Phong trao\n   \n- Pinh ky trudc ngay 10/12\n"
    out = repairer.repair(text)
    assert out.count("\n") == text.count("\n")
    assert out.split("\n")[1] == "" and out.split("\n")[3] == "   "


def test_whole_ocr_plans_keep_their_lines_and_numbers(repairer: Repairer) -> None:
    for path in sorted(PLANS_DIR.glob("00[0134]_*.txt")):
        text = path.read_text(encoding="utf-8")
        out = repairer.repair(text)
        assert len(out.split("\n")) == len(text.split("\n")), path.name
        for before, after in zip(text.split("\n"), out.split("\n"), strict=True):
            digits_before = [tok for tok in before.split() if tok.isdigit()]
            digits_after = [tok for tok in after.split() if tok.isdigit()]
            assert digits_before == digits_after


def test_clean_plan_passes_through_unchanged(repairer: Repairer) -> None:
    text = unicodedata.normalize("NFC", CLEAN_PLAN.read_text(encoding="utf-8"))
    assert repairer.repair(text) == text


def test_marked_text_only_loses_impossible_syllables(repairer: Repairer) -> None:
    # What a Vietnamese OCR model gives: real diacritics, a few impossible syllables; foreign words stay.
    line = "thi đua đổi mởi sáng tạo, hiệư quả; văn hoá, Internet, logistics, Zalo"
    assert repairer.repair(line) == "thi đua đổi mới sáng tạo, hiệu quả; văn hoá, Internet, logistics, Zalo"


def test_clean_sentence_and_nfc(repairer: Repairer) -> None:
    decomposed = unicodedata.normalize("NFD", "Định kỳ trước ngày 15/12 hằng năm báo cáo UBND Thành phố.")
    out = repairer.repair(decomposed)
    assert out == unicodedata.normalize("NFC", decomposed)
    assert unicodedata.is_normalized("NFC", out)


@pytest.mark.parametrize(
    "code",
    ["57-NQ-TW", "10/12", "2025", "2025-2030", "100%", "3764/KH-SYT", "923/QD-TTg", "01-KH/BCDTW", "(2025-2030)"],
)
def test_numbers_and_codes_untouched(repairer: Repairer, code: str) -> None:
    out = repairer.repair(f"Nghi quyét s6 {code} ngay")
    assert code in out.split()


def test_acronyms_untouched(repairer: Repairer) -> None:
    out = repairer.repair("cac co quan, don vi, TDP thuoc Phuong; UBND va MTTQ")
    for acronym in ("TDP", "UBND", "MTTQ"):
        assert acronym in out.split() or f"{acronym};" in out.split()


def test_case_is_kept(repairer: Repairer) -> None:
    assert repairer.repair("KE HOACH") == "KẾ HOẠCH"
    assert repairer.repair("Ké hoach") == "Kế hoạch"
    assert repairer.repair("S6:99") == "Số:99"


def test_number_before_an_apostrophe_is_untouched(repairer: Repairer) -> None:
    assert repairer.repair("0'A") == "0'A"
    assert repairer.restore_query("0'A") == "0'A"


def test_curly_apostrophe_inside_a_word_or_for_a_lost_space(repairer: Repairer) -> None:
    assert repairer.repair("- Xay du’ng K¢é hoach") == "- Xây dựng Kế hoạch"
    assert repairer.repair("tét’nhiém vu dugc giao") == "tốt’nhiệm vụ được giao"


def test_restore_query(repairer: Repairer) -> None:
    assert repairer.restore_query("han bao cao la ngay nao") == "hạn báo cáo là ngày nào"
    assert repairer.restore_query("khen thuong tong ket phong trao") == "khen thưởng tổng kết phong trào"
    # The plans' vocabulary and common question phrasing win over readings the plans never use.
    assert repairer.restore_query("nhu the nao") == "như thế nào"
    assert repairer.restore_query("ai phan cong nhiem vu") == "ai phân công nhiệm vụ"
    assert repairer.restore_query("phuong hoang mai") == "phường hoàng mai"
    assert repairer.restore_query("bao cao truoc ngay may") == "báo cáo trước ngày mấy"
    # Words typed with diacritics are kept as typed.
    assert repairer.restore_query("Hoàng Mai bao cao") == "Hoàng Mai báo cáo"


def test_a_word_seen_only_at_the_end_of_a_text_may_still_be_followed() -> None:
    # "nào" ends every clean text here; that must not make every word after it impossible.
    learned = Repairer.from_texts(["như thế nào", "khi nào"])
    assert learned.restore_query("nam nao co") == "năm nào có"


def test_restore_lines_is_one_for_one() -> None:
    lines = ["Ké hoach s6 99", "", "d6i méi\n", "2025"]
    out = list(restore_lines(lines))
    assert out == ["Kế hoạch số 99", "", "đổi mới", "2025"]


def test_from_texts_learns_from_clean_text() -> None:
    # "bồ câu" is rare in the general model; a clean text that uses it makes it the reading of "b6 cau".
    learned = Repairer.from_texts(["con bồ câu trắng. con bồ câu xám. đôi bồ câu."])
    assert learned.repair("con b6 cau") == "con bồ câu"


def test_metadata_places_are_learned_as_phrases(repairer: Repairer) -> None:
    # "Cao Bằng" is named only in plan 001's metadata ("xã Trùng Khánh, Cao Bằng"), never in the clean plan.
    assert repairer.repair("trén dia ban tinh Cao Bang") == "trên địa bàn tỉnh Cao Bằng"


def test_ocr_texts_train_the_model_on_their_repair() -> None:
    # One self-training pass: the pairs of the repaired OCR lines join the model, within a line only.
    plain = Repairer.from_texts(["đổi mới"])
    trained = Repairer.from_texts(["đổi mới"], ["sang tao va chuyén d6i\nKé hoach"])
    assert ("và", "chuyển") in trained._model.bigrams and ("và", "chuyển") not in plain._model.bigrams
    assert ("đổi", "kế") not in trained._model.bigrams


def test_channel_costs_prefer_the_usual_confusions() -> None:
    assert channel_cost("số", "s6") < channel_cost("sáu", "s6")
    assert channel_cost("của", "ciia") < 0.5
    assert channel_cost("thức", "thirc") < 0.5
    assert channel_cost("làm", "1am") < 0.5
    assert channel_cost("định", "pinh") < 0.5
    assert "trVc" in skeleton_keys("trudc")


def test_modern_tone_placement() -> None:
    assert modern_tone_placement("hoá") == "hóa"
    assert modern_tone_placement("uỷ") == "ủy"
    assert modern_tone_placement("quý") == "quý"
    assert modern_tone_placement("hoàn") == "hoàn"


def test_word_alignment_metric() -> None:
    assert matched_words("đổi mới sáng tạo", "đổi mới sáng tạo") == (4, 4)
    assert matched_words("đổi mới sáng tạo", "đổi mới sang tạo") == (3, 4)
    assert matched_words("đổi mới, sáng tạo.", "Đổi mới sáng tạo") == (4, 4)
    assert matched_words("a b c d", "a b d") == (3, 4)


def test_gold_sets_match_the_plans() -> None:
    gold = load_gold(GOLD)
    assert len({g.plan for g in gold}) == 4
    for group in ("in_corpus", "not_in_corpus"):
        assert sum(g.group == group for g in gold) >= 25
    for item in gold + load_gold(HOLDOUT):
        lines = (PLANS_DIR / item.plan).read_text(encoding="utf-8").split("\n")
        assert lines[item.line - 1] == item.ocr


@pytest.mark.parametrize("path", [GOLD, HOLDOUT], ids=["gold", "holdout"])
def test_gold_accuracy_meets_targets(repairer: Repairer, path: Path) -> None:
    gold = load_gold(path)
    raw = group_accuracy(gold, lambda text: text)
    repaired = group_accuracy(gold, repairer.repair)
    assert raw["in_corpus"] < 0.3 and raw["not_in_corpus"] < 0.3
    assert repaired["in_corpus"] >= 0.90
    assert repaired["not_in_corpus"] >= 0.85


_OCR_ALPHABET = "abcdeghiklmnopqrstuvxyADGHKNPSTUéèáàô€¢¥§&$6014 \n/-.,;:()“”'|"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=_OCR_ALPHABET, max_size=80))
def test_any_text_keeps_its_lines_and_numbers(repairer: Repairer, text: str) -> None:
    out = repairer.repair(text)
    assert len(out.split("\n")) == len(text.split("\n"))
    assert unicodedata.is_normalized("NFC", out)
    assert re.findall(r"(?<![\w€¢¥§&$])\d+(?![\w€¢¥§&$])", out) == re.findall(r"(?<![\w€¢¥§&$])\d+(?![\w€¢¥§&$])", text)
    assert len(repairer.restore_query(text).split("\n")) == len(text.split("\n"))


def test_words_of_other_languages_are_kept() -> None:
    from knowledge.ocr_repair import default_repairer

    repaired = default_repairer().repair('phém theo huong "Made in Vi¢t Nam" - sang tao Viét Nam')
    assert repaired == 'phẩm theo hướng "Made in Việt Nam" - sáng tạo Việt Nam'


def test_u_with_hook_read_as_t_is_repaired() -> None:
    from knowledge.ocr_repair import default_repairer

    repaired = default_repairer().repair("Ban Thudng vu Tinh ty Cao Bang; Van phong Pang ty")
    assert repaired == "Ban Thường vụ Tỉnh ủy Cao Bằng; Văn phòng Đảng ủy"


def test_common_administrative_phrases_win_over_look_alikes() -> None:
    from knowledge.ocr_repair import default_repairer

    scanned = "vuc dugce cap co6 tham quyén cho phép.\nnhat 1a doanh nghiép vira va nho dau tu"
    repaired = default_repairer().repair(scanned)
    assert "thẩm quyền cho phép" in repaired and "doanh nghiệp vừa và nhỏ" in repaired


def test_s_ampersand_beside_a_dash_is_repaired_not_kept_as_a_code() -> None:
    from knowledge.ocr_repair import default_repairer

    assert "TP-Sở Nội vụ" in default_repairer().repair("- Ban TDKT TP-S& Noi vu HN;")
    assert "KH-UBND" in default_repairer().repair("Ké hoach s6 99/KH-UBND")
