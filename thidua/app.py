"""The one ASGI app: health, the web chat, the admin API and console, the plan pages, the channel webhooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from pydantic import BaseModel

from admin.api import admin_router
from admin.console import install_console
from admin.errors import install_error_handlers
from bot.lifecycle import channel_router, run_channels
from core.settings import Settings, get_settings
from thidua.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)


class Health(BaseModel):
    """What `/healthz` reports."""

    status: str
    plans: int
    passages: int


def create_app(runtime: Runtime | None = None, *, settings: Settings | None = None) -> FastAPI:
    """Build the app around ``runtime`` (or build one from ``settings`` at start-up)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if runtime is None:
                built = build_runtime(settings or get_settings())
                stack.callback(built.close)
                app.state.runtime = built
            await stack.enter_async_context(run_channels(app.state.runtime, app))
            yield

    app = FastAPI(
        title="thidua",
        summary="Trợ lý phong trào “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by the console with local assets
        redoc_url=None,
    )
    if runtime is not None:
        app.state.runtime = runtime

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz(request: Request) -> Health:
        """Liveness and a glance at the knowledge base."""
        current: Runtime = request.app.state.runtime
        plans, passages = current.knowledge_counts()
        return Health(status="ok", plans=plans, passages=passages)

    app.include_router(channel_router())
    app.include_router(admin_router)
    install_error_handlers(app)
    install_console(app)
    return app
