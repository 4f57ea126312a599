"""Reading ward workbooks, in worker processes, into small WardFiles.

Each input file is read with python-calamine (`read_grid`), parsed, checked, and boiled down
to a WardFile: who, which period, one float per indicator and field, and the findings. A
WardFile is small enough to send between processes, so 10.000 wards take a few megabytes
rather than a grid each. A ward already in memory (a Submission) becomes a WardFile the same way.
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
import sys
from array import array
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..catalog import Catalog
from ..check import check_submission
from ..errors import UnreadableWorkbook
from ..findings import Finding, finding, readable
from ..grid import DEFAULT_LIMITS, Grid, Limits, read_grid
from ..layout import DATA_SHEET, INFO_SHEET, INPUT_FIELDS
from ..parse import parse_grid
from ..submission import Submission

__all__ = ["WardFile", "read_ward", "read_wards", "ward_from_submission", "NEEDED_SHEETS", "FIELD_COUNT"]

NEEDED_SHEETS = [INFO_SHEET, DATA_SHEET]  # what parse and check use; the narrative stays with the ward
FIELD_COUNT = len(INPUT_FIELDS)


@dataclass
class WardFile:
    """What a worker learns from one input file.

    `values` holds one float per catalog indicator and input field (NaN when empty), in
    catalog order.
    """

    path: str
    name: str
    modified: float = 0.0
    sha256: str = ""
    kind: str = "ward"  # ward | unreadable | foreign
    unit_code: str = ""
    unit_name: str = ""
    period: str = ""
    year: int | None = None
    version: str = ""
    status: str = ""
    level: str = ""  # Cấp: a ward's, or the city's when read with `cities` (the archive keeps both)
    cells: dict[str, str] = field(default_factory=dict)
    values: array | None = None
    figure_count: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def modified_at(self) -> datetime:
        return datetime.fromtimestamp(self.modified)


def read_ward(path: Path, catalog: Catalog, limits: Limits = DEFAULT_LIMITS, cities: bool = False) -> WardFile:
    """Return the WardFile of `path`: never raises for a bad file, which becomes an `unreadable` finding.

    A city workbook is `foreign` unless `cities` is set (the archive reads both).
    """
    path = Path(path)
    ward = WardFile(path=str(path), name=readable(path.name))
    try:
        ward.modified = path.stat().st_mtime
        with path.open("rb") as handle:
            ward.sha256 = hashlib.file_digest(handle, "sha256").hexdigest()
        grid = read_grid(path, sheets=NEEDED_SHEETS, limits=limits)
    except UnreadableWorkbook as exc:
        return _unreadable(ward, str(exc))
    except OSError as exc:
        return _unreadable(ward, f"không mở được tệp ({exc.strerror or exc}).")
    try:
        _read_submission(ward, grid, catalog, cities)
    except Exception as exc:  # one strange file must not stop a city's merge; the finding says what happened
        return _unreadable(ward, f"lỗi khi xử lý tệp ({type(exc).__name__}: {exc}). Đề nghị báo bộ phận kỹ thuật.")
    return ward


def _unreadable(ward: WardFile, reason: str) -> WardFile:
    prefix = f"{ward.name}: "
    reason = reason[len(prefix):] if reason.startswith(prefix) else reason
    ward.kind = "unreadable"
    ward.findings = [finding("unreadable", file=ward.name, reason=reason)]
    return ward


def _read_submission(ward: WardFile, grid: Grid, catalog: Catalog, cities: bool = False) -> None:
    missing = [name for name in (INFO_SHEET, DATA_SHEET) if grid.sheet(name) is None]
    sub = parse_grid(grid)
    if missing or (sub.is_city and not cities):
        why = (f"không có trang «{'», «'.join(missing)}»" if missing
               else f"là biểu cấp thành phố ({sub.unit_name or sub.unit_code})")
        ward.kind = "foreign"
        ward.findings = [finding("not-a-ward-workbook", file=ward.name, reason=why)]
        return
    _take(ward, sub, catalog, check_submission(sub, catalog))


def ward_from_submission(sub: Submission, catalog: Catalog, findings: list[Finding], path: str = "",
                         modified: float = 0.0, sha256: str = "") -> WardFile:
    """Return the WardFile of a ward Submission already parsed and checked."""
    name = Path(path).name if path else sub.file
    ward = WardFile(path=path or sub.file, name=name, modified=modified, sha256=sha256)
    _take(ward, sub, catalog, findings)
    return ward


def _take(ward: WardFile, sub: Submission, catalog: Catalog, findings: list[Finding]) -> None:
    ward.unit_code, ward.unit_name = sub.unit_code.strip(), sub.unit_name
    ward.period, ward.year, ward.version, ward.status = sub.period_label, sub.year, sub.version, sub.status
    ward.level = sub.level
    ward.cells = {name: sub.info_cells[name] for name in ("unit_code", "period", "year", "version")
                  if name in sub.info_cells}
    values = array("d", [math.nan]) * (len(catalog) * FIELD_COUNT)
    for i, ind in enumerate(catalog):
        figure = sub.figures.get(ind.code)
        if figure is None:
            continue
        ward.figure_count += 1
        for j, name in enumerate(INPUT_FIELDS):
            value = getattr(figure, name)
            if value is not None:
                values[i * FIELD_COUNT + j] = value
    ward.values = values
    ward.findings = findings


_WORKER: tuple[Catalog, Limits, bool] | None = None


def _start_worker(catalog: Catalog, limits: Limits, cities: bool = False) -> None:
    global _WORKER
    _WORKER = catalog, limits, cities


def _read_in_worker(path: Path) -> WardFile:
    return read_ward(path, *_WORKER)


def read_wards(paths: list[Path], catalog: Catalog, limits: Limits = DEFAULT_LIMITS, jobs: int = 1,
               progress=None, isolated: bool = False, cities: bool = False) -> list[WardFile]:
    """Return the WardFile of each path, in order, read by `jobs` worker processes (1: in this process).

    `progress` is a callable (done, total), True/False, or None for a bar only on a terminal;
    `cities` reads city workbooks too (see `read_ward`). With `isolated`, every file is read in a
    worker process, even one file with `jobs` 1, and workers are not forked from the caller's
    threads: a file that crashes the reader (calamine aborting the process) kills a worker, and the
    caller gets BrokenProcessPool, not its own death.
    """
    report = _progress(progress, len(paths))
    try:
        if not paths or not isolated and (jobs == 1 or len(paths) < 2):
            out = []
            for path in paths:
                out.append(read_ward(path, catalog, limits, cities))
                report(1)
            return out
        workers = min(jobs, len(paths))
        chunk = max(1, min(64, len(paths) // (workers * 8)))
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=_unthreaded() if isolated else None,
                                   initializer=_start_worker, initargs=(catalog, limits, cities))
        try:
            out = []
            for ward in pool.map(_read_in_worker, paths, chunksize=chunk):
                out.append(ward)
                report(1)
            return out
        finally:
            _shut(pool)
    finally:
        report(None)


def _shut(pool: ProcessPoolExecutor) -> None:
    """Shut `pool` down, also when Ctrl+C or SIGTERM came while it was starting its manager thread.

    Joining a thread that never started raises RuntimeError, which would hide the interrupt
    behind "lỗi ngoài dự kiến". The workers already started then wait for work that never
    comes, and the interpreter would wait for them at exit: they are stopped, and the
    interrupt goes on.
    """
    interrupted = sys.exc_info()[0] is not None  # called from a `finally`: the exception on its way out
    try:
        pool.shutdown(wait=True, cancel_futures=True)
    except RuntimeError:
        if not interrupted:
            raise
        for worker in list((pool._processes or {}).values()):
            worker.terminate()
            worker.join()


def _unthreaded():
    """Return a multiprocessing context whose workers start clean rather than forked from the caller's threads.

    A forkserver where there is one (Linux, macOS): a single-threaded process, with this module
    loaded once, that forks each worker; else spawn.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _progress(progress, total: int) -> Callable:
    """Return a function advancing the progress display by n (None closes it)."""
    if callable(progress):
        done = 0

        def advance(n):
            nonlocal done
            if n:
                done += n
                progress(done, total)

        return advance
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return lambda n: None
    from tqdm import tqdm

    bar = tqdm(total=total, unit="tệp", desc="Đọc biểu phường, xã", file=sys.stderr, leave=False)
    return lambda n: bar.close() if n is None else bar.update(n)
