import math
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from conftest import have_soffice
from xltools.catalog import CATALOG_SHEET, catalog_from_rows
from xltools.evaluate import evaluate
from xltools.grid import read_grid
from xltools.layout import DATA_SHEET, GUIDE_SHEET, INFO_SHEET, NOTES_SHEET
from xltools.parse import parse_grid
from xltools.writer import build_workbook, save_workbook

FIGURES = {
    "THU_NS": {"plan": 1002.1, "last_year": 1138.3, "actual": 1172.5},
    "THU_THUE": {"plan": 700, "last_year": 0, "actual": 650.25},  # zero base: no % so với cùng kỳ
    "DN_MOI": {"plan": 300, "last_year": 350, "actual": 394},
    "LUA_DT": {"plan": 2516, "last_year": 2500, "actual": 2447.6},
    "HO_NGHEO_TL": {"plan": 0.3, "last_year": 2.45, "actual": 2.1},  # reduce by 0,3 points
    "HO_NGHEO": {"plan": None, "last_year": 10, "actual": 12},       # no plan: no % KH
}


def test_ward_workbook_layout(make_workbook, catalog):
    book = load_workbook(make_workbook())
    assert book.sheetnames == [GUIDE_SHEET, INFO_SHEET, DATA_SHEET, NOTES_SHEET, CATALOG_SHEET]
    assert book[CATALOG_SHEET].sheet_state == "hidden"
    data = book[DATA_SHEET]
    assert data.protection.sheet and data.freeze_panes == "E5"
    assert int(data.page_setup.paperSize) == int(data.PAPERSIZE_A4) and data.page_setup.fitToWidth == 1
    row = 7  # group heading, section heading, first indicator
    assert data[f"A{row}"].value == "THU_NS"
    assert data[f"G{row}"].protection.locked is False and data[f"C{row}"].protection.locked is True
    assert data[f"H{row}"].value.startswith("=IF(")
    # city-only indicators are locked in a ward workbook
    tang_truong = next(r for r in range(5, 40) if data[f"A{r}"].value == "TANG_TRUONG")
    assert data[f"G{tang_truong}"].protection.locked is True
    # data validation covers the input cells
    ranges = " ".join(str(dv.sqref) for dv in data.data_validations.dataValidation)
    assert f"G{row}" in ranges
    # the hidden catalog copy reads back as the same catalog
    hidden = [list(r) for r in book[CATALOG_SHEET].iter_rows(values_only=True)]
    assert catalog_from_rows(hidden, "copy").version == catalog.version


