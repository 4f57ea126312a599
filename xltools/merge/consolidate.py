"""Consolidation: the city's figures from the wards', by each indicator's rule in the catalog.

Each rule is one small object: a sum adds what the wards gave; a ratio is recomputed from
the consolidated numerator and denominator, never averaged; a weighted mean weighs each ward
by the weight indicator's same field; a city-level indicator comes from the city's own
workbook. A new rule is one class and one entry in RULES.
"""

from __future__ import annotations

import math

import numpy as np

from ..catalog import Catalog, Indicator
from ..layout import INPUT_FIELDS
from ..submission import Submission
from ..tables import Table
from .reading import FIELD_COUNT, WardFile

__all__ = ["consolidate", "ward_values", "matrix_table", "RULES", "CITY_TOTAL"]

CITY_TOTAL = "Toàn thành phố"
EXCEL_MAX_COLUMNS = 16_384
Row = list[float | None]  # one value per input field, in INPUT_FIELDS order


def ward_values(wards: list[WardFile], catalog: Catalog) -> np.ndarray:
    """Return the values of `wards` as an array (ward, indicator, field), NaN where empty."""
    if not wards:
        return np.full((0, len(catalog), FIELD_COUNT), np.nan)
    return np.stack([np.frombuffer(w.values, dtype=np.float64) for w in wards]).reshape(
        len(wards), len(catalog), FIELD_COUNT)


class _Consolidation:
    """What the rules look at: the wards' values, their sums, the base, and the city figures done so far."""

    def __init__(self, values: np.ndarray, catalog: Catalog, base: Submission | None):
        self.values = values
        self.catalog = catalog
        self.base = base
        self.index = {ind.code: i for i, ind in enumerate(catalog)}
        self.present = ~np.isnan(values)
        self.sums = np.where(self.present.any(axis=0), np.nansum(values, axis=0), np.nan)
        self.done: dict[str, Row] = {}

    def city(self, ind: Indicator) -> Row:
        """Return the city figures of `ind`, working out what it depends on first."""
        if ind.code not in self.done:
            self.done[ind.code] = RULES[ind.rule].consolidate(ind, self)
        return self.done[ind.code]

    def base_row(self, code: str) -> Row:
        figure = self.base.figure(code) if self.base is not None else None
        return [getattr(figure, name) if figure else None for name in INPUT_FIELDS]

    def common(self, i: int, j: int) -> float | None:
        """Return the value every ward that gave field `j` of indicator `i` gave, or None when they differ."""
        given = self.values[:, i, j][self.present[:, i, j]]
        return float(given[0]) if given.size and np.all(given == given[0]) else None


class Sum:
    """Cộng: the sum of what the wards gave, field by field."""

    def consolidate(self, ind: Indicator, c: _Consolidation) -> Row:
        return [_clean(v, 9) for v in c.sums[c.index[ind.code]]]


class WeightedMean:
    """Bình quân: each ward's figure weighted by the weight indicator's same field."""

    def consolidate(self, ind: Indicator, c: _Consolidation) -> Row:
        w = c.values[:, c.index[ind.weight], :]
        v = c.values[:, c.index[ind.code], :]
        ok = ~np.isnan(v) & ~np.isnan(w)
        top = np.where(ok, v * w, 0.0).sum(axis=0)
        bottom = np.where(ok, w, 0.0).sum(axis=0)
        return [_clean(t / b, 10) if ok[:, j].any() and b else None for j, (t, b) in enumerate(zip(top, bottom))]


class Ratio:
    """Tỷ lệ: recomputed from the consolidated numerator and denominator, never averaged.

    A target (plan, next year's plan) comes from the parts' targets when given, else the
    city's own (base), else the one every ward carries; a reduce-by target ("giảm 0,5 điểm")
    is a change, not a rate of parts, so it is never recomputed.
    """

    def consolidate(self, ind: Indicator, c: _Consolidation) -> Row:
        top, bottom = c.city(c.catalog[ind.numerator]), c.city(c.catalog[ind.denominator])
        given = c.base_row(ind.code)
        i = c.index[ind.code]
        row = []
        for j, name in enumerate(INPUT_FIELDS):
            recomputed = _clean(top[j] / bottom[j] * ind.ratio_scale, 10) if top[j] is not None and bottom[j] else None
            if name in ("plan", "next_plan"):
                if ind.direction == "reduce_by":
                    recomputed = None
                row.append(next((v for v in (recomputed, given[j], c.common(i, j)) if v is not None), None))
            else:
                row.append(recomputed)
        return row


class CityOnly:
    """Thành phố: entered by the city itself; kept from the city's workbook, else left empty."""

    def consolidate(self, ind: Indicator, c: _Consolidation) -> Row:
        return c.base_row(ind.code)


RULES = {"sum": Sum(), "weighted": WeightedMean(), "ratio": Ratio(), "city": CityOnly()}


def consolidate(values: np.ndarray, catalog: Catalog, base: Submission | None = None) -> dict[str, Row]:
    """Return code -> [plan, last_year, actual, next_plan] for the city, by each indicator's rule.

    `values` is (ward, indicator, field) in catalog order, NaN where a ward left a cell empty.
    """
    work = _Consolidation(values, catalog, base)
    for ind in catalog:
        work.city(ind)
    return work.done


def _clean(value, digits: int) -> float | None:
    """Return `value` as a float rounded to `digits` decimals (dropping binary noise), None if not finite."""
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def matrix_table(catalog: Catalog, city: dict[str, Row], units: list[tuple[str, str]], values: np.ndarray,
                 title: str) -> Table:
    """Return the per-unit matrix (`Theo đơn vị`): indicators down, the city total and then each unit across.

    `units` are (code, name) in the order of `values` (unit, indicator, field).
    """
    shown = units[: EXCEL_MAX_COLUMNS - 4]
    header = [["Mã", "Chỉ tiêu", "ĐVT", CITY_TOTAL, *(name or code for code, name in shown)],
              ["", "Mã đơn vị", "", "", *(code for code, _ in shown)]]
    actual = INPUT_FIELDS.index("actual")
    rows = []
    for i, ind in enumerate(catalog):
        per_unit = values[: len(shown), i, actual].tolist() if ind.ward_entered else [None] * len(shown)
        rows.append([ind.code, ind.name, ind.unit, city[ind.code][actual], *per_unit])
    return Table(f"SỐ LIỆU THỰC HIỆN KỲ BÁO CÁO THEO ĐƠN VỊ — {title}", header, rows,
                 widths={1: 14, 2: 46, 3: 11, 4: 16}, frozen_columns=4)
