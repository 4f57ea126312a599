"""The Excel door: handlers run on the xlwings remote engine over the payload of a real workbook."""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path

import pytest

xw = pytest.importorskip("xlwings")

from payload import book_payload  # noqa: E402
from xltools import excel  # noqa: E402
from xltools.grid import read_grid  # noqa: E402
from xltools.parse import parse_grid  # noqa: E402

FIGURES = {
    "THU_NS": {"plan": 1000, "last_year": 1138.3, "actual": 1172.5},
    "THU_THUE": {"plan": 600, "last_year": 700, "actual": 650},
    "THU_DAT": {"plan": 400, "last_year": 438.3, "actual": 522.5},
    "DN_MOI": {"plan": 100, "last_year": 90, "actual": 95},
    "HO_TONG": {"plan": 5000, "last_year": 4900, "actual": 5000},
    "HO_NGHEO": {"plan": 60, "last_year": 100, "actual": 70},
    "HO_NGHEO_TL": {"plan": 0.5, "last_year": 2.0, "actual": 1.4},
}


@pytest.fixture(autouse=True)
def licence(monkeypatch):
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    excel.use_remote_engine()


def open_book(path, client="VBA"):
    """Return the xlwings Book a remote client would send for the workbook at `path`."""
    return xw.Book(json=book_payload(path, client=client))


def actions(book):
    """Return the queued actions as (func, sheet, address, payload) with sheet names and A1 addresses."""
    names = [sheet["name"] for sheet in book.impl.api["sheets"]]
    out = []
    for action in book.json()["actions"]:
        if action["func"] == "addSheet":
            names.insert(action["args"][0], action["args"][1])
            out.append(("addSheet", action["args"][1], None, None))
            continue
        position = action["sheet_position"]
        sheet = names[position] if position is not None else None
        address = None
        if action["start_row"] is not None:
            first = f"{excel.column_letter(action['start_column'])}{action['start_row'] + 1}"
            last = (f"{excel.column_letter(action['start_column'] + action['column_count'] - 1)}"
                    f"{action['start_row'] + action['row_count']}")
            address = first if first == last else f"{first}:{last}"
        out.append((action["func"], sheet, address, action["values"] if action["func"] == "setValues" else action["args"]))
    return out


def values_at(book, sheet, address):
    return [a[3] for a in actions(book) if a[:3] == ("setValues", sheet, address)]


def outcome(book):
    """Return the message the handler wrote next to `Kết quả xử lý`."""
    rows = [a[3][0] for a in actions(book) if a[0] == "setValues" and a[3] and a[3][0][:1] == [excel.MESSAGE_LABEL]]
    assert len(rows) == 1, rows
    return rows[0][1].split(": ", 1)[1]


@pytest.fixture
def ward(make_workbook):
    return make_workbook(FIGURES)


# ---------------------------------------------------------------- reading


def test_grid_from_a_remote_book_parses_like_the_file(ward):
    from_file = parse_grid(read_grid(ward))
    from_book = parse_grid(excel.grid_from_book(open_book(ward)))
    assert from_book.file == from_file.file == "ward.xlsx"
    assert (from_book.unit_code, from_book.period_label, from_book.year) == ("TRAN_PHU", "Năm", 2022)
    assert from_book.figures == from_file.figures
    assert from_book.info_cells == from_file.info_cells
    assert from_book.figures["THU_NS"].cells["actual"] == "G7"
    assert from_book.figures["THU_NS"].actual == 1172.5


def test_grid_from_book_keeps_error_values_and_normalises_text(ward):
    payload = book_payload(ward)
    data = next(s for s in payload["sheets"] if s["name"] == "Số liệu")
    data["values"][6][6] = "#DIV/0!"
    data["values"][7][6] = "6\u0301"  # decomposed text (NFD), as some old keyboards type it
    grid = excel.grid_from_book(xw.Book(json=payload))
    assert grid.sheet("Số liệu")[6][6] == "#DIV/0!"
    sub = parse_grid(grid)
    assert [(p.code, p.cell) for p in sub.problems if p.indicator == "THU_NS"] == [("excel-error", "G7")]


# ---------------------------------------------------------------- compute


