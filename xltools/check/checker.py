"""Run the rules: over a Submission, or over a workbook file that may not even open."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from ..catalog import Catalog, judging_catalog
from ..errors import XltoolsError
from ..evaluate import Result, evaluate
from ..findings import SEVERITY_TEXT, Finding, finding
from ..grid import DEFAULT_LIMITS, Grid, Limits, read_grid
from ..layout import DATA_SHEET, INFO_SHEET
from ..numbers import format_number
from ..parse import parse_grid
from ..submission import Submission
from .rules import RULES, Context

__all__ = ["CheckResult", "check_submission", "check_grid", "check_file", "findings_to_json", "findings_table",
           "sort_findings"]

log = logging.getLogger(__name__)


@dataclass
class CheckResult:
    """The outcome of checking one file: its Submission (None when unreadable) and every finding."""

    path: Path
    submission: Submission | None
    findings: list[Finding]
    catalog: Catalog | None = None
    results: list[Result] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors

    @property
    def ok(self) -> bool:
        """Return True when there is no error (warnings allowed)."""
        return self.errors == 0

    @property
    def readable(self) -> bool:
        return self.submission is not None


def check_submission(sub: Submission, catalog: Catalog) -> list[Finding]:
    """Return every finding on `sub` judged by `catalog`: parse problems first, then each rule's, by place."""
    ctx = Context.of(sub, catalog)
    found = list(sub.problems)
    for rule in RULES:
        found.extend(rule.check(ctx))
    return sort_findings(found, sub.data_sheet)


def sort_findings(findings: list[Finding], data_sheet: str = DATA_SHEET) -> list[Finding]:
    """Return `findings` in reading order: `Thông tin`, then the data sheet row by row, then the rest."""
    sheets = {INFO_SHEET: 0, data_sheet: 1}

    def key(item: tuple[int, Finding]):
        number, f = item
        return (sheets.get(f.sheet or "", 2 if f.sheet else -1), _row(f.cell), number)

    return [f for _, f in sorted(enumerate(findings), key=key)]


def _row(cell: str | None) -> int:
    digits = (cell or "").lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ$")
    return int(digits) if digits.isdigit() else 0


def check_grid(grid: Grid, catalog: Catalog | None = None) -> tuple[Submission, list[Finding], Catalog]:
    """Return the Submission in `grid`, its findings and the catalog that judged it (see `judging_catalog`)."""
    sub = parse_grid(grid)
    choice = judging_catalog(grid, sub.version, catalog)
    findings = check_submission(sub, choice.catalog) + choice.findings
    return sub, findings, choice.catalog


def check_file(path, catalog: Catalog | None = None, limits: Limits | None = None) -> CheckResult:
    """Return the CheckResult of the workbook at `path`; a file that cannot be read gives one error finding.

    The workbook is judged by `catalog`, else by the catalog `judging_catalog` chooses.
    """
    path = Path(path)
    try:
        grid = read_grid(path, limits=limits or DEFAULT_LIMITS)
        sub, findings, catalog = check_grid(grid, catalog)
    except XltoolsError as exc:
        return CheckResult(path, None, [_unreadable(path, str(exc))], catalog)
    except Exception as exc:  # a strange file must not stop a batch of checks; the finding says what happened
        log.exception("checking %s failed", path)
        return CheckResult(path, None, [_unreadable(
            path, f"lỗi khi xử lý tệp ({type(exc).__name__}: {exc}). Đề nghị báo bộ phận kỹ thuật kèm tệp này.")],
            catalog)
    return CheckResult(path, sub, findings, catalog, evaluate(sub, catalog))


def _unreadable(path: Path, reason: str) -> Finding:
    prefix = f"{path.name}: "
    return finding("unreadable", file=path.name, reason=reason[len(prefix):] if reason.startswith(prefix) else reason)




def findings_table(findings: list[Finding], checked: int = 1) -> str:
    """Return `findings` as a plain-text table (tệp, ô, mức độ, nội dung) ending with a summary line."""
    rows = [(f.file or "", "!".join(p for p in (f.sheet, f.cell) if p), SEVERITY_TEXT.get(f.severity, f.severity),
             f.message) for f in findings]
    lines = []
    if rows:
        head = ("Tệp", "Ô", "Mức độ", "Nội dung")
        widths = [max(len(head[i]), *(len(r[i]) for r in rows)) for i in range(3)]
        line = lambda r: "  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3]
        lines = [line(head), "  ".join("-" * w for w in widths) + "  " + "-" * 8, *map(line, rows)]
    errors = sum(1 for f in findings if f.is_error)
    warnings = len(findings) - errors
    files = f"Đã kiểm tra {format_number(checked)} tệp: "
    lines.append(files + ("không có lỗi, không có cảnh báo." if not findings
                          else f"{format_number(errors)} lỗi, {format_number(warnings)} cảnh báo."))
    return "\n".join(lines)


def findings_to_json(findings: list[Finding]) -> list[dict]:
    """Return `findings` as the JSON list of DESIGN.md: severity, code, message, file, sheet, cell, indicator."""
    return [f.as_dict() for f in findings]
