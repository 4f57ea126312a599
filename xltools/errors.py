"""The one family of exceptions xltools raises for misuse or unreadable input; bad data gives findings instead."""

from __future__ import annotations


class XltoolsError(Exception):
    """Base of every error a user can cause; its message is Vietnamese and names the file."""

    exit_code = 2


class UnreadableWorkbook(XltoolsError):
    """A file that cannot be opened as a workbook at all."""


class CatalogError(XltoolsError):
    """A catalog (danh mục chỉ tiêu) that is malformed: unknown words, dangling codes."""


class OutputExists(XltoolsError):
    """An output file that already exists and was not to be overwritten."""


class OutputUnwritable(XltoolsError):
    """An output that cannot be written: no such folder, no permission, a file open in Excel, a full disk."""


class BadArguments(XltoolsError):
    """Arguments that do not make sense together."""
