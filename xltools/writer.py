"""Write workbooks with openpyxl: the standard ward and city workbooks, and figures into them.

The layout follows the contract in `layout.py`. Input cells are unlocked and coloured,
everything else is protected (no password); the two % columns hold Excel formulas so staff
see results live without Python; a copy of the catalog travels in a hidden sheet.
"""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.worksheet.datavalidation import DataValidation

from .atomic import atomic_output
from .catalog import CATALOG_SHEET, Catalog, Indicator
from .layout import (
    DATA_COLUMNS,
    DATA_SHEET,
    EXTRA_INFO_LABELS,
    GENERAL_NOTES,
    GUIDE_SHEET,
    IN_YEAR_FIELDS,
    INFO_LABELS,
    INFO_SHEET,
    INPUT_FIELDS,
    LEVELS,
    NOTES_COLUMNS,
    NOTES_SHEET,
    STATUSES,
    TASKS_NOTE,
    UNITS_SHEET,
    YEAR_END_FIELDS,
    column_field,
    data_titles,
)
from .grid import sheet_key
from .submission import Period
from .tables import Table

__all__ = ["new_workbook", "build_workbook", "prefill", "write_figures", "write_table", "set_value", "data_rows", "data_layout",
           "save_workbook", "HEADER_ROW"]

HEADER_ROW = 4
FONT = "Times New Roman"
INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
COMPUTED_FILL = PatternFill("solid", fgColor="E2EFDA")
LOCKED_FILL = PatternFill("solid", fgColor="EDEDED")
HEADING_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FILL = PatternFill("solid", fgColor="BDD7EE")
THIN = Side(style="thin", color="808080")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
WIDTHS = {"code": 11, "stt": 5, "name": 46, "unit": 11, "plan": 13, "last_year": 14, "actual": 13,
          "pct_plan": 11, "pct_last_year": 11, "next_plan": 13, "note": 24, "year_estimate": 13, "last_year_full": 13}


def data_fields(period: Period) -> tuple[str, ...]:
    """Return the data sheet's columns for `period`, in order: next year's plan at the year's end, the full-year
    estimate and last year's whole-year result within the year."""
    return YEAR_END_FIELDS if period.closes_year else IN_YEAR_FIELDS


def _letters(fields: tuple[str, ...]) -> dict[str, str]:
    return {name: chr(ord("A") + i) for i, name in enumerate(fields)}


def _number_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def _formulas(ind: Indicator, row: int, letter: dict[str, str]) -> tuple[str, str]:
    """Return the Excel formulas of `% so với kế hoạch` and `% so với cùng kỳ` for one row."""
    e, f, g = (f"{letter[n]}{row}" for n in ("plan", "last_year", "actual"))
    if ind.direction == "reduce_by":
        pct_plan = f'=IF(AND(ISNUMBER({e}),ISNUMBER({f}),ISNUMBER({g})),IF({e}>0,({f}-{g})/{e}*100,""),"")'
    else:
        pct_plan = f'=IF(AND(ISNUMBER({e}),ISNUMBER({g})),IF({e}>0,{g}/{e}*100,""),"")'
    pct_last_year = f'=IF(AND(ISNUMBER({f}),ISNUMBER({g})),IF({f}>0,{g}/{f}*100,""),"")'
    return pct_plan, pct_last_year


def _roman(number: int) -> str:
    numerals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, letters in numerals:
        while number >= value:
            out += letters
            number -= value
    return out


def build_workbook(
    catalog: Catalog,
    *,
    unit_code: str,
    unit_name: str,
    year: int,
    period: str = "Năm",
    city: bool = False,
    info: dict[str, str] | None = None,
    units: list[tuple[str, str]] | None = None,
    status: str = STATUSES[0],
) -> Workbook:
    """Return the standard workbook (in memory) for one unit and period; `status` is `Tính chất số liệu`."""
    period = Period.parse(period)
    book = Workbook()
    book.remove(book.active)
    _guide_sheet(book.create_sheet(GUIDE_SHEET), city)
    _info_sheet(book.create_sheet(INFO_SHEET), catalog, unit_code, unit_name, year, period.label, city, info or {},
                status)
    _data_sheet(book.create_sheet(DATA_SHEET), catalog, unit_name, year, period, city)
    _notes_sheet(book.create_sheet(NOTES_SHEET), catalog, period)
    if city:
        _units_sheet(book.create_sheet(UNITS_SHEET), units or [])
    catalog_sheet = book.create_sheet(CATALOG_SHEET)
    for row in catalog.rows():
        catalog_sheet.append(row)
    catalog_sheet.sheet_state = "hidden"
    catalog_sheet.protection.sheet = True
    book.active = book.sheetnames.index(DATA_SHEET)
    return book


