"""The Chroma server path (THIDUA_CHROMA_URL, HttpClient), and answers when the vector store is down."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from core.settings import Settings
from retrieval.vectorstore import COLLECTION
from tests.fakes import FakeEmbeddings
from thidua.app import create_app
from thidua.loadtest.processes import ChromaServer
from thidua.runtime import Runtime, build_runtime

PLAN = """ỦY BAN NHÂN DÂN XÃ TÂN LẬP
Số: 12/KH-UBND
KẾ HOẠCH
Phát động phong trào thi đua đổi mới sáng tạo và chuyển đổi số năm 2026
I. MỤC ĐÍCH, YÊU CẦU
Khơi dậy tinh thần đổi mới sáng tạo trong cán bộ, công chức và Nhân dân xã Tân Lập.
II. TỔ CHỨC THỰC HIỆN
Hạn cuối gửi sáng kiến về UBND xã Tân Lập là ngày 20/10/2026.
"""
QUESTION = "Hạn cuối gửi sáng kiến về UBND xã Tân Lập là ngày nào?"


def _runtime(settings: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> Runtime:
    runtime = build_runtime(settings, embedder=FakeEmbeddings(), sessions=sessions, load=False)
    plan = tmp_path / "KH-12-Tan-Lap.txt"
    plan.write_text(PLAN, encoding="utf-8")
    runtime.ingest_files([plan])
    return runtime


@pytest.fixture
def chroma_url() -> str:
    url = os.environ.get("THIDUA_TEST_CHROMA_URL")
    if not url:
        pytest.skip("THIDUA_TEST_CHROMA_URL is not set: Chroma server tests skipped (.ci/run starts one)")
    return url


@pytest.mark.chroma_server
def test_ingest_and_answer_through_a_chroma_server(
    chroma_url: str, settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    import chromadb

    # The server is the tests' own (.ci/run starts it): start from an empty collection whatever ran before.
    url = urlparse(chroma_url)
    quiet = chromadb.config.Settings(anonymized_telemetry=False)
    server = chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000, settings=quiet)
    if COLLECTION in {collection.name for collection in server.list_collections()}:
        server.delete_collection(COLLECTION)
    runtime = _runtime(settings.model_copy(update={"chroma_url": chroma_url}), session_factory, tmp_path)
    try:
        assert runtime.vector_store_available()
        answer = runtime.answer(QUESTION)
        assert answer.found and "20/10/2026" in answer.text
    finally:
        # The fake embedder's vectors must not stay in the server's collection for the real one to meet.
        runtime.index._client.delete_collection(COLLECTION)
        runtime.close()


@pytest.fixture
def broken_store_runtime(
    settings: Settings, session_factory: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Runtime]:
    runtime = _runtime(settings, session_factory, tmp_path)

    def down(*_args: object, **_kwargs: object) -> None:
        raise ConnectionError("Chroma server stopped")

    monkeypatch.setattr(runtime.index._client, "heartbeat", down)
    monkeypatch.setattr(runtime.index, "search", down)
    monkeypatch.setattr(runtime.index, "all_passages", down)
    yield runtime
    runtime.close()


def test_a_stopped_vector_store_degrades_to_lexical_answers(broken_store_runtime: Runtime) -> None:
    answer = broken_store_runtime.answer(QUESTION)
    assert answer.found and "20/10/2026" in answer.text
    broken_store_runtime._checked_at = 0.0
    broken_store_runtime._stamp = None  # as if another worker changed the plans: the reload fails, answers go on
    assert broken_store_runtime.answer(QUESTION).found
    with TestClient(create_app(broken_store_runtime), raise_server_exceptions=False) as client:
        health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "degraded" and health.json()["vector_store"] == "unavailable"


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    """A ``chroma run`` of this test's own, which it may stop and start."""
    server = ChromaServer(tmp_path / "chroma")
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
def test_a_chroma_server_stopped_and_started_again(
    chroma_server: ChromaServer,
    settings: Settings,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    runtime = _runtime(settings.model_copy(update={"chroma_url": chroma_server.url}), session_factory, tmp_path)
    try:
        assert runtime.index.search(QUESTION, 3)
        chroma_server.stop()
        with caplog.at_level(logging.WARNING):
            answers = [runtime.answer(QUESTION) for _ in range(5)]
        assert all(answer.found and "20/10/2026" in answer.text for answer in answers)
        # one warning for the outage, not a traceback for every question
        assert len([r for r in caplog.records if r.name == "retrieval.vectorstore"]) == 1
        assert not [r for r in caplog.records if r.exc_info]
        chroma_server.start()
        runtime.index._down_until = 0.0  # the retry pause is over
        assert runtime.index.search(QUESTION, 3)
    finally:
        runtime.close()
