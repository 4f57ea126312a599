"""Grids: a workbook as plain values (sheet name -> rows), read from a file with python-calamine.

Every reader produces a Grid and one parser reads every Grid, so a workbook from a file,
from a live Excel book or from a remote payload goes through the same code.
"""

from __future__ import annotations

import datetime
import html
import math
import re
import struct
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from .errors import UnreadableWorkbook
from .findings import readable
from .numbers import NumberTextError, format_number, parse_number

__all__ = ["grid_keys", "Grid", "Limits", "read_grid", "cell_address", "column_letter", "clean_value", "cell_text", "date_text",
           "sheet_key", "cell_number", "NotANumber", "is_excel_error"]


@dataclass(frozen=True)
class Limits:
    """How much of a file xltools agrees to read; past these it refuses with a message."""

    max_file_bytes: int = 50 * 1024 * 1024
    max_unzipped_bytes: int = 64 * 1024 * 1024
    max_rows: int = 20_000
    max_columns: int = 200


DEFAULT_LIMITS = Limits()


def sheet_key(name: str) -> str:
    """Return what identifies a sheet name: the same ignoring case, spaces around it and Unicode composition."""
    return unicodedata.normalize("NFC", name).strip().casefold()


@dataclass
class Grid:
    """The values of a workbook's sheets; `source` is the file name shown to users."""

    sheets: dict[str, list[list]]
    source: str = ""
    path: Path | None = None
    hidden: set[str] = field(default_factory=set)

    def sheet(self, name: str) -> list[list] | None:
        """Return the rows of the sheet `sheet_name(name)` picks, or None."""
        actual = self.sheet_name(name)
        return None if actual is None else self.sheets[actual]

    def sheet_name(self, name: str) -> str | None:
        """Return the actual name of the sheet matching `name`, a visible one before a hidden one, or None."""
        matches = self.sheet_names(name)
        return matches[0] if matches else None

    def sheet_names(self, name: str) -> list[str]:
        """Return every sheet matching `name` ignoring case, spacing and Unicode composition: visible ones first."""
        wanted = sheet_key(name)
        return sorted((actual for actual in self.sheets if sheet_key(actual) == wanted),
                      key=lambda actual: actual in self.hidden)

    def first_sheet(self) -> list[list]:
        return next(iter(self.sheets.values()), [])


def column_letter(index: int) -> str:
    """Return the Excel column letters for zero-based column `index` (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_address(row: int, column: int) -> str:
    """Return the A1 address of zero-based `row` and `column`."""
    return f"{column_letter(column)}{row + 1}"


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def date_text(value) -> str:
    """Return a date, time or duration cell as Excel shows it in Vietnam: `01/02/2026`, `03:05`, `01/02/2026 03:05`."""
    if isinstance(value, datetime.datetime):
        return f"{value:%d/%m/%Y %H:%M}" if value.time() != datetime.time() else f"{value:%d/%m/%Y}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, datetime.time):
        return f"{value:%H:%M}"
    return str(value)


_EXCEL_ERROR = re.compile(r"^#(DIV/0!|REF!|VALUE!|NAME\?|N/A|NUM!|NULL!|SPILL!|CALC!|GETTING_DATA)$", re.I)
NOT_FINITE = "không phải một số hữu hạn: Excel không ghi được số vô cùng hay «không phải số» (NaN)"


def is_excel_error(value) -> bool:
    """Return True for an Excel error value such as `#DIV/0!` or `#REF!`."""
    return isinstance(value, str) and bool(_EXCEL_ERROR.match(value.strip()))


class NotANumber(ValueError):
    """A cell that holds something other than a number: `text` as the user sees it, `reason` in Vietnamese.

    `error` is the Excel error value (`#DIV/0!`) when the cell holds one, else None.
    """

    def __init__(self, text: str, reason: str, error: str | None = None):
        super().__init__(f"{text!r}: {reason}")
        self.text, self.reason, self.error = text, reason, error


def cell_number(value) -> float | None:
    """Return the number in a cell, None when it is empty; raise NotANumber when it holds something else.

    The one reading of a number cell, for the parser (which makes the error a finding at the cell)
    and for the worksheet functions (which show it in the cell): a number, or a Vietnamese number
    text such as `1.172,5`; never a true/false, a date, an Excel error, infinity or NaN.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise NotANumber(str(value).upper(), "là giá trị đúng/sai")
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond any float, and maybe beyond printing: Python refuses 4.300+ digits
            raise NotANumber("(số nguyên quá lớn)", NOT_FINITE) from None
        if not math.isfinite(number):
            raise NotANumber(str(value), NOT_FINITE)
        return number
    if isinstance(value, (datetime.date, datetime.time, datetime.timedelta)):
        raise NotANumber(date_text(value), "Excel đã hiểu thành ngày giờ, thường do gõ dấu «/» hoặc «:» giữa các số")
    if not isinstance(value, str):
        raise NotANumber(str(value), "không phải là số")
    if not value.strip():
        return None
    if is_excel_error(value):
        raise NotANumber(value.strip(), "là giá trị lỗi của Excel", error=value.strip())
    try:
        number = parse_number(value)
    except NumberTextError as exc:
        raise NotANumber(exc.text, exc.reason) from None
    if not math.isfinite(number):  # hundreds of digits
        raise NotANumber(value, NOT_FINITE)
    return number


