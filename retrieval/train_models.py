"""Build the ranking and decline models (``thidua train-models``) from the tuning questions, never the held-out ones.

Ranking: every candidate passage of an answerable question, labelled 1 when it is the gold passage (same plan, most
of the gold text) — a pointwise logistic model whose probability orders the candidates.
Declining: the best evidence (after that ranking) of every question, labelled by whether the plans answer the question
at all — 1 for an answerable question (declining it is the worst error, whatever passage came first), 0 for an
out-of-scope one; its threshold is calibrated with a false decline costing as much as a false answer (at twice, it
falls so low that out-of-scope questions are answered: the older sets lose 5 of their 19).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.answering import Answerer
from retrieval.decline import FEATURES as DECLINE_FEATURES
from retrieval.evaluation import HIT_OVERLAP, facts_present, passage_overlap
from retrieval.kinds import AnswerKind
from retrieval.linear_model import LinearModel
from retrieval.ranking import RANK_FEATURES
from retrieval.tree_model import TreeModel

FALSE_DECLINE_COST = 1.0
MISSED_PLAN_COST = 2.0  # a plan left out of a cross-plan answer fails it; an extra plan's line only lengthens it
RANKED_KINDS = frozenset({AnswerKind.ONE_PLAN, AnswerKind.EACH_PLAN, AnswerKind.NOT_FOUND})
LINE_READ_CHARS = 180  # a line states the facts when they are read within this many characters of it
C_REGULARISATION = 0.1  # strong: a few hundred questions, correlated features


def _answerable(item: dict[str, Any]) -> bool:
    return bool(item.get("doc")) and item.get("category") != "out_of_scope"


def ranking_examples(answerer: Answerer, items: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Candidate feature rows and whether each is the gold passage (questions whose gold was not found are left out)."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        if not _answerable(item) or isinstance(item.get("doc"), list) or not item.get("gold_passage"):
            continue
        if answerer.kind(str(item["question"])) not in RANKED_KINDS:
            continue  # answered from a document card or metadata: the ranking plays no part
        evidence = answerer.ranked_evidence(str(item["question"]))
        overlaps = [
            passage_overlap(item["gold_passage"], e.passage.text) if e.passage.document == item["doc"] else 0.0
            for e in evidence
        ]
        best = max(overlaps, default=0.0)
        if best < HIT_OVERLAP:
            continue  # the gold passage was not among the candidates: nothing to learn about ordering them
        gold = [o == best for o in overlaps]  # the one passage that holds the gold text, not its look-alikes
        for e, is_gold in zip(evidence, gold, strict=True):
            rows.append([e.rank_features[name] for name in RANK_FEATURES])
            labels.append(int(is_gold))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def decline_examples(answerer: Answerer, items: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """The best evidence of each question and whether the plans answer it."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        for e in answerer.ranked_evidence(str(item["question"]))[:1]:
            rows.append([e.decline_features[name] for name in DECLINE_FEATURES])
            labels.append(int(_answerable(item)))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def plan_examples(answerer: Answerer, items: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """For each question that names no plan: each plan's best passage, labelled by whether that plan answers it."""
    from retrieval.kinds.plan_choice import PLAN_FEATURES

    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        docs, features = answerer.plan_evidence(str(item["question"]))
        if not docs or answerer.kind(str(item["question"])) not in RANKED_KINDS:
            continue
        gold = item.get("doc") if _answerable(item) else None
        answering = set(gold) if isinstance(gold, list) else {gold} if gold else set()
        for doc, values in zip(docs, features, strict=True):
            rows.append([values[name] for name in PLAN_FEATURES])
            labels.append(int(doc in answering))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def line_examples(answerer: Answerer, items: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """For each answerable question whose gold passage was found: each candidate line of that passage, labelled by
    whether it states every asked fact (questions whose facts no one line states, or every line does, teach
    nothing about choosing a line and are left out)."""
    from retrieval.answer_line import LINE_FEATURES

    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        if not _answerable(item) or isinstance(item.get("doc"), list) or not item.get("gold_passage"):
            continue
        facts = item.get("answer_facts") or []
        if not facts:
            continue
        found = [
            (passage_overlap(item["gold_passage"], passage.text), texts, features)
            for passage, texts, features in answerer.answer_lines(str(item["question"]))
            if passage.document == item["doc"]
        ]
        overlap, texts, features = max(found, key=lambda f: f[0], default=(0.0, [], []))
        if overlap < HIT_OVERLAP:
            continue
        held = [int(facts_present(text[:LINE_READ_CHARS], facts)) for text in texts]
        if 0 < sum(held) < len(held):
            rows += [[f[name] for name in LINE_FEATURES] for f in features]
            labels += held
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def fit_trees(x: np.ndarray, y: np.ndarray, features: Sequence[str]) -> TreeModel:
    """A gradient-boosted tree ensemble (shallow trees: a few hundred questions) whose score orders the lines."""
    from sklearn.ensemble import GradientBoostingClassifier  # build-time only (dev dependency)

    model = GradientBoostingClassifier(max_depth=3, n_estimators=100, learning_rate=0.05, random_state=0).fit(x, y)
    return TreeModel.from_sklearn(model, features)


def fit(
    x: np.ndarray, y: np.ndarray, features: Sequence[str], *, calibrate: bool, miss_cost: float = FALSE_DECLINE_COST
) -> LinearModel:
    """A standardised logistic regression (and, when ``calibrate``, its cost-calibrated threshold)."""
    from sklearn.linear_model import LogisticRegression  # build-time only (dev dependency)

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    model = LogisticRegression(C=C_REGULARISATION, class_weight="balanced", max_iter=2000, random_state=0).fit(z, y)
    threshold = _calibrated(model.predict_proba(z)[:, 1], y, miss_cost) if calibrate else 0.5
    return LinearModel(
        tuple(features),
        tuple(float(w) for w in model.coef_[0]),
        float(model.intercept_[0]),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
        threshold,
    )


def _calibrated(probabilities: np.ndarray, y: np.ndarray, miss_cost: float) -> float:
    best, best_cost = 0.5, float("inf")
    for threshold in np.linspace(0.01, 0.95, 95):
        answered = probabilities >= threshold
        cost = miss_cost * np.sum(~answered & (y == 1)) + np.sum(answered & (y == 0))
        if cost < best_cost:
            best, best_cost = float(threshold), float(cost)
    return round(best, 3)