def test_compute_fills_the_percent_columns_with_values(ward):
    book = open_book(ward)
    message = excel.compute(book)
    assert message == "Tính toán xong: đã điền tỷ lệ % cho 7/11 chỉ tiêu."
    assert values_at(book, "Số liệu", "H7") == [[[pytest.approx(117.25)]]]
    assert values_at(book, "Số liệu", "I7") == [[[pytest.approx(103.0045, abs=1e-4)]]]
    # reduce-by target: (2,0 - 1,4) / 0,5 = 120% of the planned reduction
    row = parse_grid(read_grid(ward)).figures["HO_NGHEO_TL"].row
    assert values_at(book, "Số liệu", f"H{row}") == [[[pytest.approx(120.0)]]]
    # no figures: the cell is emptied rather than left with a stale value
    row = parse_grid(read_grid(ward)).figures["LUA_DT"].row
    assert values_at(book, "Số liệu", f"H{row}") == [[[""]]]
    assert outcome(book) == message


def test_the_outcome_goes_below_the_info_labels_and_is_reused(ward):
    book = open_book(ward)
    excel.compute(book)
    [(address, row)] = [(a[2], a[3][0]) for a in actions(book) if a[1] == "Thông tin"]
    info = read_grid(ward).sheet("Thông tin")
    last = max(i for i, r in enumerate(info, start=1) if any(v is not None for v in r))
    assert address == f"A{last + 2}:B{last + 2}" and row[0] == "Kết quả xử lý"

    payload = book_payload(ward)
    sheet = next(s for s in payload["sheets"] if s["name"] == "Thông tin")
    # the label as a user may have retyped it: other case and spacing, still the same label to the parser
    width = len(sheet["values"][0])
    sheet["values"].extend([[""] * width, [" kết quả  XỬ LÝ", "lần trước"] + [""] * (width - 2)])
    again = xw.Book(json=payload)
    excel.compute(again)
    assert [a[2] for a in actions(again) if a[1] == "Thông tin"] == [f"A{len(sheet['values'])}:B{len(sheet['values'])}"]


def test_a_workbook_that_is_not_the_standard_one_gets_a_message_not_a_traceback(tmp_path):
    from openpyxl import Workbook

    other = Workbook()
    other.active.title = "Sheet1"
    other.active["A1"] = "bảng tính khác"
    path = tmp_path / "khac.xlsx"
    other.save(path)
    book = open_book(path)
    message = excel.compute(book)
    assert message.startswith("Lỗi: không tìm thấy bảng số liệu")
    done = actions(book)
    assert done[0] == ("addSheet", "Kiểm tra", None, None)
    assert done[1][:3] == ("setValues", "Kiểm tra", "A2:B2")
    assert done[1][3][0][0] == "Kết quả xử lý" and "Lỗi: không tìm thấy bảng số liệu" in done[1][3][0][1]


def test_an_unexpected_failure_is_reported_in_vietnamese(ward, monkeypatch):
    def broken(sub, catalog):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(excel, "evaluate", broken)
    book = open_book(ward)
    message = excel.compute(book)
    assert message.startswith("Lỗi: xltools gặp sự cố khi tính toán (ZeroDivisionError")
    assert "Traceback" not in message and outcome(book) == message


def test_every_handler_has_a_desktop_entry_point():
    for name, handler in excel.HANDLERS.items():
        assert handler is getattr(excel, name)
        assert callable(getattr(excel, f"{name}_caller"))
        assert list(inspect.signature(handler).parameters)[0] == "book"


# ---------------------------------------------------------------- worksheet functions


def test_pct_plan():
    assert excel.XT_PCT_PLAN(1172.5, 1000) == pytest.approx(117.25)
    assert excel.XT_PCT_PLAN("1.172,5", "1.000") == pytest.approx(117.25)
    assert excel.XT_PCT_PLAN(1.4, 0.5, "giảm bớt", 2.0) == pytest.approx(120.0)
    assert excel.XT_PCT_PLAN(None, None) == ""
    assert excel.XT_PCT_PLAN(5, 0) == "Chưa tính được: kế hoạch bằng 0."
    assert excel.XT_PCT_PLAN(5, None) == "Chưa tính được: chưa có kế hoạch."


def test_change_is_percent_for_amounts_and_points_for_rates():
    assert excel.XT_CHANGE(1172.5, 1138.3) == pytest.approx(3.0045, abs=1e-4)
    assert excel.XT_CHANGE(1.4, 2.0, "tỷ lệ") == pytest.approx(-0.6)
    assert excel.XT_CHANGE(5, 0) == "Chưa tính được: số cùng kỳ bằng 0."
    assert excel.XT_CHANGE("", None) == ""


