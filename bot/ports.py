"""The small interfaces the dialog needs from the rest of the product."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings


class AnswerLike(Protocol):
    """What an answer to a question carries; ``text`` already holds its citations."""

    @property
    def text(self) -> str:
        """The answer to show."""

    @property
    def found(self) -> bool:
        """Whether the plans answered the question."""

    @property
    def sources(self) -> Sequence[object]:
        """The passages cited."""


class QuestionAnswerer(Protocol):
    """Answers a question from the plans, optionally scoped to a locality."""

    def answer(self, question: str, *, locality: str | None = None) -> AnswerLike:
        """Answer ``question``."""

    def follow_up(self, question: str, previous: str | None) -> str:
        """The question to answer: ``question`` read with the ``previous`` one (subject, locality carried)."""

    def localities(self) -> list[str]:
        """The localities whose plans are in the knowledge base."""


class BotRuntime(Protocol):
    """What the channels need from the process-wide runtime."""

    @property
    def settings(self) -> Settings:
        """The settings."""

    @property
    def sessions(self) -> sessionmaker[Session]:
        """The database session factory."""

    @property
    def answerer(self) -> QuestionAnswerer:
        """The question answerer."""
