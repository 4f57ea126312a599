"""Outputs are written whole or not at all: to a temporary file beside the target, then moved into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import OutputExists

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(target: str | Path, force: bool = False):
    """Yield a temporary path to write; on success move it onto `target`, on failure remove it.

    Raise OutputExists when `target` exists and `force` is not set.
    """
    target = Path(target)
    if target.exists() and not force:
        raise OutputExists(f"{target}: tệp đã tồn tại. Dùng --force để ghi đè.")
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix + ".part", dir=target.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