def new_workbook(path: str | Path, catalog: Catalog, *, force: bool = False, known=None, **options) -> Path:
    """Write the standard workbook for one unit and period to `path`; return the path.

    `known` (code -> field -> a value with `.value` and `.note`, see `xltools.archive.known_figures`)
    pre-fills input cells, each with a note saying where its value came from.
    """
    book = build_workbook(catalog, **options)
    if known:
        prefill(book, catalog, known, city=options.get("city", False))
    save_workbook(book, path, force=force)
    return Path(path)


def prefill(book: Workbook, catalog: Catalog, known, city: bool = False) -> int:
    """Fill the empty input cells of `book`'s data sheet that `known` has a value for, each with its note;
    return how many were filled. Indicators the wards do not enter are left to the city."""
    sheet = book[DATA_SHEET]
    rows, letter = data_rows(sheet), data_columns(sheet)
    filled = 0
    for code, values in known.items():
        ind = catalog.by_code.get(code)
        if ind is None or code not in rows or not (city or ind.ward_entered):
            continue
        for name, given in values.items():
            if name not in letter:
                continue
            cell = sheet[f"{letter[name]}{rows[code]}"]
            if cell.value is None:
                cell.value = given.value
                cell.comment = Comment(given.note, "xltools", width=360, height=110)
                filled += 1
    return filled


def save_workbook(book: Workbook, path: str | Path, force: bool = False) -> None:
    """Save `book` to `path` whole or not at all."""
    with atomic_output(path, force=force) as temporary:
        book.save(temporary)


def _style(cell, *, bold=False, fill=None, wrap=False, align=None, size=12, italic=False, border=True):
    cell.font = Font(name=FONT, size=size, bold=bold, italic=italic)
    if fill is not None:
        cell.fill = fill
    cell.alignment = Alignment(wrap_text=wrap, vertical="center", horizontal=align)
    if border:
        cell.border = BORDER


def _guide_sheet(sheet, city: bool) -> None:
    name = "huong-dan-thanh-pho.txt" if city else "huong-dan-phuong-xa.txt"
    text = resources.files("xltools.templates").joinpath(name).read_text(encoding="utf-8")
    width = 70  # characters: the column fits a portrait A4 page even where a reader ignores fit-to-width
    sheet.column_dimensions["A"].width = width
    for number, line in enumerate(text.splitlines(), start=1):
        size, bold = (14 if number == 1 else 12), number == 1 or line.isupper()
        cell = sheet.cell(number, 1, line or None)
        _style(cell, bold=bold, wrap=True, size=size, border=False)
        sheet.row_dimensions[number].height = _wrapped_height(line, width, size, bold)
    _print_to_width(sheet)
    sheet.protection.sheet = True


def _wrapped_height(text: str, width: float, size: int = 12, bold: bool = False) -> float:
    """Return the row height (points) that shows `text` wrapped in a column `width` characters wide.

    Neither Excel nor LibreOffice grows a row for wrapped text it did not lay out itself;
    capitals in bold take about a third more room than running text.
    """
    per_line = int(width * 1.05 * 12 / size * (0.75 if bold else 1))
    return math.ceil(max(len(text), 1) / per_line) * size * 1.35 + 2


