"""Benchmark 4: ``vended-logs-policy apply`` against the field report's manual fix.

The manual fix is two calls: ``describe-resource-policies``, then ``put-resource-policy
--policy-name ... --policy-document file://...`` with the report's wildcard document. It is
measured two ways:

- as the report runs it, two awscli (v1, from .venv) processes, so about half of its time is
  awscli's start-up, twice;
- as a minimal boto3 script making the same two calls in one process (the same file, the same
  server), the least a one-process fix costs, so the ratio does not rest on awscli's start-up.

``apply`` is one process that asks STS who it is, reads, merges, writes and reads back. All talk to
the same moto server on 127.0.0.1 (``--endpoint-url``), which is reset and seeded with the report's
policy before every run, so every run does real work; the result of each run is checked.
Whole-process wall time (start-up and exit included on every side), medians over interleaved runs,
every module from warm bytecode (a private ``PYTHONPYCACHEPREFIX``) on every side.

Target: ``apply`` takes at most half the awscli fix's time (ratio <= 0.5). Against the boto3
script the ratio is reported, with no target.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final

from benchmarks import (
    BIN,
    PYTHON,
    REGION,
    BenchError,
    Figure,
    Result,
    Sample,
    alternate,
    child_env,
    exit_status,
    ms,
    run_checked,
    sampled,
    split,
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
SCRIPT_FILE: Final = "manual_fix.py"
# The manual fix's two calls in one process; argv: endpoint, region, policy name, document file.
SCRIPT: Final = """\
import sys
import boto3

endpoint, region, name, path = sys.argv[1:5]
client = boto3.client("logs", endpoint_url=endpoint, region_name=region)
client.describe_resource_policies()
with open(path, encoding="utf-8") as fix:
    client.put_resource_policy(policyName=name, policyDocument=fix.read())
"""


class Rig:
    """The server, the commands of both sides, and a check of what each run left behind."""

    def __init__(self, server: LogsServer, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        (workdir / FIX_FILE).write_text(json.dumps(MANUAL_FIX, indent=2), encoding="utf-8")
        (workdir / SCRIPT_FILE).write_text(SCRIPT, encoding="utf-8")
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
        self.script = [[str(PYTHON), SCRIPT_FILE, server.url, REGION, NAME, FIX_FILE]]
        self.backups = workdir / "backups"
        self.apply = [[str(BIN / "vended-logs-policy"), "apply", *where, *self.backup_option()]]

    def backup_option(self) -> list[str]:
        """``--backup-dir DIR`` when ``apply`` takes one (it keeps the policy it replaces)."""
        argv = [str(BIN / "vended-logs-policy"), "apply", "--help"]
        usage = run_checked(argv, self.env, self.workdir).stdout
        return ["--backup-dir", str(self.backups)] if "--backup-dir" in usage else []

    def stored(self) -> str:
        """The policy document the server holds."""
        from local_aws.product import stored_text

        return stored_text(self.server) or ""

    def runner(
        self, commands: list[list[str]], check: Callable[[str], bool]
    ) -> Callable[[], Sample]:
        """One timed run of the commands in sequence, after reseeding; checked afterwards."""
        from local_aws.product import seed

        def run() -> Sample:
            self.server.reset()
            seed(self.server, report_text())
            shutil.rmtree(self.backups, ignore_errors=True)
            self.backups.mkdir()
            samples = [sampled(argv, self.env, self.workdir) for argv in commands]
            if not check(self.stored()):
                raise BenchError(f"{commands[-1][:3]} did not leave the expected policy")
            return Sample(sum(s.wall for s in samples), sum(s.cpu for s in samples))

        return run


def manual_fixed(stored: str) -> bool:
    """Whether the server holds the manual fix's document."""
    return bool(json.loads(stored) == MANUAL_FIX)


def run(runs: int = DEFAULT_RUNS) -> Result:
    """Time ``apply`` and both forms of the manual fix, and compare their medians."""
    use_dummy_aws()
    from local_aws.logs_server import LogsServer

    workdir = Path(tempfile.mkdtemp(prefix="vlp-apply-"))
    fixed = compliant_text()
    try:
        with LogsServer() as server:
            rig = Rig(server, workdir)
            found = alternate(
                [
                    ("manual fix, awscli", rig.runner(rig.manual, manual_fixed)),
                    ("manual fix, boto3 script", rig.runner(rig.script, manual_fixed)),
                    ("apply", rig.runner(rig.apply, lambda s: s == fixed)),
                ],
                runs,
            )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    (manual, manual_cpu), (script, script_cpu), (apply, apply_cpu) = (
        split(name, samples)
        for name, samples in zip(("awscli", "script", "apply"), found, strict=True)
    )
    ratio = apply.median / manual.median
    against_script = apply.median / script.median
    backup = " (with --backup-dir)" if "--backup-dir" in rig.apply[0] else ""
    return Result(
        4,
        "vended-logs-policy apply against the manual fix, whole-process time",
        f"ratio {ratio:.2f} against awscli, {against_script:.2f} against one boto3 process",
        f"at most {TARGET} against awscli",
        ratio <= TARGET,
        [
            f"apply{backup}: {apply.spread()}",
            f"manual fix, 2 awscli processes: {manual.spread()}",
            f"manual fix, the same 2 calls in one boto3 process: {script.spread()}",
            f"apply / awscli fix {ratio:.2f}; apply / boto3 script {against_script:.2f}",
            "CPU time of the processes (median): "
            f"apply {ms(apply_cpu.median)}, awscli fix {ms(manual_cpu.median)}, "
            f"boto3 script {ms(script_cpu.median)}; "
            f"ratios {apply_cpu.median / manual_cpu.median:.2f} (awscli) "
            f"and {apply_cpu.median / script_cpu.median:.2f} (boto3 script)",
        ],
        [
            Figure(
                "apply vs manual fix, 2 awscli processes",
                f"{ms(apply.median)} vs {ms(manual.median)}: ratio {ratio:.2f}",
                f"at most {TARGET}",
                ratio <= TARGET,
            ),
            Figure(
                "apply vs the same 2 calls in one boto3 process",
                f"{ms(apply.median)} vs {ms(script.median)}: ratio {against_script:.2f}",
            ),
        ],
    )


def main() -> int:
    """``python -m benchmarks.apply_vs_manual [--runs N]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="runs of each side")
    result = run(parser.parse_args().runs)
    print(result.report())
    return 0 if result.met else 1


if __name__ == "__main__":
    raise SystemExit(exit_status(main))
