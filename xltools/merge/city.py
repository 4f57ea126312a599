"""The pure core of a merge: ward files in, the city's result out; no file is read or written here.

`merge_wards` takes what the workers learnt of each ward file (WardFile), the catalog and
the city's own workbook (CityBase: its Submission and its list of units) and returns a
CityResult: the city Submission (same shape as a ward's, so check and report work on it),
the register, the per-unit figures, the ranking and every finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ..catalog import Catalog
from ..findings import Finding, finding
from ..layout import DATA_SHEET, FINDINGS_SHEET, INPUT_FIELDS, LEVELS, STATUSES
from ..numbers import format_number
from ..submission import ANNUAL, Figure, Submission
from ..tables import Table, findings_table
from ..writer import data_cells, data_layout, info_cells
from .consolidate import consolidate, matrix_table, ward_values
from .deciding import RegisterEntry, decide, merge_period, register, register_table
from .ranking import Ranking, rank_units, ranking_table
from .reading import WardFile

__all__ = ["CityBase", "CityResult", "merge_wards", "DEFAULT_CITY", "MATRIX_SHEET", "RANKING_SHEET",
           "REGISTER_SHEET"]

MATRIX_SHEET = "Theo đơn vị"
RANKING_SHEET = "Xếp hạng"
REGISTER_SHEET = "Tình hình nộp báo cáo"
DEFAULT_CITY = ("THANH_PHO", "Thành phố (tổng hợp)")


@dataclass
class CityBase:
    """The city's workbook before consolidation: its Submission (period, details, city-level figures) and units."""

    submission: Submission | None = None
    units: list[tuple[str, str]] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # about the base itself: its list of units


@dataclass
class CityResult:
    """The outcome of a merge: the city Submission and everything the city workbook's derived sheets show.

    `units` are the (code, name) of the units consolidated, in the order of `values`
    (unit, indicator, field; catalog order, INPUT_FIELDS). `expected_units` is the city's
    list of units (`Đơn vị`). `output` is the workbook written, when one was.
    """

    submission: Submission
    catalog: Catalog
    register: list[RegisterEntry]
    findings: list[Finding]
    units: list[tuple[str, str]]
    values: np.ndarray
    ranking: Ranking
    expected_units: list[tuple[str, str]]
    files: int = 0
    output: Path | None = None
    city: dict[str, list] = field(default_factory=dict, repr=False)

    @property
    def expected(self) -> int:
        """Return how many units were expected: the city's list, else those that sent a usable file."""
        return len(self.expected_units) or len(self.units)

    @property
    def received(self) -> int:
        """Return how many of the expected units sent a file."""
        return self.expected - len(self.missing)

    @property
    def included(self) -> int:
        return sum(e.included for e in self.register)

    @property
    def missing(self) -> list[RegisterEntry]:
        return [e for e in self.register if not e.sent]

    @property
    def errors(self) -> int:
        return sum(f.is_error for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(not f.is_error for f in self.findings)

    @property
    def ok(self) -> bool:
        """Return True when no file has an error and no expected unit is missing."""
        return not self.errors and not self.missing

    @property
    def title(self) -> str:
        """Return the titles' tail: `Thành phố Hà Tĩnh — năm 2022`."""
        return f"{self.submission.unit_name} — {self.submission.period_text}"

    def tables(self) -> dict[str, Table]:
        """Return sheet name -> Table of the city workbook's derived sheets, in their order."""
        return {
            MATRIX_SHEET: matrix_table(self.catalog, self.city, self.units, self.values, self.title),
            RANKING_SHEET: ranking_table(self.ranking, self.title),
            REGISTER_SHEET: register_table(self.register, self.title),
            FINDINGS_SHEET: findings_table(
                self.findings, f"KẾT QUẢ KIỂM TRA — TỔNG HỢP {format_number(self.files)} TỆP"),
        }


def merge_wards(wards: list[WardFile], catalog: Catalog, base: CityBase | None = None, *,
                units: list[tuple[str, str]] | None = None, file: str = "") -> CityResult:
    """Return the CityResult of consolidating `wards` by `catalog`.

    The period, details and city-level figures come from `base.submission` when given; the
    expected units from `units`, else `base.units` (empty: whoever sent a usable file).
    `file` names the city workbook the result will be written to, for its Submission.
    """
    base = base or CityBase()
    base_sub = base.submission
    expected_units = _unique_units(units if units is not None else base.units)
    expected = {code.upper(): name for code, name in expected_units}
    period, year = merge_period(base_sub, wards)
    decision = decide(wards, catalog, period, year, expected)
    position = {code.upper(): n for n, (code, _) in enumerate(expected_units)}
    used = sorted(decision.used.values(),
                  key=lambda w: (position.get(w.unit_code.upper(), len(position)), w.unit_code.upper()))
    values = ward_values(used, catalog)
    city = consolidate(values, catalog, base_sub)
    entries = register(wards, decision, expected_units)
    findings = base.findings + [f for ward in wards for f in ward.findings + decision.notes.get(ward.path, [])]
    findings += [finding("missing-unit", unit=e.unit_code, name=e.unit_name or e.unit_code)
                 for e in entries if not e.sent]
    used_units = [(w.unit_code, w.unit_name) for w in used]
    submission = _city_submission(catalog, base_sub, period, year, city, _status(base_sub, used), file)
    return CityResult(submission=submission, catalog=catalog, register=entries, findings=findings,
                      units=used_units, values=values, ranking=rank_units(catalog, used_units, values),
                      expected_units=expected_units or used_units, files=len(wards), city=city)


def _unique_units(units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return `units` with each code once (the first), codes compared ignoring case; blank codes left out."""
    seen, out = set(), []
    for code, name in units:
        key = code.strip().upper()
        if key and key not in seen:
            seen.add(key)
            out.append((code.strip(), name))
    return out


def _status(base: Submission | None, used: list[WardFile]) -> str:
    if base is not None and base.status in STATUSES:
        return base.status
    final = STATUSES[1]
    return final if used and all(w.status == final for w in used) else STATUSES[0]


def _city_submission(catalog: Catalog, base: Submission | None, period: str, year, city: dict[str, list],
                     status: str, file: str) -> Submission:
    """Return the city's Submission: the consolidated figures, with the cells they get in the city workbook."""
    unit = (base.unit_code, base.unit_name) if base is not None and base.unit_code else DEFAULT_CITY
    sub = Submission(file=file, unit_code=unit[0], unit_name=unit[1], period_label=period,
                     year=year or datetime.now().year, version=catalog.version, status=status, level=LEVELS[1],
                     info=dict(base.info) if base else {}, narratives=dict(base.narratives) if base else {},
                     info_cells=info_cells(), data_sheet=DATA_SHEET)
    rows = data_layout(catalog)
    layout = sub.period or ANNUAL
    for ind in catalog:
        figure = Figure(code=ind.code, row=rows[ind.code], name=ind.name, unit=ind.unit,
                        **dict(zip(INPUT_FIELDS, city[ind.code])), cells=data_cells(rows[ind.code], layout))
        given = base.figure(ind.code) if base is not None else None
        if given is not None and given.note:
            figure.note = given.note
        sub.figures[ind.code] = figure
    return sub
