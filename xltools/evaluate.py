"""Evaluate: % of plan, change on the same period last year, status, and the key-target summary.

Every division is guarded: a missing, zero or negative base gives no percentage and a
stated reason, never an exception or an infinity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .catalog import Catalog, Indicator
from .submission import Figure, Submission

__all__ = ["Result", "KeySummary", "evaluate", "evaluate_indicator", "key_summary", "STATUS_TEXT",
           "pct_of_plan", "pct_of_last_year", "is_number", "finite"]

EXCEEDED, MET, MISSED, NO_PLAN, NO_DATA = "exceeded", "met", "missed", "no_plan", "no_data"
STATUS_TEXT = {
    EXCEEDED: "Vượt kế hoạch",
    MET: "Đạt kế hoạch",
    MISSED: "Không đạt",
    NO_PLAN: "Chưa có kế hoạch",
    NO_DATA: "Chưa có số liệu",
}


@dataclass(frozen=True)
class Result:
    """The evaluation of one indicator: percentages, change, status, and why one is missing."""

    indicator: Indicator
    figure: Figure | None
    pct_plan: float | None
    pct_last_year: float | None
    change: float | None
    change_unit: str  # "%" for amounts and counts, "điểm" (percentage points) for rates
    status: str
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return self.indicator.code

    @property
    def status_text(self) -> str:
        return STATUS_TEXT[self.status]

    def value(self, name: str) -> float | None:
        return self.figure.value(name) if self.figure else None


def is_number(value) -> bool:
    """Return True for a finite int or float (not a bool, not text, not NaN, not an int too large for a float)."""
    return finite(value) is not None


def finite(value) -> float | None:
    """Return `value` as a float when it is a finite int or float (not a bool), else None."""
    if value.__class__ is float:
        return value if value - value == 0 else None  # inf - inf and nan - nan are nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        value = float(value)
    except OverflowError:  # an int too large for a float
        return None
    return value if math.isfinite(value) else None


# The functions below whose names start with "_" take figures already passed through finite().


def _ratio(top: float | None, base: float | None, what: str) -> tuple[float | None, str | None]:
    """Return top / base * 100, or None and the reason it cannot be computed."""
    if base is None:
        return None, f"chưa có {what}"
    if top is None:
        return None, "chưa có số thực hiện"
    if base == 0:
        return None, f"{what} bằng 0"
    if base < 0:
        return None, f"{what} là số âm"
    value = top / base * 100
    return (value, None) if value - value == 0 else (None, "số quá lớn")


def pct_of_plan(ind: Indicator, plan, last_year, actual) -> tuple[float | None, str | None]:
    """Return % of plan; for reduce-by targets, the achieved reduction over the planned one."""
    return _pct_of_plan(ind, finite(plan), finite(last_year), finite(actual))


def _pct_of_plan(ind: Indicator, plan, last_year, actual) -> tuple[float | None, str | None]:
    if ind.direction == "reduce_by":
        if last_year is None or actual is None:
            return None, "chưa đủ số cùng kỳ và số thực hiện để tính mức giảm"
        return _ratio(finite(last_year - actual), plan, "mức giảm kế hoạch")
    return _ratio(actual, plan, "kế hoạch")


def pct_of_last_year(actual, last_year) -> tuple[float | None, str | None]:
    """Return actual / same period last year * 100, the `% so với cùng kỳ` column."""
    return _ratio(finite(actual), finite(last_year), "số cùng kỳ")


def _change(ind: Indicator, actual, last_year, pct_last_year: float | None,
            reason: str | None) -> tuple[float | None, str | None]:
    if ind.is_rate:
        if actual is None or last_year is None:
            return None, "chưa đủ số cùng kỳ và số thực hiện"
        value = actual - last_year
        return (value, None) if value - value == 0 else (None, "số quá lớn")
    return (pct_last_year - 100, None) if pct_last_year is not None else (None, reason)


def _status(ind: Indicator, plan, last_year, actual) -> str:
    if actual is None:
        return NO_DATA
    if plan is None:
        return NO_PLAN
    digits = max(ind.decimals, 0)
    if ind.direction == "reduce_by":
        if last_year is None or finite(last_year - actual) is None:
            return NO_DATA
        # The achieved reduction is a difference of two rounded figures: round it to their precision.
        achieved, planned = round(last_year - actual, digits), round(plan, digits)
    elif ind.direction == "lower":
        # A ceiling ("dưới 7,5%") is met by staying at or under it; it is not "exceeded".
        return MET if round(actual, digits) <= round(plan, digits) else MISSED
    else:
        achieved, planned = round(actual, digits), round(plan, digits)
    if achieved > planned:
        return EXCEEDED
    return MET if achieved == planned else MISSED


def evaluate_indicator(ind: Indicator, figure: Figure | None) -> Result:
    """Return the Result for one indicator and its figures (or None when the workbook lacks the row)."""
    if figure is None:
        plan = last_year = actual = None
    else:
        plan, last_year, actual = finite(figure.plan), finite(figure.last_year), finite(figure.actual)
    pct_plan, plan_reason = _pct_of_plan(ind, plan, last_year, actual)
    pct_last_year, last_year_reason = _ratio(actual, last_year, "số cùng kỳ")
    change, change_reason = _change(ind, actual, last_year, pct_last_year, last_year_reason)
    reasons = {}
    if plan_reason:
        reasons["pct_plan"] = plan_reason
    if last_year_reason:
        reasons["pct_last_year"] = last_year_reason
    if change_reason:
        reasons["change"] = change_reason
    return Result(
        indicator=ind,
        figure=figure,
        pct_plan=pct_plan,
        pct_last_year=pct_last_year,
        change=change,
        change_unit="điểm" if ind.is_rate else "%",
        status=_status(ind, plan, last_year, actual),
        reasons=reasons,
    )


def evaluate(submission: Submission, catalog: Catalog) -> list[Result]:
    """Return one Result per catalog indicator, in catalog order."""
    return [evaluate_indicator(ind, submission.figure(ind.code)) for ind in catalog]


@dataclass(frozen=True)
class KeySummary:
    """How the key targets went: the groups always add up to `total`."""

    total: int
    exceeded: list[Result]
    met: list[Result]
    missed: list[Result]
    unknown: list[Result]

    @property
    def reached(self) -> int:
        return len(self.exceeded) + len(self.met)

    def names(self, group: str) -> list[str]:
        """Return the names of the key targets in `group` (exceeded, met, missed or unknown), in key order."""
        return [result.indicator.name for result in getattr(self, group)]

    def groups(self) -> dict[str, list[str]]:
        """Return group -> names of its key targets, for every group including empty ones."""
        return {group: self.names(group) for group in ("exceeded", "met", "missed", "unknown")}


def key_summary(results: list[Result]) -> KeySummary:
    """Return the summary of key targets among `results`."""
    keys = sorted((r for r in results if r.indicator.key), key=lambda r: r.indicator.key)
    pick = lambda *statuses: [r for r in keys if r.status in statuses]
    return KeySummary(len(keys), pick(EXCEEDED), pick(MET), pick(MISSED), pick(NO_PLAN, NO_DATA))
