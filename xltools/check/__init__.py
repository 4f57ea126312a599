"""Check a ward or city workbook: rules that each yield findings pointing at a cell.

`check_submission` judges a parsed Submission; `check_file` reads a file first and never
raises for a bad one; `annotate` writes the findings back into a copy of the workbook.
"""

from .annotate import Mark, annotate, cell_marks
from .checker import CheckResult, check_file, check_grid, check_submission, findings_table, findings_to_json
from .rules import RULES, Rule

__all__ = ["check_submission", "check_file", "check_grid", "CheckResult", "annotate", "cell_marks", "Mark",
           "findings_to_json", "findings_table", "RULES", "Rule"]
