"""The workbook contract: sheet names, labels and column titles that writers and readers share.

These are stable (see DESIGN.md); change them only with a migration.
"""

from __future__ import annotations

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

# Figure field -> column title in the data sheet, in the order the writer lays them out.
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
}
INPUT_FIELDS = ("plan", "last_year", "actual", "next_plan")
COMPUTED_FIELDS = ("pct_plan", "pct_last_year")
NUMBER_FIELDS = INPUT_FIELDS + COMPUTED_FIELDS

NOTES_COLUMNS = {"section": "Mục", "text": "Nội dung thuyết minh"}
# Narrative rows that do not belong to a sector of the catalog.
GENERAL_NOTES = ("Kết quả nổi bật", "Hạn chế, yếu kém", "Nguyên nhân", "Nhiệm vụ, giải pháp năm sau", "Kiến nghị, đề xuất")

STATUSES = ("Ước thực hiện", "Thực hiện")
LEVELS = ("Phường, xã", "Thành phố")

UNIT_CODE_PATTERN = r"^[A-Z0-9][A-Z0-9_.-]{1,23}$"

