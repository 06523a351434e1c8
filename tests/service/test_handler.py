"""The custom resource's handler over the in-memory fake: the product's handler, runtime,
service and Logs adapter, with the fake's clock for pauses and deadlines and its answers recorded
instead of sent (``local_aws.fake_logs.fake_custom_resource``). Moved from
``tests/integration/test_faults.py`` where the wire is not the point.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.fake_logs import FakeLogs, fake_custom_resource
from local_aws.lambda_context import FakeLambdaContext
from local_aws.policies import NAME, REGION, ROUTE53, compliant_text, document, report_text
from local_aws.response_endpoint import MAX_BODY_BYTES

READ = "DescribeResourcePolicies"
WRITE = "PutResourcePolicy"


@pytest.fixture
def logs() -> FakeLogs:
    """An empty fake CloudWatch Logs region on a manual clock."""
    return FakeLogs()


def invoke(fake: FakeLogs, event: dict[str, Any] | None = None) -> dict[str, Any]:
    """Send Create (events/create.json by default) through the handler over the fake, with 60 s
    on the fake's clock; return its one answer, checked to fit CloudFormation's 4096 bytes."""
    handler, sender = fake_custom_resource(fake)
    context = FakeLambdaContext(clock=fake.clock)
    handler(event if event is not None else load_event("create"), context)
    [answer] = sender.answers
    assert len(json.dumps(answer).encode()) <= MAX_BODY_BYTES
    assert handler.bridge.wait_for_timer(1.0)
    return answer


OTHER_POLICIES = [
    "TrustEventsToStoreLogEvent",
    "route53-query-logging-policy",
    "OpenSearchServiceLogPublishing",
    "AWSLogDeliveryWrite-apigateway-prod",
    "AmazonMQ-general-logs",
    "es-slow-search-logs",
    "AppSyncLogsPolicy",
    "CodeBuildProjectLogs",
    "IoTCoreLoggingPolicy",
    "VPCFlowLogsDeliveryPolicy",
]


def test_limit_exceeded_names_the_quota_and_the_others_without_retrying(logs: FakeLogs) -> None:
    # GIVEN ten other account-level policies (the quota) and none named like ours
    for other in OTHER_POLICIES:
        logs.seed(document(ROUTE53), other)
    # WHEN Create asks for a policy that does not exist yet
    answer = invoke(logs)
    # THEN FAILED, naming the quota and the policies that fill it
    reason = answer["Reason"]
    assert answer["Status"] == "FAILED"
    assert reason.startswith(f"cannot create policy {NAME}: the region already has 10 ")
    assert "(quota 10)" in reason
    # AND what to do, then as many whole policy names as fit (none cut), then how many more
    advice, _, listed = reason.partition("; reuse one as the policy name or delete one: ")
    assert advice, reason
    assert listed, reason
    shown, _, more = listed.partition(" and ")
    named = shown.split(", ")
    assert all(other in OTHER_POLICIES for other in named), f"a name was cut: {reason}"
    assert len(named) >= 3, reason
    hidden = len(OTHER_POLICIES) - len(named)
    assert more == (f"{hidden} more" if hidden else "")
    # AND the write was tried once: a quota is not throttling (botocore's standard mode would
    # have retried it), and there was nothing to verify
    assert logs.calls_of("PutResourcePolicy") == 1
    assert logs.calls_of("DescribeResourcePolicies") == 1
    assert logs.clock.slept == []
    assert logs.stored() is None
    assert sorted(logs.policies) == sorted(OTHER_POLICIES)


def test_create_fixes_the_report_policy_with_three_calls_and_no_pause(logs: FakeLogs) -> None:
    # GIVEN the field report's policy
    logs.seed(report_text())
    # WHEN Create arrives
    answer = invoke(logs)
    # THEN SUCCESS, changed, with the stable physical id: read, write, verifying read, no pause
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["Changed"] == "true"
    assert answer["PhysicalResourceId"] == f"vended-logs-policy-{REGION}-{NAME}"
    assert logs.calls == [READ, WRITE, READ]
    assert logs.stored() == compliant_text()
    assert logs.clock.slept == []


def test_delete_calls_nothing_and_leaves_the_policy(logs: FakeLogs) -> None:
    logs.seed(report_text())
    answer = invoke(logs, load_event("delete"))
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert logs.calls == []
    assert logs.stored() == report_text()


def test_a_slow_throttled_service_is_answered_before_the_function_times_out(
    logs: FakeLogs,
) -> None:
    # GIVEN reads that each take 10 s on the function's clock and are throttled, again and again
    logs.faults.fail(READ, code="ThrottlingException", times=10, seconds=10.0)
    # WHEN Create arrives with 60 s to run
    answer = invoke(logs)
    # THEN FAILED, naming the call, with the 5 s safety margin still left on the function's
    # clock (the retry budget stopped before a call that would not fit), and nothing written
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("CloudWatch Logs DescribeResourcePolicies kept failing")
    assert logs.calls_of(WRITE) == 0
    assert logs.clock() <= 60.0 - 5.0
