"""A small standardised logistic model read from a JSON file shipped beside the code (numpy-free at run time):
the ranking and the decline decision are both of this kind, built by ``thidua train-models``."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def model_data(path: Path, features: Sequence[str]) -> dict[str, Any] | None:
    """A model file's contents; None when it is missing or was built for other features (not to be trusted)."""
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data if tuple(data.get("features", ())) == tuple(features) else None


@dataclass(frozen=True)
class LinearModel:
    """P(y = 1 | features) = σ(b + Σ wᵢ·(xᵢ − meanᵢ)/scaleᵢ), with a calibrated decision threshold."""

    features: tuple[str, ...]
    weights: tuple[float, ...] = ()
    intercept: float = 0.0
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()
    threshold: float = 0.5

    @property
    def built(self) -> bool:
        """Whether the model holds fitted weights."""
        return bool(self.weights)

    @classmethod
    def load(cls, path: Path, features: Sequence[str]) -> LinearModel:
        """The model in ``path``; an unbuilt one when the file is missing or was built for other features."""
        data = model_data(path, features)
        if data is None:
            return cls(tuple(features))
        return cls(
            tuple(features),
            tuple(float(w) for w in data["weights"]),
            float(data["intercept"]),
            tuple(float(m) for m in data["mean"]),
            tuple(float(s) for s in data["scale"]),
            float(data["threshold"]),
        )

    def logit(self, values: Mapping[str, float]) -> float:
        """The model's log-odds for these feature values."""
        z = self.intercept
        for name, w, m, s in zip(self.features, self.weights, self.mean, self.scale, strict=True):
            z += w * (values[name] - m) / (s or 1.0)
        return z

    def probability(self, values: Mapping[str, float]) -> float:
        """P(y = 1)."""
        z = max(-60.0, min(60.0, self.logit(values)))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> str:
        """The model file's text."""
        return json.dumps(
            {
                "features": list(self.features),
                "weights": list(self.weights),
                "intercept": self.intercept,
                "mean": list(self.mean),
                "scale": list(self.scale),
                "threshold": self.threshold,
            },
            indent=1,
        )
