"""Every broken or hostile workbook of the corpus gets a clear answer from every door, and nothing is changed.

The corpus (tests/corpus.py) is built once per session from a good ward workbook.
"""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import have_soffice, small_catalog
from corpus import CASES, INJECTIONS, READ, REFUSED
from payload import book_payload  # noqa: E402
from xltools.catalog import default_catalog
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
PARSE_CODES = {"text-too-long", "legacy-encoding", "missing-sheet", "missing-column", "not-a-number", "duplicate-sheet"}


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
BOMB_BOUND_MIB, MEMORY_BOUND_MIB = 200, 500
# Checks each file in a child forked from a process that has only imported xltools, so each peak (VmHWM)
# is that file's own. The child's address space is capped, so a regression fails instead of taking the
# machine's memory (the reader then aborts and the file gets no line).
_MEASURE = r"""
import os, re, resource, sys
from xltools.check import check_file
for path in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        result = check_file(path)
        peak = int(re.search(r"VmHWM:\s*(\d+)", open("/proc/self/status").read()).group(1)) // 1024
        message = result.findings[0].message if result.submission is None else "read"
        print(path, peak, message, sep="\t", flush=True)
        os._exit(0)
    os.waitpid(pid, 0)
"""


@pytest.fixture(scope="session")
def peaks(corpus):
    """Return {path: (peak MiB, "read" or the refusal)} for every corpus file, each checked in a fresh process."""
    paths = [str(path) for path in corpus[2].values()]
    done = subprocess.run([sys.executable, "-c", _MEASURE, *paths], capture_output=True, text=True, timeout=600)
    lines = (line.split("\t") for line in done.stdout.splitlines())
    return {path: (int(peak), message) for path, peak, message in lines}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_every_file_is_checked_in_bounded_memory(corpus, peaks, case):
    """The bombs, and the files whose farthest cell would make the reader allocate gigabytes, stay small."""
    path = str(_path(corpus, case))
    assert path in peaks, "the process checking this file died"
    peak, message = peaks[path]
    assert peak < (BOMB_BOUND_MIB if case in BOMBS else MEMORY_BOUND_MIB), f"peak {peak} MiB"
    assert case.refused in message if case.refused else message == "read"


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
    assert "ngoài dự kiến" not in err, err  # never the unexpected-error path
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


# ---------------------------------------------------------------------------------------------- round two (#16)



def test_a_hidden_copy_never_replaces_the_visible_data_sheet(corpus, capsys, tmp_path):
    path = corpus[2]["hidden-nfd-copy"]
    sub = parse_grid(read_grid(path))
    assert sub.figures["THU_NS"].actual == 1237.6  # the visible sheet's, not the hidden copy's 9.237,6
    [duplicate] = [p for p in sub.problems if p.code == "duplicate-sheet"]
    assert (duplicate.sheet, duplicate.cell, duplicate.severity) == ("Số liệu", "A1", "error")
    assert "(đang ẩn)" in duplicate.message and "Chỉ đọc trang «Số liệu»" in duplicate.message
    _run(capsys, "merge", path, "-o", tmp_path / "tp.xlsx", "--jobs", 1, "--catalog", corpus[0] / "danh-muc.xlsx")
    city = parse_grid(read_grid(tmp_path / "tp.xlsx"))
    assert city.figures["THU_NS"].actual == 1237.6


def test_infinite_and_nan_are_errors_at_their_cells(corpus):
    sub = parse_grid(read_grid(corpus[2]["infinite-values"]))
    found = {(p.indicator, p.cell) for p in sub.problems if p.code == "not-a-number"}
    rows = {code: sub.figures[code].row for code in ("THU_NS", "THU_THUE", "DN_MOI")}
    assert found == {("THU_NS", f"G{rows['THU_NS']}"), ("THU_THUE", f"G{rows['THU_THUE']}"),
                     ("DN_MOI", f"E{rows['DN_MOI']}")}
    assert sub.figures["THU_NS"].actual is None and sub.figures["DN_MOI"].plan is None
    assert "không phải một số hữu hạn" in sub.problems[0].message


