"""Findings: what is wrong, where, and what to do, with messages from `templates/messages.csv`."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

__all__ = ["Finding", "finding", "message_table", "SEVERITY_TEXT"]

SEVERITY_TEXT = {"error": "Lỗi", "warning": "Cảnh báo"}


@dataclass(frozen=True)
class Finding:
    """One problem found in a workbook, pointing at the cell it concerns."""

    severity: str
    code: str
    message: str
    file: str | None = None
    sheet: str | None = None
    cell: str | None = None
    indicator: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def as_dict(self) -> dict:
        return asdict(self)

    def where(self) -> str:
        """Return `file › sheet › cell`, leaving out the parts that are unknown."""
        return " › ".join(part for part in (self.file, self.sheet, self.cell) if part)


@cache
def message_table() -> dict[str, tuple[str, str]]:
    """Return rule code -> (severity, message template), read from templates/messages.csv."""
    text = resources.files("xltools.templates").joinpath("messages.csv").read_text(encoding="utf-8")
    return {row["code"]: (row["severity"], row["message"]) for row in csv.DictReader(text.splitlines())}


def finding(code: str, *, file=None, sheet=None, cell=None, indicator=None, **fields) -> Finding:
    """Return the Finding for rule `code`, its message filled with `fields`."""
    severity, template = message_table()[code]
    return Finding(severity, code, template.format_map(_Fields(fields)), file, sheet, cell, indicator)


class _Fields(dict):
    """Placeholders a reworded message names but the rule does not give stay visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
