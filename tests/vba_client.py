"""The Excel add-in as a Python model, line by line from its VBA, to test the server as staff PCs use it.

Two layers, as in XLTools.xlam:

- xlwings' `RunRemotePython` (Remote.bas, WebHelpers.bas of xlwings 0.37.8): the JSON it
  posts (`payload_from_workbook`), the request it sends, how it decodes the answer
  (`decode_response`) and applies each action with `Application.Run` (`apply_actions`);
- the buttons of macros/XLTools.bas (`AddIn.press`): the outcome cleared before a press,
  the macros the server calls back (notes, messages, the report download), and what the
  user is shown at the end.

The workbook is modelled by an openpyxl Workbook holding values, as Excel's `Range.Value`
shows them (cached values for formulas). Pictures are not modelled (the standard workbooks
have none); an action the model does not know fails like an unknown macro in Excel.
"""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.utils import get_column_letter, range_boundaries

# The errors WebHelpers.ConvertToJson knows; any other (#SPILL!, #CALC!, #BUSY!...) becomes
# nothing at all between two commas: invalid JSON.
KNOWN_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")
EXCEL_EPOCH = datetime(1899, 12, 30)
USER_AGENT = "VBA-Web v4.1.6 (https://github.com/VBA-tools/VBA-Web)"
INFO_SHEET, FINDINGS_SHEET = "Thông tin", "Kiểm tra"
MESSAGE_LABEL, REPORT_LABEL = "Kết quả xử lý", "Tệp báo cáo"


class VBAError(Exception):
    """A VBA run-time error: the press stops and the button's error handler shows it."""


# ------------------------------------------------------------------ the request (Remote.bas)


def payload_from_workbook(source, name: str | None = None, version: str | None = None, active_sheet: int = 0,
                          selection: str = "A1") -> str:
    """Return the request body RunRemotePython posts for a workbook (a path or an openpyxl Workbook of values).

    As Remote.bas builds it: every worksheet, hidden ones too, from A1 to the end of its
    used range, empty cells as null; the names that refer to a range; then serialised by
    WebHelpers.ConvertToJson, which can produce invalid JSON (see `json_value`).
    """
    if version is None:
        import xlwings

        version = xlwings.__version__
    if not isinstance(source, openpyxl.Workbook):
        name = name or Path(source).name
        source = openpyxl.load_workbook(source, data_only=True)
    book = {"name": name, "active_sheet_index": active_sheet, "selection": selection}
    sheets = [{"name": sheet.title, "pictures": [], "tables": [_table(t, sheet) for t in sheet.tables.values()],
               "values": _used_values(sheet)} for sheet in source.worksheets]
    return _json({"client": "VBA", "version": version, "book": book, "names": _names(source), "sheets": sheets})


def _used_values(sheet) -> list[list]:
    rows, columns = sheet.max_row, sheet.max_column
    if rows > 32767 or columns > 32767:  # Remote.bas counts them in Integer variables
        raise VBAError("Overflow (6)")
    if rows == 1 and columns == 1 and sheet.cell(1, 1).value is None:
        return [[]]  # IsEmpty(UsedRange.Value)
    return [[_Cell(sheet.cell(r, c)) for c in range(1, columns + 1)] for r in range(1, rows + 1)]


class _Cell:
    """A cell's value with its type, as Range.Value hands it to ConvertToJson."""

    def __init__(self, cell):
        self.value, self.error = cell.value, cell.data_type == "e"


def _names(book) -> list[dict]:
    found = []
    for defined in book.defined_names.values():
        found += _name(book, defined.name, defined.attr_text, None)
    for index, sheet in enumerate(book.worksheets):
        local = [(d.name, d.attr_text) for d in sheet.defined_names.values()]
        if sheet.print_title_rows or sheet.print_title_cols:
            local.append(("Print_Titles", ",".join(f"{_quoted(sheet.title)}!{part}" for part in
                                                   (sheet.print_title_rows, sheet.print_title_cols) if part)))
        if sheet.print_area:
            local.append(("Print_Area", sheet.print_area))
        for name, refers in local:
            found += _name(book, f"{_quoted(sheet.title)}!{name}", refers, index)
    return sorted(found, key=lambda entry: entry["name"].upper())


