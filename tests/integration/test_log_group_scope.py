"""Both policy scopes (issue 15): audit, tidy, restore and apply --absorb against the strict layer.

The account: the grown account-level policy, per-log-group policies of all three kinds (two
redundant once the wildcard is there, one of which changes between tidy's read and its delete),
and another delivery-only account-level policy.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.function_env import WATCH, function_environment
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import ARN, NAME, ROUTE53, delivery_statement, document, seeded_document
from local_aws.product import product_clients, seed, stored_document, stored_policies
from vended_logs_policy.adapters.logs import ResourcePolicies
from vended_logs_policy.cli import main
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.function.watch import WatchHandler

REDUNDANT = f"{ARN}:/aws/vendedlogs/states/orders-Logs"
CHANGING = f"{ARN}:/aws/vendedlogs/states/billing-Logs"
WAF = f"{ARN}:aws-waf-logs-shop"
TEAM = f"{ARN}:/team/app"
OTHER = "OtherDelivery"
COVERED = f"{ARN}:/aws/vendedlogs/states/legacy-Logs:log-stream:*"
UNCOVERED = f"{ARN}:/custom/legacy:*"


def cli(*args: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([*args, "--json"], out=out, err=err)
    return code, json.loads(out.getvalue()), err.getvalue()


def error_of(data: dict[str, Any]) -> str:
    return str(data.get("error") or target_of(data)["error"])


def target_of(data: dict[str, Any]) -> dict[str, Any]:
    (target,) = data["targets"]
    result: dict[str, Any] = target
    return result


def resource_policies(server: LogsServer) -> dict[str, dict[str, Any]]:
    client = logs_client(server, out_of_band=True)
    listed = client.describe_resource_policies(policyScope="RESOURCE")["resourcePolicies"]
    return {p["resourceArn"]: dict(p) for p in listed}


def put_team_policy(server: LogsServer, arn: str, statement: dict[str, Any]) -> None:
    logs_client(server, out_of_band=True).put_resource_policy(
        policyName="team", policyDocument=json.dumps(document(statement)), resourceArn=arn
    )


def build_account(server: LogsServer, other: list[str] | None = None) -> None:
    """The issue's account, before the wildcard exists."""
    seed(server, seeded_document())
    for arn in (REDUNDANT, CHANGING, WAF):
        assert server.deliver_to(arn) is not None  # no wildcard yet: the service adds one each
    put_team_policy(server, TEAM, ROUTE53)
    seed(server, document(delivery_statement(other or [COVERED])), name=OTHER)


def change_on_read(server: LogsServer, arn: str) -> None:
    """Another writer rewrites the log group's policy right after tidy reads the RESOURCE scope."""
    done: list[bool] = []

    def rewrite(request: dict[str, Any]) -> None:
        if request.get("policyScope") != "RESOURCE" or done:
            return
        done.append(True)
        held = resource_policies(server)[arn]
        logs_client(server, out_of_band=True).put_resource_policy(
            policyName=held["policyName"],
            policyDocument=held["policyDocument"],
            resourceArn=arn,
            expectedRevisionId=held["revisionId"],
        )

    server.hooks.after("DescribeResourcePolicies", rewrite)


def test_audit_reports_each_kind_and_the_policy_that_could_fold_in(logs: LogsServer) -> None:
    # GIVEN the account
    build_account(logs)
    # WHEN audit runs, failing on redundant per-log-group policies
    code, data, _ = cli("audit", "--fail-on", "redundant-log-group-policies")
    # THEN each per-log-group policy is classified against the wildcard apply would write
    target = target_of(data)
    found = target["log_group_policies"]
    assert found["count"] == 4
    assert sorted(found["redundant"]) == sorted([REDUNDANT, CHANGING])
    assert found["delivery"] == [WAF]
    assert found["foreign"] == [TEAM]
    assert found["largest_length"] == max(
        len(p["policyDocument"]) for p in resource_policies(logs).values()
    )
    # AND the other delivery-only account-level policy is a candidate to fold in
    assert target["foldable_policies"] == [OTHER]
    # AND the finding fails the run
    assert "redundant-log-group-policies" in target["failing"]
    assert code == 2


