"""Evaluate: % of plan, change on the same period, direction-aware status, the key-target summary."""

from __future__ import annotations

import dataclasses
import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import small_catalog
from xltools.evaluate import (PACE_TOLERANCE, STATUS_TEXT, evaluate, evaluate_indicator, key_summary, pct_of_last_year,
                              pct_of_plan)
from xltools.submission import Figure, Period, Submission

CATALOG = small_catalog()


def result(code, plan=None, last_year=None, actual=None):
    return evaluate_indicator(CATALOG[code], Figure(code, 7, plan=plan, last_year=last_year, actual=actual))


def test_percent_of_plan_and_of_last_year():
    r = result("LUA_DT", plan=2516, last_year=2500, actual=2447.6)
    assert r.pct_plan == pytest.approx(97.2814, abs=1e-4)  # seed 003 prints 98,5%
    assert r.pct_last_year == pytest.approx(97.904)
    assert r.change == pytest.approx(-2.096) and r.change_unit == "%"
    assert r.status == "missed" and r.status_text == "Không đạt"
    assert result("THU_NS", plan=1000, last_year=1138.3, actual=1172.5).status == "exceeded"
    assert result("THU_NS", plan=1172.5, last_year=1, actual=1172.5).status == "met"


def test_rates_change_in_points():
    r = result("SDD_TL", plan=7.5, last_year=8.2, actual=7.1)
    assert r.change == pytest.approx(-1.1) and r.change_unit == "điểm"
    assert result("TANG_TRUONG", plan=7, last_year=6.5, actual=7.2).change_unit == "điểm"


@pytest.mark.parametrize("actual, status", [(7.0, "met"), (7.5, "met"), (7.504, "met"), (7.6, "missed"), (0, "met")])
def test_lower_is_better_is_met_at_or_under_the_ceiling_and_never_exceeded(actual, status):
    r = result("SDD_TL", plan=7.5, last_year=8, actual=actual)
    assert r.status == status


@pytest.mark.parametrize("actual, status, pct", [(2.05, "met", 100), (1.9, "exceeded", 130), (2.3, "missed", 50)])
def test_reduce_by_compares_the_achieved_reduction_with_the_planned_one(actual, status, pct):
    # Plan: reduce the poverty rate by 0,5 points from 2,55%.
    r = result("HO_NGHEO_TL", plan=0.5, last_year=2.55, actual=actual)
    assert r.status == status
    assert r.pct_plan == pytest.approx(pct)
    assert r.change == pytest.approx(actual - 2.55) and r.change_unit == "điểm"


@pytest.mark.parametrize("plan, reason", [(None, "chưa có kế hoạch"), (0, "kế hoạch bằng 0"), (-5, "kế hoạch là số âm")])
def test_no_percent_without_a_usable_plan(plan, reason):
    r = result("THU_NS", plan=plan, last_year=100, actual=120)
    assert r.pct_plan is None and r.reasons["pct_plan"] == reason
    assert r.pct_last_year == pytest.approx(120)


@pytest.mark.parametrize("last_year, reason", [(None, "chưa có số cùng kỳ"), (0, "số cùng kỳ bằng 0"),
                                               (-1, "số cùng kỳ là số âm")])
def test_no_change_without_a_usable_last_year(last_year, reason):
    r = result("THU_NS", plan=100, last_year=last_year, actual=120)
    assert r.pct_last_year is None and r.change is None
    assert r.reasons["pct_last_year"] == reason and r.reasons["change"] == reason


def test_missing_figures_give_no_data_and_no_plan():
    assert result("THU_NS").status == "no_data"
    assert result("THU_NS", actual=5).status == "no_plan"
    assert evaluate_indicator(CATALOG["THU_NS"], None).status == "no_data"
    assert result("HO_NGHEO_TL", plan=0.5, actual=2).status == "no_data"  # no base to measure a reduction from


def test_pct_helpers():
    assert pct_of_plan(CATALOG["THU_NS"], 1401, None, 1402.75)[0] == pytest.approx(100.1249, abs=1e-4)
    assert pct_of_plan(CATALOG["HO_NGHEO_TL"], 0.5, None, 2.0) == (None, "chưa đủ số cùng kỳ và số thực hiện để tính mức giảm")
    assert pct_of_last_year(1e308, 1e-10) == (None, "số quá lớn")


