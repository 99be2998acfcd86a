"""What answering returns: the reply with its citation lines, whether the plans answered, and the cited passages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Source:
    """A cited passage: which plan, which section, and the (repaired) text."""

    document: str
    title: str
    section: str
    text: str
    score: float
    number: str
    issuer: str
    passage_id: str


@dataclass(frozen=True)
class Answer:
    """An answer for a person: ``text`` holds the whole reply with its citation lines."""

    question: str
    text: str
    found: bool
    sources: list[Source]
    localities: list[str] = field(default_factory=list)


def answer_to_json(answer: Answer, *, elapsed_ms: float, id: str | None) -> dict[str, object]:
    """The ``thidua ask --jsonl`` line for an answer."""
    return {
        "id": id,
        "question": answer.question,
        "answer": answer.text,
        "found": answer.found,
        "elapsed_ms": round(elapsed_ms, 1),
        "sources": [
            {"document": s.document, "title": s.title, "section": s.section, "text": s.text, "score": s.score}
            for s in answer.sources
        ],
    }


def format_answer_text(answer: Answer) -> str:
    """The answer as plain text for a terminal."""
    return answer.text
