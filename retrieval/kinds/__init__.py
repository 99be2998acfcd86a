"""Answer kinds: each kind of answer is one strategy module that composes it; ``choice`` decides which kind a
question gets. Adding a kind is one module and one line in ``choice.STRATEGIES``."""

from __future__ import annotations

from enum import Enum


class AnswerKind(Enum):
    """What kind of answer a question gets."""

    ELSEWHERE = "elsewhere"  # about a place no plan covers: say so and point to its office
    DOCUMENT = "document"  # about the plan as a document (signer, bases, recipients …): from its card
    IDENTITY = "identity"  # the plan's own number, date and title: from its metadata
    ONE_PLAN = "one_plan"  # one plan answers: its answering line, the quote, the citation
    EACH_PLAN = "each_plan"  # no place named and plans differ (or several named): one line per plan
    NOT_FOUND = "not_found"  # the plans do not say: say so plainly and point to the responsible office
