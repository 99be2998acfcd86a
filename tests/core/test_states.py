"""The state policy: labels, who may choose a state, what a move needs and what the submitter is told."""

from __future__ import annotations

from core.initiatives import STATE_LABELS, TRANSITIONS
from core.states import InitiativeState


def test_reviewers_choose_only_their_moves_in_life_order() -> None:
    assert InitiativeState.SUBMITTED.reviewer_choices() == [InitiativeState.IN_REVIEW]
    assert InitiativeState.IN_REVIEW.reviewer_choices() == [
        InitiativeState.NEEDS_INFO,
        InitiativeState.ACCEPTED,
        InitiativeState.REJECTED,
    ]
    assert InitiativeState.ACCEPTED.reviewer_choices() == []
    assert not InitiativeState.WITHDRAWN.reviewer_may_choose


def test_withdrawable_until_decided() -> None:
    assert [state for state in InitiativeState if state.withdrawable] == [
        InitiativeState.SUBMITTED,
        InitiativeState.IN_REVIEW,
        InitiativeState.NEEDS_INFO,
    ]


def test_notes_are_required_for_a_request_and_a_rejection() -> None:
    assert InitiativeState.NEEDS_INFO.note_required == "thông tin cần bổ sung"
    assert InitiativeState.REJECTED.note_required == "lý do không công nhận"
    assert not InitiativeState.ACCEPTED.note_required


def test_notice_wording() -> None:
    accepted = InitiativeState.ACCEPTED.notice(code="SK-2026-000001", title="Chợ số", note="Rất tốt.")
    assert accepted == "Chúc mừng! Sáng kiến SK-2026-000001 “Chợ số” đã được công nhận.\nGhi chú: Rất tốt."
    rejected = InitiativeState.REJECTED.notice(code="SK-2026-000001", title="Chợ số", note="Trùng ý tưởng.")
    assert rejected.endswith("không được công nhận.\nLý do: Trùng ý tưởng.")
    assert "Ghi chú" not in rejected
    in_review = InitiativeState.IN_REVIEW.notice(code="SK-1", title="T", note="")
    assert in_review == "Sáng kiến SK-1 “T” của Anh/Chị đang được xem xét."


def test_the_old_tables_are_the_policy() -> None:
    assert STATE_LABELS[InitiativeState.NEEDS_INFO] == "Cần bổ sung thông tin"
    assert TRANSITIONS[InitiativeState.NEEDS_INFO] == InitiativeState.NEEDS_INFO.next_states
