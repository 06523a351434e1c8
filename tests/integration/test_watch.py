"""The watch through its real handler against moto in server mode: it measures, never writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import NAME, route53_text, seeded_document
from local_aws.product import product_clients, seed, stored_text
from vended_logs_policy.engine.policy import CLASSIC_LIMIT
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.function.watch import WatchHandler


def watch(server: LogsServer, **environ: str) -> WatchHandler:
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
    assert all(r["service"] == "vended-logs-policy" for r in records)
    dimensions = {frozenset(r["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]) for r in records}
    assert dimensions == {frozenset({"service", "PolicyName"}), frozenset({"service"})}


def test_watch_failure_is_logged_and_returned_not_raised(
    logs: LogsServer, lambda_context: FakeLambdaContext, capsys: pytest.CaptureFixture[str]
) -> None:
    logs.faults.fail("DescribeResourcePolicies", code="AccessDeniedException", times=1)
    result = watch(logs)(load_event("watch"), lambda_context)
    assert result == {
        "status": "FAILED",
        "reason": (
            "not allowed to call logs:DescribeResourcePolicies: grant it to the caller's role"
        ),
    }
    assert emitted(capsys.readouterr().out) == []
