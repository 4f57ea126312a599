"""The Excel door: the four button handlers and the worksheet functions (`@xw.func`).

Every handler takes an `xlwings.Book` — from `xw.Book.caller()` on the desktop, or from
`xw.Book(json=payload)` when a remote client (VBA `RunRemotePython`, Office.js) posts its
workbook to `xltools serve` — reads it into a Grid, and goes through the same parser,
checks, evaluation, merge and report code as the command line, handing them objects, never
a file written for the occasion. Results go back into the open workbook through the
engine's BookWriter (engines.py): values, fill colours, notes, the `Kiểm tra` sheet, and a
one-line outcome in the `Thông tin` sheet that the VBA macros show to the user. A handler
never lets an exception reach Excel: what went wrong is written into the workbook in
Vietnamese.
"""

from __future__ import annotations

import functools
import logging
import os
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import xlwings as xw

from ..catalog import Catalog, CatalogChoice, judging_catalog
from ..check import cell_marks, check_submission
from ..errors import XltoolsError
from ..evaluate import Result, evaluate
from ..grid import Grid, column_letter, sheet_key
from ..layout import EXTRA_INFO_LABELS, FINDINGS_SHEET, INFO_SHEET, INPUT_FIELDS
from ..parse import label_key, parse_grid, parse_units
from ..submission import Submission
from ..tables import ERROR_COLOUR, FINDINGS_COLUMNS, HEADER_COLOUR, WARNING_COLOUR, findings_table, read_marked_cells
from ..writer import COMPUTED_FILL as _COMPUTED
from ..writer import INPUT_FILL as _INPUT
from ..writer import LOCKED_FILL as _LOCKED
from .engines import MACRO_BOOK_KEY, NOTE_MACRO, BookWriter, as_text, grid_from_book, use_remote_engine
from .functions import XT_CAU, XT_CHANGE, XT_PCT_PLAN, XT_SO, XT_STATUS

__all__ = [
    "grid_from_book", "check", "compute", "merge", "report",
    "check_caller", "compute_caller", "merge_caller", "report_caller",
    "XT_PCT_PLAN", "XT_CHANGE", "XT_STATUS", "XT_SO", "XT_CAU",
    "HANDLERS", "use_remote_engine", "BookWriter", "NOTE_MACRO", "MACRO_BOOK_KEY", "MESSAGE_LABEL", "REPORT_LABEL",
    "FINDINGS_COLUMNS", "column_letter",
]

log = logging.getLogger(__name__)

# Labels the handlers add under the `Thông tin` labels; the parser ignores unknown labels.
MESSAGE_LABEL = "Kết quả xử lý"
REPORT_LABEL = "Tệp báo cáo"

ERROR_FILL = "#" + ERROR_COLOUR
WARNING_FILL = "#" + WARNING_COLOUR
HEADER_FILL = "#" + HEADER_COLOUR
# The standard fills of the ward workbook (writer.py), restored when a mark is cleared.
INPUT_FILL, COMPUTED_FILL, LOCKED_FILL = ("#" + fill.fgColor.rgb[-6:] for fill in (_INPUT, _COMPUTED, _LOCKED))


@dataclass
class _Session:
    """One button press: the book, its writer, and what the book said when the button was pressed."""

    book: xw.Book
    grid: Grid
    submission: Submission
    writer: BookWriter

    @classmethod
    def open(cls, book: xw.Book) -> _Session:
        grid = grid_from_book(book)
        return cls(book, grid, parse_grid(grid), BookWriter.of(book))

    @functools.cached_property
    def choice(self) -> CatalogChoice:
        """Return the catalog that judges the open workbook, the same one `xltools check` would use."""
        return judging_catalog(self.grid, self.submission.version)

    @property
    def catalog(self) -> Catalog:
        return self.choice.catalog

    def sheet(self, name: str):
        return self.writer.sheet(name)


