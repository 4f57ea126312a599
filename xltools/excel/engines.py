"""Open books, whichever engine holds them: reading one into a Grid, and one small writer interface.

A button handler reads the book through `grid_from_book` and writes results through a
BookWriter: values, fills, notes, whole tables and messages. The quirks of each engine live
in its writer: the desktop engines (Windows, macOS) hold real notes; xlwings' VBA remote
client has no note action, so a VBA Sub of the add-in sets the note; Office.js clients hold
notes of their own; other remote clients hold none. Every action of a remote book is queued
on that book, never on xlwings' process-wide active book, so two requests served at once
never receive each other's actions.
"""

from __future__ import annotations

import os
from pathlib import Path

import xlwings as xw

from ..grid import DEFAULT_LIMITS, Grid, clean_value, column_letter, grid_keys, sheet_key
from ..tables import HEADER_COLOUR, Table

__all__ = ["BookWriter", "grid_from_book", "use_remote_engine", "as_text", "NOTE_MACRO", "MACRO_BOOK_KEY"]

# The VBA Subs of the add-in (macros/XLTools.bas) that the server calls back for VBA remote
# clients (macros/README.md, section 6): set or clear a cell note (the client has no note
# action), show a message (xlwings' alert garbles Vietnamese), fetch and open a report.
NOTE_MACRO = "XLToolsSetNote"
MESSAGE_MACRO = "XLToolsMessage"
REPORT_MACRO = "XLToolsOpenReport"
# Payload key the server sets to the workbook holding the macros (`?macros=` in the URL).
MACRO_BOOK_KEY = "xltools_macro_book"


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
    hidden = set()
    keys = grid_keys([sheet.name for sheet in book.sheets])
    for sheet in book.sheets:
        last = sheet.used_range.last_cell
        rows = min(last.row, DEFAULT_LIMITS.max_rows)
        columns = min(last.column, DEFAULT_LIMITS.max_columns)
        values = sheet.range((1, 1), (rows, columns)).options(ndim=2, err_to_str=True).value
        key = keys[sheet.name]
        sheets[key] = [[clean_value(v) for v in row] for row in values]
        if not _visible(sheet):
            hidden.add(key)
    return Grid(sheets, source=book.name, path=BookWriter.of(book).path, hidden=hidden)


def _visible(sheet) -> bool:
    """Return False for a hidden sheet; a client that does not say (xlwings' VBA client) is taken as showing it."""
    try:
        return bool(sheet.visible)
    except (KeyError, AttributeError, NotImplementedError):
        return True