def test_key_summary_adds_up_and_names_each_group():
    sub = Submission(figures={
        "THU_NS": Figure("THU_NS", 7, plan=1000, actual=1172.5),            # key 1: exceeded
        "DN_MOI": Figure("DN_MOI", 11, plan=100, actual=100),               # key 2: met
        "HO_NGHEO_TL": Figure("HO_NGHEO_TL", 18, plan=0.5, last_year=2.55, actual=2.3),  # key 3: missed
        "SDD_TL": Figure("SDD_TL", 19, plan=7.5, actual=7.1),               # key 4: met (lower is better)
        # key 5 TANG_TRUONG: no figures -> unknown
    })
    summary = key_summary(evaluate(sub, CATALOG))
    assert summary.total == 5
    assert len(summary.exceeded) + len(summary.met) + len(summary.missed) + len(summary.unknown) == summary.total
    assert summary.reached == 3
    assert summary.groups() == {
        "exceeded": ["Tổng thu ngân sách"],
        "met": ["Doanh nghiệp thành lập mới", "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng"],
        "missed": ["Tỷ lệ hộ nghèo"],
        "unknown": ["Tăng trưởng kinh tế"],
    }
    assert summary.names("met") == summary.groups()["met"]


# Anything a cell can hand over: empty, zero, negative, huge, not-a-number, infinite, text, booleans.
VALUES = st.one_of(
    st.none(),
    st.just(0), st.just(0.0), st.just(-0.0),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 5e-324, 1.7976931348623157e308, float("nan"), float("inf"), -float("inf")]),
    st.integers(min_value=-10**30, max_value=10**30), st.just(10**400),
    st.text(max_size=8), st.sampled_from(["", "abc", "1.172,5", "#DIV/0!", "NaN"]),
    st.booleans(),
)


@settings(max_examples=400, deadline=timedelta(seconds=2), derandomize=True)
@given(st.lists(st.tuples(VALUES, VALUES, VALUES, VALUES, VALUES), min_size=len(CATALOG), max_size=len(CATALOG)),
       st.sampled_from(["Năm", "6 tháng", "Quý II", "Tháng 10"]))
def test_evaluate_never_raises_and_gives_finite_numbers_or_reasons(values, period):
    sub = Submission(period_label=period, figures={
        ind.code: Figure(ind.code, n, plan=plan, last_year=last_year, actual=actual, year_estimate=estimate,
                         last_year_full=full)
        for n, (ind, (plan, last_year, actual, estimate, full)) in enumerate(zip(CATALOG, values), start=7)
    })
    results = evaluate(sub, CATALOG)
    assert [r.code for r in results] == [ind.code for ind in CATALOG]
    for r in results:
        assert r.status in STATUS_TEXT
        # Within the year nothing is called exceeded, met or missed against the annual plan.
        assert period == "Năm" or r.status not in ("exceeded", "met", "missed")
        for name in ("pct_plan", "pct_last_year", "change"):
            value = getattr(r, name)
            if value is None:
                assert r.reasons[name]  # a Vietnamese reason, never a silent gap
            else:
                assert isinstance(value, float) and math.isfinite(value)
        assert r.indicator.direction != "lower" or r.status != "exceeded"
    summary = key_summary(results)
    behind = summary.behind if summary.in_year else summary.missed
    assert summary.reached + len(behind) + len(summary.unknown) == summary.total == len(CATALOG.key_targets)


# ------------------------------------------------------------------------------------------ within the year

HALF, QUARTER = Period.parse("6 tháng"), Period.parse("Quý II")


def within(code, period=HALF, **values):
    return evaluate_indicator(CATALOG[code], Figure(code, 7, **values), period)


@pytest.mark.parametrize("actual, status", [(4700, "on_pace"), (4500, "on_pace"), (4499, "behind"), (12000, "on_pace")])
def test_an_amount_within_the_year_is_judged_on_the_time_elapsed_never_missed(actual, status):
    r = within("THU_NS", plan=10000, last_year=4000, actual=actual)
    assert (r.status, r.basis, r.pace) == (status, "time", 50)
    assert r.pct_plan == pytest.approx(actual / 100) and r.status_text in ("Đạt tiến độ", "Chậm tiến độ")
    # The same figures at the year's end are judged against the plan.
    assert result("THU_NS", plan=10000, last_year=4000, actual=actual).status in ("missed", "exceeded")


