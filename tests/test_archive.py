"""The archive: the same tests on SQLite and on a real PostgreSQL (a throwaway cluster; skipped where it is missing)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import small_catalog
from pgcluster import postgres_cluster  # noqa: F401  (the session fixture)
from xltools.archive import (SCHEMA_VERSION, ArchiveError, accumulate, cover, history, import_files, known_figures, open_archive, submissions_of)
from xltools.submission import Period
from xltools.archive import store
from xltools.cli import main
from xltools.layout import DATA_SHEET
from xltools.writer import data_layout, write_catalog_workbook

UNIT = ("TRAN_PHU", "Phường Trần Phú")
Y2021 = {
    "THU_NS": {"plan": 1000, "last_year": 900, "actual": 1138.3, "next_plan": 1200},
    "THU_THUE": {"plan": 600, "last_year": 500, "actual": 700, "next_plan": 750},
    "THU_DAT": {"plan": 400, "last_year": 400, "actual": 438.3, "next_plan": 450},
    "DN_MOI": {"plan": 100, "last_year": 90, "actual": 95, "next_plan": 110},
    "HO_TONG": {"plan": 5000, "last_year": 4900, "actual": 5000, "next_plan": 5100},
    "HO_NGHEO": {"plan": 60, "last_year": 100, "actual": 70, "next_plan": 50},
    "HO_NGHEO_TL": {"plan": 0.5, "last_year": 2.04, "actual": 1.4, "next_plan": 0.4},
}


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):
    """Return an empty archive: a SQLite file path, or the URL of a new database on the throwaway PostgreSQL."""
    if request.param == "sqlite":
        yield str(tmp_path / "luu-tru.sqlite")
        return
    cluster = request.getfixturevalue("postgres_cluster")
    url = cluster.create_database()
    yield url
    cluster.drop_database(url)


@pytest.fixture
def catalog_file(tmp_path):
    path = tmp_path / "danh-muc.xlsx"
    write_catalog_workbook(small_catalog(), path)
    return str(path)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def cell(path, code: str, field: str):
    """Return the cell of field `field` (`actual`, `plan`…) of indicator `code`, found by the column titles."""
    from xltools.writer import data_columns

    sheet = load_workbook(path)[DATA_SHEET]
    return sheet[f"{data_columns(sheet)[field]}{data_layout(small_catalog())[code]}"]


# ------------------------------------------------------------------------------- the round trip, both databases


def test_2021_actuals_prefill_2022_and_a_retyped_figure_is_flagged(db, make_workbook, catalog_file, tmp_path, capsys):
    ward = make_workbook(Y2021, name="tran-phu-2021.xlsx", year=2021)
    code, out, err = run(capsys, "archive", "import", ward, "--db", db, "--catalog", catalog_file)
    assert code == 0, err
    assert "đã lưu 1/1 tệp" in out

    new = tmp_path / "tran-phu-2022.xlsx"
    code, out, err = run(capsys, "new", "-o", new, "--unit-code", UNIT[0], "--unit-name", UNIT[1], "--year", 2022,
                         "--db", db, "--catalog", catalog_file)
    assert code == 0, err
    assert "Đã điền sẵn từ kho lưu trữ: 7 ô cùng kỳ, 7 ô kế hoạch năm" in out
    for code_, figures in Y2021.items():
        assert cell(new, code_, "last_year").value == figures["actual"]  # cùng kỳ = the 2021 actual
        assert cell(new, code_, "plan").value == figures["next_plan"]  # kế hoạch năm = 2021's next year's plan
        assert cell(new, code_, "actual").value is None
    note = cell(new, "THU_NS", "last_year").comment.text
    assert "tran-phu-2021.xlsx" in note and "báo cáo năm 2021" in note and "bản 1" in note
    assert cell(new, "SDD_TL", "last_year").value is None  # a city-level indicator stays the city's

    typed = make_workbook({"THU_NS": {"plan": 1200, "last_year": 1183.3, "actual": 1300},
                           "DN_MOI": {"plan": 110, "last_year": 95, "actual": 100}}, name="typed-2022.xlsx", year=2022)
    code, out, err = run(capsys, "check", typed, "--db", db, "--catalog", catalog_file, "--json")
    archived = [(f["code"], f["cell"], f["indicator"]) for f in json.loads(out) if f["code"].startswith("archived")]
    row = data_layout(small_catalog())["THU_NS"]
    assert archived == [("archived-last-year", f"F{row}", "THU_NS")]  # 1.183,3 typed, 1.138,3 archived
    message = next(f["message"] for f in json.loads(out) if f["code"] == "archived-last-year")
    assert "1.183,3" in message and "1.138,3" in message and "tran-phu-2021.xlsx" in message


def test_a_corrected_file_is_a_new_version_and_the_same_file_is_kept_once(db, make_workbook, catalog_file, capsys):
    first = make_workbook(Y2021, name="tran-phu-2021.xlsx", year=2021)
    corrected = dict(Y2021, THU_NS=dict(Y2021["THU_NS"], actual=1140.0), DN_MOI=dict(Y2021["DN_MOI"], next_plan=None))
    second = make_workbook(corrected, name="tran-phu-2021-sua.xlsx", year=2021)
    assert run(capsys, "archive", "import", first, "--db", db, "--catalog", catalog_file)[0] == 0
    code, out, _ = run(capsys, "archive", "import", first, second, "--db", db, "--catalog", catalog_file)
    assert code == 0 and "đã lưu 1/2 tệp (1 bản sửa" in out and "1 tệp đã có trong kho" in out

    code, out, _ = run(capsys, "archive", "history", "--unit", "tran_phu", "--json", "--db", db)
    found = json.loads(out)
    assert [(h["period"], h["year"], h["version"], h["file"]) for h in found] == [
        ("Năm", 2021, 2, "tran-phu-2021-sua.xlsx"), ("Năm", 2021, 1, "tran-phu-2021.xlsx")]

    code, out, _ = run(capsys, "archive", "history", "--unit", "TRAN_PHU", "--indicator", "THU_NS", "--db", db)
    assert code == 0 and "Thực hiện: 1.140" in out and "Thực hiện: 1.138,3" in out

    code, out, _ = run(capsys, "archive", "diff", "--unit", "TRAN_PHU", "--period", "năm", "--year", 2021, "--db", db,
                       "--json")
    changes = [(c["indicator"], c["field"], c["old"], c["new"]) for c in json.loads(out)["changes"]]
    assert changes == [("DN_MOI", "next_plan", 110.0, None), ("THU_NS", "actual", 1138.3, 1140.0)]
    code, out, _ = run(capsys, "archive", "diff", "--unit", "TRAN_PHU", "--period", "Năm", "--year", 2021, "--db", db)
    assert "bản 1 (tệp «tran-phu-2021.xlsx»" in out and "2 số liệu thay đổi" in out and "1.138,3 → 1.140" in out

    with open_archive(db) as archive:  # the next year's plan now comes from the corrected version
        known = known_figures(archive, small_catalog(), "TRAN_PHU", "Năm", 2022)
    assert known["THU_NS"]["last_year"].value == 1140.0 and "bản 2" in known["THU_NS"]["last_year"].origin
    assert "plan" not in known["DN_MOI"]


def test_export_is_the_long_table(db, make_workbook, catalog_file, tmp_path, capsys):
    ward = make_workbook(Y2021, year=2021)
    run(capsys, "archive", "import", ward, "--db", db, "--catalog", catalog_file)
    for suffix in ("csv", "parquet"):
        target = tmp_path / f"so-lieu.{suffix}"
        code, out, err = run(capsys, "archive", "export", "--db", db, "-o", target)
        assert code == 0, err
        frame = pd.read_csv(target) if suffix == "csv" else pd.read_parquet(target)
        assert list(frame.columns) == ["unit", "period", "year", "indicator", "field", "value", "version"]
        assert len(frame) == sum(len(v) for v in Y2021.values())
        row = frame[(frame.indicator == "THU_NS") & (frame.field == "actual")].iloc[0]
        assert (row.unit, row.period, row.year, row.value, row.version) == ("TRAN_PHU", "Năm", 2021, 1138.3, 1)


def test_a_cumulative_period_is_pieced_together_from_monthly_reports(db, make_workbook):
    catalog = small_catalog()
    paths = []
    for year in (2021, 2022):
        for month in range(1, 11):
            figures = {"THU_NS": {"actual": 10.0 * month + year - 2021}, "HO_TONG": {"actual": 4000 + month},
                       "HO_NGHEO": {"actual": 100 - month}, "LUA_NS": {"actual": 50 + month / 10},
                       "LUA_DT": {"actual": 10.0 if month in (5, 6) else 0.0},
                       "DN_MOI": {"actual": month}}
            paths.append(make_workbook(figures, name=f"t{month}-{year}.xlsx", year=year, period=f"Tháng {month}"))
    paths.append(make_workbook({"THU_NS": {"actual": 999.0}}, name="9t-2021.xlsx", year=2021, period="9 tháng"))
    with open_archive(db) as archive:
        import_files(archive, paths, catalog)
        known = known_figures(archive, catalog, "TRAN_PHU", "10 tháng", 2022)
    assert known["THU_NS"]["actual"].value == pytest.approx(sum(10.0 * m + 1 for m in range(1, 11)))
    assert "cộng dồn «Thực hiện kỳ báo cáo» của 10 báo cáo Tháng 1 + Tháng 2" in known["THU_NS"]["actual"].origin
    # counts add up by default (until the catalog says a level takes the latest value)
    assert known["HO_TONG"]["actual"].value == sum(4000 + m for m in range(1, 11))
    # a weighted mean weighs each month by its weight: only May and June had rice fields
    assert known["LUA_NS"]["actual"].value == pytest.approx(50.55)
    rate = known["HO_NGHEO_TL"]["actual"]
    assert rate.value == pytest.approx(sum(100 - m for m in range(1, 11)) / sum(4000 + m for m in range(1, 11)) * 100)
    assert "tính lại từ tử số và mẫu số" in rate.origin
    # 2021: the archived «9 tháng» plus «Tháng 10», the fewest reports that cover the ten months
    assert known["THU_NS"]["last_year"].value == pytest.approx(999.0 + 100.0)
    assert "9 tháng + Tháng 10" in known["THU_NS"]["last_year"].origin
    assert "last_year" not in known["DN_MOI"]  # the «9 tháng» report gave no DN_MOI: a sum needs every piece


def test_cli_new_prefills_a_cumulative_period(tmp_path, make_workbook, catalog_file, capsys):
    db = tmp_path / "kho.sqlite"
    paths = [make_workbook({"THU_NS": {"actual": 10.0 * m}}, name=f"t{m}.xlsx", year=2022, period=f"Tháng {m}")
             for m in range(1, 11)]
    assert run(capsys, "archive", "import", *paths, "--db", db, "--catalog", catalog_file)[0] == 0
    out_path = tmp_path / "10-thang.xlsx"
    code, out, _ = run(capsys, "new", "-o", out_path, "--unit-code", UNIT[0], "--unit-name", UNIT[1], "--year", 2022,
                       "--period", "10 tháng", "--db", db, "--catalog", catalog_file)
    assert code == 0 and "ô số lũy kế" in out
    assert cell(out_path, "THU_NS", "actual").value == 550.0
    assert "cộng dồn" in cell(out_path, "THU_NS", "actual").comment.text


def test_archived_reports_accumulate_by_the_catalogs_column():
    import dataclasses
    from datetime import datetime

    from xltools.archive import Archived
    from xltools.catalog import Catalog

    catalog = Catalog([dataclasses.replace(ind, accumulation="last") if ind.code == "HO_TONG" else ind
                       for ind in small_catalog()])
    piece = lambda period, values: Archived(0, "TRAN_PHU", "Phường Trần Phú", "Phường, xã", period, 2022, 1, "",
                                            "f.xlsx", "", None, datetime(2022, 7, 1), "Ước thực hiện",
                                            figures={code: {"actual": v} for code, v in values.items()})
    pieces = [piece("Tháng 1", {"HO_TONG": 100, "HO_NGHEO": 5}), piece("Tháng 2", {"HO_TONG": 102, "HO_NGHEO": 4})]
    result = accumulate(pieces, catalog, Period.parse("2 tháng"))
    assert result["HO_TONG"] == 102 and result["HO_NGHEO"] == 9  # a level takes the latest, a count adds up
    assert result["HO_NGHEO_TL"] == pytest.approx(9 / 102 * 100)  # a rate is recomputed from its parts


def test_cover_takes_the_fewest_reports_and_refuses_a_gap():
    from xltools.archive import Archived
    from xltools.submission import Period

    def archived(label):
        return Archived(0, "U", "", "ward", label, 2022, 1, "", "", "", None, None, "")

    months = {f"Tháng {m}": archived(f"Tháng {m}") for m in range(1, 13)}
    assert [a.period for a in cover(months | {"6 tháng": archived("6 tháng")}, Period.parse("8 tháng"))] == [
        "6 tháng", "Tháng 7", "Tháng 8"]
    assert [a.period for a in cover({"Quý III": archived("Quý III")}, Period.parse("Quý III"))] == ["Quý III"]
    gap = {k: v for k, v in months.items() if k != "Tháng 4"}
    assert cover(gap, Period.parse("6 tháng")) is None


# ----------------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("content", [b"PK\x03\x04 not a database but a workbook", bytes(range(256)) * 40])
def test_a_db_that_is_not_an_archive_is_refused_and_left_untouched(tmp_path, make_workbook, capsys, content):
    target = tmp_path / "kho.sqlite"
    target.write_bytes(content)
    ward = make_workbook(Y2021, year=2021)
    code, out, err = run(capsys, "archive", "import", ward, "--db", target)
    assert code == 2 and "không phải kho lưu trữ của xltools" in err and "Traceback" not in err
    assert target.read_bytes() == content
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("kho")) == ["kho.sqlite"]


def test_a_real_workbook_and_a_foreign_sqlite_database_are_refused(tmp_path, make_workbook, capsys):
    ward = make_workbook(Y2021, year=2021)
    before = ward.read_bytes()
    assert run(capsys, "archive", "history", "--unit", "TRAN_PHU", "--db", ward)[0] == 2
    assert ward.read_bytes() == before
    other = tmp_path / "khac.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE people (name TEXT)")
    code, _, err = run(capsys, "archive", "import", ward, "--db", other)
    assert code == 2 and "cơ sở dữ liệu khác, không phải kho lưu trữ của xltools" in err


def test_an_archive_of_a_newer_schema_is_refused(db, capsys, make_workbook):
    open_archive(db).close()
    with open_archive(db) as archive, archive.writing() as conn:
        conn.execute(store.meta.update().where(store.meta.c.key == "schema_version")
                     .values(value=str(SCHEMA_VERSION + 1)))
    code, _, err = run(capsys, "archive", "import", make_workbook(Y2021, year=2021), "--db", db)
    assert code == 2 and "phiên bản xltools mới hơn" in err
    with pytest.raises(ArchiveError):
        open_archive(db)


def test_an_archive_of_this_version_opens_in_the_next(db, make_workbook, monkeypatch):
    with open_archive(db) as archive:
        import_files(archive, [make_workbook(Y2021, year=2021)], small_catalog())

    def add_reviewer(conn):
        conn.exec_driver_sql("ALTER TABLE xltools_submissions ADD COLUMN reviewer TEXT")

    monkeypatch.setattr(store, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(store, "UPGRADES", {SCHEMA_VERSION: add_reviewer})
    with open_archive(db) as archive:
        assert [a.file for a in history(archive, "TRAN_PHU")] == ["ward.xlsx"]
        with archive.reading() as conn:
            assert conn.exec_driver_sql("SELECT reviewer FROM xltools_submissions").all() == [(None,)]
            version = conn.execute(store.meta.select().where(store.meta.c.key == "schema_version")).one().value
    assert version == str(SCHEMA_VERSION + 1)


def test_a_read_only_archive_is_refused_for_writing(tmp_path, make_workbook, capsys):
    target = tmp_path / "kho.sqlite"
    open_archive(target).close()
    target.chmod(0o444)
    before = target.read_bytes()
    code, _, err = run(capsys, "archive", "import", make_workbook(Y2021, year=2021), "--db", target)
    assert code == 2 and "chỉ được đọc" in err
    assert target.read_bytes() == before
    assert run(capsys, "archive", "history", "--unit", "TRAN_PHU", "--db", target)[0] == 0  # reading still works


def test_a_locked_archive_waits_then_gives_a_message_and_writes_nothing(tmp_path, make_workbook):
    target = tmp_path / "kho.sqlite"
    open_archive(target).close()
    holder = sqlite3.connect(target, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with open_archive(target, lock_seconds=0.3) as archive, pytest.raises(ArchiveError, match="đang bị một chương"):
            import_files(archive, [make_workbook(Y2021, year=2021)], small_catalog())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with open_archive(target) as archive:
        assert history(archive, "TRAN_PHU") == []


def test_an_unreachable_server_gives_one_message(capsys, make_workbook):
    code, _, err = run(capsys, "archive", "import", make_workbook(Y2021, year=2021), "--db",
                       "postgresql://nguoi_dung:mat_khau@127.0.0.1:1/xltools")
    assert code == 2 and "không kết nối được máy chủ PostgreSQL" in err
    assert "mat_khau" not in err and "Traceback" not in err


def test_a_missing_archive_is_not_created_by_a_reading_command(tmp_path, capsys):
    code, _, err = run(capsys, "archive", "history", "--unit", "TRAN_PHU", "--db", tmp_path / "chua-co.sqlite")
    assert code == 2 and "không tìm thấy kho lưu trữ" in err and not (tmp_path / "chua-co.sqlite").exists()
    code, _, err = run(capsys, "archive", "history", "--unit", "TRAN_PHU")
    assert code == 2 and "chưa chọn kho lưu trữ" in err


def test_unreadable_files_are_reported_and_the_others_kept(tmp_path, make_workbook, catalog_file, capsys):
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"not a workbook")
    ward = make_workbook(Y2021, year=2021)
    code, out, _ = run(capsys, "archive", "import", ward, broken, "--db", tmp_path / "k.sqlite", "--catalog",
                       catalog_file)
    assert code == 1 and "hong.xlsx" in out and "đã lưu 1/2 tệp" in out and "1 tệp không lưu được" in out


# ----------------------------------------------------------------------------------------- two staff at once


def test_two_imports_at_once_both_land_in_order(db, make_workbook, tmp_path, catalog_file):
    open_archive(db).close()
    first = make_workbook(Y2021, name="a.xlsx", year=2021)
    second = make_workbook(dict(Y2021, THU_NS=dict(Y2021["THU_NS"], actual=1200)), name="b.xlsx", year=2021)
    others = [make_workbook(Y2021, name=f"u{n}.xlsx", unit_code=f"UNIT_{n}", year=2021) for n in range(20)]
    command = [sys.executable, "-m", "xltools.cli", "archive", "import", "--db", db, "--catalog", catalog_file]
    runs = [subprocess.Popen([*command, str(first), *map(str, others[:10])], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True),
            subprocess.Popen([*command, str(second), *map(str, others[10:])], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)]
    for process in runs:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
    with open_archive(db) as archive:
        found = history(archive, "TRAN_PHU")
        assert sorted(a.version for a in found) == [1, 2]
        assert {a.file for a in found} == {"a.xlsx", "b.xlsx"}
        assert all(len(history(archive, f"UNIT_{n}")) == 1 for n in range(20))
    assert found[0].imported >= found[1].imported  # the later version was recorded later


def test_threads_writing_at_once_queue_instead_of_failing(db, make_workbook):
    catalog = small_catalog()
    paths = [make_workbook(dict(Y2021, DN_MOI={"actual": n}), name=f"v{n}.xlsx", year=2021) for n in range(6)]
    failures = []

    def work(path):
        try:
            with open_archive(db) as archive:
                import_files(archive, [path], catalog)
        except Exception as exc:  # pragma: no cover - the assertion below shows it
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in paths]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with open_archive(db) as archive:
        assert sorted(a.version for a in history(archive, "TRAN_PHU")) == [1, 2, 3, 4, 5, 6]


# ------------------------------------------------------------------------------------- the merge and the report


def test_merge_records_wards_and_city_and_marks_resubmissions(tmp_path, make_workbook, catalog_file, capsys):
    from xltools.merge import REGISTER_SHEET

    db = tmp_path / "kho.sqlite"
    folder = tmp_path / "phuong-xa"
    folder.mkdir()
    ward = make_workbook(Y2021, name="tran-phu.xlsx", year=2021)
    first = folder / "tran-phu.xlsx"
    first.write_bytes(ward.read_bytes())
    code, _, err = run(capsys, "merge", folder, "-o", tmp_path / "tp.xlsx", "--db", db, "--catalog", catalog_file)
    assert code in (0, 1), err
    corrected = make_workbook(dict(Y2021, DN_MOI=dict(Y2021["DN_MOI"], actual=96)), name="tran-phu-sua.xlsx",
                              year=2021)
    first.write_bytes(corrected.read_bytes())
    code, out, err = run(capsys, "merge", folder, "-o", tmp_path / "tp2.xlsx", "--db", db, "--catalog", catalog_file,
                         "--json")
    entry = json.loads(out)["register"][0]
    assert entry["resubmission"].startswith("gửi lại: bản 2, thay bản 1")
    sheet = load_workbook(tmp_path / "tp2.xlsx")[REGISTER_SHEET]
    header = [c.value for c in next(r for r in sheet.iter_rows() if r[0].value == "STT")]
    assert sheet.cell(header and 1 + [c.row for c in sheet["A"] if c.value == "STT"][0], header.index("Gửi lại") + 1
                      ).value.startswith("gửi lại: bản 2")
    with open_archive(db) as archive:
        assert [a.version for a in history(archive, "TRAN_PHU")] == [2, 1]
        city = submissions_of(archive, "THANH_PHO")
        assert [(a.level, a.version, a.file) for a in city] == [("city", 2, "tp2.xlsx"), ("city", 1, "tp.xlsx")]
        assert city[0].value("DN_MOI", "actual") == 96


def test_merge_warns_on_a_ward_far_from_the_others_and_from_its_own_past(tmp_path, make_workbook, catalog_file):
    from xltools.merge import merge

    catalog = small_catalog()
    folder = tmp_path / "phuong-xa"
    folder.mkdir()
    db = tmp_path / "kho.sqlite"
    for n in range(8):  # DN_MOI: every ward +5% or so; W7 +45%; HO_TONG of W0 five times its past
        actual = 145 if n == 7 else 105 + n % 3  # +45%: under the catalog's jump of 50%
        total = 25000 if n == 0 else 5000
        path = make_workbook({"DN_MOI": {"last_year": 100, "actual": actual}, "HO_TONG": {"actual": total}},
                             name=f"w{n}.xlsx", unit_code=f"W{n}", year=2022)
        (folder / path.name).write_bytes(path.read_bytes())
    with open_archive(db) as archive:
        past = [make_workbook({"HO_TONG": {"actual": 4800 + 50 * (y - 2019)}}, name=f"w0-{y}.xlsx", unit_code="W0",
                              year=y) for y in (2019, 2020, 2021)]
        import_files(archive, past, catalog)
        result = merge([folder], tmp_path / "tp.xlsx", catalog=catalog, jobs=1, archive=archive)
    found = {(f.code, f.file, f.indicator) for f in result.findings if f.code.startswith("outlier")}
    assert found == {("outlier-change", "w7.xlsx", "DN_MOI"), ("outlier-history", "w0.xlsx", "HO_TONG")}
    message = next(f for f in result.findings if f.code == "outlier-history")
    assert "2019: 4.800; 2020: 4.850; 2021: 4.900" in message.message and message.cell.startswith("G")
    assert all(f.severity == "warning" for f in result.findings if f.code.startswith("outlier"))


def test_robust_scores_use_median_and_mad():
    import numpy as np

    from xltools.merge.history import robust_scores

    scores = robust_scores(np.array([1.0, 2.0, 3.0, 4.0, 100.0]))
    assert scores[-1] == pytest.approx(0.6745 * 97 / 1)
    assert list(robust_scores(np.array([5.0, 5.0, 5.0]))) == [0.0, 0.0, 0.0]


def test_report_states_the_trend_of_key_targets_over_three_years(tmp_path, make_workbook, catalog_file, capsys):
    from docx import Document

    from xltools.report import build_context
    from xltools.report.document import context_text

    db = tmp_path / "kho.sqlite"
    years = {2018: 850.0, 2019: 900.0, 2020: 1000.0, 2021: 1050.0}
    paths = [make_workbook({"THU_NS": {"actual": v}, "HO_NGHEO_TL": {"actual": 3.0 - 0.5 * (y - 2018)}},
                           name=f"{y}.xlsx", year=y) for y, v in years.items()]
    assert run(capsys, "archive", "import", *paths, "--db", db, "--catalog", catalog_file)[0] == 0
    now = make_workbook({**Y2021, "THU_NS": {"plan": 1100, "actual": 1172.5}, "HO_NGHEO_TL": {"actual": 1.0}},
                        name="2022.xlsx", year=2022)
    output = tmp_path / "bao-cao.docx"
    code, _, err = run(capsys, "report", now, "-o", output, "--db", db, "--catalog", catalog_file)
    assert code == 0, err
    text = "\n".join(p.text for p in Document(output).paragraphs)
    growth = ((1172.5 / 850) ** (1 / 4) - 1) * 100
    assert f"Tổng thu ngân sách giai đoạn 2018–2022 tăng bình quân {growth:.1f}%/năm".replace(".", ",") in text
    assert "(từ 850 tỷ đồng năm 2018 đến 1.172,5 tỷ đồng năm 2022)" in text
    assert "Tỷ lệ hộ nghèo giai đoạn 2018–2022 giảm bình quân 0,5 điểm phần trăm/năm" in text
    assert "Xu hướng các chỉ tiêu chủ yếu giai đoạn 2018–2022" in text
    assert len(Document(output).inline_shapes) == 1  # the trends chart (a ward's report has no city chart)

    from xltools.report import read_report_source

    sub, catalog, _ = read_report_source(now, small_catalog())
    plain = context_text(build_context(sub, catalog))
    assert "bình quân" not in plain  # without the archive the report is as before


# ---------------------------------------------------------------------------------------- the Excel buttons


def test_buttons_prefill_on_compute_and_warn_on_check(db, make_workbook, monkeypatch):
    xw = pytest.importorskip("xlwings")
    from payload import book_payload
    from xltools import excel

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    excel.use_remote_engine()
    with open_archive(db) as archive:
        import_files(archive, [make_workbook(Y2021, name="tp-2021.xlsx", year=2021)], small_catalog())
        empty = make_workbook({"DN_MOI": {"actual": 100, "last_year": 80}}, name="tp-2022.xlsx", year=2022)
        book = xw.Book(json=book_payload(empty))
        message = excel.compute(book, archive=archive)
        assert "đã điền sẵn 13 ô từ kho lưu trữ" in message  # DN_MOI's cùng kỳ was typed: 7 plans + 6 cùng kỳ
        row = data_layout(small_catalog())["THU_NS"]
        values = {(a["start_row"], a["start_column"]): a["values"] for a in book.json()["actions"]
                  if a["func"] == "setValues"}
        assert values[(row - 1, 5)] == [[1138.3]] and values[(row - 1, 4)] == [[1200]]
        notes = [a["args"] for a in book.json()["actions"] if a["func"] == "runMacro"]
        assert any(args[2] == f"F{row}" and "tp-2021.xlsx" in args[3] for args in notes)
        book.close()

        book = xw.Book(json=book_payload(empty))
        message = excel.check(book, archive=archive)
        dn = data_layout(small_catalog())["DN_MOI"]
        notes = {args[2]: args[3] for a in book.json()["actions"] if a["func"] == "runMacro" for args in [a["args"]]}
        assert "kho lưu trữ có 95" in notes[f"F{dn}"]
        book.close()


def test_serve_with_an_archive_prefills_on_compute(tmp_path, make_workbook):
    pytest.importorskip("fastapi")
    pytest.importorskip("uvicorn")
    import time
    import urllib.request

    from payload import book_payload
    from test_server import free_port, post, start

    db = tmp_path / "kho.sqlite"
    with open_archive(db) as archive:
        import_files(archive, [make_workbook(Y2021, name="tp-2021.xlsx", year=2021)], small_catalog())
    port = free_port()
    process = start("--port", str(port), "--db", str(db))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/health", timeout=1).close()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.communicate()
                time.sleep(0.2)
        status, answer = post(f"{url}/xlwings/compute", book_payload(make_workbook({}, name="tp-2022.xlsx")), None)
        assert status == 200
        texts = [v for a in answer["actions"] if a["func"] == "setValues" for row in a["values"] for v in row
                 if isinstance(v, str)]
        assert any("đã điền sẵn 14 ô từ kho lưu trữ" in t for t in texts)
    finally:
        process.terminate()
        process.communicate(timeout=10)
