"""CLI edges a new user meets first: --regions alone, --version on every command, usage errors
under --json, option names said once. Run in-process through ``main(argv, stdin, out, err)``."""

from __future__ import annotations

import io
import json

import pytest

from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import ACCOUNT, NAME, REGION, report_document
from tests.support import seed
from vended_logs_policy.cli import main
from vended_logs_policy.cli.parser import COMMANDS


def cli(*argv: str) -> tuple[int, str, str]:
    """Run the CLI in this process; (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), io.StringIO(""), out, err)
    return code, out.getvalue(), err.getvalue()


def test_regions_alone_needs_no_configured_region(
    logs: LogsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no region anywhere in the environment
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    # When plan runs over two listed regions
    code, out, err = cli("plan", "--regions", "eu-west-1,us-east-1", "--json")
    # Then it runs in both (the first listed is the home for the calls that need one)
    assert code == 0, err
    targets = json.loads(out)["targets"]
    assert sorted(t["region"] for t in targets) == ["eu-west-1", "us-east-1"]
    assert {t["status"] for t in targets} == {"no_policy"}


def test_regions_all_still_needs_a_home_region(
    logs: LogsServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given no region anywhere, and --regions all (which must ask a region for the list)
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    code, _, err = cli("plan", "--regions", "all")
    # Then the one line names every way to give one
    assert code == 1
    assert "pass --region (or --regions)" in err
    assert err.count("\n") == 1


@pytest.mark.parametrize("command", COMMANDS)
def test_version_works_on_every_command(command: str) -> None:
    code, out, err = cli(command, "--version")
    assert code == 0, err
    assert out.startswith("vended-logs-policy ")
    assert err == ""


def test_a_usage_error_under_json_is_json_on_stdout() -> None:
    # When a usage error happens with --json on the line
    code, out, err = cli("audit", "--json", "--fail-on", "nope")
    # Then stdout holds the run's JSON with the error, and stderr the same one line
    assert code == 1
    data = json.loads(out)
    assert data["exit_code"] == 1
    assert data["command"] == "audit"
    assert data["targets"] == []
    assert "unknown finding 'nope'" in data["error"]
    assert err == f"vended-logs-policy: error: {data['error']}\n"


def test_an_option_is_named_once_in_its_error() -> None:
    code, _, err = cli("audit", "--fail-on", "nope")
    assert code == 1
    assert err.startswith("vended-logs-policy: error: argument --fail-on: unknown finding 'nope'")
    assert err.count("--fail-on") == 1


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (("plan", "--regions", ""), "argument --regions needs region names or 'all', not an "
         "empty list"),
        (("plan", "--accounts", "1"), "argument --accounts: '1' is not a 12-digit AWS account id"),
        (("plan", "--accounts", "all", "--role-name", "a b"), "argument --role-name: 'a b' is "
         "not an IAM role name"),
    ],
)  # fmt: skip
def test_each_option_error_names_the_option_once(argv: tuple[str, ...], line: str) -> None:
    code, _, err = cli(*argv)
    assert code == 1
    assert err.startswith(f"vended-logs-policy: error: {line}")
    assert err.count(argv[-2]) == 1


def _grant(*resources: str) -> str:
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "delivery.logs.amazonaws.com"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": list(resources),
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def render_with(stdin: str, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["render", "--account", "123456789012", "--region", "us-west-2", *extra]
    code = main(argv, io.StringIO(stdin), out, err)
    return code, out.getvalue(), err.getvalue()


def test_render_warns_of_arns_for_another_target() -> None:
    # Given a document whose ARNs name another account and region than the ones asked for
    code, out, err = render_with(
        _grant("arn:aws:logs:eu-west-1:999999999999:log-group:/aws/vendedlogs/states/a:*")
    )
    # Then render still prints the result, and says so on stderr, naming the first such ARN
    assert code == 0
    assert json.loads(out)["Statement"]
    [warning] = [line for line in err.splitlines() if line.startswith("warning:")]
    assert "1 ARN in the input names another partition, region or account" in warning
    assert "arn:aws:logs:eu-west-1:999999999999" in warning


def test_render_does_not_warn_for_its_own_target_or_wildcards() -> None:
    code, _, err = render_with(
        _grant(
            "arn:aws:logs:us-west-2:123456789012:log-group:/aws/vendedlogs/states/a:*",
            "arn:aws:logs:*:123456789012:log-group:/x:*",
            "arn:aws:s3:::bucket",
        )
    )
    assert code == 0
    assert "warning" not in err


def test_render_warns_when_the_result_is_over_the_limit() -> None:
    # Given a grown policy, rendered without compaction
    grown = _grant(
        *(f"arn:aws:logs:us-west-2:123456789012:log-group:/team/{i:04}:*" for i in range(80))
    )
    code, out, err = render_with(grown, "--no-compact")
    # Then the result is printed and the warning gives its length against 5120
    assert code == 0
    length = len(out.strip())
    assert length > 5120
    assert f"warning: the result is {length} characters, over the classic limit of 5120" in err


def test_a_region_without_the_policy_is_not_a_change_unless_asked(logs: LogsServer) -> None:
    # Given the policy in us-west-2 only (needing a change there), none in eu-west-1
    seed(logs, report_document())
    # When plan runs over both
    code, out, err = cli("plan", "--regions", "us-west-2,eu-west-1")
    # Then the region without the policy is said as such, apart from the change, and only the
    # change makes the run exit 2
    assert code == 2, err
    assert f"{ACCOUNT} eu-west-1: {NAME}: no policy yet (apply would create it: " in out
    assert f"{ACCOUNT} us-west-2: {NAME}: change needed (" in out
    assert out.splitlines()[-1] == (
        "total: 2 regions, 0 failed, 1 need a change, 1 without the policy"
    )
    # And with --fail-on no-policy, a region without it fails the drift check alone
    code, out, _ = cli("plan", "--region", "eu-west-1", "--fail-on", "no-policy", "--json")
    [target] = json.loads(out)["targets"]
    assert code == 2
    assert (target["status"], target["failing"]) == ("findings", ["no-policy"])


def test_plan_reports_the_length_the_service_counts(logs: LogsServer) -> None:
    # Given a policy stored pretty-printed (as `aws logs put-resource-policy` with a file leaves it)
    text = json.dumps(report_document(), indent=2) + "\n"
    logs_client(logs, REGION).put_resource_policy(policyName=NAME, policyDocument=text)
    # When plan and audit read it
    _, planned, _ = cli("plan", "--json")
    _, audited, _ = cli("audit", "--json")
    # Then both report the stored text's length, as the service counts it
    [plan_record] = json.loads(planned)["targets"]
    [audit_record] = json.loads(audited)["targets"]
    assert plan_record["length_before"] == len(text)
    assert audit_record["policies"][0]["length"] == len(text)
