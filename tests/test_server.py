"""`xltools serve` over real HTTP on 127.0.0.1: the remote clients' payload in, the handlers' actions out."""

from __future__ import annotations

import functools
import json
import operator
import os
import re
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
from vba_client import over_http  # noqa: E402
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


def test_report_over_http_is_kept_under_a_random_id_for_the_add_in_to_fetch(server, reports, make_workbook):
    path = make_workbook(FIGURES, name="tran-phu.xlsx")
    status, answer = post(f"{server}/xlwings/report?macros=XLTools.xlam", book_payload(path))
    assert status == 200
    [(at, macro, report_id, name)] = [(n, *a["args"]) for n, a in enumerate(answer["actions"])
                                      if a["func"] == "runMacro"]
    assert macro == "'XLTools.xlam'!XLToolsOpenReport"
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", report_id) and name == "tran-phu - báo cáo.docx"
    target = reports / report_id / name
    assert target.is_file() and target.stat().st_size > 10_000
    rows = [(n, a["values"][0]) for n, a in enumerate(answer["actions"])
            if a["func"] == "setValues" and a["sheet_position"] == 1]
    assert [n for n, row in rows if row == ["Tệp báo cáo", str(target)]] < [at]  # the add-in then writes its own path
    assert rows[-1][1][1].endswith("Đã tạo báo cáo «tran-phu - báo cáo.docx».")

    status, kind, content = over_http()("GET", f"{server}/reports/{report_id}", {"Authorization": TOKEN}, None)
    assert (status, kind) == (200, "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    assert content == target.read_bytes()
    assert over_http()("GET", f"{server}/reports/{report_id}", {"Authorization": "sai"}, None)[::2] == (
        401, "xltools: sai hoặc thiếu mã truy cập (Authorization). Đề nghị hỏi cán bộ CNTT mã đúng.".encode())
    for unknown in (report_id[:-1] + ("A" if report_id[-1] != "A" else "B"), "x", "..%2E%2E"):
        status, _, text = over_http()("GET", f"{server}/reports/{unknown}", {"Authorization": TOKEN}, None)
        assert (status, text.decode()) == (404, "xltools: không có báo cáo này trên máy chủ, hoặc báo cáo đã quá thời "
                                                "gian giữ (60 phút). Bấm lại nút Tạo báo cáo.")
    status, _, text = over_http()("GET", f"{server}/reports/..%2F{report_id}", {"Authorization": TOKEN}, None)
    assert (status, text.decode()) == (404, f"xltools: không có địa chỉ «/reports/../{report_id}» trên máy chủ "
                                            "xltools.")


WARDS = (("TRAN_PHU", "Phường Trần Phú", 1172.5), ("BAC_HA", "Phường Bắc Hà", 450))


def wards_and_city(folder, city, entry: str, catalog, files=("TRAN_PHU.xlsx", "BAC_HA.xlsx")):
    """Write the two WARDS into `folder` as `files`, and at `city` a city workbook whose ward folder reads `entry`."""
    from xltools.writer import build_workbook, save_workbook, write_figures

    folder.mkdir(parents=True)
    for (code, name, actual), file in zip(WARDS, files):
        ward = build_workbook(catalog, unit_code=code, unit_name=name, year=2022)
        write_figures(ward, {"THU_NS": {"plan": 1000, "actual": actual}})
        save_workbook(ward, folder / file)
    book = build_workbook(catalog, unit_code="TP", unit_name="Thành phố Hà Tĩnh", year=2022, city=True,
                          info={"ward_folder": entry}, units=[(code, name) for code, name, _ in WARDS])
    save_workbook(book, city)
    return city


def test_merge_over_http_reads_a_folder_under_the_wards_root(server, wards_root, tmp_path, catalog):
    city = wards_and_city(wards_root / "2022" / "phuong-xa", tmp_path / "thanh-pho.xlsx", "2022/phuong-xa", catalog)
    status, answer = post(f"{server}/xlwings/merge", book_payload(city))
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
    connection.putheader("Content-Type", "application/json")
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


@pytest.mark.parametrize("client, action", [
    ("VBA", {"func": "runMacro", "args": ["'XLTools.xlam'!XLToolsMessage", "Lỗi: không ghi được."]}),
    ("Office.js", {"func": "alert", "args": ["Lỗi: không ghi được.", "xltools", "ok", "critical", ""]}),
])
def test_when_nothing_could_be_written_the_message_comes_as_a_message_box(make_workbook, monkeypatch, client, action):
    from xltools.server import answer

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    excel.use_remote_engine()
    body = json.dumps(book_payload(make_workbook(FIGURES), client=client)).encode()
    assert answer(lambda book: "Lỗi: không ghi được.", body, "XLTools.xlam")["actions"] == [
        {**action, "values": None, "sheet_position": None, "start_row": None, "start_column": None,
         "row_count": None, "column_count": None}]


# ------------------------------------------------------------------ who may ask


@pytest.mark.parametrize("bound, allowed, host, accepted", [
    ("127.0.0.1", [], "127.0.0.1:8000", True),
    ("127.0.0.1", [], "localhost:8000", True),
    ("127.0.0.1", [], "[::1]:8000", True),
    ("127.0.0.1", [], "evil.example.com", False),     # a web page's own name, pointed at 127.0.0.1
    ("127.0.0.1", [], "10.0.0.5:8000", False),
    ("0.0.0.0", [], "10.0.0.5:8000", True),           # bound to every address: any IP of the server
    ("0.0.0.0", [], "[fe80::1]:8000", True),
    ("0.0.0.0", [], "may-chu:8000", False),
    ("0.0.0.0", ["may-chu.ubnd.local"], "MAY-CHU.ubnd.local.:8000", True),
    ("10.0.0.5", [], "10.0.0.5", True),
    ("10.0.0.5", [], "10.0.0.6:8000", False),
    ("127.0.0.1", [], "", False),
    ("127.0.0.1", [], "127.0.0.1:abc", False),
])
def test_the_host_must_be_the_bound_address_or_an_allowed_name(bound, allowed, host, accepted):
    from types import SimpleNamespace

    from xltools.server import Guard, Refusal

    request = SimpleNamespace(headers={"host": host})
    if accepted:
        Guard(bound, allowed).check(request)
    else:
        with pytest.raises(Refusal) as refused:
            Guard(bound, allowed).check(request)
        assert refused.value.status == 421
        assert refused.value.message.startswith(f"máy chủ không nhận yêu cầu gửi tới tên «{host}».")


@pytest.mark.parametrize("host, origin, accepted", [
    ("127.0.0.1:8000", "http://127.0.0.1:8000", True),
    ("xltools.ubnd.local", "http://xltools.ubnd.local", True),
    ("xltools.ubnd.local", "https://xltools.ubnd.local", True),  # behind an HTTPS proxy
    ("127.0.0.1:8000", "http://127.0.0.1:9000", False),        # another program's page on this PC
    ("127.0.0.1:8000", "http://localhost:8000", False),
    ("127.0.0.1:8000", "null", False),                          # a sandboxed page or a file
    ("127.0.0.1:8000", "file://", False),
    ("127.0.0.1:8000", "http://127.0.0.1:99999", False),
])
def test_only_the_server_s_own_origin_is_accepted(host, origin, accepted):
    from types import SimpleNamespace

    from xltools.server import Guard, Refusal

    guard = Guard("0.0.0.0", ["xltools.ubnd.local"])
    request = SimpleNamespace(headers={"host": host, "origin": origin})
    if accepted:
        guard.check(request)
    else:
        with pytest.raises(Refusal) as refused:
            guard.check(request)
        assert (refused.value.status, refused.value.message) == (
            403, f"máy chủ không nhận yêu cầu từ trang web «{origin}».")


def test_unknown_addresses_and_methods_are_answered_in_vietnamese(server):
    assert over_http()("GET", f"{server}/khac", {}, None)[::2] == (
        404, "xltools: không có địa chỉ «/khac» trên máy chủ xltools.".encode())
    assert over_http()("GET", f"{server}/xlwings/check", {}, None)[::2] == (
        405, "xltools: địa chỉ «/xlwings/check» không nhận yêu cầu GET.".encode())


# ------------------------------------------------------------------ malformed bodies


def _sheet(values, name="Số liệu"):
    import xlwings as xw

    return {"client": "VBA", "version": xw.__version__, "book": {"name": "b.xlsx", "active_sheet_index": 0},
            "names": [], "sheets": [{"name": name, "values": values, "pictures": [], "tables": []}]}


@pytest.mark.parametrize("body, message", [
    (b"[" * 100_000 + b"]" * 100_000, "dữ liệu gửi lên không đúng định dạng của xlwings (các mục lồng nhau quá sâu)."),
    (b"\xff\xfe{", "dữ liệu gửi lên không phải JSON của xlwings."),
    (b'{"sheets": [], "book": {}, "client": "VBA", "version": ' + b"9" * 5000 + b"}",
     "dữ liệu gửi lên không phải JSON của xlwings."),
    ([1, 2], "dữ liệu gửi lên không đúng định dạng của xlwings (thiếu «book» hoặc «sheets»)."),
    (dict(_sheet([[1]]), book={"name": 5}),
     "dữ liệu gửi lên không đúng định dạng của xlwings (mục «book.name» phải là chữ)."),
    (dict(_sheet([[1]]), version=None),
     "dữ liệu gửi lên không đúng định dạng của xlwings (mục «version» phải là chữ)."),
    (dict(_sheet([[1]]), names={"a": 1}), "dữ liệu gửi lên không đúng định dạng của xlwings (mục «names» phải là danh "
                                          "sách các tên vùng)."),
    (_sheet([[1, 2], [3]]), "dữ liệu gửi lên không đúng định dạng của xlwings (trang «Số liệu»: các dòng của «values» "
                            "dài ngắn khác nhau)."),
    (_sheet([[1, {"a": 1}]]), "dữ liệu gửi lên không đúng định dạng của xlwings: ô B1 trang «Số liệu» có giá trị không "
                              'đọc được ({"a": 1}).'),
    (_sheet([[None], [[[[1]]]]]), "dữ liệu gửi lên không đúng định dạng của xlwings: ô A2 trang «Số liệu» có giá trị "
                                  "không đọc được ([[[1]]])."),
    (_sheet([[None, None, float("nan")]]), "dữ liệu gửi lên không đúng định dạng của xlwings: ô C1 trang «Số liệu» có "
                                           "giá trị không đọc được (NaN)."),
    (_sheet([[10 ** 400]]), "dữ liệu gửi lên không đúng định dạng của xlwings: ô A1 trang «Số liệu» có giá trị "
                            "không đọc được (1" + "0" * 59 + "…)."),
    (_sheet([[], ["2026-02-30T00:00:00.000Z"]]), "dữ liệu gửi lên không đúng định dạng của xlwings (trang «Số liệu»: "
                                                  "các dòng của «values» dài ngắn khác nhau)."),
    (_sheet([[None], ["2026-02-30T00:00:00.000Z"]]), "dữ liệu gửi lên không đúng định dạng của xlwings: ô A2 trang «Số "
                                                      'liệu» có giá trị không đọc được ("2026-02-30T00:00:00.000Z").'),
], ids=["deep nesting", "not UTF-8", "5000 digits", "a list", "book name", "version", "names", "ragged rows",
        "object in a cell", "list in a cell", "NaN", "huge integer", "ragged with a date", "30 February"])
def test_a_malformed_body_gets_a_400_in_vietnamese(server, body, message):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    assert post(f"{server}/xlwings/compute", data) == (400, f"xltools: {message}")


def test_half_an_emoji_in_a_cell_is_answered_not_a_500(server, make_workbook):
    from vba_client import payload_from_workbook

    # VBA strings are UTF-16: a text cut inside an emoji holds a lone surrogate, which the add-in escapes
    path = make_workbook(dict(FIGURES, DN_MOI={"plan": 100, "last_year": 90, "actual": "95 HALF"}))
    status, answer = _post_raw(server, "check", payload_from_workbook(path).replace("HALF", "\\uD83D").encode())
    assert status == 200
    notes = [action["args"][3] for action in json.loads(answer)["actions"] if action["func"] == "runMacro"]
    # the message quotes the cell as it can be shown: the lone half as «�» (findings.readable)
    assert any("«95 \ufffd»" in note for note in notes)


@pytest.fixture(scope="module")
def vba_body(tmp_path_factory):
    """Return the body the add-in posts for a small ward workbook."""
    from conftest import small_catalog
    from vba_client import payload_from_workbook
    from xltools.writer import build_workbook, save_workbook, write_figures

    book = build_workbook(small_catalog(), unit_code="TRAN_PHU", unit_name="Phường Trần Phú", year=2022)
    write_figures(book, FIGURES)
    path = tmp_path_factory.mktemp("fuzz") / "ward.xlsx"
    save_workbook(book, path)
    return payload_from_workbook(path)


FRAGMENTS = [",", "]", "[", "{", "}", '"', "\\", ":", "NaN", "-Infinity", "1e999", "null", "true", "-0",
             "0123456789012345", '"2026-02-30T00:00:00.000Z"', '"\\ud800"', '"\\u0000"', "[" * 3000, "{}", "[]",
             '""', "é", "9" * 5000, '{"a":[1,{"b":null}]}', '"=HYPERLINK(\\"x\\")"']


def _answered_well(status: int, text: str) -> bool:
    if status == 200:
        return isinstance(json.loads(text)["actions"], list)
    return status == 400 and text.startswith("xltools: ")


def _post_raw(server, handler, data: bytes):
    request = urllib.request.Request(f"{server}/xlwings/{handler}", data=data, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": TOKEN})
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, answer.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


def test_a_fuzz_of_broken_texts_never_gets_a_500(server, vba_body):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.data())
    def broken(data):
        text = vba_body
        for _ in range(data.draw(st.integers(1, 3))):
            at = data.draw(st.integers(0, len(text)))
            text = text[:at] + data.draw(st.sampled_from(FRAGMENTS)) + text[at + data.draw(st.integers(0, 40)):]
        status, answer = _post_raw(server, data.draw(st.sampled_from(["check", "compute"])), text.encode())
        assert _answered_well(status, answer), (status, answer[:300])

    broken()


def test_a_fuzz_of_wrong_values_in_the_payload_never_gets_a_500(server, vba_body):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    payload = json.loads(vba_body)
    places = list(_places(payload))
    cells = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
             | st.sampled_from(["abc", "1.172,5", "-5", "1e308", "#N/A", "#REF!", "2022-01-01T00:00:00.000Z",
                                "2026-02-30T00:00:00.000Z", " ", "=SUM(A1)", "Năm", "Quý I", "Tháng 13", "TRAN_PHU"]))
    nested = st.recursive(cells, lambda inner: st.lists(inner, max_size=3)
                          | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)
    values = st.one_of(cells, cells, cells, nested)  # mostly plain values, which reach the handler

    @settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(st.data())
    def wrong(data):
        changed = json.loads(vba_body)
        for _ in range(data.draw(st.integers(1, 3))):
            path = data.draw(st.sampled_from(places))
            try:
                parent = functools.reduce(operator.getitem, path[:-1], changed)
                if data.draw(st.booleans()) and isinstance(parent, dict):
                    del parent[path[-1]]
                else:
                    parent[path[-1]] = data.draw(values)
            except (LookupError, TypeError):
                continue  # an earlier change took this place away
        body = json.dumps(changed, allow_nan=True).encode("utf-8", "surrogatepass")
        status, answer = _post_raw(server, data.draw(st.sampled_from(["check", "compute"])), body)
        assert _answered_well(status, answer), (status, answer[:300])

    wrong()