def test_tidy_removes_exactly_the_redundant_ones_and_skips_the_changed_one(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN the account, and a writer that changes one policy between read and delete
    build_account(logs)
    before = resource_policies(logs)
    change_on_read(logs, CHANGING)
    # WHEN tidy runs
    code, data, _ = cli("tidy", "--backup-dir", str(tmp_path))
    # THEN the wildcard was ensured first, the unchanged redundant policy removed, the changed one
    # skipped with the reason, and the delivery and foreign policies kept as they were
    target = target_of(data)
    assert target["wildcard_written"] is True
    assert target["removed"] == [REDUNDANT]
    (skipped,) = target["skipped"]
    assert skipped["resource_arn"] == CHANGING
    assert "revision changed" in skipped["reason"]
    after = resource_policies(logs)
    assert set(after) == {CHANGING, WAF, TEAM}
    for arn in (WAF, TEAM):
        assert after[arn]["policyDocument"] == before[arn]["policyDocument"]
    assert target["kept"] == {"delivery": [WAF], "foreign": [TEAM]}
    # AND every grant of the account-level policy is kept (Route 53's statement too)
    assert ROUTE53 in stored_document(logs)["Statement"]
    # AND the exit code says a policy was skipped
    assert code == 2
    # AND one delete was refused, none retried
    assert logs.calls_of("DeleteResourcePolicy") == 2


def test_tidy_dry_run_lists_and_touches_nothing(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN the account
    build_account(logs)
    before = (stored_policies(logs), resource_policies(logs))
    # WHEN tidy runs with --dry-run
    code, data, _ = cli("tidy", "--dry-run", "--backup-dir", str(tmp_path))
    # THEN it lists the redundant ones and writes or deletes nothing
    assert code == 0
    assert sorted(target_of(data)["would_remove"]) == sorted([REDUNDANT, CHANGING])
    assert (stored_policies(logs), resource_policies(logs)) == before
    assert logs.calls_of("PutResourcePolicy") == logs.calls_of("DeleteResourcePolicy") == 0


def test_restore_puts_a_removed_policy_back_and_refuses_over_another(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN tidy removed the redundant policies, each backed up first
    build_account(logs)
    removed_text = resource_policies(logs)[REDUNDANT]["policyDocument"]
    code, data, _ = cli("tidy", "--backup-dir", str(tmp_path))
    assert code == 0, data
    (backup,) = [
        Path(p)
        for p in target_of(data)["backups"]
        if json.loads(Path(p).read_text()).get("resource_arn") == REDUNDANT
    ]
    # WHEN restore puts it back
    code, data, _ = cli("restore", str(backup), "--backup-dir", str(tmp_path))
    # THEN the log group holds it again, on the log group, not at account level
    assert code == 0, data
    assert resource_policies(logs)[REDUNDANT]["policyDocument"] == removed_text
    assert "AWSLogDeliveryWrite" not in stored_policies(logs)
    # AND the backup restore took (the log group held nothing) is not restored by deleting
    (empty,) = [Path(p) for p in target_of(data)["backups"]]
    assert json.loads(empty.read_text())["document"] is None
    code, data, _ = cli("restore", str(empty), "--backup-dir", str(tmp_path))
    assert code == 1
    assert "restore never deletes one" in error_of(data)
    assert "--expected-revision-id" in error_of(data)
    assert REDUNDANT in resource_policies(logs)
    # AND when the log group holds another policy, restore refuses and writes nothing
    client = logs_client(logs, out_of_band=True)
    held = resource_policies(logs)[REDUNDANT]
    client.delete_resource_policy(
        policyName=held["policyName"], resourceArn=REDUNDANT, expectedRevisionId=held["revisionId"]
    )
    put_team_policy(logs, REDUNDANT, ROUTE53)
    code, data, _ = cli("restore", str(backup), "--backup-dir", str(tmp_path))
    assert code == 1
    assert "already holds policy team" in error_of(data)
    assert resource_policies(logs)[REDUNDANT]["policyName"] == "team"


def test_absorb_folds_a_delivery_only_policy_in_and_frees_its_slot(
    logs: LogsServer, tmp_path: Path
) -> None:
    # GIVEN another delivery-only account-level policy, partly covered by the wildcard
    build_account(logs, other=[COVERED, UNCOVERED])
    count = len(stored_policies(logs))
    # WHEN apply folds it in
    code, data, _ = cli("apply", "--absorb", OTHER, "--backup-dir", str(tmp_path))
    # THEN it is gone, its uncovered grant is in the target, and both were backed up
    assert code == 0, data
    policies = stored_policies(logs)
    assert OTHER not in policies
    assert len(policies) == count - 1
    resources = [
        r
        for s in stored_document(logs)["Statement"]
        for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
    ]
    assert UNCOVERED in resources
    saved = {json.loads(Path(p).read_text())["policy_name"] for p in target_of(data)["backups"]}
    assert saved == {NAME, OTHER}


def test_absorb_refuses_a_policy_with_a_foreign_statement(logs: LogsServer, tmp_path: Path) -> None:
    # GIVEN another account-level policy that also grants Route 53
    seed(logs, seeded_document())
    seed(logs, document(delivery_statement([COVERED]), ROUTE53), name=OTHER)
    before = stored_policies(logs)
    # WHEN apply is asked to fold it in
    code, data, _ = cli("apply", "--absorb", OTHER, "--backup-dir", str(tmp_path))
    # THEN it refuses, naming why, and writes nothing
    assert code == 1
    assert "another principal or action" in error_of(data)
    assert stored_policies(logs) == before


class _IgnoresScope:
    """An endpoint that ignores ``policyScope``: account-level policies, no scope field."""

    def describe_resource_policies(self, **_: Any) -> dict[str, Any]:
        return {"resourcePolicies": [{"policyName": "a", "policyDocument": "{}"}]}


def test_an_endpoint_ignoring_the_scope_is_not_miscounted() -> None:
    # GIVEN an endpoint that answers a RESOURCE-scope request with account-level policies
    policies = ResourcePolicies(_IgnoresScope())  # type: ignore[arg-type]
    # WHEN per-log-group policies are read
    # THEN none is counted
    assert policies.log_group_policies() == []


@pytest.mark.parametrize("limit", [1, 50])
def test_per_log_group_policies_are_read_through_every_page(logs: LogsServer, limit: int) -> None:
    # GIVEN three per-log-group policies and a service that pages by one
    for name in ("a", "b", "c"):
        assert logs.deliver_to(f"{ARN}:/aws/vendedlogs/states/{name}") is not None
    logs.rules.max_page_size = limit
    # WHEN they are read
    found = ResourcePolicies(logs_client(logs)).log_group_policies()
    # THEN each comes with its ARN and revision
    assert [p.resource_arn.rsplit("/", 1)[1] for p in found] == ["a", "b", "c"]
    assert all(p.revision_id for p in found)


def test_the_guard_answers_a_log_group_delivery_destination(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN the grown policy
    seed(logs, seeded_document())
    runtime = Runtime(clients=product_clients(logs), sleep=lambda _: None)
    # WHEN the hook runs before a V2 delivery destination for a log group under the prefix
    handler = AccountGuardHandler(runtime, {})
    answer = handler(load_event("hook-delivery-destination"), lambda_context)
    # THEN it ensured the wildcard and reports the destination covered
    assert answer["hookStatus"] == "SUCCESS", answer["message"]
    assert answer["message"].startswith(f"policy {NAME} ensured: wrote")
    assert [a["status"] for a in answer["annotations"]] == ["PASSED"]
    # AND a destination outside the prefixes gets the state machines' remedy
    event = load_event("hook-delivery-destination")
    properties = event["requestData"]["targetModel"]["resourceProperties"]
    properties["DestinationResourceArn"] = f"{ARN}:/custom/orders"
    answer = handler(event, lambda_context)
    (annotation,) = answer["annotations"]
    assert annotation["status"] == "FAILED"
    assert "a policy on the log group itself" in annotation["statusMessage"]
    assert "Step Functions" not in answer["message"]
    assert (
        "/custom/orders to the bootstrap stack's LogGroupPrefixes"
        in annotation["remediationMessage"]
    )


def test_the_guard_leaves_a_destination_that_is_not_a_log_group(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a delivery destination to an S3 bucket
    event = load_event("hook-delivery-destination")
    properties = event["requestData"]["targetModel"]["resourceProperties"]
    properties["DestinationResourceArn"] = "arn:aws:s3:::orders-logs"
    runtime = Runtime(clients=product_clients(logs), sleep=lambda _: None)
    # WHEN the hook runs
    answer = AccountGuardHandler(runtime, {})(event, lambda_context)
    # THEN SUCCESS without a call to CloudWatch Logs
    assert answer["hookStatus"] == "SUCCESS"
    assert logs.calls == []


def test_the_watch_emits_the_per_log_group_metrics(
    logs: LogsServer, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the account
    build_account(logs)
    # WHEN the watch measures
    runtime = Runtime(clients=product_clients(logs), sleep=lambda _: None)
    result = WatchHandler(runtime, function_environment(WATCH))(load_event("watch"), lambda_context)
    # THEN it counts the per-log-group policies and the redundant ones
    assert result["status"] == "SUCCESS", result
    records = [
        json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line
    ]
    values = {
        m["Name"]: r[m["Name"]]
        for r in records
        for m in r["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    }
    assert values["LogGroupPolicyCount"] == [4.0]
    assert values["RedundantLogGroupPolicies"] == [2.0]


def test_audit_text_names_the_kinds_and_the_remedies(logs: LogsServer) -> None:
    # GIVEN the account
    build_account(logs)
    out, err = io.StringIO(), io.StringIO()
    # WHEN audit prints for people
    code = main(["audit"], out=out, err=err)
    # THEN it counts each kind, names the redundant ones and the policy that could fold in
    text = out.getvalue()
    assert code == 0, err.getvalue()
    assert "2 redundant under the wildcard, 1 delivery with an uncovered grant, 1 foreign" in text
    assert f"redundant (tidy removes it): {REDUNDANT}" in text
    assert "log groups whose one policy slot a delivery-only policy takes: 3" in text
    assert f"apply --absorb {OTHER} frees its slot" in text
