"""What the queue's URL holds (tab, filters, sort, page), turned into the core filters and back into links."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.models import InitiativeState
from core.review import InitiativeFilters, SortKey, iso_day

PAGE_SIZE = 20

SORT_LABELS: dict[SortKey, str] = {
    SortKey.CREATED_DESC: "Mới gửi trước",
    SortKey.CREATED_ASC: "Gửi sớm trước",
    SortKey.UPDATED_DESC: "Mới cập nhật trước",
    SortKey.TITLE_ASC: "Tên A → Z",
    SortKey.STATE_ASC: "Theo trạng thái",
    SortKey.CODE_DESC: "Mã giảm dần",
}


class QueueQuery(BaseModel):
    """The queue's query string; empty fields (as a GET form sends them) count as not given."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    state: InitiativeState | None = None
    mine: bool = False
    field: str | None = Field(None, max_length=200)
    locality: str | None = Field(None, max_length=200)
    assignee: int | None = Field(None, ge=0, le=2**31 - 1, description="0: assigned to nobody.")
    date_from: date | None = None
    date_to: date | None = None
    q: str | None = Field(None, max_length=200)
    sort: SortKey = SortKey.CREATED_DESC
    page: int = Field(1, ge=1, le=100_000)

    @model_validator(mode="before")
    @classmethod
    def _blank_is_missing(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value not in ("", None)}
        return data

    @field_validator("date_from", "date_to", mode="before")
    @classmethod
    def _iso_day(cls, value: object) -> object:
        return iso_day(value)

    def filters(self, *, viewer_id: int) -> InitiativeFilters:
        """The core filters this view stands for."""
        assignee = viewer_id if self.mine else self.assignee
        return InitiativeFilters(
            state=[self.state] if self.state else [],
            field=self.field,
            locality=self.locality,
            assigned_reviewer_id=assignee or None,
            unassigned=assignee == 0,
            date_from=self.date_from,
            date_to=self.date_to,
            q=self.q,
        )

    def params(self, **changes: Any) -> dict[str, str]:
        """The query parameters of this view with ``changes``, defaults left out (so links stay short)."""
        values = self.model_dump() | changes
        out: dict[str, str] = {}
        for key, value in values.items():
            default = type(self).model_fields[key].default
            if value is None or value == default or value is False:
                continue
            out[key] = "1" if value is True else str(value.value if hasattr(value, "value") else value)
        return out

    def url(self, path: str = "/admin", **changes: Any) -> str:
        """A link to this view with ``changes`` (a changed filter goes back to page 1 unless a page is given)."""
        if "page" not in changes:
            changes["page"] = 1
        query = urlencode(self.params(**changes))
        return f"{path}?{query}" if query else path
