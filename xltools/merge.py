"""Merge: consolidate ward workbooks into the city workbook, with a submission register and a per-unit matrix.

Each input file is read in a worker process (python-calamine through `read_grid`), parsed,
checked, and boiled down to a small `WardFile`: who, which period, one float per indicator
and field, and the findings. The parent decides which files are used (right period, known
unit, the newest file when a unit sent two), consolidates by each indicator's rule, and
writes a city workbook of the same contract as a ward workbook, so check and report work on
it unchanged. Rates are recomputed from their consolidated parts, never averaged.

The sheets that grow with the number of wards (per-unit matrix, ranking, register, findings)
are written as sheet XML directly into the saved workbook: openpyxl needs about a second per
100.000 cells, the direct XML a tenth of that.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import re
import sys
import zipfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from openpyxl.styles import Font

from .atomic import atomic_output
from .catalog import CATALOG_SHEET, Catalog, Indicator, default_catalog, workbook_catalog
from .check import check_submission
from .errors import BadArguments, OutputExists, UnreadableWorkbook
from .evaluate import finite, pct_of_plan
from .findings import Finding, finding
from .grid import DEFAULT_LIMITS, Grid, Limits, cell_text, column_letter, read_grid
from .layout import (DATA_SHEET, FINDINGS_SHEET, INFO_SHEET, INPUT_FIELDS, LEVELS, NOTES_SHEET, STATUSES,
                     UNITS_SHEET)
from .numbers import format_number
from .parse import label_key, parse_grid
from .submission import Submission, period_text
from .writer import FONT, HEADER_ROW, build_workbook, set_value, write_figures

__all__ = ["merge", "MergeResult", "RegisterEntry", "WardFile", "read_ward", "ward_files", "WORKBOOK_SUFFIXES",
           "MATRIX_SHEET", "RANKING_SHEET", "REGISTER_SHEET"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
MATRIX_SHEET = "Theo đơn vị"
RANKING_SHEET = "Xếp hạng"
REGISTER_SHEET = "Tình hình nộp báo cáo"
# The same columns as the `Kiểm tra` sheet the Excel buttons write, so either reads the other's.
FINDINGS_COLUMNS = ("STT", "Mức độ", "Tệp", "Trang tính", "Ô", "Mã chỉ tiêu", "Nội dung", "Mã quy tắc")
SEVERITY_TEXT = {"error": "Lỗi", "warning": "Cảnh báo"}
REGISTER_COLUMNS = ("STT", "Mã đơn vị", "Tên đơn vị", "Đã nộp", "Tệp", "Sửa lần cuối", "SHA-256", "Kỳ báo cáo",
                    "Năm", "Phiên bản mẫu", "Số lỗi", "Số cảnh báo", "Đưa vào tổng hợp", "Lý do")
YES, NO = "Có", "Không"
REASONS = {
    "used": "đưa vào tổng hợp",
    "used_with_errors": "đưa vào tổng hợp; số liệu có lỗi, xem trang «Kiểm tra»",
    "missing": "chưa nộp báo cáo",
    "unreadable": "không đọc được tệp",
    "foreign": "không phải biểu số liệu phường, xã",
    "no_unit": "tệp không ghi mã đơn vị",
    "wrong_period": "khác kỳ báo cáo đang tổng hợp",
    "unknown_unit": "mã đơn vị không có trong danh sách đơn vị",
    "no_figures": "không đọc được số liệu nào",
    "duplicate": "đơn vị gửi nhiều tệp; đã dùng tệp «{used}» sửa lần cuối sau",
}
CITY_TOTAL = "Toàn thành phố"
DEFAULT_CITY = ("THANH_PHO", "Thành phố (tổng hợp)")
NEEDED_SHEETS = [INFO_SHEET, DATA_SHEET]  # what parse and check use; the narrative stays with the ward
FIELD_COUNT = len(INPUT_FIELDS)
EXCEL_MAX_COLUMNS = 16_384


@dataclass
class WardFile:
    """What a worker learns from one input file, small enough to send between processes.

    `values` holds one float per catalog indicator and input field (NaN when empty), in
    catalog order, so 10.000 wards take a few megabytes rather than a grid each.
    """

    path: str
    name: str
    modified: float = 0.0
    sha256: str = ""
    kind: str = "ward"  # ward | unreadable | foreign
    unit_code: str = ""
    unit_name: str = ""
    period: str = ""
    year: int | None = None
    version: str = ""
    status: str = ""
    cells: dict[str, str] = field(default_factory=dict)
    values: array | None = None
    figure_count: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def modified_at(self) -> datetime:
        return datetime.fromtimestamp(self.modified)


@dataclass
class RegisterEntry:
    """One row of the submission register: an expected unit, or a file that came in."""

    unit_code: str
    unit_name: str = ""
    file: str = ""
    modified: datetime | None = None
    sha256: str = ""
    period: str = ""
    year: int | None = None
    version: str = ""
    errors: int = 0
    warnings: int = 0
    included: bool = False
    reason: str = ""

    @property
    def sent(self) -> bool:
        return bool(self.file)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["modified"] = self.modified.isoformat(timespec="seconds") if self.modified else None
        out["sent"] = self.sent
        return out


@dataclass
class MergeResult:
    """The merged city workbook, who sent what, every finding, and the consolidated Submission."""

    output: Path
    register: list[RegisterEntry]
    findings: list[Finding]
    submission: Submission
    expected: int = 0

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


# ---------------------------------------------------------------------------------------------- reading


def ward_files(inputs: Iterable[str | Path], skip: Iterable[Path] = ()) -> list[Path]:
    """Return the workbook files named in `inputs`, folders expanded, Office lock files (`~$…`) left out.

    A file named twice (directly and through its folder) is listed once; files in `skip` (the
    output, the base) never. Raise BadArguments for an input that does not exist.
    """
    skipped = {_identity(Path(p)) for p in skip} - {None}
    out: list[Path] = []
    seen: set = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            with os.scandir(path) as entries:
                found = sorted(Path(e.path) for e in entries
                               if e.is_file() and os.path.splitext(e.name)[1].lower() in WORKBOOK_SUFFIXES)
        elif path.is_file():
            found = [path]
        else:
            raise BadArguments(f"{path}: không tìm thấy tệp hoặc thư mục.")
        for candidate in found:
            key = _identity(candidate)
            if candidate.name.startswith("~$") or key in skipped or key in seen:
                continue
            seen.add(key)
            out.append(candidate)
    return out


def _identity(path: Path):
    """Return what makes `path` the same file under another name (device, inode), or None if absent."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


