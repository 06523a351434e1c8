"""The custom resource's whole lifecycle through the real handler.

The handler is ``CustomResourceHandler`` with the product's clients pointed at the local endpoint
(the ``handler`` fixture). CloudWatch Logs is moto in server mode over HTTP; each answer goes over
real TLS to the test's HTTPS endpoint (trustme CA through ``SSL_CERT_FILE``).
"""

from __future__ import annotations

import io
import json
import logging
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext, context_in
from local_aws.logs_server import LogsServer
from local_aws.policies import (
    ACCOUNT,
    NAME,
    PIPES,
    REGION,
    STATES,
    delivery_statement,
    document,
    report_text,
)
from local_aws.product import answer_of, custom_resource, seed, stored_policies
from local_aws.response_endpoint import ResponseEndpoint
from vended_logs_policy.adapters.clients import Clients
from vended_logs_policy.function.custom_resource import CustomResourceHandler, logger

PHYSICAL = f"vended-logs-policy-{REGION}-{NAME}"
CONDITIONS = {
    "StringEquals": {"aws:SourceAccount": [ACCOUNT]},
    "ArnLike": {"aws:SourceArn": [f"arn:aws:logs:{REGION}:{ACCOUNT}:*"]},
}


def invoke(
    handler: CustomResourceHandler,
    event: dict[str, Any] | str,
    cfn: ResponseEndpoint,
    context: FakeLambdaContext,
) -> dict[str, Any]:
    """Send one event (a name in events/ or a dict) through the handler; return its one answer."""
    request = load_event(event) if isinstance(event, str) else event
    return answer_of(handler, request, cfn, context)


def policies(server: LogsServer, region: str = REGION) -> dict[str, dict[str, Any]]:
    return {name: json.loads(text) for name, text in stored_policies(server, region).items()}


def expected(
    event: str, status: str, physical: str, data: dict[str, Any], reason: str = ""
) -> dict[str, Any]:
    request = load_event(event)
    return {
        "Status": status,
        "PhysicalResourceId": physical,
        "StackId": request["StackId"],
        "RequestId": request["RequestId"],
        "LogicalResourceId": request["LogicalResourceId"],
        "Reason": reason,
        "Data": data,
        "NoEcho": False,
    }


def wildcard_statement(resources: list[str]) -> dict[str, Any]:
    return delivery_statement(resources, Condition=CONDITIONS)


