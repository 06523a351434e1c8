"""Benchmark 2: cold start of the function against ``import boto3`` alone.

Two figures, each a ratio of medians over interleaved runs of fresh processes:

- import: ``import vended_logs_policy.handler`` against ``import boto3`` (the Lambda runtime has
  boto3 anyway, so that part is not ours);
- first Create: import plus one Create request through the real ``lambda_handler`` (read, write,
  verifying read against moto in this process, then crhelper's HTTPS answer to the tests'
  ResponseEndpoint), against a plain boto3 script that makes the same three calls and sends the
  same HTTPS answer: the least any implementation has to do.

Each runs in two layouts:

- installed: the package as installed in .venv, every module (boto3's too) from warm bytecode in
  a private ``PYTHONPYCACHEPREFIX``;
- packaged: the ``sam build`` output on ``PYTHONPATH`` with bytecode writing off, as Lambda runs
  it (``sam build`` ships no ``.pyc`` and ``/var/task`` is read-only, so Powertools, crhelper,
  jmespath, typing_extensions and our modules are compiled on every cold start); boto3 comes from
  .venv with pip's bytecode, standing in for the runtime's.

Every child ends with ``os._exit(0)``: interpreter teardown is not part of a cold start (Lambda
keeps the process), and it grows with what was loaded (here about 30 ms after ``import boto3``,
80 ms after the current handler). ``-X importtime`` then shows where the handler's extra time
goes. Target: at most 1.25 for every ratio.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from benchmarks import (
    PYTHON,
    REGION,
    BenchError,
    Result,
    Timing,
    child_env,
    interleave,
    run_checked,
    timed,
    use_dummy_aws,
)
from local_aws.policies import NAME, compliant_text, report_text

if TYPE_CHECKING:
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

TARGET: Final = 1.25
DEFAULT_RUNS: Final = 21

IMPORT_BOTO3: Final = "import boto3"
IMPORT_HANDLER: Final = "import vended_logs_policy.handler"
# Every measured child ends here: interpreter teardown (30-80 ms, more for more loaded objects) is
# not part of a cold start, since Lambda keeps the process after init.
EXIT: Final = "\nimport os\nos._exit(0)\n"

CREATE_HANDLER: Final = (
    """
import json, os, time
from vended_logs_policy.function.custom_resource import lambda_handler

class Context:
    function_name = "vended-logs-policy"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-west-2:123456789012:function:vended-logs-policy"
    memory_limit_in_mb = 256
    aws_request_id = "cold-start-benchmark"
    log_group_name = "/aws/lambda/vended-logs-policy"
    log_stream_name = "cold-start-benchmark"

    def __init__(self):
        self.deadline = time.monotonic() + 60

    def get_remaining_time_in_millis(self):
        return int((self.deadline - time.monotonic()) * 1000)

lambda_handler(json.loads(os.environ["VLP_BENCH_EVENT"]), Context())
"""
    + EXIT
)

CREATE_BOTO3: Final = (
    """
import http.client, json, os, ssl, urllib.parse
import boto3

