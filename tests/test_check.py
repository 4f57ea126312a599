"""Check: each rule pinned by a workbook built in code that triggers it and one that does not.

Cells are pinned as literal addresses of the small catalog's layout (writer.py): the data
sheet's rows are 7 THU_NS, 8 THU_THUE, 9 THU_DAT, 11 DN_MOI, 13 LUA_DT, 14 LUA_NS,
16 HO_TONG, 17 HO_NGHEO, 18 HO_NGHEO_TL, 19 SDD_TL, 21 TANG_TRUONG; columns E plan,
F same period last year, G actual, H % of plan, I % of last year, J next year's plan.
`Thông tin`: B1 unit code, B4 period, B5 year, B7 template version.
"""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from conftest import FIELDS, SMALL, have_soffice
from xltools.catalog import COLUMNS, catalog_from_rows
from xltools.check import CheckResult, Mark, annotate, cell_marks, check_file, check_submission, findings_to_json
from xltools.check.rules import typed_matches
from xltools.cli import main
from xltools.errors import BadArguments, OutputExists
from xltools.findings import Finding, message_table
from xltools.grid import read_grid
from xltools.parse import parse_grid
from xltools.writer import write_catalog_workbook

DATA, INFO = "Số liệu", "Thông tin"

# Figures with nothing to report: parts add up, no jumps, every key target the ward enters is filled.
CLEAN = {
    "THU_NS": {"plan": 1000, "last_year": 1100, "actual": 1172.5},
    "THU_THUE": {"plan": 700, "last_year": 750, "actual": 800.3},
    "THU_DAT": {"plan": 300, "last_year": 350, "actual": 372.2},
    "DN_MOI": {"plan": 100, "last_year": 90, "actual": 110},
    "LUA_DT": {"plan": 500, "last_year": 510, "actual": 505},
    "LUA_NS": {"plan": 55, "last_year": 54, "actual": 56.2},
    "HO_TONG": {"plan": 10000, "last_year": 9800, "actual": 10050},
    "HO_NGHEO": {"plan": 200, "last_year": 250, "actual": 210},
    "HO_NGHEO_TL": {"plan": 0.5, "last_year": 2.55, "actual": 2.09},
}


def figures(**changes):
    """Return CLEAN with `changes` (code -> field -> value) applied; a value of None empties the cell."""
    out = copy.deepcopy(CLEAN)
    for code, values in changes.items():
        out.setdefault(code, {}).update(values)
    return out


def found(path, catalog) -> set[tuple[str, str | None, str | None]]:
    return {(f.code, f.sheet, f.cell) for f in check_file(path, catalog).findings}


def info_cell(address, value):
    def edit(book):
        book[INFO][address] = value
    return edit


def test_clean_workbook_has_no_findings(make_workbook, catalog):
    result = check_file(make_workbook(CLEAN), catalog)
    assert result.findings == []
    assert result.ok and result.readable and result.errors == 0


def test_every_rule_code_has_a_message_row():
    from xltools.check import RULES

    table = message_table()
    # (`unreadable` is left out: the reader's reason says what to do.)
    codes = {rule.code for rule in RULES} | {"bad-year", "catalog-changes", "not-a-number", "excel-error"}
    for code in codes:
        severity, message = table[code]
        assert severity in ("error", "warning"), code
        assert "đề nghị" in message.casefold(), code  # every message says what to do


def test_unknown_indicator(make_workbook, catalog):
    def extra_row(book):
        book[DATA]["A22"], book[DATA]["C22"], book[DATA]["G22"] = "CAY_XANH", "Số cây xanh trồng mới", 120
    assert found(make_workbook(CLEAN, edit=extra_row), catalog) == {("unknown-indicator", DATA, "A22")}


def test_missing_indicator(make_workbook, catalog):
    path = make_workbook(CLEAN, edit=lambda book: book[DATA].delete_rows(13))
    result = check_file(path, catalog)
    assert [(f.code, f.sheet, f.cell, f.indicator) for f in result.findings] == [
        ("missing-indicator", DATA, None, "LUA_DT")]
    assert "«Diện tích lúa» (mã LUA_DT)" in result.findings[0].message


def test_required_empty(make_workbook, catalog):
    empty = make_workbook(figures(HO_NGHEO_TL={"actual": None}, DN_MOI={"actual": None}), name="empty.xlsx")
    assert found(empty, catalog) == {("required-empty", DATA, "G18"), ("required-empty", DATA, "G11")}
    # Not key (THU_THUE) or not entered by wards (SDD_TL is a city figure): nothing required.
    fine = make_workbook(figures(LUA_DT={"actual": None}, SDD_TL={"actual": None}), name="fine.xlsx")
    assert found(fine, catalog) == set()
    # Text in a key target's cell is "not a number", not "empty".
    text = make_workbook(figures(DN_MOI={"actual": "chưa có"}), name="text.xlsx")
    assert found(text, catalog) == {("not-a-number", DATA, "G11")}