def test_a_legacy_xls_formula_left_empty_is_not_read_as_0(corpus):
    """LibreOffice stores the %-columns' empty result as 0: it used to give a false «typed %» error per row."""
    from xltools.catalog import load_catalog
    from xltools.check import check_file

    path = _path(corpus, next(c for c in CASES if c.name == "legacy-xls"))
    result = check_file(path, load_catalog(corpus[0] / "danh-muc.xlsx"))
    assert [f for f in result.findings if f.code in ("pct-plan-typed", "pct-last-year-typed")] == []
    figure = result.submission.figures["LUA_DT"]  # no figures: its % cells hold the formulas' empty result
    assert (figure.pct_plan, figure.pct_last_year) == (None, None)
    assert result.submission.figures["THU_NS"].pct_plan == pytest.approx(110)


def test_counts_are_whole_and_rates_agree_with_their_parts(corpus):
    from xltools.catalog import load_catalog
    from xltools.check import check_file

    result = check_file(corpus[2]["miscounted"], load_catalog(corpus[0] / "danh-muc.xlsx"))
    figures = result.submission.figures
    found = {(f.code, f.cell) for f in result.findings if f.code in ("count-fraction", "rate-as-fraction", "rate-parts")}
    assert found == {("count-fraction", figures["DN_MOI"].cells["actual"]),
                     ("rate-as-fraction", figures["HO_NGHEO_TL"].cells["last_year"]),
                     ("rate-parts", figures["HO_NGHEO_TL"].cells["actual"])}
    message = {f.code: f.message for f in result.findings}
    assert "1.208,5" in message["count-fraction"]
    assert "ghi 0,0151" in message["rate-as-fraction"] and "Đề nghị nhập 1,51" in message["rate-as-fraction"]
    assert "ghi 2,5 " in message["rate-parts"] and "(40) và «Tổng số hộ» (2.100) được 1,9" in message["rate-parts"]


def test_figures_beyond_any_sum_keep_the_ward_readable(corpus, capsys, tmp_path):
    from xltools.catalog import load_catalog
    from xltools.check import check_file

    result = check_file(corpus[2]["huge-figures"], load_catalog(corpus[0] / "danh-muc.xlsx"))
    assert result.readable and "parts-sum" in {f.code for f in result.findings}
    code, out, err = _run(capsys, "merge", corpus[2]["huge-figures"], "-o", tmp_path / "tp.xlsx", "--jobs", 1,
                          "--catalog", corpus[0] / "danh-muc.xlsx")
    assert code == 1 and (tmp_path / "tp.xlsx").exists()


def test_control_characters_reach_no_document(corpus, capsys, tmp_path):
    path = corpus[2]["control-characters"]
    sub = parse_grid(read_grid(path))
    assert sub.figures["THU_NS"].name == "Tổng thu ngân sách" and sub.unit_name == "Phường\nTrần Phú"
    assert sub.figures["THU_NS"].plan is None  # -inf
    catalog = ["--catalog", corpus[0] / "danh-muc.xlsx"]
    assert _run(capsys, "report", path, "-o", tmp_path / "bc.docx", *catalog)[0] == 0
    assert _run(capsys, "merge", path, "-o", tmp_path / "tp.xlsx", "--jobs", 1, *catalog)[0] == 1


def test_long_texts_are_quoted_shortened(corpus, capsys):
    import json

    path = corpus[2]["long-cells"]
    code, out, err = _run(capsys, "check", path, "--json", "--catalog", corpus[0] / "danh-muc.xlsx")
    findings = json.loads(out)
    assert len(findings) >= 40 and len(out) < 60_000  # 32.763 characters in each of 44 cells: 23 MB before
    assert all(len(f["message"]) < 600 for f in findings)
    assert "Rất dài. Rất dài." in findings[0]["message"] and "… (32.763 ký tự)" in findings[0]["message"]
    code, out, err = _run(capsys, "check", path, "--catalog", corpus[0] / "danh-muc.xlsx")
    assert len(out) < 60_000


def test_annotated_copies_drop_links_to_other_files(corpus, capsys, tmp_path):
    from corpus import DDE, EXTERNAL

    from openpyxl import load_workbook

    output = tmp_path / "danh-dau.xlsx"
    code, out, err = _run(capsys, "check", corpus[2]["outside-links"], "--annotate", output,
                          "--catalog", corpus[0] / "danh-muc.xlsx")
    assert code == 1
    assert not any("externalLink" in name for name in zipfile.ZipFile(output).namelist())
    book = load_workbook(output)
    cells = {cell.value: cell for row in book["Số liệu"].iter_rows() for cell in row if cell.value in (DDE, EXTERNAL)}
    assert set(cells) == {DDE, EXTERNAL} and all(cell.data_type == "s" for cell in cells.values())
    assert all("chuyển thành chữ" in cell.comment.text for cell in cells.values())
    assert "chay_lenh" not in book.defined_names
    note = book["Kiểm tra"]["A2"].value
    assert "bỏ 1 liên kết tới tệp khác" in note and "chuyển 2 công thức" in note and "bỏ 1 tên (Name)" in note
    _unchanged(corpus)


