"""Benchmark 2: a warm request (the second in one process) against the first, and against boto3.

A fresh process imports the custom resource's module and sends it ``REQUESTS`` Create requests
in a row through its real module-level ``lambda_handler``, as one warm Lambda execution
environment serves them: the clients are built by the first request and reused. moto holds a
policy that is already compliant, so every request is one read (``DescribeResourcePolicies``)
and the HTTPS answer to the test harness's ResponseEndpoint; the run is checked (each answer
SUCCESS with nothing changed, the server saw exactly one read per request and no write).

The baseline is a minimal boto3 script in one process that does the same per request: the first
builds the logs client, each makes the same read and sends the same answer (a new TLS connection,
as the function's sender makes). How long its read alone takes is reported too. The handler's
process has the literal environment template.yaml gives the function (``POWERTOOLS_*``).

Each request is timed in its process with ``time.perf_counter`` (and ``time.process_time``, the
process's CPU time, which other work on the machine moves less); figures are medians over
interleaved processes. Target: the warm request takes at most 1.2 times the baseline's warm
request.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from benchmarks import (
    ANSWER_CODE,
    CONTEXT_CODE,
    EXIT,
    PYTHON,
    BenchError,
    Figure,
    Result,
    alternate,
    child_env,
    exit_status,
    run_checked,
    use_dummy_aws,
)
from benchmarks.package_size import CUSTOM_RESOURCE
from local_aws.function_env import handler_environment
from local_aws.policies import NAME, compliant_text

if TYPE_CHECKING:
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

TARGET: Final = 1.2
DEFAULT_RUNS: Final = 21
REQUESTS: Final = 5
READ: Final = "DescribeResourcePolicies"

HANDLER: Final = (
    f"""
import json, os, time
from {CUSTOM_RESOURCE} import lambda_handler
{CONTEXT_CODE}
request, cpu = [], []
for event in json.loads(os.environ["VLP_BENCH_EVENTS"]):
    context = Context()
    start, start_cpu = time.perf_counter(), time.process_time()
    lambda_handler(event, context)
    request.append(time.perf_counter() - start)
    cpu.append(time.process_time() - start_cpu)
with open(os.environ["VLP_BENCH_OUT"], "w") as out:
    json.dump({{"request": request, "cpu": cpu}}, out)
"""
    + EXIT
)

BASELINE: Final = (
    f"""
import json, os, time
import boto3
{ANSWER_CODE}
client = None
request, read, cpu = [], [], []
for event in json.loads(os.environ["VLP_BENCH_EVENTS"]):
    start, start_cpu = time.perf_counter(), time.process_time()
    if client is None:
        client = boto3.client("logs")
    client.describe_resource_policies(limit=50, policyScope="ACCOUNT")
    middle = time.perf_counter()
    answer(event)
    request.append(time.perf_counter() - start)
    read.append(middle - start)
    cpu.append(time.process_time() - start_cpu)
with open(os.environ["VLP_BENCH_OUT"], "w") as out:
    json.dump({{"request": request, "read": read, "cpu": cpu}}, out)
"""
    + EXIT
)

type Run = dict[str, list[float]]


class WarmRig:
    """Seeds a compliant policy before each process, runs it, checks what its requests did."""

    def __init__(self, server: LogsServer, endpoint: ResponseEndpoint, workdir: Path) -> None:
        self.server = server
        self.endpoint = endpoint
        self.workdir = workdir
        self.compliant = compliant_text()
        self.out = workdir / "timings.json"

    def events(self) -> list[dict[str, Any]]:
        """``REQUESTS`` Create requests, each with its own id and ResponseURL."""
        from local_aws.events import cfn_request

        return [
            cfn_request(
                "Create",
                {"PolicyName": NAME},
                response_url=self.endpoint.url_for(f"warm-{number}"),
                request_id=f"warm-{number}",
            )
            for number in range(1, REQUESTS + 1)
        ]

    def env(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The child's environment: moto's endpoint, the response endpoint's CA, the events."""
        return child_env(
            dict(extra)
            | {
                "AWS_ENDPOINT_URL": self.server.url,
                "SSL_CERT_FILE": self.endpoint.ca_path,
                "VLP_BENCH_EVENTS": json.dumps(self.events()),
                "VLP_BENCH_OUT": str(self.out),
            }
        )

    def runner(self, code: str, handler: bool) -> Callable[[], Run]:
        """One process: seed, run the requests, check them; their timings."""
        from local_aws.product import seed, stored_policies

        as_deployed = handler_environment(CUSTOM_RESOURCE) if handler else {}
        env = self.env({"PYTHONPYCACHEPREFIX": str(self.workdir / "pycache")} | as_deployed)
        argv = [str(PYTHON), "-c", code]

        def run() -> Run:
            self.server.reset()
            self.endpoint.clear()
            seed(self.server, self.compliant)
            self.out.unlink(missing_ok=True)
            run_checked(argv, env, self.workdir)
            bodies = [answer.body or {} for answer in self.endpoint.responses]
            if [b.get("Status") for b in bodies] != ["SUCCESS"] * REQUESTS:
                raise BenchError(f"expected {REQUESTS} SUCCESS answers: {bodies}")
            if handler and any(b.get("Data", {}).get("Changed") != "false" for b in bodies):
                raise BenchError(f"a request on a compliant policy changed it: {bodies}")
            if self.server.calls != [READ] * REQUESTS:
                raise BenchError(f"expected one read per request: {self.server.calls}")
            if list(stored_policies(self.server).values()) != [self.compliant]:
                raise BenchError("the compliant policy did not stay as it was")
            timings: Run = json.loads(self.out.read_text(encoding="utf-8"))
            return timings

        return run