def test_not_a_number(make_workbook, catalog):
    assert found(make_workbook(figures(LUA_DT={"plan": "2.447.6"})), catalog) == {("not-a-number", DATA, "E13")}
    # Vietnamese number text reads as a number.
    assert found(make_workbook(figures(LUA_DT={"plan": "2.447,6"}), name="ok.xlsx"), catalog) == set()


def test_negative(make_workbook, catalog):
    path = make_workbook(figures(LUA_DT={"actual": -5, "next_plan": -1}))
    assert found(path, catalog) == {("negative", DATA, "G13"), ("negative", DATA, "J13")}
    # A growth rate may be negative.
    assert found(make_workbook(figures(TANG_TRUONG={"actual": -1.5}), name="ok.xlsx"), catalog) == set()


def test_a_message_names_the_column_as_the_period_titles_it(make_workbook, catalog):
    path = make_workbook(figures(LUA_DT={"actual": -5}), period="6 tháng")
    [negative] = [f for f in check_file(path, catalog).findings if f.code == "negative"]
    assert "cột «Thực hiện 6 tháng năm 2022» ghi số âm -5" in negative.message
    annual = make_workbook(figures(LUA_DT={"actual": -5}), name="nam.xlsx")
    [negative] = [f for f in check_file(annual, catalog).findings if f.code == "negative"]
    assert "cột «Thực hiện kỳ báo cáo» ghi số âm -5" in negative.message


def test_rate_range(make_workbook, catalog):
    path = make_workbook(figures(HO_NGHEO_TL={"actual": 105}))
    # Reported once as a rate above 100, not again as outside the catalog's 0..100.
    assert found(path, catalog) == {("rate-range", DATA, "G18")}
    assert found(make_workbook(figures(SDD_TL={"actual": 100}), name="ok.xlsx"), catalog) == set()


def test_out_of_bounds(make_workbook, catalog):
    path = make_workbook(figures(LUA_NS={"last_year": 125, "actual": 130}))
    assert found(path, catalog) == {("out-of-bounds", DATA, "F14"), ("out-of-bounds", DATA, "G14")}
    message = next(f.message for f in check_file(path, catalog).findings if f.cell == "G14")
    assert "130 tạ/ha" in message and "từ 0 đến 120" in message
    assert found(make_workbook(figures(LUA_NS={"last_year": 118, "actual": 120}), name="ok.xlsx"), catalog) == set()


def test_parts_sum(make_workbook, catalog):
    path = make_workbook(figures(THU_NS={"actual": 1175}))
    assert found(path, catalog) == {("parts-sum", DATA, "G7")}
    message = check_file(path, catalog).findings[0].message
    assert "ghi 1.175 tỷ đồng" in message and "được 1.172,5" in message and "chênh lệch 2,5" in message
    # 800,34 and 372,24 typed rounded to one decimal; the total 1.172,58 typed as 1.172,6: within rounding.
    rounded = make_workbook(figures(THU_NS={"actual": 1172.6}), name="rounded.xlsx")
    assert found(rounded, catalog) == set()
    beyond = make_workbook(figures(THU_NS={"actual": 1172.7}), name="beyond.xlsx")
    assert found(beyond, catalog) == {("parts-sum", DATA, "G7")}


def test_numerator_greater_than_denominator(make_workbook, catalog):
    path = make_workbook(figures(HO_NGHEO={"next_plan": 300}, HO_TONG={"next_plan": 250}))
    assert found(path, catalog) == {("numerator-gt-denominator", DATA, "J17")}
    assert "ô J16" in check_file(path, catalog).findings[0].message
    ok = make_workbook(figures(HO_NGHEO={"next_plan": 250}, HO_TONG={"next_plan": 250}), name="ok.xlsx")
    assert found(ok, catalog) == set()


@pytest.mark.parametrize("typed, flagged", [
    (98.5, True),     # seed 003's 98,5% for 2.447,6 / 2.516
    (97.28, False),
    (97.3, False),
    (97, False),      # typed without decimals: 97,28 rounds to 97
    (97.29, True),
    (0.9728, False),  # a fraction in a cell formatted as percent shows 97,28%
    ("97,28%", False),
])
def test_pct_plan_typed(make_workbook, catalog, typed, flagged):
    path = make_workbook(figures(LUA_DT={"plan": 2516, "last_year": 2500, "actual": 2447.6, "pct_plan": typed}))
    assert found(path, catalog) == ({("pct-plan-typed", DATA, "H13")} if flagged else set())
    if flagged:
        assert "97,28% (= 2.447,6 / 2.516 × 100)" in check_file(path, catalog).findings[0].message


