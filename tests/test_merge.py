"""Merge: city figures against an independent pandas computation, bad inputs, safety, the CLI."""

from __future__ import annotations

import csv
import hashlib
import json
import math
import multiprocessing
import os
import random
import subprocess
import zipfile
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from conftest import have_soffice
from xltools.cli import main
from xltools.demo import random_ward_figures
from xltools.errors import OutputExists
from xltools.grid import read_grid
from xltools.layout import DATA_SHEET, FINDINGS_SHEET, INFO_LABELS, INFO_SHEET, YEAR_END_INPUTS
from xltools.merge import MATRIX_SHEET, RANKING_SHEET, REGISTER_SHEET, merge
from xltools.numbers import format_number
from xltools.parse import parse_grid
from xltools.writer import build_workbook, data_rows, save_workbook, set_value, write_figures

YEAR = 2022


def random_figures(catalog, rng: random.Random, blanks: float = 0.1) -> dict[str, dict[str, float | None]]:
    """Return random figures for every ward-entered indicator, a few cells left empty."""
    out = {}
    for ind in catalog:
        if not ind.ward_entered:
            continue
        low = ind.min if ind.min is not None else 0.0
        high = ind.max if ind.max is not None else 5000.0
        values = {}
        for name in YEAR_END_INPUTS:
            value = round(rng.uniform(low, high), max(ind.decimals, 0))
            values[name] = None if rng.random() < blanks else value
        if ind.rule == "ratio":
            # every ward carries the city's target for a rate; the merge must keep it, not add it up
            values["plan"] = values["next_plan"] = 0.5
        out[ind.code] = values
    return out


def independent_city(catalog, wards: dict[str, dict], base: dict[str, dict]) -> dict[str, dict[str, float | None]]:
    """Return the city figures computed with pandas from the figures written, by each rule of the catalog."""
    rows = [{"unit": unit, "code": code, **values} for unit, figures in wards.items() for code, values in figures.items()]
    frame = pd.DataFrame(rows).set_index(["unit", "code"])[list(YEAR_END_INPUTS)].astype(float)
    wide = {name: frame[name].unstack("code") for name in YEAR_END_INPUTS}  # unit x code
    out: dict[str, dict] = {}

    def column(name, code):
        return wide[name][code] if code in wide[name] else pd.Series(dtype=float)

    def city(ind):
        if ind.code in out:
            return out[ind.code]
        result = {}
        for name in YEAR_END_INPUTS:
            if ind.rule == "sum":
                total = column(name, ind.code).sum(min_count=1)
                result[name] = None if pd.isna(total) else total
            elif ind.rule == "weighted":
                v, w = column(name, ind.code), column(name, ind.weight)
                both = v.notna() & w.notna()
                result[name] = (v[both] * w[both]).sum() / w[both].sum() if both.any() and w[both].sum() else None
            elif ind.rule == "ratio":
                top, bottom = city(catalog[ind.numerator])[name], city(catalog[ind.denominator])[name]
                scale = 100 if ind.is_rate or "%" in ind.unit else 1
                recomputed = top / bottom * scale if top is not None and bottom else None
                if name in ("plan", "next_plan"):
                    given = base.get(ind.code, {}).get(name)
                    shared = column(name, ind.code).dropna().unique()
                    common = shared[0] if len(shared) == 1 else None
                    if ind.direction == "reduce_by":
                        recomputed = None
                    result[name] = next((v for v in (recomputed, given, common) if v is not None), None)
                else:
                    result[name] = recomputed
            else:
                result[name] = base.get(ind.code, {}).get(name)
        out[ind.code] = result
        return result

    for ind in catalog:
        city(ind)
    return out


