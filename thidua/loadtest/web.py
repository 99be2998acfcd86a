"""Web chat load: concurrent askers, forms whose confirmation is sent twice, notices picked up by the page."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

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


@dataclass
class Tally:
    """What the clients saw."""

    latencies: list[float] = field(default_factory=list)
    status: Counter[int] = field(default_factory=Counter)
    receipts: set[str] = field(default_factory=set)
    duplicate_replies: int = 0
    notices: Counter[str] = field(default_factory=Counter)
    answers: int = 0


async def post(client: httpx.AsyncClient, tally: Tally, body: dict[str, Any], *, timed: bool = False) -> dict[str, Any]:
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


async def asker(client: httpx.AsyncClient, tally: Tally, until: float, user: int, pace: float = 0.0) -> None:
    """One chat user asking a question every ``pace`` seconds (at once after an answer when 0) until ``until``.

    Users start spread over the first ``pace`` seconds; an answer slower than ``pace`` delays the next question.
    """
    session = f"load-ask-{user}-{uuid.uuid4().hex[:8]}"
    start = time.monotonic() + random.Random(user).uniform(0, pace)
    turn = 0
    while time.monotonic() < until:
        await asyncio.sleep(max(0.0, start + turn * pace - time.monotonic()))
        body = {"session": session, "text": QUESTIONS[turn % len(QUESTIONS)], "message_id": f"q{turn}"}
        if (await post(client, tally, body, timed=True))["replies"]:
            tally.answers += 1
        turn += 1


async def form(client: httpx.AsyncClient, tally: Tally, user: int) -> str:
    """One initiative form through the web chat, the confirmation sent twice; returns the session id."""
    session = f"load-form-{user}-{uuid.uuid4().hex[:8]}"
    for step, text in enumerate(FORM):
        await post(client, tally, {"session": session, "text": text, "message_id": f"s{step}"})
    confirm = {"session": session, "text": "Gửi", "message_id": "confirm"}
    first = "\n".join((await post(client, tally, confirm))["replies"])
    again = "\n".join((await post(client, tally, confirm))["replies"])  # the first response was "lost"
    if first != again:
        tally.duplicate_replies += 1
    for line in first.splitlines():
        if "Mã hồ sơ:" in line:
            tally.receipts.add(line.split("Mã hồ sơ:", 1)[1].strip().split()[0])
    return session


async def collect_notices(client: httpx.AsyncClient, tally: Tally, sessions: list[str], expected: int) -> None:
    """Poll the sessions' notice route until ``expected`` notices came (or a minute passed)."""
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
