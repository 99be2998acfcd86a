"""`thidua loadtest`: start the production shape on this machine, drive it on 127.0.0.1 only, count what went wrong.

It starts ``thidua serve --workers N`` (web workers without background work) and one ``thidua worker`` on a free local
port, with the database and Chroma of the environment (``THIDUA_DATABASE_URL``, ``THIDUA_CHROMA_URL``; SQLite and
embedded Chroma in a data folder otherwise), then:

- web chat questions from many concurrent users for a fixed time (answers per second, p95 latency);
- concurrent initiative forms through the web chat, each confirmation sent twice (a resend after a lost response),
  with one web worker killed (-9) half-way: a request that fails is retried with the same message id;
- a notice for every submission, collected through the web chat's notice route.

Afterwards it counts in the database: submissions against receipts given, and notices against notices received.
Every loop is bounded and the processes are stopped at the end; the last line holds the figures.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BASE = "127.0.0.1"
FORM = [
    "/sangkien",
    "Nguyễn Văn An",
    "Cá nhân",
    "Tổ dân phố số 5",
    "phường Hoàng Mai",
    "Chuyển đổi số",
    "Số hóa sổ theo dõi hộ gia đình",
    "Tổ dân phố lập nhóm Zalo và bảng tính dùng chung để số hóa sổ theo dõi hộ gia đình, giúp cán bộ tra cứu "
    "nhanh và người dân không phải khai lại giấy tờ.",
    "Tiết kiệm 30 phút mỗi lần tra cứu",
    "Phường, xã",
    "0912 345 678",
    "Bỏ qua",
    "Đồng ý",
]
QUESTIONS = [
    "Hạn báo cáo kết quả phong trào của phường Hoàng Mai là ngày nào?",
    "Tiêu chí khen thưởng sáng kiến là gì?",
    "Ai chịu trách nhiệm tổng hợp sáng kiến?",
    "Phong trào thi đua đổi mới sáng tạo có mục tiêu gì?",
]


@dataclass(frozen=True)
class Profile:
    """How hard and how long to push."""

    web_workers: int
    chat_users: int
    chat_seconds: float
    forms: int


PROFILES = {
    "ci": Profile(web_workers=2, chat_users=20, chat_seconds=10.0, forms=20),
    "full": Profile(web_workers=2, chat_users=100, chat_seconds=60.0, forms=200),
}


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)
    receipts: set[str] = field(default_factory=set)
    duplicate_replies: int = 0
    notices: Counter[str] = field(default_factory=Counter)
    answers: int = 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((BASE, 0))
        return int(probe.getsockname()[1])


def _environment(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("THIDUA_DATA_DIR", str(data_dir))
    env.update(
        THIDUA_WEB_BACKGROUND="false",
        THIDUA_RATE_LIMIT_PER_MINUTE="100000",
        THIDUA_WEB_CHAT_PER_ADDRESS_PER_MINUTE="1000000",
        THIDUA_LOG_LEVEL="WARNING",
    )
    return env


def _start(profile: Profile, port: int, env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    thidua = str(Path(sys.executable).with_name("thidua"))
    serve = [thidua, "serve", "--host", BASE, "--port", str(port), "--workers", str(profile.web_workers)]
    quiet = subprocess.DEVNULL
    return [
        subprocess.Popen(serve, env=env, stdout=quiet, start_new_session=True),  # noqa: S603 - our own command
        subprocess.Popen([thidua, "worker"], env=env, stdout=quiet, start_new_session=True),  # noqa: S603
    ]


async def _wait_healthy(client: httpx.AsyncClient, limit: float = 900.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            if (await client.get("/healthz")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(1.0)
    raise RuntimeError("the server did not become healthy")


async def _post(
    client: httpx.AsyncClient, tally: Tally, body: dict[str, Any], *, timed: bool = False
) -> dict[str, Any]:
    """Send one chat message, retrying (same message id) while a worker is down; bounded."""
    for _ in range(20):
        started = time.perf_counter()
        try:
            response = await client.post("/api/chat", json=body)
        except httpx.HTTPError:
            await asyncio.sleep(0.5)
            continue
        tally.status[response.status_code] += 1
        if response.status_code == 200:
            if timed:  # p95 is of the questions; form steps and retries after the kill are not timed
                tally.latencies.append((time.perf_counter() - started) * 1000)
            payload: dict[str, Any] = response.json()
            return payload
        await asyncio.sleep(0.5)
    return {"replies": [], "notices": []}


async def _asker(client: httpx.AsyncClient, tally: Tally, until: float, user: int) -> None:
    session = f"load-ask-{user}-{uuid.uuid4().hex[:8]}"
    turn = 0
    while time.monotonic() < until:
        body = {"session": session, "text": QUESTIONS[turn % len(QUESTIONS)], "message_id": f"q{turn}"}
        if (await _post(client, tally, body, timed=True))["replies"]:
            tally.answers += 1
        turn += 1


async def _form(client: httpx.AsyncClient, tally: Tally, user: int) -> str:
    session = f"load-form-{user}-{uuid.uuid4().hex[:8]}"
    for step, text in enumerate(FORM):
        await _post(client, tally, {"session": session, "text": text, "message_id": f"s{step}"})
    confirm = {"session": session, "text": "Gửi", "message_id": "confirm"}
    first = "\n".join((await _post(client, tally, confirm))["replies"])
    again = "\n".join((await _post(client, tally, confirm))["replies"])  # the first response was "lost"
    if first != again:
        tally.duplicate_replies += 1
    for line in first.splitlines():
        if "Mã hồ sơ:" in line:
            tally.receipts.add(line.split("Mã hồ sơ:", 1)[1].strip().split()[0])
    return session


def _kill_one_web_worker(serve: subprocess.Popen[bytes]) -> bool:
    """kill -9 one child of the serve process (a web worker); the supervisor starts another."""
    children = Path(f"/proc/{serve.pid}/task/{serve.pid}/children")
    pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    if not pids:
        return False
    os.kill(pids[0], signal.SIGKILL)
    return True


async def _notices(client: httpx.AsyncClient, tally: Tally, sessions: list[str], expected: int) -> None:
    deadline = time.monotonic() + 60.0
    while sum(tally.notices.values()) < expected and time.monotonic() < deadline:
        for session in sessions:
            try:
                response = await client.get(f"/api/chat/{session}/notices")
            except httpx.HTTPError:
                continue
            for text in response.json().get("notices", []) if response.status_code == 200 else []:
                tally.notices[f"{session}:{text}"] += 1
        await asyncio.sleep(1.0)


def _enqueue_notices(receipts: set[str]) -> int:
    """Move every submission to "in review", which queues one notice to its submitter; returns how many."""
    import secrets

    from sqlalchemy import select

    from core.db import make_engine, make_session_factory, session_scope
    from core.models import Initiative, InitiativeState, Reviewer
    from core.review import transition
    from core.reviewers import ReviewerCreate, create_reviewer
    from core.settings import Settings

    engine = make_engine(Settings().sqlalchemy_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            reviewer = session.scalar(select(Reviewer).where(Reviewer.username == "loadtest"))
            if reviewer is None:
                account = ReviewerCreate(username="loadtest", password=secrets.token_urlsafe(24))
                reviewer = create_reviewer(session=session, reviewer_in=account)
            rows = session.scalars(select(Initiative).where(Initiative.code.in_(receipts))).all()
            for row in rows:
                transition(session=session, initiative=row, reviewer=reviewer, to_state=InitiativeState.IN_REVIEW)
            return len(rows)
    finally:
        engine.dispose()


def _stored(receipts: set[str]) -> tuple[int, int]:
    """How many of the receipts are stored, and how many submissions the load made in all."""
    from sqlalchemy import func, select

    from core.db import make_engine, make_session_factory, session_scope
    from core.models import Initiative
    from core.settings import Settings

    engine = make_engine(Settings().sqlalchemy_url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            found = session.scalar(select(func.count()).where(Initiative.code.in_(receipts))) or 0
            made = session.scalar(select(func.count()).where(Initiative.channel_user_id.like("load-form-%"))) or 0
            return int(found), int(made)
    finally:
        engine.dispose()


async def _drive(profile: Profile, port: int, serve: subprocess.Popen[bytes]) -> tuple[Tally, float, dict[str, int]]:
    tally = Tally()
    limits = httpx.Limits(max_connections=profile.chat_users + profile.forms)
    async with httpx.AsyncClient(base_url=f"http://{BASE}:{port}", timeout=60.0, limits=limits) as client:
        await _wait_healthy(client)
        started = time.monotonic()
        until = started + profile.chat_seconds
        await asyncio.gather(*(_asker(client, tally, until, user) for user in range(profile.chat_users)))
        elapsed = time.monotonic() - started
        forms = [asyncio.create_task(_form(client, tally, user)) for user in range(profile.forms)]
        await asyncio.sleep(2.0)
        killed = _kill_one_web_worker(serve)
        sessions = list(await asyncio.gather(*forms))
        expected = await asyncio.to_thread(_enqueue_notices, tally.receipts)
        await _notices(client, tally, sessions, expected)
    found, made = await asyncio.to_thread(_stored, tally.receipts)
    return tally, elapsed, {"killed": int(killed), "expected_notices": expected, "found": found, "made": made}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def report(tally: Tally, elapsed: float, counts: dict[str, int], profile: Profile) -> str:
    """The table and the last line."""
    lost = max(0, profile.forms - counts["found"])
    doubled = max(0, counts["made"] - len(tally.receipts))
    notices_lost = max(0, counts["expected_notices"] - len(tally.notices))
    notices_twice = sum(1 for n in tally.notices.values() if n > 1)
    rate = tally.answers / elapsed if elapsed else 0.0
    lines = [
        f"profile            web workers={profile.web_workers} chat users={profile.chat_users} forms={profile.forms}",
        f"web worker killed  {'yes' if counts['killed'] else 'no'}",
        f"receipts           {len(tally.receipts)} given, {counts['found']} stored, {counts['made']} made",
        f"notices            {counts['expected_notices']} queued, {len(tally.notices)} received",
        f"statuses           {dict(sorted(tally.status.items()))}",
        f"lost={lost} doubled={doubled} duplicate_replies={tally.duplicate_replies} notices_lost={notices_lost} "
        f"notices_twice={notices_twice} status_500={tally.status[500]} answers_per_s={rate:.1f} "
        f"p95_ms={_p95(tally.latencies):.0f}",
    ]
    return "\n".join(lines)


def run_loadtest(profile_name: str, data_dir: Path) -> int:
    """Start, drive, count, stop; 0 when nothing was lost, doubled or answered with 500."""
    profile = PROFILES[profile_name]
    port = _free_port()
    env = _environment(data_dir)
    os.environ.update({key: value for key, value in env.items() if key.startswith("THIDUA_")})
    subprocess.run([str(Path(sys.executable).with_name("thidua")), "migrate"], env=env, check=True)  # noqa: S603
    processes = _start(profile, port, env)
    try:
        tally, elapsed, counts = asyncio.run(_drive(profile, port, processes[0]))
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    text = report(tally, elapsed, counts, profile)
    print(text)
    last = text.splitlines()[-1]
    clean = all(f"{name}=0 " in last + " " for name in ("lost", "doubled", "duplicate_replies", "status_500"))
    return 0 if clean else 1