@pytest.mark.parametrize("typed, flagged", [(100.12, False), (100.1, False), (100.13, True), (100, False), (101, True)])
def test_pct_last_year_typed(make_workbook, catalog, typed, flagged):
    # 1.402,75 / 1.401 = 100,1249…%
    path = make_workbook(figures(LUA_DT={"plan": 1500, "last_year": 1401, "actual": 1402.75, "pct_last_year": typed}))
    assert found(path, catalog) == ({("pct-last-year-typed", DATA, "I13")} if flagged else set())


def test_typed_percent_without_a_base_is_flagged_with_the_reason(make_workbook, catalog):
    path = make_workbook(figures(LUA_DT={"plan": 0, "pct_plan": 100}))
    result = check_file(path, catalog)
    assert [(f.code, f.cell) for f in result.findings] == [("pct-plan-typed", "H13")]
    assert "không tính được vì kế hoạch bằng 0" in result.findings[0].message


def test_reduce_by_percent_is_the_achieved_over_the_planned_reduction(make_workbook, catalog):
    # Planned reduction 0,5 points; achieved 2,55 - 2,09 = 0,46 points: 92%.
    ok = make_workbook(figures(HO_NGHEO_TL={"pct_plan": 92}), name="ok.xlsx")
    assert found(ok, catalog) == set()
    wrong = make_workbook(figures(HO_NGHEO_TL={"pct_plan": 418}), name="wrong.xlsx")  # 2,09 / 0,5
    assert found(wrong, catalog) == {("pct-plan-typed", DATA, "H18")}


def test_count_fraction(make_workbook, catalog):
    assert found(make_workbook(figures(DN_MOI={"actual": 110.5, "plan": 100.0})), catalog) == {("count-fraction", DATA, "G11")}
    # An amount may have decimals; so may a count computed to float noise.
    assert found(make_workbook(figures(LUA_DT={"actual": 505.5}, DN_MOI={"actual": 110 + 1e-12}), name="ok.xlsx"),
                 catalog) == set()


def test_rate_against_its_parts(make_workbook, catalog):
    # 210 / 10.050 = 2,09%: typed 2,5 contradicts it, 0,0209 is the fraction form of it.
    assert found(make_workbook(figures(HO_NGHEO_TL={"actual": 2.5})), catalog) == {("rate-parts", DATA, "G18")}
    assert found(make_workbook(figures(HO_NGHEO_TL={"actual": 0.0209}), name="fraction.xlsx"),
                 catalog) == {("rate-as-fraction", DATA, "G18")}
    # Rounded to the precision typed: 2,1 and 2 are 2,0896 too; the plan of a reduce-by target is a reduction.
    assert found(make_workbook(figures(HO_NGHEO_TL={"actual": 2.1, "last_year": 3, "plan": 40}), name="ok.xlsx"),
                 catalog) == set()
    # Parts where the numerator exceeds the denominator are that error, not a second one at the rate.
    assert "rate-parts" not in {code for code, _, _ in found(make_workbook(figures(HO_NGHEO={"actual": 11000}),
                                                                       name="parts.xlsx"), catalog)}


def test_typed_matches_rounds_to_the_typed_precision():
    assert typed_matches(97.28, 2447.6 / 2516 * 100)
    assert not typed_matches(98.5, 2447.6 / 2516 * 100)
    assert typed_matches(100.12, 1402.75 / 1401 * 100)
    assert typed_matches(2447.6 / 2516 * 100, 2447.6 / 2516 * 100)  # a formula's cached value
    assert not typed_matches(97.2814, 2447.6 / 2516 * 100 + 0.001)
    assert not typed_matches(1, 100)  # 1 is not a fraction typed as 100%


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice(), reason="LibreOffice is not installed")
def test_formulas_recalculated_by_libreoffice_are_not_flagged(make_workbook, catalog, tmp_path):
    path = make_workbook(figures(LUA_DT={"plan": 2516, "last_year": 2500, "actual": 2447.6}))
    out = tmp_path / "recalc"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless", "--calc",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(path)],
                   check=True, capture_output=True, timeout=180)
    recalculated = out / path.name
    sub = parse_grid(read_grid(recalculated))
    assert sub.figures["LUA_DT"].pct_plan == pytest.approx(97.2814, abs=1e-4)  # the formula's cached value
    assert sub.figures["THU_NS"].pct_last_year == pytest.approx(106.5909, abs=1e-4)
    assert check_submission(sub, catalog) == []