_WORKER: tuple[Catalog, Limits] | None = None


def _start_worker(catalog: Catalog, limits: Limits) -> None:
    global _WORKER
    _WORKER = catalog, limits


def _read_in_worker(path: Path) -> WardFile:
    return read_ward(path, *_WORKER)


def read_ward(path: Path, catalog: Catalog, limits: Limits = DEFAULT_LIMITS) -> WardFile:
    """Return the WardFile of `path`: never raises for a bad file, which becomes an `unreadable` finding."""
    path = Path(path)
    ward = WardFile(path=str(path), name=path.name)
    try:
        ward.modified = path.stat().st_mtime
        with path.open("rb") as handle:
            ward.sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        grid = read_grid(path, sheets=NEEDED_SHEETS, limits=limits)
    except UnreadableWorkbook as exc:
        return _unreadable(ward, str(exc))
    except OSError as exc:
        return _unreadable(ward, f"không mở được tệp ({exc.strerror or exc}).")
    try:
        _read_submission(ward, grid, catalog)
    except Exception as exc:  # one strange file must not stop a city's merge; the finding says what happened
        return _unreadable(ward, f"lỗi khi xử lý tệp ({type(exc).__name__}: {exc}). Đề nghị báo bộ phận kỹ thuật.")
    return ward


def _unreadable(ward: WardFile, reason: str) -> WardFile:
    prefix = f"{ward.name}: "
    reason = reason[len(prefix):] if reason.startswith(prefix) else reason
    ward.kind = "unreadable"
    ward.findings = [finding("unreadable", file=ward.name, reason=reason)]
    return ward