def file_hashes(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def write_base(path, catalog, units, figures=None, period="Năm"):
    book = build_workbook(catalog, unit_code="TP_TEST", unit_name="Thành phố Thử", year=YEAR, period=period, city=True,
                          info={"agency": "ỦY BAN NHÂN DÂN THÀNH PHỐ THỬ"}, units=units)
    write_figures(book, figures or {})
    save_workbook(book, path)
    return path


def random_wards(make_workbook, catalog, rng: random.Random, count: int, folder: str, code: str,
                 name: str) -> dict[str, dict]:
    """Write `count` ward workbooks with random figures into `folder`; return unit code -> figures.

    `code` and `name` are %-patterns of the ward's number (`W%02d`, `Phường số %d`).
    """
    wards = {}
    for k in range(count):
        wards[code % k] = figures = random_figures(catalog, rng)
        make_workbook(figures, name=f"{folder}/{(code % k).lower()}.xlsx", unit_code=code % k, unit_name=name % k,
                      catalog=catalog)
    return wards


CITY_ONLY = {"SDD_TL": {"plan": 7.5, "last_year": 8.1, "actual": 7.2, "next_plan": 7.0},
             "TANG_TRUONG": {"plan": 8.0, "last_year": 7.1, "actual": 8.3, "next_plan": 8.5}}


@pytest.fixture
def forty(tmp_path, catalog, make_workbook):
    """Return (folder, base path, ward figures, base figures) for 40 wards with random figures."""
    wards = random_wards(make_workbook, catalog, random.Random(40), 40, "wards", "W%02d", "Phường số %d")
    base = write_base(tmp_path / "base.xlsx", catalog, [(f"W{k:02d}", f"Phường số {k}") for k in range(40)], CITY_ONLY)
    return tmp_path / "wards", base, wards, CITY_ONLY


def assert_same_city(submission, expected):
    for code, values in expected.items():
        figure = submission.figure(code)
        assert figure is not None, code
        for name, value in values.items():
            got = getattr(figure, name)
            if value is None or (isinstance(value, float) and math.isnan(value)):
                assert got is None, (code, name, got)
            else:
                assert got == pytest.approx(float(value), rel=1e-9, abs=1e-9), (code, name)


def test_forty_wards_match_an_independent_pandas_computation(tmp_path, catalog, forty):
    folder, base, wards, city_only = forty
    result = merge([folder], tmp_path / "city.xlsx", catalog=catalog, base=base, jobs=2, progress=False)
    expected = independent_city(catalog, wards, city_only)
    assert_same_city(result.submission, expected)
    # the rules did real work: a rate recomputed (not averaged), a weighted mean, a kept city-only figure
    assert result.submission.figure("HO_NGHEO_TL").actual == pytest.approx(
        expected["HO_NGHEO"]["actual"] / expected["HO_TONG"]["actual"] * 100)
    assert result.submission.figure("HO_NGHEO_TL").plan == 0.5
    assert result.submission.figure("SDD_TL").actual == 7.2
    assert result.included == 40 and result.expected == 40 and not result.missing
    assert [e.unit_code for e in result.register] == [f"W{k:02d}" for k in range(40)]
    assert result.submission.unit_code == "TP_TEST" and result.submission.level == "Thành phố"
    assert result.submission.info["agency"] == "ỦY BAN NHÂN DÂN THÀNH PHỐ THỬ"

    book = load_workbook(result.output)
    data = book[DATA_SHEET]
    row = data_rows(data)["THU_NS"]
    assert str(data[f"H{row}"].value).startswith("=IF(")  # % columns stay live formulas
    assert book.sheetnames[-1] == "Danh mục"
    # the per-unit matrix: indicators down, city total then wards across
    matrix = pd.read_excel(result.output, sheet_name=MATRIX_SHEET, header=1, engine="calamine")
    matrix = matrix.iloc[1:].set_index("Mã")
    assert list(matrix.columns[3:6]) == ["Phường số 0", "Phường số 1", "Phường số 2"]
    for k in (0, 17, 39):
        actual = wards[f"W{k:02d}"]["THU_NS"]["actual"]
        cell = matrix.loc["THU_NS", f"Phường số {k}"]
        assert (pd.isna(cell) if actual is None else cell == pytest.approx(actual))
    assert matrix.loc["THU_NS", "Toàn thành phố"] == pytest.approx(expected["THU_NS"]["actual"])


def test_the_city_workbook_passes_check_and_feeds_the_report(tmp_path, catalog, make_workbook):
    from xltools.check import check_file
    from conftest import report_of

    rng = random.Random(5)
    for k in range(5):
        make_workbook(random_ward_figures(catalog, rng), name=f"w/{k}.xlsx", unit_code=f"U{k}", unit_name=f"Phường Số {k}")
    base = write_base(tmp_path / "base.xlsx", catalog, [(f"U{k}", f"Phường Số {k}") for k in range(5)], CITY_ONLY)
    result = merge([tmp_path / "w"], tmp_path / "city.xlsx", catalog=catalog, base=base)
    assert result.ok and not result.findings
    checked = check_file(result.output, catalog)
    assert [f for f in checked.findings if f.is_error] == []
    text = report_of(result.output, catalog)
    total = format_number(result.submission.figure("THU_NS").actual, 1)
    assert "Thành phố Thử".upper() in text.upper() and total in text


def _status_edit(status: str):
    def edit(book):
        sheet = book[INFO_SHEET]
        for row in sheet.iter_rows(min_col=1, max_col=2):
            if row[0].value == INFO_LABELS["status"]:
                row[1].value = status
    return edit


@pytest.mark.parametrize("second, expected", [("Thực hiện", "Thực hiện"), ("Ước thực hiện", "Ước thực hiện")])
def test_the_city_figures_are_final_only_when_every_ward_sent_final_figures(tmp_path, catalog, make_workbook,
                                                                            second, expected):
    rng = random.Random(9)
    for k, status in enumerate(("Thực hiện", second)):
        make_workbook(random_ward_figures(catalog, rng), name=f"w/{k}.xlsx", unit_code=f"U{k}",
                      unit_name=f"Phường Số {k}", edit=_status_edit(status))
    result = merge([tmp_path / "w"], tmp_path / "city.xlsx", catalog=catalog)
    assert result.submission.status == expected
    city = parse_grid(read_grid(result.output))
    assert city.status == expected and city.info_raw["status"] == expected


def test_jobs_one_and_two_give_identical_figures(tmp_path, catalog, forty):
    folder, base, _, _ = forty
    one = merge([folder], tmp_path / "one.xlsx", catalog=catalog, base=base, jobs=1)
    two = merge([folder], tmp_path / "two.xlsx", catalog=catalog, base=base, jobs=2)
    figures = lambda result: {c: [getattr(f, n) for n in YEAR_END_INPUTS] for c, f in result.submission.figures.items()}
    assert figures(one) == figures(two)
    assert [e.as_dict() for e in one.register] == [e.as_dict() for e in two.register]


@pytest.mark.skipif(not resources.files("xltools.data").joinpath("catalog.csv").is_file(),
                    reason="the default catalog has not been written yet")
def test_default_catalog_merge_matches_pandas(tmp_path, full_catalog, make_workbook):
    wards = random_wards(make_workbook, full_catalog, random.Random(7), 12, "full", "X%02d", "Xã số %d")
    result = merge([tmp_path / "full"], tmp_path / "city.xlsx", catalog=full_catalog, jobs=2)
    assert_same_city(result.submission, independent_city(full_catalog, wards, {}))
    assert result.included == 12


def test_bad_files_are_reported_and_inputs_never_change(tmp_path, catalog, make_workbook):
    rng = random.Random(3)
    good = {f"W{k}": random_ward_figures(catalog, rng) for k in range(4)}
    for code, figures in good.items():
        make_workbook(figures, name=f"in/{code.lower()}.xlsx", unit_code=code, unit_name=f"Phường {code}")
    folder = tmp_path / "in"
    old = make_workbook(random_ward_figures(catalog, rng), name="in/w1-ban-cu.xlsx", unit_code="W1",
                        unit_name="Phường W1")
    os.utime(old, (1_600_000_000, 1_600_000_000))  # sent in 2020: the other W1 file is newer
    make_workbook(good["W2"], name="in/w3-6-thang.xlsx", unit_code="W3", unit_name="Phường W3", period="6 tháng")
    make_workbook(good["W2"], name="in/la.xlsx", unit_code="LA", unit_name="Xã Lạ")
    (folder / "hong.xlsx").write_bytes((folder / "w0.xlsx").read_bytes()[:3000])
    foreign = Workbook()
    foreign.active.append(["Họ tên", "Số điện thoại"])
    foreign.save(folder / "danh-ba.xlsx")
    (folder / "~$w0.xlsx").write_bytes(b"lock")
    base = write_base(tmp_path / "base.xlsx", catalog, [(f"W{k}", f"Phường W{k}") for k in range(4)] + [("W9", "Xã W9")])
    before = file_hashes(tmp_path)

    result = merge([folder], tmp_path / "city.xlsx", catalog=catalog, base=base, jobs=2)

    assert file_hashes(tmp_path) == {**before, "city.xlsx": file_hashes(tmp_path)["city.xlsx"]}
    merge_codes = {"unreadable", "not-a-ward-workbook", "wrong-period", "duplicate-unit", "unknown-unit",
                   "missing-unit", "version-mismatch", "no-unit-code"}
    assert sorted((f.code, f.file) for f in result.findings if f.code in merge_codes) == [
        ("duplicate-unit", "w1-ban-cu.xlsx"),
        ("missing-unit", None),
        ("not-a-ward-workbook", "danh-ba.xlsx"),
        ("unknown-unit", "la.xlsx"),
        ("unreadable", "hong.xlsx"),
        ("wrong-period", "w3-6-thang.xlsx"),
    ]
    by_code = {f.code: f for f in result.findings}
    assert "«w1.xlsx»" in by_code["duplicate-unit"].message and "13/09/2020" in by_code["duplicate-unit"].message
    assert "6 tháng năm 2022" in by_code["wrong-period"].message and "năm 2022" in by_code["wrong-period"].message
    assert by_code["wrong-period"].sheet == INFO_SHEET and by_code["wrong-period"].cell == "B4"
    assert "W9" in by_code["missing-unit"].message and "Xã W9" in by_code["missing-unit"].message
    assert all(f.file != "~$w0.xlsx" for f in result.findings)

    rows = [(e.unit_code, e.file, e.included, e.reason) for e in result.register]
    assert rows == [
        ("W0", "w0.xlsx", True, "đưa vào tổng hợp"),
        ("W1", "w1.xlsx", True, "đưa vào tổng hợp"),
        ("W1", "w1-ban-cu.xlsx", False, "đơn vị gửi nhiều tệp; đã dùng tệp «w1.xlsx» sửa lần cuối sau"),
        ("W2", "w2.xlsx", True, "đưa vào tổng hợp"),
        ("W3", "w3.xlsx", True, "đưa vào tổng hợp"),
        ("W3", "w3-6-thang.xlsx", False, "khác kỳ báo cáo đang tổng hợp"),
        ("W9", "", False, "chưa nộp báo cáo"),
        ("", "danh-ba.xlsx", False, "không phải biểu số liệu phường, xã"),
        ("", "hong.xlsx", False, "không đọc được tệp"),
        ("LA", "la.xlsx", False, "mã đơn vị không có trong danh sách đơn vị"),
    ]
    entry = result.register[0]
    assert entry.sha256 == before["w0.xlsx"] and entry.period == "Năm" and entry.year == YEAR
    assert entry.version == catalog.version and entry.errors == 0
    assert (result.expected, result.received, result.included) == (5, 4, 4)
    # only the four included files count: the figures are those of W0..W3, the old W1 left out
    total = sum(good[code]["THU_NS"]["actual"] for code in good)
    assert result.submission.figure("THU_NS").actual == pytest.approx(total)

    book = load_workbook(result.output)
    register = [[c.value for c in row] for row in book[REGISTER_SHEET].iter_rows(min_row=3)]
    assert register[2][1:5] == ["W1", "Phường W1", "Có", "w1-ban-cu.xlsx"]
    assert register[2][12] == "Không"
    assert register[6][1:5] == ["W9", "Xã W9", "Không", None]
    findings = [[c.value for c in row] for row in book[FINDINGS_SHEET].iter_rows(min_row=4)]
    assert {(row[1], row[2], row[7]) for row in findings} >= {("Lỗi", "hong.xlsx", "unreadable"),
                                                               ("Cảnh báo", "w1-ban-cu.xlsx", "duplicate-unit")}
    assert book[FINDINGS_SHEET]["C3"].value == "Tệp"


def test_a_stale_template_is_merged_with_one_warning(tmp_path, catalog, make_workbook):
    from xltools.catalog import catalog_from_rows

    rows = catalog.rows()
    rows[1][rows[0].index("Chỉ tiêu")] = "Tổng thu ngân sách nhà nước trên địa bàn"  # last year's wording
    stale = catalog_from_rows(rows, source="cũ")
    make_workbook({"THU_NS": {"actual": 10}}, name="w/a.xlsx", unit_code="A1")
    make_workbook({"THU_NS": {"actual": 5}}, name="w/b.xlsx", unit_code="B1", catalog=stale)
    result = merge([tmp_path / "w"], tmp_path / "city.xlsx", catalog=catalog)
    assert [(f.code, f.file, f.cell) for f in result.findings if f.code == "version-mismatch"] == [
        ("version-mismatch", "b.xlsx", "B7")]
    assert result.included == 2 and result.submission.figure("THU_NS").actual == 15


def test_an_existing_output_is_not_overwritten_without_force(tmp_path, catalog, make_workbook):
    make_workbook(random_figures(catalog, random.Random(1)), name="w/a.xlsx", unit_code="A1")
    output = tmp_path / "city.xlsx"
    output.write_bytes(b"old report")
    with pytest.raises(OutputExists):
        merge([tmp_path / "w"], output, catalog=catalog)
    assert output.read_bytes() == b"old report"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".city")] == []
    merge([tmp_path / "w"], output, catalog=catalog, force=True)
    assert load_workbook(output)[INFO_SHEET]["B1"].value == "THANH_PHO"


