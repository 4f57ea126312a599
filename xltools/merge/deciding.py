"""Deciding which files count: the right period, a known unit, the newest file when a unit sent two.

The outcome is the submission register (`Tình hình nộp báo cáo`): every expected unit and every
file that came in, sent or not, used or not, and why.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime

from ..catalog import Catalog
from ..findings import Finding, finding
from ..layout import INFO_SHEET
from ..submission import ANNUAL, Period, Submission, period_text
from ..tables import Table
from .reading import WardFile

__all__ = ["RegisterEntry", "Decision", "decide", "register", "merge_period", "register_table", "REASONS",
           "REGISTER_COLUMNS"]

REGISTER_COLUMNS = ("STT", "Mã đơn vị", "Tên đơn vị", "Đã nộp", "Tệp", "Sửa lần cuối", "SHA-256", "Kỳ báo cáo",
                    "Năm", "Phiên bản mẫu", "Số lỗi", "Số cảnh báo", "Đưa vào tổng hợp", "Lý do", "Gửi lại")
YES, NO = "Có", "Không"
REASONS = {
    "used": "đưa vào tổng hợp",
    "used_with_errors": "đưa vào tổng hợp; số liệu có lỗi, xem trang «Kiểm tra»",
    "missing": "chưa nộp báo cáo",
    "unreadable": "không đọc được tệp",
    "foreign": "không phải biểu số liệu phường, xã",
    "no_unit": "tệp không ghi mã đơn vị",
    "wrong_period": "khác kỳ báo cáo đang tổng hợp",
    "unknown_unit": "mã đơn vị không có trong danh sách đơn vị",
    "no_figures": "không đọc được số liệu nào",
    "duplicate": "đơn vị gửi nhiều tệp; đã dùng tệp «{used}» sửa lần cuối sau",
}


@dataclass
class RegisterEntry:
    """One row of the submission register: an expected unit, or a file that came in."""

    unit_code: str
    unit_name: str = ""
    file: str = ""
    modified: datetime | None = None
    sha256: str = ""
    period: str = ""
    year: int | None = None
    version: str = ""
    errors: int = 0
    warnings: int = 0
    included: bool = False
    reason: str = ""
    resubmission: str = ""  # with an archive: which version of the report this file is, when not the first

    @property
    def sent(self) -> bool:
        return bool(self.file)

    def as_dict(self) -> dict:
        out = asdict(self)
        out["modified"] = self.modified.isoformat(timespec="seconds") if self.modified else None
        out["sent"] = self.sent
        return out


@dataclass
class Decision:
    """Which file is consolidated for each unit, why every file is (not) used, and the merge's own findings."""

    used: dict[str, WardFile]  # unit key -> the file consolidated for it
    reasons: dict[str, str]  # path -> why (not) included
    notes: dict[str, list[Finding]]  # path -> merge findings on that file


def _when(ward: WardFile) -> str:
    return ward.modified_at.strftime("%d/%m/%Y %H:%M:%S")


def decide(wards: list[WardFile], catalog: Catalog, period: str, year, expected: dict[str, str]) -> Decision:
    """Return which of `wards` count for `period` and `year`; `expected` is unit key -> name (empty: any unit)."""
    decision = Decision({}, {}, {})
    note = lambda ward, code, **kw: decision.notes.setdefault(ward.path, []).append(
        finding(code, file=ward.name, **kw))
    candidates: dict[str, list[WardFile]] = {}
    version = catalog.version
    for ward in wards:
        if ward.kind != "ward":
            decision.reasons[ward.path] = REASONS["unreadable" if ward.kind == "unreadable" else "foreign"]
        elif not ward.unit_code:
            decision.reasons[ward.path] = REASONS["no_unit"]
            if not _has(ward, "bad-unit-code"):
                note(ward, "no-unit-code", sheet=INFO_SHEET, cell=ward.cells.get("unit_code"))
        elif (_meaning(ward.period), ward.year) != (_meaning(period), year):
            decision.reasons[ward.path] = REASONS["wrong_period"]
            note(ward, "wrong-period", sheet=INFO_SHEET,
                 cell=ward.cells.get("period" if ward.period != period else "year"),
                 found=period_text(ward.period, ward.year), expected=period_text(period, year))
        elif expected and ward.unit_code.upper() not in expected:
            decision.reasons[ward.path] = REASONS["unknown_unit"]
            note(ward, "unknown-unit", sheet=INFO_SHEET, cell=ward.cells.get("unit_code"), unit=ward.unit_code)
        elif not ward.figure_count:
            decision.reasons[ward.path] = REASONS["no_figures"]
        else:
            candidates.setdefault(ward.unit_code.upper(), []).append(ward)
    for key, group in candidates.items():
        group.sort(key=lambda w: (w.modified, w.name))
        used = decision.used[key] = group[-1]
        for other in group[:-1]:
            decision.reasons[other.path] = REASONS["duplicate"].format(used=used.name)
            note(other, "duplicate-unit", sheet=INFO_SHEET, cell=other.cells.get("unit_code"), unit=used.unit_code,
                 count=len(group), used=used.name, used_time=_when(used), time=_when(other))
        if used.version != version and not _has(used, "version-mismatch"):
            note(used, "version-mismatch", sheet=INFO_SHEET, cell=used.cells.get("version"),
                 found=used.version or "(không ghi)", expected=version)
        errors = any(f.is_error for f in used.findings + decision.notes.get(used.path, []))
        decision.reasons[used.path] = REASONS["used_with_errors" if errors else "used"]
    return decision