def _read_submission(ward: WardFile, grid: Grid, catalog: Catalog) -> None:
    missing = [name for name in (INFO_SHEET, DATA_SHEET) if grid.sheet(name) is None]
    sub = parse_grid(grid)
    if missing or sub.level == LEVELS[1]:
        why = (f"không có trang «{'», «'.join(missing)}»" if missing
               else f"là biểu cấp {LEVELS[1].lower()} ({sub.unit_name or sub.unit_code})")
        ward.kind = "foreign"
        ward.findings = [finding("not-a-ward-workbook", file=ward.name, reason=why)]
        return
    ward.unit_code, ward.unit_name = sub.unit_code.strip(), sub.unit_name
    ward.period, ward.year, ward.version, ward.status = sub.period_label, sub.year, sub.version, sub.status
    ward.cells = {name: sub.info_cells[name] for name in ("unit_code", "period", "year", "version") if name in sub.info_cells}
    values = array("d", [math.nan]) * (len(catalog) * FIELD_COUNT)
    for i, ind in enumerate(catalog):
        figure = sub.figures.get(ind.code)
        if figure is None:
            continue
        ward.figure_count += 1
        for j, name in enumerate(INPUT_FIELDS):
            value = getattr(figure, name)
            if value is not None:
                values[i * FIELD_COUNT + j] = value
    ward.values = values
    ward.findings = check_submission(sub, catalog)


def _read_all(paths: list[Path], catalog: Catalog, limits: Limits, jobs: int, progress) -> list[WardFile]:
    report = _progress(progress, len(paths))
    try:
        if jobs == 1 or len(paths) < 2:
            out = []
            for path in paths:
                out.append(read_ward(path, catalog, limits))
                report(1)
            return out
        workers = min(jobs, len(paths))
        chunk = max(1, min(64, len(paths) // (workers * 8)))
        with ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(catalog, limits)) as pool:
            out = []
            for ward in pool.map(_read_in_worker, paths, chunksize=chunk):
                out.append(ward)
                report(1)
            return out
    finally:
        report(None)


def _progress(progress, total: int) -> Callable:
    """Return a function advancing the progress display by n (None closes it).

    `progress` is True/False, None (a bar only when stderr is a terminal), or a callable
    taking (done, total).
    """
    if callable(progress):
        done = 0

        def advance(n):
            nonlocal done
            if n:
                done += n
                progress(done, total)

        return advance
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="tệp", desc="Đọc biểu phường, xã", file=sys.stderr, leave=False)
    return lambda n: bar.close() if n is None else bar.update(n)


# ---------------------------------------------------------------------------------------------- the base


@dataclass
class _Base:
    submission: Submission | None = None
    units: list[tuple[str, str]] = field(default_factory=list)
    catalog: Catalog | None = None


def _read_base(path: Path | None) -> _Base:
    if path is None:
        return _Base()
    path = Path(path)
    if not path.is_file():
        raise BadArguments(f"{path}: không tìm thấy biểu thành phố dùng làm gốc (--base).")
    grid = read_grid(path, sheets=[*NEEDED_SHEETS, NOTES_SHEET, UNITS_SHEET, CATALOG_SHEET])
    if grid.sheet(INFO_SHEET) is None or grid.sheet(DATA_SHEET) is None:
        raise BadArguments(f"{path.name}: không phải biểu thành phố (thiếu trang «{INFO_SHEET}» hoặc «{DATA_SHEET}»).")
    base = _Base(submission=parse_grid(grid), units=_units(grid.sheet(UNITS_SHEET) or []))
    base.catalog = workbook_catalog(grid)
    return base


def _units(rows: list[list]) -> list[tuple[str, str]]:
    """Return (code, name) pairs from a `Đơn vị` sheet whose first row holds the column titles."""
    if not rows:
        return []
    header = [label_key(cell) for cell in rows[0]]
    code_title, name_title = label_key("Mã đơn vị"), label_key("Tên đơn vị")
    if code_title not in header:
        return []
    code_at = header.index(code_title)
    name_at = header.index(name_title) if name_title in header else None
    units = []
    for row in rows[1:]:
        code = cell_text(row[code_at]) if code_at < len(row) else ""
        if code:
            name = cell_text(row[name_at]) if name_at is not None and name_at < len(row) else ""
            units.append((code, name))
    return units


# ---------------------------------------------------------------------------------------------- deciding


def _when(ward: WardFile) -> str:
    return ward.modified_at.strftime("%d/%m/%Y %H:%M:%S")


@dataclass
class _Decision:
    used: dict[str, WardFile]  # unit key -> the file consolidated for it
    reasons: dict[str, str]  # path -> why (not) included
    notes: dict[str, list[Finding]]  # path -> merge findings on that file