def _info_row(session: _Session, label: str) -> int:
    """Return the 1-based row of `label` in column A of `Thông tin`, or the row where it will be added."""
    rows = session.grid.sheet(INFO_SHEET) or []
    wanted = label_key(label)
    for number, row in enumerate(rows, start=1):  # matched as the parser matches the labels it reads
        if row and isinstance(row[0], str) and label_key(row[0]) == wanted:
            return number
    last = max((n for n, row in enumerate(rows, start=1) if any(v is not None for v in row)), default=0)
    # Added labels sit together, one blank row below the sheet's own content.
    ours = last and rows[last - 1][:1] in ([MESSAGE_LABEL], [REPORT_LABEL])
    row = last + 1 if ours else last + 2
    rows.extend([] for _ in range(row - len(rows)))
    rows[row - 1] = [label]
    return row


def _write_info(session: _Session, label: str, value) -> str | None:
    """Write `label` and `value` into a row of `Thông tin`; return the address of the value cell."""
    sheet = session.sheet(INFO_SHEET)
    if sheet is None:
        return None
    row = _info_row(session, label)
    sheet[f"A{row}"].value = [[label, as_text(value)]]
    return f"B{row}"


def _tell(session: _Session | None, book: xw.Book, message: str) -> str:
    """Put the outcome `message` where the user sees it: `Thông tin`, else under the title of `Kiểm tra`."""
    stamped = f"{datetime.now():%H:%M %d/%m/%Y}: {message}"
    try:
        if session is not None and session.sheet(INFO_SHEET) is not None:
            _write_info(session, MESSAGE_LABEL, stamped)
        else:
            BookWriter.of(book).sheet(FINDINGS_SHEET, create=True)["A2"].value = [[MESSAGE_LABEL, stamped]]
    except Exception:  # the message is a courtesy; never let it hide the outcome
        log.exception("could not write the outcome into the workbook")
    return message


def _standard_fill(session: _Session, sheet_name: str, address: str) -> str | None:
    """Return the fill a cell has in a fresh workbook, so removing a mark restores it."""
    sub = session.submission
    if _same(sheet_name, INFO_SHEET):
        if not address.startswith("B"):
            return HEADER_FILL
        editable = {"status", *EXTRA_INFO_LABELS}
        return INPUT_FILL if any(sub.info_cells.get(n) == address for n in editable) else LOCKED_FILL
    if _same(sheet_name, sub.data_sheet):
        for figure in sub.figures.values():
            field_name = next((f for f, a in figure.cells.items() if a == address), None)
            if field_name is None:
                continue
            if field_name in ("pct_plan", "pct_last_year"):
                return COMPUTED_FILL
            if field_name == "code":
                return LOCKED_FILL
            ind = session.catalog.by_code.get(figure.code)
            entered = sub.is_city or (ind is not None and ind.ward_entered)
            return INPUT_FILL if entered else LOCKED_FILL
    return None


def _same(a: str | None, b: str | None) -> bool:
    """Return True when two sheet names are the same, as the reader matches them (grid.sheet_key)."""
    return a is not None and b is not None and sheet_key(a) == sheet_key(b)


# --------------------------------------------------------------------------- handlers


def _handle(book: xw.Book, what: str, body) -> str:
    """Run `body(session)` and return its message; any failure becomes a Vietnamese message in the book."""
    session = None
    try:
        session = _Session.open(book)
        return _tell(session, book, body(session))
    except XltoolsError as exc:
        return _tell(session, book, f"Lỗi: {exc}")
    except Exception as exc:
        log.exception("xltools %s failed on %s", what, getattr(book, "name", "?"))
        return _tell(session, book, f"Lỗi: xltools gặp sự cố khi {what} ({type(exc).__name__}: {exc}). "
                                    "Đề nghị báo cho cán bộ công nghệ thông tin kèm tệp đang mở.")


