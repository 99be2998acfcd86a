"""Reciprocal rank fusion of several ranked lists."""

from __future__ import annotations

from collections.abc import Sequence

RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[str]], weights: Sequence[float] | None = None, k: int = RRF_K
) -> dict[str, float]:
    """Fuse ranked id lists: each id scores Σ weight / (k + rank), rank counted from 1."""
    fused: dict[str, float] = {}
    chosen = weights if weights is not None else [1.0] * len(rankings)
    for ranking, weight in zip(rankings, chosen, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return fused
