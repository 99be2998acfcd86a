"""Which line of a passage answers first: each sentence or list item, and each title with what it introduces, is
described by features of the question and the line, and a small gradient-boosted tree model (``line_model.json``,
built by ``thidua train-models`` from the tuning questions) scores how likely the line states the asked facts early.

Without the model file the hand order is used: the best-scoring title that answers, else the best sentence (for
"when", the best dated one)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from retrieval.compose import (
    ITEM_MARK,
    TITLE_NUMBER,
    Group,
    Unit,
    _unit,
    answers_when,
    groups,
    has_date,
    has_day,
    has_number,
    names_listed,
)
from retrieval.query import ParsedQuery
from retrieval.terms import QuestionTerms
from retrieval.tree_model import TreeModel

LINE_MODEL_FILE = Path(__file__).with_name("line_model.json")
LINE_FEATURES = (
    "relative_score",
    "log_score",
    "content_share",
    "weighted_share",
    "pairs",
    "kind_words",
    "date_asked",
    "day_asked",
    "number_asked",
    "dated",
    "numbered",
    "is_title",
    "list_asked",
    "list_line",
    "names_listed",
    "position",
    "first",
    "log_length",
    "announces",
    "body_asked",
    "near_answer",
    "head_share",
    "opening_share",
    "heading",
    "digest",
)
HOLDER_CHARS = 90  # a duty section's title said before its line, cut past this
DIGEST_ITEMS = 3  # a list this long may be told by its items' opening words
HEAD_WORDS = 7  # an item's opening words in such a digest
NEAR_WORDS = 6  # a date or figure this many words from a question word is what the question asks of it
OPENING_WORDS = 12  # the words of a line that say what it is about

_BODY = re.compile(r"\b(?:phong|so|ubnd|uy ban|ban|trung tam|doan|hoi|cong an|van phong|bo phan|to dan pho|chu tich)\b")
_WHO = re.compile(
    r"\bai\b|\bco quan\b|\bdon vi\b|\bbo phan\b|\bchu tri\b|\bphu trach\b|\bthuong truc\b"
    r"|\b(?:so|phong|ben|to chuc|nganh|cap) nao\b"
)


@dataclass(frozen=True)
class Line:
    """A candidate answer line: one unit, or a title with what it introduces."""

    unit: Unit  # the text the line says, as one unit (a group's line joined)
    said: tuple[Unit, ...]  # the passage's units it says
    position: int  # index of its first unit in the passage
    group: Group | None = None
    heading: bool = False  # the passage's own section title ("Sở Khoa học và Công nghệ (cơ quan Thường trực …)")
    digest: bool = False  # a list told by the opening words of each item, the list itself quoted below

    @property
    def is_title(self) -> bool:
        """Whether the line is a title (with what it introduces, or the section's own)."""
        return self.group is not None or self.heading

    @property
    def is_whole_list(self) -> bool:
        """Whether the line is a title with every item of its list."""
        return self.group is not None and self.group.is_list

    def titled(self, listed: str) -> bool:
        """Whether the line is a title naming what a list question asks to be listed (``listed``)."""
        return self.group is not None and names_listed(listed, self.group.head)


def candidate_lines(units: Sequence[Unit], asked: frozenset[str] = frozenset(), title: str = "") -> list[Line]:
    """Every unit, every title with what it introduces (a list's title left out when the question's words ``asked``
    say all it says), the section's own ``title``, and each list of three items or more told by its items'
    opening words, as a possible answer line."""
    index = {id(u): i for i, u in enumerate(units)}
    lines = [Line(u, (u,), i) for i, u in enumerate(units)]
    for group in groups(units):
        lines.append(Line(_unit(group.line(asked)), group.said, index[id(group.head)], group))
    heading = TITLE_NUMBER.sub("", title).strip()
    if len(_unit(heading).words) >= 2:
        lines.append(Line(_unit(heading), (), 0, heading=True))
    for start, items in list_runs(units):
        lines.append(Line(_unit(digest(items)), (), start, digest=True))
    return lines


def duty_holder(title: str, query: ParsedQuery, lead: str) -> str:
    """For "who" ("đơn vị nào chủ trì …"), the body a duty section is titled by, when the answer line (a duty said
    without its subject: "Chủ trì xây dựng hướng dẫn …") does not name it; "" otherwise."""
    holder = TITLE_NUMBER.sub("", title).strip().rstrip(" :")
    folded = _unit(holder).folded
    if not _WHO.search(f" {query.folded} ") or not _BODY.match(folded) or folded in _unit(lead).folded:
        return ""
    return holder if len(holder) <= HOLDER_CHARS else holder[:HOLDER_CHARS].rsplit(" ", 1)[0] + "…"


def list_runs(units: Sequence[Unit]) -> list[tuple[int, list[Unit]]]:
    """Each run of DIGEST_ITEMS list items or more in a passage, with the index of its first item."""
    runs: list[tuple[int, list[Unit]]] = []
    current: list[Unit] = []
    start = 0
    for i, unit in enumerate([*units, None]):
        if unit is not None and ITEM_MARK.match(unit.text):
            start = i if not current else start
            current.append(unit)
            continue
        if unit is not None and current and not unit.text.rstrip().endswith(":"):
            continue  # an item's sentence on its own line goes on the item
        if len(current) >= DIGEST_ITEMS:
            runs.append((start, current))
        current = []
    return runs


def digest(items: Sequence[Unit]) -> str:
    """A list told in one line by each item's opening words: "Nội bộ đoàn kết, gương mẫu…; Hoàn thành có chất
    lượng…; …"."""
    said = "; ".join(_item_head(ITEM_MARK.sub("", u.text).strip()) for u in items)
    return said if said.endswith("…") else f"{said}."


def _item_head(text: str) -> str:
    words = text.rstrip(" ;.").split()
    if len(words) <= HEAD_WORDS:
        return " ".join(words)
    return " ".join(words[:HEAD_WORDS]).rstrip(",;:") + "…"


def asked_words(query: ParsedQuery) -> frozenset[str]:
    """The words a question says, with the plan wordings its phrases stand for ("tặng" → "khen thưởng")."""
    return frozenset(query.tokens) | frozenset(query.expansion)


def line_features(
    line: Line,
    count: int,
    value: float,
    best: float,
    query: ParsedQuery,
    terms: QuestionTerms,
    idf: Callable[[str], float],
    listed: str,
) -> dict[str, float]:
    """What the line model reads of one candidate line, whose score is ``value`` (``best``: the best unit's)."""
    return {
        "relative_score": value / best if best > 0 else 0.0,
        "log_score": math.log1p(value),
        **_match_features(line, query, terms, idf, listed),
        **_kind_features(line, query),
        **_shape_features(line, count),
    }


def _match_features(
    line: Line, query: ParsedQuery, terms: QuestionTerms, idf: Callable[[str], float], listed: str
) -> dict[str, float]:
    """How much of the question the line says, and where."""
    unit = line.unit
    content = set(terms.content) or set(terms.topic)
    held = content & unit.words
    weight = sum(idf("w:" + w) for w in content) or 1.0
    head = line.group.head.folded if line.group is not None else ""
    share = 1 / len(content) if content else 0.0
    return {
        "content_share": len(held) * share,
        "weighted_share": sum(idf("w:" + w) for w in held) / weight,
        "pairs": float(sum(1 for p in set(terms.pairs) if p in unit.pairs)),
        "kind_words": float(sum(1 for w in set(terms.kind_hints) if w in unit.words)),
        "names_listed": float(line.titled(listed)),
        "near_answer": _near_answer(unit, content, query),
        "head_share": len(content & set(head.split())) * share,
        "opening_share": len(content & set(unit.folded.split()[:OPENING_WORDS])) * share,
    }


def _kind_features(line: Line, query: ParsedQuery) -> dict[str, float]:
    """Whether the line holds the kind of answer asked for (a date, a day, a figure, a body, a list)."""
    unit = line.unit
    return {
        "date_asked": float(query.wants_date and answers_when(unit.folded, query)),
        "day_asked": float(query.wants_day and has_day(unit.folded)),
        "number_asked": float(query.wants_number and has_number(unit.folded)),
        "dated": float(has_date(unit.folded)),
        "numbered": float(has_number(unit.folded)),
        "list_asked": float(query.wants_list),
        "list_line": float(query.wants_list and line.is_whole_list),
        "body_asked": float(bool(_WHO.search(f" {query.folded} ")) and bool(_BODY.search(f" {unit.folded} "))),
    }


def _shape_features(line: Line, count: int) -> dict[str, float]:
    """Where the line stands in the passage and what it looks like."""
    return {
        "is_title": float(line.is_title),
        "heading": float(line.heading),
        "digest": float(line.digest),
        "position": line.position / max(1, count - 1),
        "first": float(line.position == 0),
        "log_length": math.log1p(len(line.unit.text)),
        "announces": float(line.unit.text.rstrip().endswith(":")),
    }


_ANSWER_TOKEN = re.compile(r"\d")


def _near_answer(unit: Unit, content: set[str], query: ParsedQuery) -> float:
    """For "when" and "how much": how close the line's nearest date or figure stands to a question word
    (1 beside it, 0 with none within NEAR_WORDS words)."""
    if not (query.wants_date or query.wants_number):
        return 0.0
    words = unit.folded.split()
    asked = [i for i, w in enumerate(words) if w in content]
    answers = [i for i, w in enumerate(words) if _ANSWER_TOKEN.search(w)]
    gap = min((abs(a - b) for a in asked for b in answers), default=NEAR_WORDS + 1)
    return max(0.0, 1.0 - (gap - 1) / NEAR_WORDS)


class LineChooser:
    """Chooses the answer line of a passage with the line model (the hand order when it is not built)."""

    def __init__(self, model: TreeModel) -> None:
        self._model = model

    @classmethod
    def shipped(cls) -> LineChooser:
        """The chooser with the model file shipped beside the code."""
        return cls(TreeModel.load(LINE_MODEL_FILE, LINE_FEATURES))

    @property
    def learned(self) -> bool:
        """Whether the line model is built."""
        return self._model.built

    def choose(self, lines: Sequence[Line], features: Sequence[dict[str, float]]) -> Line:
        """The line most likely to state the answer."""
        scores = [self._model.score(f) for f in features]
        return lines[max(range(len(lines)), key=lambda i: scores[i])]
