"""The merge against what the archive holds: resubmissions in the register, and figures far from the others.

Pure like the city core: the door reads the archive before the merge into a History (data),
and these functions look at the History and the CityResult. Two kinds of warnings:

- a ward whose change on last year stands far from the other wards' change, and
- a ward's figure far from its own figures of the same period in earlier years,

both by a robust z-score (median and MAD, Iglewicz and Hoaglin's modified z), with the limit
and the floors below in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..findings import Finding, finding
from ..layout import DATA_SHEET, INPUT_FIELDS
from ..numbers import format_number
from ..submission import ANNUAL
from ..writer import data_cells, data_layout
from .city import CityResult
from .deciding import RegisterEntry

__all__ = ["History", "Archived", "robust_scores", "outlier_findings", "mark_resubmissions", "ROBUST_Z_LIMIT",
           "MIN_UNITS", "MIN_YEARS"]

ROBUST_Z_LIMIT = 3.5  # |modified z| above this is far from the others (Iglewicz & Hoaglin)
MIN_UNITS = 5  # fewer wards than this have no "usual" change to stand apart from
MIN_YEARS = 3  # earlier years of a ward's own figures needed to judge a figure against them
CHANGE_FLOOR = 2.0  # the spread of wards' changes (points of %) is taken as at least this much
HISTORY_FLOOR = 0.10  # the spread of a ward's past figures is taken as at least this share of their median
_CONSISTENCY = 0.6745  # MAD of a normal distribution in standard deviations
_MEAN_AD = 1.253314  # mean absolute deviation of a normal distribution, in standard deviations (for MAD = 0)
ACTUAL = INPUT_FIELDS.index("actual")
LAST_YEAR = INPUT_FIELDS.index("last_year")


@dataclass(frozen=True)
class Archived:
    """A version of a unit's report the archive already holds: its number, content hash and when it was imported."""

    version: int
    sha256: str
    imported: datetime


@dataclass
class History:
    """What the archive knew of the units before the merge, for the merge's period.

    `years` is unit key -> code -> year -> the actual of the same period in an earlier year;
    `versions` is unit key -> the versions already archived of this period and year, oldest first.
    """

    year: int | None = None
    years: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)
    versions: dict[str, list[Archived]] = field(default_factory=dict)

    def previous(self, unit: str, code: str) -> float | None:
        """Return the unit's archived actual of the same period a year earlier, if any."""
        return self.years.get(unit, {}).get(code, {}).get(self.year - 1) if self.year else None


def robust_scores(values: np.ndarray, floor: float = 0.0) -> np.ndarray:
    """Return the modified z-score of each of `values`: 0,6745 (x − median) / MAD, the MAD taken as at least `floor`.

    When half the values are equal (MAD 0) the mean absolute deviation stands in; when every
    value is equal (and `floor` is 0) every score is 0.
    """
    median = np.median(values)
    deviation = np.abs(values - median)
    mad = np.median(deviation)
    if mad > 0 or floor > 0:
        return _CONSISTENCY * (values - median) / max(mad, floor)
    mean = deviation.mean()
    return (values - median) / (_MEAN_AD * mean) if mean > 0 else np.zeros_like(values)


def mark_resubmissions(register: list[RegisterEntry], history: History) -> None:
    """Mark in `register` each file that is a later version of a report the archive holds (`resubmission`)."""
    for entry in register:
        earlier = history.versions.get(entry.unit_code.strip().upper(), [])
        if not entry.sent or not earlier:
            continue
        same = next((v for v in earlier if v.sha256 == entry.sha256), None)
        if same is not None:
            if same.version > 1:
                entry.resubmission = f"bản {same.version} (đã lưu ngày {same.imported:%d/%m/%Y})"
            continue
        last = earlier[-1]
        entry.resubmission = (f"gửi lại: bản {last.version + 1}, thay bản {last.version} lưu ngày "
                              f"{last.imported:%d/%m/%Y}")