def _decide(wards: list[WardFile], catalog: Catalog, period: str, year, expected: dict[str, str]) -> _Decision:
    decision = _Decision({}, {}, {})
    note = lambda ward, code, **kw: decision.notes.setdefault(ward.path, []).append(
        finding(code, file=ward.name, **kw))
    candidates: dict[str, list[WardFile]] = {}
    version = catalog.version
    for ward in wards:
        if ward.kind != "ward":
            decision.reasons[ward.path] = REASONS["unreadable" if ward.kind == "unreadable" else "foreign"]
        elif not ward.unit_code:
            decision.reasons[ward.path] = REASONS["no_unit"]
            if not _has(ward, "bad-unit-code"):
                note(ward, "no-unit-code", sheet=INFO_SHEET, cell=ward.cells.get("unit_code"))
        elif (ward.period, ward.year) != (period, year):
            decision.reasons[ward.path] = REASONS["wrong_period"]
            note(ward, "wrong-period", sheet=INFO_SHEET,
                 cell=ward.cells.get("period" if ward.period != period else "year"),
                 found=period_text(ward.period, ward.year), expected=period_text(period, year))
        elif expected and ward.unit_code.upper() not in expected:
            decision.reasons[ward.path] = REASONS["unknown_unit"]
            note(ward, "unknown-unit", sheet=INFO_SHEET, cell=ward.cells.get("unit_code"), unit=ward.unit_code)
        elif not ward.figure_count:
            decision.reasons[ward.path] = REASONS["no_figures"]
        else:
            candidates.setdefault(ward.unit_code.upper(), []).append(ward)
    for key, group in candidates.items():
        group.sort(key=lambda w: (w.modified, w.name))
        used = decision.used[key] = group[-1]
        for other in group[:-1]:
            decision.reasons[other.path] = REASONS["duplicate"].format(used=used.name)
            note(other, "duplicate-unit", sheet=INFO_SHEET, cell=other.cells.get("unit_code"), unit=used.unit_code,
                 count=len(group), used=used.name, used_time=_when(used), time=_when(other))
        if used.version != version and not _has(used, "version-mismatch"):
            note(used, "version-mismatch", sheet=INFO_SHEET, cell=used.cells.get("version"),
                 found=used.version or "(không ghi)", expected=version)
        errors = any(f.is_error for f in used.findings + decision.notes.get(used.path, []))
        decision.reasons[used.path] = REASONS["used_with_errors" if errors else "used"]
    return decision


def _has(ward: WardFile, code: str) -> bool:
    """Return True when the checks already reported `code` on `ward`, so the merge does not say it twice."""
    return any(f.code == code for f in ward.findings)


def _merge_period(base: Submission | None, wards: list[WardFile]) -> tuple[str, int | None]:
    """Return the period and year being merged: the base workbook's, else the one most ward files give."""
    if base is not None and base.period_label and base.year:
        return base.period_label, base.year
    counts = Counter((w.period, w.year) for w in wards if w.kind == "ward" and w.period and w.year)
    if not counts:
        return (base.period_label if base and base.period_label else "Năm"), (base.year if base else None)
    return max(counts.items(), key=lambda item: (item[1], item[0][1] or 0))[0]


# ---------------------------------------------------------------------------------------------- consolidating


def _matrix(wards: list[WardFile], catalog: Catalog) -> np.ndarray:
    """Return the values of `wards` as an array (ward, indicator, field), NaN where empty."""
    if not wards:
        return np.full((0, len(catalog), FIELD_COUNT), np.nan)
    return np.stack([np.frombuffer(w.values, dtype=np.float64) for w in wards]).reshape(
        len(wards), len(catalog), FIELD_COUNT)


