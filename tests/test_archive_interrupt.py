"""An import killed midway leaves the archive as it was; a terminated one says so; the next import lands."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from pgcluster import postgres_cluster  # noqa: F401  (the session fixture)
from xltools.archive import history, open_archive, submissions_of
from xltools.catalog import default_catalog
from xltools.demo import random_ward_figures
from xltools.writer import build_workbook, save_workbook, write_figures

WARDS = 300


@pytest.fixture(scope="module")
def many_wards(tmp_path_factory):
    """Return a folder of WARDS ward workbooks of the full catalog (about 300 figures each), one unit each."""
    import random

    folder = tmp_path_factory.mktemp("wards")
    catalog = default_catalog()
    book = build_workbook(catalog, unit_code="W000", unit_name="Phường mẫu", year=2022, period="Năm")
    write_figures(book, random_ward_figures(catalog, random.Random(7)))
    first = folder / "w000.xlsx"
    save_workbook(book, first)
    data = first.read_bytes()
    for n in range(1, WARDS):  # a copy per unit: the code differs, so each is its own submission
        path = folder / f"w{n:03}.xlsx"
        shutil.copyfile(first, path)
        _set_unit(path, f"W{n:03}")
    assert first.read_bytes() == data
    return folder


def _set_unit(path, code: str) -> None:
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            if info.filename in ("xl/sharedStrings.xml",) or info.filename.startswith("xl/worksheets/"):
                data = data.replace(b">W000<", f">{code}<".encode())
            target.writestr(info, data)


def _start(folder, db):
    return subprocess.Popen([sys.executable, "-m", "xltools.cli", "archive", "import", str(folder), "--db", str(db),
                             "--jobs", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def _count(db) -> int:
    with open_archive(db) as archive, archive.reading() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM xltools_submissions").scalar()


def _wait(process, ready, timeout=120.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if ready():
            return True
        time.sleep(0.002)
    return False


def test_sqlite_import_killed_while_writing_leaves_the_archive_unchanged(many_wards, tmp_path):
    db = tmp_path / "kho.sqlite"
    with open_archive(db) as archive:  # something already there, which must stay as it was
        from xltools.archive import import_files

        import_files(archive, [many_wards / "w000.xlsx"], default_catalog())
    before = _count(db)
    wal = tmp_path / "kho.sqlite-wal"
    start = wal.stat().st_size if wal.exists() else 0
    process = _start(many_wards, db)
    # The transaction is writing once the log grows by a megabyte; the whole import writes several.
    caught = _wait(process, lambda: wal.exists() and wal.stat().st_size > start + 2**20)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert caught, "the import ended before it was seen writing"
    assert _count(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    rerun = _start(many_wards, db)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
    assert _count(db) == WARDS


def test_terminated_import_rolls_back_and_says_so(many_wards, tmp_path):
    db = tmp_path / "kho.sqlite"
    open_archive(db).close()
    wal = tmp_path / "kho.sqlite-wal"
    start = wal.stat().st_size if wal.exists() else 0
    process = _start(many_wards, db)
    caught = _wait(process, lambda: wal.exists() and wal.stat().st_size > start + 2**20)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)
    err = process.stderr.read()
    assert caught and process.returncode == 2, err
    assert "Đã dừng theo yêu cầu" in err and "Traceback" not in err
    assert _count(db) == 0


def test_postgresql_import_killed_while_copying_leaves_the_archive_unchanged(many_wards, postgres_cluster):
    import psycopg

    db = postgres_cluster.create_database()
    try:
        open_archive(db).close()
        process = _start(many_wards, db)

        def copying() -> bool:
            with psycopg.connect(postgres_cluster.url(), autocommit=True) as conn:
                return bool(conn.execute("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY xltools%' "
                                         "AND state = 'active'").fetchone()[0])

        caught = _wait(process, copying)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=60)
        assert caught, "the import ended before it was seen writing"
        time.sleep(0.5)  # the server notices the lost client and rolls its transaction back
        assert _count(db) == 0
        rerun = _start(many_wards, db)
        assert rerun.wait(timeout=300) == 0, rerun.stderr.read()
        with open_archive(db) as archive:
            assert len(submissions_of(archive, "W123")) == 1 and history(archive, "W000")[0].version == 1
    finally:
        postgres_cluster.drop_database(db)
