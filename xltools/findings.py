"""Findings: what is wrong, where, and what to do, with messages from `templates/messages.csv`."""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from functools import cache
from importlib import resources

from .numbers import format_number

__all__ = ["Finding", "finding", "message_table", "readable", "SEVERITY_TEXT"]

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
    """Return the Finding for rule `code`, its message filled with `fields`.

    Texts from the workbook are quoted shortened (a cell of 32.767 characters would make a
    message of as many); control characters and the bytes of a file name that is not valid
    UTF-8 are shown as `�`.
    """
    severity, template = message_table()[code]
    fields = {key: readable(value) if isinstance(value, str) else value for key, value in fields.items()}
    return Finding(severity, code, template.format_map(_Fields(fields)), *map(readable, (file, sheet, cell, indicator)))


LONG_TEXT, SHOWN_TEXT = 500, 200  # a text longer than LONG_TEXT characters is quoted by its first SHOWN_TEXT


def readable(text: str | None) -> str | None:
    """Return `text` as it can be shown and saved: shortened when very long, any character no Excel or Word file
    may hold (a control character, undecodable bytes of a file name) as `�`."""
    if text is None:
        return None
    if len(text) > LONG_TEXT:
        text = f"{text[:SHOWN_TEXT]}… ({format_number(len(text))} ký tự)"
    return text if text.isprintable() else _UNSHOWABLE.sub("\ufffd", text)


_UNSHOWABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


class _Fields(dict):
    """Placeholders a reworded message names but the rule does not give stay visible instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
