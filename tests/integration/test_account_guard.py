"""The account guard (Lambda Hook) through its real handler against moto in server mode.

CloudWatch Logs is moto behind the strict layer (5120-character limit, quota, paging); the
handler is built with the product's clients pointed at it, and answers as CloudFormation reads.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import (
    ARN,
    NAME,
    OUTSIDE,
    REPORT_RESOURCES,
    ROUTE53,
    STATES,
    delivery_statement,
    document,
    seeded_document,
)
from local_aws.product import product_clients, seed, stored_statements, stored_text
from vended_logs_policy.adapters.clients import Clients, Timeouts
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.runtime import Runtime
from vended_logs_policy.symptoms import full_policy_symptoms

TOKEN = load_event("hook-create")["clientRequestToken"]


def guard(server: LogsServer, **environ: str) -> AccountGuardHandler:
    """The real handler, its clients on the local endpoint, settings as the stack passes them."""
    runtime = Runtime(clients=product_clients(server), sleep=lambda _: None)
    return AccountGuardHandler(runtime, environ)


def resources(server: LogsServer) -> list[str]:
    out: list[str] = []
    for statement in stored_statements(server):
        value = statement.get("Resource", [])
        out.extend([value] if isinstance(value, str) else value)
    return out


@pytest.mark.parametrize("event_name", ["hook-create", "hook-update", "hook-cloud-control"])
def test_state_machine_create_or_update_ensures_the_policy(
    logs: LogsServer, lambda_context: FakeLambdaContext, event_name: str
) -> None:
    # GIVEN the field report's policy grown with per-state-machine ARNs, and other grants
    seed(logs, seeded_document())
    # WHEN the hook is invoked before a logging state machine is provisioned
    answer = guard(logs)(load_event(event_name), lambda_context)
    # THEN SUCCESS, echoing the token, saying the policy was written
    assert answer["hookStatus"] == "SUCCESS", answer["message"]
    assert answer["clientRequestToken"] == TOKEN
    assert "errorCode" not in answer
    assert answer["message"].startswith(f"policy {NAME} ensured: wrote")
    # AND the destination is covered and annotated as such
    assert [a["status"] for a in answer["annotations"]] == ["PASSED"]
    # AND the wildcard is in, the per-state-machine ARNs are out, other grants stay
    held = resources(logs)
    assert STATES in held
    assert OUTSIDE in held
    assert not set(REPORT_RESOURCES) & set(held)
    assert ROUTE53 in stored_statements(logs)


def test_compliant_policy_costs_one_read_and_no_write(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a policy the guard already ensured
    seed(logs, seeded_document())
    guard(logs)(load_event("hook-create"), lambda_context)
    logs.reset_calls()
    # WHEN another state machine is created
    answer = guard(logs)(load_event("hook-create"), lambda_context)
    # THEN one read, no write, and the answer says so
    assert logs.calls == ["DescribeResourcePolicies"]
    assert answer["hookStatus"] == "SUCCESS"
    assert answer["message"] == (
        f"policy {NAME} already compliant ({len(stored_text(logs) or '')} characters), no write"
    )


def test_uncovered_destination_is_reported_with_a_remedy_that_works(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a state machine logging to a log group outside every prefix
    event = load_event("hook-outside-prefix")
    # WHEN the hook runs
    answer = guard(logs)(event, lambda_context)
    # THEN SUCCESS (Step Functions will append that one ARN), with the problem and remedy
    assert answer["hookStatus"] == "SUCCESS"
    group = f"{ARN}:/custom/orders:*"
    assert f"log group {group} is covered by no grant" in answer["message"]
    (annotation,) = answer["annotations"]
    assert annotation["status"] == "FAILED"
    assert annotation["remediationMessage"] == (
        "Name the log group under /aws/vendedlogs/states/, or add /custom/orders to the "
        "bootstrap stack's LogGroupPrefixes."
    )
    # WHEN the advice is followed: the stack's prefixes gain the log group's name
    followed = guard(logs, VLP_LOG_GROUP_PREFIXES="/aws/vendedlogs/states/,/custom/orders")
    answer = followed(event, lambda_context)
    # THEN the destination is covered
    assert [a["status"] for a in answer["annotations"]] == ["PASSED"]
    assert "covered by no grant" not in answer["message"]


@pytest.mark.parametrize("event_name", ["hook-delete", "hook-other-type"])
def test_other_requests_succeed_at_once_without_calling_aws(
    logs: LogsServer, lambda_context: FakeLambdaContext, event_name: str
) -> None:
    answer = guard(logs)(load_event(event_name), lambda_context)
    assert answer["hookStatus"] == "SUCCESS"
    assert answer["message"].startswith("nothing to do for ")
    assert logs.calls == []


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        ("not an object", "the event is not an object"),
        ({"clientRequestToken": "t"}, "requestData must be an object"),
        (
            {"clientRequestToken": "t", "requestData": {"targetType": "X"}},
            "actionInvocationPoint must be a non-empty string",
        ),
    ],
)
def test_malformed_request_is_an_internal_failure_with_no_aws_call(
    logs: LogsServer, lambda_context: FakeLambdaContext, event: Any, reason: str
) -> None:
    answer = guard(logs)(event, lambda_context)
    assert answer["hookStatus"] == "FAILED"
    assert answer["errorCode"] == "InternalFailure"
    assert answer["message"] == f"invalid hook request: {reason}"
    assert logs.calls == []


def test_access_denied_is_an_internal_failure_naming_the_permission(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    logs.faults.fail("DescribeResourcePolicies", code="AccessDeniedException", times=1)
    answer = guard(logs)(load_event("hook-create"), lambda_context)
    assert answer["hookStatus"] == "FAILED"
    assert answer["errorCode"] == "InternalFailure"
    assert answer["message"] == (
        "not allowed to call logs:DescribeResourcePolicies: grant it to the caller's role"
    )


def test_bad_stack_setting_is_an_internal_failure_naming_the_variable(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    answer = guard(logs, VLP_SOURCE_CONDITIONS="maybe")(load_event("hook-create"), lambda_context)
    assert answer["errorCode"] == "InternalFailure"
    assert answer["message"] == "VLP_SOURCE_CONDITIONS must be true or false, got 'maybe'"
    assert logs.calls == []


def test_policy_that_cannot_fit_is_non_compliant(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN a policy filled to the limit with delivery grants outside every prefix
    outside: list[str] = []
    while len(json.dumps(document(delivery_statement([*outside, "x" * 80])))) < 5120:
        outside.append(f"{ARN}:/custom/team-{len(outside):04d}/app:*")
    seed(logs, document(delivery_statement(outside)))
    before = stored_text(logs)
    # WHEN the hook runs
    answer = guard(logs)(load_event("hook-create"), lambda_context)
    # THEN FAILED NonCompliant: the state machine would fail anyway; nothing was written
    assert answer["hookStatus"] == "FAILED", answer["message"]
    assert answer["errorCode"] == "NonCompliant"
    assert answer["message"].startswith(f"policy {NAME} would be ")
    assert answer["message"].endswith(f"until it fits, {full_policy_symptoms()}")
    assert stored_text(logs) == before


@pytest.mark.wire  # real read timeouts against a hanging endpoint
def test_throttling_past_the_budget_answers_within_the_bound(
    logs: LogsServer, lambda_context: FakeLambdaContext
) -> None:
    # GIVEN CloudWatch Logs that never answers, and a guard bound to answer within 3 s
    logs.faults.hang("DescribeResourcePolicies", times=10, seconds=30)
    clients = Clients(endpoint_url=logs.url, timeouts=Timeouts(connect=0.5, read=1.0))
    handler = AccountGuardHandler(Runtime(clients=clients), {}, answer_within=3.0)
    # WHEN the hook runs
    started = time.monotonic()
    answer = handler(load_event("hook-create"), lambda_context)
    elapsed = time.monotonic() - started
    # THEN an InternalFailure answer, inside the bound
    assert answer["errorCode"] == "InternalFailure"
    assert "DescribeResourcePolicies" in answer["message"]
    assert elapsed < 3.0


def test_twenty_concurrent_invocations_all_succeed_and_keep_every_grant(
    logs: LogsServer,
) -> None:
    # GIVEN the field report's policy and a stack with 20 logging state machines
    seed(logs, seeded_document())
    handler = guard(logs)
    events = []
    for number in range(20):
        event = load_event("hook-create")
        event["clientRequestToken"] = f"token-{number}"
        events.append(event)
    start = threading.Barrier(20)

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        start.wait()
        return handler(event, FakeLambdaContext(timeout_seconds=30))

    # WHEN CloudFormation invokes the hook for all of them at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(invoke, events))
    # THEN every answer is SUCCESS with its own token
    assert [a["hookStatus"] for a in answers] == ["SUCCESS"] * 20
    assert [a["clientRequestToken"] for a in answers] == [e["clientRequestToken"] for e in events]
    # AND the policy ends with one wildcard and every foreign grant
    held = resources(logs)
    assert held.count(STATES) == 1
    assert OUTSIDE in held
    assert ROUTE53 in stored_statements(logs)
    # AND the writes are counted and reported: the answers that wrote say so, the rest did not
    writes = logs.calls_of("PutResourcePolicy")
    wrote = [a for a in answers if "ensured: wrote" in a["message"]]
    assert 1 <= writes <= 20
    assert len(wrote) == writes
    print(json.dumps({"concurrent_invocations": 20, "writes": writes}))