def test_the_output_and_the_base_in_the_input_folder_are_not_read_as_wards(tmp_path, catalog, make_workbook):
    make_workbook({"THU_NS": {"actual": 4}}, name="w/a.xlsx", unit_code="A1")
    base = write_base(tmp_path / "w" / "base.xlsx", catalog, [("A1", "Phường A")])
    for _ in range(2):  # the second run finds the first run's output in the folder
        result = merge([tmp_path / "w", tmp_path / "w" / "a.xlsx"], tmp_path / "w" / "city.xlsx", catalog=catalog,
                       base=base, force=True)
        assert [e.file for e in result.register] == ["a.xlsx"]
        assert {f.file for f in result.findings} == {"a.xlsx"}  # its own empty key targets, nothing about the others
        assert result.submission.figure("THU_NS").actual == 4


def test_formula_like_text_from_a_ward_stays_text(tmp_path, catalog, make_workbook):
    typed = lambda book: set_value(book[INFO_SHEET]["B2"], '=HYPERLINK("http://x","y")')  # text, as a ward may type
    make_workbook({"THU_NS": {"actual": 5}}, name="w/a.xlsx", unit_code="A1", edit=typed)
    result = merge([tmp_path / "w"], tmp_path / "city.xlsx", catalog=catalog)
    book = load_workbook(result.output)
    for sheet, address in ((REGISTER_SHEET, "C3"), (MATRIX_SHEET, "E2"), (RANKING_SHEET, "B4"), ("Đơn vị", "B2")):
        cell = book[sheet][address]
        assert cell.value == '=HYPERLINK("http://x","y")' and cell.data_type == "s", (sheet, cell.data_type)


