"""Build the report context from a workbook: header fields, the body as styled blocks, footnotes, appendix rows.

The same context feeds the Word document (document.py) and the plain text (report_text), so
the text the golden tests pin is the text the .docx holds.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..catalog import Catalog, Indicator, judging_catalog
from ..errors import XltoolsError
from ..evaluate import (BEHIND_STATUSES, EXPECT_EXCEEDED, EXPECT_MET, NO_DATA, NO_PLAN, ON_TRACK_STATUSES,
                        PACE_TOLERANCE, KeySummary, Result, evaluate, key_summary)
from ..grid import DEFAULT_LIMITS, Limits, read_grid
from ..layout import GENERAL_NOTES, INFO_SHEET, TASKS_NOTE, label_key
from ..numbers import format_number
from ..parse import parse_grid
from ..submission import ANNUAL, Period, PeriodError, Submission
from .sentences import PERCENT_DECIMALS as PLAN_DECIMALS  # the one precision of printed percentages
from .sentences import lower_first, render, sentence, target_sentence, unit_text, verdict_values

if TYPE_CHECKING:
    from ..merge import Ranking

__all__ = ["Block", "AppendixRow", "Leaders", "Trend", "ReportContext", "build_context", "read_report_source",
           "FOOTNOTE", "MIN_TREND_YEARS"]

FOOTNOTE = re.compile("\ue000(\\d+)\ue001")  # a footnote reference inside a block's text
ASSESSMENT_NOTES = GENERAL_NOTES[:3]
TASK_NOTES, PROPOSAL_NOTES = GENERAL_NOTES[3], GENERAL_NOTES[4]
# The tasks row of any period (TASKS_NOTE: «Nhiệm vụ, giải pháp năm sau», «… 6 tháng cuối năm», «… tháng tới»).
_TASKS = label_key(TASKS_NOTE.partition("{")[0])
LETTERS = "a b c d đ e g h i k l m n o p q r s t u v x y".split()
_PEOPLES_COMMITTEE = re.compile(r"^((?:ỦY|UỶ) BAN NHÂN DÂN)\s+(?=\S)")
_NUMBERED = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")


@dataclass(frozen=True)
class Block:
    """One paragraph of the body: `style` is part | part_title | heading1 | heading2 | heading3 | point | text |
    bullet | chart | trend_chart | caption; `text` may hold footnote references (FOOTNOTE)."""

    style: str
    text: str = ""


@dataclass(frozen=True)
class AppendixRow:
    """One row of the appendix table: a group heading (`group` True) or an indicator's figures."""

    cells: tuple[str, ...]
    group: bool = False
    child: bool = False


@dataclass(frozen=True)
class Leaders:
    """Leading and lagging units of one indicator: (unit name, value text) pairs, best first / worst first."""

    code: str
    top: list[tuple[str, str]]
    bottom: list[tuple[str, str]]


@dataclass(frozen=True)
class Trend:
    """A key target's series over the years (year -> actual) and its average change per year: % a year for
    amounts and counts, percentage points a year for rates."""

    indicator: Indicator
    years: dict[int, float]
    change: float
    points: bool


@dataclass
class ReportContext:
    """Everything the report says, ready for the Word template or for plain text."""

    path: Path
    submission: Submission
    catalog: Catalog
    results: list[Result]
    summary: KeySummary
    city: bool
    header: dict = field(default_factory=dict)
    body: list[Block] = field(default_factory=list)
    footnotes: list[str] = field(default_factory=list)
    appendix_columns: list[str] = field(default_factory=list)
    appendix: list[AppendixRow] = field(default_factory=list)
    after_appendix: list[Block] = field(default_factory=list)  # the city chart: a landscape page has room for it
    rankings: dict[str, Leaders] = field(default_factory=dict)
    chart: list[tuple[str, str, float, float | None]] = field(default_factory=list)  # (group, name, % KH, mark)
    words: dict = field(default_factory=dict)  # what the heading macros read
    series: dict[str, dict[int, float]] = field(default_factory=dict)  # code -> year -> actual, from the archive
    trends: list[Trend] = field(default_factory=list)  # the key targets with three years or more, for the chart


