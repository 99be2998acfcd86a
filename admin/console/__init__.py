"""The reviewer console: server-rendered pages under ``/admin`` on the same core services as the API,
the public plan page under ``/plans`` and the offline API docs.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from admin.console import accounts, auth, detail, docs, figures, knowledge, plan_page, queue
from admin.console.errors import install_page_errors
from admin.console.render import STATIC_DIR

console_router = APIRouter(include_in_schema=False)
for module in (auth, figures, detail, knowledge, accounts, queue):
    console_router.include_router(module.router)


def install_console(app: FastAPI) -> None:
    """Add the console, the plan pages, the offline docs and their static assets to ``app``.

    Call after the API's error handlers are installed: console pages answer failures with pages.
    """
    app.mount("/admin/static", StaticFiles(directory=STATIC_DIR), name="admin-static")
    app.include_router(console_router)
    app.include_router(plan_page.router)
    app.include_router(docs.router)
    install_page_errors(app)