def check(book: xw.Book, archive=None) -> str:
    """Check the open workbook: colour and annotate flagged cells, list every finding on `Kiểm tra`.

    With an `archive` (an open xltools.archive.Archive, or the file or URL of one), a typed cùng kỳ
    or plan that differs from the archived figure is a warning at its cell. Return the one-line
    outcome, also written into `Thông tin`.
    """
    def run(session: _Session) -> str:
        findings = check_submission(session.submission, session.catalog) + session.choice.findings
        if archive is not None:
            from ..check.archived import archived_differences
            from ..check.checker import sort_findings

            found = archived_differences(session.submission, session.catalog, _known(session, archive))
            findings = sort_findings(findings + found, session.submission.data_sheet)
        writer = session.writer
        for sheet_name, address in read_marked_cells(session.grid.sheet(FINDINGS_SHEET) or [], session.grid.source):
            sheet = session.sheet(sheet_name)
            if sheet is not None:
                writer.set_fill(sheet[address], _standard_fill(session, sheet_name, address))
                writer.set_note(sheet, address, None)
        for mark in cell_marks(findings):
            sheet = session.sheet(mark.sheet)
            if sheet is not None:
                writer.set_fill(sheet[mark.cell], "#" + mark.colour)
                writer.set_note(sheet, mark.cell, mark.note)
        errors = sum(1 for f in findings if f.is_error)
        warnings = len(findings) - errors
        writer.write_table(FINDINGS_SHEET, findings_table(findings, f"KẾT QUẢ KIỂM TRA — {session.grid.source}",
                                                          linked_file=session.grid.source))
        if not findings:
            return "Kiểm tra xong: không có lỗi, không có cảnh báo. Có thể gửi báo cáo."
        verdict = ("Đề nghị sửa các ô tô đỏ rồi bấm Kiểm tra lại." if errors
                   else "Có thể gửi báo cáo sau khi xem lại các cảnh báo.")
        return f"Kiểm tra xong: {errors} lỗi, {warnings} cảnh báo (xem trang «{FINDINGS_SHEET}»). {verdict}"

    return _handle(book, "kiểm tra", run)


def _write_percentages(session: _Session, results: list[Result]) -> int:
    """Write % of plan and % of the same period into the open data sheet; return how many rows were filled."""
    sheet = session.sheet(session.submission.data_sheet)
    filled = 0
    for result in results:
        figure = session.submission.figure(result.code)
        if figure is None or sheet is None:
            continue
        for name in ("pct_plan", "pct_last_year"):
            if name in figure.cells:
                sheet[figure.cells[name]].value = getattr(result, name)
        filled += result.pct_plan is not None or result.pct_last_year is not None
    return filled


def compute(book: xw.Book, archive=None) -> str:
    """Fill `% so với kế hoạch` and `% so với cùng kỳ` of every indicator row with values from evaluate.

    With an `archive` (as for `check`), empty cùng kỳ and plan cells are first filled from it, each with a note.
    """
    def run(session: _Session) -> str:
        if not session.submission.figures:
            return "Lỗi: không tìm thấy bảng số liệu (trang «Số liệu» có cột «Mã» và «Chỉ tiêu»)."
        prefilled = _prefill(session, _known(session, archive)) if archive is not None else 0
        results = evaluate(session.submission, session.catalog)
        filled = _write_percentages(session, results)
        done = f"đã điền sẵn {prefilled} ô từ kho lưu trữ, " if prefilled else ""
        return f"Tính toán xong: {done}đã điền tỷ lệ % cho {filled}/{len(session.submission.figures)} chỉ tiêu."

    return _handle(book, "tính toán", run)


def _known(session: _Session, archive) -> dict:
    """Return what `archive` knows of the open workbook's report (see archive.known_figures); {} when it cannot say."""
    sub = session.submission
    if not sub.unit_code or sub.period is None or not sub.year:
        return {}
    from ..archive import known_figures, using_archive

    with using_archive(archive) as store:
        return known_figures(store, session.catalog, sub.unit_code, sub.period, sub.year)


