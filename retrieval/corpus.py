"""A generated country-wide corpus for `thidua bench --plans N`: one national plan, the 34 provinces' plans, their
departments' plans and communes' and wards' plans, each derived from the bundled plan of its level with its own
names, numbers, dates and targets, each citing the plan above it as the real ones do; and questions with answers.

The plans' passages keep the structure and most wording of the bundled ones (their dense vectors are reused from the
bundled passages: see ``bench``); what tells them apart is what a question about one place hinges on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise, product

from core.vietnamese import fold
from knowledge.card import read_card
from knowledge.passages import Passage, PlanMeta
from knowledge.place_names import DEPARTMENTS, FIRST_SYLLABLES, PROVINCES, SECOND_SYLLABLES

SEED = 13
DEPARTMENT_EVERY = 25  # one department plan for every 24 commune or ward plans
WARD_SHARE = 0.3  # share of the local plans that are wards' (the rest communes')
NATIONAL = PlanMeta(
    document="gen_0000_trung_uong.txt",
    title="Kế hoạch triển khai Phong trào thi đua “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số” trên phạm vi "
    "toàn quốc giai đoạn 2025-2030",
    issuer="Hội đồng Thi đua – Khen thưởng Trung ương",
    level="trung ương",
    locality="toàn quốc",
    number="15/KH-HĐTĐKTTW",
    date="2025-06-20",
    aliases=("Trung ương", "Hội đồng Thi đua – Khen thưởng Trung ương"),
)
# The bundled plans' places, as their texts name them: (locality, its province as written in the text).
_TEMPLATE_PROVINCE = {
    "phường Hoàng Mai": "Hà Nội",
    "xã Trùng Khánh": "Cao Bằng",
    "thành phố Hà Nội": "Hà Nội",
    "Sở Y tế Hà Nội": "Hà Nội",
    "phường Thanh Bình": "Hải Dương",
}
_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})(?=/20\d\d|(?![\d/]))")
_SPOKEN_DATE = re.compile(r"\b(\d{1,2})( tháng | thang )(\d{1,2})\b")
_PERCENT = re.compile(r"(?<![\d,.])(\d{2})(\s?%| phần trăm| phan tram)")


@dataclass(frozen=True)
class Generated:
    """A generated plan: its metadata, passages, the bundled plan it comes from and how its text was renamed."""

    meta: PlanMeta
    passages: list[Passage]
    template: PlanMeta
    rename: Callable[[str], str]
    origin: dict[str, str]  # each passage's text → the bundled passage's it was made from


def commune_names(avoid: Iterable[str] = ()) -> list[str]:
    """Two-syllable place names in a fixed shuffled order, none equal to a word pair in ``avoid`` (folded)."""
    avoided = {fold(a).lower() for a in avoid}
    names = [f"{a} {b}" for a, b in product(FIRST_SYLLABLES, SECOND_SYLLABLES) if fold(a) != fold(b)]
    names = [n for n in names if fold(n).lower() not in avoided]
    random.Random(SEED).shuffle(names)
    return names


def _shift_date(match: re.Match[str], days: int) -> str:
    day, month = int(match.group(1)), int(match.group(2))
    if not (1 <= day <= 31 and 1 <= month <= 12):
        return match.group(0)
    return f"{min(28, max(1, day + days)) if day <= 28 else day}/{month}"


def _shift_spoken(match: re.Match[str], days: int) -> str:
    day, month = int(match.group(1)), int(match.group(3))
    if not (1 <= day <= 28 and 1 <= month <= 12):
        return match.group(0)
    return f"{min(28, max(1, day + days))}{match.group(2)}{month}"


def _shift_percent(match: re.Match[str], points: int) -> str:
    value = int(match.group(1))
    return f"{min(99, max(10, value + points))}{match.group(2)}"


def renamer(pairs: Sequence[tuple[str, str]], days: int, points: int) -> Callable[[str], str]:
    """Replace names (longest first; matched in any case, with or without diacritics, and written back in the
    matched text's style), shift dates and targets."""
    table: dict[str, str] = {}
    for old, new in sorted(((a, b) for a, b in pairs if a), key=lambda p: len(p[0]), reverse=True):
        table.setdefault(fold(old), new)
    alternatives = "|".join(re.escape(key) for key in sorted(table, key=len, reverse=True))
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)") if table else None

    def rename(text: str) -> str:
        folded = fold(text)
        if pattern is not None and len(folded) == len(text):  # one folded character per character: positions agree
            pieces, last = [], 0
            for match in pattern.finditer(folded):
                pieces += [
                    text[last : match.start()],
                    _styled(table[match.group(0)], text[match.start() : match.end()]),
                ]
                last = match.end()
            text = "".join([*pieces, text[last:]])
        text = _DATE.sub(lambda m: _shift_date(m, days), text)
        text = _SPOKEN_DATE.sub(lambda m: _shift_spoken(m, days), text)
        return _PERCENT.sub(lambda m: _shift_percent(m, points), text)

    return rename