def test_progress_reports_every_file(tmp_path, catalog, make_workbook):
    for k in range(3):
        make_workbook({"THU_NS": {"actual": k}}, name=f"w/{k}.xlsx", unit_code=f"U{k}")
    seen = []
    merge([tmp_path / "w"], tmp_path / "city.xlsx", catalog=catalog, jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3, 3) and len(seen) == 3


def test_cli_merge_json_and_exit_codes(tmp_path, catalog, make_workbook, capsys):
    from xltools.writer import write_catalog_workbook

    write_catalog_workbook(catalog, tmp_path / "dm.xlsx")
    for k in range(2):
        make_workbook(random_ward_figures(catalog, random.Random(k)), name=f"w/{k}.xlsx", unit_code=f"U{k}",
                      unit_name=f"Phường {k}")
    base = write_base(tmp_path / "base.xlsx", catalog, [("U0", "Phường 0"), ("U1", "Phường 1"), ("U2", "Phường 2")])
    book = load_workbook(base)  # the list's titles as a user may retype them: still the list of units
    book["Đơn vị"]["A1"], book["Đơn vị"]["B1"] = " mã  đơn vị", "TÊN ĐƠN VỊ"
    book.save(base)
    code = main(["merge", str(tmp_path / "w"), "-o", str(tmp_path / "c.xlsx"), "--base", str(base), "--json",
                 "--jobs", "1", "--catalog", str(tmp_path / "dm.xlsx")])
    out = json.loads(capsys.readouterr().out)
    assert code == 1  # U2 has not sent its report
    assert out["output"] == str(tmp_path / "c.xlsx")
    assert [(r["unit_code"], r["sent"], r["included"]) for r in out["register"]] == [
        ("U0", True, True), ("U1", True, True), ("U2", False, False)]
    assert [(f["code"], f["severity"]) for f in out["findings"] if f["code"] == "missing-unit"] == [("missing-unit", "warning")]

    code = main(["merge", str(tmp_path / "w"), "-o", str(tmp_path / "c.xlsx"), "--catalog", str(tmp_path / "dm.xlsx")])
    assert code == 2
    assert "đã tồn tại" in capsys.readouterr().err

    code = main(["merge", str(tmp_path / "w" / "0.xlsx"), str(tmp_path / "w" / "1.xlsx"), "-o", str(tmp_path / "d.xlsx"),
                 "--catalog", str(tmp_path / "dm.xlsx")])
    text = capsys.readouterr().out
    assert code == 0
    assert "Đã nhận báo cáo của 2/2 đơn vị; đưa vào tổng hợp 2 tệp." in text

    code = main(["merge", str(tmp_path / "khong-co"), "-o", str(tmp_path / "e.xlsx")])
    assert code == 2
    assert "không tìm thấy" in capsys.readouterr().err


