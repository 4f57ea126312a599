"""Accumulate: a longer period's figures from the submissions of the months (or periods) that make it up.

Each indicator accumulates as the catalog says (`Indicator.accumulates`, DHIS2's aggregation
type): an amount adds up over the months, a level takes the figure of the latest month ("tính
đến"), a rate or a weighted mean is worked out again from its accumulated parts, never summed
or averaged. Figures that describe the year rather than the months (the plan, next year's plan,
the full-year estimate, last year's whole-year result) are the latest month's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from .catalog import Catalog, Indicator
from .errors import BadArguments
from .evaluate import finite
from .layout import STATUSES
from .submission import Figure, Period, Submission

__all__ = ["accumulate", "PERIOD_FIELDS", "YEAR_FIELDS"]

# Figures of the period itself, which accumulate; and figures of the whole year, which the latest part gives.
PERIOD_FIELDS = ("actual", "last_year")
YEAR_FIELDS = ("plan", "next_plan", "year_estimate", "last_year_full")


def accumulate(parts: Iterable[Submission], catalog: Catalog, period: Period | str) -> Submission:
    """Return the Submission of `period` whose figures accumulate those of `parts` by the catalog's rules.

    `parts` are Submissions of one unit and one year whose periods do not overlap and together
    cover `period` exactly: `Tháng 1` … `Tháng 10` make `10 tháng`, and so do `9 tháng` and
    `Tháng 10`. The result has the unit, year and details of the latest part, the status
    `Thực hiện` only when every part has it, and no narrative. Raise BadArguments (in
    Vietnamese) when the parts are of several units or years, overlap, or leave months out.
    """
    period = Period.parse(period) if isinstance(period, str) else period
    ordered = _check(list(parts), period)
    latest = ordered[-1]
    final = all(not part.is_estimate for part in ordered)
    out = Submission(unit_code=latest.unit_code, unit_name=latest.unit_name, period_label=period.label,
                     year=latest.year, version=latest.version, level=latest.level, info=dict(latest.info),
                     status=STATUSES[1] if final else STATUSES[0])
    values: dict[str, dict[str, float | None]] = {}

    def figures(ind: Indicator) -> dict[str, float | None]:
        if ind.code not in values:
            values[ind.code] = _accumulated(ind, ordered, catalog, figures)
        return values[ind.code]

    for ind in catalog:
        given = [part.figure(ind.code) for part in ordered if part.figure(ind.code) is not None]
        if given:
            named = given[-1]
            out.figures[ind.code] = Figure(code=ind.code, row=named.row, name=named.name, unit=named.unit,
                                           **figures(ind))
        elif ind.rule == "ratio" and ind.accumulates == "recompute":
            # a rate the parts did not state is still known from its accumulated numerator and denominator
            values = figures(ind)
            if any(value is not None for value in values.values()):
                out.figures[ind.code] = Figure(code=ind.code, row=0, name=ind.name, unit=ind.unit, **values)
    return out


def _check(parts: list[Submission], period: Period) -> list[Submission]:
    """Return `parts` in the order of their months, or raise BadArguments saying why they do not make `period`."""
    if not parts:
        raise BadArguments(f"không có số liệu kỳ nào để cộng dồn thành {period.text()}.")
    units = {part.unit_code.strip().upper() for part in parts}
    years = {part.year for part in parts}
    if len(units) > 1 or len(years) > 1:
        what = f"các đơn vị {', '.join(sorted(units))}" if len(units) > 1 else f"các năm {', '.join(map(str, years))}"
        raise BadArguments(f"không cộng dồn được số liệu của {what}: chỉ cộng các kỳ của một đơn vị trong một năm.")
    unknown = [part.period_label or "(không ghi)" for part in parts if part.period is None]
    if unknown:
        raise BadArguments(f"kỳ báo cáo «{'», «'.join(unknown)}» không hợp lệ nên không cộng dồn được.")
    seen: dict[int, str] = {}
    for part in parts:
        for month in part.period.months:
            if month in seen:
                raise BadArguments(f"tháng {month} có trong cả kỳ «{seen[month]}» và kỳ «{part.period.label}»; "
                                   "mỗi tháng chỉ được tính một lần.")
            seen[month] = part.period.label
    outside = sorted(set(seen) - set(period.months))
    missing = [month for month in period.months if month not in seen]
    if outside or missing:
        said = [f"thiếu số liệu tháng {', '.join(map(str, missing))}"] if missing else []
        said += [f"có số liệu tháng {', '.join(map(str, outside))} nằm ngoài kỳ"] if outside else []
        raise BadArguments(f"không cộng dồn được {period.text()}: {'; '.join(said)}.")
    return sorted(parts, key=lambda part: part.period.last_month)


def _accumulated(ind: Indicator, parts: list[Submission], catalog: Catalog, figures) -> dict[str, float | None]:
    """Return field -> value of `ind` over `parts` (`figures(other)` gives another indicator's accumulated values)."""
    given = [part.figure(ind.code) for part in parts]
    out = {name: _latest(given, name) for name in YEAR_FIELDS}
    how = ind.accumulates
    for name in PERIOD_FIELDS:
        if how == "sum":
            out[name] = _sum(given, name)
        elif how == "last":
            out[name] = _latest(given, name)
        elif ind.rule == "ratio":
            top, bottom = figures(catalog[ind.numerator])[name], figures(catalog[ind.denominator])[name]
            out[name] = _clean(top / bottom * ind.ratio_scale) if top is not None and bottom else None
        else:  # a weighted mean: each part weighs with the weight indicator's figure of the same part
            weights = [part.figure(ind.weight) for part in parts]
            pairs = [(finite(f.value(name)), finite(w.value(name))) for f, w in zip(given, weights)
                     if f is not None and w is not None]
            pairs = [(v, w) for v, w in pairs if v is not None and w is not None]
            total = math.fsum(w for _, w in pairs)
            out[name] = _clean(math.fsum(v * w for v, w in pairs) / total) if pairs and total else None
    return out


def _latest(given: list[Figure | None], name: str) -> float | None:
    return next((value for figure in reversed(given) if figure is not None
                 and (value := finite(figure.value(name))) is not None), None)


def _sum(given: list[Figure | None], name: str) -> float | None:
    """Return the sum over every part; None when a part lacks the figure, since a sum of some months would understate."""
    numbers = [finite(figure.value(name)) if figure is not None else None for figure in given]
    return _clean(math.fsum(numbers)) if numbers and None not in numbers else None


def _clean(value: float) -> float | None:
    """Return `value` without binary noise (0,1 + 0,2 is 0,3), None if not finite."""
    return round(value, 9) if math.isfinite(value) else None
