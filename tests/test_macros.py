"""The VBA modules and the ribbon: every button reaches a Sub, every Sub reaches a Python handler."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import xltools.excel as excel

MACROS = Path(__file__).resolve().parent.parent / "macros"
BAS_FILES = sorted(MACROS.glob("*.bas"))
RIBBON = MACROS / "customUI14.xml"
NS = {"ui": "http://schemas.microsoft.com/office/2009/07/customui"}

SUB = re.compile(r"^\s*(?:Public\s+|Private\s+)?(Sub|Function)\s+(\w+)\s*\(([^)]*)\)", re.I | re.M)
RUN_PYTHON = re.compile(r'\bRunPython\s*\(?\s*"([^"]*)"', re.I)
RUN_REMOTE = re.compile(r'\bRunRemotePython\s*\(?\s*XLToolsUrl\("(\w+)"\)', re.I)
CALLER = re.compile(r"^import xltools\.excel as (\w+); \1\.(\w+)\(\)$")


def _code(path: Path) -> str:
    """Return the VBA code of `path` with comments removed (a ' outside a string starts one)."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        inside = False
        for i, char in enumerate(line):
            if char == '"':
                inside = not inside
            elif char == "'" and not inside:
                line = line[:i]
                break
        lines.append(line)
    return "\n".join(lines)


def _subs() -> dict[str, tuple[str, str]]:
    """Return Sub/Function name -> (kind, parameter list) over every .bas module."""
    found = {}
    for path in BAS_FILES:
        for kind, name, params in SUB.findall(_code(path)):
            assert name not in found, f"{name} is defined twice"
            found[name] = (kind.lower(), params)
    return found


def test_there_is_a_module_and_it_names_itself():
    assert BAS_FILES, "macros/ holds no .bas module"
    for path in BAS_FILES:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f'Attribute VB_Name = "{path.stem}"'


def test_every_runpython_call_names_an_existing_caller_entry_point():
    calls = [command for path in BAS_FILES for command in RUN_PYTHON.findall(_code(path))]
    assert len(calls) == 4
    targets = []
    for command in calls:
        match = CALLER.match(command)
        assert match, f"unexpected RunPython command {command!r}"
        function = getattr(excel, match[2], None)
        assert callable(function), f"xltools.excel has no {match[2]}"
        targets.append(match[2])
    assert sorted(targets) == ["check_caller", "compute_caller", "merge_caller", "report_caller"]


def test_every_remote_call_names_a_handler_the_server_runs():
    handlers = [name for path in BAS_FILES for name in RUN_REMOTE.findall(_code(path))]
    assert sorted(handlers) == ["check", "compute", "merge", "report"]
    for name in handlers:
        assert excel.HANDLERS[name] is getattr(excel, name)
    # Every RunRemotePython call goes through XLToolsUrl, so none escapes the check above.
    total = sum(len(re.findall(r"\bRunRemotePython\b", _code(p))) for p in BAS_FILES)
    assert total == len(handlers)


def test_the_note_macro_the_server_calls_exists_with_the_runmacro_signature():
    kind, params = _subs()[excel.NOTE_MACRO]
    assert kind == "sub"
    # xlwings' runMacro calls Application.Run name, wb, *args; the handler sends sheet, cell, text.
    assert [p.split()[0] for p in params.split(",")] == ["wb", "sheetName", "address", "text"]
    assert "Workbook" in params.split(",")[0]


def test_every_ribbon_action_names_a_sub_taking_the_ribbon_control():
    tree = ET.parse(RIBBON)
    tabs = tree.findall(".//ui:tab", NS)
    assert [tab.get("label") for tab in tabs] == ["Báo cáo KT-XH"]
    buttons = tree.findall(".//ui:button", NS)
    assert [b.get("label") for b in buttons] == ["Kiểm tra", "Tính toán", "Tổng hợp", "Tạo báo cáo"]
    subs = _subs()
    for button in buttons:
        action = button.get("onAction")
        assert action in subs, f"ribbon button {button.get('label')} calls missing Sub {action}"
        kind, params = subs[action]
        assert kind == "sub" and re.fullmatch(r"\s*\w+\s+As\s+IRibbonControl\s*", params, re.I), params


def test_each_ribbon_callback_runs_its_own_button():
    code = "\n".join(_code(p) for p in BAS_FILES)
    expected = {"XLToolsCheckButton": "check", "XLToolsComputeButton": "compute",
                "XLToolsMergeButton": "merge", "XLToolsReportButton": "report"}
    for callback, handler in expected.items():
        body = re.search(rf"Sub {callback}\(.*?\)(.*?)End Sub", code, re.S)[1].split()
        target = re.search(rf"Sub {body[0]}\(\)(.*?)End Sub", code, re.S)[1]
        assert f"x.{handler}_caller()" in target and f'XLToolsUrl("{handler}")' in target


@pytest.mark.parametrize("path", BAS_FILES, ids=lambda p: p.name)
def test_modules_are_balanced(path):
    code = _code(path)
    opened = len(re.findall(r"^\s*(?:Public\s+|Private\s+)?(?:Sub|Function)\s+\w+", code, re.M | re.I))
    closed = len(re.findall(r"^\s*End\s+(?:Sub|Function)\b", code, re.M | re.I))
    assert opened == closed
    assert len(re.findall(r"^\s*If\b.*\bThen\s*$", code, re.M)) == len(re.findall(r"^\s*End If\b", code, re.M))


@pytest.mark.parametrize("path", BAS_FILES, ids=lambda p: p.name)
def test_modules_are_ascii_with_windows_line_ends(path):
    # The VBA editor imports a .bas in the PC's ANSI code page: any non-ASCII byte would be
    # garbled, so Vietnamese text is built with ChrW.
    data = path.read_bytes()
    assert data.isascii()
    assert data.count(b"\n") == data.count(b"\r\n")


# ------------------------------------------------------------------ robustness of XLTools.bas

XLTOOLS = MACROS / "XLTools.bas"
ESCAPED = re.compile(r'"((?:[^"\r\n]|"")*\\u[0-9A-F]{4}(?:[^"\r\n]|"")*)"')


def _decoded(literal: str) -> str:
    """Return a VBA string literal's text as XLToolsText shows it."""
    return re.sub(r"\\u([0-9A-F]{4})", lambda m: chr(int(m[1], 16)), literal.replace('""', '"'))


def _body(name: str) -> str:
    return re.search(rf"Sub {name}\(.*?\)\r?\n(.*?)\r?\nEnd Sub", _code(XLTOOLS), re.S)[1]


def test_no_function_that_excel_2010_lacks():
    code = _code(XLTOOLS)
    assert "EncodeURL" not in code and "WorksheetFunction" not in code
    # The Windows API is declared for 64-bit Office (VBA7, PtrSafe) and for older VBA.
    assert re.search(r"#ElseIf VBA7 Then\r?\nPrivate Declare PtrSafe Function MessageBoxW", code)
    assert re.search(r"#Else\r?\nPrivate Declare Function MessageBoxW", code)


@pytest.mark.parametrize("button", ["XLToolsCheck", "XLToolsCompute", "XLToolsMerge", "XLToolsReport"])
def test_every_button_catches_errors_and_ends_by_showing_the_outcome(button):
    lines = [line.strip() for line in _body(button).splitlines() if line.strip()]
    assert lines[0].startswith("If Not XLToolsBegin(") and lines[0].endswith(") Then Exit Sub")
    assert lines[1] == "On Error GoTo Failed"
    assert lines[-2:] == ["Failed:", "XLToolsEnd Err.Number, Err.Description"]


def test_the_previous_outcome_is_cleared_before_a_press_and_the_report_path_too():
    begin = re.search(r"Function XLToolsBegin\(.*?End Function", _code(XLTOOLS), re.S)[0]
    assert "XLToolsClear MESSAGE_LABEL" in begin and "XLToolsClear alsoClear" in begin
    assert _body("XLToolsReport").splitlines()[0].strip() == "If Not XLToolsBegin(REPORT_LABEL) Then Exit Sub"


def test_the_labels_the_module_looks_for_are_the_handlers_labels():
    from xltools.layout import FINDINGS_SHEET, INFO_SHEET

    constants = dict(re.findall(r'Private Const (\w+) As String = "(.*)"', _code(XLTOOLS)))
    assert {name: _decoded(constants[name]) for name in ("INFO_SHEET", "FINDINGS_SHEET", "MESSAGE_LABEL",
                                                         "REPORT_LABEL")} == {
        "INFO_SHEET": INFO_SHEET, "FINDINGS_SHEET": FINDINGS_SHEET, "MESSAGE_LABEL": excel.MESSAGE_LABEL,
        "REPORT_LABEL": excel.REPORT_LABEL}


def test_every_message_is_vietnamese_text_written_with_escapes():
    texts = [_decoded(literal) for literal in ESCAPED.findall(_code(XLTOOLS))]
    assert len(texts) > 20
    for text in texts:
        assert unicodedata.normalize("NFC", text) == text
    shown = "\n".join(texts)
    for expected in ["Tệp đang mở ở Chế độ xem được bảo vệ (Protected View). Bấm «Cho phép chỉnh sửa»",
                     "Chưa có bảng tính nào đang mở. Mở biểu số liệu rồi bấm lại nút.",
                     "Lỗi: xltools không trả kết quả nào cho lần bấm này.",
                     "Lỗi: máy chủ xltools từ chối yêu cầu (mã ", "Lỗi: máy chủ xltools không trả lời kịp (quá ",
                     "Lỗi: không tải được báo cáo từ máy chủ về máy này (", "Đã lưu báo cáo vào "]:
        assert expected in shown


def test_the_macros_the_server_may_call_take_the_workbook_then_their_arguments():
    subs = _subs()
    assert [p.split()[0] for p in subs["XLToolsMessage"][1].split(",")] == ["wb", "text"]
    assert [p.split()[0] for p in subs["XLToolsOpenReport"][1].split(",")] == ["wb", "reportId", "fileName"]
    assert all(subs[name][0] == "sub" and subs[name][1].startswith("wb As Workbook")
               for name in ("XLToolsSetNote", "XLToolsMessage", "XLToolsOpenReport"))


def test_the_server_error_hook_called_from_xlwings_remote_module_exists():
    from xltools.addin import XLWINGS_CHANGES

    kind, params = _subs()["XLToolsServerError"]
    assert kind == "sub" and [p.split()[1] for p in params.split(",")] == ["status", "text"]
    calls = [new for old, new in XLWINGS_CHANGES["Remote"]]
    assert all(call.startswith("XLToolsServerError myResponse.StatusCode, ") for call in calls)