def test_a_city_workbook_larger_than_the_input_limits_is_written_and_never_read_back(tmp_path, catalog, forty,
                                                                                     monkeypatch):
    """Forty wards of random figures: many findings, a city workbook bigger than what merge agrees to read."""
    from xltools import grid as grid_module
    from xltools.grid import Limits
    from xltools.merge import reading

    folder, base, _, _ = forty
    read = []
    real = grid_module.read_grid
    spy = lambda path, *args, **kwargs: read.append(Path(path).name) or real(path, *args, **kwargs)
    monkeypatch.setattr(reading, "read_grid", spy)
    monkeypatch.setattr(grid_module, "read_grid", spy)
    ward_size = max(unzipped(path) for path in folder.iterdir())
    limits = Limits(max_unzipped_bytes=ward_size + 1024)
    result = merge([folder], tmp_path / "city.xlsx", base=base, jobs=1, limits=limits)
    assert not result.ok and result.errors > 100
    assert unzipped(result.output) > limits.max_unzipped_bytes
    assert "city.xlsx" not in read and len(read) == 40
    book = load_workbook(result.output, read_only=True)
    listed = [row for row in book[FINDINGS_SHEET].iter_rows(min_row=4, values_only=True)]
    assert [(row[2], row[4], row[7]) for row in listed] == [(f.file, f.cell, f.code) for f in result.findings]


