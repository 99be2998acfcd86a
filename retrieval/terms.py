"""The question's searchable words: content words, word pairs, dictionary compounds and plan wordings."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from retrieval.query import EXPANSIONS, STOPWORDS, ParsedQuery, folded_words_plain, is_vietnamese_syllable, is_word


@dataclass(frozen=True)
class QuestionTerms:
    """The question's searchable words: content words, content pairs and plan words its phrases map to."""

    content: tuple[str, ...]
    pairs: tuple[str, ...]
    expansion: tuple[str, ...]
    compounds: tuple[str, ...]  # adjacent content-word pairs: the question's multi-syllable terms
    topic: tuple[str, ...]  # content words plus the movement's own words, for ranking sentences
    expansion_pairs: tuple[str, ...] = ()  # word pairs of the plan wordings in ``expansion``
    kind_hints: tuple[str, ...] = ()  # plan words that answers of the wanted kind use (ranking only)
    foreign: tuple[
        str, ...
    ] = ()  # folded words that are no Vietnamese syllable ("vneid"): names the evidence must hold


def question_terms(
    query: ParsedQuery,
    named_words: set[str],
    known: Callable[[str], bool] = lambda _: True,
    named_phrases: Sequence[str] = (),
) -> QuestionTerms:
    """The search terms of a parsed question, leaving out the words of the place names it contains.

    ``known`` tells whether a folded word occurs in any plan: an unknown word that is no Vietnamese syllable
    ("VNeID") names something the plans never mention.
    """
    content = _without_once(query.content, named_phrases)
    return QuestionTerms(
        content=content,
        pairs=tuple(content_pairs(query.tokens, named_words)),
        expansion=tuple(t for t in query.expansion if t not in query.content),
        compounds=tuple(compounds(query, content)),
        topic=tuple(t for t in query.topic if t not in named_words),
        expansion_pairs=query.expansion_pairs,
        kind_hints=query.kind_hints,
        foreign=tuple(
            t for t in query.content if t not in named_words and not is_vietnamese_syllable(t) and not known(t)
        ),
    )


def _without_once(words: Sequence[str], phrases: Sequence[str]) -> tuple[str, ...]:
    """``words`` less one occurrence of each word of each place phrase: "sơ kết" keeps its "so" beside "Sở Y tế"."""
    left = Counter(w for phrase in phrases for w in phrase.split())
    kept = []
    for word in words:
        if left[word] > 0:
            left[word] -= 1
            continue
        kept.append(word)
    return tuple(kept)


def compounds(query: ParsedQuery, content: Sequence[str]) -> list[str]:
    """Adjacent content words of the question that make one word, e.g. "giay phep", "tham quan" ("sơ kết" beside
    "Sở Y tế" too: ``content`` has lost the place name's words once, not every word like them)."""
    kept = set(content)
    words = folded_words_plain(query.text)
    return [f"{a} {b}" for a, b in pairwise(words) if a in kept and b in kept and is_word(f"{a} {b}")]


def synonym_held(compound: str, words: frozenset[str]) -> bool:
    """Tell whether a passage holds the plan wording a question phrase maps to (e.g. "ưu tiên" → "tập trung")."""
    plan_words = EXPANSIONS.get(compound)
    return plan_words is not None and all(w in words for w in plan_words.split())


def content_pairs(tokens: Sequence[str], named_words: set[str]) -> list[str]:
    """Adjacent word pairs of the question that carry content (not two question words, not a place name)."""
    words = [w for t in tokens for w in t.replace("/", " ").replace("-", " ").replace(".", " ").split()]
    result = []
    for a, b in pairwise(words):
        if (a in STOPWORDS and b in STOPWORDS) or (a in named_words and b in named_words):
            continue
        result.append(f"{a} {b}")
    return result
