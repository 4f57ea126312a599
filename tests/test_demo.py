"""The demo: 15 ward workbooks split from the city's 2022 figures, with six planted slips."""

from __future__ import annotations

import math

import pytest
from openpyxl import load_workbook

from xltools import demo
from xltools.catalog import default_catalog
from xltools.errors import XltoolsError
from xltools.evaluate import evaluate, key_summary
from xltools.grid import read_grid
from xltools.layout import DATA_SHEET, INPUT_FIELDS
from xltools.parse import parse_grid

EXPECTED_RULES = {"not-a-number", "parts-sum", "pct-plan-typed", "yoy-jump", "numerator-gt-denominator",
                  "required-empty"}


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


@pytest.fixture(scope="module")
def city():
    return demo.city_figures()


@pytest.fixture(scope="module")
def written(tmp_path_factory, catalog):
    folder = tmp_path_factory.mktemp("demo") / "phuong-xa"
    return demo.write_demo_wards(folder, catalog)


@pytest.fixture(scope="module")
def subs(written):
    return {sub.unit_code: sub for sub in (parse_grid(read_grid(path)) for path in written)}


def _slipped(code: str, name: str) -> bool:
    return any(s.code == code and s.field == name for s in demo.SLIPS)


def test_slips_are_varied_and_name_their_finding(catalog):
    slips = demo.SLIPS
    assert 5 <= len(slips) <= 7
    assert {s.rule for s in slips} == EXPECTED_RULES
    assert len({s.ward for s in slips}) == len(slips)  # each in a different ward
    ward_codes = {code for code, *_ in demo.WARDS}
    for slip in slips:
        assert slip.ward in ward_codes and slip.code in catalog.by_code and slip.what
    empty = next(s for s in slips if s.rule == "required-empty")
    assert catalog[empty.code].key and catalog[empty.code].ward_entered
    parts = next(s for s in slips if s.rule == "parts-sum")
    assert catalog.children(parts.code)
    wards = demo.ward_figures(catalog, demo.city_figures())
    assert demo.plant_slips(wards, catalog) == slips


def test_fifteen_workbooks_parse_with_only_the_planted_text_problem(written, subs):
    assert len(written) == 15
    assert [p.name for p in written][:2] == ["tran-phu-2022.xlsx", "nam-ha-2022.xlsx"]
    assert list(subs) == [code for code, *_ in demo.WARDS]
    for code, name, *_ in demo.WARDS:
        sub = subs[code]
        assert (sub.unit_name, sub.year, sub.period_label, sub.period.label) == (name, 2022, "Năm", "Năm")
        if code == "THACH_HA":
            assert [(p.code, p.indicator) for p in sub.problems] == [("not-a-number", "HKD_MOI")]
            assert sub.figure("HKD_MOI").raw["actual"].startswith("khoảng ")
        else:
            assert sub.problems == []


def test_ward_sums_equal_the_city_figures(catalog, city, subs):
    checked = 0
    for ind in catalog:
        if ind.rule != "sum" or not ind.ward_entered:
            continue
        for name in INPUT_FIELDS:
            values = [sub.figure(ind.code).value(name) for sub in subs.values()]
            if _slipped(ind.code, name):
                continue
            if city[ind.code][name] is None:
                assert all(v is None for v in values), (ind.code, name)
                continue
            assert all(v is not None for v in values), (ind.code, name)
            assert math.isclose(math.fsum(values), city[ind.code][name], abs_tol=1e-6), (ind.code, name)
            checked += 1
    assert checked > 150


