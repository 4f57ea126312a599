"""Fuzzing: mutated bytes and XML of a valid ward workbook never make xltools raise anything unplanned or hang.

Each door below takes a path and either returns or raises an XltoolsError (which every
command turns into a Vietnamese message and exit code 2). Anything else is a bug.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import small_catalog
from corpus import data_part
from xltools.errors import XltoolsError
from xltools.grid import read_grid
from xltools.parse import parse_grid
from xltools.writer import build_workbook, save_workbook, write_figures

FUZZ = settings(max_examples=40, deadline=timedelta(seconds=10), derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _read(path):
    return parse_grid(read_grid(path))


def _check(path):
    from xltools.check import check_file

    result = check_file(path, small_catalog())  # never raises: a bad file is one finding
    assert result.findings or result.submission is not None


def _merge(path):
    from xltools.merge import merge

    merge([path], path.with_name("tong-hop.xlsx"), catalog=small_catalog(), jobs=1, force=True)


def _report(path):
    from xltools.report import report_workbook

    report_workbook(path, path.with_name("bao-cao.docx"), catalog=small_catalog(), force=True)


DOORS = [_read, _check, _merge, _report]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    book = build_workbook(small_catalog(), unit_code="TRAN_PHU", unit_name="Phường Trần Phú", year=2022, period="Năm")
    write_figures(book, {"THU_NS": {"plan": 1000, "actual": 1100}, "DN_MOI": {"actual": 40}, "LUA_NS": {"actual": 58.2}})
    path = tmp_path_factory.mktemp("fuzz") / "tot.xlsx"
    save_workbook(book, path)
    return path


def _through_every_door(path):
    for door in DOORS:
        try:
            door(path)
        except XltoolsError as exc:
            assert str(exc).strip(), door.__name__


@FUZZ
@given(data=st.data())
def test_mutated_bytes(good, tmp_path, data):
    raw = bytearray(good.read_bytes())
    for _ in range(data.draw(st.integers(1, 20))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(len(raw) // 2, len(raw)))
    path = tmp_path / "hong.xlsx"
    path.write_bytes(bytes(raw[:cut]))
    _through_every_door(path)


XML_PIECES = st.sampled_from([
    b"", b"<", b">", b"&", b"&amp;", b"<c r=\"A1\" t=\"s\"><v>999999</v></c>", b"<v>1e308</v>", b"<v>NaN</v>",
    b"<c r=\"ZZZZ99999999\"><v>1</v></c>", b"<row r=\"0\">", b"</row>", b"t=\"e\"", b"<v>#DIV/0!</v>",
    b"\xff\xfe", b"<is><t>=1+1</t></is>", b"r=\"-1\"", "Hµ TÜnh".encode(), b"<f>SUM(A1:A9)</f>",
])


@FUZZ
@given(data=st.data())
def test_mutated_xml(good, tmp_path, data):
    part = data_part(good)
    source = zipfile.ZipFile(good)
    xml = bytearray(source.read(part))
    for _ in range(data.draw(st.integers(1, 8))):
        at = data.draw(st.integers(0, len(xml)))
        length = data.draw(st.integers(0, 40))
        xml[at:at + length] = data.draw(XML_PIECES)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            out.writestr(info.filename, bytes(xml) if info.filename == part else source.read(info))
    path = tmp_path / "xml-hong.xlsx"
    path.write_bytes(buffer.getvalue())
    _through_every_door(path)
