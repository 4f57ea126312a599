"""A merge stopped half-way leaves no half-written output behind, and the inputs are untouched."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from openpyxl import load_workbook

from conftest import small_catalog
from xltools.merge import REGISTER_SHEET
from xltools.writer import build_workbook, save_workbook, write_catalog_workbook, write_figures

WARDS = 400


@pytest.fixture(scope="module")
def many_wards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wards")
    book = build_workbook(small_catalog(), unit_code="TRAN_PHU", unit_name="Phường Trần Phú", year=2022, period="Năm")
    write_figures(book, {"THU_NS": {"plan": 1000, "actual": 1100}, "DN_MOI": {"actual": 40}})
    first = folder / "phuong-000.xlsx"
    save_workbook(book, first)
    for n in range(1, WARDS):
        shutil.copyfile(first, folder / f"phuong-{n:03}.xlsx")
    catalog = tmp_path_factory.mktemp("catalog") / "danh-muc.xlsx"
    write_catalog_workbook(small_catalog(), catalog)
    return folder, catalog


def _digests(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


def _whole(output) -> bool:
    """The output opens as a workbook and has the register sheet merge writes."""
    return REGISTER_SHEET in load_workbook(output, read_only=True).sheetnames


def _start(folder, catalog, output):
    """Start a merge in its own process group; its output goes to files, so no pipe outlives a kill."""
    log = output.parent.parent / f"{output.name}.log"
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as out, open(log.with_suffix(".err"), "w") as err:
        process = subprocess.Popen([sys.executable, "-m", "xltools.cli", "merge", str(folder), "-o", str(output),
                                    "--jobs", "2", "--catalog", str(catalog)], stdout=out, stderr=err,
                                   start_new_session=True)
    process.err = log.with_suffix(".err")
    return process


def _wait_until_reading(process, timeout=60.0) -> None:
    """Wait until the merge has started its worker processes, so the signal lands in the merge itself and
    not in the interpreter's start-up, which no program can handle (a loaded CI machine took over 0,8 s)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if _group_members(process.pid) - {process.pid}:
            return
        time.sleep(0.01)


def _group_members(group: int) -> set[int]:
    members = set()
    for stat in os.listdir("/proc"):
        if stat.isdigit():
            try:
                fields = open(f"/proc/{stat}/stat").read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == group:  # after the command's ")": state, ppid, pgrp
                members.add(int(stat))
    return members


@pytest.fixture(scope="module")
def merge_seconds(many_wards, tmp_path_factory):
    """How long a whole merge runs once its workers are up, on this machine now: the signals below land
    at fractions of it, so they hit reading, consolidating and writing on a slow machine as on a fast one."""
    folder, catalog = many_wards
    process = _start(folder, catalog, tmp_path_factory.mktemp("timed") / "out" / "thanh-pho.xlsx")
    _wait_until_reading(process)
    started = time.monotonic()
    process.wait(timeout=300)
    assert process.returncode in (0, 1)
    return time.monotonic() - started


@pytest.mark.parametrize("fraction", [0.0, 0.4, 0.8])
def test_terminated_merge_leaves_nothing(many_wards, merge_seconds, tmp_path, fraction):
    folder, catalog = many_wards
    before = _digests(folder)
    output = tmp_path / "out" / "thanh-pho.xlsx"
    process = _start(folder, catalog, output)
    _wait_until_reading(process)
    time.sleep(fraction * merge_seconds)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=300)
    err = process.err.read_text()
    if process.returncode == 2:
        assert "Đã dừng theo yêu cầu" in err and "Traceback" not in err
        assert not output.exists() or _whole(output)  # the signal may land just after the output moved in
    else:
        # It finished before the signal (0, 1), or the signal landed while Python shut down after the work was
        # done, when Python has given SIGTERM back to its default action (-SIGTERM): the output is whole.
        assert process.returncode in (0, 1, -signal.SIGTERM) and _whole(output), err
    leftovers = [p.name for p in output.parent.iterdir() if p.name.endswith(".part")] if output.parent.exists() else []
    assert leftovers == []
    assert _digests(folder) == before


def test_killed_merge_output_is_absent_or_whole_and_the_next_run_cleans_up(many_wards, tmp_path):
    folder, catalog = many_wards
    output = tmp_path / "thanh-pho.xlsx"
    orphan = tmp_path / f".thanh-pho-{_dead_pid()}-x1y2.xlsx.part"  # what SIGKILL during the final write leaves
    orphan.write_bytes(b"PK\x03\x04 half")
    process = _start(folder, catalog, output)
    time.sleep(1.5)
    os.killpg(process.pid, signal.SIGKILL)  # the whole group, as closing the terminal would: workers too
    process.wait(timeout=120)
    assert not output.exists() or _whole(output)
    process = _start(folder, catalog, output.with_name("lan-2.xlsx"))
    process.wait(timeout=300)
    rerun = _start(folder, catalog, output)  # writing the same target again removes the orphan
    rerun.wait(timeout=300)
    assert rerun.returncode in (0, 1) or output.exists()
    assert not orphan.exists()
    assert _whole(output)


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)
