"""The life of a submission: its states and each state's policy (label, who may choose it, what it needs, its notice).

Routes, pages and dialogs ask the state; no other module keeps its own copy of these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InitiativeState(StrEnum):
    """The life of a submission."""

    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def policy(self) -> StatePolicy:
        """The rules of this state."""
        return _POLICIES[self]

    @property
    def label(self) -> str:
        """The state's name as people read it."""
        return self.policy.label

    @property
    def reviewer_may_choose(self) -> bool:
        """Whether a reviewer may move a submission into this state (withdrawal is the submitter's own move)."""
        return self.policy.reviewer_may_choose

    @property
    def withdrawable(self) -> bool:
        """Whether the submitter may still withdraw a submission in this state."""
        return InitiativeState.WITHDRAWN in self.next_states

    @property
    def note_required(self) -> str:
        """What the note must say when moving into this state, or "" when no note is needed."""
        return self.policy.note_required

    @property
    def next_states(self) -> frozenset[InitiativeState]:
        """The states that may follow this one."""
        return _TRANSITIONS[self]

    def reviewer_choices(self) -> list[InitiativeState]:
        """The states a reviewer may move a submission in this state to, in the order of the life."""
        return [state for state in InitiativeState if state in self.next_states and state.reviewer_may_choose]

    def notice(self, *, code: str, title: str, note: str) -> str:
        """What the submitter is told when their submission enters this state."""
        head = f"Sáng kiến {code} “{title}”"
        policy = self.policy
        text = policy.notice.format(head=head, note=note, label=policy.label)
        if policy.note_in_notice or not note:
            return text
        return f"{text}\nGhi chú: {note}"


@dataclass(frozen=True)
class StatePolicy:
    """The rules of one state; ``notice`` is formatted with ``head``, ``note`` and ``label``."""

    label: str
    reviewer_may_choose: bool
    notice: str
    note_required: str = ""  # what the note must give; empty when none is needed
    note_in_notice: bool = False  # the notice wording already carries the note


_POLICIES: dict[InitiativeState, StatePolicy] = {
    InitiativeState.SUBMITTED: StatePolicy(
        label="Đã tiếp nhận", reviewer_may_choose=False, notice="{head} đã chuyển sang trạng thái “{label}”."
    ),
    InitiativeState.IN_REVIEW: StatePolicy(
        label="Đang xem xét", reviewer_may_choose=True, notice="{head} của Anh/Chị đang được xem xét."
    ),
    InitiativeState.NEEDS_INFO: StatePolicy(
        label="Cần bổ sung thông tin",
        reviewer_may_choose=True,
        note_required="thông tin cần bổ sung",
        note_in_notice=True,
        notice=(
            "{head} cần bổ sung thông tin:\n{note}\n"
            "Anh/Chị có thể trả lời ngay trong cuộc trò chuyện này; câu trả lời sẽ được gửi kèm hồ sơ sáng kiến."
        ),
    ),
    InitiativeState.ACCEPTED: StatePolicy(
        label="Được công nhận", reviewer_may_choose=True, notice="Chúc mừng! {head} đã được công nhận."
    ),
    InitiativeState.REJECTED: StatePolicy(
        label="Không được công nhận",
        reviewer_may_choose=True,
        note_required="lý do không công nhận",
        note_in_notice=True,
        notice="{head} không được công nhận.\nLý do: {note}",
    ),
    InitiativeState.WITHDRAWN: StatePolicy(
        label="Đã rút", reviewer_may_choose=False, notice="{head} đã chuyển sang trạng thái “{label}”."
    ),
}

# Which state may follow which; `withdrawn` is the submitter's own move.
_TRANSITIONS: dict[InitiativeState, frozenset[InitiativeState]] = {
    InitiativeState.SUBMITTED: frozenset({InitiativeState.IN_REVIEW, InitiativeState.WITHDRAWN}),
    InitiativeState.IN_REVIEW: frozenset(
        {InitiativeState.NEEDS_INFO, InitiativeState.ACCEPTED, InitiativeState.REJECTED, InitiativeState.WITHDRAWN}
    ),
    InitiativeState.NEEDS_INFO: frozenset({InitiativeState.IN_REVIEW, InitiativeState.WITHDRAWN}),
    InitiativeState.ACCEPTED: frozenset(),
    InitiativeState.REJECTED: frozenset(),
    InitiativeState.WITHDRAWN: frozenset(),
}