def build_context(submission: Submission, catalog: Catalog, ranking: Ranking | None = None,
                  date: dt.date | None = None, series: dict[str, dict[int, float]] | None = None) -> ReportContext:
    """Return the report context of `submission` (a ward's or the city's), evaluated against `catalog`.

    `ranking` is the city result's ranking of its units (a merge's `CityResult.ranking`, or
    `read_ranking` of a city workbook's `Xếp hạng` sheet); it names the leading and lagging
    units. `series` (code -> year -> actual of earlier years, from the archive) adds the trend of
    the key targets with three years or more. A Submission whose figures could not be read, or whose
    data sheet lost a column of figures, gives no report (XltoolsError): a report with blanks where
    figures belong would mislead.
    """
    sub = submission
    structural = [p.message for p in sub.problems if p.code in ("missing-sheet", "missing-header", "missing-column")]
    if not sub.figures or structural:
        reasons = "; ".join(structural) or "trang «Số liệu» không có chỉ tiêu nào"
        raise XltoolsError(f"{sub.file}: không lập được báo cáo vì không đọc được số liệu ({reasons}).")
    results = _by_group(evaluate(sub, catalog))
    city = ranking is not None or sub.is_city
    context = ReportContext(path=Path(sub.file), submission=sub, catalog=catalog, results=results,
                            summary=key_summary(results), city=city, series=series or {})
    context.words = _words(sub, date)
    context.header = _header(sub, context.words)
    if city:
        context.rankings = _rankings(ranking) if ranking is not None else {}
        context.chart = _chart(context)
    _body(context)
    _appendix(context)
    return context


def read_report_source(path: str | Path, catalog: Catalog | None = None,
                       limits: Limits = DEFAULT_LIMITS) -> tuple[Submission, Catalog, Ranking | None]:
    """Return what a report of the workbook at `path` is written from: its Submission, the catalog that
    judges it (`judging_catalog`), and the ranking of a city workbook (None for a ward's)."""
    from ..merge import RANKING_SHEET, read_ranking

    grid = read_grid(Path(path), limits=limits)
    sub = parse_grid(grid)
    catalog = judging_catalog(grid, sub.version, catalog).catalog
    rows = grid.sheet(RANKING_SHEET)
    return sub, catalog, read_ranking(rows, catalog) if rows is not None else None


def _by_group(results: list[Result]) -> list[Result]:
    """Return `results` with each group's indicators together, groups in order of first appearance."""
    order = {group: i for i, group in reversed(list(enumerate(r.indicator.group for r in results)))}
    return sorted(results, key=lambda r: order[r.indicator.group])


# ------------------------------------------------------------------------------------------------ header


def _period(sub: Submission) -> Period:
    """Return the workbook's period (an empty one read as the year, as older workbooks left it); raise PeriodError
    naming the file and cell for one that is not a period."""
    if not sub.period_label.strip():
        return ANNUAL
    try:
        return Period.parse(sub.period_label)
    except PeriodError as exc:
        where = f"{Path(sub.file).name}, trang «{INFO_SHEET}», ô {sub.info_cells.get('period', 'B4')}"
        raise PeriodError(f"{where}: không lập được báo cáo vì {exc}") from None


def _words(sub: Submission, date: dt.date | None) -> dict:
    year = sub.year or (date.year if date else dt.date.today().year)
    number = _doc_number(sub.info.get("doc_number", ""))
    period = _period(sub)
    return {
        "period": period.text(year),
        "period_title": period.title_text(year),
        "annual": period.closes_year,
        "ahead": period.ahead_text(year),
        "months": len(period.months),
        "elapsed": format_number(period.share_of_year * 100, PLAN_DECIMALS),
        "reference": 100.0 if period.closes_year else period.share_of_year * 100,
        "tolerance": format_number(PACE_TOLERANCE * 100),
        "year": year,
        "next_year": year + 1,
        "estimate": sub.is_estimate,
        "doc_number": number,
        "date": _date_text(date, year),
        "issuer": "UBND " + lower_first(sub.unit_name) if sub.unit_name else "Ủy ban nhân dân",
    }


