"""The check rules: each a small object whose `check(context)` yields Findings.

A rule looks at one kind of mistake and says where it is. Messages come from
`templates/messages.csv` under the rule's code, so the office can reword them.
Rules never raise on bad data: a value they cannot judge is left to the rule that
reports why it is unusable (parse reports text in number cells, Excel errors).
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from ..catalog import Catalog, Indicator
from ..evaluate import Result, change_on_last_year, evaluate_indicator, is_number
from ..findings import Finding, finding
from ..layout import DATA_SHEET, INFO_SHEET, INPUT_FIELDS, LEVELS, UNIT_CODE_PATTERN
from ..numbers import format_number
from ..submission import ANNUAL, PERIOD_CHOICES, Figure, Submission

__all__ = ["Context", "Rule", "RULES"]


class _Results(dict):
    """Each indicator's Result, by code, evaluated when a rule first asks for it (most rules never do)."""

    def __init__(self, sub: Submission, catalog: Catalog):
        super().__init__()
        self.sub, self.catalog, self.period = sub, catalog, sub.period or ANNUAL

    def __missing__(self, code: str) -> Result:
        result = self[code] = evaluate_indicator(self.catalog.by_code[code], self.sub.figure(code), self.period)
        return result


@dataclass
class Context:
    """What the rules look at: one Submission, the catalog it is judged by, and its evaluation."""

    sub: Submission
    catalog: Catalog
    results: dict[str, Result] = field(default_factory=dict)
    children: dict[str, list[Indicator]] = field(default_factory=dict)  # parent code -> its parts
    _rows: list | None = field(default=None, repr=False)
    _values: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, sub: Submission, catalog: Catalog) -> Context:
        children: dict[str, list[Indicator]] = {}
        for ind in catalog:
            if ind.parent:
                children.setdefault(ind.parent, []).append(ind)
        return cls(sub, catalog, _Results(sub, catalog), children)

    @property
    def is_city(self) -> bool:
        return self.sub.level == LEVELS[1]

    @functools.cached_property
    def titles(self) -> dict[str, str]:
        """Return field -> column title as the workbook's period names it, for the messages."""
        return self.sub.column_titles()

    @property
    def has_info(self) -> bool:
        """Return True when the workbook has its `Thông tin` sheet (parse reports a missing one)."""
        return not any(p.code == "missing-sheet" and p.sheet == INFO_SHEET for p in self.sub.problems)

    @property
    def has_data(self) -> bool:
        """Return True when the data sheet and its header row were found."""
        return not any(p.code in ("missing-sheet", "missing-header") and p.sheet in (DATA_SHEET, self.sub.data_sheet)
                       for p in self.sub.problems)

    def rows(self) -> list[tuple[Indicator, Figure]]:
        """Return each catalog indicator that has a row in the workbook, with its figures (worked out once)."""
        if self._rows is None:
            figures = self.sub.figures
            self._rows = [(ind, figures[ind.code]) for ind in self.catalog if ind.code in figures]
        return self._rows

    def values(self, fields=INPUT_FIELDS) -> list[tuple[Indicator, Figure, str, float]]:
        """Return (indicator, figure, field, value) for every number typed in an input cell of `fields`."""
        key = tuple(fields)
        if key not in self._values:
            self._values[key] = [
                (ind, figure, name, value) for ind, figure in self.rows() for name in key
                for value in (getattr(figure, name),)
                if value is not None and name in figure.cells
                and ((value.__class__ is float and value - value == 0) or is_number(value))  # the usual case first
            ]
        return self._values[key]

    def at(self, code: str, figure: Figure, column: str, **fields) -> Finding:
        """Return the Finding `code` on the cell of `figure` in field `column` of the data sheet."""
        return finding(code, file=self.sub.file, sheet=self.sub.data_sheet, cell=figure.cells.get(column),
                       indicator=figure.code, column=self.titles.get(column, column), **fields)

    def info(self, code: str, label: str, **fields) -> Finding:
        """Return the Finding `code` on the value cell of `label` (a Submission field) in `Thông tin`."""
        return finding(code, file=self.sub.file, sheet=INFO_SHEET, cell=self.sub.info_cells.get(label), **fields)