def test_status():
    assert excel.XT_STATUS(1172.5, 1000) == "Vượt kế hoạch"
    assert excel.XT_STATUS(1000, 1000) == "Đạt kế hoạch"
    assert excel.XT_STATUS(7.2, 7.5, "giảm") == "Đạt kế hoạch"
    assert excel.XT_STATUS(1.4, 0.5, "giảm bớt", 2.0) == "Vượt kế hoạch"
    assert excel.XT_STATUS(900, 1000) == "Không đạt"
    assert excel.XT_STATUS(900, None) == "Chưa có kế hoạch"
    assert excel.XT_STATUS(None, 1000) == "Chưa có số liệu"


def test_vietnamese_number_text():
    assert excel.XT_SO(1172.5) == "1.172,5"
    assert excel.XT_SO(1234567.891, 1) == "1.234.567,9"
    assert excel.XT_SO(2489 / 394, 2) == "6,32"
    assert excel.XT_SO(None) == ""


@pytest.mark.parametrize("call, message", [
    (lambda: excel.XT_PCT_PLAN("abc", 5), "Lỗi: số thực hiện phải là số nhưng đang ghi «abc» (không phải là số)."),
    (lambda: excel.XT_PCT_PLAN("2.447.6", 2516), "Lỗi: số thực hiện phải là số nhưng đang ghi «2.447.6» (dấu chấm chỉ "
                                                 "dùng để phân cách hàng nghìn (ví dụ 2.447,6); dấu thập phân là dấu "
                                                 "phẩy)."),
    (lambda: excel.XT_PCT_PLAN(1, 2, "lên"), "Lỗi: chiều đánh giá «lên» không hợp lệ; chỉ được ghi «tăng», «giảm», "
                                             "«giảm bớt»."),
    (lambda: excel.XT_CHANGE(True, 1), "Lỗi: số thực hiện phải là số nhưng đang ghi «TRUE» (là giá trị đúng/sai)."),
    (lambda: excel.XT_CHANGE(datetime(2026, 2, 1), 1),
     "Lỗi: số thực hiện phải là số nhưng đang ghi «01/02/2026» (Excel đã hiểu thành ngày giờ, thường do gõ dấu «/» "
     "hoặc «:» giữa các số)."),
    (lambda: excel.XT_CHANGE(1, 2, "phần trăm"), "Lỗi: loại chỉ tiêu «phần trăm» không hợp lệ; chỉ được ghi "
                                                 "«giá trị», «số lượng», «tỷ lệ», «tăng trưởng»."),
    (lambda: excel.XT_STATUS(1, 2, "tăng", None, 1.5), "Lỗi: số chữ số thập phân phải là số nguyên từ 0 đến 10."),
    (lambda: excel.XT_SO(float("inf")), "Lỗi: giá trị phải là số nhưng đang ghi «inf» (không phải một số hữu hạn: "
                                        "Excel không ghi được số vô cùng hay «không phải số» (NaN))."),
    (lambda: excel.XT_SO([1, 2]), "Lỗi: giá trị phải là số (đang là list)."),
    (lambda: excel.XT_SO(10 ** 5000), "Lỗi: giá trị phải là số nhưng đang ghi «(số nguyên quá lớn)» (không phải một số "
                                      "hữu hạn: Excel không ghi được số vô cùng hay «không phải số» (NaN))."),
    (lambda: excel.XT_PCT_PLAN("#DIV/0!", 5), "Lỗi: số thực hiện phải là số nhưng đang ghi «#DIV/0!» (là giá trị lỗi "
                                              "của Excel)."),
])
def test_bad_arguments_give_a_readable_message(call, message):
    assert call() == message


def test_sentence_function_refuses_an_unknown_code_without_a_name():
    from importlib import resources

    if not resources.files("xltools.data").joinpath("catalog.csv").is_file():
        pytest.skip("the default catalog has not landed yet")
    assert excel.XT_CAU("KHONG_CO", 5) == ("Lỗi: mã chỉ tiêu «KHONG_CO» không có trong danh mục; hãy ghi thêm tên "
                                          "và đơn vị tính.")


def test_worksheet_functions_keep_positional_signatures_for_excel():
    # xlwings builds the Excel function from the signature; keyword-only parameters are refused.
    for name in ("XT_PCT_PLAN", "XT_CHANGE", "XT_STATUS", "XT_SO", "XT_CAU"):
        parameters = inspect.signature(getattr(excel, name)).parameters.values()
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters)
    assert list(inspect.signature(excel.XT_PCT_PLAN).parameters) == ["actual", "plan", "direction", "last_year"]


