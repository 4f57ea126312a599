"""The fast writer of large tables: sheet XML written straight into a workbook openpyxl saved.

The sheets that grow with the number of wards (per-unit matrix, ranking, register, findings)
would take openpyxl about a second per 100.000 cells; written as XML they take a tenth of
that. openpyxl lays out the workbook, the sheets, their headings, widths and styles; this
module adds each Table's header and body rows to the saved sheet parts.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.styles import Font, PatternFill

from ..grid import column_letter
from ..layout import DATA_SHEET
from ..tables import Table
from ..writer import FONT, HEADER_ROW, set_value

__all__ = ["add_table", "save_with_tables"]


@dataclass
class _Pending:
    """A Table whose rows are still to be written into its sheet's XML, with the style ids they use."""

    table: Table
    header_style: int
    fill_styles: dict[str, int]


def add_table(book, title: str, table: Table, index: int) -> _Pending:
    """Create sheet `title` for `table` at `index`: heading, note, widths, frozen panes and the styles it needs."""
    sheet = book.create_sheet(title, index=index)
    for row, values in enumerate(table.top(), start=1):
        cell = sheet.cell(row, 1)
        set_value(cell, values[0])
        if row == 1:
            cell.font = Font(name=FONT, bold=True, size=13)
    for column, width in table.widths.items():
        sheet.column_dimensions[column_letter(column - 1)].width = width
    sheet.freeze_panes = table.freeze
    # The header rows look like the data sheet's header: the same registered cell style.
    header_style = book[DATA_SHEET].cell(HEADER_ROW, 1).style_id
    fill_styles = {}
    for colour in sorted(set(table.fills.values())):
        scratch = sheet.cell(table.first_row, 1)  # registers the fill's style; the cell is written over below
        scratch.fill = PatternFill("solid", fgColor=colour)
        fill_styles[colour] = scratch.style_id
        del sheet._cells[(scratch.row, scratch.column)]
    return _Pending(table, header_style, fill_styles)


_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cell_xml(reference: str, value, style: str = "") -> str:
    if value is None or value == "":
        return f'<c r="{reference}"{style}/>' if style else ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # numpy numbers included
        value = float(value)
        return f'<c r="{reference}"{style}><v>{value!r}</v></c>' if math.isfinite(value) else ""
    text = escape(_ILLEGAL.sub("", str(value))[:32_767])
    return f'<c r="{reference}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _rows_xml(pending: _Pending) -> tuple[bytes, int, int]:
    """Return the sheet XML of the table's header and body rows, its last row number and its width."""
    table = pending.table
    rows = [*table.header, *table.rows]
    first, styled = table.header_row, len(table.header)
    width = max((len(r) for r in rows), default=0)
    letters = [column_letter(c) for c in range(width)]
    header = f' s="{pending.header_style}"'
    fills = {key: f' s="{pending.fill_styles[colour]}"' for key, colour in table.fills.items()}
    parts = []
    for number, row in enumerate(rows, start=first):
        body_row = number - first - styled
        attribute = header if body_row < 0 else ""
        cells = []
        for c, (letter, value) in enumerate(zip(letters, row)):
            kind = type(value)
            style = fills.get((body_row, c), attribute) if fills else attribute
            if (kind is float and math.isfinite(value)) or kind is int:  # most cells, kept out of a call
                cells.append(f'<c r="{letter}{number}"{style}><v>{value!r}</v></c>')
            else:
                cells.append(_cell_xml(f"{letter}{number}", value, style))
        parts.append(f'<row r="{number}">{"".join(cells)}</row>')
    return "".join(parts).encode("utf-8"), first + len(rows) - 1, width


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def _with_rows(xml: bytes, pending: _Pending) -> bytes:
    """Return sheet XML `xml` with the table's rows appended at the end of its sheetData."""
    body, last, width = _rows_xml(pending)
    if b"</sheetData>" in xml:
        xml = xml.replace(b"</sheetData>", body + b"</sheetData>", 1)
    else:
        xml = re.sub(rb"<sheetData\s*/>", lambda m: b"<sheetData>" + body + b"</sheetData>", xml, count=1)
    match = re.search(rb'<dimension ref="A1:([A-Z]+)(\d+)"', xml)
    if match and last >= pending.table.header_row:
        columns = max(_column_number(match.group(1).decode()), width)
        reference = f"A1:{column_letter(columns - 1)}{max(last, int(match.group(2)))}".encode()
        xml = _DIMENSION.sub(b'<dimension ref="' + reference + b'"/>', xml, count=1)
    return xml


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def save_with_tables(book, tables: dict[str, _Pending], path: Path) -> None:
    """Save `book` to `path` with the rows of `tables` (sheet title -> what add_table returned) in their sheets."""
    buffer = io.BytesIO()
    book.save(buffer)
    parts = {book[title].path.lstrip("/"): pending for title, pending in tables.items()}
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename in parts:
                data = _with_rows(data, parts[info.filename])
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