def _places(value, path=()):
    """Yield the path of every item of the payload, its keys and cells alike."""
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        yield (*path, key)
        if isinstance(item, (dict, list)) and item:
            yield from _places(item, (*path, key))


# ------------------------------------------------------------------ a ward file that kills its reader

# Stands for python-calamine aborting the process on a file it cannot read: in every Python of
# the server started with this folder on PYTHONPATH, reading a file named crash*.xlsx aborts.
CRASHING_READER = '''
import os
import resource

import python_calamine

resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
_real = python_calamine.CalamineWorkbook


class CrashingWorkbook:
    @staticmethod
    def from_path(path, *args, **kwargs):
        if os.path.basename(path).startswith("crash"):
            os.abort()
        return _real.from_path(path, *args, **kwargs)


python_calamine.CalamineWorkbook = CrashingWorkbook
'''


def test_a_ward_file_that_kills_the_reader_becomes_a_message_not_a_dead_server(tmp_path, catalog):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(CRASHING_READER)
    root = tmp_path / "du-lieu"
    folder = root / "2022" / "PhuongXa"
    payload = book_payload(wards_and_city(folder, tmp_path / "thanh-pho.xlsx", "2022\\PhuongXa", catalog,
                                          files=("crash-tran-phu.xlsx", "bac-ha.xlsx")))

    port = free_port()
    python_path = os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")]))
    process = start("--port", str(port), "--token", TOKEN, "--wards-root", str(root), env={"PYTHONPATH": python_path})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while not _up(url):
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            time.sleep(0.2)

        def merged() -> str:
            status, answer = post(f"{url}/xlwings/merge", payload)
            assert status == 200
            return [a["values"][0][1] for a in answer["actions"] if a["func"] == "setValues"
                    and a["values"][0][0] == excel.MESSAGE_LABEL][0].split(": ", 1)[1]

        assert merged() == (f"Lỗi: chương trình đọc tệp Excel dừng đột ngột khi đọc các tệp trong thư mục «{folder}» "
                            "(có thể một tệp bị hỏng). Đề nghị mở thử từng tệp mới nhận bằng Excel, lưu lại rồi bấm "
                            "Tổng hợp lại; nếu vẫn lỗi, báo cán bộ công nghệ thông tin.")
        assert process.poll() is None
        (folder / "bac-ha.xlsx").unlink()  # the crashing file alone: still read in a worker, not in the server
        assert merged().startswith("Lỗi: chương trình đọc tệp Excel dừng đột ngột")
        (folder / "crash-tran-phu.xlsx").rename(folder / "tran-phu.xlsx")
        assert merged().startswith("Tổng hợp xong: 1/1 tệp được đưa vào")
        assert process.poll() is None
    finally:
        process.terminate()
        process.communicate(timeout=10)


