"""Evaluate: % of plan, change on the same period last year, status, and the key-target summary.

Every division is guarded: a missing, zero or negative base gives no percentage and a
stated reason, never an exception or an infinity.

The status respects time. A period that closes the year is judged against the annual plan
(vượt / đạt / không đạt kế hoạch). A period within the year never is: its figures are judged
on the outlook for the year when the workbook gives a full-year estimate, else on progress,
an amount that adds up over the months against the share of the year elapsed (or against
last year's pace, where last year's same period and whole year are both known), a level or
rate on whether it already stands at its target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .catalog import Catalog, Indicator
from .submission import ANNUAL, Figure, Period, Submission

__all__ = ["Result", "KeySummary", "evaluate", "evaluate_indicator", "key_summary", "STATUS_TEXT", "PACE_TOLERANCE",
           "pct_of_plan", "pct_of_last_year", "is_number", "finite"]

# At the year's end.
EXCEEDED, MET, MISSED, NO_PLAN, NO_DATA = "exceeded", "met", "missed", "no_plan", "no_data"
# Within the year: the outlook from the full-year estimate (Ước thực hiện cả năm) ...
EXPECT_EXCEEDED, EXPECT_MET, EXPECT_MISSED = "expect_exceeded", "expect_met", "expect_missed"
# ... else the progress of an amount that adds up (OVER_PACE: a ceiling used faster than the year allows) ...
ON_PACE, BEHIND, OVER_PACE = "on_pace", "behind", "over_pace"
# ... or of a level or rate.
REACHED, NOT_YET = "reached", "not_yet"
STATUS_TEXT = {
    EXCEEDED: "Vượt kế hoạch",
    MET: "Đạt kế hoạch",
    MISSED: "Không đạt",
    NO_PLAN: "Chưa có kế hoạch",
    NO_DATA: "Chưa có số liệu",
    EXPECT_EXCEEDED: "Dự kiến vượt kế hoạch năm",
    EXPECT_MET: "Dự kiến đạt kế hoạch năm",
    EXPECT_MISSED: "Dự kiến không đạt kế hoạch năm",
    ON_PACE: "Đạt tiến độ",
    BEHIND: "Chậm tiến độ",
    OVER_PACE: "Cao hơn mức theo tiến độ",
    REACHED: "Đã đạt",
    NOT_YET: "Chưa đạt",
}
# Within the year, the statuses that count as on course and as not on course in the key-target summary.
ON_TRACK_STATUSES = (ON_PACE, REACHED, EXPECT_EXCEEDED, EXPECT_MET)
BEHIND_STATUSES = (BEHIND, OVER_PACE, NOT_YET, EXPECT_MISSED)
# How far below its pace an amount may stand and still be on course ("đạt tiến độ"): a tenth of the pace. At
# 6 months the pace is 50% of the annual plan (or last year's share at the same time), so 45% is on course and
# 44% is behind. A ceiling (lower is better) may run a tenth above its pace.
PACE_TOLERANCE = 0.10


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
    period: Period = ANNUAL
    progress: str = ""  # within the year: the verdict on the period's own figures (status unless an estimate)
    basis: str = ""  # within the year: estimate | time | last_year | level, what the status rests on
    pace: float | None = None  # an amount that adds up, within the year: the % of plan it should stand at by now
    pct_estimate: float | None = None  # the full-year estimate in % of plan

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


def change_on_last_year(ind: Indicator, actual, last_year) -> float | None:
    """Return the change on the same period as Result.change has it (% for amounts, points for rates), or None."""
    actual, last_year = finite(actual), finite(last_year)
    return _change(ind, actual, last_year, *_ratio(actual, last_year, "số cùng kỳ"))[0]


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


_IN_YEAR = {EXCEEDED: REACHED, MET: REACHED, MISSED: NOT_YET}
_EXPECTED = {EXCEEDED: EXPECT_EXCEEDED, MET: EXPECT_MET, MISSED: EXPECT_MISSED}


def _progress(ind: Indicator, plan, last_year, actual, last_year_full,
              period: Period) -> tuple[str, str, float | None]:
    """Return the verdict on figures of a period within the year, its basis, and the pace (% of plan) it used."""
    status = _status(ind, plan, last_year, actual)
    if status in (NO_DATA, NO_PLAN):
        return status, "", None
    if ind.accumulates != "sum" or ind.direction == "reduce_by" or plan <= 0:
        return _IN_YEAR[status], "level", None
    share, basis = period.share_of_year, "time"
    if last_year is not None and last_year_full is not None and last_year >= 0 and last_year_full > 0:
        share, basis = last_year / last_year_full, "last_year"
    due = plan * share
    slack = 1e-9 * max(1.0, abs(due))
    if ind.direction == "lower":
        on_course = actual <= due * (1 + PACE_TOLERANCE) + slack
        return (ON_PACE if on_course else OVER_PACE), basis, share * 100
    on_course = actual >= due * (1 - PACE_TOLERANCE) - slack
    return (ON_PACE if on_course else BEHIND), basis, share * 100


def evaluate_indicator(ind: Indicator, figure: Figure | None, period: Period | None = None) -> Result:
    """Return the Result for one indicator and its figures (or None when the workbook lacks the row).

    `period` (None: the year) decides how the status is judged; see the module's docstring.
    """
    period = period or ANNUAL
    if figure is None:
        plan = last_year = actual = estimate = last_year_full = None
    else:
        plan, last_year, actual = finite(figure.plan), finite(figure.last_year), finite(figure.actual)
        estimate, last_year_full = finite(figure.year_estimate), finite(figure.last_year_full)
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
    if period.closes_year:
        status = progress = _status(ind, plan, last_year, actual)
        basis, pace, pct_estimate = "", None, None
    else:
        progress, basis, pace = _progress(ind, plan, last_year, actual, last_year_full, period)
        status = progress
        # The estimate of the whole year is measured as the year's result is: a reduction from last year's end.
        base = last_year_full if ind.direction == "reduce_by" else last_year
        pct_estimate = _pct_of_plan(ind, plan, base, estimate)[0] if estimate is not None else None
        outlook = _status(ind, plan, base, estimate) if estimate is not None and actual is not None else NO_DATA
        if outlook in _EXPECTED:
            status, basis = _EXPECTED[outlook], "estimate"
    return Result(
        indicator=ind,
        figure=figure,
        pct_plan=pct_plan,
        pct_last_year=pct_last_year,
        change=change,
        change_unit="điểm" if ind.is_rate else "%",
        status=status,
        reasons=reasons,
        period=period,
        progress=progress,
        basis=basis,
        pace=pace,
        pct_estimate=pct_estimate,
    )


def evaluate(submission: Submission, catalog: Catalog) -> list[Result]:
    """Return one Result per catalog indicator, in catalog order, judged as the submission's period asks."""
    period = submission.period or ANNUAL
    return [evaluate_indicator(ind, submission.figure(ind.code), period) for ind in catalog]


