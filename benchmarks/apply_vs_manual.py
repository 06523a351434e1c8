"""Benchmark 4: ``vended-logs-policy apply`` against the field report's manual fix.

The manual fix is two awscli (v1, from .venv) processes: ``aws logs describe-resource-policies``,
then ``aws logs put-resource-policy --policy-name ... --policy-document file://...`` with the
report's wildcard document. ``apply`` is one process that asks STS who it is, reads, merges,
writes and reads back. Both talk to the same moto server on 127.0.0.1 (``--endpoint-url``), which
is reset and seeded with the report's policy before every run, so every run does real work; the
result of each run is checked. Whole-process wall time, ratio of medians over interleaved runs,
every module from warm bytecode (a private ``PYTHONPYCACHEPREFIX``) on both sides.

Target: ``apply`` takes at most half the manual fix's time (ratio <= 0.5).
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from benchmarks import (
    BIN,
    REGION,
    BenchError,
    Result,
    child_env,
    interleave,
    run_checked,
    use_dummy_aws,
)
from local_aws.policies import (
    NAME,
    STATES,
    compliant_text,
    delivery_statement,
    document,
    report_text,
)

if TYPE_CHECKING:
    from local_aws.logs_server import LogsServer

TARGET: Final = 0.5
DEFAULT_RUNS: Final = 15
FIX_FILE: Final = "cloudwatchlogs-resourcebased-policy.json"
MANUAL_FIX: Final = document(delivery_statement([STATES]))


class Rig:
    """The server, the commands of both sides, and a check of what each run left behind."""

    def __init__(self, server: LogsServer, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        (workdir / FIX_FILE).write_text(json.dumps(MANUAL_FIX, indent=2), encoding="utf-8")
        self.env = child_env({"PYTHONPYCACHEPREFIX": str(workdir / "pycache")})
        where = ["--endpoint-url", server.url, "--region", REGION]
        self.manual = [
            [str(BIN / "aws"), "logs", "describe-resource-policies", *where],
            [
                str(BIN / "aws"),
                "logs",
                "put-resource-policy",
                "--policy-name",
                NAME,
                "--policy-document",
                f"file://{FIX_FILE}",
                *where,
            ],
        ]
        self.apply = [[str(BIN / "vended-logs-policy"), "apply", *where]]

    def stored(self) -> str:
        """The policy document the server holds."""
        from local_aws.logs_server import logs_client

        client = logs_client(self.server, REGION, out_of_band=True)
        policies = client.describe_resource_policies()["resourcePolicies"]
        return "".join(p["policyDocument"] for p in policies if p["policyName"] == NAME)

    def runner(
        self, commands: list[list[str]], check: Callable[[str], bool]
    ) -> Callable[[], float]:
        """One timed run of the commands in sequence, after reseeding; checked afterwards."""
        from local_aws.logs_server import logs_client

        def run() -> float:
            self.server.reset()
            client = logs_client(self.server, REGION, out_of_band=True)
            client.put_resource_policy(policyName=NAME, policyDocument=report_text())
            start = time.perf_counter()
            for argv in commands:
                run_checked(argv, self.env, self.workdir)
            seconds = time.perf_counter() - start
            if not check(self.stored()):
                raise BenchError(f"{commands[-1][:3]} did not leave the expected policy")
            return seconds

        return run


def run(runs: int = DEFAULT_RUNS) -> Result:
    """Time both sides and compare their medians."""
    use_dummy_aws()
    from local_aws.logs_server import LogsServer

    workdir = Path(tempfile.mkdtemp(prefix="vlp-apply-"))
    fixed = compliant_text()
    try:
        with LogsServer() as server:
            rig = Rig(server, workdir)
            manual, apply = interleave(
                [
                    ("manual fix", rig.runner(rig.manual, lambda s: json.loads(s) == MANUAL_FIX)),
                    ("apply", rig.runner(rig.apply, lambda s: s == fixed)),
                ],
                runs,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    ratio = apply.median / manual.median
    return Result(
        4,
        "vended-logs-policy apply against the manual fix (2 awscli calls), whole-process time",
        f"ratio {ratio:.2f}",
        f"at most {TARGET}",
        ratio <= TARGET,
        [f"apply: {apply.spread()}", f"manual fix: {manual.spread()}"],
    )


def main() -> int:
    """``python -m benchmarks.apply_vs_manual [--runs N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs of each side")
    result = run(parser.parse_args().runs)
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(main())
