"""Outputs are written whole or not at all: to a temporary file beside the target, then moved into place.

The temporary file is hidden (`.name-PID-xxxx.xlsx.part`) and removed when writing fails or is
interrupted. A process killed outright (SIGKILL, power cut) cannot clean up after itself, so
the next write to the same target removes the parts left by processes that no longer run.

Without `force` the finished file is published with a hard link, which fails if the target
has appeared meanwhile: of two merges writing the same output at once, the second is told
the file exists instead of silently replacing the first. Files are created with the mode the
umask gives, as any other program's, and only a regular file is ever overwritten.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import secrets
import stat
from pathlib import Path

from .errors import OutputExists, OutputUnwritable

__all__ = ["atomic_output", "check_output"]

_STEM_IN_PART = 60  # characters of the target's name kept in its part's name, so that the part's name stays short


@contextlib.contextmanager
def atomic_output(target: str | Path, force: bool = False):
    """Yield a temporary path to write; on success move it onto `target`, on failure remove it.

    Raise OutputExists when `target` exists (also when it appears while writing) and `force`
    is not set, OutputUnwritable (with the reason and what to do, in Vietnamese) when it
    cannot be written, including when `target` is not a regular file.
    """
    target = Path(target)
    try:
        _check_target(target, force)
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_orphans(target)
        temporary = _create_part(target)
    except OSError as exc:
        raise OutputUnwritable(_unwritable(target, exc)) from None
    try:
        try:
            yield temporary
        except OSError as exc:
            if exc.errno in _DISK_FULL:  # the writing itself ran out of room
                raise OutputUnwritable(_unwritable(target, exc)) from None
            raise
        try:
            _publish(temporary, target, force)
        except FileExistsError:
            raise OutputExists(_exists(target)) from None
        except OSError as exc:
            raise OutputUnwritable(_unwritable(target, exc)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def check_output(target: str | Path, force: bool = False) -> None:
    """Raise now, before any work, what `atomic_output(target, force)` would raise about the target itself."""
    try:
        _check_target(Path(target), force)
    except OSError as exc:  # a name too long, a folder in the way
        raise OutputUnwritable(_unwritable(Path(target), exc)) from None


def _check_target(target: Path, force: bool) -> None:
    """Refuse a target that exists without `force`, and one that is not a regular file (a FIFO, a device)."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if not force:
        raise OutputExists(_exists(target))
    if stat.S_ISDIR(mode):
        raise OSError(errno.EISDIR, os.strerror(errno.EISDIR), str(target))
    if not stat.S_ISREG(mode):
        kind = ("một liên kết (symlink)" if stat.S_ISLNK(mode) else "một ống dẫn (FIFO)" if stat.S_ISFIFO(mode)
                else "một thiết bị" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "một socket")
        raise OutputUnwritable(f"{target}: không ghi được tệp kết quả: đường dẫn này là {kind}, không phải tệp thường; "
                               "xltools chỉ ghi đè tệp thường. Đề nghị chọn tên tệp khác.")


def _exists(target: Path) -> str:
    return f"{target}: tệp đã tồn tại. Dùng --force để ghi đè."


def _create_part(target: Path) -> Path:
    """Create the empty hidden part of `target` (mode from the umask, like any new file) and return its path."""
    while True:
        part = target.parent / f".{target.stem[:_STEM_IN_PART]}-{os.getpid()}-{secrets.token_hex(4)}{target.suffix}.part"
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return part
        except FileExistsError:
            continue


def _publish(temporary: Path, target: Path, force: bool) -> None:
    """Move the finished `temporary` onto `target`; without `force`, never over a file that appeared meanwhile."""
    if force:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails with FileExistsError if the target exists, whoever made it
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in _NO_LINKS:
            raise
        _publish_without_links(temporary, target)
        return
    os.unlink(temporary)


_NO_LINKS = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS)


def _publish_without_links(temporary: Path, target: Path) -> None:
    """Claim `target` by creating it exclusively, then replace the claim (a file system without hard links)."""
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            if os.stat(target).st_size == 0:
                os.unlink(target)  # our empty claim, not somebody's file
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
    elif exc.errno == errno.ENAMETOOLONG:
        longest = max((len(part) for part in target.parts), default=0)
        why = (f"tên tệp hoặc thư mục quá dài ({longest} ký tự; hệ thống chỉ cho phép khoảng 255 byte mỗi tên). "
               "Đề nghị đặt tên ngắn hơn")
    else:
        why = f"{exc.strerror or exc}. Đề nghị chọn thư mục khác"
    return f"{target}: không ghi được tệp kết quả: {why}."


def _remove_orphans(target: Path) -> None:
    """Remove temporary parts of `target` whose writing process is gone."""
    stem = target.stem[:_STEM_IN_PART]
    pattern = re.compile(rf"^\.{re.escape(stem)}-(\d+)-[^/]*{re.escape(target.suffix)}\.part$")
    for candidate in target.parent.glob(f".{glob.escape(stem)}-*.part"):
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