def _help_commands():
    from xltools.cli import build_parser

    parser = build_parser()
    return [None, *parser._subparsers._group_actions[0].choices]


@pytest.mark.parametrize("command", _help_commands(), ids=lambda c: c or "xltools")
def test_every_command_has_help(command, capsys):
    from xltools.cli import main

    with pytest.raises(SystemExit) as stopped:
        main([command, "--help"] if command else ["--help"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 0 and err == ""
    assert out.startswith("usage: xltools") and ("Ví dụ:" in out or command is None)
    if command is None:
        assert "tỷ lệ % gõ tay sai" in " ".join(out.split())  # the bare % that crashed xltools --help


def test_an_unknown_period_is_a_message_and_the_title_reads_well(tmp_path, capsys):
    from openpyxl import load_workbook

    argv = ["new", "-o", tmp_path / "q.xlsx", "--unit-code", "TRAN_PHU", "--unit-name", "Phường Trần Phú",
            "--year", 2022]
    code, out, err = _run(capsys, *argv, "--period", "Quý V")
    assert code == 2 and "«Quý V» không phải kỳ báo cáo hợp lệ" in err and not (tmp_path / "q.xlsx").exists()
    assert _run(capsys, *argv)[0] == 0
    assert load_workbook(tmp_path / "q.xlsx")["Số liệu"]["A2"].value == "Phường Trần Phú — Kỳ báo cáo: năm 2022"


def _small_catalog_rows(changes: dict[tuple[int, str], str]) -> list[list]:
    """Return the small catalog as sheet rows (header first) with `changes` {(row index, field): value} made."""
    from conftest import FIELDS, SMALL

    from xltools.catalog import COLUMNS

    rows = [list(row) for row in SMALL]
    for (index, name), value in changes.items():
        rows[index][FIELDS.index(name)] = value
    return [[COLUMNS[name] for name in FIELDS], *rows]


def test_a_catalog_that_loops_is_refused_with_the_loop_named(corpus, capsys, tmp_path):
    from openpyxl import Workbook

    from xltools.catalog import catalog_from_rows
    from xltools.errors import CatalogError

    itself = _small_catalog_rows({(8, "numerator"): "HO_NGHEO_TL"})  # the rate is its own numerator
    with pytest.raises(CatalogError, match="chỉ tiêu «HO_NGHEO_TL» ghi mã của chính nó ở cột «Mã tử số» hoặc"):
        catalog_from_rows(itself, source="dm.xlsx")
    looping = _small_catalog_rows({(0, "parent"): "THU_DAT"})  # THU_NS under THU_DAT, which is under THU_NS
    with pytest.raises(CatalogError, match="THU_NS → THU_DAT → THU_NS dẫn vòng về chính mình qua cột «Mã chỉ tiêu tổng»"):
        catalog_from_rows(looping, source="dm.xlsx")
    book = Workbook()
    book.active.title = "Danh mục"
    for row in looping:
        book.active.append(row)
    book.save(tmp_path / "vong.xlsx")
    code, out, err = _run(capsys, "check", corpus[1], "--catalog", tmp_path / "vong.xlsx")
    assert code == 2 and "dẫn vòng về chính mình" in err


def _odd_named_copy(corpus, folder: Path) -> Path:
    """Return a copy of the good workbook in `folder` (made here) whose name is not valid UTF-8: ph\xfdong.xlsx."""
    import shutil

    folder.mkdir()
    path = Path(os.fsdecode(os.fsencode(folder) + b"/ph\xfdong.xlsx"))
    shutil.copyfile(corpus[1], path)
    return path


def test_a_file_name_that_is_not_utf8(corpus, capsys, tmp_path):
    import json

    path = _odd_named_copy(corpus, tmp_path / "ten-la")
    code, out, err = _run(capsys, "check", path.parent, "--json", "--catalog", corpus[0] / "danh-muc.xlsx")
    findings = json.loads(out)
    assert code == 1 and {f["file"] for f in findings} == {"ph\ufffdong.xlsx"}  # the good file's own findings
    assert _run(capsys, "report", path, "-o", tmp_path / "bc.docx", "--catalog", corpus[0] / "danh-muc.xlsx")[0] == 0


def test_merge_of_a_file_name_that_is_not_utf8(corpus, capsys, tmp_path):
    """A name with undecodable bytes (a surrogate) cannot be encoded in the sheet XML: merge shows it readable."""
    path = _odd_named_copy(corpus, tmp_path / "ten-la")
    code, out, err = _run(capsys, "merge", path.parent, "-o", tmp_path / "tp.xlsx", "--json", "--jobs", 1,
                          "--catalog", corpus[0] / "danh-muc.xlsx")
    assert code == 1 and '"file": "ph\ufffdong.xlsx"' in out and err == ""  # 1: the good file's own findings


LONG_NAME = "bao-cao-" + "rat-dai-" * 37 + ".xlsx"  # 309 characters: more than a file system allows in one name


@pytest.mark.parametrize("command", ["new", "catalog", "report", "check"])
def test_an_output_name_too_long_is_a_message(corpus, capsys, tmp_path, command):
    output = tmp_path / LONG_NAME
    argv = {"new": ["new", "-o", output, "--unit-code", "TRAN_PHU", "--unit-name", "P", "--year", 2022],
            "catalog": ["catalog", "-o", output],
            "report": ["report", corpus[1], "-o", output.with_suffix(".docx"), "--catalog", corpus[0] / "danh-muc.xlsx"],
            "check": ["check", corpus[1], "--annotate", output, "--catalog", corpus[0] / "danh-muc.xlsx"]}[command]
    code, out, err = _run(capsys, *argv)
    assert code == 2 and "tên tệp hoặc thư mục quá dài (" in err
    assert list(tmp_path.iterdir()) == []


def test_a_merge_output_name_too_long_is_a_message(corpus, capsys, tmp_path):
    """`output.exists()` raises OSError on such a name: merge asks atomic.check_output, as every command does."""
    code, out, err = _run(capsys, "merge", corpus[1], "-o", tmp_path / LONG_NAME, "--catalog", corpus[0] / "danh-muc.xlsx")
    assert code == 2 and "tên tệp hoặc thư mục quá dài (" in err


def _xltools(*argv, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xltools.cli", *map(str, argv)], stdout=stdout,
                          stderr=subprocess.PIPE, timeout=120)


def test_output_piped_into_head_ends_quietly(corpus):
    """`xltools check … --json | head -1`: the reader goes away after the first line.

    Judged by the bundled catalog, every small-catalog workbook of the corpus gives many findings:
    more output than a pipe holds, so the write fails when the reader has gone."""
    bundled = corpus[0].parent / f"{corpus[0].name}-bundled-catalog.xlsx"
    write_catalog_workbook(default_catalog(), bundled)
    process = subprocess.Popen([sys.executable, "-m", "xltools.cli", "check", corpus[0], "--json",
                                "--catalog", bundled],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read().decode()
    process.wait(timeout=120)
    assert first == b"[\n" and err == "", err
    assert process.returncode == 2


def test_a_full_disk_under_standard_output_is_one_message(corpus):
    with open("/dev/full", "w") as full:
        done = _xltools("check", corpus[0], "--json", stdout=full)
    err = done.stderr.decode()
    assert done.returncode == 2
    assert err == "Lỗi: không ghi được kết quả vì ổ đĩa đã đầy. Đề nghị giải phóng dung lượng rồi chạy lại.\n"


def test_outputs_follow_the_umask(corpus, capsys, tmp_path):
    old = os.umask(0o022)
    try:
        _run(capsys, "new", "-o", tmp_path / "p.xlsx", "--unit-code", "TRAN_PHU", "--unit-name", "P", "--year", 2022)
        _run(capsys, "report", corpus[1], "-o", tmp_path / "bc.docx", "--catalog", corpus[0] / "danh-muc.xlsx")
    finally:
        os.umask(old)
    assert {oct(path.stat().st_mode & 0o777) for path in tmp_path.iterdir()} == {"0o644"}  # colleagues can read it


def test_force_never_replaces_what_is_not_a_regular_file(corpus, capsys, tmp_path):
    fifo = tmp_path / "bao-cao.docx"
    os.mkfifo(fifo)
    code, out, err = _run(capsys, "report", corpus[1], "-o", fifo, "--force", "--catalog", corpus[0] / "danh-muc.xlsx")
    assert code == 2 and "là một ống dẫn (FIFO), không phải tệp thường" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode) and [p.name for p in tmp_path.iterdir()] == ["bao-cao.docx"]


def test_of_two_writers_of_one_output_the_second_is_told_it_exists(tmp_path):
    """Two merges writing the same output at once: whichever finishes second must not replace the first."""
    from xltools.atomic import atomic_output
    from xltools.errors import OutputExists

    target = tmp_path / "tong-hop.xlsx"
    with pytest.raises(OutputExists, match="tệp đã tồn tại"):
        with atomic_output(target) as slow:
            slow.write_bytes(b"slow")
            with atomic_output(target) as fast:  # started after the slow one, finished before it
                fast.write_bytes(b"fast")
    assert target.read_bytes() == b"fast" and [p.name for p in tmp_path.iterdir()] == ["tong-hop.xlsx"]


def test_formula_like_text_in_the_city_base_stays_text(corpus, capsys, tmp_path):
    from openpyxl import load_workbook

    from conftest import small_catalog
    from xltools.writer import build_workbook, save_workbook

    base = build_workbook(small_catalog(), unit_code="THANH_PHO", unit_name="Thành phố Hà Tĩnh", year=2022,
                          period="Năm", city=True, units=[("TRAN_PHU", "Phường Trần Phú")])
    name = next(row[1] for row in base["Thông tin"].iter_rows() if row[0].value == "Tên đơn vị")
    name.value, name.data_type = INJECTIONS[0], "s"  # typed as text in Excel
    save_workbook(base, tmp_path / "co-so.xlsx")
    code, out, err = _run(capsys, "merge", corpus[1], "-o", tmp_path / "tp.xlsx", "--base", tmp_path / "co-so.xlsx",
                          "--jobs", 1)
    book = load_workbook(tmp_path / "tp.xlsx")
    assert book["Số liệu"]["A2"].value.startswith(INJECTIONS[0]) and book["Số liệu"]["A2"].data_type == "s"
    assert not any(cell.data_type == "f" and "HYPERLINK" in cell.value for sheet in book
                   for row in sheet.iter_rows() for cell in row)


def test_a_city_base_listing_a_unit_twice_or_without_code(corpus, capsys, tmp_path):
    """A repeated code once listed the ward again (the register said «đưa vào tổng hợp 17 tệp» for 15 files) and a
    blank code dropped the row silently: each is now a finding on its cell of «Đơn vị», one register row per unit."""
    import json

    from conftest import small_catalog
    from xltools.writer import build_workbook, save_workbook

    units = [("TRAN_PHU", "Phường Trần Phú"), ("NAM_HA", "Phường Nam Hà"), ("TRAN_PHU", "Phường Trần Phú"),
             ("", "Phường không ghi mã")]
    base = build_workbook(small_catalog(), unit_code="THANH_PHO", unit_name="Thành phố Hà Tĩnh", year=2022,
                          period="Năm", city=True, units=units)
    save_workbook(base, tmp_path / "co-so.xlsx")
    code, out, err = _run(capsys, "merge", corpus[1], "-o", tmp_path / "tp.xlsx", "--base", tmp_path / "co-so.xlsx",
                          "--jobs", 1, "--json")
    report = json.loads(out)
    assert [row["unit_code"] for row in report["register"]] == ["TRAN_PHU", "NAM_HA"]
    assert sum(row["included"] for row in report["register"]) == 1
    assert {(f["sheet"], f["cell"]) for f in report["findings"] if f["sheet"] == "Đơn vị"} == {("Đơn vị", "A4"),
                                                                                              ("Đơn vị", "A5")}


@pytest.mark.parametrize("command", ["check", "merge"])
def test_a_symlink_loop_in_an_input_folder(corpus, capsys, tmp_path, command):
    """DirEntry.is_file() raises OSError (ELOOP) on a link to itself: the loop is an unreadable file with its
    message, the other files are read as usual."""
    import json
    import shutil

    folder = tmp_path / "vong"
    folder.mkdir()
    shutil.copyfile(corpus[1], folder / "tot.xlsx")
    os.symlink("vong.xlsx", folder / "vong.xlsx")
    argv = ["-o", tmp_path / "tp.xlsx", "--jobs", 1] if command == "merge" else []
    code, out, err = _run(capsys, command, folder, "--json", *argv, "--catalog", corpus[0] / "danh-muc.xlsx")
    findings = json.loads(out) if command == "check" else json.loads(out)["findings"]
    assert code == 1 and any(f["file"] == "vong.xlsx" and f["code"] == "unreadable" for f in findings)
