"""xltools: plan-and-results reporting of Vietnamese People's Committee offices, from the standard Excel workbook.

The pipeline, one stage per module: a catalog (catalog) defines the indicators; the writer
(writer) makes the ward workbook; a workbook is read (grid) and parsed (parse) into a
Submission (submission); check finds what is wrong at its cell, evaluate computes % of plan
and the change on the same period, merge consolidates ward Submissions into the city's
CityResult, and report writes the Word report. The names below are the library a Python
user needs; they load on first use, so `import xltools` stays quick inside Excel. (The
merge of files is `merge_files` here, `xltools.merge.merge` in its module: a package name
must not hide the module of the same name.)

    import xltools

    catalog = xltools.load_catalog()                       # the office's, else the bundled one
    ward = xltools.read_submission("tran-phu.xlsx")
    findings = xltools.check_submission(ward, catalog)
    city = xltools.merge_files(["phuong-xa/"], "tong-hop.xlsx", base="thanh-pho.xlsx")
    xltools.write_report(city.submission, city.catalog, "bao-cao.docx", ranking=city.ranking)
"""

from __future__ import annotations

import importlib

__all__ = [
    "load_catalog", "default_catalog", "Catalog", "read_submission", "Submission", "Figure", "Period",
    "check_file", "check_submission", "evaluate_submission", "merge_files", "merge_wards", "CityResult",
    "write_report",
    "report_workbook", "XltoolsError", "open_archive",
]

_HOMES = {
    "load_catalog": "catalog", "default_catalog": "catalog", "Catalog": "catalog",
    "read_submission": "parse", "Submission": "submission", "Figure": "submission", "Period": "submission",
    "check_file": "check", "check_submission": "check", "evaluate_submission": ("evaluate", "evaluate"),
    "merge_files": ("merge", "merge"), "merge_wards": "merge", "CityResult": "merge",
    "write_report": "report", "report_workbook": "report", "XltoolsError": "errors",
    "open_archive": "archive",
}


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'xltools' has no attribute {name!r}")
    home = _HOMES[name]
    module, attribute = home if isinstance(home, tuple) else (home, name)
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__():
    return sorted(__all__)
