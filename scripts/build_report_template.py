"""Build `templates/bao-cao.docx`, the Word template of the KT-XH report, in the format of Decree 30/2020/NĐ-CP.

Run `python scripts/build_report_template.py` after changing it; the output is committed so
office staff can open and restyle the template in Word. Sizes follow Phụ lục I of the decree
(quoted in shared/CONVENTIONS.md §1): A4; margins top/bottom 20 mm, left 30 mm, right 15 mm;
Times New Roman; quốc hiệu 13 pt bold, tiêu ngữ 14 pt bold with a rule of its length;
issuing body 13 pt bold caps with a short rule; "Số" 13 pt; place and date 14 pt italic;
title 14 pt bold; body 14 pt justified with a 1,27 cm first-line indent, 6 pt between
paragraphs; "Nơi nhận" 12 pt bold italic with 11 pt entries; signature 14 pt bold caps;
page numbers 14 pt at the top centre, not on the first page.

The variable parts are docxtpl (jinja) tags; the body and the appendix table are
sub-documents the report code builds with the paragraph and table styles defined here
(names starting "BC "), so restyling a style in Word restyles the generated report.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Cm, Mm, Pt

from xltools.report.footnotes import footnotes_part

FONT = "Times New Roman"
OUTPUT = Path(__file__).resolve().parent.parent / "templates" / "bao-cao.docx"

TEXT_WIDTH = 21.0 - 3.0 - 1.5  # cm: A4 less the left and right margins
LEFT_COLUMN, RIGHT_COLUMN = 6.0, 10.5  # cm; measured: quốc hiệu at 13 pt is 9,57 cm wide
CELL_PADDING = 0.38  # cm: Word's default left + right cell margins
MOTTO_RULE = 6.05  # cm: "Độc lập - Tự do - Hạnh phúc" at 14 pt bold
AGENCY_RULE = 2.0  # cm: 1/3–1/2 of the issuing body's line
TITLE_RULE = 4.0  # cm: 1/3–1/2 of the subject line

# style id -> (name shown in Word, base, size pt, bold, italic, alignment, first-line indent cm, before pt, after pt)
PARAGRAPH_STYLES = {
    "BCNoiDung": ("BC Nội dung", 14, False, False, "justify", 1.27, 6, 0),
    "BCPhan": ("BC Phần", 14, True, False, "center", 0, 12, 0),
    "BCMuc": ("BC Mục", 14, True, False, "justify", 1.27, 6, 0),
    "BCKhoan": ("BC Khoản", 14, True, False, "justify", 1.27, 6, 0),
    "BCDiem": ("BC Điểm", 14, False, False, "justify", 1.27, 6, 0),
    "BCHinh": ("BC Hình", 14, False, False, "center", 0, 6, 0),
    "BCChuThichHinh": ("BC Chú thích hình", 12, False, True, "center", 0, 0, 6),
    "BCBang": ("BC Bảng", 11, False, False, "left", 0, 1, 1),
    "BCBangSo": ("BC Bảng số", 11, False, False, "right", 0, 1, 1),
    "BCBangTieuDe": ("BC Bảng tiêu đề", 11, True, False, "center", 0, 1, 1),
    "BCBangNhom": ("BC Bảng nhóm", 11, True, False, "left", 0, 1, 1),
}
ALIGN = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
         "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}

def _fonts(rpr, size: float | None = None) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    if size:
        for tag in ("w:sz", "w:szCs"):
            element = rpr.find(qn(tag))
            if element is None:
                element = OxmlElement(tag)
                rpr.append(element)
            element.set(qn("w:val"), str(int(size * 2)))


def _base_styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    _fonts(normal.element.get_or_add_rPr(), 14)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    normal.element.get_or_add_rPr().append(lang)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    for name in ("Header", "Footer"):
        doc.styles[name].font.name = FONT
        doc.styles[name].font.size = Pt(14)


def _paragraph_styles(doc) -> None:
    for style_id, (name, size, bold, italic, align, indent, before, after) in PARAGRAPH_STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.element.set(qn("w:styleId"), style_id)
        style.base_style = doc.styles["Normal"]
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = italic
        fmt = style.paragraph_format
        fmt.alignment = ALIGN[align]
        fmt.first_line_indent = Cm(indent) if indent else None
        fmt.space_before, fmt.space_after = Pt(before), Pt(after)
        if not style_id.startswith("BCBang"):
            fmt.line_spacing = 1.15
        fmt.widow_control = True
    doc.styles["BC Mục"].paragraph_format.keep_with_next = True
    doc.styles["BC Khoản"].paragraph_format.keep_with_next = True
    doc.styles["BC Phần"].paragraph_format.keep_with_next = True
    doc.styles["BC Hình"].paragraph_format.keep_with_next = True

    text = doc.styles.add_style("footnote text", WD_STYLE_TYPE.PARAGRAPH)
    text.element.set(qn("w:styleId"), "FootnoteText")
    text.base_style = doc.styles["Normal"]
    text.font.size = Pt(11)
    text.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    reference = doc.styles.add_style("footnote reference", WD_STYLE_TYPE.CHARACTER)
    reference.element.set(qn("w:styleId"), "FootnoteReference")
    reference.font.superscript = True

    table = doc.styles.add_style("BC Bảng phụ lục", WD_STYLE_TYPE.TABLE)
    table.element.set(qn("w:styleId"), "BCBangPhuLuc")
    table.element.append(parse_xml(
        f'<w:tblPr {nsdecls("w")}><w:tblBorders>'
        + "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                  for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
        + '</w:tblBorders><w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        '</w:tblCellMar></w:tblPr>'))


def _paragraph(container, text: str = "", *, size: float = 14, bold=False, italic=False,
               align=WD_ALIGN_PARAGRAPH.CENTER, before: float = 0, after: float = 0):
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    paragraph.paragraph_format.first_line_indent = Cm(0)
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.bold, run.italic = bold, italic
    return paragraph


def _rule(container, width: float, length: float, before: float = 0):
    """Add an empty paragraph whose top border is a centred line `length` cm long in a `width` cm column."""
    paragraph = _paragraph(container, before=before)
    side = Cm((width - length) / 2)
    paragraph.paragraph_format.left_indent = paragraph.paragraph_format.right_indent = side
    p_pr = paragraph._p.get_or_add_pPr()
    border = parse_xml(f'<w:pBdr {nsdecls("w")}><w:top w:val="single" w:sz="6" w:space="1" w:color="000000"/></w:pBdr>')
    p_pr.insert_element_before(border, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr")
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "8")
    mark.append(size)
    p_pr.append(mark)
    return paragraph


def _cell(table, row: int, column: int, width: float):
    cell = table.cell(row, column)
    cell.width = Cm(width)
    cell._tc.remove(cell.paragraphs[0]._p)  # start empty; every paragraph is added explicitly
    return cell


def _fixed_table(doc, rows: int, widths: list[float]):
    table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # a fixed layout, so Word keeps the measured column widths
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(int(Cm(width).twips)))
    return table


def _header_block(doc) -> None:
    table = _fixed_table(doc, 2, [LEFT_COLUMN, RIGHT_COLUMN])
    left = _cell(table, 0, 0, LEFT_COLUMN)
    _paragraph(left, "{%p for line in parent_lines %}", size=13)
    _paragraph(left, "{{ line }}", size=13)
    _paragraph(left, "{%p endfor %}", size=13)
    _paragraph(left, "{%p for line in agency_lines %}", size=13)
    _paragraph(left, "{{ line }}", size=13, bold=True)
    _paragraph(left, "{%p endfor %}", size=13)
    _rule(left, LEFT_COLUMN - CELL_PADDING, AGENCY_RULE, before=3)
    right = _cell(table, 0, 1, RIGHT_COLUMN)
    _paragraph(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=13, bold=True)
    _paragraph(right, "Độc lập - Tự do - Hạnh phúc", size=14, bold=True)
    _rule(right, RIGHT_COLUMN - CELL_PADDING, MOTTO_RULE, before=3)
    _paragraph(_cell(table, 1, 0, LEFT_COLUMN), "Số: {{ doc_number }}", size=13, before=6)
    _paragraph(_cell(table, 1, 1, RIGHT_COLUMN), "{{ place_date }}", size=14, italic=True, before=6)


def _title_block(doc) -> None:
    _paragraph(doc, "BÁO CÁO", bold=True, before=18)
    _paragraph(doc, "{{ subject }}", bold=True)
    _rule(doc, TEXT_WIDTH, TITLE_RULE, before=4)
    _paragraph(doc, "{%p if recipient %}", size=14)
    _paragraph(doc, "Kính gửi: {{ recipient }}", size=14, before=6)
    _paragraph(doc, "{%p endif %}", size=14)
    doc.add_paragraph("{{p body }}", style="BC Nội dung")


def _signature_block(doc) -> None:
    widths = [7.5, TEXT_WIDTH - 7.5]
    _paragraph(doc, size=6, after=6)  # the gap above "Nơi nhận" and the signature, which start level
    table = _fixed_table(doc, 1, widths)
    left = _cell(table, 0, 0, widths[0])
    _paragraph(left, "Nơi nhận:", size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(left, "{%p for item in recipients %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(left, "- {{ item }}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    _paragraph(left, "{%p endfor %}", size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    right = _cell(table, 0, 1, widths[1])
    _paragraph(right, "{%p for line in signer_lines %}")
    _paragraph(right, "{{ line }}", bold=True)
    _paragraph(right, "{%p endfor %}")
    for _ in range(4):
        _paragraph(right)
    _paragraph(right, "{{ signer }}", bold=True)


def _appendix_block(doc) -> None:
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(20), Mm(15)
    section.different_first_page_header_footer = True
    sect_pr = section._sectPr
    page_numbers = OxmlElement("w:pgNumType")
    page_numbers.set(qn("w:start"), "1")
    sect_pr.append(page_numbers)
    _paragraph(doc, "Phụ lục", bold=True)
    _paragraph(doc, "{{ appendix_title }}", bold=True)
    _paragraph(doc, "({{ appendix_note }})", italic=True, after=6)
    doc.add_paragraph("{{p appendix }}", style="BC Bảng")


def _page_numbers(section) -> None:
    """Number pages at the top centre, 14 pt, from page 2 (the first page has its own, empty header)."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty header of its own
    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = header.add_run()
    run.font.size = Pt(14)
    for kind, text in (("begin", None), (None, "PAGE"), ("separate", None), (None, None), ("end", None)):
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = f" {text} "
            run._r.append(instr)
        else:
            number = OxmlElement("w:t")
            number.text = "2"
            run._r.append(number)


def build(output: Path = OUTPUT) -> Path:
    """Write the report template to `output` and return the path."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    _base_styles(doc)
    _paragraph_styles(doc)
    _header_block(doc)
    _title_block(doc)
    _signature_block(doc)
    _appendix_block(doc)
    _page_numbers(doc.sections[0])
    footnotes_part(doc)  # separators only; the report code appends its notes
    props = doc.core_properties
    props.title = "Báo cáo tình hình thực hiện nhiệm vụ phát triển kinh tế - xã hội"
    props.author = props.last_modified_by = "xltools"
    props.language = "vi-VN"
    props.created = props.modified = dt.datetime(2024, 1, 1)
    props.revision = 1
    output.parent.mkdir(parents=True, exist_ok=True)
    doc.save(output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    print(f"Wrote {build(parser.parse_args().output)}")


if __name__ == "__main__":
    main()
