"""The plans of the knowledge base (Document rows): their queries and the metadata an upload gives them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.errors import ErrorCode, ThiduaError
from core.models import Document

_META_KEYS = ("title", "issuer", "level", "locality", "number", "date")


def list_plans(*, session: Session, include_removed: bool = False) -> list[Document]:
    """The plans of the knowledge base, by name, with their versions."""
    query = select(Document).options(selectinload(Document.versions)).order_by(Document.name)
    if not include_removed:
        query = query.where(Document.is_active.is_(True))
    return list(session.scalars(query))


def get_plan(*, session: Session, plan_id: int) -> Document:
    """The plan with ``plan_id`` (removed ones too), or a not-found error."""
    document = session.get(Document, plan_id)
    if document is None:
        raise ThiduaError(ErrorCode.NOT_FOUND, f"Không tìm thấy kế hoạch số {plan_id}.")
    return document


def find_plan(*, session: Session, name: str) -> Document | None:
    """The plan stored under file name ``name``, if any."""
    return session.scalar(select(Document).where(Document.name == name))


def get_active_plan(*, session: Session, name: str) -> Document:
    """The plan answers are drawn from under ``name``; not-found for an unknown or removed one."""
    document = find_plan(session=session, name=name)
    if document is None or not document.is_active:
        raise ThiduaError(ErrorCode.NOT_FOUND, "Không tìm thấy kế hoạch này. Có thể kế hoạch đã được gỡ hoặc thay thế.")
    return document


def knowledge_stamp(*, session: Session) -> tuple[int, str]:
    """Changes whenever a plan is added, replaced or removed (so other workers know to reload)."""
    count, latest = session.execute(
        select(func.count(Document.id), func.max(Document.ingested_at)).where(Document.is_active.is_(True))
    ).one()
    removed = session.scalar(select(func.max(Document.removed_at)))
    return int(count or 0), f"{latest}|{removed}"


def knowledge_counts(*, session: Session) -> tuple[int, int]:
    """How many plans are active, and how many passages they hold."""
    plans, passages = session.execute(
        select(func.count(Document.id), func.coalesce(func.sum(Document.passages), 0)).where(
            Document.is_active.is_(True)
        )
    ).one()
    return int(plans), int(passages)


def given_meta(**fields: str | None) -> dict[str, Any]:
    """The metadata an admin typed with an upload: blank fields left out, aliases split on “;”."""
    meta: dict[str, Any] = {key: value.strip() for key, value in fields.items() if value and value.strip()}
    if "aliases" in meta:
        meta["aliases"] = [alias.strip() for alias in str(meta["aliases"]).split(";") if alias.strip()]
    return meta


def replacement_meta(document: Document, given: dict[str, Any]) -> dict[str, Any]:
    """Metadata for a new version of ``document``: what an admin gave before is kept unless given anew;
    what was read from the old file's header is read again from the new one.
    """
    kept = {} if document.meta.get("suggested", True) else {key: document.meta.get(key) for key in _META_KEYS}
    meta: dict[str, Any] = {key: value for key, value in kept.items() if value}
    if kept and document.meta.get("aliases"):
        meta["aliases"] = list(document.meta["aliases"])
    meta.update(given)
    return meta
