"""A small gradient-boosted tree ensemble read from a JSON file shipped beside the code (pure Python at run time):
the answer-line choice is of this kind, built by ``thidua train-models`` with scikit-learn."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from retrieval.linear_model import model_data

# A tree is a list of nodes [feature, threshold, left, right, value]; a leaf has feature -1 and holds its value.
Node = tuple[int, float, int, int, float]


@dataclass(frozen=True)
class TreeModel:
    """score(x) = Σ over trees of the leaf x falls in (leaf values already scaled by the learning rate)."""

    features: tuple[str, ...]
    trees: tuple[tuple[Node, ...], ...] = ()

    @property
    def built(self) -> bool:
        """Whether the model holds fitted trees."""
        return bool(self.trees)

    @classmethod
    def load(cls, path: Path, features: Sequence[str]) -> TreeModel:
        """The model in ``path``; an unbuilt one when the file is missing or was built for other features."""
        data = model_data(path, features)
        if data is None:
            return cls(tuple(features))
        trees = tuple(
            tuple((int(f), float(t), int(left), int(right), float(v)) for f, t, left, right, v in tree)
            for tree in data["trees"]
        )
        return cls(tuple(features), trees)

    def score(self, values: Mapping[str, float]) -> float:
        """The ensemble's score for these feature values (higher: more likely)."""
        x = [values[name] for name in self.features]
        total = 0.0
        for tree in self.trees:
            node = tree[0]
            while node[0] >= 0:
                node = tree[node[2] if x[node[0]] <= node[1] else node[3]]
            total += node[4]
        return total

    @classmethod
    def from_sklearn(cls, model: Any, features: Sequence[str]) -> TreeModel:
        """The trees of a fitted scikit-learn GradientBoostingClassifier (binary)."""
        rate = float(model.learning_rate)
        trees = []
        for estimator in model.estimators_[:, 0]:
            t = estimator.tree_
            trees.append(
                tuple(
                    (
                        int(t.feature[i]) if t.children_left[i] >= 0 else -1,
                        float(t.threshold[i]),
                        int(t.children_left[i]),
                        int(t.children_right[i]),
                        rate * float(t.value[i][0][0]),
                    )
                    for i in range(t.node_count)
                )
            )
        return cls(tuple(features), tuple(trees))

    def to_json(self) -> str:
        """The model file's text."""
        trees = [[[f, round(t, 6), left, right, round(v, 6)] for f, t, left, right, v in tree] for tree in self.trees]
        return json.dumps({"features": list(self.features), "trees": trees}, separators=(",", ":"))
