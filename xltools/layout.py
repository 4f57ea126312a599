"""The workbook contract: sheet names, labels and column titles that writers and readers share.

These are stable (see DESIGN.md); change them only with a migration.
"""

from __future__ import annotations

import re
import unicodedata

INFO_SHEET = "Thông tin"
DATA_SHEET = "Số liệu"
NOTES_SHEET = "Thuyết minh"
GUIDE_SHEET = "Hướng dẫn"
UNITS_SHEET = "Đơn vị"
FINDINGS_SHEET = "Kiểm tra"

# Submission field -> label in column A of the info sheet.
INFO_LABELS = {
    "unit_code": "Mã đơn vị",
    "unit_name": "Tên đơn vị",
    "period": "Kỳ báo cáo",
    "year": "Năm",
    "version": "Phiên bản mẫu",
    "status": "Tính chất số liệu",
    "level": "Cấp",
}
# Optional labels, read into Submission.info: what the report header and signature need.
EXTRA_INFO_LABELS = {
    "agency": "Cơ quan ban hành",
    "parent_agency": "Cơ quan chủ quản",
    "place": "Địa danh",
    "doc_number": "Số văn bản",
    "resolution": "Văn bản giao chỉ tiêu",
    "signer_role": "Thẩm quyền ký",
    "signer_title": "Chức vụ người ký",
    "signer": "Người ký",
    "recipients": "Nơi nhận",
    "preparer": "Người lập biểu",
    "phone": "Điện thoại",
    "ward_folder": "Thư mục tệp của phường, xã",
}

# Figure field -> column title in the data sheet: the titles of the annual workbook, in its order, then the
# two columns of a workbook within the year. Other periods name some columns for the period (data_titles).
DATA_COLUMNS = {
    "code": "Mã",
    "stt": "STT",
    "name": "Chỉ tiêu",
    "unit": "ĐVT",
    "plan": "Kế hoạch năm",
    "last_year": "Thực hiện cùng kỳ năm trước",
    "actual": "Thực hiện kỳ báo cáo",
    "pct_plan": "% so với kế hoạch",
    "pct_last_year": "% so với cùng kỳ",
    "next_plan": "Kế hoạch năm sau",
    "note": "Ghi chú",
    "year_estimate": "Ước thực hiện cả năm",
    "last_year_full": "Thực hiện năm trước",
}
# The columns of a workbook whose period closes the year, and of one within the year, in the writer's order.
YEAR_END_FIELDS = ("code", "stt", "name", "unit", "plan", "last_year", "actual", "pct_plan", "pct_last_year",
                   "next_plan", "note")
IN_YEAR_FIELDS = ("code", "stt", "name", "unit", "plan", "last_year_full", "last_year", "actual", "pct_plan",
                  "pct_last_year", "year_estimate", "note")
# Columns a reader does without: the two of a workbook within the year, which older workbooks lack.
OPTIONAL_FIELDS = ("year_estimate", "last_year_full")
INPUT_FIELDS = ("plan", "last_year", "actual", "next_plan", "year_estimate", "last_year_full")
YEAR_END_INPUTS = tuple(name for name in YEAR_END_FIELDS if name in INPUT_FIELDS)  # what an annual workbook takes
COMPUTED_FIELDS = ("pct_plan", "pct_last_year")
NUMBER_FIELDS = INPUT_FIELDS + COMPUTED_FIELDS


def data_titles(period_words: str | None, year: int | None) -> dict[str, str]:
    """Return field -> column title of a data sheet: the annual titles when `period_words` is None, else titles
    that name the period (`period_words` is `6 tháng`): `Thực hiện 6 tháng năm 2020`, `Cùng kỳ năm 2019`."""
    if period_words is None or year is None:
        return dict(DATA_COLUMNS)
    return DATA_COLUMNS | {
        "last_year": f"Cùng kỳ năm {year - 1}",
        "actual": f"Thực hiện {period_words} năm {year}",
        "pct_plan": "% so với kế hoạch năm",
        "year_estimate": f"Ước thực hiện cả năm {year}",
        "last_year_full": f"Thực hiện cả năm {year - 1}",
    }


def label_key(text) -> str:
    """Return what identifies a label or column title: the same ignoring case, spacing and Unicode composition."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold() if text is not None else ""


_YEAR = r" (?:năm )?\d{4}"
_PERIOD_WORDS = r"(?:tháng \d{1,2}|\d{1,2} tháng(?: đầu năm)?|quý (?:i{1,3}|iv|[1-4]))"
# Titles of the period forms (data_titles, and the ways staff retype them), matched on label_key.
_TITLE_FORMS = (
    ("last_year", re.compile(rf"^(?:thực hiện )?cùng kỳ(?: năm trước|{_YEAR})$")),
    ("actual", re.compile(rf"^(?:ước )?thực hiện {_PERIOD_WORDS}{_YEAR}$")),
    ("pct_plan", re.compile(r"^% so với kế hoạch năm$")),
    ("year_estimate", re.compile(rf"^ước thực hiện cả năm(?:{_YEAR})?$")),
    ("last_year_full", re.compile(rf"^thực hiện (?:cả )?năm(?: trước|{_YEAR})$")),
)
_TITLES = {label_key(title): name for name, title in DATA_COLUMNS.items()}


def column_field(title) -> str | None:
    """Return the Figure field a data-sheet column title names (`Thực hiện 6 tháng năm 2020` -> actual), or None."""
    key = label_key(title)
    if key in _TITLES:
        return _TITLES[key]
    if not key or len(key) > 60:
        return None
    return next((name for name, form in _TITLE_FORMS if form.match(key)), None)

NOTES_COLUMNS = {"section": "Mục", "text": "Nội dung thuyết minh"}
# Narrative rows that do not belong to a sector of the catalog.
# The tasks row names what comes after the period: «Nhiệm vụ, giải pháp 6 tháng cuối năm» (Period.ahead).
GENERAL_NOTES = ("Kết quả nổi bật", "Hạn chế, yếu kém", "Nguyên nhân", "Nhiệm vụ, giải pháp năm sau", "Kiến nghị, đề xuất")
TASKS_NOTE = "Nhiệm vụ, giải pháp {ahead}"

STATUSES = ("Ước thực hiện", "Thực hiện")
LEVELS = ("Phường, xã", "Thành phố")

UNIT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_.-]{1,23}$"

