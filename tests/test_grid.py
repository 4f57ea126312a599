"""The reader: limits are options, and legacy formats of the standard layout read. Hostile files: test_corpus.py."""

import subprocess

import pytest

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