def _up(url: str) -> bool:
    try:
        return over_http(timeout=1)("GET", f"{url}/health", {}, None)[0] == 200
    except OSError:
        return False


def test_serve_takes_the_report_and_host_options(monkeypatch):
    from xltools import server as module
    from xltools.cli import main

    called = {}
    monkeypatch.setattr(module, "serve", lambda **options: called.update(options))
    assert main(["serve", "--allow-host", "xltools.ubnd.local", "--allow-host", "may-chu", "--keep-reports", "15",
                 "--reports-max-mb", "50", "--wards-root", "D:/BaoCao"]) == 0
    assert {key: called[key] for key in ("allow_hosts", "keep_minutes", "reports_max_mb", "wards_root")} == {
        "allow_hosts": ["xltools.ubnd.local", "may-chu"], "keep_minutes": 15, "reports_max_mb": 50,
        "wards_root": "D:/BaoCao"}


# ------------------------------------------------------------------ reports kept for the add-in


def _keep(store, text: bytes = b"docx", age_minutes: float = 0):
    report_id, folder = store.reserve()
    (folder / "bao-cao.docx").write_bytes(text)
    then = time.time() - age_minutes * 60
    os.utime(folder, (then, then))
    return report_id


def test_a_report_is_kept_under_a_random_id_until_it_expires(tmp_path):
    from xltools.server import ReportStore

    store = ReportStore(tmp_path, keep_minutes=60)
    fresh, old = _keep(store), _keep(store, age_minutes=61)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", fresh) and fresh != old
    assert store.find(fresh) == tmp_path / fresh / "bao-cao.docx"
    assert store.find(old) is None and not (tmp_path / old).exists()
    assert store.find("../" + fresh) is None and store.find(fresh.lower() + "x") is None


def test_the_oldest_reports_go_first_past_the_disk_bound(tmp_path):
    from xltools.server import ReportStore

    store = ReportStore(tmp_path, max_bytes=2500)
    kept = [_keep(store, b"x" * 1000, age_minutes=minutes) for minutes in (3, 2, 1)]
    store.sweep()
    assert [store.find(report_id) is not None for report_id in kept] == [False, True, True]
    alone = ReportStore(tmp_path / "nho", max_bytes=10)
    big = _keep(alone, b"x" * 1000)
    assert alone.find(big) is not None  # the newest is never removed: a client is about to fetch it


def test_the_store_removes_only_its_own_folders(tmp_path):
    from xltools.server import ReportStore

    (tmp_path / "Báo cáo tháng 9").mkdir()
    (tmp_path / "ghi-chu.txt").write_text("x")
    (tmp_path / ("A" * 31)).mkdir()
    then = time.time() - 10 * 86400
    for path in tmp_path.iterdir():
        os.utime(path, (then, then))
    store = ReportStore(tmp_path, keep_minutes=1, max_bytes=0)
    _keep(store, age_minutes=5)
    store.sweep()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["A" * 31, "Báo cáo tháng 9", "ghi-chu.txt"]
