"""The CLI, run in-process through ``main`` against moto in server mode over HTTP (a few runs
are the real console script, as a subprocess)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from typing import Any

import pytest

from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import (
    ACCOUNT,
    NAME,
    REGION,
    REPORT,
    ROUTE53,
    STATES,
    delivery_statement,
    report_document,
)
from local_aws.policies import document as policy_document
from tests.support import record, run, run_script, seed


def stored(server: LogsServer, name: str = NAME) -> dict[str, Any] | None:
    client = logs_client(server, REGION)
    for item in client.describe_resource_policies()["resourcePolicies"]:
        if item.get("policyName") == name:
            document: dict[str, Any] = json.loads(item["policyDocument"])
            return document
    return None


# ---- render (offline) ---------------------------------------------------------------------


def test_render_turns_the_report_policy_into_the_report_fix() -> None:
    # GIVEN the describe-resource-policies output from the field report
    # WHEN render runs on it without source conditions
    result = run(
        "render", "--account", ACCOUNT, "--region", REGION, "--no-source-conditions",
        "--input", str(REPORT),
    )  # fmt: skip
    # THEN stdout is one line: exactly the report's fixed statement
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert json.loads(lines[0]) == policy_document(delivery_statement([STATES]))
    assert "4 resources covered by the wildcard" in result.stderr


def test_render_reads_a_plain_document_on_stdin_with_conditions() -> None:
    # GIVEN the report's policy document itself on standard input
    # WHEN render runs with the default options
    result = run(
        "render", "--account", ACCOUNT, "--region", REGION, stdin=json.dumps(report_document())
    )
    # THEN the wildcard statement carries the confused-deputy conditions
    assert result.returncode == 0, result.stderr
    statement = json.loads(result.stdout)["Statement"][0]
    assert statement["Condition"] == {
        "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
        "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:{REGION}:{ACCOUNT}:*"]},
    }


def test_render_refuses_describe_output_without_the_named_policy() -> None:
    # GIVEN describe output with two other policies
    payload = {
        "resourcePolicies": [
            {"policyName": "Other", "policyDocument": "{}"},
            {"policyName": "Route53", "policyDocument": "{}"},
        ]
    }
    # WHEN render asks for a policy the input does not have
    result = run(
        "render", "--account", ACCOUNT, "--region", REGION, "--policy-name", "NoSuchPolicy",
        stdin=json.dumps(payload),
    )  # fmt: skip
    # THEN it exits 1 listing the names the input has, and prints no document
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert "no policy named NoSuchPolicy (it has Other, Route53)" in line


def test_render_starts_a_new_policy_from_an_empty_document() -> None:
    # GIVEN an empty document, which is how to start a new policy
    result = run("render", "--account", ACCOUNT, "--region", REGION, stdin="{}")
    # THEN the output is a new policy with the single wildcard statement
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert [s["Resource"] for s in document["Statement"]] == [[STATES]]


@pytest.mark.parametrize(
    ("stdin", "args", "message"),
    [
        ("not json", (), "input is not valid JSON"),
        ('{"Statement": 7}', (), "Statement must be an object or a list"),
        ('{"Statement": [{"Action": 3}]}', (), "Action must be a string"),
        ("{}", ("--prefix", "/"), "would cover every log group"),
        ("{}", ("--prefix", "/aws/*"), "must not contain wildcards"),
        ("{}", ("--policy-name", "has space"), "--policy-name must be"),
        ('{"resourcePolicies": [{"policyName": "AWSLogDeliveryWrite20150319", '
         '"policyDocument": "{\\"a\\": 1, \\"a\\": 2}"}]}', (), "repeats the key"),
    ],
)  # fmt: skip
def test_render_rejects_bad_input_with_one_line(
    stdin: str, args: tuple[str, ...], message: str
) -> None:
    # GIVEN malformed input or options
    # WHEN render runs
    result = run("render", "--account", ACCOUNT, "--region", REGION, *args, stdin=stdin)
    # THEN it exits 1 with one line naming the problem and no traceback, printing nothing
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_render_rejects_a_bad_account() -> None:
    result = run("render", "--account", "12345", "--region", REGION, stdin="{}")
    assert result.returncode == 1
    assert "12-digit" in result.stderr


# ---- plan / apply / audit against moto -----------------------------------------------------


def test_plan_apply_plan_on_an_empty_account(logs: LogsServer) -> None:
    # GIVEN an account without resource policies
    # WHEN plan runs
    first = run("plan", server=logs)
    # THEN it says there is no policy yet (exit 0: no drift to report) and wrote nothing; with
    # --fail-on no-policy the same exits 2
    assert first.returncode == 0, first.stderr
    assert "no policy yet (apply would create it: 419 characters)" in first.stdout
    assert run("plan", "--fail-on", "no-policy", server=logs).returncode == 2
    assert stored(logs) is None
    # WHEN apply runs
    applied = run("apply", server=logs)
    # THEN the policy holds the wildcard with conditions
    assert applied.returncode == 0, applied.stderr
    document = stored(logs)
    assert document is not None
    assert document["Statement"][0]["Resource"] == [STATES]
    # WHEN plan runs again THEN nothing is left to do
    again = run("plan", server=logs)
    assert again.returncode == 0, again.stderr
    assert "already compliant" in again.stdout


def test_apply_twice_writes_once(logs: LogsServer) -> None:
    # GIVEN the field report's grown policy
    seed(logs, report_document())
    puts_before = logs.calls_of("PutResourcePolicy")
    # WHEN apply runs twice
    first = run("apply", "--json", server=logs)
    second = run("apply", "--json", server=logs)
    # THEN the first wrote once, removing the four ARNs, and the second wrote nothing
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    one, two = record(first), record(second)
    assert (one["writes"], len(one["removed"]), one["changed"]) == (1, 4, True)
    assert (two["writes"], two["changed"]) == (0, False)
    assert logs.calls_of("PutResourcePolicy") - puts_before == 1


def test_apply_keeps_another_services_grant(logs: LogsServer) -> None:
    # GIVEN the report's policy plus a Route 53 query logging statement
    document = report_document()
    document["Statement"].append(copy.deepcopy(ROUTE53))
    seed(logs, document)
    # WHEN apply runs
    result = run("apply", server=logs)
    assert "written (" in result.stdout
    # THEN the Route 53 grant is still there, unchanged
    assert result.returncode == 0, result.stderr
    after = stored(logs)
    assert after is not None
    assert ROUTE53 in after["Statement"]


def test_plan_json_names_region_account_and_lengths(logs: LogsServer) -> None:
    seed(logs, report_document())
    result = run("plan", "--json", "--region", "eu-west-1", server=logs)
    # the seed is in us-west-2, so eu-west-1 has nothing yet: reported as such, exit 0
    assert result.returncode == 0, result.stderr
    data = record(result)
    assert (data["region"], data["account"], data["exists"]) == ("eu-west-1", ACCOUNT, False)
    assert data["status"] == "no_policy"
    assert data["findings"] == ["no-policy"]
    assert data["changed"] is True
    assert data["before"] is None
    assert data["after"]["Statement"][0]["Resource"] == [data["added"][0]]
    assert data["length_after"] > 0
    assert data["added"] == [
        f"arn:aws:logs:eu-west-1:{ACCOUNT}:log-group:/aws/vendedlogs/states/*:*"
    ]


def test_endpoint_url_flag_works_without_the_environment(logs: LogsServer) -> None:
    # GIVEN no AWS_ENDPOINT_URL, only the flag
    result = run("apply", "--endpoint-url", logs.url)
    # THEN apply reaches the emulator
    assert result.returncode == 0, result.stderr
    assert stored(logs) is not None


def test_audit_lists_every_policy(logs: LogsServer) -> None:
    # GIVEN the report's policy and another small policy
    seed(logs, report_document())
    seed(logs, {"Version": "2012-10-17", "Statement": []}, name="Other")
    logs.resource_scoped.append(
        {
            "policyName": "per-log-group",
            "policyDocument": "{}",
            "policyScope": "RESOURCE",
            "resourceArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vendedlogs/x",
            "revisionId": "1",
        }
    )
    # WHEN audit runs with --json
    result = run("audit", "--json", server=logs)
    # THEN both are listed with their lengths and what the wildcard would absorb
    assert result.returncode == 0, result.stderr
    data = record(result)
    rows = {row["policy_name"]: row for row in data["policies"]}
    assert set(rows) == {NAME, "Other"}
    assert rows[NAME]["absorbable"] == 4
    assert rows["Other"]["absorbable"] == 0
    assert rows[NAME]["length"] == len(json.dumps(report_document()))
    assert data["limit"] == 5120
    assert data["per_log_group_policies"] == 1


def test_unreachable_endpoint_is_one_line_exit_1() -> None:
    # GIVEN an endpoint where nothing listens
    result = run("plan", "--endpoint-url", "http://127.0.0.1:9")
    # THEN plan exits 1 with one line and no traceback
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_apply_leaves_a_malformed_policy_alone(logs: LogsServer) -> None:
    # GIVEN a stored policy whose Statement is not of IAM's grammar
    logs.rules.require_json = False
    logs_client(logs, REGION).put_resource_policy(
        policyName=NAME, policyDocument='{"Statement": 5}'
    )
    # WHEN apply runs
    result = run("apply", server=logs)
    # THEN it exits 1 naming the problem, and the policy is untouched
    assert result.returncode == 1
    assert "Statement must be" in result.stderr
    client = logs_client(logs, REGION)
    texts = [p["policyDocument"] for p in client.describe_resource_policies()["resourcePolicies"]]
    assert texts == ['{"Statement": 5}']


@pytest.mark.wire
def test_python_dash_m_runs_the_same_cli() -> None:
    # GIVEN the package run as a module, as README says `python -m vended_logs_policy` works
    result = subprocess.run(
        [sys.executable, "-m", "vended_logs_policy", "render", "--account", ACCOUNT,
         "--region", REGION, "--no-source-conditions", "--input", str(REPORT)],
        check=False, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    # THEN it prints the same compact document the console script prints
    script = run_script(
        "render", "--account", ACCOUNT, "--region", REGION, "--no-source-conditions",
        "--input", str(REPORT),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == script.stdout
    assert json.loads(result.stdout)["Statement"][0]["Resource"] == [STATES]


def test_apply_dry_run_plans_and_writes_nothing(logs: LogsServer) -> None:
    # GIVEN the report's policy
    seed(logs, report_document())
    puts = logs.calls_of("PutResourcePolicy")
    # WHEN apply --dry-run runs
    result = run("apply", "--dry-run", "--json", server=logs)
    # THEN it reports the change plan's way, exits 0 (not plan's 2), and writes nothing
    assert result.returncode == 0, result.stderr
    assert record(result)["changed"] is True
    assert logs.calls_of("PutResourcePolicy") == puts
    assert stored(logs) == report_document()


def test_audit_reports_an_unreadable_policy_and_goes_on(logs: LogsServer) -> None:
    # GIVEN a stored policy the engine cannot read, beside the report's
    logs.rules.require_json = False
    seed(logs, report_document())
    logs_client(logs, REGION).put_resource_policy(policyName="Broken", policyDocument="{oops")
    # WHEN audit runs
    result = run("audit", "--json", server=logs)
    # THEN both are listed: the broken one with its error, the other with its figures
    assert result.returncode == 0, result.stderr
    rows = {r["policy_name"]: r for r in record(result)["policies"]}
    assert rows["Broken"]["absorbable"] is None
    assert "not valid JSON" in rows["Broken"]["error"]
    assert rows[NAME]["absorbable"] == 4


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("plan", "--regions", " , "), "", "--regions has an empty item"),
        (("plan", "--regions", ""), "", "--regions needs region names or 'all'"),
        (("render", "--account", ACCOUNT, "--region", REGION), "[1]", "must be a JSON object"),
        (("render", "--account", ACCOUNT, "--region", REGION), '{"resourcePolicies": {}}',
         "resourcePolicies must be a list"),
        (("render", "--account", ACCOUNT, "--region", REGION),
         '{"resourcePolicies": [{"policyName": "AWSLogDeliveryWrite20150319"}]}',
         "policyDocument must be a string"),
        (("render", "--account", ACCOUNT, "--region", REGION, "--input", "/nonexistent/p.json"),
         "", "cannot read /nonexistent/p.json"),
        (("plan", "--prefix", "/aws/*", "--regions", "us-east-1,eu-west-1"), "",
         "--prefix: log group prefix '/aws/*' must not contain wildcards"),
    ],
)  # fmt: skip
def test_more_bad_input_is_one_line_exit_1(
    logs: LogsServer, args: tuple[str, ...], stdin: str, message: str
) -> None:
    result = run(*args, server=logs, stdin=stdin)
    assert result.returncode == 1
    [line] = result.stderr.splitlines()
    assert line.startswith("vended-logs-policy: error: ")
    assert message in line
    assert logs.calls_of("PutResourcePolicy") == 0
