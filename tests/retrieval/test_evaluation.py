"""The judge: facts folded and matched, out-of-scope declined, hit@3."""

from __future__ import annotations

from retrieval.answering import Answer, Source
from retrieval.evaluation import facts_present, format_eval, run_eval


def _source(document: str, text: str) -> Source:
    return Source(document, "t", "s", text, 1.0, "1/KH", "UBND", f"{document}:0")


def test_facts_are_matched_without_diacritics_and_all_are_needed() -> None:
    assert facts_present("Trước ngày 15/12  hằng năm, UBND Phường", [["15/12"], ["ubnd phuong"]])
    assert not facts_present("Trước ngày 15/12", [["15/12"], ["ubnd phuong"]])
    assert facts_present("Đổi mới", [["doi moi", "x"]])


def test_run_eval_scores_variants_categories_hits_and_declines() -> None:
    items = [
        {
            "id": "a",
            "question": "q1",
            "variant": "diacritics",
            "category": "deadline",
            "doc": "d.txt",
            "answer_facts": [["15/12"]],
            "gold_passage": "Dinh ky trudc ngay 15/12 hang nam",
        },
        {"id": "b", "question": "q2", "variant": "teen", "category": "out_of_scope", "doc": None, "answer_facts": []},
    ]
    answers = {
        "q1": Answer("q1", "Định kỳ trước ngày 15/12", True, [_source("d.txt", "Định kỳ trước ngày 15/12 hằng năm")]),
        "q2": Answer("q2", "Có", True, [_source("d.txt", "x")]),
    }
    report = run_eval(items, lambda q: answers[q])
    assert report.accuracy == 0.5
    assert report.hit_at_3 == 1.0
    assert report.out_of_scope == (0, 1)
    assert report.accuracy_by("variant") == {"diacritics": (1.0, 1), "teen": (0.0, 1)}
    text = format_eval(report)
    assert "50.0%" in text and "hit@3" in text and "0/1" in text
