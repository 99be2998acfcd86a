"""Starting and stopping the channels with the app: the dialog, Telegram, Zalo and the notice workers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from starlette.concurrency import run_in_threadpool

from bot.attachments import purge_unclaimed_attachments
from bot.channels import Channel, ChannelContext, ChannelKind, Channels
from bot.contact import ContactRoute, NoticeSender
from bot.dialog import Dialog
from bot.notifier import notice_worker
from bot.ports import AnswerLike, BotRuntime, QuestionAnswerer
from bot.registry import CONTACT_ROUTES, KINDS
from bot.state import purge_abandoned_forms
from bot.web.lookup import router as lookup_router
from bot.web.routes import router as web_router
from core.db import session_scope
from core.dedup import forget_old_updates
from core.lookup import forget_old_attempts
from core.personal_data import erase_expired_contacts

log = logging.getLogger(__name__)

NOTICE_INTERVAL_SECONDS = 10.0
HOUSEKEEPING_SECONDS = 3600.0


def channel_router() -> APIRouter:
    """Every route of the chat channels: the web chat, the look-up page and each registered channel's webhook."""
    router = APIRouter()
    router.include_router(web_router)
    router.include_router(lookup_router)
    for kind in KINDS:
        router.include_router(kind.router)
    return router


class _RuntimeAnswerer:
    """Answers through the runtime (which reloads changed knowledge first) when it offers that."""

    def __init__(self, runtime: BotRuntime) -> None:
        self._runtime = runtime

    def answer(self, question: str, *, locality: str | None = None) -> AnswerLike:
        """Answer ``question`` from the current plans."""
        answer = getattr(self._runtime, "answer", None)
        if callable(answer):
            result: AnswerLike = answer(question, locality=locality)
            return result
        return self._runtime.answerer.answer(question, locality=locality)

    def follow_up(self, question: str, previous: str | None) -> str:
        """The question to answer, read with the previous one."""
        return self._runtime.answerer.follow_up(question, previous)

    def localities(self) -> list[str]:
        """The localities the plans cover."""
        return list(self._runtime.answerer.localities())


@asynccontextmanager
async def run_channels(
    runtime: BotRuntime,
    app: FastAPI | None = None,
    *,
    notice_interval: float | None = None,
    background: bool = True,
) -> AsyncIterator[Channels]:
    """Run the dialog and every configured channel while the app runs; sets ``app.state.channels``.

    Without ``background`` (web workers beside a ``thidua worker``) nothing runs on its own: no Telegram polling,
    no notice delivery, no housekeeping; the webhooks and the web chat still answer.
    """
    notice_interval = NOTICE_INTERVAL_SECONDS if notice_interval is None else notice_interval
    settings = runtime.settings
    answerer: QuestionAnswerer = _RuntimeAnswerer(runtime)
    dialog = Dialog(sessions=runtime.sessions, answerer=answerer, settings=settings)
    channels = Channels(settings=settings, sessions=runtime.sessions, dialog=dialog)
    tasks: list[asyncio.Task[Any]] = []
    async with contextlib.AsyncExitStack() as stack:
        context = ChannelContext(settings=settings, sessions=runtime.sessions, dialog=dialog)
        await _start_all(context, channels, stack, tasks, runtime, notice_interval, background=background)
        if background:
            tasks.append(asyncio.create_task(_housekeeping(runtime), name="chat-housekeeping"))
        stack.push_async_callback(_cancel, tasks)
        if app is not None:
            app.state.channels = channels
        try:
            yield channels
        finally:
            if app is not None:
                app.state.channels = None


async def _start_all(
    context: ChannelContext,
    channels: Channels,
    stack: contextlib.AsyncExitStack,
    tasks: list[asyncio.Task[Any]],
    runtime: BotRuntime,
    interval: float,
    *,
    background: bool = True,
) -> None:
    """Start every enabled channel and contact route, each with its notice worker.

    Without ``background`` only the channels fed by a webhook start (a polling one would run on its own), and no
    notice worker or contact route runs: the ``thidua worker`` process delivers the notices.
    """
    for kind in (kind for kind in KINDS if kind.enabled(context.settings)):
        channel = await _start(kind, context, background=background)
        if channel is not None:
            stack.push_async_callback(channel.stop)
            channels.running[kind.name] = channel
            if background:
                tasks.append(_worker(runtime, kind.name, channel.send_notice, interval))
    if background:
        await _start_routes(context, stack, tasks, runtime, interval)


async def _start_routes(
    context: ChannelContext,
    stack: contextlib.AsyncExitStack,
    tasks: list[asyncio.Task[Any]],
    runtime: BotRuntime,
    interval: float,
) -> None:
    """Start every enabled contact route (e-mail, ZNS) with its notice worker."""
    for route in (route for route in CONTACT_ROUTES if route.enabled(context.settings)):
        sender = await _start_route(route, context)
        if sender is not None:
            stack.push_async_callback(sender.stop)
            tasks.append(_worker(runtime, route.name, sender.send_notice, interval, contact=True))


async def _start(kind: ChannelKind, context: ChannelContext, *, background: bool = True) -> Channel | None:
    """Build and start one channel; None when its platform is unreachable (the other channels stay up).

    Without ``background`` a channel that would poll (no webhook) is not started at all.
    """
    channel = kind.build(context)
    if not background and not channel.accepts_webhook:
        await channel.stop()
        return None
    try:
        await channel.start()
    except Exception:
        log.error("%s channel not started", kind.name, exc_info=True)
        await channel.stop()
        return None
    return channel


async def _start_route(route: ContactRoute, context: ChannelContext) -> NoticeSender | None:
    sender = route.build(context)
    try:
        await sender.start()
    except Exception:
        log.error("%s notices not started", route.name, exc_info=True)
        await sender.stop()
        return None
    return sender


async def _housekeeping(runtime: BotRuntime) -> None:
    """Hourly: forget old update ids and look-up attempts, drop abandoned forms and their files, erase expired contacts.

    Personal data is not kept idle.
    """
    while True:
        await asyncio.sleep(HOUSEKEEPING_SECONDS)
        try:
            await run_in_threadpool(_forget_old, runtime)
        except Exception:
            log.exception("housekeeping failed; trying again in an hour")


def _forget_old(runtime: BotRuntime) -> None:
    idle = timedelta(minutes=runtime.settings.form_idle_minutes)
    with session_scope(runtime.sessions) as session:
        updates = forget_old_updates(session=session)
        forget_old_attempts(session=session)
    with session_scope(runtime.sessions) as session:
        forms = purge_abandoned_forms(session=session, idle=idle)
    with session_scope(runtime.sessions) as session:
        files = purge_unclaimed_attachments(
            session=session, uploads_dir=runtime.settings.uploads_dir, older_than=max(idle * 2, timedelta(days=1))
        )
    with session_scope(runtime.sessions) as session:
        retention = timedelta(days=runtime.settings.contact_retention_days)
        contacts = erase_expired_contacts(session=session, retention=retention)
    if updates or forms or files or contacts:
        log.info(
            "housekeeping: %d update ids, %d abandoned forms, %d unclaimed files, %d expired contacts removed",
            updates,
            forms,
            files,
            contacts,
        )


def _worker(
    runtime: BotRuntime, channel: str, send: Any, interval: float, *, contact: bool = False
) -> asyncio.Task[None]:
    return asyncio.create_task(
        notice_worker(sessions=runtime.sessions, channel=channel, send=send, interval=interval, contact=contact),
        name=f"notices-{channel}",
    )


async def _cancel(tasks: Sequence[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
