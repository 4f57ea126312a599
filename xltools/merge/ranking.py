"""Ranking the units: on each ranked indicator, by % of plan, or by the figure when there is no plan.

One Ranking is worked out by the merge, shown in the `Xếp hạng` sheet, read back from that
sheet by `read_ranking`, and quoted by the city report ("Dẫn đầu là ...; thấp nhất là ...").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..catalog import Catalog, Indicator
from ..evaluate import finite, pct_of_plan
from ..grid import cell_text
from ..layout import INPUT_FIELDS
from ..tables import Table

__all__ = ["Ranking", "RankedIndicator", "ranked_indicators", "rank_units", "ranking_table", "read_ranking"]

_BY_PLAN, _BY_FIGURE = "% KH", "Thực hiện"


@dataclass
class RankedIndicator:
    """The units' standing on one indicator: figure, % of plan and rank (1 is best) per unit."""

    indicator: Indicator
    actual: list[float | None]
    pct: list[float | None]
    rank: list[int | None]
    by_plan: bool  # ranked by % of plan; else by the figure

    def scores(self) -> list[float | None]:
        return self.pct if self.by_plan else self.actual


@dataclass
class Ranking:
    """The ranked indicators and the units they rank, (code, name) in the order of the figures."""

    units: list[tuple[str, str]]
    indicators: list[RankedIndicator]

    def get(self, code: str) -> RankedIndicator | None:
        return next((r for r in self.indicators if r.indicator.code == code), None)


def ranked_indicators(catalog: Catalog) -> list[Indicator]:
    """Return the indicators units are ranked on: those marked `rank`, else the ward-entered key targets."""
    marked = [ind for ind in catalog if ind.rank and ind.ward_entered]
    return marked or [ind for ind in catalog.key_targets if ind.ward_entered]


def _ranks(scores: list[float | None], best_high: bool) -> list[int | None]:
    """Return competition ranks (1, 2, 2, 4) of `scores`; None where there is no score."""
    given = sorted((s for s in scores if s is not None), reverse=best_high)
    first = {}
    for place, score in enumerate(given, start=1):
        first.setdefault(score, place)
    return [first[s] if s is not None else None for s in scores]


def _ranked(ind: Indicator, actual: list[float | None], pct: list[float | None]) -> RankedIndicator:
    # A ranking on % of plan needs at least two units with a plan; else the figures are compared.
    by_plan = sum(p is not None for p in pct) >= 2
    if by_plan:
        rank = _ranks(pct, ind.direction != "lower")
    else:
        rank = _ranks(actual, ind.direction == "higher")
    return RankedIndicator(ind, actual, pct, rank, by_plan)


def rank_units(catalog: Catalog, units: list[tuple[str, str]], values: np.ndarray) -> Ranking:
    """Return the Ranking of `units` whose figures are `values` (unit, indicator, field), in catalog order."""
    index = {ind.code: i for i, ind in enumerate(catalog)}
    field = {name: INPUT_FIELDS.index(name) for name in ("plan", "last_year", "actual")}
    out = []
    for ind in ranked_indicators(catalog):
        i = index[ind.code]
        plan, last_year, actual = (values[:, i, field[n]] for n in ("plan", "last_year", "actual"))
        actuals = [finite(a) for a in actual]
        pct = [_rounded(pct_of_plan(ind, p, ly, a)[0]) for p, ly, a in zip(plan, last_year, actuals)]
        out.append(_ranked(ind, actuals, pct))
    return Ranking(list(units), out)


def _rounded(value) -> float | None:
    return round(value, 2) if value is not None else None


def ranking_table(ranking: Ranking, title: str) -> Table:
    """Return the `Xếp hạng` table: a unit per row; figure, % KH and rank per ranked indicator."""
    top, sub = ["Mã đơn vị", "Tên đơn vị"], ["", ""]
    columns: list[list] = []
    for ranked in ranking.indicators:
        ind = ranked.indicator
        columns += [ranked.actual, ranked.pct, ranked.rank]
        top += [_title(ind), "", ""]
        sub += [_BY_FIGURE, _BY_PLAN, f"Hạng (theo {_BY_PLAN if ranked.by_plan else _BY_FIGURE})"]
    rows = [[code, name, *(column[r] for column in columns)] for r, (code, name) in enumerate(ranking.units)]
    if not ranking.indicators:
        rows = [["", "Danh mục chưa đánh dấu chỉ tiêu nào để xếp hạng (cột «Nêu phường dẫn đầu»)."]]
    return Table(f"XẾP HẠNG CÁC ĐƠN VỊ THEO CHỈ TIÊU — {title}", [top, sub], rows,
                 widths={1: 16, 2: 30, **{c: 14 for c in range(3, 3 + len(columns))}}, frozen_columns=2)


def _title(ind: Indicator) -> str:
    return f"{ind.name} ({ind.unit})"


def read_ranking(rows: list[list], catalog: Catalog) -> Ranking:
    """Return the Ranking shown in a `Xếp hạng` sheet (`rows` from A1), as `ranking_table` lays it out."""
    titles = {_title(ind): ind for ind in catalog}
    for r, row in enumerate(rows[:10]):
        if not row or cell_text(row[0]) != "Mã đơn vị":
            continue
        body = [line for line in rows[r + 2:] if line and cell_text(line[0])]
        units = [(cell_text(line[0]), cell_text(line[1]) if len(line) > 1 else "") for line in body]
        column = lambda line, c: finite(line[c]) if c < len(line) else None
        ranked = []
        for c, cell in enumerate(row):
            ind = titles.get(cell_text(cell))
            if ind is None:
                continue
            actual = [column(line, c) for line in body]
            pct = [column(line, c + 1) for line in body]
            by = cell_text(rows[r + 1][c + 2]) if r + 1 < len(rows) and c + 2 < len(rows[r + 1]) else ""
            ranks = [int(v) if (v := column(line, c + 2)) is not None else None for line in body]
            ranked.append(RankedIndicator(ind, actual, pct, ranks, by_plan=_BY_PLAN in by))
        return Ranking(units, ranked)
    return Ranking([], [])
