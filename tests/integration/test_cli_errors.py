"""Exit codes and failures: usage errors exit 1, and every failure from any client is one line.

Access denied comes from moto itself with IAM authorization on (``local_aws.iam_auth``) for STS,
EC2, Organizations and Step Functions, and from the strict layer's faults for CloudWatch Logs.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from local_aws.iam_auth import authorized_endpoint, operator
from local_aws.logs_server import LogsServer
from local_aws.policies import ACCOUNT, NAME, report_document
from tests.support import (
    PREFIX,
    as_operator,
    make_state_machine,
    output,
    record,
    run,
    run_script,
    seed,
    silent_endpoint,
)


def one_error_line(stderr: str) -> str:
    """The only line on stderr, which must be an error line and no traceback."""
    assert "Traceback" not in stderr
    [line] = stderr.splitlines()
    assert line.startswith(PREFIX), line
    return line


# ---- usage errors: exit 1, never argparse's 2 (plan's "a change is needed") ---------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "--jsn"), "unrecognized arguments: --jsn"),
        ((), "the following arguments are required: COMMAND"),
        (("plan", "--region", "us-east-1", "--regions", "us-west-2"),
         "argument --regions: not allowed with argument --region"),
        (("plan", "--regions", ""), "--regions needs region names or 'all', not an empty list"),
        (("plan", "--regions", "us-east-1,,eu-west-1"), "--regions has an empty item"),
        (("plan", "--regions", "all,us-east-1"), "'all' stands alone"),
        (("apply", "--regions", "us-east-1,us-wset-2"),
         "unknown region 'us-wset-2' (not in botocore's partition data); did you mean us-west-2"),
        (("plan", "--region", "eu-wset-1"), "did you mean eu-west-1"),
        (("plan", "--accounts", "12345"), "'12345' is not a 12-digit AWS account id"),
        (("plan", "--accounts", ""), "--accounts needs 12-digit account ids or 'all'"),
        (("plan", "--role-name", "Operator"), "--role-name needs --accounts"),
        (("plan", "--accounts", "all", "--role-name", "no spaces"), "is not an IAM role name"),
        (("audit", "--fail-on", "near-limit,too-big"), "unknown finding 'too-big'"),
        (("render", "--account", ACCOUNT, "--region", "us-west-2", "--partition", "aws-foo"),
         "unknown partition 'aws-foo'"),
        (("restore",), "the following arguments are required: FILE"),
        (("plan", "--regio", "us-east-1"), "unrecognized arguments: --regio"),
    ],
)  # fmt: skip
def test_usage_errors_exit_1_with_one_line(
    logs: LogsServer, args: tuple[str, ...], message: str
) -> None:
    # WHEN the command line cannot be used
    result = run(*args, server=logs)
    # THEN the exit code is 1 (2 would read as "a change is needed"), one line, no AWS call
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert message in one_error_line(result.stderr)
    assert logs.calls == []


def test_help_and_version_exit_0() -> None:
    version = run("--version")
    assert version.returncode == 0
    assert version.stdout.startswith("vended-logs-policy ")
    for command in ("plan", "apply", "audit", "render", "restore"):
        helped = run(command, "--help")
        assert helped.returncode == 0, helped.stderr
        assert helped.stdout.startswith(f"usage: vended-logs-policy {command}")


# ---- credentials and profiles -------------------------------------------------------------


def test_unknown_profile_is_one_line(logs: LogsServer) -> None:
    result = run("plan", "--profile", "nosuch", server=logs)
    assert result.returncode == 1
    assert "The config profile (nosuch) could not be found" in one_error_line(result.stderr)


def test_missing_credentials_are_one_line(logs: LogsServer) -> None:
    # GIVEN no credentials anywhere (the instance metadata service off)
    env = {
        "AWS_ACCESS_KEY_ID": "",
        "AWS_SECRET_ACCESS_KEY": "",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    # WHEN plan runs THEN it says so in one line, having called nothing
    result = run("plan", "--json", server=logs, env=env)
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "cannot call STS GetCallerIdentity: Unable to locate credentials" in line
    data = output(result)
    assert (data["exit_code"], data["targets"], data["error"]) == (1, [], line[len(PREFIX) :])
    # AND it says how to give some; following the advice (the two variables) makes it run
    assert "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in line
    env |= {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    followed = run("plan", "--json", server=logs, env=env)
    assert followed.returncode == 0, followed.stderr
    assert output(followed)["targets"][0]["status"] == "no_policy"


# ---- access denied, from each client -----------------------------------------------------


def test_logs_access_denied_is_that_regions_line(logs: LogsServer) -> None:
    # GIVEN the first DescribeResourcePolicies (whichever region sends it) denied
    logs.faults.fail("DescribeResourcePolicies", code="AccessDeniedException", times=1)
    # WHEN apply runs over three regions
    result = run("apply", "--regions", "eu-west-1,us-east-1,us-west-2", "--json", server=logs)
    # THEN that region fails with one line naming the permission; the others are written
    assert result.returncode == 1
    line = one_error_line(result.stderr.replace(_saved_lines(result.stderr), ""))
    assert "not allowed to call logs:DescribeResourcePolicies" in line
    statuses = sorted(t["status"] for t in output(result)["targets"])
    assert statuses == ["error", "written", "written"]


def _saved_lines(stderr: str) -> str:
    return "".join(line + "\n" for line in stderr.splitlines() if "saved the current" in line)


@pytest.fixture
def authorized(logs: LogsServer) -> Iterator[str]:
    """A moto endpoint enforcing IAM policies, sharing the strict server's state."""
    with authorized_endpoint() as url:
        yield url


