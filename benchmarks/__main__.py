"""``make bench``: run the five benchmarks, print each, then a summary table.

Exit status 0 when every target is met, 1 when one is missed or a benchmark could not measure.
``--only 2,5`` runs some of them; ``--runs N`` sets the interleaved runs of benchmarks 1, 2 and 4.
The CloudWatch Logs API calls per request are behaviour, asserted by the integration tests
(tests/integration/test_api_calls.py), not measured here.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import (
    BenchError,
    Result,
    apply_vs_manual,
    cold_start,
    engine,
    exit_status,
    warm_request,
)
from benchmarks import package_size as package

SHORT = {
    1: "cold start (import/first Create)",
    2: "warm request",
    3: "package size (zipped)",
    4: "apply vs manual fix",
    5: "engine per document",
}


def machine() -> str:
    """One line about where the figures come from."""
    cpu = platform.processor() or "unknown processor"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [
            line.split(":", 1)[1].strip()
            for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.startswith("model name")
        ]
        cpu = names[0] if names else cpu
    return (
        f"Python {platform.python_version()} on {platform.system()} {platform.release()} "
        f"{platform.machine()}, {os.cpu_count()} CPU(s): {cpu}"
    )


def table(results: dict[int, Result | str]) -> str:
    """The summary: one row per figure (a benchmark's headline when it has no others)."""
    rows = [("#", "benchmark", "figure", "target", "result")]
    for number, result in sorted(results.items()):
        if isinstance(result, str):
            rows.append((str(number), SHORT[number], result, "", "ERROR"))
        elif not result.figures:
            verdict = "met" if result.met else "MISSED"
            rows.append((str(number), SHORT[number], result.figure, result.target, verdict))
        for figure in result.figures if isinstance(result, Result) else []:
            if figure.target is None:
                target, verdict = "(reported)", ""
            else:
                target, verdict = figure.target, "met" if figure.met else "MISSED"
            rows.append((str(number), figure.label, figure.figure, target, verdict))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> int:
    """Run the chosen benchmarks in order and summarise them."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default="1,2,3,4,5", help="comma-separated benchmark numbers")
    parser.add_argument("--runs", type=int, help="interleaved runs per series (benchmarks 1, 2, 4)")
    args = parser.parse_args()
    chosen = sorted({int(n) for n in args.only.split(",")})
    started = time.perf_counter()
    print(machine(), flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="vlp-bench-"))
    functions: list[package.Function] | None = None
    results: dict[int, Result | str] = {}

    def built() -> list[package.Function]:
        """One sam build shared by benchmarks 1 and 3."""
        nonlocal functions
        if functions is None:
            functions = package.sam_build(workdir)
        return functions

    cold_runs = args.runs or cold_start.DEFAULT_RUNS
    warm_runs = args.runs or warm_request.DEFAULT_RUNS
    apply_runs = args.runs or apply_vs_manual.DEFAULT_RUNS
    benchmarks: dict[int, Callable[[], Result]] = {
        1: lambda: cold_start.run(cold_runs, built()),
        2: lambda: warm_request.run(warm_runs),
        3: lambda: package.run(built()),
        4: lambda: apply_vs_manual.run(apply_runs),
        5: engine.run,
    }
    try:
        for number in chosen:
            began = time.perf_counter()
            try:
                result = benchmarks[number]()
            except BenchError as exc:
                results[number] = f"could not measure: {exc}"
                print(f"== {number}. {SHORT[number]}: could not measure: {exc}", flush=True)
                continue
            # Numbered here, whatever a module calls itself.
            result = dataclasses.replace(result, number=number)
            results[number] = result
            print(result.report(), f"\n  ({time.perf_counter() - began:.0f} s)", flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    print(table(results))
    print(f"\nall benchmarks took {time.perf_counter() - started:.0f} s")
    ok = all(isinstance(r, Result) and r.met for r in results.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(exit_status(main))