def _name(book, name: str, refers: str, scope: int | None) -> list[dict]:
    """Return the payload entry of a name when it refers to a range (RefersToRange succeeds), else []."""
    match = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^'!]+))!(\$?[A-Z]*\$?\d*(?::\$?[A-Z]*\$?\d*)?)", refers or "")
    if not match:
        return []
    sheet = (match[1] or "").replace("''", "'") or match[2]
    titles = [s.title for s in book.worksheets]
    if sheet not in titles:
        return []
    entry = {"name": name, "sheet_index": titles.index(sheet), "address": match[3].replace("$", ""),
             "book_scope": scope is None}
    entry["scope_sheet_name"] = None if scope is None else titles[scope]
    entry["scope_sheet_index"] = scope
    return [entry]


def _quoted(title: str) -> str:
    return title if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", title) else "'" + title.replace("'", "''") + "'"


def _table(table, sheet) -> dict:
    low_col, low_row, high_col, high_row = range_boundaries(table.ref)
    headers, totals = bool(table.headerRowCount is None or table.headerRowCount), bool(table.totalsRowCount)
    address = lambda r1, r2: f"${get_column_letter(low_col)}${r1}:${get_column_letter(high_col)}${r2}"
    body = (low_row + headers, high_row - totals)
    return {"name": table.displayName, "range_address": address(low_row, high_row),
            "header_row_range_address": address(low_row, low_row) if headers else None,
            "data_body_range_address": address(*body) if body[0] <= body[1] else None,
            "total_row_range_address": address(high_row, high_row) if totals else None,
            "show_headers": headers, "show_totals": totals,
            "table_style": table.tableStyleInfo.name if table.tableStyleInfo else "",
            "show_autofilter": table.autoFilter is not None}


def _json(value) -> str:
    """Return `value` as WebHelpers.ConvertToJson writes it (no spaces, \\uXXXX escapes)."""
    if isinstance(value, dict):
        return "{" + ",".join(f'"{key}":{_json(item)}' for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join("null" if item is None else _json(item) for item in value) + "]"
    if isinstance(value, _Cell):
        return json_value(value.value, value.error)
    return json_value(value)


def json_value(value, error: bool = False) -> str:
    """Return one cell value as ConvertToJson writes it.

    Numbers with 15 significant digits (VBA's CStr), dates as yyyy-mm-ddTHH:MM:SS.000Z,
    empty as null; a text of 16 to 100 characters made only of digits, dots and E is
    written unquoted, as a number; an error value it does not know is written as nothing.
    """
    if value is None:
        return "null"
    if error:
        return f'"{value}"' if value in KNOWN_ERRORS else ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return "%.15G" % value
    if isinstance(value, time):
        value = datetime.combine(EXCEL_EPOCH.date(), value)
    elif isinstance(value, timedelta):
        value = EXCEL_EPOCH + value
    elif isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if isinstance(value, datetime):
        return f'"{value:%Y-%m-%dT%H:%M:%S}.000Z"'
    text = str(value)
    units = len(text.encode("utf-16-le")) // 2
    if 16 <= units <= 100 and re.fullmatch(r"[.0-9Ee]+", text):
        return text
    return '"' + "".join(_escape(char) for char in text) + '"'


def _escape(char: str) -> str:
    named = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if char in named:
        return named[char]
    if ord(char) < 32 or ord(char) >= 127:
        units = char.encode("utf-16-be")
        return "".join("\\u%04X" % int.from_bytes(units[i:i + 2], "big") for i in range(0, len(units), 2))
    return char


# ------------------------------------------------------------------ the answer (WebHelpers.ParseJson)


def decode_response(text: str):
    """Return the answer as WebHelpers.ParseJson reads it.

    A number of 16 characters or more (17 with a decimal point) stays a string, other numbers
    are Doubles; an escaped \\n becomes CR LF.
    """
    def number(literal: str):
        large = len(literal) >= 17 if "." in literal else len(literal) >= 16
        return literal if large else float(literal)

    def strings(value):
        if isinstance(value, str):
            return value.replace("\n", "\r\n")
        if isinstance(value, list):
            return [strings(item) for item in value]
        if isinstance(value, dict):
            return {key: strings(item) for key, item in value.items()}
        return value

    return strings(json.loads(text, parse_int=number, parse_float=number))


# ------------------------------------------------------------------ the actions (Remote.bas' Subs)


def apply_actions(book: openpyxl.Workbook, actions: list[dict], macros: dict | None = None,
                  alerts: list | None = None) -> None:
    """Apply the server's `actions` to `book` as `Application.Run action("func"), wb, action` does.

    `macros` maps the names the workbook's macros answer to (e.g. "XLToolsSetNote") to Python
    models of them, called with (book, *args); `alerts` collects xlwings' own message boxes.
    """
    for action in actions:
        apply = _ACTIONS.get(action["func"])
        if apply is None:
            raise VBAError(f"Cannot run the macro '{action['func']}'. (1004)")
        apply(book, action, macros or {}, alerts if alerts is not None else [])


def _cells(book, action):
    sheet = book.worksheets[int(action["sheet_position"])]
    top, left = int(action["start_row"]) + 1, int(action["start_column"]) + 1
    return sheet, [[sheet.cell(top + r, left + c) for c in range(int(action["column_count"]))]
                   for r in range(int(action["row_count"]))]


def _set_values(book, action, macros, alerts):
    sheet, cells = _cells(book, action)
    width = len(action["values"][0])
    for r, row in enumerate(action["values"]):
        if len(row) > width:
            raise VBAError("Subscript out of range (9)")
        for c, value in enumerate(row):
            if r < len(cells) and c < len(cells[r]):
                cells[r][c].value = _as_typed(_parse_iso(value))


def _parse_iso(value):
    """Return `value` as WebHelpers.ParseIso reads it when it is an ISO date, else unchanged."""
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?)?",
                             value)
        if match:
            try:
                return datetime(*(int(part or 0) for part in match.groups()[:6]))
            except ValueError:
                return value
    return value


