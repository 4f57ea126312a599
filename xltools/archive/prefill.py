"""What the archive already knows of a report about to be typed: cùng kỳ, the year's plan, cumulative figures.

For a unit, period and year: "Thực hiện cùng kỳ năm trước" is the archived actual of the same
period a year earlier; "Kế hoạch năm" is the previous year's annual "Kế hoạch năm sau" (else
the plan of this year's latest report); a period the archive does not hold is pieced together
from shorter ones (`10 tháng` = `9 tháng` + `Tháng 10`, or ten months) by each indicator's
accumulation rule. Each value carries where it came from, for the cell's note and for check.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..accumulate import accumulate as combine
from ..catalog import Catalog
from ..layout import DATA_COLUMNS
from ..submission import ANNUAL, Period
from .history import Archived, latest_of
from .store import Archive

__all__ = ["Known", "known_figures", "accumulate", "cover"]

# Indicator.accumulates -> how the note says a figure was pieced together.
RULE_WORDS = {"sum": "cộng dồn", "last": "lấy số kỳ cuối trong", "recompute": "tính lại từ tử số và mẫu số của"}
NOTE = "Điền sẵn từ kho lưu trữ: {origin}."


@dataclass(frozen=True)
class Known:
    """A figure the archive gives, and where it came from (`origin`: words naming the report, file and date)."""

    value: float
    origin: str
    file: str

    @property
    def note(self) -> str:
        """Return the note of a cell filled with this value."""
        return NOTE.format(origin=self.origin)


def cover(available: dict[str, Archived], period: Period) -> list[Archived] | None:
    """Return the fewest archived submissions whose periods follow each other exactly over `period`'s months,
    in order; None when the archive cannot cover them."""
    pieces = [(p, a) for a in available.values() if (p := Period.find(a.period)) is not None
              and period.first_month <= p.first_month and p.last_month <= period.last_month]
    best: dict[int, list[Archived]] = {period.first_month: []}  # next month to cover -> pieces so far
    for month in range(period.first_month, period.last_month + 1):
        if month not in best:
            continue
        for p, a in pieces:
            if p.first_month == month:
                end = p.last_month + 1
                if end not in best or len(best[end]) > len(best[month]) + 1:
                    best[end] = best[month] + [a]
    return best.get(period.last_month + 1)


def accumulate(pieces: list[Archived], catalog: Catalog, period: Period, name: str = "actual") -> dict[str, float]:
    """Return code -> field `name` of `period` accumulated over `pieces` (which cover it, in order) by each
    indicator's accumulation rule in the catalog (xltools.accumulate, the one place that knows how)."""
    whole = combine([piece.submission() for piece in pieces], catalog, period)
    return {code: value for code, figure in whole.figures.items() if (value := figure.value(name)) is not None}


def known_figures(archive: Archive, catalog: Catalog, unit: str, period: str | Period, year: int) -> dict[str, dict[str, Known]]:
    """Return code -> field (`last_year`, `plan`, and `actual` of a cumulative period pieced together) -> Known,
    for `unit`'s report of `period` and `year`, from what `archive` holds."""
    period = period if isinstance(period, Period) else Period.parse(period)
    latest = latest_of(archive, unit, [year - 1, year])
    by_year = {y: {label: a for (label, yy), a in latest.items() if yy == y} for y in (year - 1, year)}
    out: dict[str, dict[str, Known]] = {}

    def put(name: str, pieces: list[Archived], values: dict[str, float], source: str) -> None:
        for code, value in values.items():
            if code in catalog.by_code and name not in out.get(code, {}):
                how = catalog[code].accumulates if len(pieces) > 1 else None
                out.setdefault(code, {})[name] = Known(value, _origin(pieces, source, how), pieces[-1].file)

    earlier = cover(by_year[year - 1], period)
    if earlier:
        put("last_year", earlier, accumulate(earlier, catalog, period), "actual")
    now = cover(by_year[year], period)
    if now and len(now) > 1:  # this year's report pieced together from shorter ones: its cumulative figures
        put("actual", now, accumulate(now, catalog, period), "actual")
    annual = by_year[year - 1].get(ANNUAL.label)
    if annual is not None:
        put("plan", [annual], {code: v["next_plan"] for code, v in annual.figures.items() if "next_plan" in v},
            "next_plan")
    for source in sorted(by_year[year].values(), key=lambda a: a.sort_key, reverse=True):
        # a plan the previous year's report did not give: the one this year's latest report carries
        put("plan", [source], {code: v["plan"] for code, v in source.figures.items() if "plan" in v}, "plan")
    return out


def _origin(pieces: list[Archived], name: str, how: str | None) -> str:
    """Return the words saying where a figure came from: the column, the report(s), the file and its date;
    `how` is the accumulation rule of a figure pieced together from several reports."""
    column = DATA_COLUMNS[name]
    last = pieces[-1]
    where = f"tệp «{last.file}», bản {last.version}, ngày {last.date}"
    if len(pieces) == 1:
        return f"«{column}» của báo cáo {Period.parse(last.period).text(last.year)} ({where})"
    labels = " + ".join(p.period for p in pieces)
    return f"{RULE_WORDS[how]} «{column}» của {len(pieces)} báo cáo {labels} năm {last.year} (tệp cuối {where})"