def _doc_number(text: str) -> str:
    """Return `Số` as printed: `05/BC-UBND`, or blanks to fill in by hand for a draft."""
    text = text.strip()
    if not text:
        return "\u00a0" * 6 + "/BC-UBND"
    if text.isdigit():
        return f"{int(text):02d}/BC-UBND"
    return text


def _date_text(date: dt.date | None, year: int) -> str:
    """Return `ngày 05 tháng 01 năm 2023` (zero-padded as the decree asks), or blanks for a draft."""
    if date is None:
        gap = "\u00a0" * 5
        return f"ngày{gap}tháng{gap}năm {year}"
    month = f"{date.month:02d}" if date.month <= 2 else str(date.month)
    return f"ngày {date.day:02d} tháng {month} năm {date.year}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\n;]", text or "") if line.strip()]


def _header(sub: Submission, words: dict) -> dict:
    info = sub.info
    agency = info.get("agency", "").strip() or f"ỦY BAN NHÂN DÂN {sub.unit_name}".strip()
    agency_lines = [" ".join(line.split()).upper() for line in agency.splitlines() if line.strip()]
    people = _PEOPLES_COMMITTEE.match(agency_lines[0])
    if len(agency_lines) == 1 and people:  # "ỦY BAN NHÂN DÂN" above the place, as on every UBND header
        agency_lines = [people.group(1), agency_lines[0][people.end():]]
    recipients = [item.rstrip(".;") for item in _lines(info.get("recipients", ""))]
    keep = [item for item in recipients if not item.startswith("Lưu")]
    archive = next((item for item in recipients if item.startswith("Lưu")), "Lưu: VT")
    signer_lines = [line.upper() for line in _lines(info.get("signer_role", "")) or ["TM. ỦY BAN NHÂN DÂN"]]
    signer_lines += [line.upper() for line in _lines(info.get("signer_title", "")) or ["CHỦ TỊCH"]]
    place = info.get("place", "").strip() or "\u2026\u2026"
    return {
        "parent_lines": [line.upper() for line in _lines(info.get("parent_agency", ""))],
        "agency_lines": agency_lines,
        "doc_number": words["doc_number"],
        "place_date": f"{place}, {words['date']}",
        "subject": render("subject", words),
        "recipient": "",
        "recipients": [f"{item};" for item in keep] + [f"{archive}."],
        "signer_lines": signer_lines,
        "signer": info.get("signer", "").strip(),
        "appendix_title": render("appendix_title", words),
        "appendix_note": render("appendix_note", words),
    }


# -------------------------------------------------------------------------------------------------- body


def _plain(title: str) -> str:
    return _NUMBERED.sub("", title).strip()


