"""No place named and the plans differ (or several places named): one line per plan, plans with the same wording
together, and a note for a named plan that is silent."""

from __future__ import annotations

from core.vietnamese import fold
from retrieval.answers import Answer
from retrieval.compose import citation, has_date, place_label
from retrieval.decline import MIN_SUPPORT
from retrieval.grouping import same_wording
from retrieval.kinds.context import MAX_SOURCES, Context
from retrieval.kinds.plan_choice import answering_plans, best_of_each_plan, searched_one_by_one
from retrieval.passage_view import names_number, typed_share
from retrieval.ranking import Candidate

MAX_BLOCKS = 5  # plans answered separately when no locality is named
PLAN_SCORE = 0.75  # a plan gets its own line when its best passage scores this close to the best plan's …
PLAN_SUPPORT = 0.7  # … and covers the question (words and compounds) nearly as well
DIFFER_SCORE = 0.85  # plans differ when two of them answer this close to the best


def applies(ctx: Context) -> bool:
    """Several plans named, or none named while several answer (the plan model decides; without one, a hand rule)."""
    question = ctx.question
    if not ctx.candidates:
        return False
    if len(question.docs) > 1:
        return True
    if question.docs:
        return False
    if question.query.asks_which_plans:
        return True
    if ctx.ranker.plan_model.built:
        return len(_answering(ctx)) >= 2
    return _plans_differ(ctx)


def _answering(ctx: Context) -> list[Candidate]:
    if ctx.plans_answering is None:
        ctx.plans_answering = answering_plans(ctx, ctx.ranker.plan_model)
    return ctx.plans_answering


def _best_by_plan(ctx: Context) -> dict[str, Candidate]:
    return best_of_each_plan(ctx, ctx.candidates, key=lambda c: c.rank)


def _best_by_plan_searched(ctx: Context) -> dict[str, Candidate]:
    """Each plan searched on its own, its passage holding most of the question's terms."""
    return best_of_each_plan(ctx, searched_one_by_one(ctx), key=lambda c: (c.rare_compounds, c.rank))


def _plans_differ(ctx: Context) -> bool:
    best = _best_by_plan(ctx)
    if len(best) < 2:
        return False
    top = ctx.candidates[0].score
    strong = [c for c in best.values() if c.support >= MIN_SUPPORT and c.score >= DIFFER_SCORE * top]
    return len(strong) >= 2


def compose(ctx: Context) -> Answer:
    """Each answering plan's line with its citation."""
    chosen = _chosen(ctx)
    if not chosen:
        return ctx.declined(ctx.question.docs)
    if ctx.question.query.wants_date:  # a "when" line that states no date answers nothing
        chosen = [c for c in chosen if has_date(fold(ctx.lead_and_quote(ctx.entry(c), cut=False)[0]))]
        if not chosen:
            return ctx.declined(ctx.question.docs)
    chosen = sorted(chosen, key=lambda c: -c.score)[:MAX_BLOCKS]
    text = _lines(ctx, chosen)
    sources = [ctx.source(c) for c in chosen]
    sources += [ctx.source(c) for c in ctx.candidates if c not in chosen][: max(0, MAX_SOURCES - len(sources))]
    localities = [ctx.entry(c).meta.locality for c in chosen]
    text = ctx.generated([ctx.entry(c) for c in chosen], text)
    return Answer(ctx.question.raw, text, True, sources, localities)


def _chosen(ctx: Context) -> list[Candidate]:
    """The plans that get a line: for "which plans say X" every plan holding X however it ranks; for a question
    naming no plan those the plan model picks; for several plans named those that answer nearly as well as the best."""
    if ctx.question.query.asks_which_plans and ctx.question.query.numbers:
        return _citing(ctx)
    if ctx.question.query.asks_which_plans:
        searched = _best_by_plan_searched(ctx)
        held = max((c.rare_compounds for c in searched.values()), default=0.0)
        return [c for c in searched.values() if c.rare_compounds >= PLAN_SUPPORT * held and ctx.answers(c)]
    if not ctx.question.docs and ctx.ranker.plan_model.built:
        return _answering(ctx)
    best = _best_by_plan(ctx)
    top = max(best.values(), key=lambda c: c.score)
    return [
        c
        for c in best.values()
        if c.score >= PLAN_SCORE * top.score
        and c.support >= PLAN_SUPPORT * top.support
        and c.rare_compounds >= PLAN_SUPPORT * top.rare_compounds
        and ctx.answers(c)
    ]


def _citing(ctx: Context) -> list[Candidate]:
    """ "Which plans carry out Quyết định 923": each plan whose passage names every number asked, its best such."""
    numbers = ctx.question.query.numbers
    holding = [
        c for c in searched_one_by_one(ctx) if all(names_number(ctx.library.details(c.row).words, n) for n in numbers)
    ]
    return list(best_of_each_plan(ctx, holding, key=lambda c: c.rank).values())


def _lines(ctx: Context, chosen: list[Candidate]) -> str:
    quoted = []
    for c in chosen:
        entry = ctx.entry(c)
        lead, quote = ctx.lead_and_quote(entry, cut=False)  # one plan's whole line: its answer must not be cut
        said = f"{lead}\n{quote}".strip() if ctx.question.query.wants_list else lead
        quoted.append((entry.meta, entry.passage, said))
    blocks = []
    for group in same_wording(quoted):
        places = ", ".join(place_label(meta) for meta, _, _ in group)
        cites = "\n".join(citation(meta, passage, ctx.link_base) for meta, passage, _ in group)
        said = max(group, key=lambda g: typed_share(g[1]))[2]  # a plan typed as text reads better than an OCR repair
        blocks.append(f"• {places}: {said}\n{cites}")
    answered = {ctx.entry(c).passage.document for c in chosen}
    metas = ctx.library.metas
    blocks += [f"{metas[d].citation} không nêu nội dung này." for d in ctx.question.docs if d not in answered]
    intro = f"Nội dung này có trong {len(chosen)} kế hoạch:" if len(chosen) > 1 else ""
    return "\n\n".join(([intro] if intro else []) + blocks)
