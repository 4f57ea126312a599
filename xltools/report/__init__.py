"""The report stage: the Word report (Báo cáo tình hình thực hiện nhiệm vụ phát triển KT-XH) from a Submission."""

from .context import build_context, read_report_source
from .document import report_text, report_workbook, write_report
from .sentences import sentence

__all__ = ["write_report", "report_workbook", "report_text", "build_context", "read_report_source", "sentence"]
