"""`xltools serve` over real HTTP on 127.0.0.1: the remote clients' payload in, the handlers' actions out."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from payload import book_payload  # noqa: E402
from xltools import excel  # noqa: E402

TOKEN = "ma-bi-mat-thu-nghiem"
FIGURES = {
    "THU_NS": {"plan": 1000, "last_year": 1138.3, "actual": 1172.5},
    "DN_MOI": {"plan": 100, "last_year": 90, "actual": 95},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(*arguments, env=None):
    environment = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial", **(env or {}))
    return subprocess.Popen([sys.executable, "-m", "xltools.cli", "serve", *arguments], env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return tmp_path_factory.mktemp("reports")


@pytest.fixture(scope="module")
def wards_root(tmp_path_factory):
    return tmp_path_factory.mktemp("du-lieu")


@pytest.fixture(scope="module")
def server(reports, wards_root):
    """Return the base URL of a running `xltools serve --token … --output-dir … --wards-root …` on a free port."""
    port = free_port()
    process = start("--port", str(port), "--token", TOKEN, "--output-dir", str(reports),
                    "--wards-root", str(wards_root))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                assert json.load(answer)["status"] == "ok"
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"xltools serve did not start: {process.communicate()}")
            time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


def post(url, body, authorization=TOKEN):
    data = body if isinstance(body, bytes) else json.dumps(body).encode("utf-8")
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_compute_over_http_returns_the_same_actions_as_in_process(server, make_workbook, monkeypatch):
    path = make_workbook(FIGURES)
    status, answer = post(f"{server}/xlwings/compute", book_payload(path))
    assert status == 200
    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    excel.use_remote_engine()
    import xlwings as xw

    local = xw.Book(json=book_payload(path))
    excel.compute(local)
    strip = lambda actions: [a for a in actions if not (a["values"] and a["values"][0][:1] == [excel.MESSAGE_LABEL])]
    assert strip(answer["actions"]) == strip(local.json()["actions"])
    first = answer["actions"][0]
    assert (first["func"], first["sheet_position"], first["start_row"], first["start_column"]) == ("setValues", 2, 6, 7)
    assert first["values"] == [[pytest.approx(117.25)]]
    message = [a["values"][0][1] for a in answer["actions"] if a["values"] and a["values"][0][0] == excel.MESSAGE_LABEL]
    assert len(message) == 1 and message[0].endswith("Tính toán xong: đã điền tỷ lệ % cho 2/11 chỉ tiêu.")


def test_bearer_form_of_the_token_is_accepted(server, make_workbook):
    status, answer = post(f"{server}/xlwings/compute", book_payload(make_workbook(FIGURES)), f"Bearer {TOKEN}")
    assert status == 200 and answer["actions"]


@pytest.mark.parametrize("authorization", [None, "", "sai-ma", TOKEN + "x"])
def test_a_missing_or_wrong_token_is_refused(server, make_workbook, authorization):
    status, text = post(f"{server}/xlwings/compute", book_payload(make_workbook(FIGURES)), authorization)
    assert status == 401
    assert text == "xltools: sai hoặc thiếu mã truy cập (Authorization). Đề nghị hỏi cán bộ CNTT mã đúng."


def test_unknown_handler_and_bad_bodies_get_a_vietnamese_answer(server, make_workbook):
    payload = book_payload(make_workbook(FIGURES))
    assert post(f"{server}/xlwings/xoa", payload) == (
        404, "xltools: không có chức năng «xoa»; chỉ có: check, compute, merge, report.")
    assert post(f"{server}/xlwings/compute", b"{not json") == (400, "xltools: dữ liệu gửi lên không phải JSON của xlwings.")
    assert post(f"{server}/xlwings/compute", {"client": "VBA"}) == (
        400, "xltools: dữ liệu gửi lên không đúng định dạng của xlwings (thiếu «book» hoặc «sheets»).")
    status, text = post(f"{server}/xlwings/compute", dict(payload, version="0.1.0"))
    assert status == 400 and text.startswith("xltools: phiên bản xlwings trên máy trạm (0.1.0) khác máy chủ")


def test_a_book_that_is_not_the_standard_one_gets_a_message_sheet(server, tmp_path):
    from openpyxl import Workbook

    other = Workbook()
    other.active.title = "Sheet1"
    path = tmp_path / "khac.xlsx"
    other.save(path)
    status, answer = post(f"{server}/xlwings/compute", book_payload(path))
    assert status == 200
    assert answer["actions"][0]["func"] == "addSheet" and answer["actions"][0]["args"] == [1, "Kiểm tra"]
    assert answer["actions"][1]["values"][0][1].split(": ", 1)[1].startswith("Lỗi: không tìm thấy bảng số liệu")


def test_serve_refuses_a_public_address_without_a_token():
    process = start("--host", "0.0.0.0", "--port", str(free_port()), env={"XLTOOLS_TOKEN": ""})
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert "không mở máy chủ trên địa chỉ 0.0.0.0 khi chưa đặt mã truy cập" in err
    assert out == ""


def test_serve_refuses_an_output_folder_that_does_not_exist(tmp_path):
    process = start("--port", str(free_port()), "--output-dir", str(tmp_path / "khong-co"))
    out, err = process.communicate(timeout=30)
    assert process.returncode == 2
    assert f"--output-dir: không tìm thấy thư mục «{tmp_path / 'khong-co'}»." in err


def test_check_over_http_marks_the_cell_and_calls_the_note_macro_of_the_add_in(server, make_workbook):
    pytest.importorskip("xltools.check")
    from xltools.grid import read_grid
    from xltools.parse import parse_grid

    path = make_workbook(dict(FIGURES, DN_MOI={"plan": 100, "last_year": 90, "actual": "abc"}))
    row = parse_grid(read_grid(path)).figures["DN_MOI"].row
    status, answer = post(f"{server}/xlwings/check?macros=XLTools.xlam", book_payload(path))
    assert status == 200
    data = [a for a in answer["actions"] if a["sheet_position"] == 2]
    assert {"func": "setRangeColor", "args": [excel.ERROR_FILL], "values": None, "sheet_position": 2,
            "start_row": row - 1, "start_column": 6, "row_count": 1, "column_count": 1} in data
    notes = [a["args"] for a in answer["actions"] if a["func"] == "runMacro"]
    assert ["'XLTools.xlam'!XLToolsSetNote", "Số liệu", f"G{row}",
            "Lỗi: Ô này phải là số nhưng đang ghi «abc» (không phải là số). Đề nghị nhập lại bằng số, ví dụ 1.172,5."
            ] in notes


def test_report_over_http_is_written_into_the_output_folder(server, reports, make_workbook):
    path = make_workbook(FIGURES, name="tran-phu.xlsx")
    status, answer = post(f"{server}/xlwings/report", book_payload(path))
    assert status == 200
    target = reports / "tran-phu - báo cáo.docx"
    assert target.is_file() and target.stat().st_size > 10_000
    rows = [a["values"][0] for a in answer["actions"] if a["func"] == "setValues" and a["sheet_position"] == 1]
    assert ["Tệp báo cáo", str(target)] in rows


def test_merge_over_http_reads_a_folder_under_the_wards_root(server, wards_root, tmp_path, catalog):
    from xltools.writer import build_workbook, save_workbook, write_figures

    folder = wards_root / "2022" / "phuong-xa"
    folder.mkdir(parents=True)
    for code, name, actual in (("TRAN_PHU", "Phường Trần Phú", 1172.5), ("BAC_HA", "Phường Bắc Hà", 450)):
        ward = build_workbook(catalog, unit_code=code, unit_name=name, year=2022)
        write_figures(ward, {"THU_NS": {"plan": 1000, "actual": actual}})
        save_workbook(ward, folder / f"{code}.xlsx")
    city = build_workbook(catalog, unit_code="TP", unit_name="Thành phố Hà Tĩnh", year=2022, city=True,
                          info={"ward_folder": "2022/phuong-xa"}, units=[("TRAN_PHU", "Phường Trần Phú"),
                                                                        ("BAC_HA", "Phường Bắc Hà")])
    save_workbook(city, tmp_path / "thanh-pho.xlsx")
    status, answer = post(f"{server}/xlwings/merge", book_payload(tmp_path / "thanh-pho.xlsx"))
    assert status == 200
    actual = [a["values"] for a in answer["actions"]
              if a["func"] == "setValues" and a["sheet_position"] == 2 and (a["start_row"], a["start_column"]) == (6, 6)]
    assert actual == [[[1622.5]]]
    message = [a["values"][0][1] for a in answer["actions"] if a["func"] == "setValues" and a["sheet_position"] == 1]
    assert message[-1].split(": ", 1)[1].startswith("Tổng hợp xong: 2/2 tệp được đưa vào")


def test_a_payload_over_the_limit_is_refused_before_it_is_read(server):
    import http.client
    from urllib.parse import urlsplit

    from xltools.server import MAX_PAYLOAD_BYTES

    address = urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.putrequest("POST", "/xlwings/compute")
    connection.putheader("Authorization", TOKEN)
    connection.putheader("Content-Length", str(MAX_PAYLOAD_BYTES + 1))
    connection.endheaders()
    answer = connection.getresponse()
    assert answer.status == 413
    assert answer.read().decode("utf-8") == "xltools: bảng tính gửi lên quá lớn (trên 32 MB)."
    connection.close()


def test_a_payload_of_the_wrong_shape_gets_a_400(server):
    status, text = post(f"{server}/xlwings/compute", {"book": {"name": "x"}, "sheets": [{"values": 5}],
                                                      "version": "0", "client": "Office.js", "names": []})
    assert (status, text) == (400, "xltools: dữ liệu gửi lên không đúng định dạng của xlwings (trang thứ 1 thiếu "
                                   "«name» hoặc «values» dạng bảng).")


def test_when_nothing_could_be_written_the_message_comes_as_an_alert(make_workbook, monkeypatch):
    from xltools import server as module

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    excel.use_remote_engine()
    answer = module._run_handler(lambda book: "Lỗi: không ghi được.", book_payload(make_workbook(FIGURES)),
                                 None, lambda status, text: (status, text), lambda actions: actions)
    assert answer["actions"] == [{"func": "alert", "args": ["Lỗi: không ghi được.", "xltools", "ok", "critical", ""],
                                  "values": None, "sheet_position": None, "start_row": None, "start_column": None,
                                  "row_count": None, "column_count": None}]
