"""The public look-up page ``/tra-cuu``: receipt code plus the phone or e-mail given with it, server-rendered.

The same core service and the same limits as the chat look-up: tries counted per address and per code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from bot import wording
from bot.channels import Channels, get_channels
from bot.flows.status import latest_public_note
from bot.web.address_limit import client_address, limit_key
from core.db import session_scope
from core.initiatives import CODE_PATTERN
from core.lookup import lookup_by_contact

router = APIRouter(tags=["web chat"])
ChannelsDep = Annotated[Channels, Depends(get_channels)]
_templates = Environment(loader=PackageLoader("bot.web", "templates"), autoescape=select_autoescape(["html"]))


@dataclass(frozen=True)
class _Shown:
    code: str
    title: str
    state: str
    field: str
    created: str
    request: str


def _render(*, code: str = "", result: _Shown | None = None, failed: str = "") -> HTMLResponse:
    page = _templates.get_template("tra_cuu.html").render(
        code=code, result=result, failed=failed, example=wording.example_code()
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


def _find(channels: Channels, code: str, contact: str, address: str) -> _Shown | None:
    session: Session
    with session_scope(channels.sessions) as session:
        initiative = lookup_by_contact(session=session, code=code, contact=contact, keys=[f"addr:{address}"])
        if initiative is None:
            return None
        return _Shown(
            code=initiative.code,
            title=initiative.title,
            state=wording.state_label(initiative.state),
            field=initiative.field,
            created=f"{initiative.created_at:%d/%m/%Y}",
            request=latest_public_note(initiative) if initiative.state == "needs_info" else "",
        )


@router.get("/tra-cuu", response_class=HTMLResponse, include_in_schema=False)
def lookup_page() -> HTMLResponse:
    """The look-up form."""
    return _render()


@router.post("/tra-cuu", response_class=HTMLResponse, include_in_schema=False)
async def lookup(
    request: Request,
    channels: ChannelsDep,
    code: Annotated[str, Form(max_length=40)] = "",
    contact: Annotated[str, Form(max_length=254)] = "",
) -> HTMLResponse:
    """The status of a submission when the code and contact match and the address has tries left."""
    match = CODE_PATTERN.search(code)
    address = limit_key(client_address(request, channels.settings.trusted_proxy_networks))
    shown = await run_in_threadpool(_find, channels, match.group(0) if match else code.strip()[:40], contact, address)
    if shown is None:
        return _render(code=code.strip()[:40], failed=wording.LOOKUP_FAILED)
    return _render(code=shown.code, result=shown)
