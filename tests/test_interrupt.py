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

from conftest import small_catalog
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


@pytest.mark.parametrize("after", [0.8, 1.6, 2.4])
def test_terminated_merge_leaves_nothing(many_wards, tmp_path, after):
    folder, catalog = many_wards
    before = _digests(folder)
    output = tmp_path / "out" / "thanh-pho.xlsx"
    process = _start(folder, catalog, output)
    time.sleep(after)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=300)
    err = process.err.read_text()
    if process.returncode == 2:
        assert "Đã dừng theo yêu cầu" in err and "Traceback" not in err
        assert not output.exists()
    else:  # it finished before the signal: then the output is whole
        assert process.returncode in (0, 1) and output.stat().st_size > 0
    leftovers = [p.name for p in output.parent.iterdir() if p.name.endswith(".part")] if output.parent.exists() else []
    assert leftovers == []
    assert _digests(folder) == before


def test_killed_merge_output_is_absent_or_whole_and_the_next_run_cleans_up(many_wards, tmp_path):
    from openpyxl import load_workbook

    folder, catalog = many_wards
    output = tmp_path / "thanh-pho.xlsx"
    orphan = tmp_path / f".thanh-pho-{_dead_pid()}-x1y2.xlsx.part"  # what SIGKILL during the final write leaves
    orphan.write_bytes(b"PK\x03\x04 half")
    process = _start(folder, catalog, output)
    time.sleep(1.5)
    os.killpg(process.pid, signal.SIGKILL)  # the whole group, as closing the terminal would: workers too
    process.wait(timeout=120)
    assert not output.exists() or load_workbook(output, read_only=True).sheetnames
    process = _start(folder, catalog, output.with_name("lan-2.xlsx"))
    process.wait(timeout=300)
    rerun = _start(folder, catalog, output)  # writing the same target again removes the orphan
    rerun.wait(timeout=300)
    assert rerun.returncode in (0, 1) or output.exists()
    assert not orphan.exists()
    assert load_workbook(output, read_only=True).sheetnames


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)