def _as_typed(value):
    """Return what Excel stores when VBA assigns `value` to a cell: a text that reads as a number becomes one."""
    if isinstance(value, str) and re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([Ee][-+]?\d+)?", value.strip()):
        return float(value)
    return value


def _set_color(book, action, macros, alerts):
    colour = action["args"][0].lstrip("#").upper()
    for row in _cells(book, action)[1]:
        for cell in row:
            cell.fill = PatternFill("solid", fgColor="FF" + colour)


def _add_sheet(book, action, macros, alerts):
    position, title = action["args"]
    sheet = book.create_sheet(title) if title is not None else book.create_sheet()
    book.move_sheet(sheet, offset=int(position) + 1 - book.index(sheet))


def _clear_contents(book, action, macros, alerts):
    for row in _cells(book, action)[1]:
        for cell in row:
            cell.value = None


def _sheet_clear(book, action, macros, alerts):
    sheet = book.worksheets[int(action["sheet_position"])]
    for row in sheet.iter_rows():
        for cell in row:
            cell.value, cell.comment, cell.fill = None, None, PatternFill()


def _number_format(book, action, macros, alerts):
    for row in _cells(book, action)[1]:
        for cell in row:
            cell.number_format = action["args"][0]


def _activate(book, action, macros, alerts):
    book.active = int(action["args"][0])


def _alert(book, action, macros, alerts):
    alerts.append(action["args"][0])  # VBA's MsgBox: the ANSI code page, Vietnamese comes out garbled


def _run_macro(book, action, macros, alerts):
    name, *args = action["args"]
    macro = macros.get(name)
    if macro is None:
        raise VBAError(f"Cannot run the macro '{name}'. The macro may not be available in this workbook. (1004)")
    macro(book, *args)


_ACTIONS = {"setValues": _set_values, "setRangeColor": _set_color, "addSheet": _add_sheet,
            "rangeClearContents": _clear_contents, "sheetClear": _sheet_clear, "sheetClearContents": _sheet_clear,
            "setNumberFormat": _number_format, "activateSheet": _activate, "alert": _alert, "runMacro": _run_macro,
            "setAutofit": lambda *_: None}


# ------------------------------------------------------------------ the buttons (XLTools.bas)


@dataclass
class Press:
    """What one press of a button did: the HTTP answer, the workbook after it, what the user was shown."""

    status: int
    text: str
    book: openpyxl.Workbook
    shown: str = ""
    alerts: list = field(default_factory=list)
    saved: list = field(default_factory=list)  # reports saved into Documents and opened