def deny(action: str) -> list[dict[str, Any]]:
    return [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": action, "Resource": "*"},
    ]


def test_step_functions_access_denied_is_each_regions_line(logs: LogsServer) -> None:
    # GIVEN a state machine, and an operator who may not call Step Functions
    seed(logs, report_document())
    make_state_machine(logs, "orders", "/aws/vendedlogs/states/Orders-Logs")
    keys = operator(logs, deny("states:*"))
    with authorized_endpoint() as url:
        # WHEN audit --state-machines runs over two regions
        result = run(
            "audit", "--state-machines", "--regions", "us-west-2,eu-west-1", "--json",
            env=as_operator(url, keys),
        )  # fmt: skip
    # THEN each region is one line naming the permission, none a raw ClientError
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 2
    for line, region in zip(lines, ("eu-west-1", "us-west-2"), strict=True):
        assert line == (
            f"{PREFIX}{ACCOUNT} {region}: not allowed to call states:ListStateMachines: "
            "grant it to the caller's role"
        )
    assert [t["status"] for t in output(result)["targets"]] == ["error", "error"]


def test_ec2_access_denied_for_regions_all_is_one_line(logs: LogsServer) -> None:
    keys = operator(logs, deny("ec2:DescribeRegions"))
    with authorized_endpoint() as url:
        result = run("plan", "--regions", "all", env=as_operator(url, keys))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert line == f"{PREFIX}{ACCOUNT} -: not allowed to call ec2:DescribeRegions: grant it to " \
        "the caller's role"  # fmt: skip


def test_organizations_access_denied_for_accounts_all_is_one_line(logs: LogsServer) -> None:
    keys = operator(logs, deny("organizations:*"))
    with authorized_endpoint() as url:
        result = run("plan", "--accounts", "all", "--json", env=as_operator(url, keys))
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "not allowed to call organizations:ListAccounts" in line
    assert output(result)["targets"] == []


def test_accounts_all_outside_an_organisation_is_one_line(logs: LogsServer) -> None:
    result = run("plan", "--accounts", "all", server=logs)
    assert result.returncode == 1
    assert "organizations:ListAccounts lists no active account" in one_error_line(result.stderr)


# ---- endpoints that cannot be reached or never answer ------------------------------------


@pytest.mark.wire
def test_an_endpoint_that_never_answers_fails_within_30_seconds() -> None:
    # GIVEN an endpoint that accepts and never answers
    with silent_endpoint() as (url, connected):
        started = time.monotonic()
        # WHEN plan runs against it
        result = run_script("plan", "--endpoint-url", url, timeout=60)
        elapsed = time.monotonic() - started
    # THEN it fails within 30 s (bounded read timeout and attempts), in one line
    assert connected.is_set()
    assert elapsed < 30, elapsed
    assert result.returncode == 1
    assert "STS GetCallerIdentity unreachable after 3 attempts" in one_error_line(result.stderr)


def test_unknown_region_in_the_environment_is_one_line(logs: LogsServer) -> None:
    result = run("plan", server=logs, env={"AWS_REGION": "us-wset-2"})
    assert result.returncode == 1
    line = one_error_line(result.stderr)
    assert "unknown region 'us-wset-2'" in line
    assert "did you mean us-west-2" in line
    assert "(from the environment or profile)" in line


def test_record_of_a_failed_single_target_names_its_account(logs: LogsServer) -> None:
    logs.rules.require_json = False
    from local_aws.logs_server import logs_client

    logs_client(logs, "us-west-2").put_resource_policy(policyName=NAME, policyDocument="{oops")
    result = run("plan", "--json", server=logs)
    assert result.returncode == 1
    data = record(result)
    assert (data["account"], data["region"], data["status"]) == (ACCOUNT, "us-west-2", "error")
    assert "not valid JSON" in data["error"]
