"""Deadlines on the wall clock: an endpoint that trickles its answer one byte at a time never
trips a per-read timeout; the guard, the policy service and the answer sender still give up
within their bound. The trickle is scaled down (a byte every 50 ms, reads time out after 0.5 s)
so that each test takes about its bound, not the trickle's length."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator

import pytest

from local_aws.events import load_event
from local_aws.lambda_context import FakeLambdaContext
from local_aws.response_endpoint import ResponseEndpoint
from local_aws.trickle import TrickleEndpoint
from vended_logs_policy.adapters.clients import Clients, Timeouts
from vended_logs_policy.adapters.logs import ResourcePolicies
from vended_logs_policy.adapters.retry import Retry
from vended_logs_policy.errors import UnavailableError
from vended_logs_policy.function.account_guard import AccountGuardHandler
from vended_logs_policy.function.answer import deliver
from vended_logs_policy.function.custom_resource import CustomResourceHandler
from vended_logs_policy.function.runtime import Runtime

pytestmark = pytest.mark.wire  # real timeouts against a trickling endpoint

INTERVAL = 0.05  # one byte every 50 ms: a whole answer takes several seconds
TIMEOUTS = Timeouts(connect=0.2, read=0.5)  # each read gets its byte long before 0.5 s


@pytest.fixture
def trickle() -> Iterator[TrickleEndpoint]:
    with TrickleEndpoint(interval=INTERVAL, lifetime=60) as endpoint:
        yield endpoint


def budget(seconds: float) -> Callable[[], float]:
    """Seconds left of a budget that starts now (the functions' time_left)."""
    end = time.monotonic() + seconds
    return lambda: end - time.monotonic()


def test_the_guard_answers_within_its_bound_against_a_trickling_endpoint(
    trickle: TrickleEndpoint,
) -> None:
    # GIVEN the guard with a 3 s bound (25 s in Lambda), its Logs endpoint trickling
    runtime = Runtime(clients=Clients(endpoint_url=trickle.url, timeouts=TIMEOUTS))
    guard = AccountGuardHandler(runtime, {}, answer_within=3.0)
    # WHEN a state machine is created
    answer = guard(load_event("hook-create"), FakeLambdaContext())
    # THEN it answers InternalFailure naming the slow call, before any trickled answer ended
    assert (answer["hookStatus"], answer["errorCode"]) == ("FAILED", "InternalFailure")
    assert (
        "CloudWatch Logs DescribeResourcePolicies did not answer within 0.7 s"
        in (answer["message"])
    )
    assert trickle.started >= 1
    assert trickle.completed == 0


def test_each_aws_call_has_a_wall_clock_bound(trickle: TrickleEndpoint) -> None:
    # GIVEN the Logs adapter on a trickling endpoint, two attempts of at most 0.7 s each
    clients = Clients(endpoint_url=trickle.url, timeouts=TIMEOUTS)
    retry = Retry(attempts=2, call_seconds=TIMEOUTS.per_call, sleep=lambda _: None)
    policies = ResourcePolicies(clients.client("logs", "us-west-2"), retry)
    # WHEN it reads THEN it gives up naming the bound, before either answer ended
    with pytest.raises(UnavailableError, match=r"did not answer within 0\.7 s \(2 attempts"):
        policies.account_policies()
    assert trickle.started == 2
    assert trickle.completed == 0


def test_the_answer_to_a_trickling_response_url_is_cut_off_at_its_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN a ResponseURL endpoint (HTTPS) that trickles its 200
    with TrickleEndpoint(interval=INTERVAL, tls=True, lifetime=60) as endpoint:
        monkeypatch.setenv("SSL_CERT_FILE", endpoint.ca_path)
        # WHEN the answer is sent with 1 s left before the function's deadline
        sent = deliver(f"{endpoint.url}/cfn-response?X-Amz-Signature=s", {"Status": "SUCCESS"},
                       budget(1.0), sleep=lambda _: None)  # fmt: skip
        # THEN the sender gave up (the 200 never arrived in time) and cut the connection
        assert sent is False
        assert endpoint.wait_for_cut_off()
        assert endpoint.completed == 0


def test_the_custom_resource_answers_before_its_timeout_against_a_trickling_endpoint(
    trickle: TrickleEndpoint, cfn: ResponseEndpoint
) -> None:
    # GIVEN the custom resource with 6 s left and 3 s kept back, its Logs endpoint trickling
    runtime = Runtime(
        clients=Clients(endpoint_url=trickle.url, timeouts=TIMEOUTS), safety_margin=3.0
    )
    sender = functools.partial(deliver, sleep=lambda _: None)
    handler = CustomResourceHandler(runtime, sender=sender)
    event = load_event("create") | {"ResponseURL": cfn.url_for("trickled-create")}
    # WHEN a Create arrives
    handler(event, FakeLambdaContext(timeout_seconds=6.0))
    # THEN its one answer is its own FAILED naming the slow call (not the timer's), sent before
    # any trickled answer ended
    [answer] = cfn.received
    body = answer.body or {}
    assert body.get("Status") == "FAILED"
    assert "CloudWatch Logs DescribeResourcePolicies did not answer within 0.7 s" in str(
        body.get("Reason")
    )
    assert trickle.completed == 0
