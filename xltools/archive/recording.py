"""Recording submissions: ward files read by the merge's reader, and the city's result, into the archive.

One call is one transaction. The same content (SHA-256) is recorded once; another content
for the same unit, period and year becomes its next version, the earlier ones kept.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from ..catalog import Catalog, default_catalog, office_catalog
from ..findings import Finding, finding
from ..grid import DEFAULT_LIMITS, Limits
from ..layout import INFO_SHEET, INPUT_FIELDS, LEVELS
from ..merge.inputs import ward_files
from ..merge.reading import WardFile, read_wards
from ..submission import Period, Submission
from .store import Archive, figures, findings, insert_many, submissions

__all__ = ["Record", "Recorded", "ImportResult", "record", "import_files", "record_merge", "ward_record",
           "submission_record", "unit_key", "LEVEL_WARD", "LEVEL_CITY"]

LEVEL_WARD, LEVEL_CITY = "ward", "city"
FIGURE_COLUMNS = ["submission_id", "indicator", "field", "value"]
_CHUNK = 500  # keys per IN (…) query


@dataclass
class Record:
    """One submission ready for the archive: who, which period, the file it came from, its figures and findings.

    `figures` yields (indicator, field, value) for every number given.
    """

    unit_code: str
    unit_name: str
    level: str
    period: str
    year: int
    catalog_version: str
    file: str
    sha256: str
    modified: datetime | None
    status: str
    figures: Iterable[tuple[str, str, float]]
    findings: list[Finding] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, int]:
        return self.unit_code, self.period, self.year


@dataclass
class Recorded:
    """What became of one record: `new` (first version), `version` (a later one), `same` (already archived)."""

    record: Record
    outcome: str
    version: int
    submission_id: int


def ward_record(ward: WardFile, catalog: Catalog) -> Record | Finding:
    """Return the Record of a ward file read by the merge's reader, or the Finding saying why it cannot be archived."""
    if ward.kind != "ward":
        return ward.findings[0] if ward.findings else finding("unreadable", file=ward.name, reason=ward.kind)
    period = Period.find(ward.period)
    problem = ("không ghi mã đơn vị" if not ward.unit_code else
               f"kỳ báo cáo «{ward.period}» không hợp lệ" if period is None else
               "không ghi năm báo cáo" if not ward.year else
               "không có số liệu nào" if not ward.figure_count else "")
    if problem:
        return finding("archive-skipped", file=ward.name, sheet=INFO_SHEET, reason=problem)
    codes = np.array([ind.code for ind in catalog], dtype=object)
    names = np.array(INPUT_FIELDS, dtype=object)

    def rows() -> Iterator[tuple[str, str, float]]:
        values = np.frombuffer(ward.values, dtype=np.float64)
        given = np.flatnonzero(~np.isnan(values))
        return zip(codes[given // len(names)], names[given % len(names)], values[given].tolist())

    level = LEVEL_CITY if ward.level == LEVELS[1] else LEVEL_WARD
    return Record(unit_code=unit_key(ward.unit_code), unit_name=ward.unit_name, level=level, period=period.label,
                  year=ward.year, catalog_version=ward.version, file=ward.name, sha256=ward.sha256,
                  modified=ward.modified_at if ward.modified else None, status=ward.status, figures=rows(),
                  findings=list(ward.findings))


def submission_record(sub: Submission, *, file: str = "", modified: datetime | None = None,
                      findings: list[Finding] | None = None) -> Record:
    """Return the Record of a Submission already in memory (the city's merge result); its SHA-256 is of its content,
    so the same figures recorded twice are one version."""
    rows = [(code, name, float(value)) for code, figure in sub.figures.items() for name in INPUT_FIELDS
            if (value := getattr(figure, name)) is not None]
    period = Period.parse(sub.period_label).label
    content = json.dumps([sub.unit_code, period, sub.year, sub.status, sorted(rows)], ensure_ascii=False)
    return Record(unit_code=unit_key(sub.unit_code), unit_name=sub.unit_name,
                  level=LEVEL_CITY if sub.is_city else LEVEL_WARD, period=period, year=int(sub.year),
                  catalog_version=sub.version, file=file or sub.file,
                  sha256=hashlib.sha256(content.encode("utf-8")).hexdigest(), modified=modified, status=sub.status,
                  figures=rows, findings=list(findings or []))


def unit_key(code: str) -> str:
    """Return how a unit code is kept and looked up: trimmed, in capitals (the merge compares codes so too)."""
    return code.strip().upper()


def record(archive: Archive, records: list[Record], imported: datetime | None = None) -> list[Recorded]:
    """Record `records` into `archive` in one transaction; return what became of each, in order.

    Records of one unit, period and year are versioned in the order of their files' modified times.
    """
    imported = imported or datetime.now().replace(microsecond=0)
    order = sorted(range(len(records)), key=lambda i: (records[i].modified or datetime.min, records[i].file))
    out: list[Recorded | None] = [None] * len(records)
    with archive.writing() as conn:
        known = _known_contents(conn, [r.sha256 for r in records])
        versions = _last_versions(conn, {r.key for r in records})
        next_id = (conn.execute(select(func.max(submissions.c.id))).scalar() or 0) + 1
        new: list[tuple[int, int, Record]] = []
        for i in order:
            item = records[i]
            if item.sha256 in known:
                out[i] = Recorded(item, "same", *known[item.sha256])
                continue
            version = versions.get(item.key, 0) + 1
            versions[item.key] = version
            known[item.sha256] = (version, next_id)
            out[i] = Recorded(item, "new" if version == 1 else "version", version, next_id)
            new.append((next_id, version, item))
            next_id += 1
        if new:
            conn.execute(submissions.insert(), [
                {"id": sid, "unit_code": r.unit_code, "unit_name": r.unit_name, "level": r.level, "period": r.period,
                 "year": r.year, "version": version, "catalog_version": r.catalog_version or "", "file": r.file,
                 "sha256": r.sha256, "modified": r.modified, "imported": imported, "status": r.status or ""}
                for sid, version, r in new])
            insert_many(conn, figures, FIGURE_COLUMNS,
                        ((sid, code, name, value) for sid, _, r in new for code, name, value in r.figures))
            rows = [{"submission_id": sid, "number": n, "severity": f.severity, "code": f.code, "message": f.message,
                     "sheet": f.sheet, "cell": f.cell, "indicator": f.indicator}
                    for sid, _, r in new for n, f in enumerate(r.findings, start=1)]
            if rows:
                conn.execute(findings.insert(), rows)
    return out


def _known_contents(conn, shas: list[str]) -> dict[str, tuple[int, int]]:
    """Return SHA-256 -> (version, submission id) of the contents already archived among `shas`."""
    out = {}
    unique = sorted(set(shas))
    for start in range(0, len(unique), _CHUNK):
        chunk = unique[start:start + _CHUNK]
        query = select(submissions.c.sha256, submissions.c.version, submissions.c.id).where(
            submissions.c.sha256.in_(chunk))
        out.update({sha: (version, sid) for sha, version, sid in conn.execute(query)})
    return out


def _last_versions(conn, keys: set[tuple[str, str, int]]) -> dict[tuple[str, str, int], int]:
    """Return (unit, period, year) -> the last version archived, for the keys that have one."""
    out = {}
    units = sorted({unit for unit, _, _ in keys})
    for start in range(0, len(units), _CHUNK):
        query = (select(submissions.c.unit_code, submissions.c.period, submissions.c.year,
                        func.max(submissions.c.version))
                 .where(submissions.c.unit_code.in_(units[start:start + _CHUNK]))
                 .group_by(submissions.c.unit_code, submissions.c.period, submissions.c.year))
        out.update({(unit, period, year): version for unit, period, year, version in conn.execute(query)})
    return out


@dataclass
class ImportResult:
    """The outcome of `import_files`: what became of each readable submission, and why the others were not kept."""

    recorded: list[Recorded]
    skipped: list[Finding]
    files: int

    def count(self, outcome: str) -> int:
        return sum(r.outcome == outcome for r in self.recorded)


def import_files(archive: Archive, inputs: Iterable[str | Path], catalog: Catalog | None = None, *, jobs: int = 1,
                 limits: Limits = DEFAULT_LIMITS, progress=None) -> ImportResult:
    """Return the outcome of recording the workbooks `inputs` (files or folders) into `archive`.

    Files are read by the merge's reader (`read_wards`, `jobs` worker processes), ward and city
    workbooks alike, against `catalog` (default: the office's, else the bundled one). All the
    readable ones are recorded in one transaction; the others come back as findings.
    """
    catalog = catalog or office_catalog() or default_catalog()
    paths = ward_files(inputs)
    wards = read_wards(paths, catalog, limits, jobs, progress, cities=True)
    records, skipped = [], []
    for ward in wards:
        item = ward_record(ward, catalog)
        (skipped if isinstance(item, Finding) else records).append(item)
    return ImportResult(record(archive, records) if records else [], skipped, len(paths))


def record_merge(archive: Archive, wards: list[WardFile], result, catalog: Catalog) -> list[Recorded]:
    """Record the ward files of a merge and the city's result (a CityResult) in one transaction; return the outcomes
    (the city's last)."""
    records = [item for ward in wards if isinstance(item := ward_record(ward, catalog), Record)]
    city_findings = [f for f in result.findings if not f.file]  # the merge's own: units that sent nothing
    output = result.output
    modified = datetime.fromtimestamp(output.stat().st_mtime).replace(microsecond=0) if output else None
    records.append(submission_record(result.submission, file=output.name if output else "", modified=modified,
                                     findings=city_findings))
    return record(archive, records)