def test_whole_lifecycle(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN the field report's policy in the account
    seed(logs, report_text())

    # WHEN CloudFormation sends Create
    created = invoke(handler, "create", cfn, lambda_context)
    # THEN SUCCESS with the stable id and the report's fix plus conditions
    fixed = policies(logs)[NAME]
    length = len(json.dumps(fixed, separators=(",", ":")))
    assert created == expected(
        "create",
        "SUCCESS",
        PHYSICAL,
        {"PolicyName": NAME, "PolicyLength": length, "Changed": "true", "RemovedResources": 4},
    )
    assert fixed == document(wildcard_statement([STATES]))
    assert logs.calls_of("PutResourcePolicy") == 1

    # WHEN CloudFormation retries the same Create (asynchronous invocations repeat)
    again = invoke(handler, "create", cfn, lambda_context)
    # THEN the same answer, and no second write
    assert again["Status"] == "SUCCESS"
    assert again["Data"] == {
        "PolicyName": NAME, "PolicyLength": length, "Changed": "false", "RemovedResources": 0,
    }  # fmt: skip
    assert logs.calls_of("PutResourcePolicy") == 1

    # WHEN Update adds the /aws/vendedlogs/pipes/ prefix
    updated = invoke(handler, "update", cfn, lambda_context)
    # THEN the same physical id (no replacement) and both wildcards in the one statement
    after_update = policies(logs)[NAME]
    assert updated == expected(
        "update",
        "SUCCESS",
        PHYSICAL,
        {
            "PolicyName": NAME,
            "PolicyLength": len(json.dumps(after_update, separators=(",", ":"))),
            "Changed": "true",
            "RemovedResources": 0,
        },
    )
    assert after_update["Statement"] == [wildcard_statement([STATES, PIPES])]

    # WHEN Update renames the policy
    renamed = invoke(handler, "update-new-policy-name", cfn, lambda_context)
    # THEN a new physical id (CloudFormation replaces, then deletes the old id) and a new policy
    assert renamed["Status"] == "SUCCESS", renamed["Reason"]
    assert renamed["PhysicalResourceId"] == f"vended-logs-policy-{REGION}-VendedLogsStates"
    held = policies(logs)
    assert held["VendedLogsStates"]["Statement"] == [wildcard_statement([STATES])]
    assert held[NAME] == after_update, "the old policy is left as it was"

    # WHEN CloudFormation deletes the old physical id
    puts = logs.calls_of("PutResourcePolicy")
    deleted = invoke(handler, "delete", cfn, lambda_context)
    # THEN SUCCESS, no call that writes, and both policies stay
    assert deleted == expected("delete", "SUCCESS", PHYSICAL, {})
    assert logs.calls_of("PutResourcePolicy") == puts
    assert logs.calls_of("DeleteResourcePolicy") == 0
    assert set(policies(logs)) == {NAME, "VendedLogsStates"}


def test_failed_create_then_its_delete(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN the report's policy
    seed(logs, report_text())
    # WHEN Create arrives with an unknown property and a bad boolean
    failed = invoke(handler, "create-bad-properties", cfn, lambda_context)
    # THEN FAILED naming the property, with the stable id, and nothing written
    assert failed["Status"] == "FAILED"
    assert failed["PhysicalResourceId"] == PHYSICAL
    assert "Colour" in failed["Reason"]
    assert "Traceback" not in failed["Reason"]
    assert logs.calls_of("PutResourcePolicy") == 0
    assert logs.calls_of("DescribeResourcePolicies") == 0
    # WHEN CloudFormation rolls back with Delete of that id
    deleted = invoke(handler, "delete-after-failed-create", cfn, lambda_context)
    # THEN SUCCESS, and the policy is exactly as it was
    assert deleted == expected("delete-after-failed-create", "SUCCESS", PHYSICAL, {})
    assert policies(logs)[NAME] == json.loads(report_text())
    assert logs.calls_of("PutResourcePolicy") == 0


@pytest.mark.parametrize(
    ("properties", "named"),
    [
        ({"SourceConditions": "maybe"}, "SourceConditions"),
        ({"Compact": ["true"]}, "Compact"),
        ({"LogGroupPrefixes": ["/"]}, "LogGroupPrefixes"),
        ({"LogGroupPrefixes": ["/aws/*"]}, "LogGroupPrefixes"),
        ({"PolicyName": "has:colon"}, "PolicyName"),
        ({"ServiceTimeout": "7200"}, "ServiceTimeout"),
    ],
)
def test_bad_property_fails_naming_it_and_writes_nothing(
    *,
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    properties: dict[str, Any],
    named: str,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a Create event with one bad property
    event = load_event("create")
    event["ResourceProperties"].update(properties)
    # WHEN it is handled
    answer = invoke(handler, event, cfn, lambda_context)
    # THEN FAILED naming that property, short, and no write
    assert answer["Status"] == "FAILED"
    assert named in answer["Reason"]
    assert len(answer["Reason"]) < 256
    assert logs.calls_of("PutResourcePolicy") == 0


def test_invalid_policy_name_gets_a_fixed_physical_id(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    event = load_event("create")
    event["ResourceProperties"]["PolicyName"] = "bad name"
    answer = invoke(handler, event, cfn, lambda_context)
    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == f"vended-logs-policy-{REGION}-invalid-properties"


def test_delete_with_garbage_properties_succeeds(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a Delete whose properties are not even an object
    event = load_event("delete")
    event["ResourceProperties"] = "garbage"
    # WHEN handled THEN SUCCESS with the same physical id and no call to CloudWatch Logs
    answer = invoke(handler, event, cfn, lambda_context)
    assert (answer["Status"], answer["PhysicalResourceId"]) == (
        "SUCCESS",
        event["PhysicalResourceId"],
    )
    assert logs.calls == []


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_partition_comes_from_the_function_arn(
    *,
    logs: LogsServer,
    cfn: ResponseEndpoint,
    monkeypatch: pytest.MonkeyPatch,
    region: str,
    partition: str,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a function deployed in another partition
    monkeypatch.setenv("AWS_REGION", region)
    context = context_in(region)
    # WHEN Create runs there
    answer = invoke(handler, "create", cfn, context)
    # THEN the wildcard and conditions use that partition and region
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == f"vended-logs-policy-{region}-{NAME}"
    statement = policies(logs, region)[NAME]["Statement"][0]
    assert statement["Resource"] == [
        f"arn:{partition}:logs:{region}:{ACCOUNT}:log-group:/aws/vendedlogs/states/*:*"
    ]
    assert statement["Condition"]["ArnLike"]["aws:SourceArn"] == [
        f"arn:{partition}:logs:{region}:{ACCOUNT}:*"
    ]


def test_unknown_request_type_gets_failed(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    event = load_event("create")
    event["RequestType"] = "Destroy"
    answer = invoke(handler, event, cfn, lambda_context)
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == "invalid request: RequestType must be Create, Update or Delete"
    assert answer["RequestId"] == event["RequestId"]
    assert logs.calls == []


def test_event_without_response_url_is_not_answered_anywhere(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a first request answered normally, so crhelper remembers its ResponseURL
    invoke(handler, "create", cfn, lambda_context)
    answered = len(cfn.received)
    # WHEN a request without ResponseURL arrives
    event = load_event("update")
    del event["ResponseURL"]
    handler(event, lambda_context)
    # THEN nothing is sent (crhelper would have answered the stale URL) and nothing written
    assert len(cfn.received) == answered
    assert logs.calls_of("PutResourcePolicy") == 1


def test_logs_hold_no_response_url(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN the function's log handler (Powertools', shared with crhelper's loggers) captured
    stream = io.StringIO()
    log_handler = logger.registered_handler
    assert isinstance(log_handler, logging.StreamHandler)
    previous = log_handler.setStream(stream)
    try:
        # WHEN a whole lifecycle runs, including a failure and a malformed request
        seed(logs, report_text())
        for name in ("create", "update", "create-bad-properties", "delete"):
            invoke(handler, name, cfn, lambda_context)
        bad = load_event("create")
        bad["RequestType"] = "Destroy"
        invoke(handler, bad, cfn, lambda_context)
    finally:
        log_handler.setStream(previous)
    logged = stream.getvalue()
    # THEN it logged its work and crhelper's as JSON, and never the presigned URL or signature
    records = [json.loads(line) for line in logged.splitlines()]
    messages = {r["message"] for r in records}
    assert "policy ensured" in messages
    assert "answer sent" in messages
    assert all("cfn_request_id" in r for r in records if r["message"] == "policy ensured")
    assert cfn.signature not in logged
    assert "X-Amz-Signature" not in logged
    assert "cfn-response" not in logged


class BrokenClients(Clients):
    """A defect deep in the function: building the client raises KeyError."""

    def client(self, service: str, region: str | None = None) -> Any:
        raise KeyError("secret-internal-detail")


def test_an_unexpected_error_fails_with_a_short_reason_and_no_traceback(
    logs: LogsServer, cfn: ResponseEndpoint, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a defect deep in the function (here: building the client raises KeyError)
    handler = custom_resource(logs, clients=BrokenClients(endpoint_url=logs.url))
    # WHEN Create arrives
    answer = invoke(handler, "create", cfn, lambda_context)
    # THEN FAILED with the stable id and a reason that points to the log, not at the internals
    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == PHYSICAL
    assert answer["Reason"] == "unexpected KeyError; see the function's log"
    assert logs.calls == []