def _n(value: float, decimals: int | None = None) -> str:
    try:
        return format_number(value, decimals)
    except (ValueError, ArithmeticError):  # beyond what Decimal rounds (about 1e26): show it as Excel would
        return f"{value:.6g}".replace(".", ",")


def _pct(value: float, decimals: int | None = None) -> str:
    return _n(value, decimals) + "%"


class Rule:
    """A check: `code` names its message row; `check` yields its findings."""

    code = ""

    def check(self, ctx: Context) -> Iterator[Finding]:
        raise NotImplementedError


class UnknownIndicator(Rule):
    """A row whose code (mã) is not in the catalog: its figures are not used."""

    code = "unknown-indicator"

    def check(self, ctx):
        for code, figure in ctx.sub.figures.items():
            if code not in ctx.catalog.by_code:
                yield ctx.at(self.code, figure, "code", name=figure.name or code, code_value=code)


class MissingIndicator(Rule):
    """An indicator of the catalog with no row in the data sheet (a deleted row)."""

    code = "missing-indicator"

    def check(self, ctx):
        if not ctx.has_data:
            return
        for ind in ctx.catalog:
            if ctx.sub.figure(ind.code) is None:
                yield finding(self.code, file=ctx.sub.file, sheet=ctx.sub.data_sheet, indicator=ind.code,
                              name=ind.name, code_value=ind.code)


class RequiredEmpty(Rule):
    """A key target whose actual (thực hiện kỳ báo cáo) is left empty."""

    code = "required-empty"

    def check(self, ctx):
        for ind, figure in ctx.rows():
            if not ind.key or not (ind.ward_entered or ctx.is_city) or "actual" not in figure.cells:
                continue
            raw = figure.raw.get("actual")
            # Text or an Excel error in the cell is reported by parse; only a truly empty cell is "empty".
            if figure.actual is None and (raw is None or (isinstance(raw, str) and not raw.strip())):
                yield ctx.at(self.code, figure, "actual", name=ind.name)


def _negative(ind: Indicator, value: float) -> bool:
    return value < 0 and ind.kind != "growth" and not (ind.min is not None and ind.min < 0)


def _above_hundred(ind: Indicator, value: float) -> bool:
    return ind.kind == "rate" and value > 100 and not (ind.max is not None and ind.max > 100)


class Negative(Rule):
    """A negative number where the indicator cannot be negative (anything but a growth rate)."""

    code = "negative"

    def check(self, ctx):
        for ind, figure, name, value in ctx.values():
            if _negative(ind, value):
                yield ctx.at(self.code, figure, name, name=ind.name, value=_n(value, max(ind.decimals, 2)))


class RateRange(Rule):
    """A rate in percent above 100 (below 0 is reported as negative)."""

    code = "rate-range"

    def check(self, ctx):
        for ind, figure, name, value in ctx.values():
            if _above_hundred(ind, value):
                yield ctx.at(self.code, figure, name, name=ind.name, value=_pct(value))


def _outside(ind: Indicator, value: float) -> bool:
    return (ind.min is not None and value < ind.min) or (ind.max is not None and value > ind.max)


def _implausible(ind: Indicator, value) -> bool:
    """Return True for a value another rule reports as an error (negative, above 100%, out of bounds)."""
    return is_number(value) and (_negative(ind, value) or _above_hundred(ind, value) or _outside(ind, value))


