"""Benchmarks: cold start, warm request, package size, apply vs the manual fix, the engine.

Run them all with ``make bench`` (``python -m benchmarks``), or one with
``python -m benchmarks.<module>``. Each prints its figures against its targets. Everything runs
on this machine: every server binds 127.0.0.1, credentials are dummies, and no child process can
reach AWS (no profile, no instance metadata, endpoints on loopback). docs/benchmarks.md has the
figures and how to read them.

This package holds what they share: the result record, dummy AWS settings for this process and
for child processes, interleaved runs and their timing, and the code snippets that measured child
processes share (a Lambda context, a minimal custom resource answer).
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, NamedTuple

__all__ = [
    "ANSWER_CODE",
    "BIN",
    "CONTEXT_CODE",
    "EXIT",
    "PYTHON",
    "REGION",
    "ROOT",
    "BenchError",
    "Figure",
    "Result",
    "Sample",
    "Timing",
    "alternate",
    "child_env",
    "exit_status",
    "interleave",
    "ms",
    "paired_ratio",
    "run_checked",
    "sampled",
    "split",
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


# Every measured child process ends with this: interpreter teardown (30-80 ms, more for more loaded
# objects) is not part of a Lambda invocation, since Lambda keeps the process.
EXIT: Final = "\nimport os\nos._exit(0)\n"

# A Lambda context for child processes, without importing the test harness (whose import would be
# measured too): the attributes Powertools and crhelper read, 60 seconds from construction.
CONTEXT_CODE: Final = """
import time as _time

class Context:
    function_name = "vended-logs-policy"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:vended-logs-policy"
    memory_limit_in_mb = 256
    aws_request_id = "benchmark"
    log_group_name = "/aws/lambda/vended-logs-policy"
    log_stream_name = "benchmark"

    def __init__(self):
        self.deadline = _time.monotonic() + 60

    def get_remaining_time_in_millis(self):
        return int((self.deadline - _time.monotonic()) * 1000)
"""

# The least a custom resource must do to answer: PUT a SUCCESS body to the presigned ResponseURL
# over HTTPS (a new TLS connection and default context each time, as the function's sender does).
ANSWER_CODE: Final = """
import http.client as _http, json as _json, ssl as _ssl, urllib.parse as _parse

def answer(event):
    body = _json.dumps({
        "Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "baseline",
        "StackId": event["StackId"], "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"], "Data": {}, "NoEcho": False,
    })
    url = _parse.urlsplit(event["ResponseURL"])
    connection = _http.HTTPSConnection(url.netloc, context=_ssl.create_default_context())
    try:
        connection.request(
            "PUT", f"{url.path}?{url.query}", body=body,
            headers={"content-type": "", "content-length": str(len(body))},
        )
        connection.getresponse().read()
    finally:
        connection.close()
"""


class BenchError(Exception):
    """A benchmark could not measure (a run failed or did not do the work it should)."""


def exit_status(main: Callable[[], int]) -> int:
    """Run a benchmark command's ``main``: its status (0 met, 1 missed), 2 with one line on stderr
    when it could not measure, 130 on Ctrl-C (its ``finally`` blocks have stopped its servers and
    removed its temporary folders)."""
    try:
        return main()
    except BenchError as exc:
        print(f"could not measure: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing measured was reported", file=sys.stderr)
        return 130


@dataclass(frozen=True)
class Figure:
    """One row of the summary: what is measured, the figure, its target (None: reported only)."""

    label: str
    figure: str
    target: str | None = None
    met: bool = True


@dataclass(frozen=True)
class Result:
    """One benchmark's headline figure, its target, whether it is met, and the detail lines.

    ``figures`` are the summary rows when a benchmark has more than its headline (each with its
    own target, or reported only); without them the summary shows the headline.
    """

    number: int
    name: str
    figure: str
    target: str
    met: bool
    details: list[str] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)

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


def alternate[T](
    series: Sequence[tuple[str, Callable[[], T]]], runs: int, warmups: int = 1
) -> list[list[T]]:
    """Run each series ``runs`` times, alternating between them; what each run returned, in order.

    The order is reversed every other round, so no series always runs first; ``warmups``
    unrecorded rounds come before (they fill the bytecode cache).
    """
    for _ in range(warmups):
        for _, run in series:
            run()
    measured: dict[str, list[T]] = {name: [] for name, _ in series}
    for round_number in range(runs):
        order = series if round_number % 2 == 0 else list(reversed(series))
        for name, run in order:
            measured[name].append(run())
    return [measured[name] for name, _ in series]


def interleave(
    series: Sequence[tuple[str, Callable[[], float]]], runs: int, warmups: int = 1
) -> list[Timing]:
    """Run each series ``runs`` times, alternating between them, and return their timings.

    Each callable does one run and returns the seconds it measured (its own preparation, such as
    reseeding a server, stays outside).
    """
    found = alternate(series, runs, warmups)
    return [Timing(name, seconds) for (name, _), seconds in zip(series, found, strict=True)]


def timed(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> float:
    """Seconds one child process takes from start to exit; BenchError when it fails."""
    return sampled(argv, env, cwd).wall


class Sample(NamedTuple):
    """Seconds of one run: wall clock, and CPU (user + system) of the processes it ran."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def sampled(argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> Sample:
    """Wall and CPU seconds of one child process from start to exit; BenchError when it fails.

    The CPU time is the child's own (the servers in this process are not in it), so it moves less
    than the wall time when other work shares the machine; it corroborates wall-time ratios.
    """
    cpu = _children_cpu()
    start = time.perf_counter()
    run_checked(argv, env, cwd)
    return Sample(time.perf_counter() - start, _children_cpu() - cpu)


def split(name: str, samples: Sequence[Sample]) -> tuple[Timing, Timing]:
    """The wall-clock and the CPU timings of one series."""
    return Timing(name, [s.wall for s in samples]), Timing(name, [s.cpu for s in samples])


def paired_ratio(measured: Sequence[float], baseline: Sequence[float]) -> float:
    """The median over rounds of each run against the baseline's run in the same round.

    ``alternate`` runs every series once per round, so a round's runs lie seconds apart: the
    machine's drift between rounds (other work starting or stopping) moves both sides of each
    round's ratio alike and cancels, where it moves a ratio of two medians by whichever side
    its slow rounds fall on.
    """
    return statistics.median(m / b for m, b in zip(measured, baseline, strict=True))


def ms(seconds: float) -> str:
    """Seconds as milliseconds for a report."""
    return f"{seconds * 1000:.1f} ms"
