"""What the CLI prints: one JSON shape, the statement-level diff, audit findings, progress."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios
import threading
from pathlib import Path
from typing import Any

import pytest

from local_aws.logs_server import LogsServer
from local_aws.policies import (
    ACCOUNT,
    ARN,
    NAME,
    REGION,
    ROUTE53,
    SCOPE,
    STATES,
    delivery_statement,
    document,
    report_document,
)
from tests.support import SCRATCH, SCRIPT, cli_env, make_state_machine, output, record, run, seed

ENVELOPE = {"version", "command", "exit_code", "interrupted", "targets"}


def test_one_json_shape_for_one_target_or_many(logs: LogsServer) -> None:
    seed(logs, report_document())
    one = output(run("plan", "--json", server=logs))
    many = output(run("plan", "--json", "--regions", "eu-west-1,us-west-2", server=logs))
    assert set(one) == set(many) == ENVELOPE
    assert (one["version"], one["command"], one["exit_code"], one["interrupted"]) == (
        1, "plan", 2, False,
    )  # fmt: skip
    [single] = one["targets"]
    assert [set(t) for t in many["targets"]] == [set(single), set(single)]
    assert list(single)[:3] == ["account", "region", "status"]
    assert untimed(single) == untimed(many["targets"][1])


def untimed(target: dict[str, Any]) -> dict[str, Any]:
    """A plan record without its backup's time and digest (each run takes its own backup)."""
    backup = {k: v for k, v in target["backup"].items() if k not in ("taken_at", "digest")}
    return target | {"backup": backup}


def test_plan_shows_a_statement_level_diff(logs: LogsServer) -> None:
    # GIVEN the report's policy and a Route 53 grant
    policy = report_document()
    policy["Statement"].append(ROUTE53)
    seed(logs, policy)
    # WHEN plan runs
    result = run("plan", server=logs)
    # THEN it names the statements and resources added and removed, and both lengths (before:
    # the stored text's, as the service counts it; the seed is stored with spaces)
    assert result.returncode == 2, result.stderr
    stored_length = len(json.dumps(policy))
    assert stored_length == 895
    lines = result.stdout.splitlines()
    assert lines[0] == f"{ACCOUNT} {REGION}: {NAME}: change needed (895 -> 639 characters)"
    assert lines[1:4] == [
        "  length: 895 -> 639 characters",
        "  statements: 1 changed, 1 unchanged",
        "  ~ statement AWSLogDeliveryWrite (Allow Service delivery.logs.amazonaws.com): "
        "1 resource added, 4 removed; Condition changed",
    ]
    assert lines[4] == f"      + {STATES}"
    assert len([line for line in lines if line.startswith("      - arn:")]) == 4
    # AND with --json it also gives the full documents before and after
    data = record(run("plan", "--json", server=logs))
    assert data["before"] == policy
    assert ROUTE53 in data["after"]["Statement"]
    [change] = data["diff"]["statements"]
    assert change["change"] == "changed"
    assert change["added_resources"] == [STATES]
    assert len(change["removed_resources"]) == 4
    assert change["other_changes"] == ["Condition"]
    assert (data["diff"]["length_before"], data["diff"]["length_after"]) == (895, 639)
    assert data["diff"]["unchanged_statements"] == 1


def test_plan_of_a_new_policy_shows_one_statement_added(logs: LogsServer) -> None:
    result = run("plan", "--no-source-conditions", server=logs)
    assert result.returncode == 0, result.stderr  # no policy yet: said, not a failure
    assert "no policy yet (apply would create it: " in result.stdout
    assert "  statements: 1 added" in result.stdout
    assert (
        "  + statement AWSLogDeliveryWrite (Allow Service delivery.logs.amazonaws.com): "
        "1 resource added, 0 removed"
    ) in result.stdout