def _print_to_width(sheet, landscape: bool = False) -> None:
    """Print `sheet` on A4, as many pages down as needed and exactly one page across."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    if landscape:
        sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


# The rows of the info sheet, from row 1: Submission field names, labelled by layout.INFO_LABELS.
INFO_ROWS = ("unit_code", "unit_name", "level", "period", "year", "status", "version")


def info_cells() -> dict[str, str]:
    """Return Submission field -> the value cell of its row in the info sheet the writer lays out."""
    return {name: f"B{number}" for number, name in enumerate(INFO_ROWS, start=1)}


def _info_sheet(sheet, catalog, unit_code, unit_name, year, period, city, info, status) -> None:
    given = {"unit_code": unit_code, "unit_name": unit_name, "level": LEVELS[1] if city else LEVELS[0],
             "period": period, "year": year, "status": status, "version": catalog.version}
    values = {name: given[name] for name in INFO_ROWS}
    editable = {"status"}
    extras = ["preparer", "phone"]
    if city:
        extras = ["agency", "parent_agency", "place", "doc_number", "resolution", "signer_role", "signer_title",
                  "signer", "recipients", "ward_folder", *extras]
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = value_width = 70
    rows = [(INFO_LABELS[name], values[name], name in editable) for name in values]
    rows += [(EXTRA_INFO_LABELS[name], info.get(name), True) for name in extras]
    for number, (label, value, is_input) in enumerate(rows, start=1):
        _style(sheet.cell(number, 1, label), bold=True, fill=HEADER_FILL)
        cell = sheet.cell(number, 2)
        set_value(cell, value)
        _style(cell, fill=INPUT_FILL if is_input else LOCKED_FILL, wrap=True, align="left")
        if isinstance(value, str):
            _fit_row(sheet, number, value, value_width)
        if is_input:
            cell.protection = UNLOCKED
    status_row = list(values).index("status") + 1
    status = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=False)
    status.add(f"B{status_row}")
    sheet.add_data_validation(status)
    sheet.cell(len(rows) + 2, 1, "Ô màu vàng là ô được nhập; các ô khác do xltools điền.")
    _print_to_width(sheet)
    sheet.protection.sheet = True


def _data_sheet(sheet, catalog: Catalog, unit_name: str, year: int, period: Period, city: bool) -> None:
    fields = data_fields(period)
    letter = _letters(fields)
    titles = data_titles(None if period.is_annual else period.text(), year)
    last = letter["note"]
    sheet.merge_cells(f"A1:{last}1")
    sheet.merge_cells(f"A2:{last}2")
    title = "BIỂU TỔNG HỢP CHỈ TIÊU KINH TẾ - XÃ HỘI" if city else "BIỂU SỐ LIỆU CHỈ TIÊU KINH TẾ - XÃ HỘI"
    _style(sheet["A1"], bold=True, size=14, align="center", border=False)
    sheet["A1"] = title
    set_value(sheet["A2"], f"{unit_name} — Kỳ báo cáo: {period.text(year)}")  # a name is never a formula
    _style(sheet["A2"], italic=True, align="center", border=False)
    sheet["A3"] = "Ô màu vàng: nhập số liệu; ô màu xanh: tự tính; ô màu xám: không nhập."
    _style(sheet["A3"], italic=True, size=10, border=False)
    for name in fields:
        cell = sheet[f"{letter[name]}{HEADER_ROW}"]
        cell.value = titles[name]
        _style(cell, bold=True, fill=HEADER_FILL, wrap=True, align="center")
        sheet.column_dimensions[letter[name]].width = WIDTHS[name]
    sheet.row_dimensions[HEADER_ROW].height = max(48, *(_wrapped_height(titles[n], WIDTHS[n], bold=True) for n in fields))

    numbers = DataValidation(type="decimal", operator="between", formula1="-1000000000000", formula2="1000000000000",
                             allow_blank=True, showErrorMessage=True, errorTitle="Chỉ nhập số",
                             error="Ô này chỉ nhận số (ví dụ 1172,5). Không gõ chữ hay đơn vị vào ô.")
    sheet.add_data_validation(numbers)
    for row, label, item in _data_lines(catalog):
        if isinstance(item, str):
            _heading_row(sheet, row, label, item, letter)
        else:
            _indicator_row(sheet, row, label, item, city, numbers, letter)
    sheet.freeze_panes = f"E{HEADER_ROW + 1}"
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    _print_to_width(sheet, landscape=True)
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _data_lines(catalog: Catalog):
    """Yield (row, label, item) for each line under the data sheet's header: a group or section heading
    (item: its title, label: the group's Roman number or "") or an indicator (item: the Indicator, label: its STT)."""
    row = HEADER_ROW + 1
    group = section = None
    group_number = number = 0
    for ind in catalog:
        if ind.group != group:
            group, section = ind.group, None
            group_number += 1
            yield row, _roman(group_number), ind.group
            row += 1
        if ind.section and ind.section != section:
            section = ind.section
            yield row, "", ind.section
            row += 1
        number += 1
        yield row, number, ind
        row += 1


def data_layout(catalog: Catalog) -> dict[str, int]:
    """Return indicator code -> its row in the data sheet of a workbook built from `catalog`."""
    return {item.code: row for row, _, item in _data_lines(catalog) if not isinstance(item, str)}


def data_cells(row: int, period: Period) -> dict[str, str]:
    """Return field -> cell address of an indicator's row in a data sheet the writer laid out for `period`."""
    return {name: f"{letter}{row}" for name, letter in _letters(data_fields(period)).items()}


def _heading_row(sheet, row: int, label: str, title: str, letter: dict[str, str]) -> int:
    for name in letter:
        _style(sheet[f"{letter[name]}{row}"], bold=True, fill=HEADING_FILL)
    sheet[f"{letter['stt']}{row}"] = label or None
    sheet[f"{letter['name']}{row}"] = title
    sheet[f"{letter['name']}{row}"].alignment = Alignment(wrap_text=True, vertical="center")
    _fit_row(sheet, row, title, WIDTHS["name"], bold=True)
    return row + 1


def _fit_row(sheet, row: int, text: str, width: float, bold: bool = False) -> None:
    """Make `row` as tall as `text` wrapped in a column `width` wide; a row of one line stays automatic."""
    height = _wrapped_height(text, width, bold=bold)
    if height > _wrapped_height("", width):
        sheet.row_dimensions[row].height = height


def _indicator_row(sheet, row: int, number: int, ind: Indicator, city: bool, numbers: DataValidation,
                   letter: dict[str, str]) -> int:
    entered = city or ind.ward_entered
    values = {"code": ind.code, "stt": number, "name": ind.name, "unit": ind.unit}
    for name, value in values.items():
        cell = sheet[f"{letter[name]}{row}"]
        cell.value = value
        _style(cell, wrap=name == "name", align="center" if name in ("stt", "unit") else None,
               fill=LOCKED_FILL if name == "code" else None, size=10 if name == "code" else 12)
    _fit_row(sheet, row, ind.name, WIDTHS["name"])
    pct_plan, pct_last_year = _formulas(ind, row, letter)
    for name, formula in (("pct_plan", pct_plan), ("pct_last_year", pct_last_year)):
        cell = sheet[f"{letter[name]}{row}"]
        cell.value = formula
        _style(cell, fill=COMPUTED_FILL, align="right")
        cell.number_format = "#,##0.00"
    for name in (*(n for n in letter if n in INPUT_FIELDS), "note"):
        cell = sheet[f"{letter[name]}{row}"]
        _style(cell, fill=INPUT_FILL if entered else LOCKED_FILL, wrap=name == "note",
               align="right" if name != "note" else None)
        if name != "note":
            cell.number_format = _number_format(ind.decimals)
        if entered:
            cell.protection = UNLOCKED
            if name != "note":
                numbers.add(cell.coordinate)
    hint = ind.hint if entered else "Chỉ tiêu do thành phố tổng hợp; phường, xã không nhập."
    if hint:
        sheet[f"{letter['name']}{row}"].comment = Comment(hint, "xltools", width=300, height=80)
    return row + 1


def _notes_sheet(sheet, catalog: Catalog, period: Period) -> None:
    sheet.column_dimensions["A"].width = 45
    sheet.column_dimensions["B"].width = 100
    for column, title in zip("AB", NOTES_COLUMNS.values()):
        _style(sheet[f"{column}1"], bold=True, fill=HEADER_FILL, align="center")
        sheet[f"{column}1"] = title
    titles: list[str] = []
    groups = {ind.group for ind in catalog}
    for ind in catalog:
        for title in (ind.group, ind.section):
            if title and title not in titles:
                titles.append(title)
    general = [TASKS_NOTE.format(ahead=period.ahead) if title == GENERAL_NOTES[3] else title for title in GENERAL_NOTES]
    for row, title in enumerate([*titles, *general], start=2):
        _style(sheet.cell(row, 1, title), bold=title in groups or title in general, wrap=True)
        cell = sheet.cell(row, 2)
        _style(cell, fill=INPUT_FILL, wrap=True)
        cell.protection = UNLOCKED
        sheet.row_dimensions[row].height = 45
    sheet.freeze_panes = "A2"
    sheet.protection.sheet = True
    sheet.protection.formatRows = False


def _units_sheet(sheet, units: list[tuple[str, str]]) -> None:
    for column, title, width in (("A", "Mã đơn vị", 18), ("B", "Tên đơn vị", 40)):
        _style(sheet[f"{column}1"], bold=True, fill=HEADER_FILL, align="center")
        sheet[f"{column}1"] = title
        sheet.column_dimensions[column].width = width
    for row, (code, name) in enumerate(units, start=2):
        set_value(sheet.cell(row, 1), code)
        set_value(sheet.cell(row, 2), name)


def write_catalog_workbook(catalog: Catalog, path: str | Path, force: bool = False) -> None:
    """Write `catalog` as an editable workbook: one `Danh mục` sheet with lists for the enumerated columns."""
    from .catalog import ACCUMULATIONS, COLUMNS, DIRECTIONS, KINDS, RULES

    book = Workbook()
    sheet = book.active
    sheet.title = CATALOG_SHEET
    for row in catalog.rows():
        sheet.append(row)
    for column, title in enumerate(COLUMNS.values(), start=1):
        cell = sheet.cell(1, column)
        _style(cell, bold=True, fill=HEADER_FILL, wrap=True, align="center")
        sheet.column_dimensions[cell.column_letter].width = 40 if title in ("Chỉ tiêu", "Hướng dẫn nhập") else 16
    names = list(COLUMNS)
    for name, words in (("kind", KINDS), ("direction", DIRECTIONS), ("rule", RULES), ("accumulation", ACCUMULATIONS)):
        letter = sheet.cell(1, names.index(name) + 1).column_letter
        rule = DataValidation(type="list", formula1='"' + ",".join(words) + '"', allow_blank=True)
        rule.add(f"{letter}2:{letter}1000")
        sheet.add_data_validation(rule)
    sheet.freeze_panes = "C2"
    sheet.row_dimensions[1].height = 45
    save_workbook(book, path, force=force)


def data_columns(sheet) -> dict[str, str]:
    """Return Figure field -> column letter in an openpyxl data sheet, found by the titles of its header row."""
    for row in sheet.iter_rows(min_row=1, max_row=40):
        found = {name: cell.column_letter for cell in row
                 if isinstance(cell.value, str) and (name := column_field(cell.value)) is not None}
        if "code" in found and "name" in found:
            return found
    return {}


def data_rows(sheet) -> dict[str, int]:
    """Return indicator code -> row number in an openpyxl data sheet, found by the `Mã` column."""
    column = None
    for row in sheet.iter_rows(min_row=1, max_row=40):
        for cell in row:
            if cell.value == DATA_COLUMNS["code"]:
                column, header = cell.column, cell.row
                break
        if column:
            break
    if column is None:
        return {}
    return {
        str(sheet.cell(r, column).value): r
        for r in range(header + 1, sheet.max_row + 1)
        if sheet.cell(r, column).value not in (None, "")
    }


def write_figures(book: Workbook, figures: dict[str, dict[str, object]], notes: dict[str, str] | None = None) -> None:
    """Write `figures` (code -> field -> value) into the data sheet of `book`, and `notes` by section."""
    sheet = book[DATA_SHEET]
    rows, letter = data_rows(sheet), data_columns(sheet)
    for code, values in figures.items():
        if code not in rows:
            continue
        for name, value in values.items():
            if name not in letter and name in DATA_COLUMNS:
                continue  # a column the workbook's period does not have: next year's plan within the year, say
            set_value(sheet[f"{letter[name]}{rows[code]}"], value)
    if notes:
        notes_sheet = book[NOTES_SHEET]
        places = {notes_sheet.cell(r, 1).value: r for r in range(2, notes_sheet.max_row + 1)}
        for section, text in notes.items():
            if section in places:
                set_value(notes_sheet.cell(places[section], 2), text)


def set_value(cell, value) -> None:
    """Put `value` in `cell`; text stays text even when it starts like a formula (`=`, `+`, `-`, `@`)."""
    cell.value = value
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        cell.data_type = "s"


def open_workbook(path: str | Path) -> Workbook:
    """Return the workbook at `path` opened with openpyxl for writing a copy."""
    return load_workbook(path)


def write_table(book: Workbook, title: str, table: Table, index: int | None = None):
    """(Re)create sheet `title` of `book` showing `table` (see tables.Table): values, fills, links; return the sheet.

    Text from other files (names, codes, messages) stays text, never a formula.
    """
    from openpyxl.worksheet.hyperlink import Hyperlink

    for name in list(book.sheetnames):
        if sheet_key(name) == sheet_key(title):
            index = book.sheetnames.index(name) if index is None else index
            del book[name]
    sheet = book.create_sheet(title, index=index)
    for number, (value,) in enumerate(table.top(), start=1):
        set_value(sheet.cell(number, 1), value)
    sheet["A1"].font = Font(name=FONT, bold=True, size=14)
    for r, row in enumerate(table.header, start=table.header_row):
        for c, value in enumerate(row, start=1):
            cell = sheet.cell(r, c)
            set_value(cell, value)
            cell.font = Font(name=FONT, bold=True)
            cell.fill = HEADER_FILL
    fills = {colour: PatternFill("solid", fgColor=colour) for colour in set(table.fills.values())}
    names = {sheet_key(name): name for name in book.sheetnames}
    for r, row in enumerate(table.rows):
        for c, value in enumerate(row):
            cell = sheet.cell(table.first_row + r, c + 1)
            set_value(cell, value)
            if isinstance(value, str) and len(value) > 40:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if (r, c) in table.fills:
                cell.fill = fills[table.fills[r, c]]
            link = table.links.get((r, c))
            target = names.get(sheet_key(link[0])) if link else None
            if target:
                cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{target}'!{link[1]}", display=str(value))
                cell.style = "Hyperlink"
    for column, width in table.widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = table.freeze
    return sheet