def _body(context: ReportContext) -> None:
    sub, catalog, words = context.submission, context.catalog, context.words
    body = context.body
    body += [Block("part", render("part_one", words)), Block("part_title", render("part_one_title", words)),
             Block("heading1", render("results", words))]
    summary = _summary_text(context)
    if summary:
        body.append(Block("text", summary))
    by_code = {r.code: r for r in context.results}
    reported = {r.code for r in context.results if r.status != NO_DATA}
    hidden = _shown_as_share(context, reported)
    groups: dict[str, dict[str, list[Indicator]]] = {}
    for ind in catalog:
        groups.setdefault(ind.group, {}).setdefault(ind.section, []).append(ind)
    g = 1  # headings are numbered as printed, whatever numbers the catalog's titles carry
    for group, sections in groups.items():
        lead = _bullets(context, sections.get("", []), by_code, reported, hidden)
        parts: list[Block] = []
        for section, indicators in sections.items():
            bullets = _bullets(context, indicators, by_code, reported, hidden) if section else []
            notes = _narrative(sub, section) if section else []
            if bullets or notes:
                number = sum(block.style == "heading3" for block in parts) + 1
                parts += [Block("heading3", f"{g}.{number}. {_plain(section)}"), *bullets, *notes]
        notes = _narrative(sub, group)
        if lead or notes or parts:
            body += [Block("heading2", f"{g}. {_plain(group) or 'Các chỉ tiêu khác'}"), *lead, *notes, *parts]
            g += 1
    body += _trends(context, g)
    assessment = [(title, _narrative(sub, title)) for title in ASSESSMENT_NOTES]
    if any(notes for _, notes in assessment):
        body.append(Block("heading1", render("assessment", words)))
        for number, (title, notes) in enumerate(((t, n) for t, n in assessment if n), start=1):
            body += [Block("heading2", f"{number}. {render('assessment_item', title)}"), *notes]
    part_two = []
    numbers = iter(("I", "II", "III"))
    targets = _targets(context, by_code, hidden)
    if targets:
        part_two += [Block("heading1", render("targets", words | {"number": next(numbers)})),
                     Block("text", render("targets_intro", words)), *targets]
    # The tasks row names the period after the report's («… 6 tháng cuối năm»); older workbooks say «… năm sau».
    tasks = next((title for title in sub.narratives if label_key(title).startswith(_TASKS)), TASK_NOTES)
    for title, heading in ((tasks, "tasks"), (PROPOSAL_NOTES, "proposals")):
        notes = _narrative(sub, title)
        if notes:
            part_two += [Block("heading1", render(heading, words | {"number": next(numbers)})), *notes]
    if part_two:
        body += [Block("part", render("part_two", words)), Block("part_title", render("part_two_title", words)),
                 *part_two]
    last = body[-1]
    body[-1] = Block(last.style, last.text.rstrip(" .") + "./.")


def _summary_text(context: ReportContext) -> str:
    summary = context.summary
    if not summary.total:
        return ""
    names = ("on_track", "behind", "unknown") if summary.in_year else ("exceeded", "met", "missed", "unknown")
    groups = {name: getattr(summary, name) for name in names}

    def item(result: Result) -> str:
        if not summary.in_year or result.status in (NO_PLAN, NO_DATA):
            return result.indicator.name
        return render("key_item", result.indicator.name, verdict_values(result))

    def footnote(name: str) -> str:
        context.footnotes.append(render("key_footnote", [item(r) for r in groups[name]]))
        return f"\ue000{len(context.footnotes)}\ue001"

    def kinds(statuses: tuple[str, ...], results: list[Result]) -> list[str]:
        """Return the verdicts `results` hold, in the order of `statuses`; the two hopeful outlooks are one."""
        held = {r.status for r in results}
        return list(dict.fromkeys("expect" if s in (EXPECT_EXCEEDED, EXPECT_MET) else s for s in statuses if s in held))

    values = {
        "period": context.words["period_title"],
        "resolution": context.submission.info.get("resolution", "").strip(),
        "total": summary.total,
        "reached": summary.reached,
        "in_year": summary.in_year,
        "on_track_kinds": kinds(ON_TRACK_STATUSES, summary.on_track),
        "behind_kinds": kinds(BEHIND_STATUSES, summary.behind),
        **{name: len(results) for name, results in groups.items()},
    }
    return render("key_summary", values, footnote)


def _shown_as_share(context: ReportContext, reported: set[str]) -> set[str]:
    """Return the codes whose figures already appear as `a/b` in a rate's sentence."""
    hidden = set()
    for ind in context.catalog:
        if ind.code in reported and ind.numerator and ind.denominator:
            for code in (ind.numerator, ind.denominator):
                if code in reported and not context.catalog[code].key:
                    hidden.add(code)
    return hidden


def _sentence(context: ReportContext, result: Result) -> str:
    return sentence(result, context.catalog, estimate=context.words["estimate"], figures=context.submission.figures)