def test_yoy_jump_is_a_warning(make_workbook, catalog):
    path = make_workbook(figures(DN_MOI={"actual": 140}))  # 90 -> 140: +55,6%, threshold 50%
    result = check_file(path, catalog)
    assert [(f.severity, f.code, f.sheet, f.cell) for f in result.findings] == [("warning", "yoy-jump", DATA, "G11")]
    assert "tăng 55,6% so với cùng kỳ (90 → 140 doanh nghiệp)" in result.findings[0].message
    assert result.ok  # warnings only
    assert found(make_workbook(figures(DN_MOI={"actual": 135}), name="ok.xlsx"), catalog) == set()  # exactly 50%


def test_version_mismatch(make_workbook, catalog):
    path = make_workbook(CLEAN, edit=info_cell("B7", "DM-0000000000"))
    result = check_file(path, catalog)
    assert [(f.code, f.sheet, f.cell) for f in result.findings] == [("version-mismatch", INFO, "B7")]
    assert "DM-0000000000" in result.findings[0].message and catalog.version in result.findings[0].message


def test_version_mismatch_explained_by_the_hidden_catalog_copy(make_workbook, catalog):
    # The ward's workbook was made from an older catalog: LUA_NS had another bound, TANG_TRUONG did not exist.
    header = [COLUMNS[name] for name in FIELDS]
    old_rows = [list(row) for row in SMALL if row[0] != "TANG_TRUONG"]
    old_rows[5][14] = 150
    old = catalog_from_rows([header, *old_rows], source="old")
    path = make_workbook(CLEAN, catalog=old)
    result = check_file(path, catalog)
    assert {(f.code, f.sheet, f.cell, f.indicator) for f in result.findings} == {
        ("version-mismatch", INFO, "B7", None), ("catalog-changes", "Danh mục", None, None),
        ("missing-indicator", DATA, None, "TANG_TRUONG")}
    changes = next(f for f in result.findings if f.code == "catalog-changes").message
    assert "thiếu chỉ tiêu TANG_TRUONG" in changes and "khác định nghĩa chỉ tiêu LUA_NS" in changes
    assert old.version in changes and catalog.version in changes


@pytest.mark.parametrize("value, flagged", [("tran phú", True), ("", True), ("TRAN_PHU", False), ("P-01.2", False)])
def test_unit_code(make_workbook, catalog, value, flagged):
    path = make_workbook(CLEAN, edit=info_cell("B1", value or None))
    assert found(path, catalog) == ({("bad-unit-code", INFO, "B1")} if flagged else set())


@pytest.mark.parametrize("value, flagged", [("Quý V", True), (None, True), ("6 tháng", False), ("Tháng 12", False)])
def test_period(make_workbook, catalog, value, flagged):
    path = make_workbook(CLEAN, edit=info_cell("B4", value))
    assert found(path, catalog) == ({("bad-period", INFO, "B4")} if flagged else set())


def test_year(make_workbook, catalog):
    assert found(make_workbook(CLEAN, edit=info_cell("B5", "năm nay")), catalog) == {("bad-year", INFO, "B5")}
    assert found(make_workbook(CLEAN, edit=info_cell("B5", 2023), name="ok.xlsx"), catalog) == set()


def test_excel_error(make_workbook, catalog):
    path = make_workbook(figures(LUA_DT={"actual": "#DIV/0!"}))
    assert found(path, catalog) == {("excel-error", DATA, "G13")}
    assert found(make_workbook(figures(LUA_DT={"actual": 505}), name="ok.xlsx"), catalog) == set()


def test_a_workbook_of_another_kind_is_not_judged_on_its_info(tmp_path, catalog):
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Bảng chấm công"
    book.save(tmp_path / "other.xlsx")
    codes = {(f.code, f.sheet) for f in check_file(tmp_path / "other.xlsx", catalog).findings}
    assert codes == {("missing-sheet", INFO), ("missing-sheet", DATA)}


def test_unreadable_file_gives_one_finding_and_no_exception(tmp_path, catalog):
    garbage = tmp_path / "hong.xlsx"
    garbage.write_bytes(b"PK\x03\x04 not really a zip")
    for path in (garbage, tmp_path / "khong-co.xlsx"):
        result = check_file(path, catalog)
        assert result.submission is None and not result.readable
        assert [(f.severity, f.code, f.file, f.sheet, f.cell) for f in result.findings] == [
            ("error", "unreadable", path.name, None, None)]
    assert "tệp bị hỏng" in check_file(garbage, catalog).findings[0].message


