"""Properties of the export's cell guard and of the review state machine, over generated inputs."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import ThiduaError
from core.export import neutralise
from core.initiatives import TRANSITIONS
from core.models import InitiativeEvent, InitiativeState, Notice
from core.review import transition
from tests.factories import make_initiative, make_reviewer

RISKY = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


@given(st.text(max_size=40))
def test_a_neutralised_cell_never_starts_a_formula(text: str) -> None:
    cell = neutralise(text)
    assert not cell.lstrip(" \t\r\n").startswith(RISKY) or cell.startswith("'")
    assert cell in (text, "'" + text)


REVIEWER_TARGETS = st.sampled_from([s for s in InitiativeState if s is not InitiativeState.WITHDRAWN])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(REVIEWER_TARGETS, max_size=6))
def test_only_legal_moves_happen_and_each_is_recorded_once(session: Session, moves: list[InitiativeState]) -> None:
    reviewer = make_reviewer(session)
    initiative = make_initiative(session)
    state, done = InitiativeState.SUBMITTED, 0
    for target in moves:
        legal = target in TRANSITIONS[state]
        try:
            transition(session=session, initiative=initiative, reviewer=reviewer, to_state=target, note="Ghi chú")
        except ThiduaError as exc:
            assert not legal
            assert exc.code == "illegal_transition"
            continue
        assert legal
        state, done = target, done + 1
    assert initiative.state == state.value
    recorded = session.scalar(
        select(func.count()).where(InitiativeEvent.initiative_id == initiative.id, InitiativeEvent.kind == "transition")
    )
    queued = session.scalar(select(func.count()).where(Notice.initiative_id == initiative.id))
    assert recorded == queued == done


@pytest.fixture(params=["sqlite"])
def engine(request: pytest.FixtureRequest) -> object:
    """Generated runs stay on SQLite; the moves themselves are tested on both backends elsewhere."""
    return request.getfixturevalue("sqlite_engine")
