"""The default catalog (xltools/data/catalog.csv) and the city's 2022 figures (xltools/data/city_2022.csv).

Both come from seed 003, the Hà Tĩnh city report on 2022. Its opening paragraph says
"25 chỉ tiêu chủ yếu, có 22/25 chỉ tiêu đạt và vượt kế hoạch (9 chỉ tiêu vượt kế hoạch, 13
chỉ tiêu đạt), 4 chỉ tiêu không đạt": 9 + 13 + 4 = 26, not 25, and 22 + 4 = 26 too. The
seed's own arithmetic is inconsistent. Its footnotes name the targets: footnote 1 lists 9
exceeded, footnote 2 lists 12 met (not 13) and footnote 3 lists 4 missed, 25 in all. We
follow the footnotes: the city figures must evaluate to 9 exceeded, 12 met, 4 missed, with
exactly the targets the footnotes name.
"""

from __future__ import annotations

import csv
import math
import re
from importlib import resources
from pathlib import Path

import pytest

from xltools.catalog import (ACCUMULATIONS, COLUMNS, DIRECTIONS, KINDS, RULES, catalog_from_rows, default_catalog,
                             load_catalog)
from xltools.errors import CatalogError
from xltools.demo import CITY, city_figures
from xltools.evaluate import evaluate, key_summary
from xltools.grid import read_grid
from xltools.layout import INPUT_FIELDS
from xltools.parse import parse_grid
from xltools.writer import build_workbook, save_workbook, write_catalog_workbook, write_figures

# (name as footnote 1-3 of seed 003 writes it, catalog code)
FOOTNOTE_EXCEEDED = [
    ("Tăng trưởng kinh tế", "TANG_TRUONG"),
    ("Thu ngân sách", "THU_NS"),
    ("Thành lập mới doanh nghiệp, HTX", "DN_HTX_MOI"),
    ("Thu nhập bình quân đầu người", "THU_NHAP_BQ"),
    ("Xây dựng Tổ dân phố mẫu", "TDP_MAU"),
    ("Tỷ lệ TTHC được triển khai dịch vụ công trực tuyến mức độ 3 và 4", "TTHC_DVC_TL"),
    ("Tỷ lệ hồ sơ thủ tục hành chính tiếp nhận và xử lý qua dịch vụ công trực tuyến mức độ 3 và 4", "HS_DVC_TL"),
    ("Tỷ lệ DVC trực tuyến mức độ 3 và mức độ 4 có phát sinh hồ sơ", "DVC_PHAT_SINH_TL"),
    ("Thảm nhựa", "THAM_NHUA_M2"),
]
FOOTNOTE_MET = [
    ("Tỷ lệ người dân tham gia BHYT", "BHYT_TL"),
    ("Giảm tỷ lệ trẻ e dưới 5 tuổi bị suy dinh dưỡng", "SDD_TL"),
    ("Tỷ lệ hộ gia đình đạt chuẩn văn hóa", "HO_VH_TL"),
    ("Tỷ lệ thôn, xóm, tổ dân phố đạt chuẩn văn hóa", "TDP_VH_TL"),
    ("Giảm tỷ lệ hộ nghèo theo chuẩn đa chiều", "HO_NGHEO_TL"),
    ("Xây dựng Khu dân cư mẫu", "KDC_MAU"),
    ("Xây dựng phường Trần Phú đạt chuẩn đô thị văn minh kiểu mẫu", "PHUONG_VMDT_KM"),
    ("Xây dựng đường giao thông", "DUONG_GT_KM"),
    ("Mương, rãnh thoát nước", "MUONG_RANH_KM"),
    ("Xây dựng thêm Tuyến phố văn minh đô thị", "TUYEN_PHO_VM"),
    ("Tỷ lệ cơ quan, đơn vị, doanh nghiệp đạt chuẩn văn hóa", "CQ_VH_TL"),
    ("Tỷ lệ chất thải rắn đô thị được thu gom, vận chuyển, xử lý", "CTR_TL"),
]
FOOTNOTE_MISSED = [
    ("Tổng vốn đầu tư phát triển toàn xã hội", "VON_DTPT"),
    ("Giá trị thu nhập trên 1 đơn vị diện tích canh tác", "GT_HA_CANH_TAC"),
    ("Tổng số trường được công nhận đạt chuẩn quốc gia", "TRUONG_CHUAN_QG"),
    ("Trồng mới cây xanh", "CAY_XANH_MOI"),
]
# Catalog names that differ from the footnote wording, and the wording they take instead.
RENAMED = {
    "SDD_TL": "Tỷ lệ trẻ em dưới 5 tuổi bị suy dinh dưỡng",  # the footnote's "trẻ e" is a typo; the value is the rate
    "HO_NGHEO_TL": "Tỷ lệ hộ nghèo theo chuẩn đa chiều",  # the value is the rate; "giảm" is the direction
    "GT_HA_CANH_TAC": "Giá trị sản phẩm thu nhập trên 1 ha canh tác",  # the wording of the 2023 target list
}


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