def consolidate(values: np.ndarray, catalog: Catalog, base: Submission | None = None) -> dict[str, list[float | None]]:
    """Return code -> [plan, last_year, actual, next_plan] for the city, by each indicator's rule.

    `values` is (ward, indicator, field) in catalog order, NaN where a ward left a cell empty.
    Sums add what was given; rates are recomputed from the consolidated numerator and
    denominator; weighted means weigh each ward by the weight indicator's same field;
    city-level indicators come from `base` (else stay empty).
    """
    index = {ind.code: i for i, ind in enumerate(catalog)}
    present = ~np.isnan(values)
    sums = np.where(present.any(axis=0), np.nansum(values, axis=0), np.nan)
    out: dict[str, list[float | None]] = {}

    def base_values(code: str) -> list[float | None]:
        figure = base.figure(code) if base is not None else None
        return [getattr(figure, name) if figure else None for name in INPUT_FIELDS]

    def common(i: int, j: int) -> float | None:
        given = values[:, i, j][present[:, i, j]]
        return float(given[0]) if given.size and np.all(given == given[0]) else None

    def city(ind: Indicator) -> list[float | None]:
        if ind.code in out:
            return out[ind.code]
        i = index[ind.code]
        if ind.rule == "sum":
            result = [_clean(v, 9) for v in sums[i]]
        elif ind.rule == "weighted":
            w = values[:, index[ind.weight], :]
            v = values[:, i, :]
            ok = ~np.isnan(v) & ~np.isnan(w)
            top = np.where(ok, v * w, 0.0).sum(axis=0)
            bottom = np.where(ok, w, 0.0).sum(axis=0)
            result = [_clean(t / b, 10) if ok[:, j].any() and b else None for j, (t, b) in enumerate(zip(top, bottom))]
        elif ind.rule == "ratio":
            top, bottom = city(catalog[ind.numerator]), city(catalog[ind.denominator])
            scale = 100.0 if ind.is_rate or "%" in ind.unit else 1.0
            given = base_values(ind.code)
            result = []
            for j, name in enumerate(INPUT_FIELDS):
                recomputed = _clean(top[j] / bottom[j] * scale, 10) if top[j] is not None and bottom[j] else None
                if name in ("plan", "next_plan"):
                    # A target: from the parts' targets when given, else the city's own (base), else the one
                    # every ward carries. A reduce-by target ("giảm 0,5 điểm") is a change, not a rate of parts.
                    if ind.direction == "reduce_by":
                        recomputed = None
                    result.append(next((v for v in (recomputed, given[j], common(i, j)) if v is not None), None))
                else:
                    result.append(recomputed)
        else:
            result = base_values(ind.code)
        out[ind.code] = result
        return result

    for ind in catalog:
        city(ind)
    return out


def _clean(value, digits: int) -> float | None:
    """Return `value` as a float rounded to `digits` decimals (dropping binary noise), None if not finite."""
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


# ---------------------------------------------------------------------------------------------- the register


def _register(wards: list[WardFile], decision: _Decision, expected: list[tuple[str, str]]) -> list[RegisterEntry]:
    def entry(ward: WardFile, unit_name: str = "") -> RegisterEntry:
        findings = ward.findings + decision.notes.get(ward.path, [])
        key = ward.unit_code.upper()
        return RegisterEntry(
            unit_code=ward.unit_code, unit_name=ward.unit_name or unit_name, file=ward.name,
            modified=ward.modified_at if ward.modified else None, sha256=ward.sha256, period=ward.period,
            year=ward.year, version=ward.version, errors=sum(f.is_error for f in findings),
            warnings=sum(not f.is_error for f in findings),
            included=decision.used.get(key) is ward, reason=decision.reasons.get(ward.path, ""),
        )

    by_unit: dict[str, list[WardFile]] = {}
    for ward in wards:
        if ward.kind == "ward" and ward.unit_code:
            by_unit.setdefault(ward.unit_code.upper(), []).append(ward)
    units = expected or sorted(((w.unit_code, w.unit_name) for w in decision.used.values()), key=lambda u: u[0])
    rows: list[RegisterEntry] = []
    listed: set[str] = set()
    for code, name in units:
        key = code.upper()
        files = sorted(by_unit.get(key, []), key=lambda w: decision.used.get(key) is not w)
        if not files:
            rows.append(RegisterEntry(unit_code=code, unit_name=name, reason=REASONS["missing"]))
        for ward in files:
            rows.append(entry(ward, name))
            listed.add(ward.path)
    rows += [entry(ward) for ward in wards if ward.path not in listed]
    return rows


# ---------------------------------------------------------------------------------------------- writing


def _city_book(catalog: Catalog, base: Submission | None, unit: tuple[str, str], period: str, year,
               units: list[tuple[str, str]], city: dict[str, list], status: str):
    """Return the city workbook (openpyxl) with the consolidated figures and the base's details."""
    book = build_workbook(catalog, unit_code=unit[0], unit_name=unit[1], year=year or datetime.now().year,
                          period=period, city=True, info=base.info if base else None, units=units, status=status)
    for sheet in (book[INFO_SHEET], book[UNITS_SHEET]):
        for row in sheet.iter_rows():
            for cell in row:  # names and details come from other files: text stays text, never a formula
                if isinstance(cell.value, str):
                    set_value(cell, cell.value)
    write_figures(book, _figure_values(city, base), base.narratives if base else None)
    return book


