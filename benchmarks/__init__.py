"""Benchmarks of issue 5: API calls, cold start, package size, apply vs manual fix, engine.

Run them all with ``make bench`` (``python -m benchmarks``), or one with
``python -m benchmarks.<module>``. Each prints its figure against its target. Everything runs on
this machine: every server binds 127.0.0.1, credentials are dummies, and no child process can
reach AWS (no profile, no instance metadata, endpoints on loopback). docs/benchmarks.md has the
figures and how to read them.

This package holds what the five share: the result record, dummy AWS settings for this process
and for child processes, and interleaved wall-clock timing of child processes.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

__all__ = [
    "BIN",
    "PYTHON",
    "REGION",
    "ROOT",
    "BenchError",
    "Result",
    "Timing",
    "child_env",
    "interleave",
    "ms",
    "run_checked",
    "timed",
    "use_dummy_aws",
]

ROOT: Final = Path(__file__).resolve().parents[1]
PYTHON: Final = Path(sys.executable)
BIN: Final = PYTHON.parent
REGION: Final = "us-west-2"

DUMMY_AWS: Final = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


class BenchError(Exception):
    """A benchmark could not measure (a run failed or did not do the work it should)."""


@dataclass(frozen=True)
class Result:
    """One benchmark's headline figure, its target, whether it is met, and the detail lines."""

    number: int
    name: str
    figure: str
    target: str
    met: bool
    details: list[str] = field(default_factory=list)

    def report(self) -> str:
        """The lines a benchmark prints: a heading, its details, and figure against target."""
        verdict = "met" if self.met else "MISSED"
        lines = [f"== {self.number}. {self.name}", *(f"  {d}" for d in self.details)]
        lines.append(f"  figure: {self.figure}; target: {self.target}: {verdict}")
        return "\n".join(lines)


def use_dummy_aws() -> None:
    """Dummy credentials and region for this process; no profile or endpoint leaks in."""
    for name in list(os.environ):
        if name.startswith(("AWS_ENDPOINT_URL", "AWS_WEB_IDENTITY", "AWS_CONTAINER_")) or name in (
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_ROLE_ARN",
        ):
            del os.environ[name]
    os.environ.update(DUMMY_AWS)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a measured child process: nothing AWS or Python-specific inherited.

    Every ``AWS_*`` and ``PYTHON*`` variable of the caller is dropped (a developer's profile,
    endpoint or ``PYTHONPATH`` would change what is measured); dummy credentials, the region and
    ``extra`` are set.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTHON"))}
    env |= DUMMY_AWS
    env["PYTHONUNBUFFERED"] = "1"
    if extra:
        env |= extra
    return env


def run_checked(
    argv: Sequence[str], env: Mapping[str, str], cwd: Path, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run a child process; BenchError with its output when it fails."""
    done = subprocess.run(
        list(argv),
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise BenchError(f"{argv[0]} exited {done.returncode}: {' | '.join(tail)}")
    return done


@dataclass(frozen=True)
class Timing:
    """Wall-clock seconds of one series of runs."""

    name: str
    seconds: list[float]

    @property
    def median(self) -> float:
        """The median run."""
        return statistics.median(self.seconds)

    def spread(self) -> str:
        """Median and interquartile range in milliseconds."""
        if len(self.seconds) < 4:
            return f"median {ms(self.median)}"
        q1, _, q3 = statistics.quantiles(self.seconds, n=4)
        return f"median {ms(self.median)} (IQR {ms(q1)}-{ms(q3)}, n={len(self.seconds)})"


def interleave(
    series: Sequence[tuple[str, Callable[[], float]]], runs: int, warmups: int = 1
) -> list[Timing]:
    """Run each series ``runs`` times, alternating between them, and return their timings.

    Each callable does one run and returns the seconds it measured (its own preparation, such as
    reseeding a server, stays outside). The order is reversed every other round, so neither series
    always runs first; ``warmups`` untimed rounds come before (they fill the bytecode cache).
    """
    for _ in range(warmups):
        for _, run in series:
            run()
    measured: dict[str, list[float]] = {name: [] for name, _ in series}
    for round_number in range(runs):
        order = series if round_number % 2 == 0 else list(reversed(series))
        for name, run in order:
            measured[name].append(run())
    return [Timing(name, measured[name]) for name, _ in series]


def timed(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> float:
    """Seconds one child process takes from start to exit; BenchError when it fails."""
    start = time.perf_counter()
    run_checked(argv, env, cwd)
    return time.perf_counter() - start


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a report."""
    return f"{seconds * 1000:.1f} ms"
