"""Outputs are written whole or not at all: to a temporary file beside the target, then moved into place.

The temporary file is hidden (`.name-PID-xxxx.xlsx.part`) and removed when writing fails or is
interrupted. A process killed outright (SIGKILL, power cut) cannot clean up after itself, so
the next write to the same target removes the parts left by processes that no longer run.
"""

from __future__ import annotations

import contextlib
import os
import re
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
    _remove_orphans(target)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-{os.getpid()}-", suffix=target.suffix + ".part",
                                         dir=target.parent)
    os.close(handle)
    try:
        yield Path(temporary)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _remove_orphans(target: Path) -> None:
    """Remove temporary parts of `target` whose writing process is gone."""
    pattern = re.compile(rf"^\.{re.escape(target.stem)}-(\d+)-[^/]*{re.escape(target.suffix)}\.part$")
    for candidate in target.parent.glob(f".{target.stem}-*.part"):
        match = pattern.match(candidate.name)
        if match and not _alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                candidate.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
