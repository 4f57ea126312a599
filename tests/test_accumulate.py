"""Accumulate: a longer period's figures from its months, by each indicator's accumulation rule."""

from __future__ import annotations

import dataclasses
import math

import pytest

from months import monthly_submissions
from xltools.accumulate import accumulate
from xltools.catalog import Catalog
from xltools.demo import city_figures
from xltools.errors import BadArguments
from xltools.layout import YEAR_END_INPUTS
from xltools.submission import Figure, Submission


@pytest.fixture(scope="module")
def months(full_catalog):
    return monthly_submissions(full_catalog)


def month(number, status="Ước thực hiện", unit="TRAN_PHU", year=2022, **figures):
    sub = Submission(unit_code=unit, unit_name="Phường Trần Phú", period_label=f"Tháng {number}", year=year,
                     status=status)
    sub.figures = {code: Figure(code, 7, **values) for code, values in figures.items()}
    return sub


def test_twelve_months_give_back_the_years_figures(full_catalog, months):
    year = accumulate(months, full_catalog, "Năm")
    city = city_figures()
    assert year.period_label == "Năm" and year.year == 2022 and year.unit_code == "THANH_PHO_HA_TINH"
    for ind in full_catalog:
        for name in YEAR_END_INPUTS:
            got, expected = year.figure(ind.code).value(name), city[ind.code][name]
            if expected is None:
                assert got is None, (ind.code, name)
            else:
                assert math.isclose(got, expected, abs_tol=0.5 * 10 ** -ind.decimals), (ind.code, name, got, expected)


def test_periods_accumulate_from_shorter_periods_as_from_their_months(full_catalog, months):
    quarters = [accumulate(months[:3], full_catalog, "Quý I"), accumulate(months[3:6], full_catalog, "Quý 2")]
    half = accumulate(months[:6], full_catalog, "6 tháng")
    assert accumulate(quarters, full_catalog, "6 tháng").figures == half.figures
    nine = accumulate(months[:9], full_catalog, "9 tháng")
    ten = accumulate(months[:10], full_catalog, "10 tháng")
    assert accumulate([months[9], nine], full_catalog, "10 tháng").figures == ten.figures


def test_each_indicator_accumulates_by_its_rule(catalog):
    levels = Catalog([dataclasses.replace(ind, accumulation="last") if ind.code in ("HO_NGHEO", "HO_TONG") else ind
                      for ind in catalog])
    months = [
        month(1, THU_NS={"plan": 1000, "actual": 80, "last_year": 70},        # amounts add up
                 HO_TONG={"actual": 30500}, HO_NGHEO={"actual": 600},          # levels: the latest month's
                 HO_NGHEO_TL={"actual": 1.97},                                 # a rate: from its parts
                 LUA_DT={"actual": 100}, LUA_NS={"actual": 40}),               # a mean weighs by its weight
        month(2, THU_NS={"plan": 1000, "actual": 90.1, "last_year": 60, "year_estimate": 1100},
                 HO_TONG={"actual": 30600}, HO_NGHEO={"actual": None}, HO_NGHEO_TL={"actual": None},
                 LUA_DT={"actual": 300}, LUA_NS={"actual": 50}),
    ]
    two = accumulate(months, levels, "2 tháng")
    thu = two.figure("THU_NS")
    assert (thu.actual, thu.last_year, thu.plan, thu.year_estimate) == (170.1, 130, 1000, 1100)
    assert two.figure("HO_TONG").actual == 30600
    assert two.figure("HO_NGHEO").actual == 600  # the latest month that gives one
    assert two.figure("HO_NGHEO_TL").actual == pytest.approx(600 / 30600 * 100)
    assert two.figure("LUA_NS").actual == pytest.approx(47.5)  # (40·100 + 50·300) / 400
    assert two.status == "Ước thực hiện" and two.period_label == "2 tháng"


def test_a_rate_of_flows_is_recomputed_not_added(catalog):
    months = [month(1, HO_NGHEO={"actual": 1}, HO_TONG={"actual": 10}, HO_NGHEO_TL={"actual": 10}),
              month(2, HO_NGHEO={"actual": 9}, HO_TONG={"actual": 90}, HO_NGHEO_TL={"actual": 10})]
    # The small catalog leaves accumulation to the default of the kind: counts add up.
    assert accumulate(months, catalog, "2 tháng").figure("HO_NGHEO_TL").actual == 10.0  # 10 / 100, not 10 + 10


def test_final_figures_only_when_every_month_is_final(catalog):
    final = [month(1, "Thực hiện", THU_NS={"actual": 1}), month(2, "Thực hiện", THU_NS={"actual": 2})]
    assert accumulate(final, catalog, "2 tháng").status == "Thực hiện"
    assert accumulate([final[0], month(2, THU_NS={"actual": 2})], catalog, "2 tháng").status == "Ước thực hiện"


@pytest.mark.parametrize("parts, period, message", [
    ([1, 2, 4], "4 tháng", "không cộng dồn được 4 tháng: thiếu số liệu tháng 3."),
    ([1, 2, 3], "2 tháng", "không cộng dồn được 2 tháng: có số liệu tháng 3 nằm ngoài kỳ."),
    ([1, 1], "1 tháng", "tháng 1 có trong cả kỳ «Tháng 1» và kỳ «Tháng 1»"),
    ([], "Quý I", "không có số liệu kỳ nào để cộng dồn thành quý I."),
])
def test_parts_that_do_not_make_the_period_are_refused(catalog, parts, period, message):
    with pytest.raises(BadArguments, match=message):
        accumulate([month(n) for n in parts], catalog, period)


def test_parts_of_other_units_or_years_or_unknown_periods_are_refused(catalog):
    with pytest.raises(BadArguments, match="các đơn vị NAM_HA, TRAN_PHU"):
        accumulate([month(1), month(2, unit="NAM_HA")], catalog, "2 tháng")
    with pytest.raises(BadArguments, match="các năm 2021, 2022"):
        accumulate([month(1, year=2021), month(2)], catalog, "2 tháng")
    odd = month(2)
    odd.period_label = "Tháng 13"
    with pytest.raises(BadArguments, match="kỳ báo cáo «Tháng 13» không hợp lệ"):
        accumulate([month(1), odd], catalog, "2 tháng")