def as_text(value):
    """Return `value` so that Excel stores it as typed: text starting like a formula gets Excel's `'` prefix."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


class BookWriter:
    """Writes into an open book; `BookWriter.of(book)` picks the writer of the book's engine."""

    def __init__(self, book: xw.Book):
        self.book = book

    @staticmethod
    def of(book: xw.Book) -> BookWriter:
        if book.app.engine.name != "remote":
            return DesktopWriter(book)
        client = book.impl.api.get("client")
        return {"VBA": VbaWriter, "Office.js": OfficeJsWriter}.get(client, RemoteWriter)(book)

    @property
    def path(self) -> Path | None:
        """Return the workbook's file on disk, or None for a remote or never-saved book."""
        return None

    def sheet(self, name: str, create: bool = False, empty: bool = False):
        """Return the sheet called `name` as the reader matches names (emptied when `empty`), or None.

        With `create`, a missing sheet is added after the last one.
        """
        for sheet in self.book.sheets:
            if sheet_key(sheet.name) == sheet_key(name):
                if empty:
                    sheet.clear()
                return sheet
        if not create:
            return None
        return self.book.sheets.add(name=name, after=self.book.sheets[len(self.book.sheets) - 1])

    def set_fill(self, cell, colour: str | None) -> None:
        """Fill `cell` with `colour` (`#RRGGBB`); None removes the fill."""
        cell.color = colour

    def set_note(self, sheet, address: str, text: str | None) -> None:
        """Set (or with `text` None, remove) the note of one cell; a client without notes keeps none."""

    def write_table(self, name: str, table: Table) -> None:
        """(Re)write sheet `name` as `table` lays it out (see tables.Table): values, header and cell fills, links."""
        sheet = self.sheet(name, create=True, empty=True)
        width = table.width
        rows = [[as_text(v) for v in row] for row in (*table.top(), *table.header)]
        for r, row in enumerate(table.rows):
            line = [as_text(v) for v in row]
            for (link_row, column), (target, cell) in table.links.items():
                if link_row == r:
                    line[column] = self._link(target, cell, line[column])
            rows.append(line)
        sheet["A1"].value = [row + [None] * (width - len(row)) for row in rows]
        header = f"A{table.header_row}:{column_letter(width - 1)}{table.first_row - 1}"
        sheet[header].color = "#" + HEADER_COLOUR
        for (r, c), colour in table.fills.items():
            sheet[f"{column_letter(c)}{table.first_row + r}"].color = "#" + colour

    def _link(self, sheet_name: str, cell: str, shown) -> str:
        actual = next((s.name for s in self.book.sheets if sheet_key(s.name) == sheet_key(sheet_name)), None)
        if actual is None:
            return shown
        quoted = actual.replace("'", "''").replace('"', '""')
        return f'=HYPERLINK("#\'{quoted}\'!{cell}","{cell}")'

    def alert(self, message: str, critical: bool) -> None:
        """Show `message` in a message box of the client, when nothing could be written into the book."""

    def open_report(self, report_id: str, file_name: str) -> None:
        """Have the client fetch the report the server keeps under `report_id` and open it as `file_name`.

        A client that cannot fetch it keeps the server's path written in `Thông tin`.
        """


class DesktopWriter(BookWriter):
    """Excel on Windows or macOS, through RunPython: real notes, real fills."""

    @property
    def path(self) -> Path | None:
        path = Path(self.book.fullname)
        return path if path.is_absolute() and path.exists() else None

    def set_note(self, sheet, address, text):
        cell = sheet[address]
        if cell.note is not None:
            cell.note.delete()
        if text:
            cell.add_note(text)

    def alert(self, message, critical):
        self.book.app.alert(message, title="xltools", mode="critical" if critical else "info")


class RemoteWriter(BookWriter):
    """A remote client (`xw.Book(json=...)`): actions are queued on this book and sent back in the answer."""

    def _act(self, func: str, *args) -> None:
        # Not book.app.macro / app.alert: they queue on xlwings' process-wide active book,
        # which is another request's book when two requests are served at once.
        self.book.impl.append_json_action(func=func, args=list(args))

    def set_fill(self, cell, colour):
        cell.color = colour or "#FFFFFF"  # a remote client cannot remove a fill: white is the nearest

    def alert(self, message, critical):
        self._act("alert", message, "xltools", "ok", "critical" if critical else "info", "")


class VbaWriter(RemoteWriter):
    """xlwings' VBA client (`RunRemotePython`): notes, messages and reports through the add-in's own VBA Subs."""

    def _run(self, macro: str, *args) -> None:
        book = self.book.impl.api.get(MACRO_BOOK_KEY)
        if book:  # as Application.Run names a macro of another book: 'Book''s name.xlam'!Macro
            macro = "'" + book.replace("'", "''") + "'!" + macro
        self._act("runMacro", macro, *args)

    def set_note(self, sheet, address, text):
        self._run(NOTE_MACRO, sheet.name, address, text or "")

    def alert(self, message, critical):
        self._run(MESSAGE_MACRO, message)  # the add-in's dialog shows what xlwings' MsgBox garbles

    def open_report(self, report_id, file_name):
        self._run(REPORT_MACRO, report_id, file_name)


class OfficeJsWriter(RemoteWriter):
    """An Office.js add-in: notes of its own when the client sent the sheet's notes; fills can be removed."""

    def set_fill(self, cell, colour):
        cell.color = colour

    def set_note(self, sheet, address, text):
        if sheet.impl.api.get("notes") is None:
            return
        cell = sheet[address]
        note = cell.note
        if note is not None and text:
            note.text = text
        elif note is not None:
            note.delete()
        elif text:
            cell.add_note(text)