# ---------------------------------------------------------------- check


def needs(module, name=None):
    """Skip until the module (and its function `name`) another developer is writing has landed."""
    loaded = pytest.importorskip(module)
    if name and not hasattr(loaded, name):
        pytest.skip(f"{module}.{name} has not landed yet")


def bad_ward(make_workbook, name="ward.xlsx"):
    figures = dict(FIGURES, DN_MOI={"plan": 100, "last_year": 90, "actual": "abc"})
    return make_workbook(figures, name=name)


def test_check_colours_and_annotates_the_flagged_cells(make_workbook, catalog):
    needs("xltools.check")
    from xltools.check import check_submission

    path = bad_ward(make_workbook)
    expected = check_submission(parse_grid(read_grid(path)), catalog)
    row = parse_grid(read_grid(path)).figures["DN_MOI"].row
    book = open_book(path)
    message = excel.check(book)

    errors = sum(f.is_error for f in expected)
    assert message.startswith(f"Kiểm tra xong: {errors} lỗi, {len(expected) - errors} cảnh báo (xem trang «Kiểm tra»).")
    done = actions(book)
    assert ("setRangeColor", "Số liệu", f"G{row}", [excel.ERROR_FILL]) in done
    notes = {a[3][2]: a[3][3] for a in done if a[0] == "runMacro" and a[3][0] == excel.NOTE_MACRO}
    assert notes[f"G{row}"].startswith("Lỗi: Ô này phải là số nhưng đang ghi «abc»")
    # every finding with a cell is marked, and only those
    marked = {(f.sheet, f.cell) for f in expected if f.sheet and f.cell}
    coloured = {(a[1], a[2]) for a in done if a[0] == "setRangeColor" and a[1] != "Kiểm tra"}
    assert coloured == marked
    # the findings sheet lists them all, in order, below its title and header
    assert ("addSheet", "Kiểm tra", None, None) in done
    [block] = values_at(book, "Kiểm tra", f"A1:H{3 + len(expected)}")
    assert block[2] == list(excel.FINDINGS_COLUMNS)
    assert [r[7] for r in block[3:]] == [f.code for f in expected]
    assert ["Số liệu", f"=HYPERLINK(\"#'Số liệu'!G{row}\",\"G{row}\")"] in [r[3:5] for r in block[3:]]
    assert outcome(book) == message


def test_checking_again_clears_the_marks_of_the_cells_that_were_fixed(make_workbook):
    needs("xltools.check")
    first = open_book(bad_ward(make_workbook, "truoc.xlsx"))
    excel.check(first)
    [listed] = [a[3] for a in actions(first) if a[:2] == ("setValues", "Kiểm tra") and a[2].startswith("A1:")]

    fixed = make_workbook(FIGURES, name="sau.xlsx")
    payload = book_payload(fixed)
    width = len(excel.FINDINGS_COLUMNS)
    # what the client sends back: the values of the Kiểm tra sheet the first check left (links show
    # their address), with this file's name
    shown = lambda v: v.rsplit('"', 2)[-2] if isinstance(v, str) and v.startswith("=HYPERLINK(") else v
    listed = [[("sau.xlsx" if v == "truoc.xlsx" else shown(v)) for v in row] for row in listed]
    payload["sheets"].append({"name": "Kiểm tra", "pictures": [], "tables": [],
                              "values": [[("" if v is None else v) for v in r] + [""] * (width - len(r))
                                         for r in listed]})
    # a line someone typed over by hand is ignored
    payload["sheets"][-1]["values"].append(["", "", "sau.xlsx", "Số liệu", "ô sai", "", "", ""])
    row = parse_grid(read_grid(fixed)).figures["DN_MOI"].row
    book = xw.Book(json=payload)
    assert excel.check(book).startswith("Kiểm tra xong: ")
    done = actions(book)
    assert ("setRangeColor", "Số liệu", f"G{row}", [excel.INPUT_FILL]) in done
    assert ("runMacro", None, None, [excel.NOTE_MACRO, "Số liệu", f"G{row}", ""]) in done
    assert ("sheetClear", "Kiểm tra", None, [None]) in done


