"""The data model: a Period and how it reads (titles, what comes after it), and the doors that refuse a bad one."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from xltools.cli import main
from xltools.layout import DATA_SHEET, NOTES_SHEET
from xltools.submission import PERIOD_CHOICES, Figure, Period, PeriodError, Submission


@pytest.mark.parametrize("text, label, kind, months, closes", [
    ("Năm", "Năm", "year", (1, 12), True),
    ("12 tháng", "12 tháng", "months", (1, 12), True),
    ("8 tháng", "8 tháng", "months", (1, 8), False),
    ("10  THÁNG", "10 tháng", "months", (1, 10), False),
    ("6 tháng đầu năm", "6 tháng", "half", (1, 6), False),
    ("9 tháng", "9 tháng", "nine_months", (1, 9), False),
    ("Quý 2", "Quý II", "quarter", (4, 6), False),
    ("tháng 10", "Tháng 10", "month", (10, 10), False),
])
def test_periods_are_read_whatever_their_spelling(text, label, kind, months, closes):
    period = Period.parse(text)
    assert (period.label, period.kind, (period.first_month, period.last_month), period.closes_year) == (
        label, kind, months, closes)


@pytest.mark.parametrize("text", ["Quý V", "13 tháng", "Tháng 0", "nửa năm", ""])
def test_an_unknown_period_is_refused_with_the_list(text):
    with pytest.raises(PeriodError) as caught:
        Period.parse(text)
    assert PERIOD_CHOICES in str(caught.value) and caught.value.exit_code == 2
    assert Period.find(text) is None


@pytest.mark.parametrize("text, title, ahead, ahead_text, share", [
    ("Năm", "năm 2022", "năm sau", "năm 2023", 1),
    ("6 tháng", "6 tháng đầu năm 2022", "6 tháng cuối năm", "6 tháng cuối năm 2022", 0.5),
    ("9 tháng", "9 tháng năm 2022", "3 tháng cuối năm", "3 tháng cuối năm 2022", 0.75),
    ("Quý II", "quý II năm 2022", "quý tới", "quý III năm 2022", 0.25),
    ("Quý IV", "quý IV năm 2022", "quý tới", "quý I năm 2023", 0.25),
    ("10 tháng", "10 tháng năm 2022", "tháng tới", "tháng 11 năm 2022", 10 / 12),
    ("Tháng 12", "tháng 12 năm 2022", "tháng tới", "tháng 1 năm 2023", 1 / 12),
])
def test_how_a_period_and_the_next_one_read(text, title, ahead, ahead_text, share):
    period = Period.parse(text)
    assert period.title_text(2022) == title
    assert period.ahead == ahead and period.ahead_text(2022) == ahead_text
    assert period.share_of_year == pytest.approx(share)


def test_input_values_are_what_the_writer_takes():
    sub = Submission(figures={"THU_NS": Figure("THU_NS", 7, plan=10, actual=4.7, year_estimate=11)})
    assert sub.input_values() == {"THU_NS": {"plan": 10, "last_year": None, "actual": 4.7, "next_plan": None,
                                             "year_estimate": 11, "last_year_full": None}}


def test_cli_new_refuses_quy_v_and_lists_the_periods(tmp_path, capsys):
    out = tmp_path / "q5.xlsx"
    assert main(["new", "-o", str(out), "--unit-code", "TRAN_PHU", "--unit-name", "Phường Trần Phú", "--year",
                 "2022", "--period", "Quý V"]) == 2
    err = capsys.readouterr().err
    assert "«Quý V» không phải kỳ báo cáo hợp lệ" in err and PERIOD_CHOICES in err and "Traceback" not in err
    assert not out.exists()


def test_cli_new_makes_an_8_month_workbook_named_for_its_period(tmp_path):
    out = tmp_path / "8-thang.xlsx"
    assert main(["new", "-o", str(out), "--unit-code", "TRAN_PHU", "--unit-name", "Phường Trần Phú", "--year",
                 "2022", "--period", "8 tháng"]) == 0
    book = load_workbook(out)
    header = [cell.value for cell in book[DATA_SHEET][4] if cell.value]
    assert "Thực hiện 8 tháng năm 2022" in header and "Cùng kỳ năm 2021" in header
    assert "Ước thực hiện cả năm 2022" in header and "Thực hiện cả năm 2021" in header
    assert "Kế hoạch năm sau" not in header
    notes = [cell.value for cell in book[NOTES_SHEET]["A"]]
    assert "Nhiệm vụ, giải pháp tháng tới" in notes and "Nhiệm vụ, giải pháp năm sau" not in notes