event = json.loads(os.environ["VLP_BENCH_EVENT"])
client = boto3.client("logs")
client.describe_resource_policies(limit=50)
client.put_resource_policy(
    policyName=event["ResourceProperties"]["PolicyName"],
    policyDocument=os.environ["VLP_BENCH_DOCUMENT"],
)
client.describe_resource_policies(limit=50)
body = json.dumps({
    "Status": "SUCCESS", "Reason": "", "PhysicalResourceId": "baseline",
    "StackId": event["StackId"], "RequestId": event["RequestId"],
    "LogicalResourceId": event["LogicalResourceId"], "Data": {}, "NoEcho": False,
})
url = urllib.parse.urlsplit(event["ResponseURL"])
connection = http.client.HTTPSConnection(url.netloc, context=ssl.create_default_context())
connection.request(
    "PUT", f"{url.path}?{url.query}", body=body,
    headers={"content-type": "", "content-length": str(len(body))},
)
connection.getresponse().read()
"""
    + EXIT
)


@dataclass(frozen=True)
class Layout:
    """How the child processes find their code: name, and extra environment for each side."""

    name: str
    baseline_env: dict[str, str]
    handler_env: dict[str, str]


def installed_layout(cache: Path, pythonpath: str | None) -> Layout:
    """The .venv as installed; every module from warm bytecode in a private cache."""
    env = {"PYTHONPYCACHEPREFIX": str(cache)}
    handler = env | ({"PYTHONPATH": pythonpath} if pythonpath else {})
    return Layout("installed", env, handler)


def packaged_layout(function_dir: Path) -> Layout:
    """The ``sam build`` output, no bytecode written (as on Lambda); boto3 from .venv."""
    env = {"PYTHONDONTWRITEBYTECODE": "1"}
    return Layout("packaged", env, env | {"PYTHONPATH": str(function_dir)})


def check_layout(layout: Layout, workdir: Path) -> str:
    """Where the handler comes from in this layout (BenchError if not as intended).

    In the packaged layout, the handler and every dependency it loads that the build ships
    (crhelper, Powertools) must come from the build.
    """
    code = (
        "import sys, vended_logs_policy.handler; "
        "print(*(sys.modules[m].__file__ for m in "
        "('vended_logs_policy.handler', 'crhelper', 'aws_lambda_powertools') "
        "if m in sys.modules))"
    )
    env = child_env(layout.handler_env)
    found = run_checked([str(PYTHON), "-c", code], env, workdir).stdout.split()
    wanted = layout.handler_env.get("PYTHONPATH")
    if layout.name == "packaged" and wanted and not all(f.startswith(wanted) for f in found):
        raise BenchError(f"packaged layout imports from outside {wanted}: {found}")
    return found[0]


class CreateRig:
    """Reseeds moto with the report's policy before each run and checks what the run did."""

    def __init__(self, server: LogsServer, endpoint: ResponseEndpoint, workdir: Path) -> None:
        self.server = server
        self.endpoint = endpoint
        self.workdir = workdir
        self.fixed = compliant_text()

    def event(self) -> dict[str, object]:
        """A Create request answered to the ResponseEndpoint."""
        from local_aws.events import cfn_request

        return cfn_request(
            "Create",
            {"PolicyName": NAME},
            response_url=self.endpoint.url_for("cold-start"),
            request_id="cold-start",
        )

    def env(self, extra: Mapping[str, str]) -> dict[str, str]:
        """The child's environment: moto's endpoint, the CA of the response endpoint, the event."""
        return child_env(
            dict(extra)
            | {
                "AWS_ENDPOINT_URL": self.server.url,
                "SSL_CERT_FILE": self.endpoint.ca_path,
                "VLP_BENCH_EVENT": json.dumps(self.event()),
                "VLP_BENCH_DOCUMENT": self.fixed,
            }
        )

    def runner(self, code: str, extra: Mapping[str, str], handler: bool) -> Callable[[], float]:
        """One timed run: reseed, run the child, check the answer and the stored policy."""
        from local_aws.logs_server import logs_client

        env = self.env(extra)
        argv = [str(PYTHON), "-c", code]

        def run() -> float:
            self.server.reset()
            self.endpoint.clear()
            client = logs_client(self.server, REGION, out_of_band=True)
            client.put_resource_policy(policyName=NAME, policyDocument=report_text())
            seconds = timed(argv, env, self.workdir)
            answers = self.endpoint.responses
            body = answers[-1].body if answers else None
            if len(answers) != 1 or body is None or body.get("Status") != "SUCCESS":
                raise BenchError(f"first Create did not answer SUCCESS once: {answers}")
            if handler and body.get("Data", {}).get("Changed") != "true":
                raise BenchError(f"first Create changed nothing: {body}")
            stored = client.describe_resource_policies()["resourcePolicies"]
            if [p["policyDocument"] for p in stored] != [self.fixed]:
                raise BenchError("first Create did not leave the fixed policy")
            return seconds

        return run


def importtime(env: Mapping[str, str], code: str, workdir: Path) -> dict[str, int]:
    """Self time in microseconds of every module ``code`` imports (``-X importtime``)."""
    done = run_checked([str(PYTHON), "-X", "importtime", "-c", code], env, workdir)
    found: dict[str, int] = {}
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+\d+ \|\s+(\S.*)$", line)
        if match:
            found[match.group(2).strip()] = int(match.group(1))
    return found


