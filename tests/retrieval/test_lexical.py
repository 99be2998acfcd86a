"""Lexical BM25 and rank fusion."""

from __future__ import annotations

from retrieval.fusion import reciprocal_rank_fusion
from retrieval.lexical import LexicalIndex, features


def test_bm25_ranks_the_passage_with_the_query_terms_first() -> None:
    docs = [
        features("Giai đoạn 1 từ 2025 đến 2027"),
        features("Báo cáo trước ngày 15/12 hằng năm"),
        features("Khen thưởng tổng kết năm 2030"),
    ]
    index = LexicalIndex(docs)
    scores = index.scores(features("bao cao truoc ngay nao"))
    assert int(scores.argmax()) == 1


def test_ocr_misspelling_still_matches_through_character_trigrams() -> None:
    docs = [features("nguoi dan", trigrams=True), features("doanh nghiep", trigrams=True)]
    index = LexicalIndex(docs)
    scores = index.scores(features("ngudi dan", trigrams=True))
    assert scores[0] > scores[1]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "a", "d"]])
    assert max(fused, key=lambda k: fused[k]) in {"a", "b"}
    assert fused["b"] > fused["c"] and fused["a"] > fused["d"]
