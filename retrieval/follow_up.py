"""Follow-up questions read with the previous one: "còn phường X thì sao?", "thế hạn khen thưởng?",
"ai ký kế hoạch đó?", "cụ thể hơn được không?" become whole questions before they are answered.

The dialog keeps the last (whole) question in its state, so this works on every channel and across restarts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from core.vietnamese import fold

DETAIL_MARK = " (chi tiết)"  # appended to a question whose answer should quote the whole passage

_LEAD = re.compile(r"^(?:(?:the|vay|thi|con|va|nhung|the con|vay con|con ve|the con ve|con o|con voi|con cua)\s+)+")
_TAIL = re.compile(
    r"\s*(?:thi|the)?\s*(?:sao|the nao|ra sao|nhu the nao|nhu nao|co khac khong|khac khong|thi sao)"
    r"\s*(?:a|ha|nhi|vay|z)?\s*$"
)
_ANAPHOR = re.compile(r"\b(ke hoach|van ban|dia phuong|don vi|noi|o|cua) (do|nay|tren|ay|kia)\b")
_DETAIL = re.compile(
    r"\b(cu the hon|chi tiet hon|ro hon|noi them|giai thich them|them chi tiet|day du hon|noi ro|xem them|dai hon)\b"
)
_LEVELS = frozenset({"phuong", "xa", "so", "thanh", "pho", "tp", "tinh", "ubnd", "p", "quan", "huyen"})
MAX_FOLLOW_UP_WORDS = 12  # a longer message is a question of its own


@dataclass(frozen=True)
class Places:
    """How the answerer finds the places a text names: the plans named and the folded names that matched."""

    named: Callable[[str], tuple[list[str], list[str]]]


def read_follow_up(question: str, previous: str | None, places: Places) -> str:
    """The whole question ``question`` stands for after ``previous`` (unchanged when it is not a follow-up)."""
    if not previous:
        return question
    folded = " ".join(re.findall(r"[0-9a-z]+", fold(question)))
    words = folded.split()
    if not words or len(words) > MAX_FOLLOW_UP_WORDS:
        return question
    base = previous.removesuffix(DETAIL_MARK)
    if _DETAIL.search(folded) and len(words) <= 8:
        return base + DETAIL_MARK
    docs, _ = places.named(question)
    elliptic = bool(_LEAD.match(folded) or _TAIL.search(folded))
    if docs and elliptic:
        return _switch_place(base, question, places)
    if docs:
        return question
    _, prev_phrases = places.named(base)
    span = _span(base, prev_phrases[0]) if prev_phrases else None
    if span is None:
        return question
    place = base[span[0] : span[1]]
    if _ANAPHOR.search(folded):
        return _ANAPHOR.sub(lambda m: f"{m.group(1)} của {place}", folded, count=1)
    if elliptic:
        topic = _TAIL.sub("", _LEAD.sub("", folded)).strip()
        return f"{topic} của {place}" if topic else question
    return question


def _switch_place(previous: str, question: str, places: Places) -> str:
    """The previous question asked again about the place this one names."""
    _, new_phrases = places.named(question)
    new_span = _span(question, new_phrases[0]) if new_phrases else None
    new_place = question[new_span[0] : new_span[1]] if new_span else new_phrases[0]
    _, old_phrases = places.named(previous)
    old_span = _span(previous, old_phrases[0]) if old_phrases else None
    if old_span is None:
        return f"{previous.rstrip(' ?')} của {new_place}?"
    return previous[: old_span[0]] + new_place + previous[old_span[1] :]


def _span(text: str, phrase: str) -> tuple[int, int] | None:
    """Where the folded ``phrase`` stands in ``text``, widened to the level word before it ("phường")."""
    tokens = list(re.finditer(r"[^\W_]+", text))
    folded = [" ".join(re.findall(r"[0-9a-z]+", fold(t.group(0)))) for t in tokens]
    wanted = phrase.split()
    for i in range(len(tokens) - len(wanted) + 1):
        if folded[i : i + len(wanted)] == wanted:
            start = i
            while start > 0 and folded[start - 1] in _LEVELS:
                start -= 1
            return tokens[start].start(), tokens[i + len(wanted) - 1].end()
    return None
