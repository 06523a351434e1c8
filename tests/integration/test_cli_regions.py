"""``--regions`` (several regions at once) and ``audit --state-machines``, against moto."""

from __future__ import annotations

import boto3

from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import ACCOUNT, NAME, report_document
from tests.support import make_state_machine, output, record, run, seed

REGIONS = ("eu-west-1", "us-east-1", "us-west-2")


def test_plan_and_apply_over_several_regions(logs: LogsServer) -> None:
    # GIVEN one region already compliant and two empty ones
    assert run("apply", server=logs).returncode == 0
    # WHEN plan runs over three regions
    planned = run("plan", "--regions", ",".join(REGIONS), server=logs)
    # THEN one line per region, a total, and exit 0: the empty regions hold no policy yet, which
    # is said, not a drift (--fail-on no-policy makes it one)
    assert planned.returncode == 0, planned.stderr
    lines = planned.stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        *(f"{ACCOUNT} {region}" for region in REGIONS),
        "total",
    ]
    assert lines[2].startswith(f"{ACCOUNT} us-west-2: {NAME}: already compliant")
    assert lines[0].startswith(f"{ACCOUNT} eu-west-1: {NAME}: no policy yet")
    assert lines[-1] == "total: 3 regions, 0 failed, 0 need a change, 2 without the policy"
    failing = run("plan", "--regions", ",".join(REGIONS), "--fail-on", "no-policy", server=logs)
    assert failing.returncode == 2, failing.stderr
    # WHEN apply runs over them THEN every region ends compliant
    applied = run("apply", "--regions", ",".join(REGIONS), "--json", server=logs)
    assert applied.returncode == 0, applied.stderr
    data = output(applied)
    assert [r["writes"] for r in data["targets"]] == [1, 1, 0]
    assert [r["status"] for r in data["targets"]] == ["written", "written", "unchanged"]
    assert run("plan", "--regions", ",".join(REGIONS), server=logs).returncode == 0


def test_one_failing_region_does_not_stop_the_others(logs: LogsServer) -> None:
    # GIVEN a malformed policy in eu-west-1 only
    logs.rules.require_json = False
    logs_client(logs, "eu-west-1", out_of_band=True).put_resource_policy(
        policyName=NAME, policyDocument='{"Statement": "nope"}'
    )
    # WHEN apply runs over three regions
    result = run("apply", "--regions", ",".join(REGIONS), server=logs)
    # THEN the other two are written, eu-west-1 is reported, and the exit code is 1
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{ACCOUNT} eu-west-1: error:")
    assert lines[1].startswith(f"{ACCOUNT} us-east-1: {NAME}: written")
    assert lines[2].startswith(f"{ACCOUNT} us-west-2: {NAME}: written")
    assert lines[3] == "total: 3 regions, 1 failed, 2 written"
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"vended-logs-policy: error: {ACCOUNT} eu-west-1: ")
    stored = logs_client(logs, "eu-west-1", out_of_band=True).describe_resource_policies()
    assert [p["policyDocument"] for p in stored["resourcePolicies"]] == ['{"Statement": "nope"}']


def test_regions_all_uses_the_enabled_regions_of_the_partition(logs: LogsServer) -> None:
    # GIVEN the account's enabled regions as EC2 reports them (moto lists other partitions' too)
    enabled = boto3.client("ec2", region_name="us-west-2", endpoint_url=logs.url)
    listed = sorted(r["RegionName"] for r in enabled.describe_regions()["Regions"])
    names = [n for n in listed if not n.startswith(("cn-", "us-gov-"))]
    assert len(names) < len(listed)
    asked = logs.calls_of("DescribeRegions")
    # WHEN plan runs with --regions all
    result = run("plan", "--regions", "all", "--json", server=logs)
    # THEN every enabled region of the caller's partition is planned, each without the policy
    assert result.returncode == 0, result.stderr
    data = output(result)
    assert [r["region"] for r in data["targets"]] == names
    assert all(r["changed"] for r in data["targets"])
    assert logs.calls_of("DescribeRegions") - asked == 1


def test_audit_lists_state_machines_no_grant_covers(logs: LogsServer) -> None:
    # GIVEN the report's policy (per-ARN grants) and four state machines
    seed(logs, report_document())
    make_state_machine(logs, "hello", "/aws/vendedlogs/states/HelloWorld-Logs")
    make_state_machine(logs, "orders", "/aws/vendedlogs/states/Orders-Logs")
    make_state_machine(logs, "custom", "/custom/app-logs")
    make_state_machine(logs, "quiet", None, level="OFF")
    # WHEN audit --state-machines runs
    before = run("audit", "--state-machines", "--json", server=logs)
    # THEN the two log groups without a grant are listed, not the granted or silent ones
    assert before.returncode == 0, before.stderr
    listed = {m["name"] for m in record(before)["uncovered_state_machines"]}
    assert listed == {"orders", "custom"}
    # WHEN the wildcard is applied THEN only the log group outside the prefix is left
    assert run("apply", server=logs).returncode == 0
    after = run("audit", "--state-machines", server=logs)
    assert after.returncode == 0, after.stderr
    assert "state machines logging to log groups no grant covers: 1" in after.stdout
    assert "custom: arn:aws:logs:us-west-2:" in after.stdout