def test_office_js_clients_get_real_notes_and_vba_the_qualified_macro(make_workbook):
    needs("xltools.check")
    path = bad_ward(make_workbook)
    row = parse_grid(read_grid(path)).figures["DN_MOI"].row
    office = open_book(path, client="Office.js")
    excel.check(office)
    notes = [a for a in actions(office) if a[0] == "addNote"]
    assert [n[3][0] for n in notes if n[1] == "Số liệu"].count(f"$G${row}") == 1
    assert not [a for a in actions(office) if a[0] == "runMacro"]

    payload = book_payload(path)
    payload[excel.MACRO_BOOK_KEY] = "XLTools.xlam"
    vba = xw.Book(json=payload)
    excel.check(vba)
    macros = {a[3][0] for a in actions(vba) if a[0] == "runMacro"}
    assert macros == {"'XLTools.xlam'!XLToolsSetNote"}


# ---------------------------------------------------------------- merge


def city_book(tmp_path, catalog, folder=None, name="thanh-pho.xlsx"):
    from xltools.writer import build_workbook, save_workbook

    book = build_workbook(catalog, unit_code="TP_HA_TINH", unit_name="Thành phố Hà Tĩnh", year=2022, city=True,
                          info={"ward_folder": str(folder)} if folder else None,
                          units=[("TRAN_PHU", "Phường Trần Phú"), ("BAC_HA", "Phường Bắc Hà"),
                                 ("THACH_HA", "Xã Thạch Hạ")])
    path = tmp_path / name
    save_workbook(book, path, force=True)
    return path


def test_merge_fills_the_city_workbook_from_the_wards_folder(tmp_path, make_workbook, catalog):
    needs("xltools.check")
    folder = tmp_path / "phuong-xa"
    folder.mkdir()
    make_workbook({"THU_NS": {"plan": 1000, "last_year": 1138.3, "actual": 1172.5},
                   "HO_NGHEO": {"actual": 70}, "HO_TONG": {"actual": 5000}}, name="phuong-xa/tran-phu.xlsx")
    make_workbook({"THU_NS": {"plan": 500, "last_year": 400, "actual": 450},
                   "HO_NGHEO": {"actual": 30}, "HO_TONG": {"actual": 1000}},
                  name="phuong-xa/bac-ha.xlsx", unit_code="BAC_HA", unit_name="Phường Bắc Hà")
    city = city_book(tmp_path, catalog, folder)
    book = open_book(city)
    message = excel.merge(book)

    assert message.startswith("Tổng hợp xong: 2/2 tệp được đưa vào")
    assert "Còn 1 đơn vị chưa nộp." in message
    figures = parse_grid(read_grid(city)).figures
    row = figures["THU_NS"].row
    assert values_at(book, "Số liệu", f"E{row}") == [[[1500.0]]]
    assert values_at(book, "Số liệu", f"G{row}") == [[[1622.5]]]
    assert values_at(book, "Số liệu", f"H{row}") == [[[pytest.approx(1622.5 / 15)]]]
    # a rate is recomputed from its parts: 100 poor households of 6000
    rate = figures["HO_NGHEO_TL"].row
    assert values_at(book, "Số liệu", f"G{rate}") == [[[pytest.approx(100 / 6000 * 100)]]]
    register = [a for a in actions(book) if a[:2] == ("setValues", "Tình hình nộp báo cáo")]
    assert len(register) == 1
    rows = register[0][3]
    assert any(r[1] == "THACH_HA" and r[3] == "Không" for r in rows)
    assert any(r[1] == "BAC_HA" and r[3] == "Có" for r in rows)


def test_merge_without_a_folder_on_the_server_says_what_to_write(tmp_path, catalog):
    needs("xltools.merge")
    book = open_book(city_book(tmp_path, catalog))
    message = excel.merge(book)
    assert message == ("Lỗi: chưa ghi thư mục chứa tệp của các phường, xã ở mục «Thư mục tệp của phường, xã» "
                       "trang «Thông tin».")


def test_merge_with_a_missing_folder(tmp_path, catalog):
    needs("xltools.merge")
    book = open_book(city_book(tmp_path, catalog, tmp_path / "khong-co"))
    assert excel.merge(book) == (f"Lỗi: không tìm thấy thư mục «{tmp_path / 'khong-co'}» "
                                 "(mục «Thư mục tệp của phường, xã» trang «Thông tin»).")


# ---------------------------------------------------------------- report


