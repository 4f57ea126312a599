"""Parse a Grid into a Submission: unit, period, figures per indicator, narratives, and where each came from.

Columns are found by their titles and the header row by its content, so a workbook whose
columns were moved or whose header was pushed down still reads. What cannot be read
becomes a finding on the Submission instead of an exception.
"""

from __future__ import annotations

import re

from .findings import Finding, finding
from .grid import (DEFAULT_LIMITS, Grid, Limits, NotANumber, cell_address, cell_number, cell_text, column_letter,
                   read_grid)
from .layout import (DATA_SHEET, EXTRA_INFO_LABELS, INFO_LABELS, INFO_SHEET, NOTES_COLUMNS, NOTES_SHEET, NUMBER_FIELDS,
                     OPTIONAL_FIELDS, UNITS_SHEET, column_field, label_key)
from .numbers import format_number
from .submission import Figure, Submission
from .vntext import repair

__all__ = ["parse_grid", "read_submission", "parse_units", "label_key"]

_HEADER_SEARCH_ROWS = 40
EXCEL_MAX_TEXT = 32_767  # Excel's own limit on the characters of one cell; longer text was not typed in Excel



def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format_number(value) if not value.is_integer() else str(int(value))
    return str(value).strip()


_LINE_BREAK = re.compile("[\x0b\x0c]")  # Word's manual line break and page break, pasted into a cell
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff]")  # no Word or Excel document may hold these


_PLAIN_TEXTS: dict[str, str] = {}  # cell text -> its words, for texts that raised nothing: names recur in every ward
_PLAIN_TEXTS_KEPT = 20_000


def _words(value, sub: Submission, sheet: str, address: str, code: str = "") -> str:
    """Return the text in a cell, converted to Unicode (with a warning) if typed in TCVN3 or VNI.

    Control characters (`_x0001_` in the file) are dropped and pasted line breaks kept as
    line breaks: no report or workbook could be written with them.
    """
    known = _PLAIN_TEXTS.get(value) if value.__class__ is str else None
    if known is not None:
        return known
    problems = len(sub.problems)
    words = _words_of(value, sub, sheet, address, code)
    if value.__class__ is str and len(sub.problems) == problems and len(_PLAIN_TEXTS) < _PLAIN_TEXTS_KEPT:
        _PLAIN_TEXTS[value] = words
    return words


def _words_of(value, sub: Submission, sheet: str, address: str, code: str) -> str:
    text = _text(value)
    if not text.isprintable():
        text = _CONTROL.sub("", _LINE_BREAK.sub("\n", text))
    if len(text) > EXCEL_MAX_TEXT:
        sub.problems.append(finding("text-too-long", file=sub.file, sheet=sheet, cell=address, indicator=code,
                                    length=format_number(len(text)), limit=format_number(EXCEL_MAX_TEXT)))
        text = text[:EXCEL_MAX_TEXT]
    fixed, encoding = repair(text)
    if encoding:
        sub.problems.append(finding("legacy-encoding", file=sub.file, sheet=sheet, cell=address, indicator=code,
                                    encoding=encoding, text=fixed))
    return fixed


def parse_grid(grid: Grid) -> Submission:
    """Return the Submission in `grid`; unreadable parts become findings in `.problems`."""
    sub = Submission(file=grid.source)
    _parse_info(grid, sub)
    _parse_data(grid, sub)
    _parse_notes(grid, sub)
    return sub


def read_submission(path, limits: Limits = DEFAULT_LIMITS) -> Submission:
    """Return the Submission in the workbook file at `path`; raise UnreadableWorkbook when it cannot be read."""
    return parse_grid(read_grid(path, limits=limits))


def _required_sheet(grid: Grid, sub: Submission, name: str) -> list[list] | None:
    """Return the rows of sheet `name`, or None with a finding that lists the sheets the file has."""
    rows = _sheet(grid, sub, name)
    if rows is None:
        sub.problems.append(finding("missing-sheet", file=sub.file, sheet=name, name=name, found=_sheet_list(grid)))
    return rows


def _sheet(grid: Grid, sub: Submission, name: str) -> list[list] | None:
    """Return the rows of sheet `name`; when several sheets answer to it, a finding says which one is read."""
    matches = grid.sheet_names(name)
    if len(matches) > 1:
        shown = ", ".join(f"«{m}»" + (" (đang ẩn)" if m in grid.hidden else "") for m in matches)
        sub.problems.append(finding("duplicate-sheet", file=sub.file, sheet=matches[0], cell="A1", name=name,
                                    count=len(matches), sheets=shown, used=matches[0]))
    return grid.sheet(name)


def _parse_info(grid: Grid, sub: Submission) -> None:
    rows = _required_sheet(grid, sub, INFO_SHEET)
    if rows is None:
        return
    labels = {label_key(label): name for name, label in (INFO_LABELS | EXTRA_INFO_LABELS).items()}
    for r, row in enumerate(rows):
        if len(row) < 1 or label_key(row[0]) not in labels:
            continue
        name = labels[label_key(row[0])]
        value = row[1] if len(row) > 1 else None
        sub.info_cells[name] = f"B{r + 1}"
        sub.info_raw[name] = value
        if name == "year":
            sub.year = _year(value)
        elif name in EXTRA_INFO_LABELS:
            sub.info[name] = _words(value, sub, INFO_SHEET, f"B{r + 1}")
        elif name == "period":
            sub.period_label = _words(value, sub, INFO_SHEET, f"B{r + 1}")
        else:
            setattr(sub, name, _words(value, sub, INFO_SHEET, f"B{r + 1}"))


def _sheet_list(grid: Grid) -> str:
    return ", ".join(f"«{name}»" for name in grid.sheets) or "không có trang nào"