def position(runs: list[Run], key: str, index: int) -> float:
    """Median over processes of one request's seconds (``index`` 0 is the first request)."""
    return statistics.median(run[key][index] for run in runs)


def later(runs: list[Run], key: str) -> float:
    """Median over processes of the requests after the second."""
    return statistics.median(s for run in runs for s in run[key][2:])


def ms(seconds: float) -> str:
    """Seconds as milliseconds, to two decimals (a warm request is a few milliseconds)."""
    return f"{seconds * 1000:.2f} ms"


def run(runs: int = DEFAULT_RUNS) -> Result:
    """Time both sides' requests and compare the second ones."""
    use_dummy_aws()
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

    workdir = Path(tempfile.mkdtemp(prefix="vlp-warm-"))
    try:
        with LogsServer() as server, ResponseEndpoint() as endpoint:
            rig = WarmRig(server, endpoint, workdir)
            handler, baseline = alternate(
                [
                    ("handler", rig.runner(HANDLER, handler=True)),
                    ("baseline", rig.runner(BASELINE, handler=False)),
                ],
                runs,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    first, warm = position(handler, "request", 0), position(handler, "request", 1)
    base_first, base_warm = position(baseline, "request", 0), position(baseline, "request", 1)
    read_first, read_warm = position(baseline, "read", 0), position(baseline, "read", 1)
    cpu, base_cpu = position(handler, "cpu", 1), position(baseline, "cpu", 1)
    ratio = warm / base_warm
    details = [
        f"handler: first request {ms(first)}, second {ms(warm)}, "
        f"requests 3-{REQUESTS} {ms(later(handler, 'request'))}",
        f"boto3 script, read + answer: first {ms(base_first)}, second {ms(base_warm)}, "
        f"requests 3-{REQUESTS} {ms(later(baseline, 'request'))}",
        f"boto3 script, read alone: first {ms(read_first)}, second {ms(read_warm)}, "
        f"requests 3-{REQUESTS} {ms(later(baseline, 'read'))}",
        f"second request against the first: {warm / first:.2f}; against the script's read "
        f"alone: {warm / read_warm:.2f}",
        f"CPU time in the process, second request: handler {ms(cpu)}, script {ms(base_cpu)} "
        f"(ratio {cpu / base_cpu:.2f}; the servers' work is in neither)",
        f"medians over {runs} processes each, {REQUESTS} requests per process",
    ]
    target = f"at most {TARGET}x the script's"
    return Result(
        2,
        "Warm request through the real handler against the first, and a minimal boto3 script",
        f"ratio {ratio:.2f} ({ms(warm)} vs {ms(base_warm)})",
        f"at most {TARGET}",
        ratio <= TARGET,
        details,
        [
            Figure(
                "first request in a process (handler / boto3 script)",
                f"{ms(first)} / {ms(base_first)}",
            ),
            Figure(
                "warm (second) request (handler / boto3 script: one read + answer)",
                f"{ms(warm)} / {ms(base_warm)}: ratio {ratio:.2f} (CPU {cpu / base_cpu:.2f})",
                target,
                ratio <= TARGET,
            ),
            Figure(
                "warm request vs the script's read alone (no answer)",
                f"{ms(warm)} / {ms(read_warm)}: ratio {warm / read_warm:.2f}",
            ),
        ],
    )


def main() -> int:
    """``python -m benchmarks.warm_request [--runs N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="processes of each side")
    result = run(parser.parse_args().runs)
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(exit_status(main))
