"""Merge: consolidate ward workbooks into the city workbook, with a submission register and a per-unit matrix.

The stage in four steps, one module each: find the input files (inputs), read each in a
worker process into a small WardFile (reading), decide which files count and consolidate
them by each indicator's rule into a CityResult (deciding, consolidate, ranking, city: no
files there), then write the city workbook (this module, with the fast table writer of
fastxlsx). The city workbook has the contract of a ward workbook, so check and report
work on it unchanged; the CityResult hands the same figures to the report and the Excel
buttons without reading the workbook back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..atomic import atomic_output, check_output
from ..catalog import CATALOG_SHEET, Catalog, default_catalog, judging_catalog, office_catalog
from ..errors import BadArguments
from ..grid import DEFAULT_LIMITS, Limits, read_grid
from ..layout import DATA_SHEET, INFO_SHEET, INPUT_FIELDS, NOTES_SHEET, UNITS_SHEET
from ..parse import parse_grid, parse_units
from ..submission import Period, PeriodError
from ..writer import build_workbook, set_value, write_figures
from .city import DEFAULT_CITY, MATRIX_SHEET, RANKING_SHEET, REGISTER_SHEET, CityBase, CityResult, merge_wards
from .consolidate import consolidate
from .deciding import RegisterEntry, merge_period
from .fastxlsx import add_table, save_with_tables
from .history import History, mark_resubmissions, outlier_findings
from .inputs import WORKBOOK_SUFFIXES, ward_files
from .ranking import Ranking, ranked_indicators, read_ranking
from .reading import WardFile, read_ward, read_wards, ward_from_submission

__all__ = ["merge", "merge_wards", "read_base", "write_city_workbook", "CityBase", "CityResult", "RegisterEntry",
           "WardFile", "Ranking", "read_ward", "read_wards", "ward_from_submission", "ward_files", "consolidate",
           "ranked_indicators", "read_ranking", "WORKBOOK_SUFFIXES", "MATRIX_SHEET", "RANKING_SHEET",
           "REGISTER_SHEET", "DEFAULT_CITY", "History", "mark_resubmissions", "outlier_findings"]

MergeResult = CityResult  # the name before the merge was split into a core and this wrapper


def merge(
    inputs: Iterable[str | Path],
    output: str | Path,
    catalog: Catalog | None = None,
    base: str | Path | None = None,
    jobs: int | None = None,
    force: bool = False,
    progress=None,
    *,
    units: list[tuple[str, str]] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    archive=None,
) -> CityResult:
    """Return the CityResult of consolidating the ward workbooks `inputs` (files or folders) into `output`.

    `base` is the city workbook before consolidation: its unit list (`Đơn vị` sheet), period,
    report details and city-level figures are kept. Without it the period is the one most
    files give and the expected units are those that sent a file, unless `units` (code, name)
    is given. The catalog is `catalog`, else the one `judging_catalog` chooses for the base,
    else the office's, else the default one. `jobs` worker processes read the files (default:
    one per core; 1 reads them in this process); `limits` bound what is read of each.
    `progress` is a callable (done, total), True/False, or None for a bar only on a terminal.
    Inputs are only read; `output` is written whole or not at all and never overwritten
    without `force`. With an `archive` (xltools.archive.Archive), the register marks files that
    resubmit an archived report, wards far from the others or from their own past get warnings
    (merge.history), and the wards and the city's result are recorded once the workbook is written.
    """
    output = Path(output)
    check_output(output, force)
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        raise BadArguments(f"số tiến trình (--jobs) phải từ 1 trở lên, không phải {jobs}.")
    paths = ward_files(inputs, skip=[output, *([Path(base)] if base else [])])
    if not paths:
        raise BadArguments("không có tệp Excel nào (.xlsx, .xlsm, .xls, .ods) trong các đầu vào đã chọn.")
    if base is not None:
        city_base, catalog = read_base(base, catalog)
    else:
        city_base, catalog = CityBase(), catalog or office_catalog() or default_catalog()
    wards = read_wards(paths, catalog, limits, jobs, progress)
    history = _archived_history(archive, wards, city_base)
    result = merge_wards(wards, catalog, city_base, units=units, file=output.name)
    if history is not None:
        mark_resubmissions(result.register, history)
        result.findings += outlier_findings(result, history)
    write_city_workbook(result, output, force=force)
    if archive is not None:
        from ..archive import record_merge

        record_merge(archive, wards, result, catalog)
    return result


def _archived_history(archive, wards: list[WardFile], base: CityBase):
    """Return what `archive` holds of the wards for the period being merged (a History), None without an archive."""
    if archive is None:
        return None
    from ..archive import merge_history

    period, year = merge_period(base.submission, wards)
    if Period.find(period) is None or not year:
        return None
    return merge_history(archive, [w.unit_code for w in wards if w.kind == "ward"], period, year)


def read_base(path: str | Path, catalog: Catalog | None = None) -> tuple[CityBase, Catalog]:
    """Return the city workbook at `path` as a CityBase, and the catalog that judges it (`judging_catalog`)."""
    path = Path(path)
    if not path.is_file():
        raise BadArguments(f"{path}: không tìm thấy biểu thành phố dùng làm gốc (--base).")
    grid = read_grid(path, sheets=[INFO_SHEET, DATA_SHEET, NOTES_SHEET, UNITS_SHEET, CATALOG_SHEET])
    if grid.sheet(INFO_SHEET) is None or grid.sheet(DATA_SHEET) is None:
        raise BadArguments(f"{path.name}: không phải biểu thành phố (thiếu trang «{INFO_SHEET}» hoặc «{DATA_SHEET}»).")
    sub = parse_grid(grid)
    if sub.period_label:
        try:
            Period.parse(sub.period_label)
        except PeriodError as exc:
            raise BadArguments(f"{path.name} › {INFO_SHEET}: {exc}") from None
    return CityBase(sub, *parse_units(grid)), judging_catalog(grid, sub.version, catalog).catalog


def write_city_workbook(result: CityResult, output: str | Path, force: bool = False) -> Path:
    """Write the city workbook of `result` to `output` (whole or not at all); return its path."""
    output = Path(output)
    sub = result.submission
    book = build_workbook(result.catalog, unit_code=sub.unit_code, unit_name=sub.unit_name, year=sub.year,
                          period=sub.period_label, city=True, info=sub.info, units=result.expected_units,
                          status=sub.status)
    for sheet in (book[INFO_SHEET], book[UNITS_SHEET]):
        for row in sheet.iter_rows():
            for cell in row:  # names and details come from other files: text stays text, never a formula
                if isinstance(cell.value, str):
                    set_value(cell, cell.value)
    figures = {code: {name: getattr(figure, name) for name in INPUT_FIELDS}
               | ({"note": figure.note} if figure.note else {}) for code, figure in sub.figures.items()}
    write_figures(book, figures, sub.narratives or None)
    place = book.sheetnames.index(CATALOG_SHEET)
    pending = {name: add_table(book, name, table, place + n) for n, (name, table) in enumerate(result.tables().items())}
    with atomic_output(output, force=force) as temporary:
        save_with_tables(book, pending, temporary)
    result.output = output
    return output
