"""`xltools serve` as the Excel add-in uses it: requests built, answers read and applied as its VBA does.

The add-in is modelled by vba_client.
"""

from __future__ import annotations

import json
import threading
import time as time_module
import zipfile
from datetime import date, datetime, time

import openpyxl
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from test_server import FIGURES, TOKEN, free_port, wards_and_city  # noqa: E402
from vba_client import AddIn, decode_response, over_http, payload_from_workbook  # noqa: E402
from xltools import excel  # noqa: E402
from xltools.grid import read_grid  # noqa: E402
from xltools.parse import parse_grid  # noqa: E402

def serving(monkeypatch, **options):
    """Run `create_app(**options)` with uvicorn in a thread of this process; yield its base URL."""
    import uvicorn

    from xltools.server import create_app

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(**options), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the server did not start")
        time_module.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def server(tmp_path, monkeypatch):
    (tmp_path / "reports").mkdir()
    yield from serving(monkeypatch, token=TOKEN, output_dir=tmp_path / "reports", wards_root=tmp_path)


@pytest.fixture
def addin(server, tmp_path):
    (tmp_path / "Documents").mkdir()
    return AddIn(over_http(), token=TOKEN, server_url=server, documents=tmp_path / "Documents")


# ------------------------------------------------------------------ the request, as Remote.bas builds it


