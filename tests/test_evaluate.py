"""Evaluate: % of plan, change on the same period, direction-aware status, the key-target summary."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import small_catalog
from xltools.evaluate import STATUS_TEXT, evaluate, evaluate_indicator, key_summary, pct_of_last_year, pct_of_plan
from xltools.submission import Figure, Submission

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
@given(st.lists(st.tuples(VALUES, VALUES, VALUES), min_size=len(CATALOG), max_size=len(CATALOG)))
def test_evaluate_never_raises_and_gives_finite_numbers_or_reasons(values):
    sub = Submission(figures={
        ind.code: Figure(ind.code, n, plan=plan, last_year=last_year, actual=actual)
        for n, (ind, (plan, last_year, actual)) in enumerate(zip(CATALOG, values), start=7)
    })
    results = evaluate(sub, CATALOG)
    assert [r.code for r in results] == [ind.code for ind in CATALOG]
    for r in results:
        assert r.status in STATUS_TEXT
        for name in ("pct_plan", "pct_last_year", "change"):
            value = getattr(r, name)
            if value is None:
                assert r.reasons[name]  # a Vietnamese reason, never a silent gap
            else:
                assert isinstance(value, float) and math.isfinite(value)
        assert r.indicator.direction != "lower" or r.status != "exceeded"
    summary = key_summary(results)
    assert summary.reached + len(summary.missed) + len(summary.unknown) == summary.total == len(CATALOG.key_targets)
