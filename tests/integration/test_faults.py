"""Faults through the real handler: every request still gets one answer, nothing is lost.

CloudWatch Logs is moto behind the strict layer (local_aws/logs_server.py), whose ``faults``
answer a call with an error, hold it, or let it hang, without reaching moto. Each answer goes over
real TLS to the test's HTTPS endpoint. The handler (the ``handler`` fixture) gets its clock
injected: its retry sleeps are recorded, not slept (``backoffs``), and so are the answer sender's
pauses (``answer_sleeps``). The retry budget and full-jitter delays are still computed, so the
tests can assert them and stay fast; the deadline tests run on the real clock.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.logs_server import LogsServer
from local_aws.policies import (
    ARN,
    DELIVERY,
    NAME,
    OUTSIDE,
    REPORT_RESOURCES,
    ROUTE53,
    STATES,
    delivery_statement,
    document,
    seeded_document,
)
from local_aws.product import answer_of, seed, stored_statements, stored_text
from local_aws.response_endpoint import MAX_BODY_BYTES, ResponseEndpoint
from vended_logs_policy.adapters.clients import Timeouts
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.function.crhelper_bridge import TIMED_OUT, TIMER_LEAD
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.function.runtime import SAFETY_MARGIN

pytestmark = pytest.mark.wire

SEEDED = json.dumps(seeded_document(), separators=(",", ":"))
READ_TIMEOUT = Timeouts().read
# Seconds the handler keeps back from the function's timeout (SAFETY_MARGIN, 5) plus one bounded
# call (connect 2 + read 5): a function with less time than this cannot make even one call.
ONE_CALL_BUDGET = SAFETY_MARGIN + Timeouts().per_call


# ---- helpers --------------------------------------------------------------------------------


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def assert_ensured(server: LogsServer) -> None:
    """The wildcard is granted, and nothing the seeded policy granted outside it was lost."""
    held = stored_statements(server)
    delivery = [s for s in held if s.get("Principal") == {"Service": DELIVERY}]
    resources = [r for s in delivery for r in as_list(s["Resource"])]
    assert STATES in resources
    assert OUTSIDE in resources, "a resource outside the prefix was lost"
    assert ROUTE53 in held, "another principal's statement was lost"


def invoke(
    handler: CustomResourceHandler,
    cfn: ResponseEndpoint,
    context: FakeLambdaContext,
    event: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Send Create (events/create.json by default) through the handler; return its one answer,
    after checking that the timeout timer is done and sent nothing."""
    request = event if event is not None else load_event("create")
    answer = answer_of(handler, request, cfn, context)  # the PUT has been answered on return
    received = cfn.received[-1]
    assert received.outcome == "accepted", received.reason
    assert len(received.raw) <= MAX_BODY_BYTES
    reason = str(answer["Reason"])
    assert "Traceback" not in reason
    assert len(reason) <= 256, reason
    assert not reason.startswith("ERROR: (truncated)"), "crhelper had to cut the reason"
    assert_no_timeout_answer(cfn)
    return answer


def handle(
    handler: CustomResourceHandler, cfn: ResponseEndpoint, context: FakeLambdaContext
) -> None:
    """Send Create through the handler, whatever the endpoint answers; wait for its timer."""
    event = load_event("create")
    event["ResponseURL"] = cfn.url_for(event["RequestId"])
    handler(event, context)
    sent = len(cfn.received)
    assert handler.bridge.wait_for_timer(5.0), "the timeout timer is still armed"
    assert len(cfn.received) == sent, "a second answer followed"
    assert_no_timeout_answer(cfn)


def assert_no_timeout_answer(cfn: ResponseEndpoint) -> None:
    """Neither the bridge's timer nor crhelper's own sent a timeout answer."""
    reasons = [r.body.get("Reason") for r in cfn.received if r.body is not None]
    assert TIMED_OUT not in reasons
    assert "Execution timed out" not in reasons