def cell_text(value) -> str:
    """Return a cell value as plain text: "" for empty, whole numbers without ".0", other text stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def grid_keys(names: list[str]) -> dict[str, str]:
    """Return sheet name -> the name a Grid keeps it under: NFC, except where two sheets differ only in
    composition, so that neither replaces the other (the parser then reports them both)."""
    spellings = Counter(_nfc(name) for name in names)
    return {name: _nfc(name) if spellings[_nfc(name)] == 1 or _nfc(name) == name else name for name in names}


def clean_value(value):
    """Return a cell value as grids hold it: text in NFC, empty text as None, anything else unchanged."""
    if value.__class__ is str:
        return _nfc(value) if value else None
    return value


def read_grid(path: str | Path, sheets: list[str] | None = None, limits: Limits = DEFAULT_LIMITS) -> Grid:
    """Return the Grid of the workbook at `path` (xlsx, xlsm, xls, ods), read without changing it.

    Only the sheets named in `sheets` are read when it is given. Raise UnreadableWorkbook
    with a Vietnamese message when the file cannot be read as a workbook.
    """
    path = Path(path)
    name = readable(path.name)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableWorkbook(f"{name}: không mở được tệp ({exc.strerror}).") from None
    if size == 0:
        raise UnreadableWorkbook(f"{name}: tệp rỗng (0 byte). Đề nghị đơn vị gửi lại tệp.")
    if size > limits.max_file_bytes:
        raise UnreadableWorkbook(
            f"{name}: tệp nặng {size / 1048576:.0f} MB, vượt giới hạn {limits.max_file_bytes // 1048576} MB."
        )
    wanted = {sheet_key(s) for s in sheets} if sheets is not None else None
    archive = _open_container(path, limits)
    try:
        parts = _Parts(name, archive, limits) if archive is not None else None
        zeros = _check_xls(path, name, limits) if archive is None and _is_ole(path) else {}
        book = _open_book(path)
        out: dict[str, list[list]] = {}
        hidden = set()
        metadata = book.sheets_metadata
        keys = grid_keys([meta.name for meta in metadata])
        for meta in metadata:
            sheet_name = meta.name
            if wanted is not None and sheet_key(sheet_name) not in wanted:
                continue
            errors = parts.sheet_errors(sheet_name) if parts is not None else []
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False, nrows=limits.max_rows + 1)
            if len(rows) > limits.max_rows:
                raise UnreadableWorkbook(_too_many_rows(name, sheet_name, limits))
            width = limits.max_columns
            key = keys[sheet_name]
            out[key] = [[(_nfc(v) if v else None) if v.__class__ is str else v for v in row[:width]] for row in rows]
            _put_errors(out[key], errors)
            _put_blanks(out[key], zeros.get(_nfc(sheet_name), ()))
            if meta.visible != SheetVisibleEnum.Visible:
                hidden.add(key)
    except UnreadableWorkbook:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        raise UnreadableWorkbook(_corrupt(name)) from None
    except Exception as exc:  # calamine raises several unrelated types for a bad file
        raise UnreadableWorkbook(_why_unreadable(name, exc)) from None
    finally:
        if archive is not None:
            archive.close()
    return Grid(out, source=name, path=path, hidden=hidden)


def _open_book(path: Path) -> CalamineWorkbook:
    """Return the reader's workbook at `path`; a path that is not valid UTF-8 is opened by its handle."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # the reader takes its paths as UTF-8 text
        with path.open("rb") as handle:
            return CalamineWorkbook.from_filelike(handle)
    return CalamineWorkbook.from_path(str(path))