class OutOfBounds(Rule):
    """A value outside the catalog's `Giá trị nhỏ nhất` / `Giá trị lớn nhất`, not already reported above."""

    code = "out-of-bounds"

    def check(self, ctx):
        for ind, figure, name, value in ctx.values():
            # Reported above already; and the plan of a reduce-by target is a reduction in points, not a value.
            if _negative(ind, value) or _above_hundred(ind, value) or (name == "plan" and ind.direction == "reduce_by"):
                continue
            if not _outside(ind, value):
                continue
            low, high = ind.min, ind.max
            if low is not None and high is not None:
                bounds = f"từ {_n(low)} đến {_n(high)}"
            elif low is not None:
                bounds = f"không nhỏ hơn {_n(low)}"
            else:
                bounds = f"không lớn hơn {_n(high)}"
            yield ctx.at(self.code, figure, name, name=ind.name, value=_n(value, max(ind.decimals, 2)),
                         unit=ind.unit, bounds=bounds)


def _half_unit(decimals: int) -> float:
    return 0.5 * 10 ** -max(decimals, 0)


class PartsSum(Rule):
    """Parts (chỉ tiêu có `Mã chỉ tiêu tổng`) that do not add up to their total.

    Each figure is typed rounded to its indicator's decimals, so the parts may miss the total
    by half a unit of the last decimal for every number involved; only more is reported.
    """

    code = "parts-sum"

    def check(self, ctx):
        for ind, figure in ctx.rows():
            children = ctx.children.get(ind.code)
            if not children or any(ctx.sub.figure(c.code) is None for c in children):
                continue
            for name in INPUT_FIELDS:
                total_value = figure.value(name)
                parts = [ctx.sub.figure(c.code).value(name) for c in children]
                if not is_number(total_value) or not all(is_number(p) for p in parts):
                    continue
                total = _sum(parts)
                slack = _half_unit(ind.decimals) + sum(_half_unit(c.decimals) for c in children)
                difference = abs(total - type(total)(total_value))
                if difference > slack + 1e-9 * max(1.0, abs(total_value)):
                    decimals = max([ind.decimals, *(c.decimals for c in children)] + [0])
                    yield ctx.at(self.code, figure, name, name=ind.name, value=_n(total_value, decimals),
                                 parts=" + ".join(c.name for c in children), total=_n(total, decimals),
                                 difference=_n(difference, decimals), unit=ind.unit)


def _sum(values: list[float]) -> float | Decimal:
    """Return the exact sum of `values`; as a Decimal when it is beyond any float (parts of 1e308 each)."""
    try:
        return math.fsum(values)
    except OverflowError:
        return sum(map(Decimal, values), Decimal(0))


class NumeratorGtDenominator(Rule):
    """A ratio's numerator larger than its denominator (hộ nghèo more than tổng số hộ)."""

    code = "numerator-gt-denominator"

    def check(self, ctx):
        seen = set()  # two rates may share a numerator and denominator: one finding per pair
        for ind in ctx.catalog:
            pair = (ind.numerator, ind.denominator)
            if ind.rule != "ratio" or not all(pair) or pair in seen:
                continue
            seen.add(pair)
            top, bottom = ctx.sub.figure(ind.numerator), ctx.sub.figure(ind.denominator)
            if top is None or bottom is None:
                continue
            top_ind, bottom_ind = ctx.catalog[ind.numerator], ctx.catalog[ind.denominator]
            for name in INPUT_FIELDS:
                a, b = top.value(name), bottom.value(name)
                if is_number(a) and is_number(b) and a > b:
                    yield ctx.at(self.code, top, name, name=top_ind.name, value=_n(a, top_ind.decimals),
                                 denominator=bottom_ind.name, denominator_value=_n(b, bottom_ind.decimals),
                                 denominator_cell=bottom.cells.get(name, ""), rate=ind.name)


def typed_decimals(value: float) -> int | None:
    """Return how many decimals `value` was typed with (98.5 -> 1), or None for a full-precision value."""
    text = repr(float(value))
    if "e" in text or "n" in text:
        return None
    decimals = len(text.partition(".")[2].rstrip("0"))
    return decimals if decimals <= 6 else None