def test_counts_say_1_region_not_1_regions(logs: LogsServer) -> None:
    result = run("plan", "--regions", "us-west-2", server=logs)
    assert result.stdout.splitlines()[-1] == (
        "total: 1 region, 0 failed, 0 need a change, 1 without the policy"
    )
    audit = run("audit", server=logs)
    assert audit.stdout.startswith(f"{ACCOUNT} {REGION}: 0 account-level policies, ")
    seed(logs, report_document())
    audit = run("audit", server=logs)
    assert audit.stdout.startswith(f"{ACCOUNT} {REGION}: 1 account-level policy, ")
    assert "wildcard would absorb 4 resources" in audit.stdout


def grown(resources: int) -> dict[str, object]:
    """A delivery statement with this many per-log-group resources."""
    arns = [f"{STATES[:-4]}machine-{n:04d}-Logs:log-stream:*" for n in range(resources)]
    return document(delivery_statement(arns))


@pytest.mark.parametrize(
    ("resources", "fail_on", "code", "findings"),
    [
        (3, "", 0, []),
        (3, "near-limit,over-limit", 0, []),
        (40, "", 0, ["near-limit"]),
        (40, "over-limit", 0, ["near-limit"]),
        (40, "near-limit", 2, ["near-limit"]),
        (50, "over-limit", 2, ["over-limit", "near-limit"]),
        (50, "near-limit", 2, ["over-limit", "near-limit"]),
        (3, "broad-grant", 0, []),
        (3, "unconditional-grant", 2, []),
    ],
)
def test_audit_fail_on_size_findings(
    logs: LogsServer, resources: int, fail_on: str, code: int, findings: list[str]
) -> None:
    # GIVEN a policy of a given size (the service's 5120 limit raised to store a larger one)
    logs.rules.document_limit = 20000
    seed(logs, grown(resources))
    args = ("--fail-on", fail_on) if fail_on else ()
    # WHEN audit runs THEN the findings are listed, and only --fail-on ones exit 2
    result = run("audit", "--json", *args, server=logs)
    assert result.returncode == code, result.stderr
    data = record(result)
    # (the grown statement carries no confused-deputy condition: always unconditional-grant)
    assert data["findings"] == [*findings, "unconditional-grant"]
    assert data["status"] == ("findings" if code else "ok")
    length = data["policies"][0]["length"]
    assert data["policies"][0]["state"] == (
        "over-limit" if length > 5120 else "near-limit" if length > 4096 else "ok"
    )


def test_audit_fail_on_uncovered_state_machines(logs: LogsServer) -> None:
    make_state_machine(logs, "custom", "/custom/app-logs")
    result = run("audit", "--fail-on", "uncovered-state-machines", server=logs)
    assert result.returncode == 2, result.stderr
    assert "state machines logging to log groups no grant covers: 1" in result.stdout
    assert "findings: uncovered-state-machines" in result.stdout
    assert "(fails on uncovered-state-machines)" in result.stdout.splitlines()[0]


BROAD = f"{ARN}:/a*:*"


def over_broad_document() -> dict[str, object]:
    """The compliant wildcard, plus an unconditional grant reaching every log group under /a."""
    return document(
        delivery_statement([STATES], Condition=SCOPE.source_conditions()),
        delivery_statement([BROAD], sid="Open"),
    )


