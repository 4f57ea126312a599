"""The data model the stages hand each other: a reporting Period, a Figure per indicator, a Submission.

A Submission is what one workbook says (or what a merge computed for the city): who, which
period, the figures per indicator and where each was typed, the narrative. The parser makes
Submissions from grids; check, evaluate, merge, the archive and the report take them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .errors import BadArguments
from .findings import Finding
from .layout import DATA_SHEET, INPUT_FIELDS, LEVELS, data_titles, label_key

__all__ = ["Period", "PeriodError", "Figure", "Submission", "period_text", "PERIOD_CHOICES", "ANNUAL"]

_ROMAN = ("I", "II", "III", "IV")
# How the valid periods are listed to a user who typed an unknown one.
PERIOD_CHOICES = ("Tháng 1 … Tháng 12 (một tháng), «N tháng» từ đầu năm (1 tháng … 12 tháng, ví dụ 8 tháng, "
                  "10 tháng), Quý I … Quý IV, 6 tháng (6 tháng đầu năm), 9 tháng, Năm")


class PeriodError(BadArguments):
    """A reporting period (kỳ báo cáo) that is not one of the agreed ones."""


@dataclass(frozen=True)
class Period:
    """A reporting period: which months of the year it covers and how it reads.

    `kind` is month (one month), months (N months from January), quarter, half (6 months),
    nine_months or year. Figures of a period that starts in January are cumulative; a period
    that ends in December and starts in January closes the year, and only such a period is
    judged against the annual plan as a verdict.
    """

    label: str
    kind: str
    first_month: int
    last_month: int

    @classmethod
    def parse(cls, text) -> Period:
        """Return the Period written as `text` (`Năm`, `6 tháng đầu năm`, `Quý II`, `Tháng 10`, `10 tháng`).

        Case, spacing and Unicode composition do not matter. Raise PeriodError naming the
        valid periods otherwise.
        """
        period = _parse(label_key(text))
        if period is None:
            shown = str(text).strip() if text is not None else ""
            what = f"«{shown}» không phải kỳ báo cáo hợp lệ" if shown else "chưa ghi kỳ báo cáo"
            raise PeriodError(f"{what}; chỉ được ghi: {PERIOD_CHOICES}.")
        return period

    @classmethod
    def find(cls, text) -> Period | None:
        """Return the Period written as `text`, or None when it is not one."""
        return _parse(label_key(text))

    @property
    def months(self) -> range:
        return range(self.first_month, self.last_month + 1)

    @property
    def cumulative(self) -> bool:
        """Return True when the figures run from January (`6 tháng`, `10 tháng`, `Năm`)."""
        return self.first_month == 1

    @property
    def closes_year(self) -> bool:
        """Return True for the year's end: the whole year from January to December."""
        return self.first_month == 1 and self.last_month == 12

    @property
    def is_annual(self) -> bool:
        """Return True for the annual report (`Năm`)."""
        return self.kind == "year"

    @property
    def share_of_year(self) -> float:
        """Return the part of the year the period covers (0,5 for 6 tháng, 0,25 for a quarter)."""
        return len(self.months) / 12

    def text(self, year=None) -> str:
        """Return how the period reads in a sentence: `năm 2022`, `6 tháng năm 2022`, `quý II năm 2022`."""
        words = "năm" if self.kind == "year" else self.label[0].lower() + self.label[1:]
        if not year:
            return words
        return f"năm {year}" if self.kind == "year" else f"{words} năm {year}"

    def title_text(self, year=None) -> str:
        """Return how the period reads in a report's title: `6 tháng đầu năm 2022`, else as `text`."""
        if self.kind == "half":
            return f"6 tháng đầu năm {year}" if year else "6 tháng đầu năm"
        return self.text(year)

    @property
    def ahead(self) -> str:
        """Return what comes after the period, as the narrative sheet names its tasks: `năm sau`, `6 tháng cuối năm`."""
        if self.closes_year:
            return "năm sau"
        if self.cumulative and self.last_month in (6, 9):
            return f"{12 - self.last_month} tháng cuối năm"
        return "quý tới" if self.kind == "quarter" else "tháng tới"

    def ahead_text(self, year) -> str:
        """Return the period the report's second part plans for: `năm 2023`, `6 tháng cuối năm 2022`,
        `quý III năm 2022`, `tháng 11 năm 2022` (after `Tháng 12`, `tháng 1 năm 2023`)."""
        if self.closes_year:
            return f"năm {year + 1}"
        if self.cumulative and self.last_month in (6, 9):
            return f"{self.ahead} {year}"
        if self.kind == "quarter":
            number = self.last_month // 3 % 4 + 1
            return f"quý {_ROMAN[number - 1]} năm {year + (number == 1)}"
        month = self.last_month % 12 + 1
        return f"tháng {month} năm {year + (month == 1)}"

    def __str__(self) -> str:
        return self.label