def assert_backoff(slept: list[float]) -> None:
    """Full jitter under a cap that doubles from 0.2 s up to 3 s."""
    retry = Retry()
    for attempt, delay in enumerate(slept):
        assert 0 <= delay <= min(retry.max_delay, retry.base_delay * 2**attempt)


# ---- transient faults: retried with backoff, then SUCCESS ------------------------------------

TRANSIENT = [
    ("DescribeResourcePolicies", "ThrottlingException", 400, 3),
    ("DescribeResourcePolicies", "ServiceUnavailableException", 503, 2),
    ("DescribeResourcePolicies", "ServiceUnavailableException", 500, 2),
    ("DescribeResourcePolicies", "OperationAbortedException", 400, 2),
    ("DescribeResourcePolicies", "InternalFailure", 500, 1),
    ("PutResourcePolicy", "ThrottlingException", 400, 3),
    ("PutResourcePolicy", "ServiceUnavailableException", 503, 2),
    ("PutResourcePolicy", "ServiceUnavailableException", 500, 2),
    ("PutResourcePolicy", "OperationAbortedException", 400, 5),
]


@pytest.mark.parametrize(("operation", "code", "status", "times"), TRANSIENT)
def test_transient_fault_is_retried_then_the_policy_is_ensured(
    *,
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    backoffs: list[float],
    operation: str,
    code: str,
    status: int,
    times: int,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN the field report's policy plus a resource and a statement outside the wildcard
    seed(logs, SEEDED)
    # AND CloudWatch Logs failing the next `times` calls of one operation
    logs.faults.fail(operation, code=code, status=status, times=times)
    # WHEN CloudFormation sends Create
    answer = invoke(handler, cfn, lambda_context)
    # THEN SUCCESS, and the policy holds the wildcard and everything else it held
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["Data"]["Changed"] == "true"
    assert_ensured(logs)
    # AND each failed call was retried once, after a jittered, capped backoff
    failed_reads = times if operation == "DescribeResourcePolicies" else 0
    failed_writes = times if operation == "PutResourcePolicy" else 0
    assert logs.calls_of("DescribeResourcePolicies") == 2 + failed_reads  # read + verify read
    assert logs.calls_of("PutResourcePolicy") == 1 + failed_writes
    assert len(backoffs) == times
    assert_backoff(backoffs)
    assert logs.faults.pending() == 0


# ---- persistent or final faults: FAILED with a reason, policy as it was ----------------------


@pytest.mark.parametrize(
    "operation", ["DescribeResourcePolicies", "PutResourcePolicy"], ids=["read", "write"]
)
def test_persistent_fault_fails_saying_it_kept_failing(
    *,
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    backoffs: list[float],
    operation: str,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a seeded policy and an operation that is throttled on every call
    seed(logs, SEEDED)
    logs.faults.fail(operation, code="ThrottlingException", times=100)
    # WHEN Create arrives
    answer = invoke(handler, cfn, lambda_context)
    # THEN FAILED, saying which call kept failing and how often, after the whole retry budget
    attempts = Retry().attempts
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        f"CloudWatch Logs {operation} kept failing with ThrottlingException "
        f"after {attempts} attempts; try again later"
    )
    assert logs.calls_of(operation) == attempts
    assert len(backoffs) == attempts - 1
    assert_backoff(backoffs)
    # AND the policy is byte for byte what it was
    assert stored_text(logs) == SEEDED


@pytest.mark.parametrize(
    ("operation", "reason"),
    [
        (
            "DescribeResourcePolicies",
            "not allowed to call logs:DescribeResourcePolicies: grant it to the caller's role",
        ),
        (
            "PutResourcePolicy",
            f"not allowed to write policy {NAME}: grant logs:PutResourcePolicy to the caller",
        ),
    ],
    ids=["read", "write"],
)
def test_access_denied_names_the_permission_and_is_not_retried(
    *,
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    backoffs: list[float],
    operation: str,
    reason: str,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a role without the permission for one call
    seed(logs, SEEDED)
    logs.faults.fail(
        operation,
        code="AccessDeniedException",
        message=f"User is not authorized to perform: logs:{operation}",
    )
    # WHEN Create arrives
    answer = invoke(handler, cfn, lambda_context)
    # THEN FAILED naming the permission, one call only, and the policy as it was
    assert (answer["Status"], answer["Reason"]) == ("FAILED", reason)
    assert logs.calls_of(operation) == 1
    assert backoffs == []
    assert stored_text(logs) == SEEDED


# ---- a result too long for the service -------------------------------------------------------

PIPES = [f"{ARN}:/aws/vendedlogs/pipes/order-pipe-{n:03d}:*" for n in range(50)]
# AWS WAF's log groups must be named aws-waf-logs-...: only a prefix without "/" covers them.
WAF = [f"{ARN}:aws-waf-logs-shop-{n:03d}-production:*" for n in range(52)]
# Log groups with nothing in common but "/": no prefix may be advised.
UNRELATED = [f"{ARN}:/svc{n:03d}x:*" for n in range(120)]


def near_limit(grants: list[str]) -> str:
    """The report's ARNs plus ``grants`` and the Route 53 statement, as long as fits 5120."""
    kept = list(grants)
    while True:
        text = json.dumps(
            document(delivery_statement([*REPORT_RESOURCES, *kept]), ROUTE53),
            separators=(",", ":"),
        )
        if len(text) <= 5120:
            return text
        kept.pop()


def pipes_policy() -> str:
    """A delivery statement of EventBridge Pipes log groups: outside /aws/vendedlogs/states/."""
    statement = delivery_statement([*REPORT_RESOURCES, *PIPES])
    text = json.dumps(document(statement, ROUTE53), separators=(",", ":"))
    assert 5000 < len(text) <= 5120, len(text)
    return text


def test_oversized_result_says_how_long_and_what_to_do(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a policy near 5120 characters whose resources compaction cannot remove
    seed(logs, pipes_policy())
    # WHEN Create ensures the wildcard under the classic 5120-character limit
    answer = invoke(handler, cfn, lambda_context)
    # THEN FAILED: how long it would be, how many resources stay and why, and a computed remedy
    assert answer["Status"] == "FAILED"
    match = re.fullmatch(
        rf"policy {NAME} would be (\d+) characters \(limit 5120\): (\d+) resources stay: "
        r"\d+ outside every prefix \(add prefix (\S+) -> (\d+) characters\)",
        answer["Reason"],
    )
    assert match, answer["Reason"]
    would_be, uncovered = int(match[1]), int(match[2])
    assert would_be > 5120
    assert uncovered == len(PIPES)
    assert match[3] == "/aws/vendedlogs/pipes/"
    assert int(match[4]) <= 5120
    # AND one write was tried and refused by the service, and the policy is as it was
    assert logs.calls_of("PutResourcePolicy") == 1
    assert stored_text(logs) == pipes_policy()

    # WHEN the same request meets the newer 51200-character limit
    logs.rules.document_limit = 51200
    again = invoke(handler, cfn, lambda_context)
    # THEN SUCCESS, with exactly the length the reason announced, and every pipe kept
    assert again["Status"] == "SUCCESS", again["Reason"]
    text = stored_text(logs)
    assert text is not None
    assert len(text) == would_be == again["Data"]["PolicyLength"]
    assert all(pipe in text for pipe in PIPES)
    assert STATES in text
    assert ROUTE53 in stored_statements(logs)


ADVISED = re.compile(r"add prefix (\S+) -> (\d+) characters")


@pytest.mark.parametrize("grants", [PIPES, WAF], ids=["pipes", "waf"])
def test_following_the_advised_prefix_fits_under_5120(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
    grants: list[str],
) -> None:
    # GIVEN a near-limit policy whose delivery grants lie outside /aws/vendedlogs/states/
    text = near_limit(grants)
    seed(logs, text)
    # AND the FAILED reason's advice
    failed = invoke(handler, cfn, lambda_context)
    advised = ADVISED.search(failed["Reason"])
    assert advised, failed["Reason"]
    # WHEN Create follows it: the advised prefix added to LogGroupPrefixes
    event = load_event("create")
    event["ResourceProperties"]["LogGroupPrefixes"] = ["/aws/vendedlogs/states/", advised[1]]
    answer = invoke(handler, cfn, lambda_context, event)
    # THEN SUCCESS, at exactly the length the advice announced, under 5120
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    seeded = json.loads(text)["Statement"][0]["Resource"]
    assert answer["Data"]["RemovedResources"] == len(seeded)
    after = stored_text(logs)
    assert after is not None
    assert len(after) == int(advised[2]) <= 5120
    assert f"{ARN}:{advised[1]}*:*" in after
    assert ROUTE53 in stored_statements(logs)


def test_no_prefix_is_advised_when_none_is_specific_enough(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a policy near 5120 characters whose uncovered log groups share only "/" as a prefix
    text = near_limit(UNRELATED)
    seed(logs, text)
    kept = len(json.loads(text)["Statement"][0]["Resource"]) - len(REPORT_RESOURCES)
    # WHEN Create ensures the wildcard
    answer = invoke(handler, cfn, lambda_context)
    # THEN FAILED saying how long and why, with no advice: "/" would grant every log group
    assert answer["Status"] == "FAILED"
    assert re.fullmatch(
        rf"policy {NAME} would be \d+ characters \(limit 5120\): {kept} resources "
        rf"stay: {kept} outside every prefix",
        answer["Reason"],
    ), answer["Reason"]
    assert stored_text(logs) == text


UNEDITABLE = {
    "not-json": SEEDED[:-7] + "<<truncated",
    "nested-too-deeply": SEEDED.replace(
        '"Action"',
        '"Condition":{"StringEquals":{"x":' + "[" * 25_000 + "]" * 25_000 + '}},"Action"',
        1,
    ),
    "repeated-key": SEEDED.replace('"Effect":"Allow"', '"Effect":"Allow","Effect":"Deny"', 1),
}


@pytest.mark.parametrize("text", UNEDITABLE.values(), ids=UNEDITABLE.keys())
def test_a_policy_the_engine_cannot_read_is_left_unchanged(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    text: str,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a stored policy the engine cannot edit without guessing (the service would refuse to
    # store some of these; moto stores any string)
    logs.rules.require_json = False
    logs.rules.document_limit = 51200  # the nesting json refuses still fits the newer limit
    seed(logs, text)
    # WHEN Create arrives
    answer = invoke(handler, cfn, lambda_context)
    # THEN FAILED saying it was left unchanged, and it was: no write at all
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith(f"policy {NAME} left unchanged: ")
    assert "unexpected" not in answer["Reason"]
    assert logs.calls_of("PutResourcePolicy") == 0
    assert stored_text(logs) == text


# ---- deadlines: an answer before the function's timeout, and only one ------------------------


def run_against_the_clock(
    handler: CustomResourceHandler,
    cfn: ResponseEndpoint,
    timeout: float,
    event: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], float]:
    """Invoke with a context of `timeout` seconds; return the answer and when it arrived."""
    context = FakeLambdaContext(timeout_seconds=timeout)
    started = time.monotonic()
    answer = invoke(handler, cfn, context, event)
    arrived = cfn.received[-1]
    assert arrived.body == answer
    return answer, time.monotonic() - started


def test_slow_read_is_cut_by_the_read_timeout_and_answered_in_time(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a seeded policy and a DescribeResourcePolicies that takes longer than the 5 s read
    # timeout, in a function with just over one call's budget
    seed(logs, SEEDED)
    logs.faults.delay("DescribeResourcePolicies", seconds=READ_TIMEOUT + 3)
    timeout = ONE_CALL_BUDGET + 3.0
    # WHEN Create arrives
    answer, elapsed = run_against_the_clock(handler, cfn, timeout)
    # THEN FAILED with a clear reason, sent before the bridge's timer (TIMER_LEAD, 2 s, before
    # the timeout) and so the only answer
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "CloudWatch Logs DescribeResourcePolicies unreachable after 1 attempts: ReadTimeoutError"
    )
    assert READ_TIMEOUT <= elapsed < timeout - TIMER_LEAD
    assert logs.calls_of("PutResourcePolicy") == 0
    assert stored_text(logs) == SEEDED


def test_hanging_write_is_answered_in_time_and_writes_nothing(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a PutResourcePolicy that never answers
    seed(logs, SEEDED)
    logs.faults.hang("PutResourcePolicy")
    timeout = ONE_CALL_BUDGET + 3.0
    # WHEN Create arrives
    answer, elapsed = run_against_the_clock(handler, cfn, timeout)
    # THEN one FAILED answer, before the deadline, saying the write did not get through
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "CloudWatch Logs PutResourcePolicy unreachable after 1 attempts: ReadTimeoutError"
    )
    assert elapsed < timeout - TIMER_LEAD
    # AND when the held write is finally released, it is not applied: the policy is as it was
    logs.faults.release()
    assert stored_text(logs) == SEEDED


def test_too_short_a_timeout_fails_at_once_without_calling(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a function whose timeout cannot fit one bounded call and the safety margin
    seed(logs, SEEDED)
    # WHEN Create arrives
    answer, elapsed = run_against_the_clock(handler, cfn, ONE_CALL_BUDGET - 1)
    # THEN FAILED at once, naming the deadline, and no call was made
    assert answer["Status"] == "FAILED"
    assert answer["Reason"] == (
        "no time left to call CloudWatch Logs DescribeResourcePolicies before the deadline"
    )
    assert elapsed < 2
    assert logs.calls == []


# ---- the response endpoint failing -----------------------------------------------------------


def test_dropped_answers_are_sent_again_until_one_arrives(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    answer_sleeps: list[float],
    handler: CustomResourceHandler,
) -> None:
    # GIVEN an endpoint that closes the first two connections without answering
    cfn.drop_next(2)
    # WHEN Create arrives
    response = invoke(handler, cfn, lambda_context)
    # THEN the answer was sent again after each drop, with backoff, and accepted exactly once
    assert response["Status"] == "SUCCESS", response["Reason"]
    assert [r.outcome for r in cfn.received] == ["dropped", "dropped", "accepted"]
    assert len(cfn.responses) == 1
    assert answer_sleeps == [0.5, 1.0]
    assert [r.body for r in cfn.received] == [response] * 3
    assert logs.calls_of("PutResourcePolicy") == 1


def test_a_5xx_from_the_endpoint_is_retried_until_accepted(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    answer_sleeps: list[float],
    handler: CustomResourceHandler,
) -> None:
    # GIVEN a seeded policy and an endpoint that answers the first two PUTs 503 (S3: slow down)
    seed(logs, SEEDED)
    cfn.fail_next(2, status=503)
    # WHEN Create arrives and is handled
    handle(handler, cfn, lambda_context)
    # THEN the same SUCCESS was sent three times (crhelper alone would have stopped at the first
    # 503) and accepted once; the policy itself was ensured
    assert [(r.status, r.outcome) for r in cfn.received] == [
        (503, "failed"),
        (503, "failed"),
        (200, "accepted"),
    ]
    bodies = [r.body for r in cfn.received]
    assert all(b is not None and b["Status"] == "SUCCESS" for b in bodies)
    assert answer_sleeps == [0.5, 1.0]
    assert_ensured(logs)


def test_a_4xx_from_the_endpoint_is_not_retried(
    logs: LogsServer,
    cfn: ResponseEndpoint,
    lambda_context: FakeLambdaContext,
    answer_sleeps: list[float],
    handler: CustomResourceHandler,
) -> None:
    # GIVEN an endpoint that refuses the PUT as S3 does an expired URL (403)
    cfn.fail_next(1, status=403)
    # WHEN Create arrives and is handled
    handle(handler, cfn, lambda_context)
    # THEN it was sent once: a 4xx will not get better by sending the same body again
    assert [(r.status, r.outcome) for r in cfn.received] == [(403, "failed")]
    assert answer_sleeps == []