def _bullets(context: ReportContext, indicators: list[Indicator], by_code: dict[str, Result], reported: set[str],
             hidden: set[str]) -> list[Block]:
    catalog = context.catalog
    has_parts = lambda ind: any(child.code in reported for child in catalog.children(ind.code))
    # A part is said in its total's paragraph ("Trong đó, ..."), unless it has parts of its own.
    inline = lambda ind: ind.parent in reported and not has_parts(ind)
    blocks = []
    for ind in indicators:
        if ind.code not in reported or ind.code in hidden or inline(ind):
            continue
        text = _sentence(context, by_code[ind.code]) + "."
        parts = [lower_first(_sentence(context, by_code[child.code]))
                 for child in catalog.children(ind.code) if child.code in reported and inline(child)]
        if parts:
            text += " " + render("parts", parts) + "."
        ranking = context.rankings.get(ind.code)
        if ranking:
            text += " " + render("leaders", {"top": [{"name": n, "value": v} for n, v in ranking.top],
                                             "bottom": [{"name": n, "value": v} for n, v in ranking.bottom]}) + "."
        blocks.append(Block("bullet", "- " + text))
    return blocks


def _narrative(sub: Submission, title: str) -> list[Block]:
    text = sub.narratives.get(title, "")
    return [Block("text", line.strip()) for line in text.splitlines() if line.strip()]


def _targets(context: ReportContext, by_code: dict[str, Result], hidden: set[str]) -> list[Block]:
    if not context.words["annual"]:
        return []  # next year's targets are set at the year's end
    keys = {ind.code for ind in context.catalog.key_targets}
    chosen = [r for r in context.results if r.value("next_plan") is not None and r.code not in hidden
              and (not keys or r.code in keys)]
    blocks, group = [], None
    letters = iter(LETTERS)
    for result in chosen:
        ind = result.indicator
        if ind.group != group:
            group = ind.group
            blocks.append(Block("point", f"{next(letters, '-')}) {_plain(group) or 'Các chỉ tiêu khác'}:"))
        blocks.append(Block("bullet", f"- {target_sentence(result)}."))
    return blocks


# ---------------------------------------------------------------------------------------------- appendix


def _number(value, decimals: int | None = None) -> str:
    return format_number(value, decimals) if value is not None else ""


def _appendix(context: ReportContext) -> None:
    in_year = not context.words["annual"]
    if in_year:
        context.after_appendix.append(Block("caption", render("appendix_legend", context.words)))
    if context.chart:
        context.after_appendix += [Block("chart"), Block("caption", render("chart_caption", context.words))]
    context.appendix_columns = render("appendix_columns", context.words).split("|")
    rows = context.appendix
    group, number = None, 0
    for result in context.results:
        ind = result.indicator
        if ind.group != group:
            group = ind.group
            rows.append(AppendixRow((_roman(len([r for r in rows if r.group]) + 1), _plain(group) or "Khác"),
                                    group=True))
        number += 1
        decimals = ind.decimals
        status = "" if result.status == NO_DATA else render("verdict", verdict_values(result))
        last_year = result.pct_last_year if ind.kind != "growth" else None
        rows.append(AppendixRow((
            str(number),
            ind.name,
            ind.unit,
            _number(result.value("plan"), decimals),
            _number(result.value("last_year"), decimals),
            _number(result.value("actual"), decimals),
            _number(result.pct_plan, PLAN_DECIMALS) if ind.direction != "lower" else "",
            _number(last_year, PLAN_DECIMALS),
            status,
            _number(result.value("year_estimate" if in_year else "next_plan"), decimals),
        ), child=bool(ind.parent)))


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


# ------------------------------------------------------------------------------------------------- city


