"""The JSON a remote xlwings client posts, built from a workbook file, for tests of the Excel door."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import xlwings as xw

from xltools.grid import read_grid


def book_payload(path: str | Path, client: str = "VBA") -> dict:
    """Return the JSON a remote xlwings client would post for the workbook at `path`.

    The shape is the one VBA `RunRemotePython` builds (xlwings' Remote.bas): the book, its
    names, and each sheet's values from A1 to the end of the used range, empty cells as "".
    """
    grid = read_grid(path)
    sheets = []
    for name, rows in grid.sheets.items():
        width = max((len(row) for row in rows), default=0)
        values = [[_json_value(v) for v in row] + [""] * (width - len(row)) for row in rows] if width else [[]]
        sheets.append({"name": name, "values": values, "pictures": [], "tables": [],
                       **({"notes": []} if client == "Office.js" else {})})
    return {
        "client": client,
        "version": xw.__version__,
        "book": {"name": Path(path).name, "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": sheets,
    }


def _json_value(value):
    if value is None:
        return ""
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds() / 86400
    return value
