"""Legacy Vietnamese encodings (TCVN3, VNI) are detected and converted to Unicode when read."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from xltools.grid import read_grid
from xltools.parse import parse_grid
from xltools.vntext import TCVN3, VNI, _TCVN3, repair

# Encoders written independently of the decoders, from the published tables.
_TO_TCVN3 = {uni: code for code, uni in _TCVN3.items()}
_VNI_MARKS = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_HAT_MARKS = {"\u0300": "à", "\u0301": "á", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_VNI_BREVE_MARKS = {"\u0300": "è", "\u0301": "é", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_VNI_I = {"": "i", "\u0300": "ì", "\u0301": "í", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def to_tcvn3(text: str) -> str:
    return "".join(_TO_TCVN3.get(ch, ch) for ch in text)


def to_vni(text: str) -> str:
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base, marks = parts[0], parts[1:]
        tone = next((m for m in marks if m in _VNI_MARKS), "")
        hat, breve, horn = "\u0302" in marks, "\u0306" in marks, "\u031b" in marks
        upper = base.isupper()
        case = str.upper if upper else str.lower
        if ch in "đĐ":
            out.append(case("ñ"))
        elif base in "iI":
            out.append(case(_VNI_I[tone]) if tone else base)
        elif base in "yY" and tone == "\u0323":
            out.append(case("î"))
        elif horn:
            out.append(case({"o": "ô", "u": "ö"}[base.lower()]) + (case(_VNI_MARKS[tone]) if tone else ""))
        elif hat:
            out.append(base + (case(_VNI_HAT_MARKS[tone]) if tone else case("â")))
        elif breve:
            out.append(base + (case(_VNI_BREVE_MARKS[tone]) if tone else case("ê")))
        elif tone:
            out.append(base + case(_VNI_MARKS[tone]))
        else:
            out.append(ch)
    return "".join(out)


WORDS = ("Phường Trần Phú", "Thành phố Hà Tĩnh", "tỷ lệ hộ nghèo", "giá trị sản xuất", "điểm",
         "ước đạt", "ngân sách", "Xã Thạch Hưng", "chăn nuôi", "dịch vụ thương mại", "vượt kế hoạch",
         "trường học đạt chuẩn quốc gia", "Đồng Môn", "Nguyễn Du", "hỗ trợ", "lũy kế", "Kỳ báo cáo")


def test_known_words():
    assert repair("Hµ TÜnh") == ("Hà Tĩnh", TCVN3)
    assert repair("Gi¸ trÞ s¶n xuÊt") == ("Giá trị sản xuất", TCVN3)
    assert repair("Thaønh phoá Haø Tónh") == ("Thành phố Hà Tĩnh", VNI)
    assert repair("Phöôøng Traàn Phuù") == ("Phường Trần Phú", VNI)
    assert repair("Ñieåm") == ("Điểm", VNI)


def test_unicode_and_plain_text_are_left_alone():
    for text in ("Hà Tĩnh", "Café", "abc", "1.172,5", "Nguyễn Văn A", "", "ĐVT"):
        assert repair(text) == (text, None)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
def test_vni_round_trip(words):
    text = " ".join(words)
    assert repair(to_vni(text)) == (text, VNI) or to_vni(text) == text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([w.lower() for w in WORDS]), min_size=1, max_size=4))
def test_tcvn3_round_trip(words):
    text = " ".join(words)  # TCVN3 capitals live in separate fonts, so lower case only
    encoded = to_tcvn3(text)
    assert repair(encoded) == ((text, TCVN3) if encoded != text else (text, None))


def test_parse_converts_and_warns_with_the_cell(make_workbook):
    def edit(book):
        sheet = book["Số liệu"]
        for row in sheet.iter_rows(min_row=5):
            if row[0].value == "THU_NS":
                row[10].value = "¦íc ®¹t"  # TCVN3 for "Ước đạt" in Ghi chú
        book["Thông tin"]["B3"].value = "Phöôøng Traàn Phuù"

    path = make_workbook({"THU_NS": {"actual": 10}}, edit=edit)
    sub = parse_grid(read_grid(path))
    note_cell = sub.figures["THU_NS"].cells["code"].replace("A", "K")
    assert sub.figures["THU_NS"].note == "Ước đạt"
    warnings = {(f.code, f.sheet, f.cell, f.severity) for f in sub.problems}
    assert ("legacy-encoding", "Số liệu", note_cell, "warning") in warnings
    label = read_grid(path).sheet("Thông tin")[2][0]
    if label == "Tên đơn vị":
        assert sub.unit_name == "Phường Trần Phú"
        assert ("legacy-encoding", "Thông tin", "B3", "warning") in warnings
