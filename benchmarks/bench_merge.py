"""Time `xltools merge` against what a user would otherwise write, and against the floor.

    python benchmarks/bench_merge.py                 # 1.000 wards
    python benchmarks/bench_merge.py --wards 10599   # every commune of Vietnam (2024)

Generates N ward workbooks of each kind once (cached under the temp directory, keyed by N, the
kind and the catalog version): `realistic` wards are copies of the 15 demo wards with their
planted slips (text in a number cell, a total that is not the sum of its parts, a typed %...)
under distinct unit codes; `clean` wards have random figures without a finding. Then, for each
kind, it times, each in a fresh process so that memory is measured per method:

  (a) xltools merge (all cores, or --jobs);
  (b) the naive loop: `pandas.read_excel(engine="openpyxl")` per file, summing the data sheet;
  (c) the floor: a bare python-calamine loop reading only each file's data sheet.

It prints seconds, b/a (how many times faster merge is than the naive loop), a/c (how close
merge comes to the floor) and each method's peak memory (its own process and its children).
Targets: b/a >= 10 on realistic wards, a/c <= 1,5; 10.599 wards in under 30 s on 2 cores and
under 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

PLACEHOLDER = b"XXXXXX"
TEMPLATE_CODE = "WXXXXXX"
TEMPLATE_NAME = "Phường số XXXXXX"
PATTERNS = 16  # distinct sets of figures; ward k gets pattern k % PATTERNS


def figure_sets(catalog, kind: str) -> list[dict]:
    """Return the sets of figures the wards of `kind` copy: the demo wards' (slips included), or random clean ones."""
    from xltools.demo import WARDS, city_figures, plant_slips, random_ward_figures, ward_figures

    if kind == "clean":
        rng = random.Random(2024)
        return [random_ward_figures(catalog, rng) for _ in range(PATTERNS)]
    wards = ward_figures(catalog, city_figures())
    plant_slips(wards, catalog)
    return [wards[code] for code, *_ in WARDS]


def make_wards(folder: Path, count: int, catalog, kind: str = "clean", year: int = 2022,
               prefix: str = "w") -> list[Path]:
    """Write `count` ward workbooks of `kind` into `folder` (reused when already there); return their paths.

    A workbook per set of figures is written with openpyxl; each ward is a copy of one with its
    unit code and name replaced in the sheet XML, so thousands take seconds. The files are named
    `prefix` and a number, so wards of two kinds can share a folder.
    """
    from xltools.writer import build_workbook, save_workbook, write_figures

    paths = [folder / f"{prefix}{k:06d}.xlsx" for k in range(count)]
    if all(p.exists() for p in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    templates = []
    for n, figures in enumerate(figure_sets(catalog, kind)):
        book = build_workbook(catalog, unit_code=TEMPLATE_CODE, unit_name=TEMPLATE_NAME, year=year, period="Năm")
        write_figures(book, figures)
        path = folder / f".template-{prefix}{n}.xlsx"
        save_workbook(book, path, force=True)
        with zipfile.ZipFile(path) as archive:
            templates.append([(info, archive.read(info.filename)) for info in archive.infolist()])
        path.unlink()
    for k, path in enumerate(paths):
        number = f"{k:06d}".encode()
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            for info, data in templates[k % len(templates)]:
                if info.filename.startswith("xl/worksheets/") or info.filename == "xl/sharedStrings.xml":
                    data = data.replace(PLACEHOLDER, number)  # the unit code and name, however they were written
                archive.writestr(info.filename, data)
    return paths


def cpu_seconds() -> float:
    """Return the CPU time (user + system) of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_mib() -> float:
    """Return the peak resident memory of this process and of its largest child, in MiB (Linux: KiB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + children) / 1024


# ------------------------------------------------------------------------------------- the three methods


def run_merge(folder: Path, jobs: int | None, catalog_path: str | None) -> dict:
    from xltools.catalog import load_catalog
    from xltools.merge import merge

    catalog = load_catalog(catalog_path)
    output = Path(tempfile.mkdtemp(prefix="xltools-bench-")) / "tong-hop.xlsx"
    start = time.perf_counter()
    result = merge([folder], output, catalog=catalog, jobs=jobs, progress=False)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "included": result.included, "findings": len(result.findings),
            "output_mib": output.stat().st_size / 2**20}


def run_naive(paths: list[Path]) -> dict:
    import pandas as pd

    start = time.perf_counter()
    total = None
    for path in paths:
        frame = pd.read_excel(path, sheet_name="Số liệu", header=3, engine="openpyxl")
        frame = frame[frame["Mã"].notna()].set_index("Mã")
        numbers = frame[["Kế hoạch năm", "Thực hiện cùng kỳ năm trước", "Thực hiện kỳ báo cáo", "Kế hoạch năm sau"]]
        numbers = numbers.apply(pd.to_numeric, errors="coerce")
        total = numbers if total is None else total.add(numbers, fill_value=0)
    return {"seconds": time.perf_counter() - start, "files": len(paths)}


def run_floor(paths: list[Path]) -> dict:
    from python_calamine import CalamineWorkbook

    start = time.perf_counter()
    cells = 0
    for path in paths:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Số liệu").to_python()
        cells += sum(len(row) for row in rows)
    return {"seconds": time.perf_counter() - start, "cells": cells}


