"""Whether the best evidence answers the question: a logistic model over the ranking features, calibrated on the
tuning part of the question bank (``thidua train-decline`` builds ``decline_model.json``; numpy only at run time)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from retrieval.query import ParsedQuery
from retrieval.terms import QuestionTerms

MODEL_FILE = Path(__file__).with_name("decline_model.json")
FEATURES = (
    "support",
    "section",
    "unit",
    "compounds",
    "rare_compounds",
    "fused",
    "score",
    "support_x_compounds",
    "content_words",
    "compound_terms",
    "wants_date",
    "wants_number",
    "wants_list",
    "asks_duty",
)
# Without a built model: the hand rule the model replaced (kept so a checkout without the model file still answers).
MIN_SUPPORT = 0.3
MIN_COMPOUNDS = 0.45
CLEAR_SUPPORT = 0.45


class Evidence(Protocol):
    """What the ranking knows about a candidate passage."""

    @property
    def support(self) -> float: ...
    @property
    def section(self) -> float: ...
    @property
    def unit(self) -> float: ...
    @property
    def compounds(self) -> float: ...
    @property
    def rare_compounds(self) -> float: ...
    @property
    def fused(self) -> float: ...
    @property
    def score(self) -> float: ...


def decline_features(evidence: Evidence, query: ParsedQuery, terms: QuestionTerms) -> dict[str, float]:
    """The features the decline model reads, by name."""
    return {
        "support": evidence.support,
        "section": evidence.section,
        "unit": evidence.unit,
        "compounds": evidence.compounds,
        "rare_compounds": evidence.rare_compounds,
        "fused": evidence.fused,
        "score": evidence.score,
        "support_x_compounds": evidence.support * evidence.compounds,
        "content_words": min(len(set(terms.content)), 12) / 12,
        "compound_terms": min(len(set(terms.compounds)), 6) / 6,
        "wants_date": float(query.wants_date),
        "wants_number": float(query.wants_number),
        "wants_list": float(query.wants_list),
        "asks_duty": float(query.asks_duty),
    }


@dataclass(frozen=True)
class DeclineModel:
    """Standardised logistic regression: answer when P(the evidence answers) reaches the calibrated threshold."""

    weights: tuple[float, ...] = ()
    intercept: float = 0.0
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    threshold: float = 0.5

    @classmethod
    def shipped(cls, path: Path = MODEL_FILE) -> DeclineModel:
        """The model built by ``thidua train-decline``, or the hand rule when none is built."""
        if not path.exists():
            return cls()
        data = json.loads(path.read_text("utf-8"))
        if tuple(data["features"]) != FEATURES:
            return cls()  # built for other features: not to be trusted
        return cls(
            tuple(data["weights"]),
            float(data["intercept"]),
            tuple(data["mean"]),
            tuple(data["scale"]),
            float(data["threshold"]),
        )

    def probability(self, features: dict[str, float]) -> float:
        """P(the evidence answers the question)."""
        z = self.intercept
        for name, w, m, s in zip(FEATURES, self.weights, self.mean, self.scale, strict=True):
            z += w * (features[name] - m) / (s or 1.0)
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, features: dict[str, float]) -> bool:
        """Whether to answer from this evidence (False: say the plans do not cover it)."""
        if not self.weights:
            support, compounds = features["support"], features["compounds"]
            return support >= MIN_SUPPORT and not (compounds < MIN_COMPOUNDS and support < CLEAR_SUPPORT)
        return self.probability(features) >= self.threshold

    def to_json(self) -> str:
        """The model file's text."""
        return json.dumps(
            {
                "features": list(FEATURES),
                "weights": list(self.weights),
                "intercept": self.intercept,
                "mean": list(self.mean),
                "scale": list(self.scale),
                "threshold": self.threshold,
            },
            indent=1,
        )