def _prefill(session: _Session, known: dict) -> int:
    """Fill the empty input cells `known` has a value for, each with a note saying where it came from; return how many."""
    sub, sheet = session.submission, session.sheet(session.submission.data_sheet)
    count = 0
    for code, values in known.items():
        figure, ind = sub.figure(code), session.catalog.by_code.get(code)
        if sheet is None or figure is None or ind is None or not (sub.is_city or ind.ward_entered):
            continue
        for name, given in values.items():
            if name in figure.cells and figure.value(name) is None:
                sheet[figure.cells[name]].value = given.value
                session.writer.set_note(sheet, figure.cells[name], given.note)
                setattr(figure, name, given.value)
                count += 1
    return count


def _wards_folder(session: _Session, root: Path | None = None) -> Path:
    """Return the folder of ward workbooks: the `Thông tin` entry, else the folder of the open workbook.

    With `root` (the server's `--wards-root`), a relative entry is taken inside it and a folder
    outside it is refused, so a client cannot make the server read any folder it can reach.
    """
    named = session.submission.info.get("ward_folder", "").strip().replace("\\", os.sep)  # 2022\PhuongXa on Linux
    base = root or (session.grid.path.parent if session.grid.path else None)
    if named:
        folder = Path(named).expanduser()
        if not folder.is_absolute():
            if base is None:
                raise _Refused(f"thư mục «{named}» ở mục «{EXTRA_INFO_LABELS['ward_folder']}» phải là đường dẫn đầy đủ "
                               "trên máy chủ (ví dụ D:\\BaoCao\\2022\\PhuongXa).")
            folder = base / folder
    elif base is not None:
        folder = base
    else:
        raise _Refused(f"chưa ghi thư mục chứa tệp của các phường, xã ở mục «{EXTRA_INFO_LABELS['ward_folder']}» "
                       "trang «Thông tin».")
    if root is not None and not folder.resolve().is_relative_to(Path(root).resolve()):
        raise _Refused(f"thư mục «{folder}» nằm ngoài thư mục dữ liệu của máy chủ «{root}»; "
                       f"đề nghị ghi thư mục con của «{root}».")
    if not folder.is_dir():
        raise _Refused(f"không tìm thấy thư mục «{folder}» (mục «{EXTRA_INFO_LABELS['ward_folder']}» trang «Thông tin»).")
    return folder


class _Refused(XltoolsError):
    """A button that cannot run with what the workbook says; the message tells the user what to fix."""


def merge(book: xw.Book, wards_root: str | Path | None = None) -> str:
    """Consolidate the ward workbooks into the open city workbook.

    The figures of ward-entered indicators and both percentages go into the data sheet, the
    findings into `Kiểm tra`, and the register, per-unit matrix and ranking into sheets of the
    same names as in a merged city workbook. The open workbook, saved or not, is the city's
    base: its unit list, period and city-level figures are kept. `wards_root` confines the
    wards folder (see `_wards_folder`).
    """
    def run(session: _Session) -> str:
        # Imported on use: Excel loads this module for the worksheet functions, which should start fast.
        from ..merge import REGISTER_SHEET, CityBase, merge_wards, read_wards, ward_files

        folder = _wards_folder(session, Path(wards_root) if wards_root else None)
        own = [session.grid.path] if session.grid.path else []
        files = ward_files([folder], skip=own)
        if not files:
            raise _Refused(f"thư mục «{folder}» không có tệp Excel nào của phường, xã.")
        try:  # in worker processes: a file that crashes the reader must not take Excel's Python (or the server) down
            wards = read_wards(files, session.catalog, jobs=os.cpu_count() or 1, progress=False, isolated=True)
        except BrokenProcessPool:
            raise _Refused(f"chương trình đọc tệp Excel dừng đột ngột khi đọc các tệp trong thư mục «{folder}» (có thể "
                           "một tệp bị hỏng). Đề nghị mở thử từng tệp mới nhận bằng Excel, lưu lại rồi bấm Tổng hợp "
                           "lại; nếu vẫn lỗi, báo cán bộ công nghệ thông tin.") from None
        base = CityBase(session.submission, *parse_units(session.grid))
        result = merge_wards(wards, session.catalog, base, file=session.grid.source)
        written = _write_merged(session, result.submission)
        _write_percentages(session, evaluate(result.submission, session.catalog))
        tables = result.tables()
        tables[FINDINGS_SHEET] = findings_table(
            result.findings, f"KẾT QUẢ TỔNG HỢP — {len(files)} tệp trong {folder}", linked_file=session.grid.source)
        for name, table in tables.items():
            session.writer.write_table(name, table)
        missing = len(result.missing)
        summary = (f"Tổng hợp xong: {result.included}/{len(files)} tệp được đưa vào, đã điền {written} ô số liệu "
                   f"(xem trang «{REGISTER_SHEET}»).")
        if missing:
            summary += f" Còn {missing} đơn vị chưa nộp."
        if result.errors:
            summary += f" Có {result.errors} lỗi, xem trang «{FINDINGS_SHEET}»."
        return summary

    return _handle(book, "tổng hợp", run)


