"""Every broken or hostile workbook of the corpus gets a clear answer from every door, and nothing is changed.

The corpus (tests/corpus.py) is built once per session from a good ward workbook.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import zipfile

import pytest

from conftest import have_soffice, small_catalog
from corpus import CASES, INJECTIONS, READ, REFUSED
from payload import book_payload  # noqa: E402
from xltools.errors import UnreadableWorkbook
from xltools.grid import read_grid
from xltools.parse import parse_grid
from xltools.writer import build_workbook, save_workbook, write_catalog_workbook, write_figures

GOOD_FIGURES = {
    "THU_NS": {"plan": 1000, "last_year": 900, "actual": 1100, "next_plan": 1200},
    "THU_THUE": {"plan": 600, "last_year": 500, "actual": 620},
    "THU_DAT": {"plan": 400, "last_year": 400, "actual": 480},
    "DN_MOI": {"plan": 40, "last_year": 35, "actual": 42},
}
PARSE_CODES = {"text-too-long", "legacy-encoding", "missing-sheet", "missing-column"}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory):
    """Return (folder, good workbook, {case name: path}, {path: sha256 when built})."""
    folder = tmp_path_factory.mktemp("corpus")
    book = build_workbook(small_catalog(), unit_code="TRAN_PHU", unit_name="Phường Trần Phú", year=2022, period="Năm")
    write_figures(book, GOOD_FIGURES)
    good = folder / "tot.xlsx"
    save_workbook(book, good)
    write_catalog_workbook(small_catalog(), folder / "danh-muc.xlsx")
    paths = {}
    for case in CASES:
        if case.needs_soffice and not have_soffice():
            continue
        paths[case.name] = case.build(folder, good)
    return folder, good, paths, {path: _sha(path) for path in [good, *paths.values()]}


def _path(corpus, case):
    if case.name not in corpus[2]:
        pytest.skip("LibreOffice is not installed")
    return corpus[2][case.name]


@pytest.mark.parametrize("case", REFUSED, ids=[c.name for c in REFUSED])
def test_reader_refuses_with_a_message_naming_the_file(corpus, case):
    path = _path(corpus, case)
    with pytest.raises(UnreadableWorkbook) as caught:
        read_grid(path)
    assert str(caught.value).startswith(path.name)
    assert case.refused in str(caught.value)


BOMBS = [case for case in REFUSED if case.name in ("zip-bomb", "zip-bomb-lying-size", "billion-laughs", "million-rows")]
MEMORY_BOUND_MIB = 200


@pytest.mark.parametrize("case", BOMBS, ids=[c.name for c in BOMBS])
def test_bombs_are_refused_in_bounded_memory(corpus, case):
    """Read in a fresh process, whose peak memory (VmHWM, reset by exec) is its own; the bombs expand past 200 MB."""
    code = ("import re, sys\nfrom xltools.grid import read_grid\nfrom xltools.errors import UnreadableWorkbook\n"
            "try:\n    read_grid(sys.argv[1])\nexcept UnreadableWorkbook as exc:\n    print(exc)\n"
            "print(int(re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)) // 1024)")
    done = subprocess.run([sys.executable, "-c", code, str(_path(corpus, case))], capture_output=True, text=True,
                          timeout=60, check=True)
    message, peak = done.stdout.strip().splitlines()
    assert case.refused in message
    assert int(peak) < MEMORY_BOUND_MIB, f"peak {peak} MiB"


@pytest.mark.parametrize("case", READ, ids=[c.name for c in READ])
def test_reader_reads_and_reports_what_it_could_not(corpus, case):
    path = _path(corpus, case)
    sub = parse_grid(read_grid(path))
    codes = {f.code for f in sub.problems}
    assert codes == set(case.finds) & PARSE_CODES
    for problem in sub.problems:
        assert problem.file == path.name and problem.sheet and problem.message
        assert problem.cell or problem.code == "missing-sheet"


def test_damaged_layouts_still_give_the_right_figures(corpus):
    paths = corpus[2]
    for name in ("moved-columns", "hidden-rows", "header-pushed-down", "macro-xlsm", "formula-injection"):
        sub = parse_grid(read_grid(paths[name]))
        figure = sub.figures["THU_NS"]
        assert (figure.plan, figure.last_year, figure.actual, figure.next_plan) == (1000, 900, 1100, 1200), name
    pushed = parse_grid(read_grid(paths["header-pushed-down"]))
    assert pushed.figures["THU_NS"].cells["actual"] == "G10"  # three rows lower than in the template
    merged = parse_grid(read_grid(paths["merged-cells"]))
    assert merged.figures["THU_THUE"].plan == 600 and merged.figures["THU_THUE"].actual is None


def test_formula_like_text_is_read_as_text(corpus):
    sub = parse_grid(read_grid(corpus[2]["formula-injection"]))
    notes = {fig.note for fig in sub.figures.values()}
    assert set(INJECTIONS) <= notes
    assert INJECTIONS[0] in sub.narratives.values()


def test_long_text_is_cut_at_excels_own_limit(corpus):
    sub = parse_grid(read_grid(corpus[2]["long-text"]))
    assert len(sub.figures["THU_NS"].note) == 32_767
    [problem] = sub.problems
    assert "1.000.007 ký tự" in problem.message and "32.767" in problem.message


def test_macros_are_never_read(corpus):
    grid = read_grid(corpus[2]["macro-xlsm"])
    assert not any("Auto_Open" in str(value) for rows in grid.sheets.values() for row in rows for value in row)


# ---------------------------------------------------------------------------------------------- the commands


def _run(capsys, *argv):
    from xltools.cli import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _unchanged(corpus):
    for path, digest in corpus[3].items():
        assert _sha(path) == digest, f"{path.name} was modified"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check_command(corpus, case, capsys):
    import json

    path = _path(corpus, case)
    code, out, err = _run(capsys, "check", path, "--json", "--catalog", corpus[0] / "danh-muc.xlsx")
    findings = json.loads(out)
    if case.refused:
        assert code == 2
        [problem] = findings
        assert (problem["code"], problem["file"], problem["severity"]) == ("unreadable", path.name, "error")
        assert case.refused in problem["message"]
    else:
        codes = {f["code"] for f in findings}
        assert set(case.finds) <= codes
        assert code == (1 if any(f["severity"] == "error" for f in findings) else 0)
        assert all(f["file"] == path.name for f in findings)
    _unchanged(corpus)


def test_merge_takes_the_good_files_and_reports_every_bad_one(corpus, capsys, tmp_path):
    import json

    from openpyxl import load_workbook

    folder, good, paths, _ = corpus
    output = tmp_path / "thanh-pho.xlsx"
    code, out, err = _run(capsys, "merge", folder, "-o", output, "--json", "--jobs", "2",
                          "--catalog", folder / "danh-muc.xlsx")
    report = json.loads(out)
    assert code == 1
    register = {row["file"]: row for row in report["register"] if row["file"]}
    for case in REFUSED:
        if case.name in paths:
            row = register[paths[case.name].name]
            assert not row["included"] and row["reason"] == "không đọc được tệp"
    unreadable = {f["file"] for f in report["findings"] if f["code"] == "unreadable"}
    assert unreadable == {paths[c.name].name for c in REFUSED if c.name in paths}
    assert sum(row["included"] for row in report["register"]) == 1  # one unit, many files: the newest is used
    assert any(f["code"] == "duplicate-unit" for f in report["findings"])
    book = load_workbook(output)
    assert not any(cell.data_type == "f" for sheet in book if sheet.title != "Số liệu"
                   for row in sheet.iter_rows() for cell in row)
    assert not any("vbaProject" in name for name in zipfile.ZipFile(output).namelist())
    _unchanged(corpus)


def test_merge_keeps_formula_like_text_as_text(corpus, capsys, tmp_path):
    from openpyxl import load_workbook

    folder, good, paths, _ = corpus
    output = tmp_path / "thanh-pho.xlsx"
    code, out, err = _run(capsys, "merge", paths["formula-injection"], "-o", output, "--jobs", "1",
                          "--catalog", folder / "danh-muc.xlsx")
    assert code in (0, 1), err
    book = load_workbook(output)
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value in INJECTIONS]
    assert INJECTIONS[3] in {cell.value for cell in cells}
    assert all(cell.data_type == "s" for cell in cells)
    _unchanged(corpus)


NO_DATA_SHEET = {"renamed-sheet", "deleted-sheet"}
NO_DATA = NO_DATA_SHEET | {"renamed-column"}  # no report can be written from these files


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_report_command(corpus, case, capsys, tmp_path):
    path = _path(corpus, case)
    output = tmp_path / "bao-cao.docx"
    code, out, err = _run(capsys, "report", path, "-o", output, "--catalog", corpus[0] / "danh-muc.xlsx")
    if case.refused or case.name in NO_DATA:
        assert code == 2
        assert err.startswith(f"Lỗi: {path.name}")
        assert case.refused in err
        assert not output.exists() and list(tmp_path.iterdir()) == []
    else:
        assert code == 0, err
        assert output.stat().st_size > 10_000
    _unchanged(corpus)


def test_report_keeps_formula_like_text_as_text(corpus, tmp_path):
    from conftest import report_of

    text = report_of(corpus[2]["formula-injection"])
    assert INJECTIONS[0] in text  # the narrative, printed as typed


@pytest.mark.parametrize("case", READ, ids=[c.name for c in READ])
def test_excel_buttons(corpus, case, monkeypatch):
    """Excel opened the file (so only readable cases): the buttons answer in Vietnamese, in the book."""
    import xlwings as xw

    from xltools import excel
    from xltools.check import check_file
    from xltools.catalog import load_catalog

    monkeypatch.setenv("XLWINGS_LICENSE_KEY", "noncommercial")
    excel.use_remote_engine()
    path = _path(corpus, case)
    expected = check_file(path, load_catalog(corpus[0] / "danh-muc.xlsx"))
    for handler in (excel.check, excel.compute):
        book = xw.Book(json=book_payload(path))
        message = handler(book)
        assert "Traceback" not in message and message
        if handler is excel.check:
            errors = sum(f.is_error for f in expected.findings)
            assert message.startswith(f"Kiểm tra xong: {errors} lỗi" if errors else "Kiểm tra xong: không có lỗi")
        elif case.name in NO_DATA_SHEET:
            assert message.startswith("Lỗi:") and "Số liệu" in message, message
        else:
            assert message.startswith("Tính toán xong: đã điền tỷ lệ %"), message
        written = [a for a in book.json()["actions"] if a["func"] == "setValues"]
        assert written, "the outcome is written into the workbook"
    _unchanged(corpus)