def attribution(layout: Layout, workdir: Path, top: int = 7) -> list[str]:
    """Where the handler's import spends time beyond ``import boto3``, by top-level package."""
    # A first run of each fills the bytecode cache of the installed layout.
    base = importtime(child_env(layout.baseline_env), IMPORT_BOTO3, workdir)
    handler_env = child_env(layout.handler_env)
    importtime(handler_env, IMPORT_HANDLER, workdir)
    base = importtime(child_env(layout.baseline_env), IMPORT_BOTO3, workdir)
    mine = importtime(handler_env, IMPORT_HANDLER, workdir)
    body = mine.pop("vended_logs_policy.handler", 0)
    extra: dict[str, int] = defaultdict(int)
    for module, micros in mine.items():
        # Modules boto3 also imports count only by what they cost beyond boto3's run.
        extra[module.split(".")[0]] += max(0, micros - base.get(module, 0))
    ranked = sorted(extra.items(), key=lambda item: -item[1])[:top]
    parts = [f"handler module body {body / 1000:.0f}"]
    parts += [f"{name} {micros / 1000:.0f}" for name, micros in ranked]
    return [
        f"{layout.name}: -X importtime self ms beyond import boto3 (inflated by the tool): "
        + ", ".join(parts)
    ]


def ratio_line(label: str, baseline: Timing, handler: Timing) -> tuple[float, str]:
    """The ratio of medians and a report line."""
    ratio = handler.median / baseline.median
    verdict = "met" if ratio <= TARGET else "MISSED"
    return ratio, (
        f"{label}: {ratio:.2f} ({verdict}); handler {handler.spread()}; "
        f"baseline {baseline.spread()}"
    )


def measure_layout(
    layout: Layout, rig: CreateRig, runs: int, workdir: Path
) -> tuple[list[float], list[str]]:
    """The two ratios of one layout and their report lines."""
    origin = check_layout(layout, workdir)
    base_env, handler_env = child_env(layout.baseline_env), child_env(layout.handler_env)
    imports = interleave(
        [
            ("boto3", lambda: timed([str(PYTHON), "-c", IMPORT_BOTO3 + EXIT], base_env, workdir)),
            (
                "handler",
                lambda: timed([str(PYTHON), "-c", IMPORT_HANDLER + EXIT], handler_env, workdir),
            ),
        ],
        runs,
    )
    creates = interleave(
        [
            ("boto3", rig.runner(CREATE_BOTO3, layout.baseline_env, handler=False)),
            ("handler", rig.runner(CREATE_HANDLER, layout.handler_env, handler=True)),
        ],
        runs,
    )
    first, first_line = ratio_line(f"{layout.name} import", *imports)
    second, second_line = ratio_line(f"{layout.name} import + first Create", *creates)
    lines = [f"{layout.name}: handler from {origin}", first_line, second_line]
    return [first, second], lines + attribution(layout, workdir)


def run(
    runs: int = DEFAULT_RUNS,
    function_dir: Path | None = None,
    pythonpath: str | None = None,
    layouts: tuple[str, ...] = ("installed", "packaged"),
) -> Result:
    """Measure the chosen layouts; ``function_dir`` is a ``sam build`` function folder."""
    use_dummy_aws()
    from local_aws.logs_server import LogsServer
    from local_aws.response_endpoint import ResponseEndpoint

    workdir = Path(tempfile.mkdtemp(prefix="vlp-cold-start-"))
    ratios: list[float] = []
    names: list[str] = []
    details: list[str] = []
    try:
        with LogsServer() as server, ResponseEndpoint() as endpoint:
            rig = CreateRig(server, endpoint, workdir)
            chosen: list[Layout] = []
            if "installed" in layouts:
                chosen.append(installed_layout(workdir / "pycache", pythonpath))
            if "packaged" in layouts:
                if function_dir is None:
                    from benchmarks.package_size import sam_build

                    function_dir = sam_build(workdir / "sam")
                chosen.append(packaged_layout(function_dir))
            for layout in chosen:
                found, lines = measure_layout(layout, rig, runs, workdir)
                ratios += found
                names.append(f"{layout.name} {found[0]:.2f}/{found[1]:.2f}")
                details += lines
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return Result(
        2,
        "Cold start against import boto3 (ratio of medians, interleaved fresh processes)",
        f"worst {max(ratios):.2f} (" + ", ".join(names) + ")",
        f"every ratio at most {TARGET}",
        max(ratios) <= TARGET,
        details,
    )


def main() -> int:
    """``python -m benchmarks.cold_start [--runs N] [--function-dir DIR] [--pythonpath DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs of each series")
    parser.add_argument(
        "--function-dir", type=Path, help="a sam build function folder (default: build one)"
    )
    parser.add_argument(
        "--pythonpath", help="put this first on the handler's path (to measure a prototype)"
    )
    parser.add_argument(
        "--layout", choices=("installed", "packaged"), action="append", help="default: both"
    )
    args = parser.parse_args()
    result = run(
        args.runs,
        args.function_dir,
        args.pythonpath,
        tuple(args.layout or ("installed", "packaged")),
    )
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
