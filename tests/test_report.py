"""The report stage: sentences, the report text (golden), the .docx (footnotes, layout), the CLI, LibreOffice."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.section import WD_ORIENT

from conftest import context_of, have_soffice, report_of
from xltools.catalog import Catalog
from xltools.cli import main
from xltools.errors import OutputExists, XltoolsError
from xltools.evaluate import evaluate_indicator
from xltools.submission import Figure, Period
from xltools.grid import read_grid
from xltools.parse import parse_grid
from xltools.report import report_workbook, sentence
from xltools.report.document import context_text
from xltools.report.sentences import target_sentence

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("XLTOOLS_UPDATE_GOLDEN") == "1"

# A ward's year, with every situation: exceeded, met, missed, no plan, a share, lower-is-better, reduce-by.
FIGURES = {
    "THU_NS": {"plan": 1002.1, "last_year": 1138.3, "actual": 1172.5, "next_plan": 1275},
    "THU_THUE": {"plan": 313, "last_year": 400.5, "actual": 372.5, "next_plan": 375},
    "THU_DAT": {"plan": 689.1, "last_year": 737.8, "actual": 800, "next_plan": 900},
    "DN_MOI": {"plan": 394, "last_year": 298, "actual": 394, "next_plan": 335},
    "LUA_DT": {"plan": 2516, "last_year": 2500, "actual": 2447.6},
    "LUA_NS": {"plan": 50, "last_year": 46, "actual": 46.3},
    "HO_TONG": {"last_year": 30500, "actual": 30700},
    "HO_NGHEO": {"last_year": 570, "actual": 467},
    "HO_NGHEO_TL": {"plan": 0.3, "last_year": 1.87, "actual": 1.52, "next_plan": 0.3},
    "SDD_TL": {"plan": 7.5, "last_year": 7.7, "actual": 7.8, "next_plan": 7.5},
    "TANG_TRUONG": {"plan": 11, "last_year": 9.5, "actual": 11.67, "next_plan": 11.5},
}
NOTES = {
    "1.4. Tài chính": "Tập trung các giải pháp xử lý tình trạng nợ đọng thuế.\nĐảm bảo chi thường xuyên & chi phát triển.",
    "Hạn chế, yếu kém": "Công tác giải phóng mặt bằng còn chậm.",
    "Nhiệm vụ, giải pháp năm sau": "Tập trung các giải pháp thu ngân sách.",
}


@pytest.fixture
def ward(make_workbook):
    return make_workbook(FIGURES, notes=NOTES)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {name} was missing and has been written; read it, then rerun")
    assert text == path.read_text(encoding="utf-8"), f"report text differs from {path}; if intended, rerun with " \
                                                     "XLTOOLS_UPDATE_GOLDEN=1 and review the diff"


# --------------------------------------------------------------------------------------------- sentences


def _say(catalog, code, estimate=False, figures=None, **values):
    result = evaluate_indicator(catalog[code], Figure(code=code, row=1, **values))
    return sentence(result, catalog, estimate=estimate, figures=figures)


def test_exceeds_plan_and_rises(catalog):
    assert _say(catalog, "THU_NS", estimate=True, plan=1002.1, last_year=1138.3, actual=1172.5) == (
        "Tổng thu ngân sách ước đạt 1.172,5 tỷ đồng, vượt 17% kế hoạch và tăng 3% so với cùng kỳ")


def test_slightly_above_plan_reads_as_percent_of_plan(catalog):
    assert _say(catalog, "THU_NS", plan=14584, actual=14672) == "Tổng thu ngân sách đạt 14.672 tỷ đồng, bằng 100,6% KH"


def test_meets_plan_and_level_with_last_year(catalog):
    assert _say(catalog, "DN_MOI", plan=394, last_year=394, actual=394) == (
        "Doanh nghiệp thành lập mới đạt 394 doanh nghiệp, hoàn thành kế hoạch và bằng cùng kỳ")


def test_misses_plan_and_falls(catalog):
    assert _say(catalog, "THU_NS", plan=1200, last_year=1300, actual=1172.5) == (
        "Tổng thu ngân sách đạt 1.172,5 tỷ đồng, bằng 97,71% kế hoạch và giảm 9,81% so với cùng kỳ")


def test_falls_by_two_decimals(catalog):
    assert _say(catalog, "LUA_DT", last_year=180000, actual=113779) == (
        "Diện tích lúa đạt 113.779 ha, giảm 36,79% so với cùng kỳ")


def test_no_plan_states_value_and_change_only(catalog):
    assert _say(catalog, "HO_TONG", last_year=30500, actual=30700) == (
        "Tổng số hộ đạt 30.700 hộ, tăng 0,66% so với cùng kỳ")
    assert _say(catalog, "THU_NS", actual=1172.5) == "Tổng thu ngân sách đạt 1.172,5 tỷ đồng"


def test_estimate_says_uoc_dat(catalog):
    assert _say(catalog, "THU_NS", estimate=True, actual=5).startswith("Tổng thu ngân sách ước đạt 5 tỷ đồng")
    assert _say(catalog, "THU_NS", estimate=False, actual=5).startswith("Tổng thu ngân sách đạt 5 tỷ đồng")


def test_no_data_gives_no_sentence(catalog):
    assert _say(catalog, "THU_NS", plan=100) == ""


def test_rate_in_percentage_points(catalog):
    rate = dataclasses.replace(catalog["HO_NGHEO_TL"], code="BHYT", name="Người dân tham gia BHYT",
                               direction="higher", rule="sum", numerator="", denominator="")
    small = Catalog([rate])
    assert _say(small, "BHYT", plan=95, last_year=93.5, actual=99.24) == (
        "Người dân tham gia BHYT đạt tỷ lệ 99,24%, vượt kế hoạch đề ra (95%) và tăng 5,74 điểm phần trăm so với "
        "cùng kỳ")


def test_share_states_numerator_and_denominator(catalog):
    shot = dataclasses.replace(catalog["HO_NGHEO_TL"], code="TIEM", name="Tiêm vắc xin mũi 1", direction="higher",
                               numerator="TIEM_SO", denominator="TIEM_DT")
    parts = [dataclasses.replace(catalog["HO_TONG"], code=code, name=code) for code in ("TIEM_SO", "TIEM_DT")]
    small = Catalog([shot, *parts])
    figures = {"TIEM_SO": Figure("TIEM_SO", 1, actual=9398), "TIEM_DT": Figure("TIEM_DT", 2, actual=9470)}
    assert _say(small, "TIEM", figures=figures, actual=99.24) == "Tiêm vắc xin mũi 1 đạt 9.398/9.470, tỷ lệ 99,24%"
    rate = Catalog([dataclasses.replace(shot, name="Tỷ lệ tiêm vắc xin mũi 1"), *parts])
    assert _say(rate, "TIEM", estimate=True, figures=figures, actual=99.24) == (
        "Tỷ lệ tiêm vắc xin mũi 1 ước đạt 99,24% (9.398/9.470)")


def test_lower_is_better(catalog):
    assert _say(catalog, "SDD_TL", plan=7.5, last_year=7.7, actual=6.8) == (
        "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng còn 6,8%, đạt kế hoạch (dưới 7,5%) và giảm 0,9 điểm phần trăm so "
        "với cùng kỳ")
    assert _say(catalog, "SDD_TL", plan=7.5, actual=7.8) == (
        "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng còn 7,8%, không đạt kế hoạch (dưới 7,5%)")


def test_reduce_by(catalog):
    figures = {"HO_NGHEO": Figure("HO_NGHEO", 1, actual=467), "HO_TONG": Figure("HO_TONG", 2, actual=30700)}
    assert _say(catalog, "HO_NGHEO_TL", figures=figures, plan=0.3, last_year=1.87, actual=1.52) == (
        "Tỷ lệ hộ nghèo còn 1,52% (467/30.700), giảm 0,35 điểm phần trăm, vượt kế hoạch (giảm 0,3 điểm phần trăm)")
    assert _say(catalog, "HO_NGHEO_TL", plan=0.5, last_year=1.87, actual=1.52).endswith(
        "chưa đạt kế hoạch (giảm 0,5 điểm phần trăm)")


def test_growth_has_no_year_on_year_clause(catalog):
    assert _say(catalog, "TANG_TRUONG", estimate=True, plan=11, last_year=9.5, actual=11.67) == (
        "Tăng trưởng kinh tế ước đạt 11,67%, vượt kế hoạch đề ra (11%)")


def test_next_year_targets(catalog):
    target = lambda code, **values: target_sentence(evaluate_indicator(catalog[code], Figure(code, 1, **values)))
    assert target("THU_NS", next_plan=1275) == "Tổng thu ngân sách đạt 1.275 tỷ đồng"
    assert target("SDD_TL", next_plan=7.5) == "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng còn dưới 7,5%"
    assert target("HO_NGHEO_TL", next_plan=0.3) == "Tỷ lệ hộ nghèo giảm 0,3 điểm phần trăm"
    assert target("THU_NS") == ""


# ------------------------------------------------------------------------------------------- report text


def test_report_text_golden(ward):
    check_golden("report_ward.txt", report_of(ward))


def test_key_summary_adds_up_and_footnotes_list_the_names(ward):
    context = context_of(ward)
    summary = context.summary
    assert (summary.total, len(summary.exceeded), len(summary.met), len(summary.missed), len(summary.unknown)) == (
        5, 3, 1, 1, 0)
    opening = next(b.text for b in context.body if "chỉ tiêu chủ yếu" in b.text)
    plain = re.sub("\ue000(\\d+)\ue001", r"[\1]", opening)
    assert ("Năm 2022, kế hoạch đề ra 5 chỉ tiêu chủ yếu, có 4/5 chỉ tiêu đạt và vượt kế hoạch (3 chỉ tiêu vượt "
            "kế hoạch[1], 1 chỉ tiêu đạt kế hoạch[2]), 1 chỉ tiêu không đạt kế hoạch[3]") in plain
    assert context.footnotes == [
        "Gồm các chỉ tiêu: Tổng thu ngân sách; Tỷ lệ hộ nghèo; Tăng trưởng kinh tế.",
        "Gồm các chỉ tiêu: Doanh nghiệp thành lập mới.",
        "Gồm các chỉ tiêu: Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng.",
    ]


def test_narrative_sits_under_its_section_and_parts_join_their_total(ward):
    text = report_of(ward)
    # Headings are numbered as printed: the catalog's "1.4. Tài chính" is the first section shown.
    finance = text.index("\n1.1. Tài chính\n")
    assert text.index("- Tổng thu ngân sách ước đạt 1.172,5 tỷ đồng") > finance
    assert finance < text.index("Tập trung các giải pháp xử lý tình trạng nợ đọng thuế.") < text.index(
        "\n1.2. Doanh nghiệp\n")
    assert "Trong đó, thu thuế, phí ước đạt 372,5 tỷ đồng, vượt 19,01% kế hoạch và giảm 6,99% so với cùng kỳ" in text
    assert "\n- Thu thuế, phí" not in text
    assert "II. ĐÁNH GIÁ CHUNG\n1. Tồn tại, hạn chế\nCông tác giải phóng mặt bằng còn chậm." in text
    assert text.count("./.") == 1 and "Tập trung các giải pháp thu ngân sách./." in text


def test_report_uses_the_catalog_inside_the_workbook(ward, catalog):
    # The default catalog has other codes; the workbook's hidden copy is what makes THU_NS known.
    assert context_of(ward).catalog.version == catalog.version


def test_final_figures_say_dat_not_uoc_dat(make_workbook):
    def final(book):
        sheet = book["Thông tin"]
        for row in sheet.iter_rows():
            if row[0].value == "Tính chất số liệu":
                row[1].value = "Thực hiện"

    text = report_of(make_workbook(FIGURES, edit=final))
    assert "- Tổng thu ngân sách đạt 1.172,5 tỷ đồng" in text and "ước đạt" not in text


def test_workbook_without_figures_is_refused_in_vietnamese(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Trang 1"
    path = tmp_path / "khac.xlsx"
    book.save(path)
    with pytest.raises(XltoolsError, match="khac.xlsx: không lập được báo cáo"):
        report_of(path)


# -------------------------------------------------------------------------------------------------- docx


def _xml(path: Path, part: str) -> str:
    with zipfile.ZipFile(path) as package:
        return package.read(part).decode("utf-8")


def test_docx_has_real_footnotes(ward, tmp_path):
    out = report_workbook(ward, tmp_path / "bao-cao.docx")
    document, notes = _xml(out, "word/document.xml"), _xml(out, "word/footnotes.xml")
    assert re.findall(r'<w:footnoteReference w:id="(\d+)"/>', document) == ["1", "2", "3"]
    assert 'w:type="separator"' in notes and 'w:type="continuationSeparator"' in notes
    bodies = re.findall(r'<w:footnote w:id="(\d+)">.*?<w:footnoteRef/>.*?<w:t xml:space="preserve">([^<]*)</w:t>',
                        notes)
    assert bodies[0] == ("1", " Gồm các chỉ tiêu: Tổng thu ngân sách; Tỷ lệ hộ nghèo; Tăng trưởng kinh tế.")
    assert [number for number, _ in bodies] == ["1", "2", "3"]


def test_docx_layout_follows_decree_30(ward, tmp_path):
    out = report_workbook(ward, tmp_path / "bao-cao.docx")
    doc = Document(out)
    first, appendix = doc.sections
    mm = lambda *lengths: [round(length.mm, 1) for length in lengths]
    assert mm(first.page_width, first.page_height) == [210, 297]
    assert mm(first.top_margin, first.bottom_margin, first.left_margin, first.right_margin) == [20, 20, 30, 15]
    assert first.different_first_page_header_footer
    assert "PAGE" in first.header._element.xml and "PAGE" not in first.first_page_header._element.xml
    assert appendix.orientation == WD_ORIENT.LANDSCAPE and mm(appendix.page_width) == [297]
    assert doc.styles["Normal"].font.name == "Times New Roman"
    body = doc.styles["BC Nội dung"]
    assert body.font.size.pt == 14 and body.paragraph_format.first_line_indent.cm == pytest.approx(1.27, abs=0.01)
    header = doc.tables[0]
    assert [p.text for p in header.cell(0, 0).paragraphs if p.text] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG TRẦN PHÚ"]
    assert [p.text for p in header.cell(0, 1).paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    motto = header.cell(0, 1).paragraphs[1].runs[0]
    assert motto.bold and motto.font.size.pt == 14
    table = doc.tables[-1]
    assert "<w:tblHeader/>" in table.rows[0]._tr.xml
    assert [c.text for c in table.rows[2].cells[:8]] == [
        "1", "Tổng thu ngân sách", "tỷ đồng", "1.002,1", "1.138,3", "1.172,5", "117", "103"]
    assert len(table.rows) == 1 + 2 + len(FIGURES)


def test_docx_text_is_the_report_text(ward, tmp_path):
    out = report_workbook(ward, tmp_path / "bao-cao.docx")
    paragraphs = [p.text for p in Document(out).paragraphs]
    assert "Phần thứ nhất" in paragraphs and "I. KẾT QUẢ THỰC HIỆN" in paragraphs
    text = report_of(ward)
    for line in paragraphs:
        if line.startswith("- "):
            assert line in text


def test_write_report_refuses_to_overwrite(ward, tmp_path):
    out = tmp_path / "bao-cao.docx"
    out.write_bytes(b"old")
    with pytest.raises(OutputExists):
        report_workbook(ward, out)
    assert out.read_bytes() == b"old"
    report_workbook(ward, out, force=True)
    assert zipfile.is_zipfile(out)


def test_bad_template_leaves_no_output(ward, tmp_path):
    bad = tmp_path / "mau.docx"
    bad.write_text("không phải Word")
    with pytest.raises(XltoolsError, match="mau.docx: không mở được mẫu báo cáo Word"):
        report_workbook(ward, tmp_path / "bao-cao.docx", template=bad)
    assert list(tmp_path.glob("bao-cao*")) == []


def test_cli_report(ward, tmp_path, capsys):
    out = tmp_path / "bc.docx"
    assert main(["report", str(ward), "-o", str(out)]) == 0
    assert zipfile.is_zipfile(out)
    assert main(["report", str(ward), "-o", str(out)]) == 2
    assert "tệp đã tồn tại" in capsys.readouterr().err
    assert main(["report", str(ward), "-o", str(out), "--force"]) == 0
    assert main(["report", str(tmp_path / "khong-co.xlsx"), "-o", str(tmp_path / "x.docx")]) == 2
    assert "khong-co.xlsx" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------- city


@pytest.fixture
def city(make_workbook, catalog, tmp_path):
    """Return a city workbook merged from four wards, with DN_MOI and SDD_TL marked for naming leading wards."""
    from xltools.merge import merge

    marked = Catalog([dataclasses.replace(ind, rank=ind.code in ("DN_MOI", "THU_NS")) for ind in catalog])
    wards = tmp_path / "wards"
    wards.mkdir()
    for i, (code, name) in enumerate([("TRAN_PHU", "Phường Trần Phú"), ("NAM_HA", "Phường Nam Hà"),
                                      ("BAC_HA", "Phường Bắc Hà"), ("DONG_MON", "Xã Đồng Môn")]):
        figures = {c: {f: (v * (1 + i / 10) if c in ("DN_MOI", "THU_NS") and f == "actual" else v)
                       for f, v in values.items()}
                   for c, values in FIGURES.items() if catalog[c].ward_entered and c not in ("THU_THUE", "THU_DAT")}
        path = make_workbook(figures, name=f"{code}.xlsx", unit_code=code, unit_name=name, catalog=marked)
        shutil.move(path, wards / path.name)
    out = tmp_path / "thanh-pho.xlsx"
    merge([wards], out, catalog=marked, jobs=1)
    return out


def test_city_report_names_leading_wards_and_has_a_chart(city, tmp_path):
    text = report_of(city)
    assert "Dẫn đầu là Xã Đồng Môn (" in text and "; thấp nhất là Phường Trần Phú (" in text
    out = report_workbook(city, tmp_path / "bc.docx")
    with zipfile.ZipFile(out) as package:
        images = [name for name in package.namelist() if name.startswith("word/media/")]
        assert len(images) == 1 and package.read(images[0])[:4] == b"\x89PNG"
    assert "Biểu đồ: Tỷ lệ thực hiện so với kế hoạch" in text


# -------------------------------------------------------------------------------------------- LibreOffice


def _pdf(docx: Path, folder: Path) -> Path:
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/lo-profile", "--headless", "--convert-to",
                    "pdf", "--outdir", str(folder), str(docx)], check=True, capture_output=True, timeout=180)
    return folder / (docx.stem + ".pdf")


@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice() or not shutil.which("pdftotext"), reason="LibreOffice is not installed")
def test_libreoffice_renders_the_report(ward, tmp_path):
    pdf = _pdf(report_workbook(ward, tmp_path / "bao-cao.docx"), tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert int(re.search(r"Pages:\s+(\d+)", info).group(1)) == 3
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    flat = " ".join(text.split())
    for expected in ("ỦY BAN NHÂN DÂN", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "BÁO CÁO", "Phần thứ nhất", "Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "Phụ lục",
                     "vượt 17% kế hoạch và tăng 3% so với cùng kỳ", "Gồm các chỉ tiêu: Tổng thu ngân sách"):
        assert expected in flat, expected


# ---------------------------------------------------------------------------------------- template, dates


def test_committed_template_is_what_the_script_builds(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_report_template",
                                                  Path(__file__).parent.parent / "scripts" / "build_report_template.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    built = script.build(tmp_path / "bao-cao.docx")
    committed = Path(__file__).parent.parent / "templates" / "bao-cao.docx"
    for part in ("word/document.xml", "word/styles.xml", "word/footnotes.xml", "word/settings.xml"):
        assert _xml(built, part) == _xml(committed, part), f"{part}: rerun scripts/build_report_template.py"


def test_dated_report_and_numbered_document(make_workbook, catalog):
    import datetime as dt

    def details(book):
        sheet = book["Thông tin"]
        row = sheet.max_row + 2
        for label, value in (("Số văn bản", "5"), ("Địa danh", "Hà Tĩnh"), ("Người ký", "Nguyễn Văn A"),
                             ("Nơi nhận", "Thường trực Thành ủy; UBND các phường, xã; Lưu: VT, VP")):
            sheet.cell(row, 1, label)
            sheet.cell(row, 2, value)
            row += 1

    text = report_of(make_workbook(FIGURES, edit=details), date=dt.date(2023, 1, 5))
    assert "Số: 05/BC-UBND" in text
    assert "Hà Tĩnh, ngày 05 tháng 01 năm 2023" in text
    assert "Nơi nhận:\n- Thường trực Thành ủy;\n- UBND các phường, xã;\n- Lưu: VT, VP.\n" in text
    assert "CHỦ TỊCH\nNguyễn Văn A\n" in text


def test_half_year_report(make_workbook):
    notes = {"Nhiệm vụ, giải pháp 6 tháng cuối năm": "Tập trung thu ngân sách."}
    text = report_of(make_workbook(FIGURES, period="6 tháng", notes=notes))
    assert "Tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội 6 tháng đầu năm 2022; nhiệm vụ, giải pháp " \
           "trọng tâm 6 tháng cuối năm 2022" in text
    assert "6 tháng đầu năm 2022, kế hoạch năm đề ra 5 chỉ tiêu chủ yếu, có 4/5 chỉ tiêu đạt tiến độ hoặc đã đạt " \
           "kế hoạch năm[1], 1 chỉ tiêu chưa đạt kế hoạch năm[2]" in text
    assert "Phần thứ hai\nNHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM 6 THÁNG CUỐI NĂM 2022\nI. NHIỆM VỤ VÀ GIẢI PHÁP CHỦ YẾU\n" \
           "Tập trung thu ngân sách./." in text
    assert "Quý I năm 2022, kế hoạch năm đề ra" in report_of(make_workbook(FIGURES, name="q1.xlsx", period="Quý I"))


def test_an_older_in_year_workbook_keeps_its_narrative_and_drops_next_years_targets(make_workbook):
    def older(book):  # made before the period titles: the annual tasks row, next year's plan typed
        sheet = book["Thuyết minh"]
        for row in sheet.iter_rows():
            if row[0].value == "Nhiệm vụ, giải pháp 6 tháng cuối năm":
                row[0].value, row[1].value = "Nhiệm vụ, giải pháp năm sau", "Tập trung thu ngân sách."
    text = report_of(make_workbook(FIGURES, period="6 tháng", edit=older))
    assert "II. NHIỆM VỤ VÀ GIẢI PHÁP CHỦ YẾU" not in text and "MỤC TIÊU VÀ CÁC CHỈ TIÊU" not in text
    assert "I. NHIỆM VỤ VÀ GIẢI PHÁP CHỦ YẾU\nTập trung thu ngân sách./." in text


@pytest.mark.parametrize("period, amount", [("6 tháng", "bằng 47,18% kế hoạch năm, tăng 2,36% so với cùng kỳ"),
                                            ("Năm", "bằng 47,18% kế hoạch và tăng 2,36% so với cùng kỳ")])
def test_within_the_year_an_amount_is_a_share_of_the_annual_plan(catalog, period, amount):
    result = evaluate_indicator(catalog["THU_NS"], Figure("THU_NS", 1, plan=12318.7, last_year=5678, actual=5812),
                                Period.parse(period))
    assert sentence(result, catalog, estimate=True) == f"Tổng thu ngân sách ước đạt 5.812 tỷ đồng, {amount}"
    assert result.status == {"6 tháng": "on_pace", "Năm": "missed"}[period]


def test_within_the_year_levels_say_reached_or_not_yet_and_the_estimate_gives_the_year(catalog):
    say = lambda code, **values: sentence(evaluate_indicator(catalog[code], Figure(code, 1, **values),
                                                             Period.parse("9 tháng")), catalog, estimate=True)
    assert say("SDD_TL", plan=7.5, last_year=7.7, actual=7.8) == (
        "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng đến nay ước còn 7,8%, chưa đạt kế hoạch năm (dưới 7,5%), tăng 0,1 "
        "điểm phần trăm so với cùng kỳ")
    assert say("TANG_TRUONG", plan=11, actual=11.2) == "Tăng trưởng kinh tế ước đạt 11,2%, đã đạt kế hoạch năm (11%)"
    assert say("THU_NS", plan=1000, actual=700, year_estimate=1172.5) == (
        "Tổng thu ngân sách ước đạt 700 tỷ đồng, bằng 70% kế hoạch năm; dự kiến cả năm đạt 1.172,5 tỷ đồng, vượt "
        "17,25% kế hoạch năm")
    assert say("THU_NS", plan=1000, actual=700, year_estimate=950).endswith(
        "; dự kiến cả năm đạt 950 tỷ đồng, bằng 95% kế hoạch năm")


# ---------------------------------------------------------------------------------- default catalog, demo


def _have_demo_data() -> bool:
    from importlib import resources

    data = resources.files("xltools.data")
    return data.joinpath("catalog.csv").is_file() and data.joinpath("city_2022.csv").is_file()


needs_demo = pytest.mark.skipif(not _have_demo_data(), reason="the default catalog and demo figures are not there yet")


@pytest.fixture(scope="module")
def demo_city(tmp_path_factory):
    """Return (city workbook, one ward workbook) of the demo: 15 wards merged over the city base."""
    from xltools.demo import write_city_base, write_demo_wards
    from xltools.merge import merge

    folder = tmp_path_factory.mktemp("demo")
    wards = write_demo_wards(folder / "phuong-xa")
    base = write_city_base(folder / "thanh-pho-co-so.xlsx")
    out = folder / "thanh-pho-2022.xlsx"
    merge([folder / "phuong-xa"], out, base=base, jobs=1)
    return out, wards[0]


@needs_demo
def test_demo_city_report_text_golden(demo_city):
    check_golden("report_demo_city.txt", report_of(demo_city[0]))


@needs_demo
def test_demo_ward_report_text_golden(demo_city):
    check_golden("report_demo_ward.txt", report_of(demo_city[1]))


@needs_demo
def test_demo_city_key_summary_adds_up(demo_city):
    context = context_of(demo_city[0])
    summary = context.summary
    assert summary.total == len(context.catalog.key_targets)
    groups = [summary.exceeded, summary.met, summary.missed, summary.unknown]
    assert sum(len(group) for group in groups) == summary.total
    assert len(context.footnotes) == sum(1 for group in groups if group)
    for group, note in zip([g for g in groups if g], context.footnotes):
        assert note == "Gồm các chỉ tiêu: " + "; ".join(r.indicator.name for r in group) + "."
    assert context.chart and context.rankings


@needs_demo
@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice() or not shutil.which("pdftotext"), reason="LibreOffice is not installed")
def test_libreoffice_renders_the_demo_city_report(demo_city, tmp_path):
    out = report_workbook(demo_city[0], tmp_path / "bao-cao-thanh-pho.docx")
    pdf = _pdf(out, tmp_path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert 10 <= int(re.search(r"Pages:\s+(\d+)", info).group(1)) <= 20
    flat = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    for expected in ("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ TĨNH", "Hà Tĩnh, ngày", "đề ra 25 chỉ tiêu chủ yếu",
                     "- Thu ngân sách ước đạt", "Dẫn đầu là", "Biểu đồ: Tỷ lệ thực hiện so với kế hoạch",
                     "- Thường trực Thành ủy;"):
        assert expected in flat, expected


def test_report_without_targets_or_narrative_ends_on_its_last_sentence(make_workbook):
    text = report_of(make_workbook({"LUA_DT": {"plan": 2516, "actual": 2447.6}}))
    assert "Phần thứ hai" not in text and "II. ĐÁNH GIÁ CHUNG" not in text
    assert "- Diện tích lúa ước đạt 2.447,6 ha, bằng 97,28% kế hoạch./.\n" in text
    assert "có 0/5 chỉ tiêu" not in text and "chưa có chỉ tiêu nào đạt kế hoạch, 5 chỉ tiêu chưa đủ số liệu" in text


# ---------------------------------------------------------------------------------------- report periods

# One city report per kind of period, from the demo city's months (tests/months.py); the golden file's name.
PERIODS = {"Tháng 10": "thang-10", "10 tháng": "10-thang", "Quý II": "quy-2", "6 tháng": "6-thang",
           "9 tháng": "9-thang", "Năm": "nam"}


@pytest.fixture(scope="module")
def period_workbooks(tmp_path_factory, full_catalog):
    """Return period label -> the city workbook of that period, its figures accumulated from the months."""
    from months import monthly_submissions, write_city
    from xltools.accumulate import accumulate

    months = monthly_submissions(full_catalog)
    folder = tmp_path_factory.mktemp("periods")
    out = {}
    for label, slug in PERIODS.items():
        period = Period.parse(label)
        sub = accumulate([m for m in months if m.period.last_month in period.months], full_catalog, period)
        notes = {"Hạn chế, yếu kém": "Tiến độ giải ngân vốn đầu tư công còn chậm.",
                 f"Nhiệm vụ, giải pháp {period.ahead}": "Tập trung thu ngân sách, đẩy nhanh giải ngân vốn đầu tư công."}
        out[label] = write_city(folder / f"{slug}.xlsx", full_catalog, sub, notes)
    return out


@needs_demo
@pytest.mark.parametrize("label", PERIODS)
def test_period_report_golden(period_workbooks, label):
    check_golden(f"report_period_{PERIODS[label]}.txt", report_of(period_workbooks[label]))


PROGRESS = {"Đạt tiến độ", "Chậm tiến độ", "Đã đạt", "Chưa đạt", "Dự kiến vượt kế hoạch năm", "Chưa có kế hoạch"}


@needs_demo
def test_half_year_city_report_speaks_of_progress_and_never_of_missing_the_plan(period_workbooks, full_catalog,
                                                                                tmp_path):
    context = context_of(period_workbooks["6 tháng"])
    text = context_text(context)
    assert "không đạt" not in text.casefold()
    assert "kinh tế - xã hội 6 tháng đầu năm 2022; nhiệm vụ, giải pháp trọng tâm 6 tháng cuối năm 2022" in text
    assert "Ước thực hiện 6 tháng đầu năm 2022" in context.appendix_columns
    assert context.appendix_columns[-2:] == ["Đánh giá tiến độ", "Ước thực hiện cả năm 2022"]
    assert "- Thu ngân sách ước đạt 478,1 tỷ đồng, bằng 47,68% kế hoạch năm, tăng 6,62% so với cùng kỳ" in text
    verdicts = {row.cells[8].split(" (")[0] for row in context.appendix if not row.group and row.cells[8]}
    assert verdicts == PROGRESS
    assert context.summary.in_year and context.summary.reached + len(context.summary.behind) == 25
    # The same figures in an annual workbook are judged against the plan: "không đạt".
    half = parse_grid(read_grid(period_workbooks["6 tháng"]))
    half.period_label = "Năm"
    from months import write_city

    annual = context_text(context_of(write_city(tmp_path / "nam.xlsx", full_catalog, half)))
    assert "chỉ tiêu không đạt kế hoạch[" in annual and "| Không đạt |" in annual


@needs_demo
def test_twelve_months_give_the_seeds_summary_of_the_year(period_workbooks):
    summary = context_of(period_workbooks["Năm"]).summary
    assert (len(summary.exceeded), len(summary.met), len(summary.missed), summary.unknown) == (9, 12, 4, [])


@needs_demo
@pytest.mark.libreoffice
@pytest.mark.skipif(not have_soffice() or not shutil.which("pdftotext"), reason="LibreOffice is not installed")
def test_libreoffice_renders_the_half_year_report(period_workbooks, tmp_path):
    pdf = _pdf(report_workbook(period_workbooks["6 tháng"], tmp_path / "bao-cao-6-thang.docx"), tmp_path)
    flat = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    for expected in ("6 tháng đầu năm 2022", "NHIỆM VỤ, GIẢI PHÁP TRỌNG TÂM 6 THÁNG CUỐI NĂM 2022",
                     "bằng 47,68% kế hoạch năm", "Đánh giá tiến độ", "Đạt tiến độ (thời gian: 50%)",
                     "Biểu đồ: Tỷ lệ thực hiện so với kế hoạch năm"):
        assert expected in flat, expected
    assert "không đạt" not in flat.casefold()


def test_a_workbook_of_an_unknown_period_gives_no_report(make_workbook, tmp_path, capsys):
    def quy_v(book):
        book["Thông tin"]["B4"] = "Quý V"
    path = make_workbook(FIGURES, edit=quy_v)
    assert main(["report", str(path), "-o", str(tmp_path / "bc.docx")]) == 2
    err = capsys.readouterr().err
    assert "ward.xlsx, trang «Thông tin», ô B4: không lập được báo cáo vì «Quý V» không phải kỳ báo cáo hợp lệ" in err
    assert "Quý I … Quý IV" in err and not (tmp_path / "bc.docx").exists()
