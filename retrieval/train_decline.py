"""Build the decline model (``thidua train-decline``): fit on the tuning part of the question bank, never the held-out.

Each question's best evidence is labelled: 1 when it is the gold passage (or holds every gold fact), 0 when it is not
or the question is out of scope. The threshold is calibrated on the same data, a false decline costing twice a false
answer: telling a resident "the plan doesn't say" when it does is the worst error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from retrieval.answering import Answerer
from retrieval.decline import FEATURES, DeclineModel
from retrieval.evaluation import HIT_OVERLAP, facts_present, passage_overlap

FALSE_DECLINE_COST = 2.0


def labelled_evidence(answerer: Answerer, items: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows and labels: the best evidence of each question, answering (1) or not (0)."""
    rows: list[list[float]] = []
    labels: list[int] = []
    for item in items:
        docs = item.get("doc")
        gold_docs = set(docs if isinstance(docs, list) else [docs]) if docs else set()
        for features, passage in answerer.ranked_evidence(str(item["question"]))[:1]:
            good = passage.document in gold_docs and (
                passage_overlap(item.get("gold_passage") or "", passage.text) >= HIT_OVERLAP
                or facts_present(passage.text, item.get("answer_facts") or [["\0"]])
            )
            rows.append([features[name] for name in FEATURES])
            labels.append(int(good))
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def fit(x: np.ndarray, y: np.ndarray) -> DeclineModel:
    """A standardised logistic regression and its cost-calibrated threshold."""
    from sklearn.linear_model import LogisticRegression  # build-time only (dev dependency)

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    z = (x - mean) / scale
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000, random_state=0).fit(z, y)
    probabilities = model.predict_proba(z)[:, 1]
    threshold = _calibrated(probabilities, y)
    return DeclineModel(
        tuple(float(w) for w in model.coef_[0]),
        float(model.intercept_[0]),
        tuple(float(m) for m in mean),
        tuple(float(s) for s in scale),
        threshold,
    )


def _calibrated(probabilities: np.ndarray, y: np.ndarray) -> float:
    best, best_cost = 0.5, float("inf")
    for threshold in np.linspace(0.05, 0.95, 91):
        answered = probabilities >= threshold
        cost = FALSE_DECLINE_COST * np.sum(~answered & (y == 1)) + np.sum(answered & (y == 0))
        if cost < best_cost:
            best, best_cost = float(threshold), float(cost)
    return round(best, 3)