def _meaning(label: str):
    """Return what a period label means (`6 tháng đầu năm` is `6 tháng`), or the label when it is not a period."""
    return Period.find(label) or label


def _has(ward: WardFile, code: str) -> bool:
    """Return True when the checks already reported `code` on `ward`, so the merge does not say it twice."""
    return any(f.code == code for f in ward.findings)


def merge_period(base: Submission | None, wards: list[WardFile]) -> tuple[str, int | None]:
    """Return the period and year being merged: the base workbook's, else the one most ward files give."""
    if base is not None and base.period_label and base.year:
        return base.period_label, base.year
    counts = Counter((Period.find(w.period).label, w.year) for w in wards
                     if w.kind == "ward" and Period.find(w.period) and w.year)
    if not counts:
        return (base.period_label if base and base.period_label else ANNUAL.label), (base.year if base else None)
    return max(counts.items(), key=lambda item: (item[1], item[0][1] or 0))[0]


def register(wards: list[WardFile], decision: Decision, expected: list[tuple[str, str]]) -> list[RegisterEntry]:
    """Return the register: each expected unit with its files (the used one first), then the other files."""
    def entry(ward: WardFile, unit_name: str = "") -> RegisterEntry:
        findings = ward.findings + decision.notes.get(ward.path, [])
        key = ward.unit_code.upper()
        return RegisterEntry(
            unit_code=ward.unit_code, unit_name=ward.unit_name or unit_name, file=ward.name,
            modified=ward.modified_at if ward.modified else None, sha256=ward.sha256, period=ward.period,
            year=ward.year, version=ward.version, errors=sum(f.is_error for f in findings),
            warnings=sum(not f.is_error for f in findings),
            included=decision.used.get(key) is ward, reason=decision.reasons.get(ward.path, ""),
        )

    by_unit: dict[str, list[WardFile]] = {}
    for ward in wards:
        if ward.kind == "ward" and ward.unit_code:
            by_unit.setdefault(ward.unit_code.upper(), []).append(ward)
    units = expected or sorted(((w.unit_code, w.unit_name) for w in decision.used.values()), key=lambda u: u[0])
    rows: list[RegisterEntry] = []
    listed: set[str] = set()
    for code, name in units:
        key = code.upper()
        files = sorted(by_unit.get(key, []), key=lambda w: decision.used.get(key) is not w)
        if not files:
            rows.append(RegisterEntry(unit_code=code, unit_name=name, reason=REASONS["missing"]))
        for ward in files:
            rows.append(entry(ward, name))
            listed.add(ward.path)
    rows += [entry(ward) for ward in wards if ward.path not in listed]
    return rows


def register_table(entries: list[RegisterEntry], title: str) -> Table:
    """Return the `Tình hình nộp báo cáo` table of the register."""
    rows = [
        [n, e.unit_code, e.unit_name, YES if e.sent else NO, e.file,
         e.modified.strftime("%d/%m/%Y %H:%M:%S") if e.modified else None, e.sha256, e.period, e.year, e.version,
         e.errors if e.sent else None, e.warnings if e.sent else None, YES if e.included else NO, e.reason,
         e.resubmission or None]
        for n, e in enumerate(entries, start=1)
    ]
    return Table(f"TÌNH HÌNH NỘP BÁO CÁO — {title}", [list(REGISTER_COLUMNS)], rows,
                 widths={2: 16, 3: 28, 5: 30, 6: 19, 7: 20, 8: 12, 10: 15, 13: 10, 14: 50, 15: 30}, frozen_columns=3)
