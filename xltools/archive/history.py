"""Reading the archive back: a unit's submissions and versions, what changed between two versions, series
across years, and the long table for analysts."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, case, func, select

from ..atomic import atomic_output
from ..errors import BadArguments
from ..layout import INPUT_FIELDS
from ..submission import Figure, Period, Submission
from .recording import unit_key
from .store import Archive, figures, findings, submissions

__all__ = ["Archived", "Change", "Diff", "submissions_of", "history", "diff", "latest_of", "series", "export_frame",
           "export", "merge_history", "EXPORT_COLUMNS"]

EXPORT_COLUMNS = ["unit", "period", "year", "indicator", "field", "value", "version"]
_CHUNK = 500


@dataclass
class Archived:
    """One archived version of a unit's report for a period and year, with its figures when they were asked for."""

    id: int
    unit_code: str
    unit_name: str
    level: str
    period: str
    year: int
    version: int
    catalog_version: str
    file: str
    sha256: str
    modified: datetime | None
    imported: datetime
    status: str
    errors: int = 0
    warnings: int = 0
    figures: dict[str, dict[str, float]] = field(default_factory=dict)

    def value(self, code: str, name: str) -> float | None:
        return self.figures.get(code, {}).get(name)

    def submission(self) -> Submission:
        """Return this archived report as a Submission (its figures; no cells, no narrative)."""
        sub = Submission(file=self.file, unit_code=self.unit_code, unit_name=self.unit_name, period_label=self.period,
                         year=self.year, version=self.catalog_version, status=self.status, level=self.level)
        for code, values in self.figures.items():
            sub.figures[code] = Figure(code=code, row=0, **{k: v for k, v in values.items() if k in INPUT_FIELDS})
        return sub

    @property
    def date(self) -> str:
        """Return the file's date (modified, else imported) as staff write it: `05/01/2023`."""
        return (self.modified or self.imported).strftime("%d/%m/%Y")

    @property
    def sort_key(self) -> tuple:
        """Return a key ordering submissions oldest first: year, then the period's end, longer periods after."""
        period = Period.find(self.period)
        months = (period.last_month, len(period.months)) if period else (0, 0)
        return self.year, *months, self.version

    def as_dict(self) -> dict:
        return {"unit": self.unit_code, "unit_name": self.unit_name, "level": self.level, "period": self.period,
                "year": self.year, "version": self.version, "file": self.file, "sha256": self.sha256,
                "modified": self.modified.isoformat(timespec="seconds") if self.modified else None,
                "imported": self.imported.isoformat(timespec="seconds"), "status": self.status,
                "catalog_version": self.catalog_version, "errors": self.errors, "warnings": self.warnings,
                **({"figures": self.figures} if self.figures else {})}


def _latest_only(query):
    """Return `query` on submissions restricted to the last version of each unit, period and year."""
    later = submissions.alias("later")
    newest = (select(func.max(later.c.version)).where(later.c.unit_code == submissions.c.unit_code,
                                                        later.c.period == submissions.c.period,
                                                        later.c.year == submissions.c.year).scalar_subquery())
    return query.where(submissions.c.version == newest)


def submissions_of(archive: Archive, unit: str, *, periods: Iterable[str] | None = None,
                   years: Iterable[int] | None = None, latest: bool = False, indicators: Iterable[str] | None = None,
                   with_figures: bool = True) -> list[Archived]:
    """Return the archived submissions of `unit`, newest first (year, period, version), with their figures.

    `periods` (labels) and `years` narrow them; `latest` keeps the last version of each period
    and year; `indicators` narrows the figures loaded.
    """
    query = select(submissions).where(submissions.c.unit_code == unit_key(unit))
    if periods is not None:
        query = query.where(submissions.c.period.in_([Period.parse(p).label for p in periods]))
    if years is not None:
        query = query.where(submissions.c.year.in_(list(years)))
    if latest:
        query = _latest_only(query)
    with archive.reading() as conn:
        found = {row.id: Archived(**row._mapping) for row in conn.execute(query)}
        ids = list(found)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start:start + _CHUNK]
            counts = (select(findings.c.submission_id, func.sum(case((findings.c.severity == "error", 1), else_=0)),
                             func.count()).where(findings.c.submission_id.in_(chunk))
                      .group_by(findings.c.submission_id))
            for sid, errors, total in conn.execute(counts):
                found[sid].errors, found[sid].warnings = int(errors), int(total - errors)
            if not with_figures:
                continue
            query = select(figures).where(figures.c.submission_id.in_(chunk))
            if indicators is not None:
                query = query.where(figures.c.indicator.in_(list(indicators)))
            for sid, code, name, value in conn.execute(query):
                found[sid].figures.setdefault(code, {})[name] = value
    return sorted(found.values(), key=lambda a: a.sort_key, reverse=True)


def history(archive: Archive, unit: str, indicator: str | None = None) -> list[Archived]:
    """Return every archived version of `unit`'s submissions, newest first; with `indicator`, only its figures."""
    return submissions_of(archive, unit, indicators=[indicator] if indicator else None,
                          with_figures=indicator is not None)


@dataclass(frozen=True)
class Change:
    """One figure that differs between two versions (None: not given in that version)."""

    indicator: str
    field: str
    old: float | None
    new: float | None