@pytest.mark.parametrize("command", ["plan", "audit"])
@pytest.mark.parametrize(
    "case",
    [
        ("", [], 0, []),
        ("broad-grant", [], 2, ["broad-grant"]),
        ("unconditional-grant", [], 2, ["unconditional-grant"]),
        ("broad-grant,unconditional-grant", [], 2, ["unconditional-grant", "broad-grant"]),
        ("broad-grant", ["--allowed-prefix", "/a"], 0, []),
    ],
)
def test_fail_on_over_broad_grants(
    logs: LogsServer, command: str, case: tuple[str, list[str], int, list[str]]
) -> None:
    fail_on, allowed, code, failing = case
    # GIVEN a compliant policy that also holds an unconditional grant on log-group:/a*:*
    seed(logs, over_broad_document())
    args = ("--fail-on", fail_on) if fail_on else ()
    # WHEN plan or audit runs
    result = run(command, "--json", *args, *allowed, server=logs)
    # THEN both findings name the statement, and only --fail-on ones exit 2
    assert result.returncode == code, result.stderr
    data = record(result)
    expected = ["unconditional-grant"] if allowed else ["unconditional-grant", "broad-grant"]
    assert [f for f in data["findings"] if f.endswith("-grant")] == expected
    assert data["failing"] == failing
    texts = [f["text"] for f in data["grant_findings"]]
    assert f"{NAME}: unconditional-grant: Sid Open grants delivery.logs.amazonaws.com" in texts[0]
    if not allowed:
        assert texts[1] == (
            f"{NAME}: broad-grant: Sid Open grants delivery.logs.amazonaws.com on {BROAD}, "
            "which reaches log groups outside /aws/vendedlogs/"
        )
    # AND the text output lists them
    text = run(command, *args, *allowed, server=logs).stdout
    assert f"  {NAME}: unconditional-grant: Sid Open" in text
    assert (f"  {NAME}: broad-grant: Sid Open" in text) is not bool(allowed)


@pytest.mark.wire
def test_progress_is_shown_only_on_a_terminal(logs: LogsServer) -> None:
    # GIVEN stderr is a terminal (a pseudo-terminal of 24 x 100 the test reads)
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    logs.faults.delay("DescribeResourcePolicies", seconds=0.5, times=2)  # the bar moves
    process = subprocess.Popen(
        [SCRIPT, "plan", "--regions", "eu-west-1,us-east-1,us-west-2", "--json"],
        stdout=subprocess.PIPE, stderr=follower, text=True, env=cli_env(logs), cwd=SCRATCH.name,
    )  # fmt: skip
    os.close(follower)
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the process has closed the terminal
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    out, _ = process.communicate(timeout=60)
    reader.join(timeout=10)
    os.close(leader)
    shown = b"".join(chunks)
    # THEN a bar of targets is drawn there, and stdout holds only the JSON
    assert process.returncode == 0
    assert b"plan:   0%|" in shown
    assert re.search(rb"plan: +(33|67|100)%\|[^|]*\| [123]/3 \[", shown), shown
    assert b"target/s" in shown
    assert json.loads(out)["exit_code"] == 0
    # AND without a terminal there is no bar
    assert run("plan", "--regions", "eu-west-1,us-east-1,us-west-2", server=logs).stderr == ""


def test_text_for_a_single_failed_target_is_only_the_error_line(
    logs: LogsServer, tmp_path: Path
) -> None:
    logs.faults.fail("DescribeResourcePolicies", code="AccessDeniedException")
    result = run("plan", server=logs)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"vended-logs-policy: error: {ACCOUNT} {REGION}: not allowed to call "
        "logs:DescribeResourcePolicies: grant it to the caller's role\n"
    )


def test_plan_says_when_the_result_stays_over_the_limit(logs: LogsServer) -> None:
    # GIVEN a policy grown with log groups outside the prefix (the 5120 limit raised to store it)
    logs.rules.document_limit = 20000
    arns = [f"{ARN}:/apps/orders/team{n:03d}:*" for n in range(80)]
    seed(logs, document(delivery_statement(arns)))
    # WHEN plan runs THEN it says the result stays over the limit, and why
    result = run("plan", server=logs)
    assert result.returncode == 2, result.stderr
    assert "  over the classic limit of 5120 characters" in result.stdout
    why = "80 resources stay: 80 outside every prefix (add prefix /apps/orders/ -> "
    assert f"  {why}" in result.stdout
    data = record(run("plan", "--json", server=logs))
    assert data["why"].startswith(why)
    assert data["within_limit"] is False