def _write_merged(session: _Session, merged: Submission) -> int:
    """Write the consolidated figures of ward-entered indicators into the open data sheet; return the cell count."""
    sheet = session.sheet(session.submission.data_sheet)
    count = 0
    for code, figure in session.submission.figures.items():
        ind = session.catalog.by_code.get(code)
        source = merged.figure(code)
        if sheet is None or source is None or ind is None or not ind.ward_entered:
            continue
        for name in INPUT_FIELDS:
            value = source.value(name)
            if name in figure.cells and value is not None:
                sheet[figure.cells[name]].value = value
                setattr(figure, name, value)
                count += 1
    return count


def report(book: xw.Book, output_dir: str | Path | None = None, store=None) -> str:
    """Write the Word report of the open workbook next to it (or into `output_dir`); put its path in `Thông tin`.

    The report is written from what is on screen, saved or not; a city workbook's `Xếp hạng`
    sheet names the leading and lagging units. With `store` (the server's store of reports,
    whose `reserve()` returns a new id and its folder), the report is written there and the
    client is told to fetch it and open it on the user's computer.
    """
    def run(session: _Session) -> str:
        from ..merge import RANKING_SHEET, read_ranking
        from ..report import write_report

        path = session.grid.path
        if store is not None:
            report_id, folder = store.reserve()
        else:
            folder = Path(output_dir or os.environ.get("XLTOOLS_OUTPUT_DIR") or (path.parent if path else Path.cwd()))
            folder.mkdir(parents=True, exist_ok=True)
        stem = Path(session.grid.source).stem or "bao-cao"
        rows = session.grid.sheet(RANKING_SHEET)
        ranking = read_ranking(rows, session.catalog) if rows is not None else None
        written = write_report(session.submission, session.catalog, folder / f"{stem} - báo cáo.docx",
                               ranking=ranking, force=True)
        _write_info(session, REPORT_LABEL, str(written))
        if store is None:
            return f"Đã tạo báo cáo: {written}"
        session.writer.open_report(report_id, written.name)
        return f"Đã tạo báo cáo «{written.name}»."

    return _handle(book, "tạo báo cáo", run)


HANDLERS = {"check": check, "compute": compute, "merge": merge, "report": report}


# Desktop entry points for VBA `RunPython "import xltools.excel as x; x.check_caller()"`.

def check_caller() -> str:
    """Run `check` on the workbook that called RunPython, with the office's archive when it has one."""
    return check(xw.Book.caller(), archive=_office_archive())


def compute_caller() -> str:
    """Run `compute` on the workbook that called RunPython, with the office's archive when it has one."""
    return compute(xw.Book.caller(), archive=_office_archive())


def _office_archive() -> str | None:
    """Return the office's archive (XLTOOLS_DB or the config file); a broken config is reported by the handler."""
    from ..config import setting

    try:
        return setting("db")
    except XltoolsError:
        return None


def merge_caller() -> str:
    """Run `merge` on the workbook that called RunPython."""
    return merge(xw.Book.caller())


def report_caller() -> str:
    """Run `report` on the workbook that called RunPython."""
    return report(xw.Book.caller())
