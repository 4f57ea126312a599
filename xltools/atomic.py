"""Outputs are written whole or not at all: to a temporary file beside the target, then moved into place.

The temporary file is hidden (`.name-PID-xxxx.xlsx.part`) and removed when writing fails or is
interrupted. A process killed outright (SIGKILL, power cut) cannot clean up after itself, so
the next write to the same target removes the parts left by processes that no longer run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path

from .errors import OutputExists, OutputUnwritable

__all__ = ["atomic_output"]


@contextlib.contextmanager
def atomic_output(target: str | Path, force: bool = False):
    """Yield a temporary path to write; on success move it onto `target`, on failure remove it.

    Raise OutputExists when `target` exists and `force` is not set, OutputUnwritable (with
    the reason and what to do, in Vietnamese) when it cannot be written.
    """
    target = Path(target)
    if target.exists() and not force:
        raise OutputExists(f"{target}: tệp đã tồn tại. Dùng --force để ghi đè.")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(target)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.stem}-{os.getpid()}-",
                                             suffix=target.suffix + ".part", dir=target.parent)
    except OSError as exc:
        raise OutputUnwritable(_unwritable(target, exc)) from None
    os.close(handle)
    try:
        try:
            yield Path(temporary)
        except OSError as exc:
            if exc.errno in _DISK_FULL:  # the writing itself ran out of room
                raise OutputUnwritable(_unwritable(target, exc)) from None
            raise
        try:
            os.replace(temporary, target)
        except OSError as exc:
            raise OutputUnwritable(_unwritable(target, exc)) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def _unwritable(target: Path, exc: OSError) -> str:
    """Return the Vietnamese message for an output that could not be written, with what to do."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        why = ("không có quyền ghi, hoặc tệp đang mở trong Excel hay Word. "
               "Đề nghị đóng tệp nếu đang mở, hoặc chọn thư mục khác")
    elif exc.errno == errno.ENOENT:
        why = "thư mục chứa tệp không có và không tạo được. Đề nghị chọn thư mục khác"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        why = "trong đường dẫn có một tệp trùng tên với thư mục. Đề nghị chọn thư mục khác"
    elif exc.errno == errno.EISDIR:
        why = "đã có một thư mục trùng tên. Đề nghị chọn tên tệp khác"
    elif exc.errno in _DISK_FULL:
        why = "ổ đĩa đã đầy. Đề nghị giải phóng dung lượng hoặc chọn ổ đĩa khác"
    elif exc.errno == errno.EROFS:
        why = "ổ đĩa chỉ cho đọc. Đề nghị chọn thư mục khác"
    else:
        why = f"{exc.strerror or exc}. Đề nghị chọn thư mục khác"
    return f"{target}: không ghi được tệp kết quả: {why}."


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