def test_city_workbook_lets_the_city_enter_city_level_figures(make_workbook):
    book = load_workbook(make_workbook(city=True, unit_code="THANH_PHO", unit_name="Thành phố Hà Tĩnh"))
    data = book[DATA_SHEET]
    tang_truong = next(r for r in range(5, 40) if data[f"A{r}"].value == "TANG_TRUONG")
    assert data[f"G{tang_truong}"].protection.locked is False
    assert "Đơn vị" in book.sheetnames


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice(), reason="LibreOffice is not installed")
def test_libreoffice_recalculates_the_same_percentages_as_python(make_workbook, catalog, tmp_path):
    path = make_workbook(FIGURES)
    out = tmp_path / "recalc"
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
        check=True, capture_output=True, timeout=180,
    )
    recalculated = parse_grid(read_grid(out / path.name))
    results = {r.code: r for r in evaluate(parse_grid(read_grid(path)), catalog)}
    checked = 0
    for code, fig in recalculated.figures.items():
        for name in ("pct_plan", "pct_last_year"):
            ours = getattr(results[code], name)
            theirs = getattr(fig, name)
            if ours is None:
                assert theirs is None, (code, name, theirs)
            else:
                assert math.isclose(theirs, ours, rel_tol=1e-12), (code, name, theirs, ours)
                checked += 1
    assert checked == 10  # every figure above whose base is usable
    assert results["LUA_DT"].pct_plan == pytest.approx(97.28139904610493)
    assert results["HO_NGHEO_TL"].pct_plan == pytest.approx(350 / 3)


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice() or not shutil.which("pdftotext"), reason="LibreOffice is not installed")
@pytest.mark.parametrize("city", [False, True], ids=["ward", "city"])
def test_printed_guide_and_info_show_every_word(catalog, tmp_path, city):
    """Printed by LibreOffice, the guide's lines and a long info value are whole, not cut at the page's edge."""
    recipients = "Thường trực Thành ủy; Thường trực HĐND thành phố; Chủ tịch, các PCT UBND thành phố; Các phòng, ban"
    book = build_workbook(catalog, unit_code="TP" if city else "TRAN_PHU", unit_name="Thành phố Hà Tĩnh", year=2022,
                          city=city, info={"recipients": recipients} if city else {})
    for sheet in book.worksheets:
        sheet.sheet_state = "visible" if sheet.title in (GUIDE_SHEET, INFO_SHEET) else "hidden"
    path = tmp_path / "in-thu.xlsx"
    save_workbook(book, path)
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    printed = " ".join(subprocess.run(["pdftotext", str(tmp_path / "in-thu.pdf"), "-"], capture_output=True,
                                      text=True, check=True).stdout.split())
    lines = [" ".join(row[0].split()) for row in read_grid(path).sheet(GUIDE_SHEET) if row and row[0]]
    assert len(lines) >= 6
    for line in lines:
        assert line in printed
    if city:
        assert recipients in printed


def test_a_half_year_workbook_names_its_columns_for_the_period(make_workbook):
    book = load_workbook(make_workbook(period="6 tháng"))
    data = book[DATA_SHEET]
    assert [cell.value for cell in data[4]] == [
        "Mã", "STT", "Chỉ tiêu", "ĐVT", "Kế hoạch năm", "Thực hiện cả năm 2021", "Cùng kỳ năm 2021",
        "Thực hiện 6 tháng năm 2022", "% so với kế hoạch năm", "% so với cùng kỳ", "Ước thực hiện cả năm 2022", "Ghi chú"]
    assert data["A2"].value == "Phường Trần Phú — Kỳ báo cáo: 6 tháng năm 2022"
    # The two % columns divide the period's actual (H) by the plan (E) and by the same period last year (G).
    assert data["I7"].value == '=IF(AND(ISNUMBER(E7),ISNUMBER(H7)),IF(E7>0,H7/E7*100,""),"")'
    assert data["J7"].value == '=IF(AND(ISNUMBER(G7),ISNUMBER(H7)),IF(G7>0,H7/G7*100,""),"")'
    assert all(data[f"{column}7"].protection.locked is False for column in "EFGHKL")
    notes = [cell.value for cell in book[NOTES_SHEET]["A"]]
    assert "Nhiệm vụ, giải pháp 6 tháng cuối năm" in notes and "Nhiệm vụ, giải pháp năm sau" not in notes


def test_data_rows_are_as_tall_as_their_wrapped_names(full_catalog, tmp_path):
    book = build_workbook(full_catalog, unit_code="TRAN_PHU", unit_name="Phường Trần Phú", year=2022)
    data = book[DATA_SHEET]
    heights = {data[f"C{row}"].value: data.row_dimensions[row].height for row in range(5, data.max_row + 1)}
    # One line stays automatic; a long name or section heading gets the lines it wraps into.
    assert heights["Tổng đàn lợn"] is None
    long_name = "Tỷ lệ hồ sơ thủ tục hành chính tiếp nhận và xử lý qua dịch vụ công trực tuyến mức độ 3 và 4"
    assert heights[long_name] >= 2 * 12 * 1.35
    assert heights["1.1. Hoạt động Thương mại - Dịch vụ, Sản xuất Công nghiệp - TTCN"] >= 2 * 12 * 1.35
    assert data.row_dimensions[4].height >= 48