def test_findings_are_in_reading_order(make_workbook, catalog):
    path = make_workbook(figures(HO_NGHEO_TL={"actual": 105}, LUA_DT={"actual": -5}),
                         edit=info_cell("B1", "sai mã"))
    assert [f.cell for f in check_file(path, catalog).findings] == ["B1", "G13", "G18"]


def test_findings_to_json_has_the_design_keys(make_workbook, catalog):
    items = findings_to_json(check_file(make_workbook(figures(LUA_DT={"actual": -5})), catalog).findings)
    assert items == [{"severity": "error", "code": "negative", "message": items[0]["message"], "file": "ward.xlsx",
                      "sheet": DATA, "cell": "G13", "indicator": "LUA_DT"}]
    json.dumps(items, ensure_ascii=False)


NUMBERS = st.one_of(
    st.none(), st.just(0.0), st.floats(min_value=-1e12, max_value=1e12),
    st.sampled_from([1e30, -1e30, 1e308, -1e308, 5e-324, float("nan"), float("inf"), 0.9728, 97.28, 100.12]),
)


@settings(max_examples=200, deadline=timedelta(seconds=5), derandomize=True)
@given(st.lists(st.tuples(*[NUMBERS] * 6), min_size=len(SMALL), max_size=len(SMALL)),
       st.sampled_from(["TRAN_PHU", "", "tran phú"]), st.sampled_from(["Năm", "", "Quý V"]))
def test_check_submission_never_raises(values, unit_code, period):
    from conftest import small_catalog
    from xltools.submission import Figure, Submission

    catalog = small_catalog()
    sub = Submission(file="w.xlsx", unit_code=unit_code, period_label=period, year=2022, version=catalog.version,
                     info_cells={"unit_code": "B1", "period": "B4", "year": "B5", "version": "B7"})
    for row, (ind, numbers) in enumerate(zip(catalog, values), start=7):
        fields = dict(zip(("plan", "last_year", "actual", "next_plan", "pct_plan", "pct_last_year"), numbers))
        cells = {name: f"{letter}{row}" for name, letter in zip(fields, "EFGJHI")}
        sub.figures[ind.code] = Figure(ind.code, row, ind.name, ind.unit, cells=cells, raw=dict(fields), **fields)
    table = message_table()
    for item in check_submission(sub, catalog):
        assert item.code in table and "{" not in item.message, item
        assert item.sheet in (DATA, INFO) and item.file == "w.xlsx"


# --------------------------------------------------------------------------- annotate


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _delete_formula(address):
    def edit(book):
        book[DATA][address].value = None
    return edit


def test_cell_marks_merge_findings_on_one_cell():
    a = Finding("warning", "yoy-jump", "Tăng mạnh.", "w.xlsx", DATA, "G11", "DN_MOI")
    b = Finding("error", "negative", "Số âm.", "w.xlsx", DATA, "G11", "DN_MOI")
    c = Finding("warning", "yoy-jump", "Giảm mạnh.", "w.xlsx", DATA, "G13", "LUA_DT")
    d = Finding("error", "unreadable", "Hỏng.", "w.xlsx")
    assert cell_marks([a, b, c, d]) == [
        Mark(DATA, "G11", "FFC7CE", "Cảnh báo: Tăng mạnh.\nLỗi: Số âm.", "error"),
        Mark(DATA, "G13", "FFEB9C", "Cảnh báo: Giảm mạnh.", "warning"),
    ]
    assert cell_marks(CheckResult(None, None, [c])) == cell_marks([c])