def test_report_writes_the_docx_and_its_path_into_thong_tin(tmp_path, make_workbook):
    needs("xltools.report", "write_report")
    from docx import Document

    path = make_workbook(FIGURES)
    book = open_book(path)
    out = tmp_path / "bao-cao"
    message = excel.report(book, output_dir=out)
    target = out / "ward - báo cáo.docx"
    assert message == f"Đã tạo báo cáo: {target}"
    assert target.is_file()
    rows = [a[3][0] for a in actions(book) if a[:2] == ("setValues", "Thông tin")]
    assert ["Tệp báo cáo", str(target)] in rows
    text = "\n".join(p.text for p in Document(target).paragraphs)
    assert "1.172,5" in text


def test_sentence_function_matches_the_report_helper():
    needs("xltools.report", "sentence")
    from importlib import resources

    if not resources.files("xltools.data").joinpath("catalog.csv").is_file():
        pytest.skip("the default catalog has not landed yet")
    from xltools.catalog import default_catalog
    from xltools.evaluate import evaluate_indicator
    from xltools.submission import Figure
    from xltools.report import sentence

    catalog = default_catalog()
    ind = catalog.key_targets[0]
    figure = Figure(code=ind.code, row=0, plan=1000, last_year=1138.3, actual=1172.5)
    result = evaluate_indicator(ind, figure)
    assert excel.XT_CAU(ind.code, 1172.5, 1000, 1138.3) == sentence(result, catalog, estimate=True)
    final = excel.XT_CAU(ind.code, 1172.5, 1000, 1138.3, "Thực hiện")
    assert final == sentence(result, catalog, estimate=False) and "1.172,5" in final
    assert excel.XT_CAU(ind.code, None, 1000) == ""


def test_sentence_function_for_an_indicator_outside_the_catalog():
    needs("xltools.report", "sentence")
    from importlib import resources

    if not resources.files("xltools.data").joinpath("catalog.csv").is_file():
        pytest.skip("the default catalog has not landed yet")
    text = excel.XT_CAU("", 1172.5, 1000, 1138.3, "Thực hiện", "Tổng thu ngân sách", "tỷ đồng")
    assert "Tổng thu ngân sách" in text and "1.172,5 tỷ đồng" in text


def test_the_server_confines_merge_to_its_wards_root(tmp_path, catalog):
    needs("xltools.merge")
    root = tmp_path / "du-lieu"
    (root / "2022").mkdir(parents=True)
    outside = tmp_path / "khac"
    outside.mkdir()
    book = open_book(city_book(tmp_path, catalog, outside))
    assert excel.merge(book, wards_root=root) == (
        f"Lỗi: thư mục «{outside}» nằm ngoài thư mục dữ liệu của máy chủ «{root}»; "
        f"đề nghị ghi thư mục con của «{root}».")
    # a relative entry is taken inside the root
    book = open_book(city_book(tmp_path, catalog, "2022", name="tp2.xlsx"))
    assert excel.merge(book, wards_root=root) == f"Lỗi: thư mục «{root / '2022'}» không có tệp Excel nào của phường, xã."


def test_findings_link_to_their_cells_and_text_never_becomes_a_formula(make_workbook):
    needs("xltools.check")
    from xltools.findings import Finding
    from xltools.tables import findings_table

    path = bad_ward(make_workbook)
    book = open_book(path)
    session = excel._Session.open(book)
    findings = [Finding("error", "not-a-number", "=1+1 là chữ", "ward.xlsx", "Số liệu", "G11", "DN_MOI"),
                Finding("warning", "x", "- ghi chú", "=HYPERLINK(\"http://x\")", "Số liệu", "G12", None)]
    session.writer.write_table("Kiểm tra", findings_table(findings, "KẾT QUẢ", linked_file=session.grid.source))
    [block] = [a[3] for a in actions(book) if a[:3] == ("setValues", "Kiểm tra", "A1:H5")]
    assert block[3][2:7] == ["ward.xlsx", "Số liệu", "=HYPERLINK(\"#'Số liệu'!G11\",\"G11\")", "DN_MOI",
                             "'=1+1 là chữ"]
    # another file's cell is not a link, and its odd name stays text
    assert block[4][2:5] == ["'=HYPERLINK(\"http://x\")", "Số liệu", "G12"] and block[4][6] == "'- ghi chú"


def test_the_staff_guide_quotes_the_message_a_function_gives():
    guide = (Path(__file__).parent.parent / "docs" / "huong-dan.md").read_text(encoding="utf-8")
    text = " ".join(guide.split())
    assert f"ví dụ «{excel.XT_PCT_PLAN('2.447.6', 2516)}»" in text