def test_wards_parts_add_up_and_rates_follow_their_parts(catalog, subs):
    for code, sub in subs.items():
        for ind in catalog:
            if catalog.children(ind.code) and not _slipped(ind.code, "actual"):
                for name in INPUT_FIELDS:
                    parts = [sub.figure(c.code).value(name) for c in catalog.children(ind.code)]
                    if all(p is None for p in parts):
                        continue
                    total = sub.figure(ind.code).value(name)
                    assert abs(math.fsum(parts) - total) < 10 ** -ind.decimals / 2, (code, ind.code, name)
            if ind.rule == "ratio":
                for name in ("last_year", "actual"):
                    top = sub.figure(ind.numerator).value(name)
                    bottom = sub.figure(ind.denominator).value(name)
                    if top is None or not bottom:
                        continue
                    if (code, ind.numerator) != ("THACH_QUY", "VX_18_M3"):
                        assert top <= bottom, (code, ind.code, name)
                        assert sub.figure(ind.code).value(name) == round(top / bottom * 100, ind.decimals)


def test_weighted_means_weigh_back_to_the_city_value(catalog, city, subs):
    weighted = [ind for ind in catalog if ind.rule == "weighted"]
    assert {ind.code for ind in weighted} >= {"LUA_NS", "GT_HA_CANH_TAC"}
    for ind in weighted:
        for name in ("last_year", "actual"):
            pairs = [(sub.figure(ind.code).value(name), sub.figure(ind.weight).value(name)) for sub in subs.values()]
            mean = math.fsum(v * w for v, w in pairs) / math.fsum(w for _, w in pairs)
            assert abs(mean - city[ind.code][name]) < 10 ** -ind.decimals / 2, (ind.code, name, mean)
            assert len({v for v, _ in pairs}) > 3  # the wards differ


def test_the_single_ward_target_and_the_planted_values(catalog, written, subs):
    trophy = [sub.figure("PHUONG_VMDT_KM").actual for sub in subs.values()]
    assert trophy == [1] + [0] * 14  # only Trần Phú
    # parts-sum: Nam Hà's total is 25 tỷ đồng more than its parts.
    nam_ha = subs["NAM_HA"]
    parts = nam_ha.figure("THU_THUE_PHI").actual + nam_ha.figure("THU_TIEN_SDD").actual
    assert round(nam_ha.figure("THU_NS").actual - parts, 1) == 25.0
    # pct-plan-typed: Bắc Hà's cell holds a typed number instead of the formula.
    book = load_workbook(next(p for p in written if p.name.startswith("bac-ha")))
    sheet = book[DATA_SHEET]
    cell = sheet[subs["BAC_HA"].figure("THU_THUE_PHI").cells["pct_plan"]]
    assert cell.value in (119, 125)
    other = sheet[subs["BAC_HA"].figure("THU_TIEN_SDD").cells["pct_plan"]]
    assert str(other.value).startswith("=IF(")
    # yoy-jump: ten times last year's permits; required-empty: an empty key target.
    tan_giang = subs["TAN_GIANG"].figure("GPXD")
    assert tan_giang.actual > 5 * tan_giang.last_year
    assert subs["DONG_MON"].figure("CAY_XANH_MOI").actual is None
    assert subs["DONG_MON"].figure("CAY_XANH_MOI").plan is not None
    # numerator-gt-denominator: Thạch Quý's third doses exceed its adults.
    thach_quy = subs["THACH_QUY"]
    assert thach_quy.figure("VX_18_M3").actual > thach_quy.figure("DS_18").actual


def test_the_demo_is_reproducible(tmp_path, catalog, written):
    again = demo.write_demo_wards(tmp_path / "again", catalog)
    assert [p.name for p in again] == [p.name for p in written]
    for first, second in zip(written, again):
        a, b = read_grid(first), read_grid(second)
        assert a.sheet(DATA_SHEET) == b.sheet(DATA_SHEET), first.name
        assert a.sheets.keys() == b.sheets.keys()


def test_writing_over_an_existing_workbook_needs_force(tmp_path, catalog):
    folder = tmp_path / "wards"
    folder.mkdir()
    (folder / "tran-phu-2022.xlsx").write_bytes(b"old")
    with pytest.raises(XltoolsError):
        demo.write_demo_wards(folder, catalog)
    assert (folder / "tran-phu-2022.xlsx").read_bytes() == b"old"
    assert [p.name for p in folder.iterdir()] == ["tran-phu-2022.xlsx"]