def _figure_values(city: dict[str, list], base: Submission | None) -> dict[str, dict[str, object]]:
    out = {}
    for code, values in city.items():
        row: dict[str, object] = dict(zip(INPUT_FIELDS, values))
        note = base.figure(code).note if base is not None and base.figure(code) else ""
        if note:
            row["note"] = note
        out[code] = row
    return out


def _status(base: Submission | None, used: list[WardFile]) -> str:
    if base is not None and base.status in STATUSES:
        return base.status
    final = STATUSES[1]
    return final if used and all(w.status == final for w in used) else STATUSES[0]


@dataclass
class _Table:
    """A sheet laid out as header rows and body rows; written as sheet XML, not cell by cell."""

    heading: str
    header: list[list]
    rows: list[list]
    widths: dict[int, float] = field(default_factory=dict)
    freeze: str | None = None


def _add_table(book, title: str, table: _Table, index: int) -> tuple[list, int, int]:
    """Create sheet `title` for `table` at `index`; return what `_save` writes into it (rows, header rows, style)."""
    sheet = book.create_sheet(title, index=index)
    heading = sheet["A1"]
    heading.font = Font(name=FONT, bold=True, size=13)
    set_value(heading, table.heading)
    # The header rows look like the data sheet's header: the same registered cell style.
    header_style = book[DATA_SHEET].cell(HEADER_ROW, 1).style_id
    for column, width in table.widths.items():
        sheet.column_dimensions[column_letter(column - 1)].width = width
    sheet.freeze_panes = table.freeze
    return [*table.header, *table.rows], len(table.header), header_style


def _matrix_table(catalog: Catalog, city: dict, used: list[WardFile], values: np.ndarray, title: str) -> _Table:
    """Return the per-unit matrix: indicators down, the city total and then each unit across."""
    units = used[: EXCEL_MAX_COLUMNS - 4]
    header = [["Mã", "Chỉ tiêu", "ĐVT", CITY_TOTAL, *(w.unit_name or w.unit_code for w in units)],
              ["", "Mã đơn vị", "", "", *(w.unit_code for w in units)]]
    actual = INPUT_FIELDS.index("actual")
    rows = []
    for i, ind in enumerate(catalog):
        ward_values = values[: len(units), i, actual].tolist() if ind.ward_entered else [None] * len(units)
        rows.append([ind.code, ind.name, ind.unit, city[ind.code][actual], *ward_values])
    return _Table(f"SỐ LIỆU THỰC HIỆN KỲ BÁO CÁO THEO ĐƠN VỊ — {title}", header, rows,
                  {1: 14, 2: 46, 3: 11, 4: 16}, "E4")


def ranked_indicators(catalog: Catalog) -> list[Indicator]:
    """Return the indicators wards are ranked on: those marked `rank`, else the ward-entered key targets."""
    marked = [ind for ind in catalog if ind.rank and ind.ward_entered]
    return marked or [ind for ind in catalog.key_targets if ind.ward_entered]


def _ranks(scores: list[float | None], best_high: bool) -> list[int | None]:
    """Return competition ranks (1, 2, 2, 4) of `scores`; None where there is no score."""
    given = sorted((s for s in scores if s is not None), reverse=best_high)
    first = {}
    for place, score in enumerate(given, start=1):
        first.setdefault(score, place)
    return [first[s] if s is not None else None for s in scores]