def typed_matches(typed: float, computed: float, fraction: bool = True) -> bool:
    """Return True when `typed` is `computed` rounded to the precision it was typed with.

    A full-precision value (a formula's cached result) must match to float precision. With
    `fraction`, a value typed as a fraction in a cell formatted as percent (0,9728 shown as
    97,28%) also matches.
    """
    epsilon = 1e-9 * max(1.0, abs(computed))
    decimals = typed_decimals(typed)
    if decimals is None:
        return abs(typed - computed) <= epsilon
    if abs(typed - computed) <= _half_unit(decimals) + epsilon:
        return True
    return fraction and decimals >= 2 and abs(typed * 100 - computed) <= _half_unit(decimals - 2) + epsilon


class WholeCount(Rule):
    """A count (`Loại` số lượng, no decimals) typed with a fraction: 1.208,5 người."""

    code = "count-fraction"

    def check(self, ctx):
        for ind, figure, name, value in ctx.values():
            if (ind.kind == "count" and ind.decimals == 0 and not float(value).is_integer()
                    and abs(value - round(value)) > 1e-9 * max(1.0, abs(value))):
                yield ctx.at(self.code, figure, name, name=ind.name, value=_n(value, 6), unit=ind.unit)


class RateParts(Rule):
    """A typed rate that its own numerator and denominator contradict (98,5% for 2.447,6 / 2.516).

    A rate below 1 whose parts give about a hundred times it was typed as a fraction (0,95
    for 95%): the report would print it as 0,95%. The plan of a reduce-by target is a
    reduction in points, not a rate of its parts. A rate reported as impossible (above 100%,
    negative) or whose numerator exceeds its denominator is that error already.
    """

    code = "rate-parts"

    def check(self, ctx):
        for ind, figure in ctx.rows():
            if ind.rule != "ratio":
                continue
            top, bottom = ctx.sub.figure(ind.numerator), ctx.sub.figure(ind.denominator)
            if top is None or bottom is None:
                continue
            top_ind, bottom_ind = ctx.catalog[ind.numerator], ctx.catalog[ind.denominator]
            for name in INPUT_FIELDS:
                typed, a, b = figure.value(name), top.value(name), bottom.value(name)
                if name not in figure.cells or not all(map(is_number, (typed, a, b))) or not 0 < b or a > b:
                    continue
                if _implausible(ind, typed) or (name in ("plan", "next_plan") and ind.direction == "reduce_by"):
                    continue
                computed = a / b * ind.ratio_scale
                if typed_matches(typed, computed, fraction=False):
                    continue
                fraction = ind.ratio_scale == 100 and 0 < typed < 1 and 0.9 <= computed / (typed * 100) <= 1.1
                decimals = typed_decimals(typed)  # quoted as typed: 0,0151, not rounded to 0,02
                yield ctx.at("rate-as-fraction" if fraction else self.code, figure, name, name=ind.name,
                             value=_n(typed, max(ind.decimals, 2) if decimals is None else decimals),
                             expected=_n(computed, max(ind.decimals, 2)), unit=ind.unit,
                             numerator=top_ind.name, denominator=bottom_ind.name,
                             top=_n(a, top_ind.decimals), bottom=_n(b, bottom_ind.decimals))


class TypedPercent(Rule):
    """A `% so với kế hoạch` or `% so với cùng kỳ` that differs from the one computed from the figures.

    The workbook's own formula caches exactly the computed value (or nothing, when the
    workbook was never opened in Excel), so comparing the cell's value with the computed
    one accepts every formula and every correctly typed value, without reading formulas.
    """

    def __init__(self, code: str, name: str):
        self.code, self.field = code, name

    def check(self, ctx):
        for ind, figure in ctx.rows():
            typed = figure.value(self.field)
            if not is_number(typed) or self.field not in figure.cells:
                continue
            result = ctx.results[ind.code]
            computed = getattr(result, self.field)
            if computed is not None and typed_matches(typed, computed):
                continue
            decimals = typed_decimals(typed)
            shown = _pct(typed, 2 if decimals is None else decimals)
            if computed is None:
                expected = f"không tính được vì {result.reasons.get(self.field, 'thiếu số liệu')}"
            else:
                expected = f"{_pct(computed, 2)} (= {self._formula(ind, figure)})"
            yield ctx.at(self.code, figure, self.field, name=ind.name, typed=shown, expected=expected)

    def _formula(self, ind: Indicator, figure: Figure) -> str:
        d = ind.decimals
        if self.field == "pct_last_year":
            return f"{_n(figure.actual, d)} / {_n(figure.last_year, d)} × 100"
        if ind.direction == "reduce_by":
            return f"({_n(figure.last_year, d)} − {_n(figure.actual, d)}) / {_n(figure.plan, d)} × 100"
        return f"{_n(figure.actual, d)} / {_n(figure.plan, d)} × 100"