def test_consolidated_demo_reproduces_the_seed_summary(tmp_path, catalog, city, written):
    """Merged, the wards give back the city figures (but where a slip was planted) and the 9/12/4 summary."""
    from xltools.merge import merge

    base = demo.write_city_base(tmp_path / "thanh-pho-co-so.xlsx", catalog)
    result = merge(written, tmp_path / "thanh-pho.xlsx", catalog=catalog, base=base)
    sub = result.submission
    summary = key_summary(evaluate(sub, catalog))
    assert (len(summary.exceeded), len(summary.met), len(summary.missed), len(summary.unknown)) == (9, 12, 4, 0)
    slipped_codes = {s.code for s in demo.SLIPS} | {"VX_18_M3_TL"}
    for ind in catalog:
        if ind.code in slipped_codes:
            continue
        for name in INPUT_FIELDS:
            got, want = sub.figure(ind.code).value(name), city[ind.code][name]
            assert (got is None) == (want is None), (ind.code, name)
            if want is not None:
                assert abs(got - want) < 10 ** -ind.decimals / 2 + 1e-9, (ind.code, name, got, want)
    assert {(f.code, f.indicator) for f in result.findings} == {(s.rule, s.code) for s in demo.SLIPS}


def test_demo_command_writes_the_wards_and_the_city_base(tmp_path):
    from xltools.cli import main

    out = tmp_path / "demo-output"
    assert main(["demo", "-o", str(out)]) == 0
    assert len(list((out / "phuong-xa").glob("*.xlsx"))) == 15
    city = parse_grid(read_grid(out / "thanh-pho-co-so.xlsx"))
    assert city.unit_code == demo.CITY[0] and city.level == "Thành phố"
    assert city.figure("TANG_TRUONG").actual == 11.67
    assert city.figure("THU_NS").actual is None  # a ward figure: filled by merge, not in the base


def test_another_catalog_gets_the_shared_codes_split_and_no_slips():
    from conftest import small_catalog

    small = small_catalog()
    wards = demo.ward_figures(small, demo.city_figures())
    assert demo.plant_slips(wards, small) == []  # the slips' indicators are not all there, none is forced
    # DN_MOI is in both catalogs: split the same way, adding up to the city's 394.
    assert sum(wards[code]["DN_MOI"]["actual"] for code, *_ in demo.WARDS) == 394
    # THU_NS's parts have other codes in the small catalog, so it has no ward figures to add up.
    assert all(wards[code]["THU_NS"]["actual"] is None for code, *_ in demo.WARDS)
    assert {round(wards[code]["HO_NGHEO_TL"]["plan"], 2) for code, *_ in demo.WARDS} == {0.3}


def test_demo_runs_the_whole_pipeline(tmp_path, capsys):
    """`xltools demo`: wards, their checks, the merged city workbook and two reports, from nothing."""
    from docx import Document

    from xltools.cli import main
    from xltools.grid import read_grid
    from xltools.parse import parse_grid

    assert main(["demo", "-o", str(tmp_path), "--force"]) == 0
    out = capsys.readouterr().out
    assert "Đã kiểm tra 15 tệp: 5 lỗi, 1 cảnh báo." in out and "Đã tổng hợp 15/15 đơn vị" in out
    assert sorted(p.name for p in (tmp_path / "kiem-tra").iterdir()) == sorted(
        f"{slip.ward.lower().replace('_', '-')}-2022.xlsx" for slip in demo.SLIPS)
    city = parse_grid(read_grid(tmp_path / "thanh-pho-tong-hop.xlsx"))
    assert city.unit_name == "Thành phố Hà Tĩnh" and len(city.figures) == len(default_catalog())
    document = Document(tmp_path / "bao-cao-thanh-pho.docx")
    header = "\n".join(cell.text for cell in document.tables[0]._cells)
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ỦY BAN NHÂN DÂN" in header and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header
    assert "BÁO CÁO" in text and "đề ra 25 chỉ tiêu chủ yếu" in text
    assert (tmp_path / "bao-cao-tran-phu-2022.docx").stat().st_size > 10_000
