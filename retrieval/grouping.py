"""Plans that say the same thing (lower plans often copy the city's wording) are answered in one line."""

from __future__ import annotations

import re
from collections.abc import Sequence

from knowledge.passages import Passage, PlanMeta
from retrieval.lexical import syllables
from retrieval.passage_view import trigrams

SAME_WORDING = 0.75  # trigram overlap above which two plans' quotes are taken as the same wording
Quoted = tuple[PlanMeta, Passage, str]  # a plan, the passage quoted and the quote


def same_wording(quoted: Sequence[Quoted]) -> list[list[Quoted]]:
    """Group plans whose quotes say the same (lower plans often copy the city's wording), keeping first-seen order.

    Same means: nearly the same words and exactly the same figures, so "15/12" and "10/12" never merge.
    """
    groups: list[list[Quoted]] = []
    for meta, passage, quote in quoted:
        grams = trigrams(" ".join(syllables(quote)))
        figures = set(re.findall(r"\d+", quote))
        for group in groups:
            other = group[0][2]
            other_grams = trigrams(" ".join(syllables(other)))
            union = grams | other_grams
            if (
                union
                and len(grams & other_grams) / len(union) >= SAME_WORDING
                and figures == set(re.findall(r"\d+", other))
            ):
                group.append((meta, passage, quote))
                break
        else:
            groups.append([(meta, passage, quote)])
    return groups