@dataclass
class AddIn:
    """XLTools.xlam on one staff PC, built with `server_url` and `token`, talking through `http`.

    `http(method, url, headers, body)` returns (status, content type, body bytes): see
    `over_http`. Reports are saved into `documents`.
    """

    http: object
    token: str = ""
    server_url: str = "http://testserver"
    name: str = "XLTools.xlam"
    documents: Path | None = None

    def press(self, handler: str, path: str | Path) -> Press:
        """Press the button of `handler` on the workbook at `path`; return what happened."""
        book = openpyxl.load_workbook(path, data_only=True)
        for label in (MESSAGE_LABEL, REPORT_LABEL) if handler == "report" else (MESSAGE_LABEL,):
            cell = _label(book, label)
            if cell is not None:
                cell.offset(0, 1).value = None
        body = payload_from_workbook(book, name=Path(path).name).encode("ascii")
        headers = {"Content-Type": "application/json", "Accept": "application/json", "User-Agent": USER_AGENT}
        if self.token:
            headers["Authorization"] = self.token  # raw, as RunRemotePython sends `auth`
        url = f"{self.server_url}/xlwings/{handler}?macros={quote(self.name, safe='')}"
        status, _, content = self.http("POST", url, headers, body)
        result = Press(status, content.decode("utf-8"), book)
        notices: list[str] = []
        if status == 200:
            macros = {f"'{self.name}'!{macro}": function for macro, function in self._macros(result, notices).items()}
            apply_actions(book, decode_response(result.text)["actions"], macros, result.alerts)
        elif status == 408:
            notices.append("Lỗi: máy chủ xltools không trả lời kịp (quá 300 giây).")
        else:
            text = result.text[9:] if result.text.startswith("xltools: ") else result.text
            notices.append(f"Lỗi: máy chủ xltools từ chối yêu cầu (mã {status}): {text}")
        outcome = _label(book, MESSAGE_LABEL)
        shown = str(outcome.offset(0, 1).value or "") if outcome is not None else ""
        result.shown = "\r\n\r\n".join([*([shown] if shown else []), *notices]) or (
            "Lỗi: xltools không trả kết quả nào cho lần bấm này.")
        return result

    def _macros(self, press: Press, notices: list[str]) -> dict:
        def set_note(book, sheet_name, address, text):
            cell = book[sheet_name][address]
            cell.comment = Comment(text, "xltools") if text else None

        def message(book, text):
            notices.append(text)

        def open_report(book, report_id, file_name):
            headers = {"Authorization": self.token} if self.token else {}
            status, _, content = self.http("GET", f"{self.server_url}/reports/{quote(str(report_id), safe='')}",
                                           headers, None)
            if status != 200:
                notices.append(f"Lỗi: không tải được báo cáo từ máy chủ về máy này (máy chủ trả lỗi {status}: "
                               f"{content.decode('utf-8', 'replace')}).")
                return
            folder = self.documents or Path(tempfile.mkdtemp(prefix="Documents-"))
            target = _free_path(folder, _file_name(str(file_name)))
            target.write_bytes(content)
            cell = _label(book, REPORT_LABEL)
            if cell is not None:
                cell.offset(0, 1).value = str(target)
            notices.append(f"Đã lưu báo cáo vào {target}")
            press.saved.append(target)

        return {"XLToolsSetNote": set_note, "XLToolsMessage": message, "XLToolsOpenReport": open_report}


def _label(book, label: str):
    for title in (INFO_SHEET, FINDINGS_SHEET):
        if title in book.sheetnames:
            for (cell,) in book[title].iter_rows(min_col=1, max_col=1):
                if cell.value == label:
                    return cell
    return None


def _file_name(name: str) -> str:
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r'[:*?"<>|\x00-\x1f]', "-", name).strip()
    name = "bao-cao" if name in ("", ".", "..") else name
    return name if name.lower().endswith(".docx") else name + ".docx"


def _free_path(folder: Path, name: str) -> Path:
    target, number = folder / name, 1
    while target.exists():
        number += 1
        target = folder / f"{name[:-5]} ({number}).docx"
    return target


def over_http(timeout: float = 60):
    """Return an `http` for AddIn that sends real HTTP requests (WinHttp in the add-in)."""
    import urllib.error
    import urllib.request

    def http(method, url, headers, body):
        request = urllib.request.Request(url, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return answer.status, answer.headers.get("content-type", ""), answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("content-type", ""), error.read()

    return http
