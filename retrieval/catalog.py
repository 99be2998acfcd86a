"""Every plan held, as a hierarchy: each plan's level, its locality and the plan it implements (read from its
document card). Small enough to sit in every process: a few hundred bytes per plan, none of the plans' text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from core.vietnamese import fold
from knowledge.card import read_card
from knowledge.passages import Passage, PlanMeta
from retrieval.scoping import LocalityResolver

_CITED_NUMBER = re.compile(r"\b(\d{1,5}\s*/\s*kh\s*[-–]\s*[a-z]+)")


class Level(IntEnum):
    """How high a plan stands: a commune's plan implements its province's, which implements the national one."""

    NATIONAL = 0
    PROVINCE = 1  # a province or a centrally run city
    DEPARTMENT = 2  # a department (sở) or agency of a province
    COMMUNE = 3  # a commune, ward or township (and the districts older plans still name)


_LEVEL_WORDS = {
    "trung uong": Level.NATIONAL,
    "quoc gia": Level.NATIONAL,
    "chinh phu": Level.NATIONAL,
    "bo": Level.NATIONAL,
    "tinh": Level.PROVINCE,
    "thanh pho": Level.PROVINCE,
    "so": Level.DEPARTMENT,
    "nganh": Level.DEPARTMENT,
    "ban": Level.DEPARTMENT,
}


def level_of(meta: PlanMeta) -> Level:
    """The level a plan's metadata gives ("phường", "xã", "thị trấn" and anything unknown count as commune)."""
    return _LEVEL_WORDS.get(fold(meta.level).strip(), Level.COMMUNE)


def _key(text: str) -> str:
    return " ".join(re.findall(r"[0-9a-z]+", fold(text)))


def _number_key(number: str) -> str:
    return re.sub(r"[^0-9a-z]", "", fold(number))


@dataclass(frozen=True)
class PlanRecord:
    """What the catalog keeps of one plan."""

    meta: PlanMeta
    implements: tuple[tuple[str, str], ...] = ()  # (number, issuer) of each plan it carries out
    version: str = ""  # changes whenever the plan's passages change


def implemented_plans(meta: PlanMeta, passages: Sequence[Passage]) -> tuple[tuple[str, str], ...]:
    """The (number, issuer) pairs of the plans ``passages`` say they carry out, from the plan's document card."""
    return tuple((r.number, r.issuer) for r in read_card(meta, passages).implements)


class Catalog:
    """The plans by document, their parents and the names that find them."""

    def __init__(self, records: Iterable[PlanRecord] = ()) -> None:
        self.records = {r.meta.document: r for r in records}
        self.resolver = LocalityResolver(r.meta for r in self.records.values())
        by_number: dict[str, list[PlanRecord]] = {}
        for record in self.records.values():
            by_number.setdefault(_number_key(record.meta.number), []).append(record)
        self._by_number = by_number
        self.parent = {
            doc: parent
            for doc, record in self.records.items()
            if (parent := self._parent(record, by_number)) is not None and parent != doc
        }

    def numbered(self, text: str, most: int = 5) -> list[str]:
        """The plans whose number ``text`` cites ("Kế hoạch số 99/KH-UBND"), if no more than ``most`` share it."""
        found: list[str] = []
        for number in _CITED_NUMBER.findall(fold(text)):
            held = self._by_number.get(_number_key(number), [])
            found += [r.meta.document for r in held if r.meta.document not in found]
        return found if len(found) <= most else []

    def __len__(self) -> int:
        return len(self.records)

    @staticmethod
    def _parent(record: PlanRecord, by_number: dict[str, list[PlanRecord]]) -> str | None:
        """The plan ``record`` implements: the held plan with the cited number whose issuer the citation names."""
        for number, issuer in record.implements:
            held = [r for r in by_number.get(_number_key(number), []) if level_of(r.meta) < level_of(record.meta)]
            named = [r for r in held if _issued_by(r.meta, issuer)] if issuer else held
            if len(named) == 1 or (named and not issuer):
                return named[0].meta.document
        return None

    def ancestors(self, document: str) -> list[str]:
        """The plans above ``document``, nearest first."""
        chain: list[str] = []
        current = self.parent.get(document)
        while current is not None and current not in chain and current != document:
            chain.append(current)
            current = self.parent.get(current)
        return chain

    def scope(self, documents: Sequence[str]) -> list[str]:
        """The given plans and every plan above them: what a question about those places may need."""
        scoped: list[str] = []
        for doc in documents:
            for item in [doc, *self.ancestors(doc)]:
                if item in self.records and item not in scoped:
                    scoped.append(item)
        return scoped

    def top(self) -> list[str]:
        """The plans of the highest level held (the national plan, else the provinces' plans)."""
        if not self.records:
            return []
        highest = min(level_of(r.meta) for r in self.records.values())
        return sorted(d for d, r in self.records.items() if level_of(r.meta) == highest)

    def children(self, document: str) -> list[str]:
        """The plans that implement ``document``."""
        return sorted(d for d, p in self.parent.items() if p == document)


def _issued_by(meta: PlanMeta, issuer: str) -> bool:
    """Whether a citation's issuer ("UBND Thành phố", "UBND tỉnh Cao Bằng") names the plan's issuer or place."""
    cited = _key(issuer)
    names = [_key(n) for n in (meta.issuer, meta.locality, *meta.aliases) if n]
    return any(cited == name or cited in name or (name and name in cited) for name in names)
