"""The reader refuses broken and hostile files with a clear Vietnamese message, within bounds."""

import io
import subprocess
import zipfile

import pytest
from openpyxl import Workbook

from conftest import have_soffice
from xltools.errors import UnreadableWorkbook
from xltools.grid import Limits, read_grid
from xltools.parse import parse_grid


def refused(path, limits=Limits()):
    with pytest.raises(UnreadableWorkbook) as caught:
        read_grid(path, limits=limits)
    message = str(caught.value)
    assert message.startswith(path.name)
    return message


def test_empty_file(tmp_path):
    path = tmp_path / "rong.xlsx"
    path.write_bytes(b"")
    assert "tệp rỗng" in refused(path)


@pytest.mark.parametrize("content", [bytes(range(256)) * 40, "Báo cáo tháng 10".encode(), b"%PDF-1.7\n1 0 obj\n"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "bao-cao.xlsx"
    path.write_bytes(content)
    assert "không đọc được tệp như một bảng tính Excel" in refused(path)


def test_truncated_zip(tmp_path, make_workbook):
    good = make_workbook().read_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good[: len(good) // 2])
    assert "bị hỏng" in refused(path)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "anh.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("photo.txt", "not a workbook")
    assert "không đọc được tệp như một bảng tính Excel" in refused(path)


def test_password_protected_workbook(tmp_path, make_workbook):
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = make_workbook()
    path = tmp_path / "mat-khau.xlsx"
    with plain.open("rb") as source, path.open("wb") as out:
        OOXMLFile(source).encrypt("123456", out)
    message = refused(path)
    assert "đặt mật khẩu" in message and "gỡ mật khẩu" in message


def test_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (80 * 1024 * 1024) + b"</a>")
    assert path.stat().st_size < 1024 * 1024
    assert "vượt giới hạn 64 MB" in refused(path)


@pytest.mark.parametrize("declaration", [
    '<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE x [<!ENTITY ext SYSTEM "http://127.0.0.1:9/secret">]>',
])
def test_entity_declarations_are_refused(tmp_path, make_workbook, declaration):
    source = zipfile.ZipFile(make_workbook())
    path = tmp_path / "thuc-the.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet3.xml":
                data = declaration.encode() + data
            archive.writestr(info, data)
    assert "DOCTYPE/ENTITY" in refused(path)


def test_limits_are_options(tmp_path, make_workbook):
    path = make_workbook()
    assert "vượt giới hạn" in refused(path, Limits(max_file_bytes=1000))
    assert "ward.xlsx › Hướng dẫn: trang tính có hơn 10 dòng" in refused(path, Limits(max_rows=10))


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice(), reason="LibreOffice is not installed")
@pytest.mark.parametrize("target", ["xls:MS Excel 97", "ods"])
def test_legacy_xls_and_ods_of_the_standard_layout_read(tmp_path, make_workbook, target):
    path = make_workbook({"THU_NS": {"plan": 1002.1, "actual": 1172.5}, "DN_MOI": {"actual": 394}})
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", target,
                    "--outdir", str(tmp_path / "out"), str(path)], check=True, capture_output=True, timeout=180)
    converted = next((tmp_path / "out").iterdir())
    sub = parse_grid(read_grid(converted))
    assert sub.unit_code == "TRAN_PHU" and sub.year == 2022
    assert (sub.figures["THU_NS"].plan, sub.figures["THU_NS"].actual, sub.figures["DN_MOI"].actual) == (1002.1, 1172.5, 394)
    assert sub.figures["THU_NS"].cells["actual"] == "G7"
    assert sub.problems == []