def _too_many_rows(name: str, sheet: str, limits: Limits, cell: str = "") -> str:
    where = f" (có dữ liệu ở ô {cell})" if cell else ""
    return (f"{name} › {_nfc(sheet)}: trang tính có hơn {format_number(limits.max_rows)} dòng{where}, vượt giới hạn "
            "cho phép (tùy chọn --max-rows). Đề nghị xóa các dòng thừa hoặc dùng đúng mẫu báo cáo.")


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)

# Parts that a workbook reader parses as XML; pictures, themes and drawings are never parsed.
_PARSED_PARTS = re.compile(r"^(\[Content_Types\]\.xml|_rels/.*|xl/(workbook|styles|sharedStrings)\.xml|xl/_rels/.*"
                           r"|xl/worksheets/.*|content\.xml|styles\.xml|META-INF/.*)$")
_WORKBOOK, _WORKBOOK_RELS, _PACKAGE_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "_rels/.rels"
_ODS_CONTENT = "content.xml"


class _Parts:
    """The parts of a zip workbook, looked at before python-calamine parses any of them.

    A part that declares a DOCTYPE or entities (billion laughs, external entities) is refused;
    a declaration can only stand before the root element, so the head of each part suffices.
    Before a sheet is read, the extent of its cells is bounded from its XML (`_check_extent`),
    because the reader allocates a cell for every position between the first and the last
    value: one value in XFD1048576 asks for 512 GB. Nothing in a part is ever resolved.
    """

    def __init__(self, name: str, archive: zipfile.ZipFile, limits: Limits):
        self.name, self.archive, self.limits = name, archive, limits
        self.infos = infos = archive.infolist()
        members = {info.filename: info for info in infos}
        whole: dict[str, bytes] = {}
        if _WORKBOOK in members and _WORKBOOK_RELS in members:
            whole = {part: _read_part(archive, members[part]) for part in (_WORKBOOK, _WORKBOOK_RELS)}
        self.sheets = _sheet_parts(whole)  # part -> sheet name
        self.members = members
        # The sheet a name points at is only trusted when the reader cannot resolve it to another part.
        self.trusted = _plain_layout(archive, infos, whole, self.sheets)
        self.every_sheet_checked = False
        for part, info in members.items():
            if _PARSED_PARTS.match(part) and part not in self.sheets:
                head = whole[part][:2048] if part in whole else _read_head(archive, info)
                _refuse_declarations(name, part, head)
        if _ODS_CONTENT in members:  # the reader reads every table of an ODS when it opens it
            problem = _check_ods(_as_utf8(_read_part(archive, members[_ODS_CONTENT])), limits)
            if problem:
                raise UnreadableWorkbook(problem[1].message(name, problem[0], limits))

    def sheet_errors(self, sheet: str) -> list[tuple[int, int, str]]:
        """Return the Excel error cells of `sheet` (row, column, `#DIV/0!`), after bounding its extent."""
        part = next((p for p, s in self.sheets.items() if s == sheet), None)
        if part is None or not self.trusted:
            self._check_every_sheet()
        if part is None:
            return []
        xml = _as_utf8(_read_part(self.archive, self.members[part]))
        if self.trusted:
            self._check(xml, sheet)
        if b't="e"' not in xml:
            return []
        return [(int(number) - 1, _column_index(letters.decode()), error.decode())
                for letters, number, error in _ERROR_CELL.findall(xml)]

    def _check_every_sheet(self) -> None:
        """Check every part holding cells: the reader may resolve a sheet to any of them."""
        if self.every_sheet_checked:
            return
        for info in self.infos:
            xml = _as_utf8(_read_part(self.archive, info))
            if b"sheetData" in xml:
                self._check(xml, self.sheets.get(info.filename, info.filename))
        self.every_sheet_checked = True

    def _check(self, xml: bytes, sheet: str) -> None:
        _refuse_declarations(self.name, sheet, xml[:2048])
        problem = _check_extent(xml, self.limits)
        if problem:
            raise UnreadableWorkbook(problem.message(self.name, sheet, self.limits))


