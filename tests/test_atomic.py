"""Outputs are written whole or not at all, and parts left by killed processes are cleaned up."""

import subprocess
import sys

import pytest

from xltools.atomic import atomic_output
from xltools.errors import OutputExists


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
