"""Time `xltools archive import` against merging the same wards, what a user would write, and the floor.

    python benchmarks/bench_archive.py                  # 1.000 wards
    python benchmarks/bench_archive.py --wards 10599    # every commune of Vietnam (2024)
    python benchmarks/bench_archive.py --latency-only   # only `new --db` on 3 years x 16 periods x 1.000 wards

Half the wards are realistic: the figures of the 15 demo wards with their planted slips (xltools.demo),
copied under distinct unit codes; the other half are clean synthetic wards (both by bench_merge.make_wards).
Each method runs in a fresh process, so peak memory is its own (and its children's):

  (a) xltools archive import into a new SQLite archive (all cores, or --jobs);
  (m) xltools merge of the same wards (target: a <= 1,5 m);
  (b) what a user would write: pandas.read_excel(engine="openpyxl") per file, melted, DataFrame.to_sql;
  (c) the floor: a bare python-calamine read of each data sheet and sqlite3.executemany of prepared rows.

Then `new --db` latency: an archive of 3 years x 16 periods x 1.000 wards is built once (cached), and
`new --db` for one ward (annual, and «10 tháng» pieced together from «9 tháng» + «Tháng 10») is timed
in this process and as a fresh command, against `new` without the archive (target: under 1 s).
Bytes per figure are the archive file's size over the figures it holds (target: under 200).
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_merge import in_fresh_process, machine, make_wards, print_figures  # noqa: E402

PERIODS = [f"Tháng {m}" for m in range(1, 13)] + ["3 tháng", "6 tháng", "9 tháng", "Năm"]  # 16 periods
YEARS = (2021, 2022, 2023)
LATENCY_WARDS = 1000


def wards_folder(args, catalog) -> Path:
    folder = Path(args.cache) / f"mixed-{catalog.version}-{args.wards}"
    synthetic = make_wards(folder, args.wards - args.wards // 2, catalog)
    demo = make_wards(folder, args.wards // 2, catalog, kind="realistic", prefix="d")
    assert len(synthetic) + len(demo) == args.wards
    return folder


# ------------------------------------------------------------------------------------------------- methods


def run_import(folder: Path, jobs: int | None) -> dict:
    from xltools.archive import import_files, open_archive
    from xltools.catalog import default_catalog

    db = Path(tempfile.mkdtemp(prefix="xltools-bench-")) / "kho.sqlite"
    start = time.perf_counter()
    with open_archive(db) as archive:
        result = import_files(archive, [folder], default_catalog(), jobs=jobs or os.cpu_count(), progress=False)
    seconds = time.perf_counter() - start
    with sqlite3.connect(db) as conn:
        figures = conn.execute("SELECT count(*) FROM xltools_figures").fetchone()[0]
    return {"seconds": seconds, "recorded": len(result.recorded), "skipped": len(result.skipped),
            "figures": figures, "bytes": db.stat().st_size}


def run_merge(folder: Path, jobs: int | None) -> dict:
    from xltools.catalog import default_catalog
    from xltools.merge import merge

    output = Path(tempfile.mkdtemp(prefix="xltools-bench-")) / "tong-hop.xlsx"
    start = time.perf_counter()
    result = merge([folder], output, catalog=default_catalog(), jobs=jobs, progress=False)
    return {"seconds": time.perf_counter() - start, "included": result.included}


def run_pandas(paths: list[Path]) -> dict:
    import pandas as pd

    db = Path(tempfile.mkdtemp(prefix="xltools-bench-")) / "pandas.sqlite"
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        for path in paths:
            frame = pd.read_excel(path, sheet_name="Số liệu", header=3, engine="openpyxl")
            frame = frame[frame["Mã"].notna()]
            columns = {"Kế hoạch năm": "plan", "Thực hiện cùng kỳ năm trước": "last_year",
                       "Thực hiện kỳ báo cáo": "actual", "Kế hoạch năm sau": "next_plan"}
            long = frame[["Mã", *columns]].rename(columns=columns | {"Mã": "indicator"}).melt(
                id_vars="indicator", var_name="field", value_name="value")
            long["value"] = pd.to_numeric(long["value"], errors="coerce")
            long = long.dropna(subset=["value"]).assign(file=path.name)
            long.to_sql("figures", conn, if_exists="append", index=False)
    return {"seconds": time.perf_counter() - start, "files": len(paths)}


def run_floor(paths: list[Path]) -> dict:
    from python_calamine import CalamineWorkbook

    db = Path(tempfile.mkdtemp(prefix="xltools-bench-")) / "floor.sqlite"
    fields = ("plan", "last_year", "actual", "next_plan")
    start = time.perf_counter()
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE figures (file TEXT, indicator TEXT, field TEXT, value REAL)")
        rows = []
        for path in paths:
            sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Số liệu").to_python()
            for row in sheet[4:]:
                if row and row[0]:
                    for name, value in zip(fields, (row[4], row[5], row[6], row[9])):
                        if isinstance(value, (int, float)) and not isinstance(value, bool):
                            rows.append((path.name, row[0], name, value))
        conn.executemany("INSERT INTO figures VALUES (?, ?, ?, ?)", rows)
    return {"seconds": time.perf_counter() - start, "rows": len(rows)}


def child(args) -> None:
    folder = Path(args.folder)
    paths = sorted(folder.glob("[wd]*.xlsx"))
    if args.method == "import":
        print_figures(lambda: run_import(folder, args.jobs))
    elif args.method == "merge":
        print_figures(lambda: run_merge(folder, args.jobs))
    elif args.method == "pandas":
        sample = random.Random(1).sample(paths, args.naive_sample) if args.naive_sample else paths
        print_figures(lambda: run_pandas(sample))
    else:
        print_figures(lambda: run_floor(paths))


def measure(method: str, args, folder: Path) -> dict:
    return in_fresh_process(__file__, method, args, folder)


# ------------------------------------------------------------------------------------------ new --db latency


def latency_archive(cache: Path, catalog) -> Path:
    """Return an archive of 3 years x 16 periods x 1.000 wards (built once, then cached)."""
    from xltools.archive import Record, open_archive, record
    from xltools.demo import random_ward_figures

    db = cache / f"latency-{catalog.version}.sqlite"
    if db.exists():
        return db
    building = db.with_suffix(".building")
    for leftover in cache.glob(building.name + "*"):
        leftover.unlink()
    rng = random.Random(2021)
    patterns = [[(code, name, float(value)) for code, values in random_ward_figures(catalog, rng).items()
                 for name, value in values.items() if value is not None] for _ in range(16)]
    start = time.perf_counter()
    with open_archive(building) as archive:
        for year in YEARS:
            for period in PERIODS:
                batch = [Record(unit_code=f"W{k:06d}", unit_name=f"Phường số {k}", level="ward", period=period,
                                year=year, catalog_version=catalog.version, file=f"w{k:06d}-{year}.xlsx",
                                sha256=f"{year}-{period}-{k}", modified=None, status="Thực hiện",
                                figures=patterns[(k + year) % len(patterns)]) for k in range(LATENCY_WARDS)]
                record(archive, batch)
    building.rename(db)
    print(f"built the latency archive in {time.perf_counter() - start:.0f} s: {db}")
    return db


def latency(cache: Path) -> None:
    from xltools.archive import known_figures, open_archive
    from xltools.catalog import default_catalog
    from xltools.writer import new_workbook

    catalog = default_catalog()
    db = latency_archive(cache, catalog)
    with sqlite3.connect(db) as conn:
        figures = conn.execute("SELECT count(*) FROM xltools_figures").fetchone()[0]
        submissions = conn.execute("SELECT count(*) FROM xltools_submissions").fetchone()[0]
    print(f"archive: {submissions:,} submissions, {figures:,} figures, {db.stat().st_size / 2**20:,.0f} MiB, "
          f"{db.stat().st_size / figures:.1f} bytes per figure")
    out = Path(tempfile.mkdtemp(prefix="xltools-bench-"))
    options = dict(unit_code="W000500", unit_name="Phường số 500", year=2024)
    for period in ("Năm", "10 tháng"):
        timings = {}
        for label, use in (("new", False), ("new --db", True)):
            best = []
            for attempt in range(5):
                start = time.perf_counter()
                known = None
                if use:
                    with open_archive(db, create=False) as archive:
                        known = known_figures(archive, catalog, options["unit_code"], period, 2024)
                new_workbook(out / f"{attempt}.xlsx", catalog, force=True, period=period, known=known, **options)
                best.append(time.perf_counter() - start)
            timings[label] = min(best)
        print(f"  {period:9s} in-process: new {timings['new']:.3f} s, new --db {timings['new --db']:.3f} s "
              f"(archive part {timings['new --db'] - timings['new']:.3f} s)")
    for period in ("Năm", "10 tháng"):
        command = [sys.executable, "-m", "xltools.cli", "new", "-o", str(out / "cli.xlsx"), "--force",
                   "--unit-code", options["unit_code"], "--unit-name", options["unit_name"], "--year", "2024",
                   "--period", period]
        walls = {}
        for label, extra in (("new", []), ("new --db", ["--db", str(db)])):
            best = []
            for _ in range(3):
                start = time.perf_counter()
                subprocess.run(command + extra, check=True, capture_output=True)
                best.append(time.perf_counter() - start)
            walls[label] = min(best)
        print(f"  {period:9s} as a command: new {walls['new']:.2f} s, new --db {walls['new --db']:.2f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wards", type=int, default=1000, help="number of ward workbooks (default 1000)")
    parser.add_argument("--jobs", type=int, help="worker processes for import and merge (default: all cores)")
    parser.add_argument("--naive-sample", type=int, default=0,
                        help="time the pandas loop on only this many files and scale up (0: all files)")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "xltools-bench"),
                        help="where the generated wards and the latency archive are kept between runs")
    parser.add_argument("--latency-only", action="store_true", help="only time `new --db`")
    parser.add_argument("--no-latency", action="store_true", help="skip timing `new --db`")
    parser.add_argument("--child", choices=["import", "merge", "pandas", "floor"], dest="method",
                        help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.method:
        return child(args)
    print(f"machine: {machine()}")
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    if not args.latency_only:
        from xltools.catalog import default_catalog

        start = time.perf_counter()
        folder = wards_folder(args, default_catalog())
        print(f"{args.wards} ward workbooks (half demo copies with their slips, half clean) in {folder} "
              f"[{time.perf_counter() - start:.1f} s to generate or find]")
        a = measure("import", args, folder)
        m = measure("merge", args, folder)
        c = measure("floor", args, folder)
        b = measure("pandas", args, folder)
        scale = args.wards / b["files"]
        rows = [(f"(a) archive import, jobs={args.jobs or os.cpu_count()}", a["seconds"], a["cpu"], a["peak_mib"]),
                ("(m) merge of the same wards", m["seconds"], m["cpu"], m["peak_mib"]),
                ("(b) pandas read_excel + to_sql", b["seconds"] * scale, b["cpu"] * scale, b["peak_mib"]),
                ("(c) calamine + executemany", c["seconds"], c["cpu"], c["peak_mib"])]
        for label, seconds, cpu, peak in rows:
            print(f"{label:34s} {seconds:8.2f} s  (CPU {cpu:8.2f} s)  peak {peak:6.0f} MiB")
        note = f" (pandas timed on {b['files']} files, scaled)" if scale != 1 else ""
        print(f"    import: {a['recorded']} recorded, {a['skipped']} skipped, {a['figures']:,} figures, "
              f"{a['bytes'] / a['figures']:.1f} bytes per figure{note}")
        print(f"a/m = {a['seconds'] / m['seconds']:.2f} of merging the same wards (target <= 1.5)")
        print(f"b/a = {b['seconds'] * scale / a['seconds']:.1f}x faster than pandas read_excel + to_sql")
        print(f"a/c = {a['seconds'] / c['seconds']:.2f} of the floor")
    if not args.no_latency:
        latency(cache)
    print("load average after the run (other processes share the machine): "
          + " ".join(f"{load:.2f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()