def _refuse_declarations(name: str, part: str, head: bytes) -> None:
    """Refuse a part whose `head` declares a DOCTYPE or entities."""
    if b"<!" in head and _DECLARATION.search(head):
        raise UnreadableWorkbook(
            f"{name}: tệp chứa khai báo DOCTYPE/ENTITY trong {part}, không có trong tệp Excel hợp lệ; "
            "tệp có thể độc hại nên không được đọc."
        )


_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.I)


def _read_head(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as handle:
        return handle.read(2048)


def _as_utf8(xml: bytes) -> bytes:
    """Return `xml` in UTF-8 when it is in UTF-16 (which the reader also reads), else unchanged."""
    if xml[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return xml.decode("utf-16", "replace").encode("utf-8")
    if b"\x00" in xml[:4]:
        return xml.decode("utf-16-be" if xml[:1] == b"\x00" else "utf-16-le", "replace").encode("utf-8")
    return xml


def _plain_layout(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], whole: dict[str, bytes],
                  sheets: dict[str, str]) -> bool:
    """Return True when every sheet name leads the reader to the part `_sheet_parts` found, and nowhere else.

    That holds for the files Excel, LibreOffice and openpyxl write: the workbook at
    xl/workbook.xml, part names that differ in more than letter case, one relationship per
    id, one sheet per name, each attribute written once in double quotes. Any other file
    gets every part holding cells checked instead.
    """
    names = [info.filename for info in infos]
    if not whole or _PACKAGE_RELS not in names or len({n.replace("\\", "/").lower() for n in names}) != len(names):
        return False
    package = _plain_tags(_read_part(archive, archive.getinfo(_PACKAGE_RELS)), "Relationship")
    relationships = _plain_tags(whole[_WORKBOOK_RELS], "Relationship")
    sheet_tags = _plain_tags(whole[_WORKBOOK], "sheet")
    if package is None or relationships is None or sheet_tags is None:
        return False
    documents = [tag.get(b"Target") for tag in package if tag.get(b"Type", b"").endswith(b"/officeDocument")]
    ids = [tag.get(b"Id") for tag in relationships]
    return (documents in ([b"xl/workbook.xml"], [b"/xl/workbook.xml"]) and len(set(ids)) == len(ids)
            and len({sheet_key(s) for s in sheets.values()}) == len(sheet_tags) and all(p in names for p in sheets))


def _plain_tags(xml: bytes, element: str) -> list[dict[bytes, bytes]] | None:
    """Return the attributes of each `element` tag in `xml`, or None if one is not plainly written."""
    loose, strict = _TAGS[element]
    found = strict.findall(xml)
    if len(loose.findall(xml)) != len(found):
        return None
    tags = []
    for attributes in found:
        pairs = _ATTRIBUTE.findall(attributes)
        if len({key.rpartition(b":")[2] for key, _ in pairs}) != len(pairs):
            return None
        tags.append(dict(pairs))
    return tags


_TAGS = {element: (re.compile(rb"<(?:[^\s<>/!?]+:)?%s[\s/>]" % element.encode()),
                   re.compile(rb'<(?:[^\s<>/!?]+:)?%s((?:\s+[\w:]+="[^"<>]*")*)\s*/?>' % element.encode()))
         for element in ("sheet", "Relationship")}


EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
XLS_ROWS, XLS_COLUMNS = 65_536, 256


@dataclass(frozen=True)
class _Far:
    """Why a sheet is not read: a cell (zero-based row, column) past the limits or outside the grid, or broken markup."""

    row: int
    column: int
    why: str  # rows | area | outside | declared | broken
    grid: tuple[int, int] = (EXCEL_ROWS, EXCEL_COLUMNS)

    def message(self, name: str, sheet: str, limits: Limits) -> str:
        sheet, cell = _nfc(sheet), cell_address(self.row, self.column)
        size = f"{format_number(self.row + 1)} dòng × {format_number(self.column + 1)} cột"
        if self.why == "rows":
            return _too_many_rows(name, sheet, limits, cell)
        if self.why == "area":
            return (f"{name} › {sheet}: có dữ liệu ở ô {cell}, quá xa vùng số liệu: phải đọc {size}, vượt giới hạn "
                    f"{format_number(limits.max_rows * limits.max_columns)} ô (tùy chọn --max-rows, --max-columns). "
                    f"Đề nghị xóa nội dung ô {cell} và các ô thừa xa vùng số liệu rồi lưu lại.")
        what = {
            "outside": f"ghi một ô ở dòng {format_number(self.row + 1)}, cột {format_number(self.column + 1)}, ngoài "
                       f"bảng tính ({format_number(self.grid[0])} dòng, {format_number(self.grid[1])} cột)",
            "declared": f"khai báo vùng dữ liệu {size}, vượt giới hạn "
                        f"{format_number(limits.max_rows * limits.max_columns)} ô",
            "broken": f"có cấu trúc hỏng gần dòng {format_number(self.row + 1)}",
        }[self.why]
        return (f"{name} › {sheet}: tệp {what}; tệp không do Excel tạo ra hoặc đã bị sửa nên không được đọc. "
                "Đề nghị đơn vị gửi lại tệp.")


class _Extent:
    """The farthest value of one sheet as the reader places it, checked against the limits as it grows.

    python-calamine allocates every cell between the first and the farthest value (one value
    in XFD1048576 asks for 512 GB), so the farthest value is found from the file first.
    """

    def __init__(self, limits: Limits, grid: tuple[int, int] = (EXCEL_ROWS, EXCEL_COLUMNS)):
        self.limits, self.grid = limits, grid
        self.farthest = (0, 0)

    def inside(self, row: int, column: int) -> _Far | None:
        """Return why a cell (even an empty one) at `row`, `column` cannot be, or None."""
        return _Far(row, column, "outside", self.grid) if row >= self.grid[0] or column >= self.grid[1] else None

    def value(self, row: int, column: int) -> _Far | None:
        """Return why a value at `row`, `column` cannot be read, or None after taking it into the extent."""
        far = self.inside(row, column)
        if far is None and row >= self.limits.max_rows:
            far = _Far(row, column, "rows")
        self.farthest = (max(self.farthest[0], row), max(self.farthest[1], column))
        return far

    def area(self) -> _Far | None:
        """Return why the cells from A1 to the farthest value are too many to read, or None."""
        rows, columns = self.farthest[0] + 1, self.farthest[1] + 1
        return _Far(*self.farthest, "area") if rows * columns > self.limits.max_rows * self.limits.max_columns else None


# A sheet whose every cell tag is `<c r="A1" …>` with one `r`, in columns A to Z and rows below 100.000,
# makes the reader hold at most 26 × 99.999 cells: it needs no closer look. Excel, LibreOffice and
# openpyxl write such sheets. Anything else (a far cell, a cell without `r`, a prefixed tag) is walked.
_UNUSUAL_CELL = re.compile(rb'<c(?:[>/\t\n\r]| (?!r="[A-Z]\d{1,5}"(?: (?!r[\s=])[\w:]++="[^"<>]*+")*+/?>))')
_PREFIXED_CELL = re.compile(rb":c[\s/>]")
_MARKUP = re.compile(rb'<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>'
                     rb'|<(/?)([^\s/>!?]+)((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>', re.S)
_SHEET_DATA = re.compile(rb"<(?:[^\s<>/!?]+:)?sheetData[\s/>]")
_CELL_REFERENCE = re.compile(rb"([A-Za-z]*)0*([1-9]\d*)")


def _check_extent(xml: bytes, limits: Limits) -> _Far | None:
    """Return why the sheet `xml` (xlsx) must not be given to the reader, or None.

    Cells are placed as the reader places them: by their `r` reference, else one column after
    the previous cell, row after row. The sheet's `<dimension>` is not trusted. Empty cells
    (`<c r="XFD5" s="1"/>`) cost nothing but must lie inside Excel's grid.
    """
    if _UNUSUAL_CELL.search(xml) is None and _PREFIXED_CELL.search(xml) is None:
        return None
    start = _SHEET_DATA.search(xml)
    return _CellWalk(limits).walk(xml, start.start()) if start else None


class _CellWalk:
    """Walks the markup of an xlsx sheet tag by tag, keeping the reader's position."""

    def __init__(self, limits: Limits):
        self.extent = _Extent(limits)
        self.row = self.column = 0

    def walk(self, xml: bytes, position: int) -> _Far | None:
        cell: tuple[int, int] | None = None  # the cell being read: its value runs to its end tag
        opened: list[bytes] = []
        valued = False
        for match in _MARKUP.finditer(xml, position):
            if xml.find(b"<", position, match.start()) != -1:
                return self._broken()  # a `<` the reader would read otherwise
            position = match.end()
            closing, name, attributes = match.groups()
            if name is None:
                continue  # a comment, CDATA or processing instruction
            empty = attributes.endswith(b"/")
            local = name.rpartition(b":")[2]
            if cell is not None:
                if not closing and not valued:
                    valued = True
                    far = self.extent.value(*cell)
                    if far:
                        return far
                if not closing and not empty:
                    opened.append(name)
                elif closing and opened and opened[-1] == name:
                    opened.pop()
                elif closing and not opened and local == b"c":
                    cell = None
                elif closing:
                    return self._broken()
            elif local == b"sheetData" and closing:
                return self.extent.area()
            elif local == b"row" and closing:
                self.row, self.column = self.row + 1, 0
            elif local == b"row":
                if not self._row(attributes):
                    return self._broken()
                if empty:
                    self.row, self.column = self.row + 1, 0
            elif local == b"c" and not closing:
                here = self._cell(attributes)
                if here is None:
                    return self._broken()
                far = self.extent.inside(*here)
                if far:
                    return far
                self.column = here[1] + 1
                if not empty:
                    cell, opened, valued = here, [], False
        if xml.find(b"<", position) != -1:
            return self._broken()
        return self.extent.area()

    def _broken(self) -> _Far:
        return _Far(self.row, self.column, "broken")

    def _row(self, attributes: bytes) -> bool:
        """Move to the row a `<row>` tag names; return False for a number the reader cannot read."""
        references = _attribute_values(attributes, b"r")
        if not references:
            return True
        parsed = _CELL_REFERENCE.fullmatch(references[0])
        if len(references) > 1 or not parsed or parsed.group(1):
            return False
        self.row = int(parsed.group(2)) - 1
        return True

    def _cell(self, attributes: bytes) -> tuple[int, int] | None:
        """Return where the reader puts the cell with `attributes`, or None for a reference it cannot read."""
        references = _attribute_values(attributes, b"r")
        if not references:
            return self.row, self.column
        parsed = _CELL_REFERENCE.fullmatch(references[0])
        if len(references) > 1 or not parsed or not parsed.group(1):
            return None
        return int(parsed.group(2)) - 1, _column_index(parsed.group(1).decode().upper())


def _attribute_values(attributes: bytes, name: bytes) -> list[bytes]:
    """Return the values of every attribute `name` in a tag's `attributes`."""
    pattern = rb'(?:^|\s)' + re.escape(name) + rb'\s*=\s*(?:"([^"]*)"|\'([^\']*)\')'
    return [double or single for double, single in re.findall(pattern, attributes)]


def _check_ods(xml: bytes, limits: Limits) -> tuple[str, _Far] | None:
    """Return the table of an ODS `content.xml` that must not be given to the reader, and why; or None.

    The reader reads every table when the file is opened, matching element names with their
    `table:` prefix. A row or cell repeated N times (`table:number-rows-repeated`) takes N
    places; only cells with a value or content count.
    """
    table, extent = "", None
    row = column = 0
    repeats = 1
    for match in _MARKUP.finditer(xml):
        closing, name, attributes = match.groups()
        if name is None:
            continue
        empty = attributes.endswith(b"/")
        if name == b"table:table":
            if extent is not None and not closing:
                return table, _Far(row, column, "broken")  # a table inside a table
            if extent is not None:
                far = extent.area()
                if far:
                    return table, far
                extent = None
            elif not closing and not empty:
                names = _attribute_values(attributes, b"table:name")
                table = html.unescape(names[0].decode("utf-8", "replace")) if names else ""
                extent, row = _Extent(limits), 0
        elif extent is None:
            continue
        elif name == b"table:table-row" and closing:
            row, column = row + repeats, 0
        elif name == b"table:table-row":
            repeats, column = _repeated(attributes, b"table:number-rows-repeated"), 0
            if empty:
                row += repeats
        elif name in (b"table:table-cell", b"table:covered-table-cell") and not closing:
            across = _repeated(attributes, b"table:number-columns-repeated")
            if not empty or b"value-type" in attributes:
                far = extent.value(row + repeats - 1, column + across - 1)
                if far:
                    return table, far
            column += across
    far = extent.area() if extent is not None else None
    return (table, far) if far else None


def _repeated(attributes: bytes, name: bytes) -> int:
    """Return how many times a row or cell repeats: the largest count written, at least 1."""
    counts = [int(value) for value in _attribute_values(attributes, name) if value.strip().isdigit()]
    return max(counts, default=1) or 1


_XLS_VALUES = {0x0006, 0x0203, 0x0204, 0x0205, 0x00D6, 0x00FD, 0x027E}  # formula, number, label, …: row, column first
_XLS_MULRK, _XLS_DIMENSIONS, _XLS_BOF, _XLS_EOF, _XLS_SHEET = 0x00BD, 0x0200, 0x0809, 0x000A, 0x0085


def _check_xls(path: Path, name: str, limits: Limits) -> dict[str, set[tuple[int, int]]]:
    """Bound every sheet of an .xls before the reader opens it; return sheet -> cells of formulas stored as 0.

    The reader reads every sheet of an .xls when it opens the file, reserving room for the
    area its DIMENSIONS record claims, so both the claim and the cells are checked here.
    LibreOffice stores the cached empty-text result of a formula (the `%` columns' "") as the
    number 0, where Excel shows an empty cell: such cells are read as empty. A formula whose
    true result is 0 is read as empty too, which only loses a 0 the figures give again.
    """
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = [ole.openstream(stream).read() for stream in ("Workbook", "Book") if ole.exists(stream)]
    except Exception:  # olefile raises several unrelated types for a broken container
        raise UnreadableWorkbook(f"{name}: tệp .xls bị hỏng (cấu trúc tệp không đọc được). Đề nghị đơn vị gửi lại tệp.") \
            from None
    zeros: dict[str, set[tuple[int, int]]] = {}
    for stream in streams:
        for offset, sheet in _xls_sheets(stream):
            far = _xls_sheet(stream, offset, limits, zeros.setdefault(_nfc(sheet), set()))
            if far:
                raise UnreadableWorkbook(far.message(name, sheet, limits))
    return zeros


def _xls_records(stream: bytes, position: int):
    """Yield (type, body) of the BIFF records of `stream` from `position`, each with its CONTINUE records."""
    end = len(stream)
    while position + 4 <= end:
        kind, size = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4:position + 4 + size]
        position += 4 + size
        while position + 4 <= end and struct.unpack_from("<H", stream, position)[0] == 0x003C:
            size = struct.unpack_from("<H", stream, position + 2)[0]
            body += stream[position + 4:position + 4 + size]
            position += 4 + size
        yield kind, body


