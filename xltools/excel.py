"""The Excel door: worksheet functions (`@xw.func`) and the four button handlers.

Every handler takes an `xlwings.Book` — from `xw.Book.caller()` on the desktop, or from
`xw.Book(json=payload)` when a remote client (VBA `RunRemotePython`, Office.js) posts its
workbook to `xltools serve` — reads it into a Grid, and goes through the same parser,
checks, evaluation, merge and report code as the command line. Results go back into the
open workbook: values, fill colours, notes, the `Kiểm tra` sheet, and a one-line outcome
in the `Thông tin` sheet that the VBA macros show to the user. A handler never lets an
exception reach Excel: what went wrong is written into the workbook in Vietnamese.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlwings as xw

from .check import cell_marks, check_submission
from .check.annotate import ERROR_COLOUR, FINDINGS_COLUMNS, HEADER_COLOUR, WARNING_COLOUR, finding_row
from .catalog import DIRECTIONS, KINDS, Catalog, Indicator, default_catalog, workbook_catalog
from .errors import XltoolsError
from .evaluate import Result, evaluate, evaluate_indicator
from .findings import Finding
from .grid import DEFAULT_LIMITS, Grid, clean_value, column_letter, date_text, read_grid, sheet_key
from .layout import EXTRA_INFO_LABELS, FINDINGS_SHEET, INFO_SHEET, INPUT_FIELDS, LEVELS
from .numbers import NumberTextError, format_number, parse_number
from .parse import label_key, parse_grid
from .submission import Figure, Submission
from .writer import COMPUTED_FILL as _COMPUTED
from .writer import INPUT_FILL as _INPUT
from .writer import LOCKED_FILL as _LOCKED

__all__ = [
    "grid_from_book", "book_payload", "check", "compute", "merge", "report",
    "check_caller", "compute_caller", "merge_caller", "report_caller",
    "XT_PCT_PLAN", "XT_CHANGE", "XT_STATUS", "XT_SO", "XT_CAU",
    "HANDLERS", "use_remote_engine", "NOTE_MACRO", "MESSAGE_LABEL", "REPORT_LABEL",
]

log = logging.getLogger(__name__)

# Labels the handlers add under the `Thông tin` labels; the parser ignores unknown labels.
MESSAGE_LABEL = "Kết quả xử lý"
REPORT_LABEL = "Tệp báo cáo"
# The VBA Sub (macros/XLTools.bas) that sets or clears a cell note for VBA remote clients,
# which have no note action of their own.
NOTE_MACRO = "XLToolsSetNote"
# Payload key the server sets to the workbook holding the macros (`?macros=` in the URL).
MACRO_BOOK_KEY = "xltools_macro_book"

ERROR_FILL = "#" + ERROR_COLOUR
WARNING_FILL = "#" + WARNING_COLOUR
HEADER_FILL = "#" + HEADER_COLOUR
# The standard fills of the ward workbook (writer.py), restored when a mark is cleared.
INPUT_FILL, COMPUTED_FILL, LOCKED_FILL = ("#" + fill.fgColor.rgb[-6:] for fill in (_INPUT, _COMPUTED, _LOCKED))


# --------------------------------------------------------------------------- reading


def use_remote_engine() -> None:
    """Make xlwings' remote engine (`xw.Book(json=...)`) available in this process.

    The remote engine is xlwings PRO, free for noncommercial use under the PolyForm
    Noncommercial License 1.0.0, which names government institutions among the permitted
    users; `XLWINGS_LICENSE_KEY=noncommercial` is set unless a key is already set.
    xlwings registers the engine when it is imported with a valid key, so it is added here
    when xlwings was imported before the key was set.
    """
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    if "remote" not in [engine.name for engine in xw.engines]:
        from xlwings.main import Engine
        from xlwings.pro import _xlremote

        xw.engines.add(Engine(impl=_xlremote.engine))


def grid_from_book(book: xw.Book) -> Grid:
    """Return the Grid of an open xlwings `book`: each sheet's values from A1 to the end of its used range.

    Works for the desktop engines and for a remote payload alike. Sheets are clipped at
    the reader's row and column limits; text is normalised to NFC like the file reader.
    """
    sheets: dict[str, list[list]] = {}
    for sheet in book.sheets:
        last = sheet.used_range.last_cell
        rows = min(last.row, DEFAULT_LIMITS.max_rows)
        columns = min(last.column, DEFAULT_LIMITS.max_columns)
        values = sheet.range((1, 1), (rows, columns)).options(ndim=2, err_to_str=True).value
        sheets[unicodedata.normalize("NFC", sheet.name)] = [[clean_value(v) for v in row] for row in values]
    return Grid(sheets, source=book.name, path=_book_path(book))


def book_payload(path: str | Path, client: str = "VBA") -> dict:
    """Return the JSON a remote xlwings client would post for the workbook at `path`.

    The shape is the one VBA `RunRemotePython` builds (xlwings' Remote.bas): the book, its
    names, and each sheet's values from A1 to the end of the used range, empty cells as "".
    Used by the tests and to try `xltools serve` without Excel.
    """
    grid = read_grid(path)
    sheets = []
    for name, rows in grid.sheets.items():
        width = max((len(row) for row in rows), default=0)
        values = [[_json_value(v) for v in row] + [""] * (width - len(row)) for row in rows] if width else [[]]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": [],
                       **({"notes": []} if client == "Office.js" else {})})
    return {
        "client": client,
        "version": xw.__version__,
        "book": {"name": Path(path).name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return value



def _is_remote(book: xw.Book) -> bool:
    return book.app.engine.name == "remote"


def _book_path(book: xw.Book) -> Path | None:
    """Return the workbook's file on disk, or None for a remote or never-saved book."""
    if _is_remote(book):
        return None
    path = Path(book.fullname)
    return path if path.is_absolute() and path.exists() else None


def _catalog(grid: Grid) -> Catalog:
    """Return the catalog the workbook carries in its hidden sheet, or the default one."""
    return workbook_catalog(grid) or default_catalog()


# --------------------------------------------------------------------------- writing


@dataclass
class _Session:
    """One button press: the book, and what it said when the button was pressed."""

    book: xw.Book
    grid: Grid
    submission: Submission

    @classmethod
    def open(cls, book: xw.Book) -> _Session:
        grid = grid_from_book(book)
        return cls(book, grid, parse_grid(grid))

    @functools.cached_property
    def catalog(self) -> Catalog:
        return _catalog(self.grid)

    def sheet(self, name: str):
        actual = self.grid.sheet_name(name)
        return self.book.sheets[actual] if actual is not None else None


def _set_note(book: xw.Book, sheet, address: str, text: str | None) -> None:
    """Set (or with `text` None, remove) the note of one cell, whichever client holds the book."""
    cell = sheet[address]
    if not _is_remote(book):
        if cell.note is not None:
            cell.note.delete()
        if text:
            cell.add_note(text)
        return
    api = book.impl.api
    if api.get("client") == "Office.js" and sheet.impl.api.get("notes") is not None:
        note = cell.note
        if note is not None and text:
            note.text = text
        elif note is not None:
            note.delete()
        elif text:
            cell.add_note(text)
        return
    if api.get("client") == "VBA":
        macro = NOTE_MACRO
        if api.get(MACRO_BOOK_KEY):
            macro = f"'{api[MACRO_BOOK_KEY]}'!{NOTE_MACRO}"
        book.app.macro(macro)(sheet.name, address, text or "")
    # Other clients cannot hold notes; the `Kiểm tra` sheet still lists every message.


def _set_fill(book: xw.Book, cell, color: str | None) -> None:
    """Fill `cell` with `color`; None removes the fill (white for VBA clients, which cannot remove it)."""
    if color is None and _is_remote(book) and book.impl.api.get("client") != "Office.js":
        color = "#FFFFFF"
    cell.color = color


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
    sheet[f"A{row}"].value = [[label, _as_text(value)]]
    return f"B{row}"


def _tell(session: _Session | None, book: xw.Book, message: str) -> str:
    """Put the outcome `message` where the user sees it: `Thông tin`, else row 1 of the `Kiểm tra` sheet."""
    stamped = f"{datetime.now():%H:%M %d/%m/%Y}: {message}"
    try:
        if session is not None and session.sheet(INFO_SHEET) is not None:
            _write_info(session, MESSAGE_LABEL, stamped)
        else:
            _sheet(book, FINDINGS_SHEET, empty=False)["A1"].value = [[MESSAGE_LABEL, stamped]]
    except Exception:  # the message is a courtesy; never let it hide the outcome
        log.exception("could not write the outcome into the workbook")
    return message


def _sheet(book: xw.Book, name: str, empty: bool = True):
    """Return the sheet `name` (emptied when `empty`), adding it after the last sheet when missing."""
    for sheet in book.sheets:
        if _same(sheet.name, name):
            if empty:
                sheet.clear()
            return sheet
    return book.sheets.add(name=name, after=book.sheets[len(book.sheets) - 1])


def _write_findings(session: _Session, findings: list[Finding], title: str):
    """Fill the `Kiểm tra` sheet: row 1 left for the outcome, a title, a header, one row per finding."""
    sheet = _sheet(session.book, FINDINGS_SHEET)
    rows: list[list] = [[_as_text(title)], list(FINDINGS_COLUMNS)]
    for number, item in enumerate(findings, start=1):
        row = [_as_text(value or "") for value in finding_row(number, item)]
        row[FINDINGS_COLUMNS.index("Ô")] = _cell_link(item, session.grid)
        rows.append(row)
    if not findings:
        rows.append(["", "", "", "", "", "", "Không phát hiện lỗi hay cảnh báo nào.", ""])
    width = len(FINDINGS_COLUMNS)
    sheet["A2"].value = [row + [None] * (width - len(row)) for row in rows]
    sheet[f"A3:{column_letter(width - 1)}3"].color = HEADER_FILL
    for number, item in enumerate(findings, start=4):
        sheet[f"B{number}"].color = ERROR_FILL if item.is_error else WARNING_FILL
    return sheet


def _as_text(value):
    """Return `value` so that Excel stores it as typed: text starting like a formula gets Excel's `'` prefix."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell_link(item: Finding, grid: Grid) -> str:
    """Return the finding's cell address, as a link to the cell when it is in this workbook."""
    if not item.cell:
        return ""
    if not item.sheet or item.file not in (None, grid.source) or grid.sheet_name(item.sheet) is None:
        return item.cell
    sheet = grid.sheet_name(item.sheet).replace("'", "''").replace('"', '""')
    return f'=HYPERLINK("#\'{sheet}\'!{item.cell}","{item.cell}")'


_ADDRESS = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")


def _previous_marks(grid: Grid) -> list[tuple[str, str]]:
    """Return the (sheet, cell) pairs the last check marked, read back from the `Kiểm tra` sheet."""
    rows = grid.sheet(FINDINGS_SHEET) or []
    for r, row in enumerate(rows[:5]):
        if "Trang tính" in row and "Ô" in row and "Tệp" in row:
            file_col, sheet_col, cell_col = row.index("Tệp"), row.index("Trang tính"), row.index("Ô")
            # Rows about other files (a merge lists the wards' findings) mark nothing here.
            # Rows typed over by hand (anything but a cell address) are ignored.
            return [
                (str(line[sheet_col]), str(line[cell_col]))
                for line in rows[r + 1:]
                if len(line) > max(file_col, sheet_col, cell_col) and line[sheet_col]
                and _ADDRESS.match(str(line[cell_col] or "")) and line[file_col] in (None, grid.source)
            ]
    return []


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
            field = next((f for f, a in figure.cells.items() if a == address), None)
            if field is None:
                continue
            if field in ("pct_plan", "pct_last_year"):
                return COMPUTED_FILL
            if field == "code":
                return LOCKED_FILL
            ind = session.catalog.by_code.get(figure.code)
            entered = sub.level == LEVELS[1] or (ind is not None and ind.ward_entered)
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


def check(book: xw.Book) -> str:
    """Check the open workbook: colour and annotate flagged cells, list every finding on `Kiểm tra`.

    Return the one-line outcome, also written into `Thông tin`.
    """
    def run(session: _Session) -> str:
        findings = check_submission(session.submission, session.catalog)
        for sheet_name, address in _previous_marks(session.grid):
            sheet = session.sheet(sheet_name)
            if sheet is not None:
                _set_fill(book, sheet[address], _standard_fill(session, sheet_name, address))
                _set_note(book, sheet, address, None)
        for mark in cell_marks(findings):
            sheet = session.sheet(mark.sheet)
            if sheet is not None:
                _set_fill(book, sheet[mark.cell], "#" + mark.colour)
                _set_note(book, sheet, mark.cell, mark.note)
        errors = sum(1 for f in findings if f.is_error)
        warnings = len(findings) - errors
        _write_findings(session, findings, f"KẾT QUẢ KIỂM TRA — {session.grid.source}")
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
        for field in ("pct_plan", "pct_last_year"):
            if field in figure.cells:
                sheet[figure.cells[field]].value = getattr(result, field)
        filled += result.pct_plan is not None or result.pct_last_year is not None
    return filled


def compute(book: xw.Book) -> str:
    """Fill `% so với kế hoạch` and `% so với cùng kỳ` of every indicator row with values from evaluate."""
    def run(session: _Session) -> str:
        if not session.submission.figures:
            return "Lỗi: không tìm thấy bảng số liệu (trang «Số liệu» có cột «Mã» và «Chỉ tiêu»)."
        results = evaluate(session.submission, session.catalog)
        filled = _write_percentages(session, results)
        return f"Tính toán xong: đã điền tỷ lệ % cho {filled}/{len(session.submission.figures)} chỉ tiêu."

    return _handle(book, "tính toán", run)


def _wards_folder(session: _Session, root: Path | None = None) -> Path:
    """Return the folder of ward workbooks: the `Thông tin` entry, else the folder of the open workbook.

    With `root` (the server's `--wards-root`), a relative entry is taken inside it and a folder
    outside it is refused, so a client cannot make the server read any folder it can reach.
    """
    named = session.submission.info.get("ward_folder", "").strip()
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
    findings into `Kiểm tra`, and the register, per-unit matrix and ranking of the merged
    workbook into sheets of the same names. The open workbook, saved or not, is the base:
    its unit list, period and city-level figures are kept. `wards_root` confines the wards
    folder (see `_wards_folder`).
    """
    def run(session: _Session) -> str:
        # Imported on use: Excel loads this module for the worksheet functions, which should start fast.
        from .merge import MATRIX_SHEET, RANKING_SHEET, REGISTER_SHEET, ward_files
        from .merge import merge as merge_files

        folder = _wards_folder(session, Path(wards_root) if wards_root else None)
        own = [session.grid.path] if session.grid.path else []
        files = ward_files([folder], skip=own)
        if not files:
            raise _Refused(f"thư mục «{folder}» không có tệp Excel nào của phường, xã.")
        copied = (REGISTER_SHEET, MATRIX_SHEET, RANKING_SHEET)
        with tempfile.TemporaryDirectory(prefix="xltools-") as temporary:
            base = Path(temporary) / (Path(session.grid.source).stem + ".xlsx")
            _save_grid(session.grid, base)
            result = merge_files(files, Path(temporary) / "tong-hop.xlsx", catalog=session.catalog, base=base,
                                 force=True)
            merged_sheets = read_grid(result.output, sheets=list(copied))
        written = _write_merged(session, result.submission)
        _write_percentages(session, evaluate(result.submission, session.catalog))
        for name in copied:
            rows = merged_sheets.sheet(name)
            if rows:
                width = max(len(row) for row in rows)
                _sheet(book, name)["A1"].value = [[_as_text(v) for v in row] + [None] * (width - len(row))
                                                  for row in rows]
        _write_findings(session, result.findings, f"KẾT QUẢ TỔNG HỢP — {len(files)} tệp trong {folder}")
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
        for field in INPUT_FIELDS:
            value = source.value(field)
            if field in figure.cells and value is not None:
                sheet[figure.cells[field]].value = value
                setattr(figure, field, value)
                count += 1
    return count


def report(book: xw.Book, output_dir: str | Path | None = None) -> str:
    """Write the Word report of the open workbook next to it (or into `output_dir`); put its path in `Thông tin`."""
    def run(session: _Session) -> str:
        from .report import write_report

        path = session.grid.path
        folder = Path(output_dir or os.environ.get("XLTOOLS_OUTPUT_DIR") or (path.parent if path else Path.cwd()))
        folder.mkdir(parents=True, exist_ok=True)
        stem = Path(session.grid.source).stem or "bao-cao"
        output = folder / f"{stem} - báo cáo.docx"
        with tempfile.TemporaryDirectory(prefix="xltools-") as temporary:
            # The report is written from what is on screen, saved or not.
            snapshot = Path(temporary) / f"{stem}.xlsx"
            _save_grid(session.grid, snapshot)
            written = write_report(snapshot, output, force=True, catalog=session.catalog)
        _write_info(session, REPORT_LABEL, str(written))
        return f"Đã tạo báo cáo: {written}"

    return _handle(book, "tạo báo cáo", run)


def _save_grid(grid: Grid, path: Path) -> None:
    """Save the values of `grid` as a plain .xlsx, sheet by sheet, hidden catalog included."""
    from openpyxl import Workbook

    from .writer import set_value

    book = Workbook()
    book.remove(book.active)
    for name, rows in grid.sheets.items():
        sheet = book.create_sheet(name[:31])
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    set_value(sheet.cell(r, c), value)  # text such as "=..." stays text
    book.save(path)


HANDLERS = {"check": check, "compute": compute, "merge": merge, "report": report}


# Desktop entry points for VBA `RunPython "import xltools.excel as x; x.check_caller()"`.

def check_caller() -> str:
    """Run `check` on the workbook that called RunPython."""
    return check(xw.Book.caller())


def compute_caller() -> str:
    """Run `compute` on the workbook that called RunPython."""
    return compute(xw.Book.caller())


def merge_caller() -> str:
    """Run `merge` on the workbook that called RunPython."""
    return merge(xw.Book.caller())


def report_caller() -> str:
    """Run `report` on the workbook that called RunPython."""
    return report(xw.Book.caller())


# --------------------------------------------------------------------------- worksheet functions


class _BadArgument(ValueError):
    """A worksheet-function argument that cannot be used; the message is shown in the cell."""


def _number(value, what: str) -> float | None:
    """Return the number in a cell argument (number or Vietnamese number text), None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _BadArgument(f"{what} phải là số, không phải giá trị đúng/sai")
    if isinstance(value, (int, float)):
        if not math.isfinite(value):
            raise _BadArgument(f"{what} không phải là số hữu hạn")
        return float(value)
    if isinstance(value, str):
        try:
            return parse_number(value)
        except NumberTextError as exc:
            raise _BadArgument(f"{what} «{value}» {exc.reason}") from None
    if isinstance(value, (datetime, date, time, timedelta)):  # as parse reports a date in a number cell
        raise _BadArgument(f"{what} phải là số, không phải ngày giờ «{date_text(value)}»")
    raise _BadArgument(f"{what} phải là số (đang là {type(value).__name__})")


def _word(value, table: dict[str, str], what: str, default: str) -> str:
    """Return the meaning of a catalog word (`tăng`, `giảm bớt`, `tỷ lệ`...), English names accepted too."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return table[default]
    text = unicodedata.normalize("NFC", str(value)).strip().lower()
    if text in table:
        return table[text]
    if text in table.values():
        return text
    allowed = ", ".join(f"«{w}»" for w in table)
    raise _BadArgument(f"{what} «{value}» không hợp lệ; chỉ được ghi {allowed}")


def _decimals(value, default: int | None = 2) -> int | None:
    number = _number(value, "số chữ số thập phân")
    if number is None:
        return default
    if not number.is_integer() or not 0 <= number <= 10:
        raise _BadArgument("số chữ số thập phân phải là số nguyên từ 0 đến 10")
    return int(number)


def _indicator(kind="giá trị", direction="tăng", decimals=2, code="XT", name="", unit="") -> Indicator:
    return Indicator(code=code, name=name, unit=unit, group="", section="",
                     kind=_word(kind, KINDS, "loại chỉ tiêu", "giá trị"),
                     direction=_word(direction, DIRECTIONS, "chiều đánh giá", "tăng"),
                     rule="sum", decimals=decimals)


def _result(ind: Indicator, actual, plan=None, last_year=None) -> Result:
    figure = Figure(code=ind.code, row=0, name=ind.name, unit=ind.unit,
                    actual=_number(actual, "số thực hiện"), plan=_number(plan, "số kế hoạch"),
                    last_year=_number(last_year, "số cùng kỳ"))
    return evaluate_indicator(ind, figure)


def _sheet_function(function):
    """Turn bad arguments into `Lỗi: …` text in the cell, and any other failure into a short message."""
    @functools.wraps(function)
    def wrapper(*args):
        try:
            return function(*args)
        except _BadArgument as exc:
            return f"Lỗi: {exc}."
        except Exception as exc:  # a cell must never show a Python traceback
            log.exception("worksheet function %s failed", function.__name__)
            return f"Lỗi: không tính được ({type(exc).__name__})."

    return wrapper


def _not_computed(reason: str | None) -> str:
    return f"Chưa tính được: {reason}." if reason else ""


# The docstrings and argument notes of the XT_ functions are shown in Excel's function
# dialog, so they are written in Vietnamese.
@xw.func(category="xltools")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("plan", doc="Kế hoạch năm")
@xw.arg("direction", doc="Chiều đánh giá: tăng, giảm hoặc giảm bớt (mặc định: tăng)")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@_sheet_function
def XT_PCT_PLAN(actual, plan, direction="tăng", last_year=None):
    """Tỷ lệ % so với kế hoạch (100 là bằng kế hoạch); chỉ tiêu «giảm bớt»: mức giảm đạt được so với mức giảm kế hoạch."""
    if _number(actual, "số thực hiện") is None and _number(plan, "số kế hoạch") is None:
        return ""
    result = _result(_indicator(direction=direction), actual, plan, last_year)
    return result.pct_plan if result.pct_plan is not None else _not_computed(result.reasons.get("pct_plan"))


@xw.func(category="xltools")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@xw.arg("kind", doc="Loại chỉ tiêu: giá trị, số lượng, tỷ lệ hoặc tăng trưởng (mặc định: giá trị)")
@_sheet_function
def XT_CHANGE(actual, last_year, kind="giá trị"):
    """Tăng (+) hoặc giảm (-) so với cùng kỳ: tính bằng % với giá trị, số lượng; bằng điểm phần trăm với tỷ lệ."""
    if _number(actual, "số thực hiện") is None and _number(last_year, "số cùng kỳ") is None:
        return ""
    result = _result(_indicator(kind=kind), actual, last_year=last_year)
    return result.change if result.change is not None else _not_computed(result.reasons.get("change"))


@xw.func(category="xltools")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("plan", doc="Kế hoạch năm")
@xw.arg("direction", doc="Chiều đánh giá: tăng, giảm hoặc giảm bớt (mặc định: tăng)")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@xw.arg("decimals", doc="Số chữ số thập phân")
@_sheet_function
def XT_STATUS(actual, plan, direction="tăng", last_year=None, decimals=2):
    """Đánh giá: Vượt kế hoạch, Đạt kế hoạch, Không đạt, Chưa có kế hoạch hoặc Chưa có số liệu."""
    return _result(_indicator(direction=direction, decimals=_decimals(decimals)), actual, plan, last_year).status_text


@xw.func(category="xltools")
@xw.arg("value", doc="Số cần viết")
@xw.arg("decimals", doc="Số chữ số thập phân")
@_sheet_function
def XT_SO(value, decimals=None):
    """Số viết theo cách Việt Nam: dấu chấm phân cách hàng nghìn, dấu phẩy thập phân (1.172,5)."""
    number = _number(value, "giá trị")
    if number is None:
        return ""
    return format_number(number, _decimals(decimals, default=None))


@functools.cache
def _default_catalog() -> Catalog:
    return default_catalog()


@xw.func(category="xltools")
@xw.arg("code", doc="Mã chỉ tiêu (cột Mã)")
@xw.arg("actual", doc="Số thực hiện (hoặc ước thực hiện) kỳ báo cáo")
@xw.arg("plan", doc="Kế hoạch năm")
@xw.arg("last_year", doc="Thực hiện cùng kỳ năm trước")
@xw.arg("status", doc="Tính chất số liệu: Thực hiện hoặc Ước thực hiện")
@xw.arg("name", doc="Tên chỉ tiêu, khi mã không có trong danh mục")
@xw.arg("unit", doc="Đơn vị tính, khi mã không có trong danh mục")
@_sheet_function
def XT_CAU(code, actual, plan=None, last_year=None, status=None, name=None, unit=None):
    """Câu báo cáo cho một chỉ tiêu, đúng như báo cáo sẽ in («ước đạt» trừ khi tính chất số liệu là «Thực hiện»)."""
    text = "" if code is None else unicodedata.normalize("NFC", str(code)).strip()
    catalog = _default_catalog()
    if text in catalog.by_code:
        ind = catalog[text]
    elif name:
        ind = _indicator(code=text or "XT", name=str(name).strip(), unit=str(unit or "").strip())
        catalog = Catalog([ind])
    else:
        raise _BadArgument(f"mã chỉ tiêu «{text}» không có trong danh mục; hãy ghi thêm tên và đơn vị tính")
    result = _result(ind, actual, plan, last_year)
    if result.status == "no_data":
        return ""
    from .report import sentence

    estimate = Submission(status=unicodedata.normalize("NFC", str(status or "")).strip()).is_estimate
    return sentence(result, catalog, estimate=estimate)
