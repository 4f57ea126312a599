"""Write what a check found back into a copy of the workbook: coloured cells, notes and a `Kiểm tra` sheet.

`cell_marks` decides which cell gets which colour and note; `annotate` applies the marks
with openpyxl to a copy of a file, and the Excel buttons apply the same marks to an open
book through xlwings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_output, check_output
from ..errors import BadArguments, UnreadableWorkbook
from ..grid import sheet_key
from ..findings import SEVERITY_TEXT, Finding
from ..layout import COMPUTED_FIELDS, FINDINGS_SHEET
from ..tables import ERROR_COLOUR, WARNING_COLOUR, findings_table, summary_text
from ..numbers import format_number
from ..writer import set_value, write_table
from .checker import CheckResult, check_file

__all__ = ["Mark", "cell_marks", "annotate"]

NOTE_AUTHOR = "xltools"


@dataclass(frozen=True)
class Mark:
    """One flagged cell: its fill colour (hex RGB, red for errors, yellow for warnings) and its note."""

    sheet: str
    cell: str
    colour: str
    note: str
    severity: str

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def cell_marks(result: CheckResult | list[Finding]) -> list[Mark]:
    """Return one Mark per flagged cell of `result`, in the order the cells are first named.

    A cell named by several findings is red when any of them is an error, and its note lists
    every message. Findings without a sheet and cell (an unreadable file) mark nothing.
    """
    findings = result.findings if isinstance(result, CheckResult) else result
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for item in findings:
        if item.sheet and item.cell:
            grouped.setdefault((item.sheet, item.cell), []).append(item)
    marks = []
    for (sheet, cell), items in grouped.items():
        error = any(i.is_error for i in items)
        note = "\n".join(f"{SEVERITY_TEXT.get(i.severity, i.severity)}: {i.message}" for i in items)
        marks.append(Mark(sheet, cell, ERROR_COLOUR if error else WARNING_COLOUR, note, "error" if error else "warning"))
    return marks


def annotate(path, output, result: CheckResult | None = None, force: bool = False) -> Path:
    """Write to `output` a copy of the workbook at `path` with the check's marks; return `output`.

    The copy keeps the workbook's formulas and styles, but not its links to other files
    (external link parts, and formulas that read them) nor DDE formulas (`=cmd|' /C calc'!A0`,
    which ask Excel to start a program): those formulas become text with a note, and the
    `Kiểm tra` sheet says what was done. Empty `%` cells get the computed value (cells still
    holding the template's formula keep it, typed values are kept so the mark shows what was
    typed); flagged cells are filled and get a note; the `Kiểm tra` sheet lists every finding
    with a link to its cell. The input file is never modified.
    """
    from openpyxl import load_workbook

    path, output = Path(path), Path(output)
    if _same_file(output, path):
        raise BadArguments(f"{output}: tệp đánh dấu phải khác tệp đầu vào; tệp đầu vào không bao giờ bị sửa.")
    check_output(output, force)
    result = result or check_file(path)
    if result.submission is None:
        reasons = "; ".join(f.message for f in result.findings)
        raise UnreadableWorkbook(f"{path.name}: không ghi được bản đánh dấu. {reasons}")
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise BadArguments(f"{path.name}: chỉ ghi được bản đánh dấu cho tệp .xlsx hoặc .xlsm; "
                           "đề nghị mở tệp bằng Excel và lưu lại dạng .xlsx.")
    try:
        book = load_workbook(path, keep_vba=path.suffix.lower() == ".xlsm")
    except Exception as exc:
        raise UnreadableWorkbook(f"{path.name}: không mở được tệp để ghi bản đánh dấu ({type(exc).__name__}).") from None
    made_safe = _cut_outside_links(book)
    keys = {sheet_key(name): book[name] for name in book.sheetnames}
    sheet = lambda name: book[name] if name in book.sheetnames else keys.get(sheet_key(name))
    _fill_percentages(sheet(result.submission.data_sheet), result)
    for mark in cell_marks(result):
        if sheet(mark.sheet) is not None:
            _apply(sheet(mark.sheet)[mark.cell], mark)
    _findings_sheet(book, result, made_safe)
    with atomic_output(output, force=force) as temporary:
        book.save(temporary)
    return output


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except (OSError, ValueError):  # one does not exist, or its name cannot be a file's
        return False


_STRING = re.compile(r'"[^"]*"')
_OUTSIDE_REFERENCE = re.compile(r"\[\d+\][^\[\]!]*!|\.xl\w*\]")  # [1]Sheet1!A1, 'C:\\[bao-cao.xlsx]Sheet1'!A1


def _reaches_outside(formula: str) -> bool:
    """Return True for a formula that starts a program (DDE: `cmd|' /C calc'!A0`) or reads another file."""
    code = _STRING.sub("", formula)
    return "|" in code or bool(_OUTSIDE_REFERENCE.search(code))


def _cut_outside_links(book) -> str:
    """Drop the links of `book` to other files and turn formulas reaching outside into text; return a note or ""."""
    from openpyxl.comments import Comment

    links = len(book._external_links)
    book._external_links = []
    cells = []
    for worksheet in book.worksheets:
        for row in worksheet.iter_rows():
            for cell in row:
                if cell.data_type == "f" and isinstance(cell.value, str) and _reaches_outside(cell.value):
                    set_value(cell, cell.value)  # shown as typed, never run
                    cell.comment = Comment("xltools: công thức này gọi chương trình hoặc tệp khác nên đã được chuyển "
                                           "thành chữ trong bản sao.", NOTE_AUTHOR)
                    cells.append(f"{worksheet.title}!{cell.coordinate}")
    names = [scope for scope in (book.defined_names, *(ws.defined_names for ws in book.worksheets))]
    dropped = 0
    for scope in names:
        for name in [n for n, defined in scope.items() if _reaches_outside(str(defined.attr_text or ""))]:
            del scope[name]
            dropped += 1
    done = []
    if links:
        done.append(f"bỏ {format_number(links)} liên kết tới tệp khác")
    if cells:
        shown = ", ".join(cells[:5]) + (f" và {format_number(len(cells) - 5)} ô khác" if len(cells) > 5 else "")
        done.append(f"chuyển {format_number(len(cells))} công thức gọi chương trình hoặc tệp khác thành chữ ({shown})")
    if dropped:
        done.append(f"bỏ {format_number(dropped)} tên (Name) trỏ ra ngoài tệp")
    return f"Để an toàn, bản sao này đã {'; '.join(done)}." if done else ""


def _fill_percentages(sheet, result: CheckResult) -> None:
    """Put the computed % into every % cell that is empty; formulas and typed values stay as they are."""
    if sheet is None:
        return
    for res in result.results:
        figure = res.figure
        if figure is None:
            continue
        for name in COMPUTED_FIELDS:
            value = getattr(res, name)
            if value is None or name not in figure.cells:
                continue
            cell = sheet[figure.cells[name]]
            if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
                cell.value = round(value, 6)
                cell.number_format = "#,##0.00"


def _apply(cell, mark: Mark) -> None:
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    cell.fill = PatternFill("solid", fgColor=mark.colour)
    text = mark.note if cell.comment is None else f"{cell.comment.text}\n\n{mark.note}"
    cell.comment = Comment(text, NOTE_AUTHOR, width=420, height=min(60 + 18 * text.count("\n") + len(text) // 3, 600))


def _findings_sheet(book, result: CheckResult, made_safe: str = "") -> None:
    """(Re)create the `Kiểm tra` sheet listing every finding, each linked to its cell; `made_safe` says what
    of the workbook was neutralised in the copy."""
    note = " ".join(filter(None, (summary_text(result.errors, result.warnings), made_safe)))
    table = findings_table(result.findings, f"KẾT QUẢ KIỂM TRA — {result.path.name}", linked_file=result.path.name,
                           note=note)
    write_table(book, FINDINGS_SHEET, table)
    book.active = book.sheetnames.index(FINDINGS_SHEET)
    for other in book.worksheets:
        other.sheet_view.tabSelected = other.title == FINDINGS_SHEET
