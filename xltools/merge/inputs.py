"""Finding the input files of a merge (or an import): workbooks named directly or found in folders."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..errors import BadArguments

__all__ = ["ward_files", "WORKBOOK_SUFFIXES"]

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def ward_files(inputs: Iterable[str | Path], skip: Iterable[Path] = ()) -> list[Path]:
    """Return the workbook files named in `inputs`, folders expanded, Office lock files (`~$…`) left out.

    A file named twice (directly and through its folder) is listed once; files in `skip` (the
    output, the base) never. Raise BadArguments for an input that does not exist.
    """
    skipped = {_identity(Path(p)) for p in skip} - {None}
    out: list[Path] = []
    seen: set = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            with os.scandir(path) as entries:
                found = sorted(Path(e.path) for e in entries
                               if os.path.splitext(e.name)[1].lower() in WORKBOOK_SUFFIXES and _file_like(e))
        elif path.is_file():
            found = [path]
        else:
            raise BadArguments(f"{path}: không tìm thấy tệp hoặc thư mục.")
        for candidate in found:
            key = _identity(candidate) or candidate  # a file that cannot be looked at is listed, to be said unreadable
            if candidate.name.startswith("~$") or key in skipped or key in seen:
                continue
            seen.add(key)
            out.append(candidate)
    return out


def _file_like(entry: os.DirEntry) -> bool:
    """Return True for a file, or for a name that cannot be followed (a link to itself): reading it says why."""
    try:
        return entry.is_file()
    except OSError:
        return True


def _identity(path: Path):
    """Return what makes `path` the same file under another name (device, inode), or None if absent."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_dev, stat.st_ino
