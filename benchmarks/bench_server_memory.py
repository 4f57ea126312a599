"""Does `xltools serve` keep anything of a request after answering it? Its memory over 1.000 presses.

    python benchmarks/bench_server_memory.py                  # 1.000 presses, 4 at a time, after 200 to warm up
    python benchmarks/bench_server_memory.py --presses 3000 --parallel 8

Starts `xltools serve` in its own process, then presses the buttons as the Excel add-in does
(tests/vba_client.py: the payload Remote.bas builds from a demo ward workbook, the token raw in
`Authorization`): Kiểm tra, Tính toán and Tạo báo cáo in turn, each report fetched back with
`GET /reports/<id>` as the add-in does. The server's resident memory (VmRSS, Linux) is read
after a warm-up (the baseline: imports, caches, the first allocations) and every 100 presses.

It prints the growth against the baseline and compares it with the size of what was posted:
a server that kept each request's book would grow by about the payload size per press (the
server before issue 15 grew by 13 times it: xlwings' cache of range values kept several
copies of every sheet). The first few hundred presses also grow the allocator's pools, once
per worker thread, so the leak is read in the second half of the run, as the slope of a
straight line fitted to its samples (RSS wanders by ±10 MiB between samples; with
MALLOC_ARENA_MAX=2 it stays lower and steadier): slope / posted per press near 0 means flat,
1 means every book kept.
Target: under 0,1 over the second half of 1.000 presses.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the model of the add-in's VBA client

from vba_client import AddIn, over_http, payload_from_workbook  # noqa: E402

TOKEN = "ma-do-bo-nho"
BUTTONS = ("check", "compute", "report")


def rss_kib(pid: int) -> int:
    """Return the resident memory of process `pid` in KiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(folder: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environment = dict(os.environ, XLWINGS_LICENSE_KEY="noncommercial")
    process = subprocess.Popen([sys.executable, "-m", "xltools.cli", "serve", "--port", str(port), "--token", TOKEN,
                                "--output-dir", str(folder / "reports"), "--wards-root", str(folder)],
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as answer:
                json.load(answer)
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit(f"xltools serve did not start: {process.communicate()[1]}")
            time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=1000)
    parser.add_argument("--warmup", type=int, default=200, help="presses before the baseline is read")
    parser.add_argument("--parallel", type=int, default=4, help="presses under way at once")
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        raise SystemExit("this benchmark reads the server's memory from /proc (Linux)")

    folder = Path(tempfile.mkdtemp(prefix="xltools-bench-server-"))
    try:
        (folder / "reports").mkdir()
        (folder / "Documents").mkdir()
        ward = folder / "tran-phu-2022.xlsx"
        shutil.copy(ROOT / "workbooks" / "demo" / "tran-phu-2022.xlsx", ward)
        process, url = start_server(folder)
        addin = AddIn(over_http(timeout=300), token=TOKEN, server_url=url, documents=folder / "Documents")
        size = len(payload_from_workbook(ward))
        lock, failures, counts = threading.Lock(), [], {}

        def press(n: int) -> None:
            button = BUTTONS[n % len(BUTTONS)]
            result = addin.press(button, ward)
            with lock:
                counts[button] = counts.get(button, 0) + 1
                if result.status != 200 or result.shown.startswith("Lỗi"):
                    failures.append(f"{button}: {result.status} {result.shown[:200]}")
            for saved in result.saved:  # presses at once may save under one name: the last one removes it
                saved.unlink(missing_ok=True)

        def run(count: int, offset: int) -> None:
            with ThreadPoolExecutor(args.parallel) as pool:
                list(pool.map(press, range(offset, offset + count)))

        try:
            run(args.warmup, 0)
            baseline = rss_kib(process.pid)
            print(f"xltools serve, {args.presses} presses ({'/'.join(BUTTONS)} in turn), {args.parallel} at a time, "
                  f"after {args.warmup} presses of warm-up")
            print(f"{'presses':>8} {'RSS MiB':>9} {'growth MiB':>11}")
            print(f"{0:>8} {baseline / 1024:>9.1f} {0:>11.1f}")
            started, done, samples = time.perf_counter(), 0, {0: baseline}
            while done < args.presses:
                step = min(100, args.presses - done)
                run(step, args.warmup + done)
                done += step
                samples[done] = rss = rss_kib(process.pid)
                print(f"{done:>8} {rss / 1024:>9.1f} {(rss - baseline) / 1024:>11.1f}", flush=True)
            seconds = time.perf_counter() - started
        finally:
            process.terminate()
            process.communicate(timeout=30)
        late = [n for n in samples if n >= args.presses / 2]
        slope = statistics.linear_regression(late, [samples[n] * 1024 for n in late]).slope  # bytes a press
        growth = (rss - baseline) * 1024
        print(f"presses: {counts}; {seconds:.1f} s ({seconds / args.presses * 1000:.0f} ms a press)")
        print(f"posted: {size * args.presses / 1048576:.1f} MiB ({size / 1024:.0f} KiB a press)")
        print(f"growth over all {args.presses} presses: {growth / 1048576:.1f} MiB "
              f"(growth/posted = {growth / (size * args.presses):.3f})")
        print(f"growth from press {late[0]} on, fitted: {slope / 1024:.1f} KiB a press "
              f"(slope/posted = {slope / size:.3f}; target < 0,1)")
        if failures:
            print(f"{len(failures)} presses failed, e.g. {failures[0]}")
            return 1
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
