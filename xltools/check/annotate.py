"""Write what a check found back into a copy of the workbook: coloured cells, notes and a `Kiểm tra` sheet.

`cell_marks` decides which cell gets which colour and note; `annotate` applies the marks
with openpyxl to a copy of a file, and the Excel buttons apply the same marks to an open
book through xlwings.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..atomic import atomic_output
from ..errors import BadArguments, UnreadableWorkbook
from ..grid import sheet_key
from ..findings import SEVERITY_TEXT, Finding
from ..layout import COMPUTED_FIELDS, FINDINGS_SHEET
from ..tables import ERROR_COLOUR, WARNING_COLOUR, findings_table
from ..writer import write_table
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

    The copy keeps the workbook's formulas and styles. Empty `%` cells get the computed value
    (cells still holding the template's formula keep it, typed values are kept so the mark
    shows what was typed); flagged cells are filled and get a note; the `Kiểm tra` sheet
    lists every finding with a link to its cell. The input file is never modified.
    """
    from openpyxl import load_workbook

    path, output = Path(path), Path(output)
    if output.exists() and output.resolve() == path.resolve():
        raise BadArguments(f"{output}: tệp đánh dấu phải khác tệp đầu vào; tệp đầu vào không bao giờ bị sửa.")
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
    sheets = {sheet_key(name): book[name] for name in book.sheetnames}
    _fill_percentages(sheets.get(sheet_key(result.submission.data_sheet)), result)
    for mark in cell_marks(result):
        sheet = sheets.get(sheet_key(mark.sheet))
        if sheet is not None:
            _apply(sheet[mark.cell], mark)
    _findings_sheet(book, result)
    with atomic_output(output, force=force) as temporary:
        book.save(temporary)
    return output


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


def _findings_sheet(book, result: CheckResult) -> None:
    """(Re)create the `Kiểm tra` sheet listing every finding, each linked to its cell, and show it first."""
    table = findings_table(result.findings, f"KẾT QUẢ KIỂM TRA — {result.path.name}", linked_file=result.path.name)
    write_table(book, FINDINGS_SHEET, table)
    book.active = book.sheetnames.index(FINDINGS_SHEET)
    for other in book.worksheets:
        other.sheet_view.tabSelected = other.title == FINDINGS_SHEET