@pytest.fixture(scope="module")
def city():
    return city_figures()


@pytest.fixture(scope="module")
def city_results(catalog, city, tmp_path_factory):
    """Evaluate the city's 2022 figures the way the report does: written into a city workbook and read back."""
    book = build_workbook(catalog, unit_code=CITY[0], unit_name=CITY[1], year=2022, period="Năm", city=True)
    write_figures(book, city)
    path = tmp_path_factory.mktemp("city") / "thanh-pho.xlsx"
    save_workbook(book, path)
    submission = parse_grid(read_grid(path))
    assert submission.problems == []
    return evaluate(submission, catalog)


def test_catalog_file_header_is_the_english_field_names():
    text = resources.files("xltools.data").joinpath("catalog.csv").read_text(encoding="utf-8")
    header = next(csv.reader(text.splitlines()))
    assert header == list(COLUMNS)


def test_default_catalog_size_codes_and_words(catalog):
    assert len(catalog) >= 60
    assert all(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", ind.code) for ind in catalog)
    assert len({ind.code for ind in catalog}) == len(catalog)
    assert {ind.kind for ind in catalog} == set(KINDS.values())
    assert {ind.direction for ind in catalog} == set(DIRECTIONS.values())
    assert {ind.rule for ind in catalog} == set(RULES.values())
    for ind in catalog:
        assert ind.name and ind.unit and ind.group, ind.code


def test_exactly_25_key_targets_numbered_1_to_25(catalog):
    keys = catalog.key_targets
    assert [ind.key for ind in keys] == list(range(1, 26))
    assert [ind.code for ind in keys][:6] == ["TANG_TRUONG", "DN_HTX_MOI", "THU_NS", "THU_NHAP_BQ", "VON_DTPT",
                                              "GT_HA_CANH_TAC"]
    assert keys[-1].code == "CAY_XANH_MOI"
    # Grouped as the 2023 target list of seed 003 groups them (a) to e)).
    groups = [ind.key_group for ind in keys]
    assert groups == ["Kinh tế"] * 6 + ["Văn hóa - xã hội"] * 9 + ["Cải cách hành chính"] * 3 \
        + ["Chương trình mục tiêu"] * 3 + ["Nghị quyết 02 của BCH Đảng bộ thành phố"] * 4
    # Several ward-level key targets name their leading and lagging wards.
    ranked = {ind.code for ind in catalog if ind.rank}
    assert {"THU_NS", "DN_HTX_MOI", "BHYT_TL", "HO_NGHEO_TL", "CAY_XANH_MOI"} <= ranked
    assert all(catalog[code].ward_entered for code in ranked)


def test_footnote_names_are_the_catalog_names(catalog):
    for footnote, code in FOOTNOTE_EXCEEDED + FOOTNOTE_MET + FOOTNOTE_MISSED:
        assert catalog[code].name == RENAMED.get(code, footnote)
    named = {code for _, code in FOOTNOTE_EXCEEDED + FOOTNOTE_MET + FOOTNOTE_MISSED}
    assert named == {ind.code for ind in catalog.key_targets}


def test_ratios_weights_and_parents_name_existing_codes(catalog):
    ratios = [ind for ind in catalog if ind.rule == "ratio"]
    assert len(ratios) >= 8
    for ind in ratios:
        assert ind.numerator in catalog.by_code and ind.denominator in catalog.by_code, ind.code
        assert catalog[ind.numerator].ward_entered and catalog[ind.denominator].ward_entered, ind.code
        assert catalog[ind.numerator].unit == catalog[ind.denominator].unit, ind.code
    for ind in catalog:
        if ind.rule == "weighted":
            assert catalog[ind.weight].rule == "sum", ind.code
        if ind.parent:
            parent = catalog[ind.parent]
            assert parent.unit == ind.unit or parent.code == "DN_HTX_MOI", ind.code
            assert parent.rule == ind.rule == "sum", ind.code
    assert [c.code for c in catalog.children("THU_NS")] == ["THU_THUE_PHI", "THU_TIEN_SDD"]
    assert [c.code for c in catalog.children("GTSX")] == ["GTSX_TMDV", "GTSX_CNXD", "GTSX_NLTS"]


def test_directions_bounds_decimals(catalog):
    assert catalog["SDD_TL"].direction == "lower"
    assert catalog["HO_NGHEO_TL"].direction == "reduce_by"
    assert catalog["TANG_TRUONG"].rule == catalog["THU_NHAP_BQ"].rule == catalog["VON_DTPT"].rule == "city"
    for ind in catalog:
        if ind.kind == "rate" and ind.unit == "%":
            assert (ind.min, ind.max, ind.decimals) == (0, 100, 2), ind.code
        if ind.kind == "count":
            assert ind.decimals == 0, ind.code
        if ind.unit == "tỷ đồng":
            assert ind.decimals in (1, 2), ind.code
    assert catalog["THU_NS"].jump == 30


def test_sections_belong_to_their_group(catalog):
    """A section "1.4. …" sits under group "1. …", as the headings of seed 003 nest."""
    for ind in catalog:
        number = ind.group.split(".")[0]
        assert number.isdigit(), ind.group
        if ind.section:
            assert ind.section.startswith(number + "."), (ind.code, ind.section)
    sections = list(dict.fromkeys(ind.section for ind in catalog if ind.section))
    assert "1.4. Tài chính, tín dụng" in sections
    assert sections == sorted(sections, key=lambda s: [int(n) for n in s.split(" ")[0].rstrip(".").split(".")])


def test_city_figures_cover_the_catalog_and_name_their_source(catalog, city):
    assert set(city) == {ind.code for ind in catalog}
    text = resources.files("xltools.data").joinpath("city_2022.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert all(row["source"].strip() for row in rows)
    for ind in catalog:
        assert city[ind.code]["actual"] is not None, ind.code
    assert city["THU_NS"]["actual"] == 1172.5
    assert city["GTSX"]["actual"] == 14672.0
    assert city["LUA_DT"]["actual"] == 2447.6 and city["LUA_DT"]["plan"] == 2516.0
    assert city["HO_NGHEO"]["actual"] == 467 and city["HO_NGHEO_TL"]["actual"] == 1.52
    assert city["DN_MOI"]["actual"] == 394 and city["GPXD"]["actual"] == 1210


def test_parent_groups_add_up_in_the_city_figures(catalog, city):
    parents = [ind for ind in catalog if catalog.children(ind.code)]
    assert len(parents) >= 5
    for ind in parents:
        for name in INPUT_FIELDS:
            parts = [city[c.code][name] for c in catalog.children(ind.code)]
            total = city[ind.code][name]
            if total is None:
                assert all(p is None for p in parts), (ind.code, name)
                continue
            assert math.isclose(math.fsum(p for p in parts if p is not None), total, abs_tol=1e-6), (ind.code, name)


def test_city_rates_are_their_numerator_over_denominator(catalog, city):
    for ind in catalog:
        if ind.rule != "ratio":
            continue
        for name in ("last_year", "actual"):
            top, bottom = city[ind.numerator][name], city[ind.denominator][name]
            if top is None or bottom is None:
                assert city[ind.code][name] is None or name == "last_year", (ind.code, name)
                continue
            assert top <= bottom, (ind.code, name)
            assert round(top / bottom * 100, ind.decimals) == city[ind.code][name], (ind.code, name)


def test_key_summary_follows_the_footnotes(city_results):
    summary = key_summary(city_results)
    by_code = {r.code: r for r in city_results}
    assert summary.total == 25
    assert [r.code for r in summary.exceeded] == sorted((c for _, c in FOOTNOTE_EXCEEDED), key=lambda c: by_code[c].indicator.key)
    assert {r.code for r in summary.met} == {c for _, c in FOOTNOTE_MET}
    assert {r.code for r in summary.missed} == {c for _, c in FOOTNOTE_MISSED}
    assert (len(summary.exceeded), len(summary.met), len(summary.missed), summary.unknown) == (9, 12, 4, [])
    assert summary.reached == 21
    assert summary.names("missed") == ["Tổng vốn đầu tư phát triển toàn xã hội",
                                       "Giá trị sản phẩm thu nhập trên 1 ha canh tác",
                                       "Tổng số trường được công nhận đạt chuẩn quốc gia", "Trồng mới cây xanh"]


def test_city_percentages_quote_the_seed(city_results):
    by_code = {r.code: r for r in city_results}
    # "Tổng thu ngân sách … ước đạt 1.172,5 tỷ đồng, vượt 17% kế hoạch năm"
    assert round(by_code["THU_NS"].pct_plan) == 117
    # "thuế phí … bằng 119% KH", "tiền sử dụng đất … 116% KH thành phố, bằng 94% so với cùng kỳ"
    assert round(by_code["THU_THUE_PHI"].pct_plan) == 119
    assert round(by_code["THU_TIEN_SDD"].pct_plan) == 116 and round(by_code["THU_TIEN_SDD"].pct_last_year) == 94
    # "Tổng giá trị sản xuất … 14.672 tỷ đồng, bằng 100,6%KH"; the three sectors' growth
    assert round(by_code["GTSX"].pct_plan, 1) == 100.6
    assert round(by_code["GTSX_TMDV"].change, 2) == 14.33
    assert round(by_code["GTSX_CNXD"].change, 2) == 7.07
    assert round(by_code["GTSX_NLTS"].change, 2) == 0.76
    # "118.979 m2 thảm nhựa vượt 18,98 % kế hoạch"; "394 doanh nghiệp … tăng 32%"
    assert round(by_code["THAM_NHUA_M2"].pct_plan - 100, 2) == 18.98
    assert round(by_code["DN_MOI"].change) == 32
    # Poverty down 0,3 points: a reduce-by target met exactly; malnutrition under its ceiling.
    assert by_code["HO_NGHEO_TL"].status == "met" and round(by_code["HO_NGHEO_TL"].change, 2) == -0.3
    assert by_code["SDD_TL"].status == "met" and by_code["SDD_TL"].change_unit == "điểm"


def test_catalog_round_trips_through_its_workbook(catalog, tmp_path):
    path = tmp_path / "danh-muc.xlsx"
    write_catalog_workbook(catalog, path)
    loaded = load_catalog(path)
    assert loaded.indicators == catalog.indicators
    assert loaded.version == catalog.version
    assert load_catalog(None).version == catalog.version


def test_the_default_catalog_says_how_every_indicator_accumulates(catalog):
    text = resources.files("xltools.data").joinpath("catalog.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len(rows) == len(catalog) == 102
    assert all(row["accumulation"] in ACCUMULATIONS for row in rows)
    how = {ind.code: ind.accumulates for ind in catalog}
    # Amounts add up; stocks and levels are the figure at the period's end; rates and means are worked out again.
    assert how["THU_NS"] == how["GPXD"] == how["VON_DTPT"] == how["LUA_DT"] == "sum"
    assert how["HO_NGHEO"] == how["TRUONG_CHUAN_QG"] == how["TRAU_BO"] == how["DU_NO"] == how["TANG_TRUONG"] == "last"
    assert how["BHYT_TL"] == how["HS_DVC_TL"] == how["LUA_NS"] == "recompute"
    assert how["GT_HA_CANH_TAC"] == "sum"  # a yearly income per hectare: the months' incomes add up
    assert {ind.accumulates for ind in catalog if ind.rule == "ratio"} == {"recompute"}


def test_accumulation_defaults_to_the_kind_and_is_checked():
    from conftest import small_catalog

    catalog = small_catalog()  # no accumulation column
    assert {ind.code: ind.accumulates for ind in catalog if ind.code in
            ("THU_NS", "DN_MOI", "LUA_NS", "HO_NGHEO_TL", "SDD_TL", "TANG_TRUONG")} == {
        "THU_NS": "sum", "DN_MOI": "sum", "LUA_NS": "recompute", "HO_NGHEO_TL": "recompute", "SDD_TL": "last",
        "TANG_TRUONG": "last"}
    header = [COLUMNS[name] for name in ("code", "name", "unit", "accumulation")]
    with pytest.raises(CatalogError, match="«tính lại» nhưng chỉ tiêu không tổng hợp theo tỷ lệ hay bình quân"):
        catalog_from_rows([header, ["THU_NS", "Thu ngân sách", "tỷ đồng", "tính lại"]], "test")
    with pytest.raises(CatalogError, match="chỉ được ghi «cộng dồn», «số cuối kỳ», «tính lại»"):
        catalog_from_rows([header, ["THU_NS", "Thu ngân sách", "tỷ đồng", "bình quân"]], "test")
    assert catalog_from_rows([header, ["HO", "Số hộ", "hộ", "Số cuối kỳ"]], "test")["HO"].accumulation == "last"


def test_the_staff_guide_explains_every_catalog_column():
    guide = (Path(__file__).parent.parent / "docs" / "huong-dan.md").read_text(encoding="utf-8")
    start = guide.index("## 9. Danh mục chỉ tiêu")
    end = guide.find("\n## ", start)
    chapter = guide[start:end if end != -1 else None]
    for title in COLUMNS.values():
        assert f"**{title}**" in chapter, title
    for words in (KINDS, DIRECTIONS, RULES, ACCUMULATIONS):
        for word in words:
            assert f"`{word}`" in chapter, word
