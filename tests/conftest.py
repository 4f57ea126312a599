"""Shared fixtures: catalogs and workbooks built in code."""

from __future__ import annotations

import shutil

import pytest

from xltools.catalog import COLUMNS, catalog_from_rows, default_catalog
from xltools.writer import build_workbook, save_workbook, write_figures

# A small catalog that covers every kind, direction and consolidation rule.
SMALL = [
    # code, name, unit, group, section, kind, direction, rule, numerator, denominator, weight, key, parent, min, max, jump, decimals
    ("THU_NS", "Tổng thu ngân sách", "tỷ đồng", "1. Kinh tế", "1.4. Tài chính", "giá trị", "tăng", "cộng", "", "", "", 1, "", 0, None, 30, 1),
    ("THU_THUE", "Thu thuế, phí", "tỷ đồng", "1. Kinh tế", "1.4. Tài chính", "giá trị", "tăng", "cộng", "", "", "", None, "THU_NS", 0, None, 30, 1),
    ("THU_DAT", "Thu tiền sử dụng đất", "tỷ đồng", "1. Kinh tế", "1.4. Tài chính", "giá trị", "tăng", "cộng", "", "", "", None, "THU_NS", 0, None, 30, 1),
    ("DN_MOI", "Doanh nghiệp thành lập mới", "doanh nghiệp", "1. Kinh tế", "1.5. Doanh nghiệp", "số lượng", "tăng", "cộng", "", "", "", 2, "", 0, None, 50, 0),
    ("LUA_DT", "Diện tích lúa", "ha", "1. Kinh tế", "1.6. Nông nghiệp", "giá trị", "tăng", "cộng", "", "", "", None, "", 0, None, 30, 1),
    ("LUA_NS", "Năng suất lúa", "tạ/ha", "1. Kinh tế", "1.6. Nông nghiệp", "giá trị", "tăng", "bình quân", "", "", "LUA_DT", None, "", 0, 120, 30, 2),
    ("HO_TONG", "Tổng số hộ", "hộ", "2. Văn hóa - xã hội", "", "số lượng", "tăng", "cộng", "", "", "", None, "", 0, None, 20, 0),
    ("HO_NGHEO", "Số hộ nghèo", "hộ", "2. Văn hóa - xã hội", "", "số lượng", "giảm", "cộng", "", "", "", None, "", 0, None, 50, 0),
    ("HO_NGHEO_TL", "Tỷ lệ hộ nghèo", "%", "2. Văn hóa - xã hội", "", "tỷ lệ", "giảm bớt", "tỷ lệ", "HO_NGHEO", "HO_TONG", "", 3, "", 0, 100, None, 2),
    ("SDD_TL", "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng", "%", "2. Văn hóa - xã hội", "", "tỷ lệ", "giảm", "thành phố", "", "", "", 4, "", 0, 100, None, 2),
    ("TANG_TRUONG", "Tăng trưởng kinh tế", "%", "1. Kinh tế", "", "tăng trưởng", "tăng", "thành phố", "", "", "", 5, "", None, None, None, 2),
]
FIELDS = ["code", "name", "unit", "group", "section", "kind", "direction", "rule", "numerator", "denominator",
          "weight", "key", "parent", "min", "max", "jump", "decimals"]


def small_catalog():
    header = [COLUMNS[name] for name in FIELDS]
    return catalog_from_rows([header, *[list(row) for row in SMALL]], source="test")


@pytest.fixture
def catalog():
    return small_catalog()


@pytest.fixture(scope="session")
def full_catalog():
    return default_catalog()


@pytest.fixture
def make_workbook(tmp_path, catalog):
    """Return a function that writes a ward workbook with `figures` and returns its path."""

    def make(figures=None, name="ward.xlsx", unit_code="TRAN_PHU", unit_name="Phường Trần Phú", year=2022,
             period="Năm", notes=None, catalog=catalog, city=False, edit=None):
        book = build_workbook(catalog, unit_code=unit_code, unit_name=unit_name, year=year, period=period, city=city)
        write_figures(book, figures or {}, notes)
        if edit:
            edit(book)
        path = tmp_path / name
        save_workbook(book, path, force=True)
        return path

    return make


def have_soffice() -> bool:
    return shutil.which("soffice") is not None


def report_of(path, catalog=None, date=None) -> str:
    """Return the plain text of the report of the workbook file at `path`, as `xltools report` writes it."""
    from xltools.report import read_report_source, report_text

    sub, judged, ranking = read_report_source(path, catalog)
    return report_text(sub, judged, ranking, date)


def context_of(path, catalog=None):
    """Return the report context of the workbook file at `path`."""
    from xltools.report import build_context, read_report_source

    sub, judged, ranking = read_report_source(path, catalog)
    return build_context(sub, judged, ranking)
