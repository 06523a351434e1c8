"""CloudWatch Logs API calls per request: behaviour, so asserted here (benchmarks/ reports them).

An already compliant policy costs one read (``DescribeResourcePolicies``) and no write; a change
costs a read, a write and a verifying read; Delete costs nothing. Counted with botocore's event
hooks on the client the adapter uses (``before-call`` per API call, ``before-send`` per HTTP
request, so a hidden retry would show) and, independently, by the strict layer's call log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import pytest

from local_aws.call_counter import CallCounter
from local_aws.events import RequestType, cfn_request
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer, logs_client
from local_aws.policies import (
    NAME,
    REGION,
    SCOPE,
    compliant_text,
    report_text,
    route53_text,
)
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.function import custom_resource as handler
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.logs import ResourcePolicies, make_client

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext
    from mypy_boto3_logs import CloudWatchLogsClient

READ = "DescribeResourcePolicies"
WRITE = "PutResourcePolicy"


def seed(server: LogsServer, policies: dict[str, str]) -> None:
    client = logs_client(server, REGION, out_of_band=True)
    for name, text in policies.items():
        client.put_resource_policy(policyName=name, policyDocument=text)


def stored(server: LogsServer) -> str | None:
    policies = logs_client(server, REGION, out_of_band=True).describe_resource_policies()
    return next(
        (p["policyDocument"] for p in policies["resourcePolicies"] if p["policyName"] == NAME),
        None,
    )


def ensure_through_adapter(server: LogsServer) -> CallCounter:
    counter = CallCounter()
    client = counter.attach(make_client(REGION, endpoint_url=server.url))
    ResourcePolicies(client).ensure(NAME, SCOPE, Options())
    return counter


def through_handler(
    request_type: RequestType,
    cfn: ResponseEndpoint,
    context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[CallCounter, dict[str, Any]]:
    """One request through the real lambda_handler, counting on the client it builds."""
    counter = CallCounter()
    real = handler.make_client  # type: ignore[attr-defined]

    def make_counted(*args: Any, **kwargs: Any) -> CloudWatchLogsClient:
        return counter.attach(real(*args, **kwargs))

    monkeypatch.setattr(handler, "make_client", make_counted)
    physical = None if request_type == "Create" else f"vended-logs-policy-{REGION}-{NAME}"
    event = cfn_request(
        request_type,
        {"PolicyName": NAME},
        response_url=cfn.url_for(f"api-calls-{request_type}"),
        physical_resource_id=physical,
    )
    before = len(cfn.responses)
    handler.lambda_handler(event, cast("LambdaContext", context))
    answer = cfn.wait_for(before + 1)[-1].body
    assert answer is not None
    return counter, answer


# ---- the adapter ---------------------------------------------------------------------------


@pytest.mark.parametrize("others", [0, 9], ids=["alone", "region-at-its-quota-of-10"])
def test_compliant_policy_costs_one_read_and_no_write(logs: LogsServer, others: int) -> None:
    # GIVEN the policy already compliant (alone, or with 9 others: still one page of 50)
    seed(logs, {NAME: compliant_text()} | {f"Other{i}": route53_text(i) for i in range(others)})

    # WHEN the adapter ensures it
    counter = ensure_through_adapter(logs)

    # THEN one read and nothing else, on the client and at the server
    assert counter.operations == [READ]
    assert counter.requests == 1
    assert logs.calls == [READ]


@pytest.mark.parametrize("existing", [True, False], ids=["report-policy", "no-policy-yet"])
def test_change_costs_read_write_and_verifying_read(logs: LogsServer, existing: bool) -> None:
    # GIVEN the report's policy, or none at all
    if existing:
        seed(logs, {NAME: report_text()})

    # WHEN the adapter ensures it
    counter = ensure_through_adapter(logs)

    # THEN read, write, read back: three calls, three HTTP requests, and the policy is fixed
    assert counter.operations == [READ, WRITE, READ]
    assert counter.requests == 3
    assert logs.calls == [READ, WRITE, READ]
    assert stored(logs) == compliant_text()


# ---- the real handler ----------------------------------------------------------------------


def test_create_then_update_then_delete_through_the_handler(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN the report's policy
    seed(logs, {NAME: report_text()})

    # WHEN CloudFormation sends Create
    created, answer = through_handler("Create", cfn, lambda_context, monkeypatch)
    # THEN read, write and verifying read
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "true"
    assert created.operations == [READ, WRITE, READ]
    assert created.requests == 3
    assert logs.calls == [READ, WRITE, READ]

    # WHEN an Update finds the policy compliant
    calls_before = len(logs.calls)
    updated, answer = through_handler("Update", cfn, lambda_context, monkeypatch)
    # THEN one read and no write
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "false"
    assert updated.operations == [READ]
    assert updated.requests == 1
    assert logs.calls[calls_before:] == [READ]

    # WHEN the stack is deleted
    calls_before = len(logs.calls)
    deleted, answer = through_handler("Delete", cfn, lambda_context, monkeypatch)
    # THEN no call at all, and the policy stays
    assert answer["Status"] == "SUCCESS"
    assert deleted.operations == []
    assert deleted.requests == 0
    assert logs.calls[calls_before:] == []
    assert stored(logs) == compliant_text()


def test_repeated_create_on_a_compliant_policy_costs_one_read(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a compliant policy (CloudFormation retried a Create that already succeeded)
    seed(logs, {NAME: compliant_text()})

    # WHEN the Create arrives
    counter, answer = through_handler("Create", cfn, lambda_context, monkeypatch)

    # THEN one read and no write
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"]["Changed"] == "false"
    assert counter.operations == [READ]
    assert logs.calls == [READ]