@dataclass
class Diff:
    """The last two versions of a submission and the figures that changed between them (`old` None: one version)."""

    new: Archived
    old: Archived | None
    changes: list[Change]


def diff(archive: Archive, unit: str, period: str, year: int) -> Diff:
    """Return what changed between the last two versions of `unit`'s submission for `period` and `year`.

    Raise BadArguments when nothing of it is archived.
    """
    label = Period.parse(period).label
    versions = submissions_of(archive, unit, periods=[label], years=[year])
    if not versions:
        raise BadArguments(f"kho lưu trữ «{archive.name}» không có báo cáo {Period.parse(label).text(year)} "
                           f"của đơn vị {unit_key(unit)}.")
    new = versions[0]
    old = versions[1] if len(versions) > 1 else None
    changes = []
    if old is not None:
        codes = sorted({*old.figures, *new.figures})
        for code in codes:
            for name in INPUT_FIELDS:
                a, b = old.value(code, name), new.value(code, name)
                if a != b and not (a is not None and b is not None and math.isclose(a, b, rel_tol=1e-12)):
                    changes.append(Change(code, name, a, b))
    return Diff(new, old, changes)


def latest_of(archive: Archive, unit: str, years: Iterable[int]) -> dict[tuple[str, int], Archived]:
    """Return (period label, year) -> the last version of `unit`'s submission, for each period of `years`."""
    return {(a.period, a.year): a for a in submissions_of(archive, unit, years=years, latest=True)}


def series(archive: Archive, unit: str, period: str, codes: Iterable[str], until: int,
           name: str = "actual") -> dict[str, dict[int, float]]:
    """Return code -> year -> field `name` of the last version of `unit`'s `period` submission of each year
    up to `until`, for the indicators `codes`."""
    codes = list(codes)
    out: dict[str, dict[int, float]] = {code: {} for code in codes}
    label = Period.parse(period).label
    query = _latest_only(
        select(submissions.c.year, figures.c.indicator, figures.c.value)
        .join(figures, figures.c.submission_id == submissions.c.id)
        .where(submissions.c.unit_code == unit_key(unit), submissions.c.period == label,
               submissions.c.year <= until, figures.c.field == name, figures.c.indicator.in_(codes)))
    with archive.reading() as conn:
        for year, code, value in conn.execute(query):
            out[code][year] = value
    return out


def export_frame(archive: Archive):
    """Return the long table of every archived figure: unit, period, year, indicator, field, value, version."""
    import pandas as pd

    query = (select(submissions.c.unit_code.label("unit"), submissions.c.period, submissions.c.year,
                    figures.c.indicator, figures.c.field, figures.c.value, submissions.c.version)
             .join(figures, and_(figures.c.submission_id == submissions.c.id))
             .order_by(submissions.c.unit_code, submissions.c.year, submissions.c.period, submissions.c.version,
                       figures.c.indicator, figures.c.field))
    with archive.reading() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=EXPORT_COLUMNS)
    return frame.astype({"year": "int64", "version": "int64", "value": "float64"})


def export(archive: Archive, output: str | Path, force: bool = False) -> int:
    """Write the long table (see `export_frame`) to `output` (.csv or .parquet), whole or not at all; return its rows."""
    output = Path(output)
    suffix = output.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise BadArguments(f"{output.name}: chỉ xuất được tệp .csv hoặc .parquet.")
    frame = export_frame(archive)
    with atomic_output(output, force=force) as temporary:
        if suffix == ".csv":
            frame.to_csv(temporary, index=False, encoding="utf-8")
        else:
            try:
                frame.to_parquet(temporary, index=False)
            except ImportError:
                raise BadArguments("xuất tệp .parquet cần thư viện pyarrow: pip install pyarrow "
                                   "(hoặc xuất .csv).") from None
    return len(frame)


def merge_history(archive: Archive, units: Iterable[str], period: str, year: int, back: int = 10):
    """Return the merge's History of `units` for `period` and `year`: their actuals of the same period in the
    `back` years before, and the versions of this period and year already archived."""
    from ..merge.history import Archived as Version
    from ..merge.history import History

    label = Period.parse(period).label
    keys = sorted({unit_key(u) for u in units if u.strip()})
    out = History(year=year)
    with archive.reading() as conn:
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start:start + _CHUNK]
            past = _latest_only(
                select(submissions.c.unit_code, submissions.c.year, figures.c.indicator, figures.c.value)
                .join(figures, figures.c.submission_id == submissions.c.id)
                .where(submissions.c.unit_code.in_(chunk), submissions.c.period == label,
                       submissions.c.year.between(year - back, year - 1), figures.c.field == "actual"))
            for unit, y, code, value in conn.execute(past):
                out.years.setdefault(unit, {}).setdefault(code, {})[y] = value
            versions = (select(submissions.c.unit_code, submissions.c.version, submissions.c.sha256,
                               submissions.c.imported)
                        .where(submissions.c.unit_code.in_(chunk), submissions.c.period == label,
                               submissions.c.year == year)
                        .order_by(submissions.c.unit_code, submissions.c.version))
            for unit, version, sha, imported in conn.execute(versions):
                out.versions.setdefault(unit, []).append(Version(version, sha, imported))
    return out