def test_the_payload_has_nulls_15_digit_numbers_iso_dates_hidden_sheets_and_names(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Số liệu"
    sheet.append([0.1 + 0.2, 1 / 3, 1e20, 1172.5])
    sheet.append([date(2026, 2, 1), time(3, 5), None, datetime(2026, 2, 1, 13, 30)])
    sheet.append(["Thôn 1", True, "a\"b\\c", None])
    hidden = book.create_sheet("Danh mục")
    hidden.sheet_state = "hidden"
    hidden["B2"] = "x"
    book.create_sheet("Trống")
    sheet.print_title_rows = "1:1"
    book.defined_names["KY"] = openpyxl.workbook.defined_name.DefinedName("KY", attr_text="'Danh mục'!$B$2")
    book.save(tmp_path / "b.xlsx")

    body = payload_from_workbook(tmp_path / "b.xlsx", version="0.37.8")
    assert body.startswith('{"client":"VBA","version":"0.37.8","book":{"name":"b.xlsx","active_sheet_index":0,'
                           '"selection":"A1"},"names":[')
    assert ('"values":[[0.3,0.333333333333333,1E+20,1172.5],'
            '["2026-02-01T00:00:00.000Z","1899-12-30T03:05:00.000Z",null,"2026-02-01T13:30:00.000Z"],'
            '["Th\\u00F4n 1",true,"a\\"b\\\\c",null]]') in body
    payload = json.loads(body)
    assert [s["name"] for s in payload["sheets"]] == ["Số liệu", "Danh mục", "Trống"]
    assert payload["sheets"][1]["values"] == [[None, None], [None, "x"]]
    assert payload["sheets"][2]["values"] == [[]]
    assert payload["names"] == [
        {"name": "'Số liệu'!Print_Titles", "sheet_index": 0, "address": "1:1", "book_scope": False,
         "scope_sheet_name": "Số liệu", "scope_sheet_index": 0},
        {"name": "KY", "sheet_index": 1, "address": "B2", "book_scope": True, "scope_sheet_name": None,
         "scope_sheet_index": None}]


@pytest.mark.parametrize("value, error, written", [
    ("#SPILL!", True, "[[1,,2]]"),                                # an error ConvertToJson does not know
    ("#N/A", True, '[[1,"#N/A",2]]'),
    ("0123456789012345", False, "[[1,0123456789012345,2]]"),      # 16 digits: written unquoted
    ("1.2.3.4.5.6.7.8.9", False, "[[1,1.2.3.4.5.6.7.8.9,2]]"),
])
def test_cells_that_make_the_client_write_invalid_json(tmp_path, value, error, written):
    book = openpyxl.Workbook()
    book.active.append([1, value, 2])
    if error:
        book.active["B1"].data_type = "e"
    book.save(tmp_path / "b.xlsx")
    body = payload_from_workbook(tmp_path / "b.xlsx", version="0.37.8")
    assert f'"values":{written}' in body
    if written.startswith("[[1,\""):
        json.loads(body)
    else:
        with pytest.raises(ValueError):
            json.loads(body)


def test_the_answer_is_read_with_long_numbers_as_text_and_newlines_as_cr_lf():
    answer = decode_response('{"a": 12345678901234567, "b": 1.5, "c": "x\\ny", "d": 1234567890.123456, "e": [1]}')
    assert answer == {"a": "12345678901234567", "b": 1.5, "c": "x\r\ny", "d": "1234567890.123456", "e": [1.0]}


# ------------------------------------------------------------------ presses against the server, today


def test_compute_fills_the_percentages_and_shows_the_outcome(addin, make_workbook):
    press = addin.press("compute", make_workbook(FIGURES))
    assert press.status == 200
    row = parse_grid(read_grid(make_workbook(FIGURES))).figures["THU_NS"].row
    assert press.book["Số liệu"].cell(row, 8).value == pytest.approx(117.25)
    assert press.shown.endswith("Tính toán xong: đã điền tỷ lệ % cho 2/11 chỉ tiêu.")
    assert press.alerts == []


def test_check_marks_the_cell_and_sets_its_note_through_the_add_in_macro(addin, make_workbook):
    path = make_workbook(dict(FIGURES, DN_MOI={"plan": 100, "last_year": 90, "actual": "abc"}))
    row = parse_grid(read_grid(path)).figures["DN_MOI"].row
    press = addin.press("check", path)
    assert press.status == 200
    cell = press.book["Số liệu"][f"G{row}"]
    assert cell.fill.fgColor.rgb == "FF" + excel.ERROR_FILL.lstrip("#")
    assert cell.comment.text.startswith("Lỗi: Ô này phải là số nhưng đang ghi «abc»")
    assert "Kiểm tra xong" in press.shown


def test_a_wrong_token_is_shown_in_vietnamese(server, make_workbook):
    press = AddIn(over_http(), token="sai", server_url=server).press("compute", make_workbook(FIGURES))
    assert press.status == 401
    assert press.shown == ("Lỗi: máy chủ xltools từ chối yêu cầu (mã 401): sai hoặc thiếu mã truy cập "
                           "(Authorization). Đề nghị hỏi cán bộ CNTT mã đúng.")


def _spill(make_workbook):
    def edit(book):
        book["Số liệu"]["M3"] = "#SPILL!"
        book["Số liệu"]["M3"].data_type = "e"

    return make_workbook(FIGURES, edit=edit)


def test_a_cell_that_makes_invalid_json_gets_a_400_not_a_crash(addin, make_workbook):
    press = addin.press("check", _spill(make_workbook))
    assert press.status == 400
    assert press.shown.startswith("Lỗi: máy chủ xltools từ chối yêu cầu (mã 400): ")


def test_a_cell_that_makes_invalid_json_is_named_in_the_message(addin, make_workbook):
    press = addin.press("check", _spill(make_workbook))
    assert press.status == 400
    assert press.shown == ("Lỗi: máy chủ xltools từ chối yêu cầu (mã 400): Excel không gửi được giá trị của ô M3 "
                           "trang «Số liệu»: ô này đang báo lỗi mà add-in không gửi được (như #SPILL!, #CALC!, #BUSY!). "
                           "Đề nghị sửa công thức của ô (hoặc xóa ô) rồi bấm lại nút.")


@pytest.mark.parametrize("cell", ["A1", "C7", "AB40"])
def test_an_error_cell_anywhere_is_named_even_first_or_last_in_its_row(addin, make_workbook, cell):
    def edit(book):
        sheet = book["Thuyết minh"]
        sheet[cell] = "#CALC!"
        sheet[cell].data_type = "e"

    press = addin.press("compute", make_workbook(FIGURES, edit=edit))
    assert press.status == 400 and f"ô {cell} trang «Thuyết minh»: ô này đang báo lỗi" in press.text


def test_a_long_digit_text_is_named_with_what_to_do(addin, make_workbook):
    def edit(book):
        book["Thông tin"]["D2"] = "0123456789012345678"

    press = addin.press("compute", make_workbook(FIGURES, edit=edit))
    assert (press.status, press.text) == (400, (
        "xltools: Excel gửi sai giá trị của ô D2 trang «Thông tin»: ô chữ «0123456789012345678» chỉ gồm chữ số (từ 16 "
        "ký tự trở lên) bị gửi đi như một con số. Đề nghị thêm chữ vào ô (ví dụ «Số 0123456789012345678») hoặc rút "
        "ngắn, rồi bấm lại nút."))


# ------------------------------------------------------------------ known faults of the server (issue 15)


PRESSES = 20


@pytest.fixture
def overlapping_checks(monkeypatch):
    """Make every check handler wait until all the presses' books are open, so that the presses overlap for sure."""
    barrier, check = threading.Barrier(PRESSES, timeout=60), excel.HANDLERS["check"]

    def overlapping(book):
        barrier.wait()
        return check(book)

    monkeypatch.setitem(excel.HANDLERS, "check", overlapping)


def test_twenty_concurrent_check_presses_each_get_their_own_notes(overlapping_checks, addin, make_workbook):
    presses = PRESSES
    paths = [make_workbook(dict(FIGURES, DN_MOI={"plan": 100, "last_year": 90, "actual": f"sai{n}"}),
                           name=f"ward{n}.xlsx") for n in range(presses)]
    row = parse_grid(read_grid(paths[0])).figures["DN_MOI"].row
    results = [None] * presses

    def press(n):
        results[n] = addin.press("check", paths[n])

    threads = [threading.Thread(target=press, args=(n,)) for n in range(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    notes = [(r.book["Số liệu"][f"G{row}"].comment.text if r and r.book["Số liệu"][f"G{row}"].comment else None)
             for r in results]
    assert all(note and f"«sai{n}»" in note for n, note in enumerate(notes)), notes


@pytest.fixture
def open_server(tmp_path, monkeypatch):
    """A server without a token, as on 127.0.0.1 by default."""
    (tmp_path / "out").mkdir()
    yield from serving(monkeypatch, output_dir=tmp_path / "out")


@pytest.mark.parametrize("headers, status, text", [
    ({"Host": "evil.example.com"}, 421, "máy chủ không nhận yêu cầu gửi tới tên «evil.example.com»."),
    ({"Origin": "http://evil.example.com"}, 403, "máy chủ không nhận yêu cầu từ trang web «http://evil.example.com»."),
    ({"Content-Type": "text/plain"}, 415, "máy chủ chỉ nhận bảng tính gửi từ add-in Excel (dữ liệu JSON, "
                                          "Content-Type: application/json), không nhận «text/plain»."),
    ({"Content-Type": "application/x-www-form-urlencoded"}, 415, "không nhận «application/x-www-form-urlencoded»."),
], ids=["foreign host", "foreign origin", "text/plain", "form"])
def test_requests_a_web_page_could_send_are_refused(open_server, make_workbook, tmp_path, headers, status, text):
    body = payload_from_workbook(make_workbook(FIGURES)).encode()
    answer = over_http()("POST", f"{open_server}/xlwings/report", {"Content-Type": "application/json", **headers}, body)
    assert answer[0] == status
    assert answer[2].decode().startswith("xltools: ") and text in answer[2].decode()
    assert list((tmp_path / "out").iterdir()) == []  # no report was written


def test_the_server_itself_and_its_local_names_are_accepted(open_server, make_workbook):
    port = open_server.rsplit(":", 1)[1]
    body = payload_from_workbook(make_workbook(FIGURES)).encode()
    for headers in ({"Host": f"localhost:{port}"}, {"Origin": open_server}, {"Host": "LOCALHOST"},
                    {"Content-Type": "application/json; charset=utf-8"}):
        status, _, _ = over_http()("POST", f"{open_server}/xlwings/compute",
                                   {"Content-Type": "application/json", **headers}, body)
        assert status == 200, headers


def test_a_name_given_with_allow_host_is_accepted(monkeypatch, make_workbook):
    for url in serving(monkeypatch, allow_hosts=["xltools.ubnd.local"]):
        body = payload_from_workbook(make_workbook(FIGURES)).encode()
        send = lambda host: over_http()("POST", f"{url}/xlwings/compute",
                                        {"Content-Type": "application/json", "Host": host}, body)[0]
        assert (send("xltools.ubnd.local:8000"), send("khac.ubnd.local")) == (200, 421)


def test_merge_is_refused_without_a_wards_root(open_server, make_workbook, tmp_path):
    press = AddIn(over_http(), server_url=open_server).press("merge", make_workbook(FIGURES))
    assert press.status == 403
    assert press.shown == ("Lỗi: máy chủ xltools từ chối yêu cầu (mã 403): máy chủ chưa đặt thư mục dữ liệu "
                           "(--wards-root) nên không tổng hợp được qua máy chủ. Đề nghị cán bộ CNTT chạy lại «xltools "
                           "serve» với --wards-root <thư mục chứa tệp của các phường, xã>.")


def test_merge_takes_a_folder_written_with_backslashes(addin, tmp_path, catalog):
    city = wards_and_city(tmp_path / "2022" / "PhuongXa", tmp_path / "thanh-pho.xlsx", "2022\\PhuongXa", catalog)
    press = addin.press("merge", city)
    assert press.status == 200
    assert press.shown.split(": ", 1)[1].startswith("Tổng hợp xong: 2/2 tệp được đưa vào")
    row = parse_grid(read_grid(city)).figures["THU_NS"].row
    assert press.book["Số liệu"].cell(row, 7).value == 1622.5


def test_a_vietnamese_token_is_compared_as_utf8(monkeypatch, make_workbook):
    import http.client
    from urllib.parse import urlsplit

    token = "mã-bí-mật-Hà-Tĩnh"
    body = payload_from_workbook(make_workbook(FIGURES)).encode()
    for url in serving(monkeypatch, token=token):
        address = urlsplit(url)

        def send(authorization: bytes) -> int:
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60)
            connection.request("POST", "/xlwings/compute", body, {"Content-Type": "application/json",
                                                                  "Authorization": authorization})
            status = connection.getresponse().status
            connection.close()
            return status

        assert send(token.encode("utf-8")) == 200
        assert send(b"Bearer " + token.encode("utf-8")) == 200
        assert send(token.encode("cp1258", "replace")) == 401
        assert send(b"ma-bi-mat-Ha-Tinh") == 401


@pytest.fixture
def silent_compute(monkeypatch):
    """Make Tính toán write nothing into the book, as when no sheet could take its message."""
    monkeypatch.setitem(excel.HANDLERS, "compute", lambda book: "Lỗi: không ghi được vào bảng tính đang mở.")


def test_a_message_that_could_not_be_written_is_shown_with_its_diacritics(silent_compute, addin, make_workbook):
    press = addin.press("compute", make_workbook(FIGURES))
    assert press.status == 200
    assert (press.shown, press.alerts) == ("Lỗi: không ghi được vào bảng tính đang mở.", [])


def test_nothing_of_a_press_is_kept_after_its_answer(addin, make_workbook):
    import xlwings as xw
    from xlwings.pro._xlremote import get_range_api

    app = xw.engines["remote"].apps.active
    before = len(app.books)
    for handler in ("check", "compute", "report"):
        assert addin.press(handler, make_workbook(FIGURES)).status == 200
    assert len(app.books) == before
    assert get_range_api.cache_info().currsize == 0


def test_the_report_press_delivers_the_docx_into_documents(addin, make_workbook, tmp_path):
    press = addin.press("report", make_workbook(FIGURES, name="tran-phu.xlsx"))
    assert press.status == 200
    assert [p.name for p in press.saved] == ["tran-phu - báo cáo.docx"]
    assert press.saved[0].parent == tmp_path / "Documents"
    assert "word/document.xml" in zipfile.ZipFile(press.saved[0]).namelist()
    info = press.book["Thông tin"]
    assert any(row[0] == excel.REPORT_LABEL and row[1] == str(press.saved[0])
               for row in info.iter_rows(values_only=True))
    assert press.shown.endswith(f"Đã tạo báo cáo «tran-phu - báo cáo.docx».\r\n\r\nĐã lưu báo cáo vào {press.saved[0]}")


def test_two_reports_of_the_same_name_are_both_delivered(addin, make_workbook, tmp_path):
    path = make_workbook(FIGURES, name="tran-phu.xlsx")
    first, second = addin.press("report", path), addin.press("report", path)
    assert [p.name for p in first.saved + second.saved] == ["tran-phu - báo cáo.docx", "tran-phu - báo cáo (2).docx"]
    kept = sorted((tmp_path / "reports").glob("*/*.docx"))
    assert len(kept) == 2 and kept[0].parent != kept[1].parent


def test_an_expired_report_is_explained(monkeypatch, make_workbook, tmp_path):
    (tmp_path / "giu").mkdir()
    for url in serving(monkeypatch, output_dir=tmp_path / "giu", keep_minutes=0.001):
        addin = AddIn(over_http(), server_url=url, documents=tmp_path)
        fetch = addin._macros  # the press fetches at once; make it wait past the expiry first

        def late(press, notices):
            macros = fetch(press, notices)
            open_report = macros["XLToolsOpenReport"]
            macros["XLToolsOpenReport"] = lambda *args: (time_module.sleep(0.1), open_report(*args))
            return macros

        monkeypatch.setattr(addin, "_macros", late)
        press = addin.press("report", make_workbook(FIGURES))
        assert press.saved == []
        assert press.shown.endswith("Lỗi: không tải được báo cáo từ máy chủ về máy này (máy chủ trả lỗi 404: xltools: "
                                    "không có báo cáo này trên máy chủ, hoặc báo cáo đã quá thời gian giữ (0 phút). "
                                    "Bấm lại nút Tạo báo cáo.).")
