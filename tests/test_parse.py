import pytest

from xltools.grid import read_grid
from xltools.parse import parse_grid
from xltools.writer import HEADER_ROW


def codes(findings):
    return sorted((f.code, f.sheet, f.cell) for f in findings)


def test_reads_every_figure_with_its_cell(make_workbook, catalog):
    path = make_workbook({"THU_NS": {"plan": 1002.1, "last_year": 1138.3, "actual": 1172.5, "next_plan": 1100},
                          "DN_MOI": {"actual": 394, "note": "tăng mạnh"}},
                         notes={"1.4. Tài chính": "Thu ngân sách vượt dự toán."})
    sub = parse_grid(read_grid(path))
    assert (sub.unit_code, sub.unit_name, sub.period_label, sub.year, sub.version) == (
        "TRAN_PHU", "Phường Trần Phú", "Năm", 2022, catalog.version)
    assert sub.problems == []
    assert list(sub.figures) == [ind.code for ind in catalog]
    thu = sub.figures["THU_NS"]
    first_row = HEADER_ROW + 3  # group heading, section heading, then the first indicator
    assert thu.row == first_row
    assert (thu.plan, thu.last_year, thu.actual, thu.next_plan) == (1002.1, 1138.3, 1172.5, 1100.0)
    assert thu.cells == {"code": f"A{first_row}", "plan": f"E{first_row}", "last_year": f"F{first_row}",
                         "actual": f"G{first_row}", "pct_plan": f"H{first_row}", "pct_last_year": f"I{first_row}",
                         "next_plan": f"J{first_row}"}
    assert sub.figures["DN_MOI"].note == "tăng mạnh"
    assert sub.figures["DN_MOI"].plan is None
    assert sub.narratives == {"1.4. Tài chính": "Thu ngân sách vượt dự toán."}
    assert sub.is_estimate


def test_text_typed_numbers_errors_and_empty_cells(make_workbook):
    def edit(book):
        sheet = book["Số liệu"]
        sheet["E7"] = "1.172,5"      # Vietnamese text number: read
        sheet["F7"] = "2.447,6 ha"   # with a unit: read
        sheet["G7"] = "2.447.6"      # ambiguous: a finding
        sheet["E8"] = "#DIV/0!"      # an Excel error value
        sheet["F8"] = "khoảng 50"    # words
        sheet["G8"] = None           # empty
    path = make_workbook(edit=edit)
    sub = parse_grid(read_grid(path))
    thu = sub.figures["THU_NS"]
    assert (thu.plan, thu.last_year, thu.actual) == (1172.5, 2447.6, None)
    thue = sub.figures["THU_THUE"]
    assert (thue.plan, thue.last_year, thue.actual) == (None, None, None)
    assert codes(sub.problems) == [("excel-error", "Số liệu", "E8"), ("not-a-number", "Số liệu", "F8"),
                                   ("not-a-number", "Số liệu", "G7")]
    by_cell = {f.cell: f for f in sub.problems}
    assert "«2.447.6»" in by_cell["G7"].message and "dấu thập phân là dấu phẩy" in by_cell["G7"].message
    assert "#DIV/0!" in by_cell["E8"].message
    assert by_cell["E8"].indicator == "THU_THUE"


def test_dates_and_booleans_in_number_cells_are_shown_as_excel_shows_them(make_workbook):
    import datetime

    def edit(book):  # typing 1/2 or 3:05 in a number cell makes Excel store a date or a time
        sheet = book["Số liệu"]
        sheet["E7"], sheet["F7"], sheet["G7"] = datetime.date(2026, 2, 1), datetime.time(3, 5), True

    sub = parse_grid(read_grid(make_workbook(edit=edit)))
    assert [f.code for f in sub.problems] == ["not-a-number"] * 3
    by_cell = {f.cell: f.message for f in sub.problems}
    assert "«01/02/2026» (Excel đã hiểu thành ngày giờ" in by_cell["E7"]
    assert "«03:05» (Excel đã hiểu thành ngày giờ" in by_cell["F7"]
    assert "«TRUE» (là giá trị đúng/sai)" in by_cell["G7"]


