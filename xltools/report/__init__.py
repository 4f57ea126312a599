"""The report stage: the Word report (Báo cáo tình hình thực hiện nhiệm vụ phát triển KT-XH) from a workbook."""

from .document import report_text, write_report
from .sentences import sentence

__all__ = ["write_report", "report_text", "sentence"]