def test_annotate_colours_notes_lists_and_links(make_workbook, catalog, tmp_path):
    path = make_workbook(figures(LUA_DT={"plan": 2516, "last_year": 2500, "actual": 2447.6, "pct_plan": 98.5},
                                 DN_MOI={"actual": 140}),
                         edit=_delete_formula("I7"))
    before = _sha(path)
    result = check_file(path, catalog)
    out = annotate(path, tmp_path / "out" / "danh-dau.xlsx", result)
    assert _sha(path) == before  # the input is never modified

    book = load_workbook(out)
    data = book[DATA]
    assert data["H13"].fill.fgColor.rgb == "00FFC7CE"
    assert data["H13"].comment.text.startswith("Lỗi: Ô «% so với kế hoạch» của chỉ tiêu «Diện tích lúa» ghi 98,5%")
    assert data["H13"].value == 98.5  # the typed value stays, so the mark shows what was typed
    assert data["G11"].fill.fgColor.rgb == "00FFEB9C"
    assert data["G11"].comment.text.startswith("Cảnh báo: Chỉ tiêu «Doanh nghiệp thành lập mới» tăng 55,6%")
    # Cells without findings keep their style and formulas; the emptied % cell gets the computed value.
    assert data["G7"].fill.fgColor.rgb == "00FFF2CC" and data["G7"].comment is None
    assert data["H7"].value.startswith("=IF(")
    original = load_workbook(path)[DATA]
    assert data.protection.sheet and len(data.data_validations.dataValidation) == len(
        original.data_validations.dataValidation) > 0
    assert data["C19"].comment.text == original["C19"].comment.text != ""  # the notes on names stay
    assert data["I7"].value == pytest.approx(1172.5 / 1100 * 100, abs=1e-6)

    sheet = book["Kiểm tra"]
    assert book.active.title == "Kiểm tra"
    assert sheet["A2"].value.startswith("Có 1 lỗi, 1 cảnh báo.")
    assert [c.value for c in sheet[3]] == ["STT", "Mức độ", "Tệp", "Trang tính", "Ô", "Mã chỉ tiêu", "Nội dung",
                                           "Mã quy tắc"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4)]
    assert [(r[0], r[1], r[2], r[3], r[4], r[5], r[7]) for r in rows] == [
        (1, "Cảnh báo", "ward.xlsx", DATA, "G11", "DN_MOI", "yoy-jump"),
        (2, "Lỗi", "ward.xlsx", DATA, "H13", "LUA_DT", "pct-plan-typed"),
    ]
    assert [r[6] for r in rows] == [f.message for f in result.findings]
    assert [sheet[f"E{n}"].hyperlink.location for n in (4, 5)] == ["'Số liệu'!G11", "'Số liệu'!H13"]
    assert sheet["B5"].fill.fgColor.rgb == "00FFC7CE"


def test_annotate_a_clean_workbook_and_reannotate(make_workbook, catalog, tmp_path):
    path = make_workbook(CLEAN)
    out = annotate(path, tmp_path / "a.xlsx", check_file(path, catalog))
    sheet = load_workbook(out)["Kiểm tra"]
    assert sheet["A2"].value == "Không có lỗi, không có cảnh báo."
    assert sheet["A4"].value is None and sheet["G4"].value == "Không phát hiện lỗi hay cảnh báo nào."
    # Annotating an annotated copy replaces its `Kiểm tra` sheet instead of adding a second one.
    again = annotate(out, tmp_path / "b.xlsx", check_file(out, catalog))
    assert load_workbook(again).sheetnames.count("Kiểm tra") == 1


def test_annotate_lists_formula_like_names_and_codes_as_text(make_workbook, catalog, tmp_path):
    def extra_row(book):  # a row the ward added, with a code and a name that look like formulas
        sheet = book[DATA]
        row = sheet.max_row + 1
        for column, text in ((1, "=1+1"), (3, '=HYPERLINK("http://127.0.0.1:9/x","bấm")')):
            sheet.cell(row, column).value, sheet.cell(row, column).data_type = text, "s"
        sheet.cell(row, 7).value = 5

    path = make_workbook(CLEAN, name="=ward.xlsx", edit=extra_row)  # "=" is allowed in file names
    out = annotate(path, tmp_path / "a.xlsx", check_file(path, catalog))
    sheet = load_workbook(out)["Kiểm tra"]
    rows = [row for row in sheet.iter_rows(min_row=4) if row[7].value == "unknown-indicator"]
    assert [(row[2].value, row[5].value) for row in rows] == [("=ward.xlsx", "=1+1")]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_annotate_checks_with_the_default_catalog_when_given_no_result(make_workbook, full_catalog, tmp_path):
    path = make_workbook({}, catalog=full_catalog)  # a blank ward workbook: every key target is empty
    out = annotate(path, tmp_path / "a.xlsx")
    rows = list(load_workbook(out)["Kiểm tra"].iter_rows(min_row=4, values_only=True))
    assert len(rows) == len([k for k in full_catalog.key_targets if k.ward_entered]) > 0
    assert {row[7] for row in rows} == {"required-empty"}


def test_annotate_refuses_to_overwrite(make_workbook, catalog, tmp_path):
    path = make_workbook(CLEAN)
    result = check_file(path, catalog)
    with pytest.raises(BadArguments):
        annotate(path, path, result, force=True)
    target = tmp_path / "exists.xlsx"
    target.write_bytes(b"keep")
    with pytest.raises(OutputExists):
        annotate(path, target, result)
    assert target.read_bytes() == b"keep"


# --------------------------------------------------------------------------- CLI


