"""Grids: a workbook as plain values (sheet name -> rows), read from a file with python-calamine.

Every reader produces a Grid and one parser reads every Grid, so a workbook from a file,
from a live Excel book or from a remote payload goes through the same code.
"""

from __future__ import annotations

import datetime
import html
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from .errors import UnreadableWorkbook
from .numbers import format_number

__all__ = ["Grid", "Limits", "read_grid", "cell_address", "column_letter", "clean_value", "cell_text", "date_text",
           "sheet_key"]


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
        """Return the rows of sheet `name`, matched ignoring case and spacing, or None."""
        wanted = sheet_key(name)
        for actual, rows in self.sheets.items():
            if sheet_key(actual) == wanted:
                return rows
        return None

    def sheet_name(self, name: str) -> str | None:
        """Return the actual name of the sheet matching `name`, or None."""
        wanted = sheet_key(name)
        return next((actual for actual in self.sheets if sheet_key(actual) == wanted), None)

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


def cell_text(value) -> str:
    """Return a cell value as plain text: "" for empty, whole numbers without ".0", other text stripped."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
    name = path.name
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
        errors = _scan_parts(name, archive, wanted) if archive is not None else {}
        book = CalamineWorkbook.from_path(str(path))
        hidden = {meta.name for meta in book.sheets_metadata if meta.visible != SheetVisibleEnum.Visible}
        out: dict[str, list[list]] = {}
        for sheet_name in book.sheet_names:
            if wanted is not None and sheet_key(sheet_name) not in wanted:
                continue
            rows = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False, nrows=limits.max_rows + 1)
            if len(rows) > limits.max_rows:
                raise UnreadableWorkbook(
                    f"{name} › {sheet_name}: trang tính có hơn {format_number(limits.max_rows)} dòng, vượt giới hạn "
                    "cho phép (tùy chọn --max-rows). Đề nghị xóa các dòng thừa hoặc dùng đúng mẫu báo cáo."
                )
            width = limits.max_columns
            out[unicodedata.normalize("NFC", sheet_name)] = [
                [(_nfc(v) if v else None) if v.__class__ is str else v for v in row[:width]] for row in rows
            ]
        for sheet_name, cells in errors.items():
            _put_errors(out.get(sheet_name), cells)
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


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_ERROR_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?\bt="e"[^>]*>.*?<v>([^<]*)</v>', re.S)

# Parts that a workbook reader parses as XML; pictures, themes and drawings are never parsed.
_PARSED_PARTS = re.compile(r"^(\[Content_Types\]\.xml|_rels/.*|xl/(workbook|styles|sharedStrings)\.xml|xl/_rels/.*"
                           r"|xl/worksheets/.*|content\.xml|styles\.xml|META-INF/.*)$")
_WORKBOOK, _WORKBOOK_RELS = "xl/workbook.xml", "xl/_rels/workbook.xml.rels"


def _scan_parts(name: str, archive: zipfile.ZipFile, wanted: set[str] | None) -> dict[str, list[tuple[int, int, str]]]:
    """Look once at every part the reader will parse; return sheet -> its Excel error cells (row, column, `#DIV/0!`).

    A part that declares a DOCTYPE or entities (billion laughs, external entities) is refused;
    a declaration can only stand before the root element, so the head of each part suffices.
    The sheets the reader is not asked for are never parsed, so they are not looked at. Error
    values are found with patterns, not an XML parser, so nothing in the file is ever resolved
    (calamine reads them as empty cells).
    """
    members = {info.filename: info for info in archive.infolist() if _PARSED_PARTS.match(info.filename)}
    whole: dict[str, bytes] = {}
    if _WORKBOOK in members and _WORKBOOK_RELS in members:
        whole = {part: _read_part(archive, members[part]) for part in (_WORKBOOK, _WORKBOOK_RELS)}
    sheets = _sheet_parts(whole)
    errors = {}
    for part, info in members.items():
        sheet = sheets.get(part)
        if sheet is not None and wanted is not None and sheet_key(sheet) not in wanted:
            continue
        if part in whole or sheet is not None:
            xml = whole[part] if part in whole else _read_part(archive, info)
            head = xml[:2048]
        else:
            with archive.open(info) as handle:
                xml, head = b"", handle.read(2048)
        head = head.upper()
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise UnreadableWorkbook(
                f"{name}: tệp chứa khai báo DOCTYPE/ENTITY trong {part}, không có trong tệp Excel hợp lệ; "
                "tệp có thể độc hại nên không được đọc."
            )
        if sheet is not None and b't="e"' in xml:
            errors[sheet] = [(int(number) - 1, _column_index(letters.decode()), error.decode())
                             for letters, number, error in _ERROR_CELL.findall(xml)]
    return errors


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """Return a part's bytes, never more than its declared size (checked against the limit), whatever the data holds."""
    with archive.open(info) as handle:
        return handle.read(info.file_size)


def _sheet_parts(whole: dict[str, bytes]) -> dict[str, str]:
    """Return the zip part of each sheet (part -> sheet name in NFC) from the workbook and its relationships."""
    if not whole:
        return {}
    targets = {}
    for tag in re.findall(rb"<Relationship\b[^>]*>", whole[_WORKBOOK_RELS]):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = attributes.get(b"Target", b"").decode()
        targets[attributes.get(b"Id", b"").decode()] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    parts = {}
    for tag in _SHEET_TAG.findall(whole[_WORKBOOK]):
        attributes = {k.split(b":")[-1]: v for k, v in _ATTRIBUTE.findall(tag)}
        part = targets.get(attributes.get(b"id", b"").decode())
        if part:
            parts[part] = unicodedata.normalize("NFC", html.unescape(attributes.get(b"name", b"").decode("utf-8")))
    return parts


def _put_errors(rows: list[list] | None, cells: list[tuple[int, int, str]]) -> None:
    """Put Excel error values back into the cells of `rows` where the sheet XML has them."""
    for r, c, error in cells:
        if rows is not None and r < len(rows) and c < len(rows[r]):
            rows[r][c] = error


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