def _ranking_table(catalog: Catalog, used: list[WardFile], values: np.ndarray, title: str) -> _Table:
    """Return the ranking of units on each ranked indicator: by % of plan, or by the figure when no plan is given."""
    indicators = ranked_indicators(catalog)
    index = {ind.code: i for i, ind in enumerate(catalog)}
    top, sub = ["Mã đơn vị", "Tên đơn vị"], ["", ""]
    columns: list[list] = []
    for ind in indicators:
        i = index[ind.code]
        plan, last_year, actual = (values[:, i, INPUT_FIELDS.index(n)] for n in ("plan", "last_year", "actual"))
        actuals = [finite(a) for a in actual]
        pct = [_rounded(pct_of_plan(ind, p, l, a)[0]) for p, l, a in zip(plan, last_year, actuals)]
        if any(p is not None for p in pct):
            scores, best_high, what = pct, ind.direction != "lower", "% KH"
        else:
            scores, best_high, what = actuals, ind.direction == "higher", "Thực hiện"
        columns += [actuals, pct, _ranks(scores, best_high)]
        top += [f"{ind.name} ({ind.unit})", "", ""]
        sub += ["Thực hiện", "% KH", f"Hạng (theo {what})"]
    rows = [[w.unit_code, w.unit_name, *(column[r] for column in columns)] for r, w in enumerate(used)]
    if not indicators:
        rows = [["", "Danh mục chưa đánh dấu chỉ tiêu nào để xếp hạng (cột «Nêu phường dẫn đầu»)."]]
    return _Table(f"XẾP HẠNG CÁC ĐƠN VỊ THEO CHỈ TIÊU — {title}", [top, sub], rows,
                  {1: 16, 2: 30, **{c: 14 for c in range(3, 3 + len(columns))}}, "C4")


def _rounded(value) -> float | None:
    return round(value, 2) if value is not None else None


def _register_table(register: list[RegisterEntry], title: str) -> _Table:
    rows = [
        [n, e.unit_code, e.unit_name, YES if e.sent else NO, e.file,
         e.modified.strftime("%d/%m/%Y %H:%M:%S") if e.modified else None, e.sha256, e.period, e.year, e.version,
         e.errors if e.sent else None, e.warnings if e.sent else None, YES if e.included else NO, e.reason]
        for n, e in enumerate(register, start=1)
    ]
    return _Table(f"TÌNH HÌNH NỘP BÁO CÁO — {title}", [list(REGISTER_COLUMNS)], rows,
                  {2: 16, 3: 28, 5: 30, 6: 19, 7: 20, 8: 12, 10: 15, 13: 10, 14: 50}, "D3")


def _findings_table(findings: list[Finding], title: str) -> _Table:
    rows = [[n, SEVERITY_TEXT.get(f.severity, f.severity), f.file, f.sheet, f.cell, f.indicator, f.message, f.code]
            for n, f in enumerate(findings, start=1)]
    rows = rows or [[None, None, None, None, None, None, "Không phát hiện lỗi hay cảnh báo nào.", None]]
    return _Table(title, [list(FINDINGS_COLUMNS)], rows, {2: 10, 3: 28, 4: 14, 5: 7, 6: 14, 7: 90, 8: 20}, "A3")


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell_xml(reference: str, value, style: str = "") -> str:
    if value is None or value == "":
        return f'<c r="{reference}"{style}/>' if style else ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # numpy numbers included
        value = float(value)
        return f'<c r="{reference}"{style}><v>{value!r}</v></c>' if math.isfinite(value) else ""
    text = escape(_ILLEGAL.sub("", str(value))[:32_767])
    return f'<c r="{reference}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _rows_xml(rows: list[list], first: int, styled: int, style: int) -> tuple[bytes, int, int]:
    """Return sheet XML for `rows` from row number `first` (the first `styled` rows in `style`), the last row and width."""
    width = max((len(r) for r in rows), default=0)
    letters = [column_letter(c) for c in range(width)]
    parts = []
    for number, row in enumerate(rows, start=first):
        attribute = f' s="{style}"' if number - first < styled else ""
        cells = []
        for letter, value in zip(letters, row):
            kind = type(value)
            if (kind is float and math.isfinite(value)) or kind is int:  # most cells, kept out of a call
                cells.append(f'<c r="{letter}{number}"{attribute}><v>{value!r}</v></c>')
            else:
                cells.append(_cell_xml(f"{letter}{number}", value, attribute))
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    return "".join(parts).encode("utf-8"), first + len(rows) - 1, width


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def _with_rows(xml: bytes, rows: list[list], first: int, styled: int, style: int) -> bytes:
    """Return sheet XML `xml` with `rows` appended at the end of its sheetData."""
    body, last, width = _rows_xml(rows, first, styled, style)
    if b"</sheetData>" in xml:
        xml = xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
    else:
        xml = re.sub(rb"<sheetData\s*/>", lambda m: b"<sheetData>" + body + b"</sheetData>", xml, count=1)
    match = re.search(rb'<dimension ref="A1:([A-Z]+)(\d+)"', xml)
    if match and rows:
        columns = max(_column_number(match.group(1).decode()), width)
        reference = f"A1:{column_letter(columns - 1)}{max(last, int(match.group(2)))}".encode()
        xml = _DIMENSION.sub(b'<dimension ref="' + reference + b'"/>', xml, count=1)
    return xml


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _save(book, bodies: dict[str, tuple[list, int, int]], path: Path) -> None:
    """Save `book` to `path`, adding `bodies` (sheet title -> (rows, header rows, header style)) from row 2."""
    buffer = io.BytesIO()
    book.save(buffer)
    parts = {book[title].path.lstrip("/"): body for title, body in bodies.items()}
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in parts:
                rows, styled, style = parts[info.filename]
                data = _with_rows(data, rows, 2, styled, style)
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)


