"""Sentences of the report, one per indicator, from the jinja2 macros in `templates/sentences.j2`.

Python decides which situation applies and formats every number (through xltools.numbers);
the words are in the template so office staff can reword them.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import jinja2

from ..catalog import Catalog, Indicator
from ..evaluate import NO_DATA, Result, is_number
from ..numbers import format_number
from ..submission import Figure

__all__ = ["sentence", "sentence_values", "target_sentence", "verdict_values", "macros", "lower_first",
           "PERCENT_DECIMALS"]

TEMPLATE = "sentences.j2"
# The decimals of every printed percentage (% of plan, change on last year, the appendix, the chart), trailing
# zeros dropped as real reports print them: "bằng 47,18% kế hoạch năm", "100,6% KH", "vượt 17% kế hoạch".
PERCENT_DECIMALS = 2
_SPACES = re.compile(r"[ \t\r\n]+")  # not the no-break spaces that hold a draft's blanks open


@cache
def macros():
    """Return the module of macros in `templates/sentences.j2`."""
    loader = jinja2.FunctionLoader(
        lambda name: resources.files("xltools.templates").joinpath(name).read_text(encoding="utf-8"))
    env = jinja2.Environment(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=False)
    return env.get_template(TEMPLATE).module


def render(name: str, *args) -> str:
    """Return macro `name` of the sentence template called with `args`, as one clean line."""
    return _SPACES.sub(" ", str(getattr(macros(), name)(*args))).strip()


def unit_text(ind: Indicator) -> str:
    """Return the unit as it follows a number: `%` glued on, any other unit after a space."""
    unit = ind.unit.strip()
    if not unit:
        return ""
    return unit if unit == "%" else " " + unit


def _percent(value: float | None) -> str:
    return format_number(value, PERCENT_DECIMALS) if value is not None else ""


def verdict_values(result: Result) -> dict:
    """Return what the `verdict` macros read for `result`: its status and, within the year, its basis."""
    return {"status": result.status, "basis": result.basis, "pace": _percent(result.pace)}


def sentence_values(result: Result, catalog: Catalog | None = None, *, estimate: bool = False,
                    figures: dict[str, Figure] | None = None) -> dict:
    """Return the formatted values the sentence macros read for `result` (see the template's header)."""
    ind = result.indicator
    actual, plan, next_plan, year_estimate = (result.value(n) for n in ("actual", "plan", "next_plan", "year_estimate"))
    decimals = ind.decimals if ind.decimals >= 0 else None
    number = lambda value: format_number(value, decimals) if is_number(value) else ""
    values = {
        "code": ind.code,
        "name": ind.name,
        "unit_text": unit_text(ind),
        "kind": ind.kind,
        "direction": ind.direction,
        "status": result.status,
        "estimate": estimate,
        "verb": "ước đạt" if estimate else "đạt",
        "value": number(actual),
        "plan": number(plan),
        "next_plan": number(next_plan),
        "pct_plan": _percent(result.pct_plan),
        "pct_plan_number": result.pct_plan if result.pct_plan is not None else 0,
        "excess": _percent(result.pct_plan - 100) if result.pct_plan is not None else "",
        "name_is_rate": ind.name.casefold().startswith("tỷ lệ"),
        "share": False,
        "numerator": "",
        "denominator": "",
        "in_year": not result.period.closes_year,
        "accumulates": ind.accumulates,
        "progress": result.progress,
        "basis": result.basis,
        "year_estimate": number(year_estimate) if not result.period.closes_year else "",
        "pct_estimate": _percent(result.pct_estimate),
        "pct_estimate_number": result.pct_estimate if result.pct_estimate is not None else 0,
        "estimate_excess": _percent(result.pct_estimate - 100) if result.pct_estimate is not None else "",
    }
    change = result.change
    if change is not None:
        text = format_number(abs(change), PERCENT_DECIMALS)
        values.update(change=text, level=text == "0", rises=change > 0 and text != "0",
                      falls=change < 0 and text != "0")
    else:
        values.update(change=None, level=False, rises=False, falls=False)
    if catalog is not None and figures and ind.numerator and ind.denominator:
        top, base = figures.get(ind.numerator), figures.get(ind.denominator)
        if top is not None and base is not None and is_number(top.actual) and is_number(base.actual):
            top_ind, base_ind = catalog.by_code.get(ind.numerator), catalog.by_code.get(ind.denominator)
            values.update(share=True,
                          numerator=format_number(top.actual, top_ind.decimals if top_ind else None),
                          denominator=format_number(base.actual, base_ind.decimals if base_ind else None))
    return values


def sentence(result: Result, catalog: Catalog | None = None, *, estimate: bool = False,
             figures: dict[str, Figure] | None = None) -> str:
    """Return the report's sentence for one evaluated indicator, without the final full stop.

    `estimate` says the figures are estimates (`ước đạt`); `figures` (code -> Figure of the
    same workbook) lets a rate state its numerator and denominator (`9.398/9.470`).
    An indicator without a result gives "".
    """
    if result.status == NO_DATA:
        return ""
    return render("indicator", sentence_values(result, catalog, estimate=estimate, figures=figures))


def target_sentence(result: Result) -> str:
    """Return the next year's target of one indicator (`Tổng thu ngân sách đạt 1.275 tỷ đồng`), or ""."""
    values = sentence_values(result)
    return render("target", values) if values["next_plan"] else ""


def lower_first(text: str) -> str:
    """Return `text` with its first letter in lower case, unless it starts an abbreviation (`HTX`)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text