def _styled(new: str, seen: str) -> str:
    """``new`` written as ``seen`` was: without diacritics, in lower case, or as given."""
    if seen == fold(seen):
        return fold(new)
    return new.lower() if seen == seen.lower() else new


@dataclass(frozen=True)
class _Place:
    meta: PlanMeta
    province: tuple[str, str]  # (level, name)
    template_level: str  # the bundled plan's level it is derived from


def places(count: int, avoid: Iterable[str] = ()) -> list[_Place]:
    """``count`` plans' places, top down: the nation, the provinces, then departments among communes and wards."""
    rng = random.Random(SEED)
    out = [_Place(NATIONAL, ("", ""), "thành phố")]
    for i, (level, name) in enumerate(PROVINCES):
        meta = PlanMeta(
            document=f"gen_{len(out):04d}_{fold(name).lower().replace(' ', '_')}.txt",
            title="",
            issuer=f"UBND {level} {name}",
            level=level,
            locality=f"{level} {name}",
            number=f"{120 + i * 7}/KH-UBND",
            date=f"2025-07-{1 + i % 27:02d}",
            aliases=(name, f"UBND {level} {name}", *((f"TP {name}",) if level == "thành phố" else ())),
        )
        out.append(_Place(meta, (level, name), "thành phố"))
    names = iter(commune_names([*avoid, *(name for _, name in PROVINCES)]))
    serial = 0
    while len(out) < count:
        province = PROVINCES[serial % len(PROVINCES)]
        if serial % DEPARTMENT_EVERY == 0:
            department, short = DEPARTMENTS[(serial // DEPARTMENT_EVERY // len(PROVINCES)) % len(DEPARTMENTS)]
            name, level, template = f"{department} {province[1]}", "sở", "sở"
            aliases: tuple[str, ...] = (f"{short} {province[1]}",)
            issuer = name
        else:
            bare = next(names)
            level = "phường" if rng.random() < WARD_SHARE else "xã"
            name, template = f"{level} {bare}", level
            short = ("P. " if level == "phường" else "X. ") + bare
            aliases, issuer = (bare, short, f"{name}, {province[0]} {province[1]}"), f"UBND {level} {bare}"
        meta = PlanMeta(
            document=f"gen_{len(out):04d}_{fold(name).lower().replace(' ', '_').replace(',', '')}.txt",
            title="",
            issuer=issuer,
            level=level,
            locality=name,
            number=f"{10 + rng.randrange(400)}/KH-{'UBND' if level != 'sở' else 'S' + str(serial % 97)}",
            date=f"2025-{8 + rng.randrange(4):02d}-{1 + rng.randrange(28):02d}",
            aliases=aliases,
        )
        out.append(_Place(meta, province, template))
        serial += 1
    return out[:count]


def _parent(place: _Place, by_province: dict[str, PlanMeta]) -> PlanMeta | None:
    if place.meta is NATIONAL:
        return None
    if place.meta.level in {"tỉnh", "thành phố"}:
        return NATIONAL
    return by_province.get(place.province[1])


def _pairs(
    template: PlanMeta,
    meta: PlanMeta,
    parent: PlanMeta | None,
    cited: Sequence[tuple[str, str]],
    province: tuple[str, str],
) -> list[tuple[str, str]]:
    """What to replace in the bundled plan's text to make the generated one's."""
    old_province = _TEMPLATE_PROVINCE.get(template.locality, "")
    new_province = province[1] or "cả nước"
    pairs = [(template.locality, meta.locality), (template.issuer, meta.issuer), (template.number, meta.number)]
    pairs += [(template.title, meta.title)] if meta.title else []
    bare_new = _bare(meta, province)
    pairs += [(alias, _alias_target(alias, meta, bare_new)) for alias in template.aliases if old_province not in alias]
    pairs += [(template.locality.split(" ", 1)[-1] if template.level != "sở" else "Sở Y tế", bare_new)]
    if old_province:
        levels = ("thành phố", "Thành phố", "tỉnh", "Tỉnh", "TP")
        pairs += [(f"{word} {old_province}", f"{province[0]} {new_province}".strip()) for word in levels]
        pairs += [(old_province, new_province)]
    return pairs + (_citation_pairs(cited, parent) if parent is not None else [])


def _citation_pairs(cited: Sequence[tuple[str, str]], parent: PlanMeta) -> list[tuple[str, str]]:
    """The plan the bundled one cites becomes the generated one's parent: its number (also said bare, "kế hoạch
    190") and its issuer."""
    pairs = [(number, parent.number) for number, _ in cited]
    pairs += [(number.split("/")[0], parent.number.split("/")[0]) for number, _ in cited if "/" in number]
    return pairs + [(issuer, parent.issuer) for _, issuer in cited if issuer]


def _bare(meta: PlanMeta, province: tuple[str, str]) -> str:
    """A generated plan's place without its level word ("Tân Hòa"; "Sở Nội vụ" for a department)."""
    if meta is NATIONAL:
        return "toàn quốc"
    return meta.locality.split(" ", 1)[-1] if meta.level != "sở" else meta.locality.removesuffix(f" {province[1]}")


def _alias_target(alias: str, meta: PlanMeta, bare: str) -> str:
    """What a bundled plan's alias becomes: "UBND Thành phố" the new issuer, "Thành phố" the new level."""
    if alias.startswith("UBND"):
        return meta.issuer
    if alias == "Thành phố":
        return meta.level[:1].upper() + meta.level[1:] if meta is not NATIONAL else "Trung ương"
    return bare


def generate(
    bundled: Sequence[tuple[PlanMeta, list[Passage]]],
    count: int,
    questions: Iterable[str] = (),
    *,
    beside: bool = False,
) -> list[Generated]:
    """``count`` generated plans, each from the bundled plan of its level (wards in turn from the bundled wards).

    No place is named like a word pair of the bundled texts or of ``questions`` ("cho mình hỏi" is no "Minh Hội").
    ``beside``: the bundled plans are held too, so a province that has a bundled plan gets no generated one, and
    its communes cite the bundled plan.
    """
    by_level: dict[str, list[tuple[PlanMeta, list[Passage]]]] = {}
    for meta, passages in bundled:
        by_level.setdefault(meta.level, []).append((meta, passages))
    plan_places = places(count, _word_pairs([*(p.text for _, passages in bundled for p in passages), *questions]))
    held = {fold(meta.locality): meta for meta, _ in bundled} if beside else {}
    by_province = _provinces(plan_places, held)
    out = []
    for serial, place in enumerate(plan_places):
        if fold(place.meta.locality) not in held:
            pool = by_level.get(place.template_level) or next(iter(by_level.values()))
            out.append(_derive(place, pool[serial % len(pool)], _parent(place, by_province)))
    return out


def _provinces(plan_places: Sequence[_Place], held: dict[str, PlanMeta]) -> dict[str, PlanMeta]:
    """Each province's plan by name: the held one where there is one, else the generated one."""
    provinces = [p for p in plan_places if p.meta.level in {"tỉnh", "thành phố"}]
    return {p.province[1]: held.get(fold(p.meta.locality), p.meta) for p in provinces}


def _derive(place: _Place, template: tuple[PlanMeta, list[Passage]], parent: PlanMeta | None) -> Generated:
    """One generated plan: the bundled plan's passages renamed for ``place``, citing ``parent``."""
    template_meta, passages = template
    meta = place.meta if place.meta.title else replace(place.meta, title=_title(template_meta, place))
    cited = [(r.number, r.issuer) for r in read_card(template_meta, passages).implements]
    rng = random.Random(f"{SEED}:{meta.document}")
    rename = renamer(_pairs(template_meta, meta, parent, cited, place.province), rng.randint(-6, 6), rng.randint(-9, 9))
    new_passages = [
        replace(
            p, id=f"{meta.document}:{p.order}", document=meta.document, text=rename(p.text), original=rename(p.original)
        )
        for p in passages
    ]
    if parent is not None and not cited:
        new_passages[0] = replace(new_passages[0], text=_citing(parent) + new_passages[0].text)
    origin = {new.text: old.text for new, old in zip(new_passages, passages, strict=True)}
    return Generated(meta, new_passages, template_meta, rename, origin)


def _title(template: PlanMeta, place: _Place) -> str:
    where = place.meta.locality if place.meta.level != "sở" else f"của {place.meta.locality}"
    where = where if place.meta.level == "sở" else f"trên địa bàn {where}"
    return f"Kế hoạch triển khai Phong trào thi đua “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số” {where}"


def _citing(parent: PlanMeta) -> str:
    year, month, day = [*parent.date.split("-"), "1", "1"][:3]
    return (
        f"Thực hiện Kế hoạch số {parent.number} ngày {int(day)}/{int(month)}/{year} của {parent.issuer} về triển "
        "khai Phong trào thi đua “Cả nước thi đua đổi mới sáng tạo và chuyển đổi số”;\n"
    )


def _word_pairs(texts: Iterable[str]) -> set[str]:
    """Adjacent word pairs of the bundled texts (folded): a generated place must not be named like a phrase of them."""
    pairs: set[str] = set()
    for text in texts:
        words = re.findall(r"[0-9a-z]+", fold(text).lower())
        pairs.update(f"{a} {b}" for a, b in pairwise(words))
    return pairs