# ---------------------------------------------------------------------------------------------- merge


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
) -> MergeResult:
    """Return the MergeResult of consolidating the ward workbooks `inputs` (files or folders) into `output`.

    `base` is the city workbook before consolidation: its unit list (`Đơn vị` sheet), period,
    report details, city-level figures and catalog are kept. Without it the period is the one
    most files give and the expected units are those that sent a file, unless `units` (code,
    name) is given. The catalog is `catalog`, else the base's, else the default one. `jobs`
    worker processes read the files (default: one per core; 1 reads them in this process);
    `limits` bound what is read of each. `progress` is a callable (done, total), True/False,
    or None for a bar only on a terminal. Inputs are only read; `output` is written whole or
    not at all and never overwritten without `force`.
    """
    output = Path(output)
    if output.exists() and not force:
        raise OutputExists(f"{output}: tệp đã tồn tại. Dùng --force để ghi đè.")
    jobs = (os.cpu_count() or 1) if jobs is None else jobs
    if jobs < 1:
        raise BadArguments(f"số tiến trình (--jobs) phải từ 1 trở lên, không phải {jobs}.")
    paths = ward_files(inputs, skip=[output, *([Path(base)] if base else [])])
    if not paths:
        raise BadArguments("không có tệp Excel nào (.xlsx, .xlsm, .xls, .ods) trong các đầu vào đã chọn.")
    city_base = _read_base(base)
    catalog = catalog or city_base.catalog or default_catalog()
    expected_units = units if units is not None else city_base.units
    expected = {code.upper(): name for code, name in expected_units}

    wards = _read_all(paths, catalog, limits, jobs, progress)
    period, year = _merge_period(city_base.submission, wards)
    decision = _decide(wards, catalog, period, year, expected)
    position = {code.upper(): n for n, (code, _) in enumerate(expected_units)}
    used = sorted(decision.used.values(),
                  key=lambda w: (position.get(w.unit_code.upper(), len(position)), w.unit_code.upper()))
    values = _matrix(used, catalog)
    city = consolidate(values, catalog, city_base.submission)

    register = _register(wards, decision, expected_units)
    findings = [f for ward in wards for f in ward.findings + decision.notes.get(ward.path, [])]
    for entry in register:
        if not entry.sent:
            findings.append(finding("missing-unit", unit=entry.unit_code, name=entry.unit_name or entry.unit_code))

    base_sub = city_base.submission
    unit = (base_sub.unit_code, base_sub.unit_name) if base_sub and base_sub.unit_code else DEFAULT_CITY
    book = _city_book(catalog, base_sub, unit, period, year, expected_units or [(w.unit_code, w.unit_name) for w in used],
                      city, _status(base_sub, used))
    title = f"{unit[1]} — {period_text(period, year)}"
    tables = {
        MATRIX_SHEET: _matrix_table(catalog, city, used, values, title),
        RANKING_SHEET: _ranking_table(catalog, used, values, title),
        REGISTER_SHEET: _register_table(register, title),
        FINDINGS_SHEET: _findings_table(findings, f"KẾT QUẢ KIỂM TRA — TỔNG HỢP {format_number(len(paths))} TỆP"),
    }
    place = book.sheetnames.index(CATALOG_SHEET)
    bodies = {name: _add_table(book, name, table, place + n) for n, (name, table) in enumerate(tables.items())}
    with atomic_output(output, force=force) as temporary:
        _save(book, bodies, temporary)
    submission = parse_grid(read_grid(output, sheets=[*NEEDED_SHEETS, NOTES_SHEET]))
    return MergeResult(output, register, findings, submission, expected=len(expected) or len(decision.used))
