"""Outputs are written whole or not at all, and parts left by killed processes are cleaned up."""

import errno
import subprocess
import sys

import pytest

from xltools.atomic import atomic_output
from xltools.errors import OutputExists, OutputUnwritable


def test_failure_leaves_nothing(tmp_path):
    target = tmp_path / "out.xlsx"
    with pytest.raises(RuntimeError):
        with atomic_output(target) as temporary:
            temporary.write_bytes(b"half")
            raise RuntimeError("stopped")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_needs_force(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(OutputExists):
        with atomic_output(target):
            pass
    with atomic_output(target, force=True) as temporary:
        temporary.write_bytes(b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_parts_of_killed_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = tmp_path / f".out-{dead.stdout.strip()}-abc123.xlsx.part"
    orphan.write_bytes(b"half-written")
    other = tmp_path / ".other-1-abc.xlsx.part"  # another target's part is left alone
    other.write_bytes(b"x")
    with atomic_output(tmp_path / "out.xlsx") as temporary:
        temporary.write_bytes(b"whole")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other-1-abc.xlsx.part", "out.xlsx"]


def test_a_folder_of_the_same_name_is_an_answer_not_a_crash(tmp_path):
    (tmp_path / "out.xlsx").mkdir()
    with pytest.raises(OutputUnwritable) as caught:
        with atomic_output(tmp_path / "out.xlsx", force=True) as temporary:
            temporary.write_bytes(b"whole")
    assert str(caught.value) == (f"{tmp_path / 'out.xlsx'}: không ghi được tệp kết quả: đã có một thư mục trùng tên. "
                                 "Đề nghị chọn tên tệp khác.")
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]  # no part left behind


def test_a_file_in_the_way_of_the_folder(tmp_path):
    (tmp_path / "bao-cao").write_bytes(b"a file, not a folder")
    with pytest.raises(OutputUnwritable, match="trong đường dẫn có một tệp trùng tên với thư mục"):
        with atomic_output(tmp_path / "bao-cao" / "out.xlsx"):
            pass


def test_a_full_disk_while_writing(tmp_path):
    with pytest.raises(OutputUnwritable, match="ổ đĩa đã đầy"):
        with atomic_output(tmp_path / "out.xlsx") as temporary:
            temporary.write_bytes(b"half")
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_a_target_open_in_excel(tmp_path, monkeypatch):
    """On Windows a file open in Excel or Word cannot be replaced: the message says to close it."""
    def locked(source, target):
        raise PermissionError(errno.EACCES, "Permission denied", str(target))

    monkeypatch.setattr("xltools.atomic.os.replace", locked)
    (tmp_path / "out.xlsx").write_bytes(b"old")  # replacing it needs --force
    with pytest.raises(OutputUnwritable, match="tệp đang mở trong Excel hay Word. Đề nghị đóng tệp nếu đang mở"):
        with atomic_output(tmp_path / "out.xlsx", force=True) as temporary:
            temporary.write_bytes(b"whole")
    assert [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_the_command_line_says_so_in_vietnamese(tmp_path, capsys):
    from xltools.cli import main

    (tmp_path / "bieu").write_bytes(b"")
    code = main(["new", "-o", str(tmp_path / "bieu" / "phuong.xlsx"), "--unit-code", "TRAN_PHU",
                 "--unit-name", "Phường Trần Phú", "--year", "2026"])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"Lỗi: {tmp_path / 'bieu' / 'phuong.xlsx'}: không ghi được tệp kết quả")
    assert "Traceback" not in err and "ngoài dự kiến" not in err


def test_without_hard_links_a_second_writer_is_still_told_the_file_exists(tmp_path, monkeypatch):
    """A file system without hard links (some network shares, FAT): the target is claimed by creating it exclusively."""
    def no_links(source, target):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr("xltools.atomic.os.link", no_links)
    target = tmp_path / "out.xlsx"
    with pytest.raises(OutputExists):
        with atomic_output(target) as slow:
            slow.write_bytes(b"slow")
            with atomic_output(target) as fast:
                fast.write_bytes(b"fast")
    assert target.read_bytes() == b"fast" and [p.name for p in tmp_path.iterdir()] == ["out.xlsx"]


def test_a_long_name_keeps_its_part_short(tmp_path):
    target = tmp_path / ("bao-cao-" * 30 + ".xlsx")  # 245 characters: allowed, but not with a part's prefix and suffix
    with atomic_output(target) as temporary:
        assert len(temporary.name) < 100
        temporary.write_bytes(b"whole")
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