def outlier_findings(result: CityResult, history: History) -> list[Finding]:
    """Return the warnings on wards whose change on last year stands far from the other wards', and on
    figures far from the ward's own earlier years (see the module's note)."""
    catalog = result.catalog
    keys = [code.strip().upper() for code, _ in result.units]
    files = {e.unit_code.strip().upper(): e for e in result.register if e.included}
    jumps = {(f.file, f.indicator) for f in result.findings if f.code == "yoy-jump"}
    rows = data_layout(catalog)
    layout = result.submission.period or ANNUAL
    out: list[Finding] = []

    def warn(code: str, u: int, i: int, **fields) -> None:
        ind = catalog.indicators[i]
        entry = files.get(keys[u])
        if entry is None or (entry.file, ind.code) in jumps:
            return  # a jump the ward's own check reported already is said once
        cell = data_cells(rows[ind.code], layout)["actual"] if entry.version == catalog.version else None
        out.append(finding(code, file=entry.file, sheet=DATA_SHEET, cell=cell, indicator=ind.code, name=ind.name,
                           unit_name=result.units[u][1] or result.units[u][0], unit=ind.unit,
                           limit=format_number(ROBUST_Z_LIMIT, 1), **fields))

    for i, ind in enumerate(catalog):
        if not ind.ward_entered:
            continue
        _far_changes(result.values[:, i, :], ind, keys, history, lambda u, **kw: warn("outlier-change", u, i, **kw))
        for u, key in enumerate(keys):
            _far_from_history(result.values[u, i, ACTUAL], history.years.get(key, {}).get(ind.code, {}), ind,
                              lambda **kw: warn("outlier-history", u, i, **kw))
    return out


def _far_changes(values: np.ndarray, ind, keys: list[str], history: History, warn) -> None:
    """Warn on the units whose change on last year (the archived actual, else the typed cùng kỳ) is far from the others'."""
    points = ind.is_rate
    changes = np.full(len(keys), np.nan)
    for u, key in enumerate(keys):
        actual = values[u, ACTUAL]
        before = history.previous(key, ind.code)
        before = values[u, LAST_YEAR] if before is None else before
        if np.isnan(actual) or np.isnan(before):
            continue
        if points:
            changes[u] = actual - before
        elif before > 0:
            changes[u] = (actual / before - 1) * 100
    given = ~np.isnan(changes)
    if given.sum() < MIN_UNITS:
        return
    scores = np.full(len(keys), 0.0)
    scores[given] = robust_scores(changes[given], CHANGE_FLOOR)
    median = float(np.median(changes[given]))
    unit = " điểm phần trăm" if points else "%"
    for u in np.flatnonzero(np.abs(scores) > ROBUST_Z_LIMIT):
        change = float(changes[u])
        warn(int(u), direction="tăng" if change > 0 else "giảm", change=format_number(abs(change), 1) + unit,
             median=("+" if median > 0 else "") + format_number(median, 1) + unit,
             count=format_number(int(given.sum())), score=format_number(float(scores[u]), 1))


def _far_from_history(actual: float, years: dict[int, float], ind, warn) -> None:
    """Warn when `actual` is far from the unit's own figures of the same period in at least MIN_YEARS earlier years."""
    if np.isnan(actual) or len(years) < MIN_YEARS:
        return
    past = np.array([years[y] for y in sorted(years)])
    median = float(np.median(past))
    spread = max(float(np.median(np.abs(past - median))), HISTORY_FLOOR * abs(median))
    score = _CONSISTENCY * (actual - median) / spread if spread else 0.0
    if abs(score) > ROBUST_Z_LIMIT:
        shown = "; ".join(f"{y}: {format_number(years[y], ind.decimals)}" for y in sorted(years))
        warn(value=format_number(float(actual), ind.decimals), history=shown, score=format_number(score, 1))