@pytest.fixture
def catalog_file(catalog, tmp_path):
    path = tmp_path / "danh-muc.xlsx"
    write_catalog_workbook(catalog, path)
    return str(path)


def test_cli_exit_codes(make_workbook, catalog_file, tmp_path, capsys):
    clean = make_workbook(CLEAN, name="sach.xlsx")
    wrong = make_workbook(figures(LUA_DT={"actual": -5}), name="sai.xlsx")
    garbage = tmp_path / "hong.xlsx"
    garbage.write_bytes(b"not a workbook")
    assert main(["check", str(clean), "--catalog", catalog_file]) == 0
    assert capsys.readouterr().out.strip() == "Đã kiểm tra 1 tệp: không có lỗi, không có cảnh báo."
    assert main(["check", str(clean), str(wrong), "--catalog", catalog_file]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["Tệp", "Ô", "Mức", "độ", "Nội", "dung"]
    assert out[2].split()[:3] == ["sai.xlsx", "Số", "liệu!G13"] and "Lỗi" in out[2]
    assert out[-1] == "Đã kiểm tra 2 tệp: 1 lỗi, 0 cảnh báo."
    assert main(["check", str(garbage), "--catalog", catalog_file]) == 2  # nothing could be read
    assert main(["check", str(clean), str(garbage), "--catalog", catalog_file]) == 1  # a mix: one error
    assert main(["check", str(tmp_path / "khong-co.xlsx"), "--catalog", catalog_file]) == 2  # bad argument
    assert "không tìm thấy" in capsys.readouterr().err


def test_cli_json(make_workbook, catalog_file, capsys):
    path = make_workbook(figures(DN_MOI={"actual": 140}, LUA_DT={"actual": -5}))
    assert main(["check", str(path), "--json", "--catalog", catalog_file]) == 1
    items = json.loads(capsys.readouterr().out)
    assert [(i["severity"], i["code"], i["sheet"], i["cell"], i["indicator"]) for i in items] == [
        ("warning", "yoy-jump", DATA, "G11", "DN_MOI"), ("error", "negative", DATA, "G13", "LUA_DT")]
    assert all(set(i) == {"severity", "code", "message", "file", "sheet", "cell", "indicator"} for i in items)


def test_cli_annotate_one_file_and_several(make_workbook, catalog_file, tmp_path, capsys):
    one = make_workbook(figures(LUA_DT={"actual": -5}), name="mot.xlsx")
    two = make_workbook(CLEAN, name="hai.xlsx")
    target = tmp_path / "mot-kiem-tra.xlsx"
    assert main(["check", str(one), "--annotate", str(target), "--catalog", catalog_file]) == 1
    assert load_workbook(target)[DATA]["G13"].fill.fgColor.rgb == "00FFC7CE"
    folder = tmp_path / "danh-dau"
    assert main(["check", str(one), str(two), "--annotate", str(folder), "--catalog", catalog_file]) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["hai.xlsx", "mot.xlsx"]
    # Writing again without --force refuses, and says so: exit 2.
    assert main(["check", str(one), "--annotate", str(target), "--catalog", catalog_file]) == 2
    assert "đã tồn tại" in capsys.readouterr().err


# --------------------------------------------------------------------------- demo wards


def _demo_slips():
    """Return (catalog, demo module) when the default catalog and planted demo slips exist, else skip."""
    from importlib import resources

    if not resources.files("xltools.data").joinpath("catalog.csv").is_file():
        pytest.skip("the default catalog (xltools/data/catalog.csv) has not landed")
    from xltools import demo
    from xltools.catalog import default_catalog

    catalog = default_catalog()
    wards = demo.ward_figures(catalog, demo.city_figures())
    slips = demo.plant_slips(wards, catalog)
    if not slips or not all(hasattr(s, "rule") for s in slips):
        pytest.skip("demo.plant_slips plants no slips with a rule code yet")
    return catalog, demo, slips


def test_demo_slips_are_all_found_and_nothing_else(tmp_path):
    catalog, demo, slips = _demo_slips()
    assert {s.rule for s in slips} >= {"not-a-number", "parts-sum", "pct-plan-typed", "yoy-jump",
                                       "numerator-gt-denominator", "required-empty"}
    paths = demo.write_demo_wards(tmp_path / "wards", catalog)
    found_by_ward = {}
    for path in paths:
        result = check_file(path, catalog)
        assert result.readable, path
        found_by_ward[result.submission.unit_code] = result
    unmatched = {ward: list(result.findings) for ward, result in found_by_ward.items()}
    for slip in slips:
        result = found_by_ward[slip.ward]
        # A wrong part shows at its total (parts-sum), a wrong numerator at the numerator: either cell is the slip's.
        near = {slip.code, catalog[slip.code].parent} - {""}
        match = next((f for f in unmatched[slip.ward] if f.code == slip.rule and f.indicator in near), None)
        assert match is not None, f"slip not found: {slip}"
        if match.indicator == slip.code:  # at the slip's own indicator, the finding names the slipped cell
            assert match.cell == result.submission.figures[slip.code].cells[slip.field], slip
        unmatched[slip.ward].remove(match)
    leftovers = [(ward, f.code, f.cell, f.message) for ward, items in unmatched.items() for f in items]
    assert leftovers == []


def _edited_catalog(tmp_path, keep: int = 33):
    """Write the default catalog with `xltools catalog`, then keep its first `keep` indicators, as an office would."""
    path = tmp_path / "danh-muc.xlsx"
    assert main(["catalog", "-o", str(path)]) == 0
    book = load_workbook(path)
    sheet = book.active
    codes = [sheet.cell(r, 1).value for r in range(2, sheet.max_row + 1)]
    kept = [code for code in codes if code][:keep]
    parents = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for code in reversed([c for c in codes if c and c not in kept]):
        sheet.delete_rows(parents[code])
    # what is kept must still be a valid catalog: references to removed codes are cleared
    titles = [cell.value for cell in sheet[1]]
    for title in ("Mã tử số", "Mã mẫu số", "Mã trọng số", "Mã chỉ tiêu tổng"):
        column = titles.index(title) + 1
        for r in range(2, sheet.max_row + 1):
            if sheet.cell(r, column).value not in kept:
                sheet.cell(r, column).value = None
    rule = titles.index("Cách tổng hợp") + 1
    for r in range(2, sheet.max_row + 1):
        if sheet.cell(r, rule).value in ("tỷ lệ", "bình quân") and not any(
                sheet.cell(r, titles.index(t) + 1).value for t in ("Mã tử số", "Mã trọng số")):
            sheet.cell(r, rule).value = "cộng"
    book.save(path)
    return path, kept


def test_a_workbook_made_from_an_edited_catalog_is_judged_by_its_own_catalog(tmp_path, capsys):
    path, kept = _edited_catalog(tmp_path)
    city = tmp_path / "thanh-pho.xlsx"
    assert main(["new", "-o", str(city), "--unit-code", "TP_HT", "--unit-name", "Thành phố Hà Tĩnh", "--year", "2023",
                 "--catalog", str(path), "--city"]) == 0
    capsys.readouterr()
    code = main(["check", str(city), "--json"])
    found = json.loads(capsys.readouterr().out)
    assert not [f for f in found if f["code"].startswith(("missing-indicator", "unknown-indicator",
                                                           "version-mismatch", "catalog-"))]
    assert code in (0, 1)
    # the same file judged by the bundled catalog, explicitly: the mismatch is explained once
    default = tmp_path / "mac-dinh.xlsx"
    main(["catalog", "-o", str(default)])
    capsys.readouterr()
    main(["check", str(city), "--json", "--catalog", str(default)])
    codes = [f["code"] for f in json.loads(capsys.readouterr().out)]
    assert codes.count("catalog-changes") == 1 and "version-mismatch" in codes


def test_the_office_default_catalog_serves_every_door_without_an_option(tmp_path, capsys, monkeypatch):
    path, kept = _edited_catalog(tmp_path, keep=20)
    monkeypatch.setenv("XLTOOLS_CATALOG", str(path))
    ward = tmp_path / "phuong.xlsx"
    assert main(["new", "-o", str(ward), "--unit-code", "TRAN_PHU", "--unit-name", "Phường Trần Phú",
                 "--year", "2023"]) == 0
    sub = parse_grid(read_grid(ward))
    assert list(sub.figures) == kept
    capsys.readouterr()
    main(["check", str(ward), "--json"])
    assert not [f for f in json.loads(capsys.readouterr().out) if f["code"].startswith(("missing-", "catalog-",
                                                                                         "version-"))]


def test_a_catalog_copy_edited_by_hand_is_not_used_and_is_said_so(make_workbook, catalog, monkeypatch):
    def edit(book):
        sheet = book["Danh mục"]
        sheet.cell(2, 2).value = "Tên chỉ tiêu đã sửa tay"

    result = check_file(make_workbook(CLEAN, edit=edit))
    [edited] = [f for f in result.findings if f.code == "catalog-copy-edited"]
    assert "khác định nghĩa chỉ tiêu" in edited.message and edited.sheet == "Danh mục"
    assert result.catalog.version != catalog.version  # judged by the bundled default, not the edited copy