def test_moved_columns_and_pushed_down_header_are_found_by_title(make_workbook):
    def edit(book):
        sheet = book["Số liệu"]
        sheet.insert_rows(1, 2)              # header pushed down two rows
        sheet.move_range("E1:E200", cols=8)  # `Kế hoạch năm` moved to column M
    path = make_workbook({"THU_NS": {"plan": 1002.1, "actual": 1172.5}}, edit=edit)
    sub = parse_grid(read_grid(path))
    thu = sub.figures["THU_NS"]
    assert (thu.plan, thu.actual) == (1002.1, 1172.5)
    assert thu.cells["plan"] == f"M{HEADER_ROW + 5}"
    assert thu.cells["actual"] == f"G{HEADER_ROW + 5}"
    assert sub.problems == []


def test_missing_sheet_and_column_are_findings_not_exceptions(make_workbook):
    def edit(book):
        book["Số liệu"]["G4"] = "Thực hiện"  # column title renamed
        del book["Thông tin"]
    sub = parse_grid(read_grid(make_workbook(edit=edit)))
    assert codes(sub.problems) == [("missing-column", "Số liệu", "A4"), ("missing-sheet", "Thông tin", None)]
    assert "«Thực hiện kỳ báo cáo»" in sub.problems[1].message
    assert sub.figures["THU_NS"].actual is None


def test_a_half_year_workbook_reads_its_period_columns_by_title(make_workbook):
    path = make_workbook({"THU_NS": {"plan": 12318.7, "last_year_full": 12000, "last_year": 5678, "actual": 5812,
                                     "year_estimate": 12500}}, period="6 tháng")
    sub = parse_grid(read_grid(path))
    assert sub.problems == []
    thu = sub.figures["THU_NS"]
    assert (thu.plan, thu.last_year_full, thu.last_year, thu.actual, thu.year_estimate, thu.next_plan) == (
        12318.7, 12000, 5678, 5812, 12500, None)
    row = HEADER_ROW + 3
    assert thu.cells == {"code": f"A{row}", "plan": f"E{row}", "last_year_full": f"F{row}", "last_year": f"G{row}",
                         "actual": f"H{row}", "pct_plan": f"I{row}", "pct_last_year": f"J{row}",
                         "year_estimate": f"K{row}"}


@pytest.mark.parametrize("titles", [
    # as staff retype them
    {"F4": "Thực hiện năm trước", "G4": "Thực hiện cùng kỳ năm 2021", "H4": "Ước thực hiện 6 tháng đầu năm 2022",
     "K4": "Ước thực hiện cả năm"},
    # an in-year workbook made before the period titles: the annual titles
    {"G4": "Thực hiện cùng kỳ năm trước", "H4": "Thực hiện kỳ báo cáo", "I4": "% so với kế hoạch"},
])
def test_period_titles_retyped_or_of_older_workbooks_still_read(make_workbook, titles):
    def edit(book):
        for cell, title in titles.items():
            book["Số liệu"][cell] = title
    path = make_workbook({"THU_NS": {"last_year_full": 12000, "last_year": 5678, "actual": 5812, "year_estimate": 1}},
                         period="6 tháng", edit=edit)
    sub = parse_grid(read_grid(path))
    thu = sub.figures["THU_NS"]
    assert (thu.last_year_full, thu.last_year, thu.actual, thu.year_estimate) == (12000, 5678, 5812, 1)
    assert sub.problems == []


def test_within_the_year_next_years_plan_is_not_asked_for_and_a_lost_column_is_named_for_the_period(make_workbook):
    def edit(book):
        book["Số liệu"]["H4"] = "Số liệu"
    sub = parse_grid(read_grid(make_workbook(period="9 tháng", edit=edit)))
    assert [(f.code, f.message) for f in sub.problems] == [
        ("missing-column", "Thiếu cột «Thực hiện 9 tháng năm 2022» trong dòng tiêu đề. Đề nghị khôi phục cột này theo "
                           "đúng mẫu.")]
