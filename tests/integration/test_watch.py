"""The watch through its real handler against moto in server mode: it measures, never writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.function_env import WATCH, function_environment
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import (
    ARN,
    NAME,
    SCOPE,
    delivery_statement,
    document,
    route53_text,
    seeded_document,
)
from local_aws.product import product_clients, seed, stored_text
from vended_logs_policy.engine.policy import CLASSIC_LIMIT
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.function.watch import WatchFailedError, WatchHandler


def watch(server: LogsServer, **environ: str) -> WatchHandler:
    """The watch with template.yaml's environment for it, and ``environ`` over it."""
    return watch_in(server, function_environment(WATCH) | environ)


def watch_in(server: LogsServer, environ: dict[str, str]) -> WatchHandler:
    return WatchHandler(Runtime(clients=product_clients(server), sleep=lambda _: None), environ)


def emitted(output: str) -> list[dict[str, Any]]:
    """The embedded-metric-format records printed on stdout."""
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    return [r for r in records if "_aws" in r]


def metric_values(records: list[dict[str, Any]]) -> dict[tuple[str, str], float]:
    values: dict[tuple[str, str], float] = {}
    for record in records:
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "VendedLogsPolicy"
        for metric in directive["Metrics"]:
            value = record[metric["Name"]]
            (value,) = value if isinstance(value, list) else [value]
            values[(str(record.get("PolicyName", "")), metric["Name"])] = value
    return values


def test_watch_emits_length_percent_uncovered_and_count_per_policy(
    logs: LogsServer, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the grown policy and another team's Route 53 policy
    seed(logs, seeded_document())
    seed(logs, route53_text(1), name="Route53Logs")
    before = stored_text(logs)
    length = len(before or "")
    # WHEN the schedule fires
    result = watch(logs)(load_event("watch"), lambda_context)
    # THEN it measured both policies and wrote nothing
    assert result["status"] == "SUCCESS", result
    assert logs.calls_of("PutResourcePolicy") == 0
    assert stored_text(logs) == before
    # AND the metrics carry the values the alarm and dashboard read
    records = emitted(capsys.readouterr().out)
    values = metric_values(records)
    assert values[(NAME, "PolicyLength")] == length
    assert values[(NAME, "PolicyLengthPercent")] == round(100 * length / CLASSIC_LIMIT, 1)
    assert values[(NAME, "UncoveredDeliveryResources")] == 1  # the seeded outside resource
    assert values[("", "AccountPolicyCount")] == 2
    assert values[("", "OverBroadGrants")] == 2  # unconditional, and reaching /aws/apigateway/
    assert all(r["service"] == "vended-logs-policy" for r in records)
    dimensions = {frozenset(r["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) for r in records}
    assert dimensions == {frozenset({"service", "PolicyName"}), frozenset({"service"})}


def test_the_metrics_are_named_by_the_environments_powertools_variables_only(
    logs: LogsServer, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a watch whose environment names another namespace and service than the template's
    seed(logs, seeded_document())
    handler = watch(
        logs, POWERTOOLS_METRICS_NAMESPACE="Elsewhere", POWERTOOLS_SERVICE_NAME="other-service"
    )
    # WHEN the schedule fires
    assert handler(load_event("watch"), lambda_context)["status"] == "SUCCESS"
    # THEN every metric is published under those names, none under the template's
    records = emitted(capsys.readouterr().out)
    assert records
    assert {r["_aws"]["CloudWatchMetrics"][0]["Namespace"] for r in records} == {"Elsewhere"}
    assert {r["service"] for r in records} == {"other-service"}


@pytest.mark.parametrize("missing", ["POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_SERVICE_NAME"])
def test_a_missing_metrics_variable_fails_naming_it_and_its_fix_works(
    logs: LogsServer,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    missing: str,
) -> None:
    # GIVEN a watch whose environment lacks one of the variables that name its metrics
    seed(logs, seeded_document())
    template = function_environment(WATCH)
    environ = {name: value for name, value in template.items() if name != missing}
    # WHEN the schedule fires, THEN it fails before any call, naming the variable and the fix
    with pytest.raises(WatchFailedError) as raised:
        watch_in(logs, environ)(load_event("watch"), lambda_context)
    assert str(raised.value) == (
        f"{missing} not set in the watch's environment: set it as template.yaml's WatchFunction "
        "does (the stack's alarms and dashboard read the metrics by namespace and service)"
    )
    assert emitted(capsys.readouterr().out) == []
    assert logs.calls == []
    # AND set as the template sets it, the same watch measures
    environ[missing] = template[missing]
    assert watch_in(logs, environ)(load_event("watch"), lambda_context)["status"] == "SUCCESS"
    assert emitted(capsys.readouterr().out)


def test_watch_failure_is_logged_and_raised_so_lambda_counts_an_error(
    logs: LogsServer,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN a watch that lost its permission to read the policies
    logs.faults.fail("DescribeResourcePolicies", code="AccessDeniedException", times=1)
    reason = "not allowed to call logs:DescribeResourcePolicies: grant it to the caller's role"
    # WHEN the schedule fires, THEN the invocation fails (Lambda's Errors, the schedule retries)
    with pytest.raises(WatchFailedError) as raised:
        watch(logs)(load_event("watch"), lambda_context)
    assert str(raised.value) == reason
    assert raised.value.__cause__ is None  # one line, not a chain of tracebacks
    # AND the reason is logged, and no metric says all is well
    assert emitted(capsys.readouterr().out) == []
    (record,) = [r for r in caplog.records if r.getMessage() == "watch failed"]
    assert getattr(record, "reason", None) == reason


def test_watch_with_bad_settings_raises_naming_the_variable(
    logs: LogsServer, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(WatchFailedError, match="VLP_ALLOWED_PREFIXES"):
        watch(logs, VLP_ALLOWED_PREFIXES="/aws/*")(load_event("watch"), lambda_context)
    assert emitted(capsys.readouterr().out) == []
    assert logs.calls == []


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, 3),  # the outside log group, /a*, and the unconditional statement
        ({"VLP_ALLOW_UNCONDITIONAL_GRANTS": "true"}, 2),
        ({"VLP_ALLOWED_PREFIXES": "/aws/vendedlogs/,/aws/apigateway/"}, 2),
    ],
    ids=["defaults", "unconditional-allowed", "apigateway-allowed"],
)
def test_watch_counts_over_broad_grants(
    logs: LogsServer,
    lambda_context: FakeLambdaContext,
    capsys: pytest.CaptureFixture[str],
    environ: dict[str, str],
    expected: int,
) -> None:
    # GIVEN the grown policy (its statement is unconditional and reaches /aws/apigateway/welcome)
    # AND another policy granting delivery on every log group starting with /a, conditioned
    seed(logs, seeded_document())
    broad = delivery_statement([f"{ARN}:/a*:*"], sid="Broad", Condition=SCOPE.source_conditions())
    seed(logs, json.dumps(document(broad)), name="Broad")
    # WHEN the schedule fires
    result = watch(logs, **environ)(load_event("watch"), lambda_context)
    # THEN OverBroadGrants counts them, and the result names each statement
    values = metric_values(emitted(capsys.readouterr().out))
    assert values[("", "OverBroadGrants")] == expected
    assert len(result["over_broad_grants"]) == expected
    assert any(
        line.startswith("Broad: broad-grant: Sid Broad") for line in result["over_broad_grants"]
    )