def child(args) -> None:
    """Run one method in this (fresh) process and print its figures as JSON."""
    folder = Path(args.folder)
    paths = sorted(folder.glob("w*.xlsx"))
    if args.method == "merge":
        print_figures(lambda: run_merge(folder, args.jobs, args.catalog))
    elif args.method == "naive":
        print_figures(lambda: run_naive(paths[: args.naive_sample or None]))
    else:
        print_figures(lambda: run_floor(paths))


def print_figures(run: Callable[[], dict]) -> None:
    """Print what `run` returns as JSON, with the CPU it took and the peak memory: the last line a child prints."""
    cpu = cpu_seconds()
    out = run()
    out["cpu"] = cpu_seconds() - cpu
    out["peak_mib"] = peak_mib()
    print(json.dumps(out))


def in_fresh_process(script: str, method: str, args, folder: Path, *options: str) -> dict:
    """Return the figures of `method`, run by `script --child` in a fresh process (its peak memory its own)."""
    command = [sys.executable, script, "--child", method, "--folder", str(folder),
               "--naive-sample", str(args.naive_sample), *options]
    if args.jobs:
        command += ["--jobs", str(args.jobs)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(method: str, args, folder: Path) -> dict:
    return in_fresh_process(__file__, method, args, folder, *(["--catalog", args.catalog] if args.catalog else []))


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        text = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"model name\s*:\s*(.+)", text).group(1).strip()
    except (OSError, AttributeError):
        pass
    memory = ""
    try:
        kib = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, AttributeError):
        pass
    return f"{os.cpu_count()} CPU ({cpu}){memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wards", type=int, default=1000, help="number of ward workbooks (default 1000)")
    parser.add_argument("--jobs", type=int, help="worker processes for merge (default: all cores)")
    parser.add_argument("--catalog", help="catalog workbook (default: the bundled catalog)")
    parser.add_argument("--kind", choices=["both", "realistic", "clean"], default="both",
                        help="which wards: copies of the demo wards with their slips, clean random ones, or both")
    parser.add_argument("--naive-sample", type=int, default=0,
                        help="time the naive loop on only this many files and scale up (0: all files)")
    parser.add_argument("--cache", default=os.path.join(tempfile.gettempdir(), "xltools-bench"),
                        help="where the generated wards are kept between runs")
    parser.add_argument("--child", choices=["merge", "naive", "floor"], dest="method", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.method:
        return child(args)

    from xltools.catalog import load_catalog

    catalog = load_catalog(args.catalog)
    print(f"machine: {machine()}")
    kinds = ["realistic", "clean"] if args.kind == "both" else [args.kind]
    table = []
    for kind in kinds:
        folder = Path(args.cache) / f"{catalog.version}-{kind}-{args.wards}"
        start = time.perf_counter()
        paths = make_wards(folder, args.wards, catalog, kind)
        print(f"\n{kind}: {len(paths)} ward workbooks ({len(catalog)} indicators) in {folder} "
              f"[{time.perf_counter() - start:.1f} s to generate or find]")
        a = measure("merge", args, folder)
        c = measure("floor", args, folder)
        b = measure("naive", args, folder)
        sampled = args.naive_sample and args.naive_sample < len(paths)
        scale = len(paths) / b["files"] if sampled else 1
        note = f"; naive loop timed on {b['files']} files, scaled to {len(paths)}" if sampled else ""
        rows = [("(a) xltools merge, jobs=" + str(args.jobs or os.cpu_count()), a["seconds"], a["cpu"], a["peak_mib"]),
                ("(b) pandas.read_excel loop", b["seconds"] * scale, b["cpu"] * scale, b["peak_mib"]),
                ("(c) bare calamine loop", c["seconds"], c["cpu"], c["peak_mib"])]
        for label, seconds, cpu, peak in rows:
            print(f"{label:30s} {seconds:8.2f} s  (CPU {cpu:8.2f} s)  peak {peak:6.0f} MiB")
        print(f"    merge: {a['included']} included, {a['findings']} findings, output {a['output_mib']:.1f} MiB{note}")
        b_a, a_c = b["seconds"] * scale / a["seconds"], a["seconds"] / c["seconds"]
        per_file = (a["cpu"] / len(paths) * 1000, c["cpu"] / len(paths) * 1000)
        print(f"b/a = {b_a:.1f}x faster than the naive loop (target >= 10)")
        print(f"a/c = {a_c:.2f} of the floor (target <= 1.5); CPU per file: a {per_file[0]:.1f} ms, c {per_file[1]:.1f} ms")
        table.append((kind, a["seconds"], b["seconds"] * scale, c["seconds"], b_a, a_c, *per_file, a["peak_mib"],
                      a["findings"]))
    print("\n| wards | kind | (a) merge | (b) pandas loop | (c) calamine floor | b/a | a/c | CPU/file a, c | peak (a) |"
          " findings |")
    for kind, a_s, b_s, c_s, b_a, a_c, cpu_a, cpu_c, peak, findings in table:
        print(f"| {args.wards} | {kind} | {a_s:.1f} s | {b_s:.1f} s | {c_s:.1f} s | {b_a:.1f}x | {a_c:.2f} | "
              f"{cpu_a:.1f}, {cpu_c:.1f} ms | {peak:.0f} MiB | {findings} |")
    print("load average after the run (other processes share the machine): "
          + " ".join(f"{load:.2f}" for load in os.getloadavg()))


if __name__ == "__main__":
    main()