def test_the_tolerance_is_a_tenth_of_the_pace():
    assert PACE_TOLERANCE == 0.1
    assert within("THU_NS", QUARTER, plan=1000, actual=225).status == "on_pace"  # 90% of a quarter's 25%
    assert within("THU_NS", QUARTER, plan=1000, actual=224.9).status == "behind"


def test_last_years_pace_is_used_where_last_years_same_period_and_whole_year_are_known():
    # Last year, 6 months held 41% of the year: 43% of this year's plan is on course, 36% is not.
    r = within("THU_NS", plan=1000, last_year=410, last_year_full=1000, actual=430)
    assert (r.status, r.basis, r.pace) == ("on_pace", "last_year", pytest.approx(41))
    assert within("THU_NS", plan=1000, last_year=410, last_year_full=1000, actual=360).status == "behind"


def test_a_ceiling_on_an_amount_is_judged_on_its_pace():
    ceiling = dataclasses.replace(CATALOG["HO_NGHEO"], accumulation="sum")
    judge = lambda actual: evaluate_indicator(ceiling, Figure("HO_NGHEO", 7, plan=100, actual=actual), HALF).status
    assert (judge(55), judge(56)) == ("on_pace", "over_pace")


@pytest.mark.parametrize("code, values, status", [
    ("SDD_TL", {"plan": 7.5, "actual": 7.2}, "reached"),            # a rate under its ceiling
    ("SDD_TL", {"plan": 7.5, "actual": 7.8}, "not_yet"),
    ("TANG_TRUONG", {"plan": 11, "actual": 10.3}, "not_yet"),        # growth of the period against the year's target
    ("HO_NGHEO_TL", {"plan": 0.5, "last_year": 2.55, "actual": 2.0}, "reached"),
    ("LUA_NS", {"plan": 50, "actual": 46.3}, "not_yet"),             # a mean is a level, not a sum
])
def test_levels_and_rates_within_the_year_are_reached_or_not_yet(code, values, status):
    r = within(code, **values)
    assert (r.status, r.basis) == (status, "level")
    assert r.status_text == {"reached": "Đã đạt", "not_yet": "Chưa đạt"}[status]


@pytest.mark.parametrize("estimate, status", [(12500, "expect_exceeded"), (10000, "expect_met"), (9000, "expect_missed")])
def test_a_full_year_estimate_gives_the_outlook_for_the_year(estimate, status):
    r = within("THU_NS", plan=10000, last_year=4000, actual=4000, year_estimate=estimate)
    assert (r.status, r.basis, r.progress) == (status, "estimate", "behind")
    assert r.pct_estimate == pytest.approx(estimate / 100)
    assert r.status_text.startswith("Dự kiến")


def test_a_reduction_estimate_is_measured_from_last_years_end():
    r = within("HO_NGHEO_TL", plan=0.5, last_year=2.6, actual=2.3, last_year_full=2.55, year_estimate=2.0)
    assert (r.status, r.progress) == ("expect_exceeded", "not_yet")  # down 0,3 of 0,5 so far; 0,55 by the end
    assert r.pct_estimate == pytest.approx(110)


def test_no_figures_within_the_year_are_no_data_or_no_plan():
    assert within("THU_NS", year_estimate=5).status == "no_data"
    assert within("THU_NS", actual=5, year_estimate=5).status == "no_plan"


def test_key_summary_within_the_year_has_no_missed_group():
    sub = Submission(period_label="6 tháng", figures={
        "THU_NS": Figure("THU_NS", 7, plan=1000, actual=470),                  # on pace
        "DN_MOI": Figure("DN_MOI", 11, plan=100, actual=30),                   # behind
        "HO_NGHEO_TL": Figure("HO_NGHEO_TL", 18, plan=0.5, last_year=2.55, actual=2.3),  # not yet
        "SDD_TL": Figure("SDD_TL", 19, plan=7.5, actual=7.1),                  # reached
    })
    summary = key_summary(evaluate(sub, CATALOG))
    assert summary.in_year and summary.reached == 2
    assert summary.groups() == {
        "on_track": ["Tổng thu ngân sách", "Tỷ lệ trẻ em dưới 5 tuổi suy dinh dưỡng"],
        "behind": ["Doanh nghiệp thành lập mới", "Tỷ lệ hộ nghèo"],
        "unknown": ["Tăng trưởng kinh tế"],
    }
    assert summary.exceeded == summary.met == summary.missed == []
