"""Which plans answer a question that names none: each plan searched on its own, its best passage judged by a
learned model (``thidua train-models`` builds ``plan_model.json`` from the tuning questions that name no place).

A plan gets its own line when the model says its best passage answers the question as that plan's answer. Missing a
plan whose answer differs fails the question; an extra plan's line only lengthens the answer, so the threshold is
calibrated with a missed plan costing twice an extra one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from retrieval.decline import decline_features
from retrieval.kinds.context import Context
from retrieval.linear_model import LinearModel
from retrieval.ranking import Candidate

PLAN_MODEL_FILE = Path(__file__).resolve().parent.parent / "plan_model.json"
PLAN_FEATURES = (
    "rank_gap",
    "score_share",
    "support",
    "rare_compounds",
    "compounds",
    "unit",
    "title_match",
    "kind_match",
    "kind_miss",
    "answers",
    "is_best",
)
MAX_SEARCHED_ONE_BY_ONE = 20  # up to this many plans, each is searched on its own; beyond, the shared ranking


def searched_one_by_one(ctx: Context, *, per_plan: int | None = None) -> list[Candidate]:
    """Candidates of each plan searched on its own (so that a plan is not left unheard because others crowd the
    shared list), ``per_plan`` of each at most; beyond a few plans, the shared list."""
    if len(ctx.library.metas) > MAX_SEARCHED_ONE_BY_ONE:
        return list(ctx.candidates)
    return [
        c for doc in sorted(ctx.library.metas) for c in ctx.ranker.search(replace(ctx.question, docs=[doc]))[:per_plan]
    ]


def best_of_each_plan(
    ctx: Context, candidates: Sequence[Candidate], key: Callable[[Candidate], Any]
) -> dict[str, Candidate]:
    """Each plan's best candidate by ``key``, best plan first."""
    best: dict[str, Candidate] = {}
    for c in sorted(candidates, key=key, reverse=True):
        best.setdefault(ctx.entry(c).passage.document, c)
    return best


def plan_evidence(ctx: Context) -> dict[str, Candidate]:
    """Each plan's best passage for the question, best plan first."""
    return best_of_each_plan(ctx, searched_one_by_one(ctx, per_plan=1), key=lambda c: c.rank)


def plan_features(ctx: Context, candidate: Candidate, top: Candidate) -> dict[str, float]:
    """What the plan model reads of one plan's best passage, beside the best plan's."""
    question = ctx.question
    decline = ctx.ranker.decline_probability(decline_features(candidate, question.query, question.terms))
    return {
        "rank_gap": candidate.rank - top.rank,
        "score_share": candidate.score / top.score if top.score else 0.0,
        "support": candidate.support,
        "rare_compounds": candidate.rare_compounds,
        "compounds": candidate.compounds,
        "unit": candidate.unit,
        "title_match": candidate.title_match,
        "kind_match": candidate.kind_match,
        "kind_miss": candidate.kind_miss,
        "answers": decline,
        "is_best": float(candidate is top),
    }


def answering_plans(ctx: Context, model: LinearModel) -> list[Candidate]:
    """The plans whose best passage the model takes as their answer and that pass the hard checks, best first."""
    best = plan_evidence(ctx)
    if not best:
        return []
    top = next(iter(best.values()))
    chosen = []
    for candidate in best.values():
        if not model.built or model.probability(plan_features(ctx, candidate, top)) < model.threshold:
            continue
        if ctx.answers(candidate):
            chosen.append(candidate)
    return chosen