ANNUAL = Period("Năm", "year", 1, 12)


_MONTH = re.compile(r"^tháng 0?(\d{1,2})$")
_MONTHS = re.compile(r"^0?(\d{1,2}) tháng(?: đầu năm)?$")
_QUARTER = re.compile(r"^quý (i{1,3}|iv|[1-4])$")


@lru_cache(maxsize=256)
def _parse(key: str) -> Period | None:
    if key in ("năm", "cả năm"):
        return ANNUAL
    if match := _MONTH.match(key):
        month = int(match.group(1))
        return Period(f"Tháng {month}", "month", month, month) if 1 <= month <= 12 else None
    if match := _MONTHS.match(key):
        months = int(match.group(1))
        if not 1 <= months <= 12:
            return None
        kind = {6: "half", 9: "nine_months"}.get(months, "months")
        return Period(f"{months} tháng", kind, 1, months)
    if match := _QUARTER.match(key):
        word = match.group(1)
        number = int(word) if word.isdigit() else _ROMAN.index(word.upper()) + 1
        return Period(f"Quý {_ROMAN[number - 1]}", "quarter", 3 * number - 2, 3 * number)
    return None


def period_text(label, year=None) -> str:
    """Return how the period written `label` reads in a sentence; an unknown label is shown as written."""
    period = Period.find(label)
    if period is not None:
        return period.text(year)
    shown = str(label).strip() if label else "kỳ chưa ghi"
    return f"{shown} năm {year}" if year else shown


@dataclass
class Figure:
    """The figures one workbook gives for one indicator, with the cell of each."""

    code: str
    row: int
    name: str = ""
    unit: str = ""
    plan: float | None = None
    last_year: float | None = None
    actual: float | None = None
    next_plan: float | None = None
    year_estimate: float | None = None  # Ước thực hiện cả năm: the whole year's expected result, within the year
    last_year_full: float | None = None  # Thực hiện cả năm trước: last year's whole-year result
    pct_plan: float | None = None
    pct_last_year: float | None = None
    note: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    raw: dict[str, object] = field(default_factory=dict)

    def value(self, name: str) -> float | None:
        return getattr(self, name)


@dataclass
class Submission:
    """What one workbook says: who, which period, the figures and the narrative.

    `period_label` is the period as written in the workbook; `period` is its meaning, None
    when the label is not a valid period (check reports it).
    """

    file: str = ""
    unit_code: str = ""
    unit_name: str = ""
    period_label: str = ""
    year: int | None = None
    version: str = ""
    status: str = ""
    level: str = ""
    figures: dict[str, Figure] = field(default_factory=dict)
    narratives: dict[str, str] = field(default_factory=dict)
    info: dict[str, str] = field(default_factory=dict)
    info_cells: dict[str, str] = field(default_factory=dict)
    info_raw: dict[str, object] = field(default_factory=dict)
    data_sheet: str = DATA_SHEET
    problems: list[Finding] = field(default_factory=list)

    @property
    def period(self) -> Period | None:
        return Period.find(self.period_label)

    @property
    def period_text(self) -> str:
        """Return the period and year as they read in a sentence: `6 tháng năm 2022`."""
        return period_text(self.period_label, self.year)

    @property
    def is_estimate(self) -> bool:
        """Return True when the figures are estimates (ước thực hiện), not final results."""
        return self.status != "Thực hiện"

    @property
    def is_city(self) -> bool:
        return self.level == LEVELS[1]

    def figure(self, code: str) -> Figure | None:
        return self.figures.get(code)

    def column_titles(self) -> dict[str, str]:
        """Return field -> title of the data sheet's columns for this period: `Thực hiện 6 tháng năm 2022`."""
        period = self.period or ANNUAL
        return data_titles(None if period.is_annual else period.text(), self.year)

    def input_values(self) -> dict[str, dict[str, float | None]]:
        """Return code -> field -> figure of the input columns, as writer.write_figures takes them."""
        return {code: {name: figure.value(name) for name in INPUT_FIELDS} for code, figure in self.figures.items()}