class YoyJump(Rule):
    """A change on the same period beyond the indicator's `Ngưỡng biến động` (a warning: ask to confirm)."""

    code = "yoy-jump"

    def check(self, ctx):
        for ind, figure in ctx.rows():
            if ind.jump is None:
                continue
            change = change_on_last_year(ind, figure.actual, figure.last_year)
            if change is None or abs(change) <= ind.jump + 1e-9:
                continue
            # A jump caused by a value already reported as an error is that error, not a second finding.
            if _implausible(ind, figure.actual) or _implausible(ind, figure.last_year):
                continue
            unit = " điểm phần trăm" if ind.is_rate else "%"
            yield ctx.at(self.code, figure, "actual", name=ind.name,
                         direction="tăng" if change > 0 else "giảm",
                         change=_n(abs(change), 1) + unit, jump=_n(ind.jump) + unit,
                         last_year=_n(figure.last_year, ind.decimals), actual=_n(figure.actual, ind.decimals),
                         unit=ind.unit)


class VersionMismatch(Rule):
    """A workbook made from another version of the catalog than the one it is checked against."""

    code = "version-mismatch"

    def check(self, ctx):
        expected = ctx.catalog.version
        if ctx.has_info and ctx.sub.version.strip() != expected:
            yield ctx.info(self.code, "version", found=ctx.sub.version.strip() or "(không ghi)", expected=expected)


class UnitCode(Rule):
    """A unit code (mã đơn vị) that is missing or not of the agreed form."""

    code = "bad-unit-code"
    pattern = re.compile(UNIT_CODE_PATTERN)

    def check(self, ctx):
        if not ctx.has_info:
            return
        code = ctx.sub.unit_code.strip()
        if not code:
            yield ctx.info(self.code, "unit_code", problem="để trống")
        elif not self.pattern.match(code):
            yield ctx.info(self.code, "unit_code", problem=f"«{code}» không đúng quy cách")


class Period(Rule):
    """A reporting period or year that is missing or not one of the agreed values."""

    code = "bad-period"

    def check(self, ctx):
        if not ctx.has_info:
            return
        label = ctx.sub.period_label.strip()
        if ctx.sub.period is None:
            problem = "để trống" if not label else f"ghi «{label}», không phải kỳ báo cáo hợp lệ"
            yield ctx.info(self.code, "period", problem=problem, allowed=PERIOD_CHOICES)
        year = ctx.sub.year
        if year is None or not 2000 <= year <= 2100:
            raw = ctx.sub.info_raw.get("year")
            shown = "" if raw is None else (_n(raw) if is_number(raw) else str(raw).strip())
            problem = "để trống" if not shown else f"ghi «{shown}», không phải một năm"
            yield ctx.info("bad-year", "year", problem=problem)


RULES: tuple[Rule, ...] = (
    UnitCode(),
    Period(),
    VersionMismatch(),
    UnknownIndicator(),
    MissingIndicator(),
    RequiredEmpty(),
    Negative(),
    RateRange(),
    OutOfBounds(),
    PartsSum(),
    NumeratorGtDenominator(),
    WholeCount(),
    RateParts(),
    TypedPercent("pct-plan-typed", "pct_plan"),
    TypedPercent("pct-last-year-typed", "pct_last_year"),
    YoyJump(),
)