def unzipped(path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist())


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice(), reason="needs LibreOffice (soffice) on PATH")
def test_libreoffice_opens_a_city_workbook_with_many_findings(tmp_path, forty):
    folder, base, _, _ = forty
    result = merge([folder], tmp_path / "city.xlsx", base=base, jobs=1)
    out = tmp_path / "csv"
    done = subprocess.run(["soffice", "--headless", "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,"
                           "true,false,false,false,-1", "--outdir", str(out), str(result.output)],
                          capture_output=True, timeout=240)
    assert done.returncode == 0, done.stderr
    [sheet] = [p for p in out.iterdir() if p.name.endswith("Kiểm tra.csv")]
    lines = list(csv.reader(sheet.read_text(encoding="utf-8").splitlines()))
    assert [line[7] for line in lines[3:]] == [f.code for f in result.findings]


def test_an_interrupt_while_the_workers_start_is_an_interrupt(tmp_path, catalog, make_workbook, monkeypatch):
    """SIGTERM between the pool's manager thread being made and started: the pool's shutdown cannot join it, and
    that must not replace the interrupt (the user would read «lỗi ngoài dự kiến» instead of «Đã dừng»)."""
    from concurrent.futures import process

    from xltools.merge.reading import read_wards

    paths = [make_workbook({}, name=f"w{k}.xlsx") for k in range(2)]

    def interrupted(self):
        raise KeyboardInterrupt

    monkeypatch.setattr(process._ExecutorManagerThread, "start", interrupted)
    with pytest.raises(KeyboardInterrupt):
        read_wards(paths, catalog, jobs=2)
    assert multiprocessing.active_children() == []  # no worker left waiting: the interpreter would wait for it at exit