def _xls_sheets(stream: bytes) -> list[tuple[int, str]]:
    """Return (stream offset, name) of each sheet listed in the workbook globals of a BIFF stream."""
    sheets, biff8 = [], True
    for kind, body in _xls_records(stream, 0):
        if kind == _XLS_BOF and len(body) >= 2:
            biff8 = struct.unpack_from("<H", body)[0] == 0x0600
        elif kind == _XLS_SHEET and len(body) >= 7:
            count = body[6]
            if biff8 and len(body) >= 8:
                raw = body[8:8 + count * (2 if body[7] & 1 else 1)]
                text = raw.decode("utf-16-le" if body[7] & 1 else "latin-1", "replace")
            else:
                text = body[7:7 + count].decode("cp1252", "replace")
            sheets.append((struct.unpack_from("<I", body)[0], text))
        elif kind == _XLS_EOF:
            break
    return sheets


def _xls_sheet(stream: bytes, offset: int, limits: Limits, zeros: set[tuple[int, int]]) -> _Far | None:
    """Return why the sheet at `offset` cannot be read, or None; add the cells of formulas stored as 0 to `zeros`."""
    extent, depth = _Extent(limits, (XLS_ROWS, XLS_COLUMNS)), 0
    for kind, body in _xls_records(stream, offset):
        if kind == _XLS_BOF:
            depth += 1
        elif kind == _XLS_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif kind == _XLS_DIMENSIONS and len(body) in (10, 14):
            first, last, left, right = struct.unpack_from("<IIHH" if len(body) == 14 else "<HHHH", body)
            rows, columns = last - first if last >= first else XLS_ROWS + 1, right - left if right >= left else 1
            if rows * columns > limits.max_rows * limits.max_columns:
                return _Far(max(rows, 1) - 1, max(columns, 1) - 1, "declared")
        elif kind in _XLS_VALUES and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body)
            far = extent.value(row, column)
            if far:
                return far
            if kind == 0x0006 and body[6:14] == bytes(8):
                zeros.add((row, column))
        elif kind == _XLS_MULRK and len(body) >= 6:
            row, first = struct.unpack_from("<HH", body)
            last = max(first + (len(body) - 6) // 6 - 1, struct.unpack_from("<H", body, len(body) - 2)[0])
            far = extent.value(row, last)
            if far:
                return far
    return extent.area()


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Return a part's bytes, never more than its declared size (checked against the limit), whatever the data holds."""
    with archive.open(info) as handle:
        return handle.read(info.file_size)


def _sheet_parts(whole: dict[str, bytes]) -> dict[str, str]:
    """Return the zip part of each sheet (part -> sheet name as written) from the workbook and its relationships."""
    if not whole:
        return {}
    targets = {}
    for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", whole[_WORKBOOK_RELS]):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = attributes.get(b"Target", b"").decode()
        targets[attributes.get(b"Id", b"").decode()] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts = {}
    for tag in _SHEET_TAG.findall(whole[_WORKBOOK]):
        attributes = {k.split(b":")[-1]: v for k, v in _ATTRIBUTE.findall(tag)}
        part = targets.get(attributes.get(b"id", b"").decode())
        if part:
            parts[part] = html.unescape(attributes.get(b"name", b"").decode("utf-8"))
    return parts


def _put_errors(rows: list[list] | None, cells: list[tuple[int, int, str]]) -> None:
    """Put Excel error values back into the cells of `rows` where the sheet XML has them."""
    for r, c, error in cells:
        if rows is not None and r < len(rows) and c < len(rows[r]):
            rows[r][c] = error


def _put_blanks(rows: list[list], cells) -> None:
    """Empty the cells of `rows` that hold 0 where the file stores a formula's result as 0 (see `_check_xls`)."""
    for r, c in cells:
        if r < len(rows) and c < len(rows[r]) and rows[r][c] == 0:
            rows[r][c] = None


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def _open_container(path: Path, limits: Limits) -> zipfile.ZipFile | None:
    """Return the open zip of an xlsx/xlsm/ods file (None for other files), refusing bombs and encrypted files.

    Zip containers that would expand past the limit are refused before anything is unpacked.
    """
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0") and (
        path.suffix.lower() in (".xlsx", ".xlsm") or "EncryptedPackage".encode("utf-16-le") in path.read_bytes()
    ):
        raise UnreadableWorkbook(
            f"{path.name}: tệp được đặt mật khẩu (mã hóa). Đề nghị gỡ mật khẩu trong Excel "
            "(Tệp › Thông tin › Bảo vệ sổ làm việc) rồi gửi lại bản không mật khẩu."
        )
    if not head.startswith(b"PK"):
        return None
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise UnreadableWorkbook(_corrupt(path.name)) from None
    try:
        members = archive.infolist()
        total = sum(info.file_size for info in members)
        if total > limits.max_unzipped_bytes:
            raise UnreadableWorkbook(
                f"{path.name}: nội dung giải nén {total / 1048576:.0f} MB, vượt giới hạn "
                f"{limits.max_unzipped_bytes // 1048576} MB; tệp có thể bị hỏng hoặc độc hại."
            )
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
        archive.close()
        raise UnreadableWorkbook(_corrupt(path.name)) from None
    except BaseException:
        archive.close()
        raise
    return archive


def _is_ole(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _corrupt(name: str) -> str:
    return f"{name}: tệp bị hỏng (nén zip không đọc được). Đề nghị đơn vị gửi lại tệp."


def _why_unreadable(name: str, exc: Exception) -> str:
    kind = type(exc).__name__
    if kind == "PasswordError":
        return f"{name}: tệp được đặt mật khẩu. Đề nghị gỡ mật khẩu rồi gửi lại."
    return (
        f"{name}: không đọc được tệp như một bảng tính Excel (xlsx, xlsm, xls, ods). "
        "Đề nghị kiểm tra lại tệp hoặc yêu cầu đơn vị gửi lại."
    )
