"""A property-based run of the whole app against its OpenAPI document: no 5xx, no response outside its schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks
from sqlalchemy import Connection
from sqlalchemy.orm import sessionmaker

from admin.security import create_access_token
from core.models import Role
from core.settings import Settings
from tests.factories import make_initiative, make_reviewer
from tests.fakes import FakeEmbeddings
from thidua.app import create_app
from thidua.runtime import Runtime, build_runtime

EXAMPLES = 25
PLAN = (
    "KẾ HOẠCH\nThi đua đổi mới sáng tạo xã Tân Lập\n\nI. NỘI DUNG\n1. Thời hạn\nHạn gửi sáng kiến là ngày 20/10/2026.\n"
)


@pytest.fixture
def api_runtime(settings: Settings, connection: Connection, tmp_path: Any) -> Iterator[Runtime]:
    """A real runtime with a fake embedder, one plan and a few submissions."""
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    roomy = settings.model_copy(update={"rate_limit_per_minute": 100_000})
    runtime = build_runtime(roomy, embedder=FakeEmbeddings(), sessions=factory, load=False)
    plan = tmp_path / "plan.txt"
    plan.write_text(PLAN, encoding="utf-8")
    runtime.ingest_upload(path=plan, name="ke-hoach-tan-lap.txt", meta={}, actor="system")
    with factory() as session:
        make_reviewer(session, username="openapi.admin", role=Role.ADMIN)
        for _ in range(3):
            make_initiative(session)
        session.commit()
    yield runtime
    runtime.close()


@pytest.fixture
def api_app(api_runtime: Runtime) -> FastAPI:
    """The product's app."""
    return create_app(api_runtime)


@pytest.fixture
def admin_token(api_runtime: Runtime) -> str:
    """A bearer token of the seeded admin, so every route is reached."""
    with api_runtime.sessions() as session:
        from core.models import Reviewer

        admin = session.query(Reviewer).filter_by(username="openapi.admin").one()
        token, _ = create_access_token(settings=api_runtime.settings, reviewer=admin)
    return token


_CONFORMANCE = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
# Schema-valid requests may still be refused for reasons a schema cannot state (a file's type, a state machine),
# so positive data is not required to be accepted; negative data must be refused.
CHECKS = {
    GenerationMode.POSITIVE: _CONFORMANCE,
    GenerationMode.NEGATIVE: [*_CONFORMANCE, checks.negative_data_rejection],
}


def _run_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], examples: int, seen: dict[str, set[int]]
) -> str | None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @hypothesis_settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None, derandomize=True
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS[mode])
        seen.setdefault(operation.label, set()).add(response.status_code)

    try:
        run()
    except Unsatisfiable:  # nothing to negate (no parameters, no body)
        return None
    except (Exception, BaseExceptionGroup) as exc:  # one report per operation, then the next one
        return f"{operation.label} [{mode.value}]: {type(exc).__name__}: {str(exc)[:3000]}"
    return None


# The run is long: one backend is enough for a property-based walk over the document.
@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_keeps_to_its_document(api_app: FastAPI, admin_token: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    headers = {"Authorization": f"Bearer {admin_token}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15
    seen: dict[str, set[int]] = {}
    failures = [
        failure for operation in operations if (failure := _run_operation(operation, mode, headers, EXAMPLES, seen))
    ]
    assert not failures, "\n\n".join(failures)
    if mode is GenerationMode.POSITIVE:  # the token opened the doors: the listing routes answered
        for label in ("GET /api/initiatives", "GET /api/stats", "GET /api/initiatives/export", "GET /api/plans"):
            assert any(200 <= status < 300 for status in seen[label]), (label, seen[label])