def _year(value) -> int | None:
    text = _text(value)
    return int(text) if text.isdigit() else None


def _find_header(rows: list[list]) -> tuple[int, dict[str, int]] | None:
    """Return the header row index and field -> column index, found by column titles (column_field)."""
    for r, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        found = {}
        for c, cell in enumerate(row):
            name = column_field(cell) if isinstance(cell, str) else None
            if name is not None:
                found[name] = c
        if "code" in found and "name" in found:
            return r, found
    return None


def _required_columns(sub: Submission) -> dict[str, str]:
    """Return field -> title of the columns the data sheet must have: next year's plan only at the year's end.

    A workbook without a period is read as the year's; one with a period that is not one (check reports it)
    is not asked for next year's plan.
    """
    closes_year = sub.period.closes_year if sub.period else not sub.period_label.strip()
    return {name: title for name, title in sub.column_titles().items()
            if name not in OPTIONAL_FIELDS and (name != "next_plan" or closes_year)}


def _parse_data(grid: Grid, sub: Submission) -> None:
    rows = _required_sheet(grid, sub, DATA_SHEET)
    if rows is None:
        return
    sheet = sub.data_sheet = grid.sheet_name(DATA_SHEET)
    header = _find_header(rows)
    if header is None:
        sub.problems.append(finding("missing-header", file=sub.file, sheet=sheet, cell="A1"))
        return
    header_row, columns = header
    for name, title in _required_columns(sub).items():
        if name not in columns:
            sub.problems.append(finding("missing-column", file=sub.file, sheet=sheet, cell=cell_address(header_row, 0),
                                        title=title))
    letters = {name: column_letter(c) for name, c in columns.items()}
    texts = [(name, c, letters[name]) for name in ("name", "unit", "note") if (c := columns.get(name)) is not None]
    numbers = [(name, c, letters[name]) for name in NUMBER_FIELDS if (c := columns.get(name)) is not None]
    code_at, code_letter = columns["code"], letters["code"]
    for r in range(header_row + 1, len(rows)):
        row = rows[r]
        width = len(row)
        code = _text(row[code_at]) if code_at < width else ""
        if not code:
            continue
        line = str(r + 1)
        if code in sub.figures:
            sub.problems.append(
                finding("duplicate-code", file=sub.file, sheet=sheet, cell=code_letter + line,
                        indicator=code, code_value=code, first=sub.figures[code].cells["code"])
            )
            continue
        fig = Figure(code=code, row=r + 1)
        cells, raws = fig.cells, fig.raw
        cells["code"] = code_letter + line
        for name, c, letter in texts:
            value = row[c] if c < width else None
            if value is not None:
                setattr(fig, name, _words(value, sub, sheet, letter + line, code))
        for name, c, letter in numbers:
            raw = row[c] if c < width else None
            cells[name] = address = letter + line
            raws[name] = raw
            if raw is not None:
                finite = raw.__class__ is float and raw - raw == 0  # inf - inf and nan - nan are nan
                setattr(fig, name, raw if finite else _number(raw, sub, sheet, address, code))
        sub.figures[code] = fig


def _number(raw, sub: Submission, sheet: str, address: str, code: str) -> float | None:
    """Return the number in a cell, or None with a finding when it holds something else."""
    try:
        return cell_number(raw)
    except NotANumber as exc:
        problem = (finding("excel-error", file=sub.file, sheet=sheet, cell=address, indicator=code, error=exc.error)
                   if exc.error else
                   finding("not-a-number", file=sub.file, sheet=sheet, cell=address, indicator=code,
                           text=exc.text, reason=exc.reason))
    sub.problems.append(problem)
    return None


def _parse_notes(grid: Grid, sub: Submission) -> None:
    rows = _sheet(grid, sub, NOTES_SHEET)
    if not rows:
        return
    titles = {label_key(t): n for n, t in NOTES_COLUMNS.items()}
    for r, row in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        found = {titles[label_key(c)]: i for i, c in enumerate(row) if label_key(c) in titles}
        if len(found) == 2:
            break
    else:
        return
    sheet = grid.sheet_name(NOTES_SHEET)
    for i, row in enumerate(rows[r + 1:], start=r + 1):
        section = _text(row[found["section"]]) if found["section"] < len(row) else ""
        text = _words(row[found["text"]], sub, sheet, cell_address(i, found["text"])) if found["text"] < len(row) else ""
        if section and text:
            sub.narratives[section] = text


def parse_units(grid: Grid) -> tuple[list[tuple[str, str]], list[Finding]]:
    """Return the (code, name) pairs of a city workbook's `Đơn vị` sheet (titles in its first row), each code once,
    and a finding on each row that repeats a code or names a unit without one."""
    rows = grid.sheet(UNITS_SHEET) or []
    if not rows:
        return [], []
    header = [label_key(cell) for cell in rows[0]]
    code_title, name_title = label_key("Mã đơn vị"), label_key("Tên đơn vị")
    if code_title not in header:
        return [], []
    sheet = grid.sheet_name(UNITS_SHEET)
    code_at = header.index(code_title)
    name_at = header.index(name_title) if name_title in header else None
    units, findings, first = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        code = cell_text(row[code_at]) if code_at < len(row) else ""
        name = cell_text(row[name_at]) if name_at is not None and name_at < len(row) else ""
        cell = cell_address(number - 1, code_at)
        if not code:
            if name:
                findings.append(finding("unit-without-code", file=grid.source, sheet=sheet, cell=cell, name=name))
        elif code.upper() in first:
            findings.append(finding("unit-listed-twice", file=grid.source, sheet=sheet, cell=cell, unit=code,
                                    first=first[code.upper()]))
        else:
            first[code.upper()] = cell
            units.append((code, name))
    return units, findings
