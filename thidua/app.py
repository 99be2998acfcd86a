"""The one ASGI app: health, the web chat, the admin API and console, the plan pages, the channel webhooks."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import Headers
from starlette.types import Scope

from admin.api import admin_router
from admin.console import install_console
from admin.errors import install_error_handlers
from admin.security import reviewer_id_from_token
from bot.lifecycle import channel_router, run_channels
from core.errors import ErrorCode, ThiduaError
from core.settings import Settings, get_settings
from thidua.edge import Edge
from thidua.logs import configure_logging
from thidua.runtime import Runtime, build_runtime

log = logging.getLogger(__name__)


class Health(BaseModel):
    """What `/healthz` reports."""

    status: str = Field(description="ok, or degraded when the vector store is down (answers use lexical search).")
    plans: int
    passages: int
    vector_store: str = Field("ok", description="ok or unavailable.")


def create_app(runtime: Runtime | None = None, *, settings: Settings | None = None) -> FastAPI:
    """Build the app around ``runtime`` (or build one from ``settings`` at start-up)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            if runtime is None:
                configured = settings or get_settings()
                configure_logging(configured.log_level)  # a worker process of `serve --workers N` starts afresh
                built = build_runtime(configured)
                stack.callback(built.close)
                app.state.runtime = built
            current: Runtime = app.state.runtime
            background = current.settings.web_background
            await stack.enter_async_context(run_channels(current, app, background=background))
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
        if not current.vector_store_available():
            log.warning("health: vector store unavailable; answers fall back to lexical search")
            return Health(status="degraded", plans=plans, passages=passages, vector_store="unavailable")
        return Health(status="ok", plans=plans, passages=passages)

    app.include_router(channel_router())
    app.include_router(admin_router)
    app.add_middleware(Edge, upload_guard=signed_token_required)
    install_error_handlers(app)
    install_console(app)
    return app


async def signed_token_required(scope: Scope) -> JSONResponse | None:
    """A 401 unless the request carries a validly signed, unexpired reviewer token (checked before any upload is read).

    The route checks the account and its role as usual; this only keeps anonymous bodies from being read at all.
    """
    scheme, _, token = Headers(scope=scope).get("authorization", "").partition(" ")
    settings: Settings = scope["app"].state.runtime.settings
    try:
        if scheme.lower() != "bearer" or not token:
            raise ThiduaError(ErrorCode.UNAUTHORIZED, "Cần đăng nhập để thực hiện thao tác này.")
        reviewer_id_from_token(settings=settings, token=token.strip())
    except ThiduaError as exc:
        return JSONResponse(
            {"error": exc.code.value, "detail": exc.detail}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
    return None
