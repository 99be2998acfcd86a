"""`thidua loadtest`: start the production shape on this machine, drive it on 127.0.0.1 only, count what went wrong.

The harness starts its own PostgreSQL cluster (``initdb`` in a temporary folder, on a free port; the database of
``THIDUA_DATABASE_URL`` when PostgreSQL's tools are missing), its own Chroma server, a fake Telegram Bot API,
``thidua serve --workers N`` (web workers without background work) and one ``thidua worker``. Then, in order:

1. web chat questions from many concurrent users for a fixed time (answers per second, p95 latency), with the
   Chroma server stopped for the middle third and started again (answers fall back to lexical search);
2. concurrent initiative forms, most through the web chat and some through the Telegram webhook, each confirmation
   sent twice; one web worker is killed (-9) and PostgreSQL restarted while they run;
3. a burst of Telegram webhook updates with 10 % repeats;
4. one notice for every submission: the web ones picked up by the page, the Telegram ones sent by the worker, which is
   killed (-9) while it delivers and started again.

Afterwards it counts: submissions against receipts given, replies against unique updates, every notice exactly once.
Every loop is bounded and the processes are stopped at the end; the last line holds the figures.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from thidua.loadtest import counts, telegram, web
from thidua.loadtest.fake_telegram import TOKEN, FakeTelegram
from thidua.loadtest.processes import (
    BASE,
    App,
    ChromaServer,
    PrivatePostgres,
    free_port,
    postmaster_pid,
    thidua_command,
    tree_cpu_seconds,
)
from thidua.loadtest.web import Tally

__all__ = ["PROFILES", "Profile", "Tally", "report", "run_loadtest"]


@dataclass(frozen=True)
class Profile:
    """How hard and how long to push."""

    web_workers: int
    chat_users: int
    chat_seconds: float
    pace: float  # seconds between one chat user's questions: 100 users every 2 s offer 50 questions/s
    forms: int  # in all; ``telegram_forms`` of them through Telegram
    telegram_forms: int
    burst_updates: int
    burst_chats: int


PROFILES = {
    "ci": Profile(
        web_workers=2,
        chat_users=20,
        chat_seconds=15.0,
        pace=2.0,
        forms=20,
        telegram_forms=5,
        burst_updates=200,
        burst_chats=20,
    ),
    "full": Profile(
        web_workers=2,
        chat_users=100,
        chat_seconds=60.0,
        pace=2.0,
        forms=200,
        telegram_forms=20,
        burst_updates=1000,
        burst_chats=100,
    ),
}


@dataclass
class Shape:
    """What the harness started."""

    app: App
    fake: FakeTelegram
    chroma: ChromaServer
    postgres: PrivatePostgres | None
    database_url: str
    faults: Counter[str] = field(default_factory=Counter)
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds each part used during the chat phase

    def cpu_now(self) -> dict[str, float]:
        """CPU seconds used so far by each part of the shape, and by the harness itself."""
        own = os.times()
        return {
            "web workers": tree_cpu_seconds(self.app.serve.pid if self.app.serve else None),
            "PostgreSQL": tree_cpu_seconds(postmaster_pid(self.postgres)),
            "Chroma": self.chroma.cpu_seconds(),
            "worker": tree_cpu_seconds(self.app.worker.pid if self.app.worker else None),
            "harness": own.user + own.system,
        }


def _environment(data_dir: Path, database_url: str, chroma_url: str, telegram_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("THIDUA_DATA_DIR", str(data_dir))
    env.update(
        THIDUA_DATABASE_URL=database_url,
        THIDUA_CHROMA_URL=chroma_url,
        THIDUA_WEB_BACKGROUND="false",
        THIDUA_RATE_LIMIT_PER_MINUTE="100000",
        THIDUA_WEB_CHAT_PER_ADDRESS_PER_MINUTE="1000000",
        THIDUA_LOG_LEVEL="WARNING",
        THIDUA_TELEGRAM_TOKEN=TOKEN,
        THIDUA_TELEGRAM_WEBHOOK_SECRET=telegram.SECRET,
        THIDUA_TELEGRAM_API_URL=telegram_url,
    )
    return env


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


async def _chroma_outage(shape: Shape, seconds: float) -> None:
    """Stop the Chroma server for the middle third of ``seconds``, then start it again."""
    await asyncio.sleep(seconds / 3)
    await asyncio.to_thread(shape.chroma.stop)
    await asyncio.sleep(seconds / 3)
    await asyncio.to_thread(shape.chroma.start)
    shape.faults["chroma stopped and started"] += 1


async def _chat(client: httpx.AsyncClient, tally: Tally, profile: Profile, shape: Shape) -> float:
    before = shape.cpu_now()
    started = time.monotonic()
    until = started + profile.chat_seconds
    outage = asyncio.create_task(_chroma_outage(shape, profile.chat_seconds))
    await asyncio.gather(*(web.asker(client, tally, until, user, profile.pace) for user in range(profile.chat_users)))
    elapsed = time.monotonic() - started
    shape.cpu = {part: used - before[part] for part, used in shape.cpu_now().items()}
    await outage
    return elapsed


async def _faults_during_forms(shape: Shape) -> None:
    await asyncio.sleep(2.0)
    if shape.app.kill_web_worker():
        shape.faults["web worker killed"] += 1
    await asyncio.sleep(2.0)
    if shape.postgres is not None:
        await asyncio.to_thread(shape.postgres.restart)
        shape.faults["PostgreSQL restarted"] += 1


async def _forms(
    client: httpx.AsyncClient, tally: Tally, tg: telegram.TelegramTally, profile: Profile, shape: Shape
) -> list[str]:
    faults = asyncio.create_task(_faults_during_forms(shape))
    on_web = [web.form(client, tally, user) for user in range(profile.forms - profile.telegram_forms)]
    on_telegram = [telegram.form(client, tally, tg, shape.fake, user) for user in range(profile.telegram_forms)]
    sessions, _ = await asyncio.gather(asyncio.gather(*on_web), asyncio.gather(*on_telegram))
    await faults
    tally.receipts.update(tg.receipts.values())
    tally.duplicate_replies += tg.receipts_twice
    return list(sessions)


async def _worker_killed_while_pending(shape: Shape) -> None:
    """kill -9 the worker while the notices wait in the outbox, then start a new one.

    A kill between the platform accepting a message and the worker recording it would send that one notice again
    (delivery is at least once: Telegram has no idempotency key), so the kill comes before delivery begins.
    """
    await asyncio.to_thread(shape.app.kill_worker)
    shape.faults["worker killed with notices pending"] += 1


async def _notices(client: httpx.AsyncClient, tally: Tally, sessions: list[str], shape: Shape) -> int:
    queued = await asyncio.to_thread(counts.enqueue_notices, shape.database_url, tally.receipts)
    on_telegram = {user: text for channel, user, text in queued if channel == "telegram"}
    on_web = sum(1 for channel, _, _ in queued if channel == "web")
    await _worker_killed_while_pending(shape)
    await web.collect_notices(client, tally, sessions, on_web)
    deadline = time.monotonic() + 90.0
    while sum(telegram.notices_received(shape.fake, on_telegram).values()) < len(on_telegram):
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.0)  # a notice sent twice would come now
    for chat, times in telegram.notices_received(shape.fake, on_telegram).items():
        tally.notices[f"telegram:{chat}"] = times
    return len(queued)


async def _drive(profile: Profile, shape: Shape) -> tuple[Tally, float, dict[str, int]]:
    tally, tg = Tally(), telegram.TelegramTally()
    limits = httpx.Limits(max_connections=profile.chat_users + profile.forms)
    async with httpx.AsyncClient(base_url=f"http://{BASE}:{shape.app.port}", timeout=60.0, limits=limits) as client:
        await _wait_healthy(client)
        elapsed = await _chat(client, tally, profile, shape)
        sessions = await _forms(client, tally, tg, profile, shape)
        await telegram.burst(client, tally, tg, updates=profile.burst_updates, chats=profile.burst_chats)
        await telegram.wait_for_replies(shape.fake, tg, limit=120.0)
        expected = await _notices(client, tally, sessions, shape)
    missing, extra = telegram.check_replies(shape.fake, tg)
    tally.duplicate_replies += extra
    found, made = await asyncio.to_thread(counts.stored, shape.database_url, tally.receipts, set(tg.receipts))
    figures = {"expected_notices": expected, "found": found, "made": made, "replies_missing": missing}
    figures.update({"updates_unique": tg.updates_unique, "updates_repeated": tg.updates_repeated})
    figures["telegram_receipts"] = len(tg.receipts)
    figures.update({f"fault:{name}": times for name, times in shape.faults.items()})
    figures.update({f"cpu_ms:{part}": round(seconds * 1000) for part, seconds in shape.cpu.items()})
    return tally, elapsed, figures


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.95 * (len(ordered) - 1))] if ordered else 0.0


def _fault_lines(figures: dict[str, int]) -> list[str]:
    done = [f"{name.removeprefix('fault:')} ×{times}" for name, times in figures.items() if name.startswith("fault:")]
    if figures.get("killed"):
        done.append("web worker killed ×1")
    return [f"faults             {', '.join(done) or 'none'}"]


def _cpu_lines(figures: dict[str, int], answers: int, elapsed: float) -> list[str]:
    parts = {name.removeprefix("cpu_ms:"): ms for name, ms in figures.items() if name.startswith("cpu_ms:")}
    if not parts or not answers:
        return []
    each = ", ".join(f"{part} {ms / answers:.1f}" for part, ms in parts.items())
    machine = f"{sum(parts.values()) / 1000:.0f} of {elapsed * (os.cpu_count() or 1):.0f} CPU-s"
    return [f"chat CPU/answer    {each} ms ({machine}; the rest went to other programs)"]


def report(tally: Tally, elapsed: float, figures: dict[str, int], profile: Profile) -> str:
    """The table and the last line."""
    lost = max(0, profile.forms - figures["found"])
    doubled = max(0, figures["made"] - len(tally.receipts))
    notices_lost = max(0, figures["expected_notices"] - len(tally.notices))
    notices_twice = sum(1 for n in tally.notices.values() if n > 1)
    rate = tally.answers / elapsed if elapsed else 0.0
    unique = figures.get("updates_unique", 0)
    lines = [
        f"profile            web workers={profile.web_workers} chat users={profile.chat_users} "
        f"(a question every {profile.pace:g} s each, {profile.chat_users / profile.pace:.0f}/s offered) "
        f"forms={profile.forms} (telegram {profile.telegram_forms}) burst={profile.burst_updates}",
        *_fault_lines(figures),
        f"receipts           {len(tally.receipts)} given ({figures.get('telegram_receipts', 0)} on Telegram), "
        f"{figures['found']} stored, {figures['made']} made",
        f"telegram burst     {unique} unique + {figures.get('updates_repeated', 0)} repeated updates, "
        f"{unique - figures.get('replies_missing', 0)} answered",
        f"notices            {figures['expected_notices']} queued, {len(tally.notices)} received",
        f"statuses           {dict(sorted(tally.status.items()))}",
        *_cpu_lines(figures, tally.answers, elapsed),
        f"lost={lost} doubled={doubled} duplicate_replies={tally.duplicate_replies} notices_lost={notices_lost} "
        f"notices_twice={notices_twice} status_500={tally.status[500]} answers_per_s={rate:.1f} "
        f"p95_ms={_p95(tally.latencies):.0f}",
    ]
    return "\n".join(lines)


def _start_shape(profile: Profile, data_dir: Path, scratch: Path) -> Shape:
    postgres = None
    database_url = os.environ.get("THIDUA_DATABASE_URL", "")
    if PrivatePostgres.available():
        postgres = PrivatePostgres(scratch / "postgres")
        postgres.start()
        database_url = postgres.url
    chroma = ChromaServer(scratch / "chroma")
    chroma.start()
    fake = FakeTelegram()
    env = _environment(data_dir, database_url, chroma.url, fake.url)
    if not database_url:  # no PostgreSQL at all: the SQLite file in the data folder
        from core.settings import Settings

        database_url = Settings(data_dir=data_dir).sqlalchemy_url
        env["THIDUA_DATABASE_URL"] = database_url
    subprocess.run(thidua_command("migrate"), env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    app = App(env=env, port=free_port(), web_workers=profile.web_workers)
    app.start()
    return Shape(app, fake, chroma, postgres, database_url)


def _stop_shape(shape: Shape) -> None:
    shape.app.stop()
    shape.fake.close()
    shape.chroma.stop()
    if shape.postgres is not None:
        shape.postgres.stop()


def run_loadtest(profile_name: str, data_dir: Path) -> int:
    """Start, drive, count, stop; 0 when nothing was lost, doubled, answered twice or with 500."""
    profile = PROFILES[profile_name]
    with tempfile.TemporaryDirectory(prefix="thidua-load-") as scratch:
        Path(scratch).chmod(0o755)  # the private PostgreSQL runs as the postgres user
        shape = _start_shape(profile, data_dir, Path(scratch))
        try:
            tally, elapsed, figures = asyncio.run(_drive(profile, shape))
        finally:
            _stop_shape(shape)
    text = report(tally, elapsed, figures, profile)
    print(text)
    last = text.splitlines()[-1] + " "
    names = ("lost", "doubled", "duplicate_replies", "notices_lost", "notices_twice", "status_500")
    clean = all(f"{name}=0 " in last for name in names) and not figures.get("replies_missing")
    return 0 if clean else 1