def _rankings(ranking: Ranking) -> dict[str, Leaders]:
    """Return code -> the leading and lagging units of each indicator the catalog marks «Nêu phường dẫn đầu»."""
    out = {}
    for ranked in ranking.indicators:
        ind = ranked.indicator
        if not ind.rank:
            continue
        if ranked.by_plan:
            text = lambda v: f"{format_number(v, PLAN_DECIMALS)}% KH"
        else:
            text = lambda v, ind=ind: format_number(v, ind.decimals) + unit_text(ind)
        scored = sorted(((rank, score, name) for (_, name), score, rank in
                         zip(ranking.units, ranked.scores(), ranked.rank) if rank is not None and name),
                        key=lambda item: item[0])
        if len(scored) < 2:
            continue
        n = 3 if len(scored) >= 9 else 2 if len(scored) >= 5 else 1
        best, worst = scored[0][1], scored[-1][1]
        # A unit level with the other end is neither leading nor lagging (all at 100% KH, say).
        top = [(name, text(score)) for _, score, name in scored[:n] if score != worst]
        bottom = [(name, text(score)) for _, score, name in reversed(scored[-n:]) if score != best]
        if top and bottom:
            out[ind.code] = Leaders(ind.code, top, bottom)
    return out


def _chart(context: ReportContext) -> list[tuple[str, str, float, float | None]]:
    """Return (group, name, % KH, mark) of the key targets that have a plan, for the city chart.

    The chart's line stands at words["reference"]: 100% of the plan, or within the year the share of the year
    elapsed. Within the year a target whose own mark differs gets one: last year's pace for an amount judged
    on it, 100% for a level or rate.
    """
    keys = {ind.code for ind in context.catalog.key_targets}
    line = context.words["reference"]

    def mark(result: Result) -> float | None:
        at = result.pace if result.pace is not None else 100.0
        return None if context.words["annual"] or abs(at - line) < 1e-9 else at

    return [(_plain(r.indicator.group), r.indicator.name, r.pct_plan, mark(r)) for r in context.results
            if (r.code in keys or not keys) and r.pct_plan is not None and r.indicator.direction != "lower"
            and r.status != NO_PLAN]


# ------------------------------------------------------------------------------------------------ trends

MIN_TREND_YEARS = 3


def _trends(context: ReportContext, number: int) -> list[Block]:
    """Return the khoản on the key targets' trends over the archived years, with its chart; [] without three years."""
    year = context.words["year"]
    by_code = {r.code: r for r in context.results}
    for ind in context.catalog.key_targets:
        years = dict(context.series.get(ind.code, {}))
        actual = by_code[ind.code].value("actual") if ind.code in by_code else None
        if actual is not None:
            years[year] = actual
        years = {y: v for y, v in sorted(years.items()) if v is not None}
        if len(years) < MIN_TREND_YEARS:
            continue
        first, last = min(years), max(years)
        if ind.is_rate:
            context.trends.append(Trend(ind, years, (years[last] - years[first]) / (last - first), True))
        elif years[first] > 0 and years[last] > 0:
            growth = ((years[last] / years[first]) ** (1 / (last - first)) - 1) * 100
            context.trends.append(Trend(ind, years, growth, False))
    if not context.trends:
        return []
    first, last = min(min(t.years) for t in context.trends), max(max(t.years) for t in context.trends)
    words = dict(context.words, first_year=first, last_year=last)
    blocks = [Block("heading2", f"{number}. {render('trends_title', words)}")]
    for trend in context.trends:
        ind, years = trend.indicator, trend.years
        start, end = min(years), max(years)
        rate = format_number(abs(trend.change), 1)
        blocks.append(Block("bullet", "- " + render("trend", {
            "name": ind.name, "first_year": start, "last_year": end, "points": trend.points,
            "rises": trend.change > 0 and rate != "0", "falls": trend.change < 0 and rate != "0", "rate": rate,
            "first": format_number(years[start], ind.decimals), "last": format_number(years[end], ind.decimals),
            "unit_text": unit_text(ind)}) + "."))
    return blocks + [Block("trend_chart"), Block("caption", render("trend_caption", words))]
