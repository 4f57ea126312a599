"""The demo city's 2022 figures month by month, for tests of periods within the year.

Made from the annual figures of seed 003 (`xltools/data/city_2022.csv`) so that twelve months
accumulate back to them exactly: amounts are spread over the months by a seasonal profile (the
first half holds a little under half the year, land-use fees come late, rice is sown in winter
and summer), levels move in a straight line from last year's end to this year's, rates and
weighted means are worked out from their parts as a monthly report would give them. Seasonal
amounts also give last year's whole-year result, so they are judged on last year's pace; a few
key targets carry a full-year estimate from June (and VON_DTPT, below its plan, from July).
"""

from __future__ import annotations

from xltools.catalog import Catalog, Indicator
from xltools.demo import CITY, CITY_INFO, YEAR, _split, city_figures
from xltools.submission import Figure, Submission
from xltools.writer import build_workbook, save_workbook, write_figures

FLAT = [7, 7, 8, 8, 8.5, 8.5, 8.5, 8.5, 8.5, 9, 9, 10]  # the first half: 47% of the year
LAST_YEAR = [6, 6, 7, 8, 8.5, 8.5, 9, 9, 9, 9.5, 9.5, 10]  # last year started slower: 44%
SEASONS = {
    "THU_TIEN_SDD": ([4, 4, 6, 6, 8, 10, 8, 8, 10, 10, 12, 14], [3, 3, 5, 6, 7, 8, 8, 9, 10, 11, 14, 16]),
    "LUA_DT": ([30, 25, 0, 0, 0, 15, 30, 0, 0, 0, 0, 0], [28, 27, 0, 0, 0, 14, 31, 0, 0, 0, 0, 0]),
    "LUA_SL": ([0, 0, 0, 0, 25, 30, 0, 0, 20, 25, 0, 0], [0, 0, 0, 0, 20, 33, 0, 0, 22, 25, 0, 0]),
    "RAU_DT": ([10, 10, 10, 5, 5, 5, 5, 10, 10, 10, 10, 10], [9, 10, 10, 5, 5, 5, 6, 10, 10, 10, 10, 10]),
    "RAU_SL": ([8, 8, 10, 10, 8, 6, 6, 8, 8, 10, 10, 8], [7, 8, 9, 10, 8, 7, 6, 8, 9, 10, 10, 8]),
}
# Code -> the first month that gives a full-year estimate (the year's actual): all above plan but VON_DTPT.
ESTIMATED = {"THU_NS": 6, "THU_THUE_PHI": 6, "THU_TIEN_SDD": 6, "DN_HTX_MOI": 6, "DN_MOI": 6, "THAM_NHUA_M2": 6,
             "VON_DTPT": 7}


def _profiles(ind: Indicator, catalog: Catalog) -> tuple[list[float], list[float]]:
    """Return this year's and last year's monthly profile: a part or total shares its family's season."""
    family = {ind.code, ind.parent, *(c.code for c in catalog.children(ind.code))}
    return next((SEASONS[code] for code in family if code in SEASONS), (FLAT, LAST_YEAR))


def _depth(catalog: Catalog, ind: Indicator) -> int:
    return 1 + _depth(catalog, catalog[ind.parent]) if ind.parent else 0


def monthly_figures(catalog: Catalog) -> list[dict[str, dict[str, float | None]]]:
    """Return, for each month 1…12, code -> field -> figure of the city."""
    year = city_figures()
    months: list[dict[str, dict]] = [{} for _ in range(12)]

    def put(code: str, name: str, values: list) -> None:
        for month, value in zip(months, values):
            month.setdefault(code, {})[name] = value

    ratios = {ind.numerator: ind for ind in catalog if ind.rule == "ratio"}
    order = sorted(catalog, key=lambda ind: (ind.rule in ("ratio", "weighted"), ind.code in ratios,
                                             -_depth(catalog, ind)))
    for ind in order:
        figures = year[ind.code]
        for name in ("plan", "next_plan"):
            put(ind.code, name, [figures[name]] * 12)
        children = catalog.children(ind.code)
        for name, profile in zip(("actual", "last_year"), _profiles(ind, catalog)):
            total = figures[name]
            if children and ind.accumulates in ("sum", "last"):
                values = [_sum([months[m][c.code][name] for c in children], ind.decimals) for m in range(12)]
            elif ind.accumulates == "sum":
                caps = None
                if ind.code in ratios:  # a numerator never exceeds its denominator, month by month
                    caps = [months[m][ratios[ind.code].denominator][name] for m in range(12)]
                values = _split(total, profile, ind.decimals, caps)
            elif ind.accumulates == "last":
                values = _level(ind, figures, name)
            elif ind.rule == "ratio":
                values = [_rate(months[m][ind.numerator][name], months[m][ind.denominator][name], ind) for m in range(12)]
            else:  # a weighted mean: the year's mean in every month that has some of its weight
                values = [total if months[m][ind.weight][name] else None for m in range(12)]
            put(ind.code, name, values)
        put(ind.code, "last_year_full", [figures["last_year"] if ind.code in _seasonal(catalog) else None] * 12)
        first = ESTIMATED.get(ind.code)
        put(ind.code, "year_estimate", [figures["actual"] if first and m + 1 >= first else None for m in range(12)])
    return months


def _seasonal(catalog: Catalog) -> set[str]:
    return {ind.code for ind in catalog if _profiles(ind, catalog)[0] is not FLAT}


def _level(ind: Indicator, figures: dict, name: str) -> list[float | None]:
    """Return a level month by month: a straight line from the start of its year (last year's end for `actual`,
    as far again below for `last_year`) to the year's figure, never under the catalog's minimum."""
    actual, last_year = figures["actual"], figures["last_year"]
    if actual is None or last_year is None:
        return [figures[name]] * 12
    end, start = (actual, last_year) if name == "actual" else (last_year, 2 * last_year - actual)
    low = ind.min if ind.min is not None else -float("inf")
    return [max(round(start + (end - start) * month / 12, ind.decimals), low) for month in range(1, 13)]


def _sum(values: list, decimals: int):
    return None if any(v is None for v in values) else round(sum(values), decimals)


def _rate(top, bottom, ind: Indicator):
    return round(top / bottom * ind.ratio_scale, ind.decimals) if top is not None and bottom else None


def monthly_submissions(catalog: Catalog) -> list[Submission]:
    """Return the city's twelve monthly Submissions of 2022 (estimates, `Tháng 1` … `Tháng 12`)."""
    out = []
    for number, values in enumerate(monthly_figures(catalog), start=1):
        sub = Submission(unit_code=CITY[0], unit_name=CITY[1], period_label=f"Tháng {number}", year=YEAR,
                         status="Ước thực hiện", level="Thành phố", info=dict(CITY_INFO))
        for row, ind in enumerate(catalog, start=5):
            sub.figures[ind.code] = Figure(ind.code, row, name=ind.name, unit=ind.unit, **values[ind.code])
        out.append(sub)
    return out


def write_city(path, catalog: Catalog, sub: Submission, narratives: dict[str, str] | None = None):
    """Write `sub` (a city Submission of any period) as the city's workbook at `path`; return the path."""
    book = build_workbook(catalog, unit_code=sub.unit_code, unit_name=sub.unit_name, year=sub.year,
                          period=sub.period_label, city=True, info=sub.info)
    write_figures(book, sub.input_values(), narratives)
    save_workbook(book, path, force=True)
    return path
