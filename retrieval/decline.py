"""Whether the best evidence answers the question: a logistic model over the ranking features, calibrated on the
tuning part of the question bank (``thidua train-models`` builds ``decline_model.json``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from retrieval.linear_model import LinearModel
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
    "rank",
    "support_x_compounds",
    "content_words",
    "compound_terms",
    "wants_date",
    "wants_number",
    "wants_list",
    "asks_duty",
    "missing",
    "unknown",
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
    @property
    def rank(self) -> float: ...
    @property
    def missing(self) -> float: ...
    @property
    def unknown(self) -> float: ...


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
        "rank": evidence.rank,
        "support_x_compounds": evidence.support * evidence.compounds,
        "content_words": min(len(set(terms.content)), 12) / 12,
        "compound_terms": min(len(set(terms.compounds)), 6) / 6,
        "wants_date": float(query.wants_date),
        "wants_number": float(query.wants_number),
        "wants_list": float(query.wants_list),
        "asks_duty": float(query.asks_duty),
        "missing": evidence.missing,
        "unknown": evidence.unknown,
    }


@dataclass(frozen=True)
class DeclineModel:
    """Answer when P(the plans answer this question | the best evidence) reaches the calibrated threshold."""

    model: LinearModel = field(default_factory=lambda: LinearModel(FEATURES))

    @classmethod
    def shipped(cls, path: Path = MODEL_FILE) -> DeclineModel:
        """The model built by ``thidua train-models``, or the hand rule when none is built."""
        return cls(LinearModel.load(path, FEATURES))

    @property
    def weights(self) -> tuple[float, ...]:
        """The fitted weights (empty: the hand rule decides)."""
        return self.model.weights

    def probability(self, features: dict[str, float]) -> float:
        """P(the plans answer the question)."""
        return self.model.probability(features)

    def answers(self, features: dict[str, float]) -> bool:
        """Whether to answer from this evidence (False: say the plans do not cover it)."""
        if not self.model.built:
            support, compounds = features["support"], features["compounds"]
            return support >= MIN_SUPPORT and not (compounds < MIN_COMPOUNDS and support < CLEAR_SUPPORT)
        return self.model.probability(features) >= self.model.threshold