@dataclass(frozen=True)
class KeySummary:
    """How the key targets went: the groups always add up to `total`.

    At the year's end the groups are exceeded, met, missed and unknown; within the year
    (`in_year`) they are on_track, behind and unknown, and the year-end groups stay empty.
    """

    total: int
    exceeded: list[Result]
    met: list[Result]
    missed: list[Result]
    unknown: list[Result]
    on_track: list[Result] = field(default_factory=list)
    behind: list[Result] = field(default_factory=list)
    in_year: bool = False

    @property
    def reached(self) -> int:
        return len(self.on_track) if self.in_year else len(self.exceeded) + len(self.met)

    def names(self, group: str) -> list[str]:
        """Return the names of the key targets in `group` (exceeded, met, missed, on_track, behind or unknown),
        in key order."""
        return [result.indicator.name for result in getattr(self, group)]

    def groups(self) -> dict[str, list[str]]:
        """Return group -> names of its key targets, for every group of the period including empty ones."""
        names = ("on_track", "behind", "unknown") if self.in_year else ("exceeded", "met", "missed", "unknown")
        return {group: self.names(group) for group in names}


def key_summary(results: list[Result]) -> KeySummary:
    """Return the summary of key targets among `results`."""
    keys = sorted((r for r in results if r.indicator.key), key=lambda r: r.indicator.key)
    pick = lambda *statuses: [r for r in keys if r.status in statuses]
    unknown = pick(NO_PLAN, NO_DATA)
    if results and not results[0].period.closes_year:
        return KeySummary(len(keys), [], [], [], unknown, pick(*ON_TRACK_STATUSES), pick(*BEHIND_STATUSES), True)
    return KeySummary(len(keys), pick(EXCEEDED), pick(MET), pick(MISSED), unknown)
