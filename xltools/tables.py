"""Derived sheets as table models: built once, rendered by any writer, read back beside their builder.

A Table is what a derived sheet of a workbook shows (`Kiểm tra`, `Tình hình nộp báo cáo`,
`Theo đơn vị`, `Xếp hạng`): a heading, an optional line under it, header rows and body rows,
plus the cells to colour and link. The merged city workbook renders Tables as sheet XML
(merge/fastxlsx.py), the annotated copy with openpyxl (check/annotate.py) and the Excel
buttons through xlwings (excel.py); all three lay a Table out the same way, so a sheet
written by one is read back by the reader here whoever wrote it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .findings import SEVERITY_TEXT, Finding
from .grid import cell_text, column_letter
from .numbers import format_number

__all__ = ["Table", "findings_table", "finding_row", "summary_text", "read_marked_cells", "FINDINGS_COLUMNS",
           "ERROR_COLOUR", "WARNING_COLOUR", "HEADER_COLOUR"]

ERROR_COLOUR = "FFC7CE"
WARNING_COLOUR = "FFEB9C"
HEADER_COLOUR = "BDD7EE"
FINDINGS_COLUMNS = ("STT", "Mức độ", "Tệp", "Trang tính", "Ô", "Mã chỉ tiêu", "Nội dung", "Mã quy tắc")
NO_FINDINGS = "Không phát hiện lỗi hay cảnh báo nào."


@dataclass
class Table:
    """A derived sheet: `heading` in A1, `note` in A2 when given, then `header` rows and `rows`.

    `fills` colours body cells: (body row index, column index) -> RGB hex; `links` makes a body
    cell a link to a cell of the same workbook: (body row index, column index) -> (sheet, cell).
    Column indexes are zero-based; `widths` are keyed by one-based column numbers.
    """

    heading: str
    header: list[list]
    rows: list[list]
    note: str | None = None
    widths: dict[int, float] = field(default_factory=dict)
    fills: dict[tuple[int, int], str] = field(default_factory=dict)
    links: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    frozen_columns: int = 0  # columns kept in view left of the body; the header rows always stay in view

    @property
    def header_row(self) -> int:
        """Return the 1-based row of the first header row."""
        return 3 if self.note is not None else 2

    @property
    def first_row(self) -> int:
        """Return the 1-based row of the first body row."""
        return self.header_row + len(self.header)

    @property
    def freeze(self) -> str:
        """Return the cell at which the sheet's panes freeze: below the header, right of the frozen columns."""
        return f"{column_letter(self.frozen_columns)}{self.first_row}"

    @property
    def width(self) -> int:
        return max((len(row) for row in (*self.header, *self.rows)), default=0)

    def top(self) -> list[list]:
        """Return the rows above the header: the heading, and the note when there is one."""
        return [[self.heading]] + ([[self.note]] if self.note is not None else [])


def finding_row(number: int, item: Finding) -> list:
    """Return the `Kiểm tra` row of a finding, in the order of FINDINGS_COLUMNS."""
    return [number, SEVERITY_TEXT.get(item.severity, item.severity), item.file, item.sheet, item.cell,
            item.indicator, item.message, item.code]


def summary_text(errors: int, warnings: int) -> str:
    """Return the one-line outcome of a check, in Vietnamese."""
    if not errors and not warnings:
        return "Không có lỗi, không có cảnh báo."
    return (f"Có {format_number(errors)} lỗi, {format_number(warnings)} cảnh báo. Ô tô đỏ là lỗi, ô tô vàng là "
            "cảnh báo; xem ghi chú trong từng ô.")


def findings_table(findings: list[Finding], heading: str, linked_file: str | None = None,
                   note: str | None = None) -> Table:
    """Return the `Kiểm tra` table of `findings`: one row per finding, its level coloured.

    Findings about `linked_file` (the workbook the table goes into) link to their cell.
    `note` replaces the count of errors and warnings under the heading.
    """
    errors = sum(f.is_error for f in findings)
    table = Table(heading, [list(FINDINGS_COLUMNS)], [], note=note or summary_text(errors, len(findings) - errors),
                  widths={1: 6, 2: 10, 3: 28, 4: 14, 5: 7, 6: 14, 7: 90, 8: 20})
    level, cell = FINDINGS_COLUMNS.index("Mức độ"), FINDINGS_COLUMNS.index("Ô")
    for number, item in enumerate(findings, start=1):
        table.rows.append(finding_row(number, item))
        table.fills[number - 1, level] = ERROR_COLOUR if item.is_error else WARNING_COLOUR
        if linked_file is not None and item.file in (None, linked_file) and item.sheet and item.cell:
            table.links[number - 1, cell] = (item.sheet, item.cell)
    if not findings:
        table.rows.append([None] * FINDINGS_COLUMNS.index("Nội dung") + [NO_FINDINGS])
    return table


_ADDRESS = re.compile(r"^[A-Z]{1,3}[1-9][0-9]{0,6}$")


def read_marked_cells(rows: list[list], source: str) -> list[tuple[str, str]]:
    """Return the (sheet, cell) pairs a `Kiểm tra` sheet names for workbook `source`.

    Rows about other files (a merge lists the wards' findings) and rows typed over by hand
    (anything but a cell address) are left out.
    """
    for r, row in enumerate(rows[:5]):
        titles = [cell_text(value) for value in row]
        if all(title in titles for title in ("Tệp", "Trang tính", "Ô")):
            file_at, sheet_at, cell_at = titles.index("Tệp"), titles.index("Trang tính"), titles.index("Ô")
            out = []
            for line in rows[r + 1:]:
                if len(line) <= max(file_at, sheet_at, cell_at) or not line[sheet_at]:
                    continue
                address = cell_text(line[cell_at])
                if _ADDRESS.match(address) and line[file_at] in (None, "", source):
                    out.append((cell_text(line[sheet_at]), address))
            return out
    return []
