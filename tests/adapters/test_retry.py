"""retry.py through a stubbed client: which error codes are retried, which become which of the
package's errors, the backoff and the deadline; and the botocore failures no Stubber can send
(missing credentials, an unreachable endpoint) through ``Caller`` directly."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, NoCredentialsError, NoRegionError

from tests.adapters.conftest import StrictStubber, Stubs
from vended_logs_policy.adapters.deadline import CallTimedOut
from vended_logs_policy.adapters.logs import LogGroupPolicy, ResourcePolicies
from vended_logs_policy.adapters.retry import Caller, Retry
from vended_logs_policy.errors import (
    AccessDeniedError,
    CredentialsError,
    CredentialsRefusedError,
    DeadlineExceededError,
    QuotaExceededError,
    RejectedError,
    UnavailableError,
)

SENT = {"policyName": "p", "policyDocument": "{}"}
GROUP = "arn:aws:logs:us-west-2:123456789012:log-group:g"
RETRIED = [
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "OperationAbortedException",
    "ServiceUnavailableException",
    "ServiceUnavailable",
    "InternalFailure",
    "InternalServerError",
    "InternalServiceError",
    "RequestTimeout",
    "RequestTimeoutException",
]
REFUSED = [
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
]
DENIED = ["AccessDeniedException", "AccessDenied", "UnauthorizedOperation", "AuthorizationError"]
QUOTA = ["LimitExceededException", "ServiceQuotaExceededException"]
REJECTED = ["InvalidParameterException", "ValidationException", "ResourceNotFoundException"]


def stubbed_put(stubs: Stubs, retry: Retry) -> tuple[ResourcePolicies, StrictStubber]:
    """The Logs adapter on a stubbed client: its account-level write is the call under test."""
    client, stubber = stubs("logs")
    return ResourcePolicies(client, retry), stubber


def fails(stubber: StrictStubber, code: str, status: int = 400, times: int = 1) -> None:
    """Queue ``times`` refusals of the write with ``code`` and HTTP ``status``."""
    for _ in range(times):
        stubber.add_client_error(
            "put_resource_policy", code, f"{code} said no", status, expected_params=SENT
        )


@pytest.mark.parametrize("code", RETRIED)
def test_throttling_lost_races_and_server_failures_are_retried(
    stubs: Stubs, retry: Retry, slept: list[float], code: str
) -> None:
    # GIVEN a write that fails once with ``code``, then succeeds
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, code)
    stubber.add_response("put_resource_policy", {}, SENT)
    # WHEN it is written
    policies.put("p", "{}")
    # THEN the second request went out after one full-jitter pause
    assert slept == [0.2]


def test_a_5xx_with_an_unknown_code_is_retried(
    stubs: Stubs, retry: Retry, slept: list[float]
) -> None:
    # GIVEN a server failure whose code no list names
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, "SomethingBroke", status=502)
    stubber.add_response("put_resource_policy", {}, SENT)
    # WHEN it is written
    policies.put("p", "{}")
    # THEN the status alone made it worth another attempt
    assert slept == [0.2]


def test_a_budget_spent_on_throttling_is_unavailable(
    stubs: Stubs, retry: Retry, slept: list[float]
) -> None:
    # GIVEN a write throttled on every one of its three attempts
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, "ThrottlingException", times=3)
    # WHEN it is written
    with pytest.raises(UnavailableError) as raised:
        policies.put("p", "{}")
    # THEN it gave up after three requests and two doubling pauses, saying so
    assert slept == [0.2, 0.4]
    assert str(raised.value) == (
        "CloudWatch Logs PutResourcePolicy kept failing with ThrottlingException after 3 "
        "attempts; try again later"
    )
    assert (raised.value.service, raised.value.code) == ("logs", "ThrottlingException")


@pytest.mark.parametrize("code", REFUSED)
def test_refused_credentials_say_to_refresh_them(
    stubs: Stubs, retry: Retry, slept: list[float], code: str
) -> None:
    # GIVEN a write refused because of the credentials themselves
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, code, status=403)
    # WHEN it is written
    with pytest.raises(CredentialsRefusedError) as raised:
        policies.put("p", "{}")
    # THEN it is not retried, and tells to refresh the credentials rather than grant anything
    assert slept == []
    assert str(raised.value) == (
        "not allowed to call logs:PutResourcePolicy: the caller's credentials were refused "
        f"({code}): refresh or replace them"
    )
    assert raised.value.code == code


@pytest.mark.parametrize("code", [*DENIED, ""])
def test_denials_say_which_permission_to_grant(
    stubs: Stubs, retry: Retry, slept: list[float], code: str
) -> None:
    # GIVEN a write the caller may not make (a bare 403 with no code included)
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, code, status=403)
    # WHEN it is written
    with pytest.raises(AccessDeniedError) as raised:
        policies.put("p", "{}")
    # THEN it is a denial naming the IAM action, not a credentials refusal, and not retried
    assert not isinstance(raised.value, CredentialsRefusedError)
    assert str(raised.value) == (
        "not allowed to call logs:PutResourcePolicy: grant it to the caller's role"
    )
    assert slept == []


@pytest.mark.parametrize("code", QUOTA)
def test_quota_refusals_are_quota_errors_not_retried(
    stubs: Stubs, retry: Retry, slept: list[float], code: str
) -> None:
    # GIVEN a write a quota refuses (botocore's own retries would treat some as throttling)
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, code)
    # WHEN it is written
    with pytest.raises(QuotaExceededError) as raised:
        policies.put("p", "{}")
    # THEN it fails at once with the service's words
    assert str(raised.value) == f"CloudWatch Logs PutResourcePolicy failed: {code}: {code} said no"
    assert slept == []


@pytest.mark.parametrize("code", REJECTED)
def test_other_refusals_are_rejections_not_retried(
    stubs: Stubs, retry: Retry, slept: list[float], code: str
) -> None:
    # GIVEN a write the service refuses for what it holds
    policies, stubber = stubbed_put(stubs, retry)
    fails(stubber, code)
    # WHEN it is written
    with pytest.raises(RejectedError) as raised:
        policies.put("p", "{}")
    # THEN it is rejected at once, naming the call and the code
    assert (raised.value.operation, raised.value.code) == ("PutResourcePolicy", code)
    assert slept == []


def test_a_request_the_model_refuses_is_rejected_before_any_answer_is_used(
    stubs: Stubs, retry: Retry, slept: list[float]
) -> None:
    # GIVEN one answer queued for any delete (no expected parameters: the Stubber checks those
    # before botocore validates the request)
    policies, stubber = stubbed_put(stubs, retry)
    unknown = LogGroupPolicy("g", "{}", GROUP, None)
    stubber.add_response("delete_resource_policy", {})
    # WHEN a per-log-group delete of a policy read with no revision is asked for (it would send
    # an empty expectedRevisionId, shorter than the model allows; tidy skips such a policy)
    with pytest.raises(RejectedError) as raised:
        policies.delete_log_group_policy(unknown)
    # THEN botocore's own validation refuses it without a retry, and the queued answer is left
    # for the valid delete that follows
    assert raised.value.code == "ParamValidationError"
    assert str(raised.value).startswith("CloudWatch Logs DeleteResourcePolicy refused the request")
    assert "expectedRevisionId" in str(raised.value)
    assert slept == []
    policies.delete("p")


def test_no_time_left_means_no_call(stubs: Stubs, slept: list[float]) -> None:
    # GIVEN a budget whose deadline has passed, and nothing queued
    policies, _ = stubbed_put(stubs, Retry(time_left=lambda: 0.0, sleep=slept.append))
    # WHEN a write is asked for
    with pytest.raises(DeadlineExceededError) as raised:
        policies.put("p", "{}")
    # THEN nothing was sent (the Stubber saw no request) and the error says why
    assert str(raised.value) == (
        "no time left to call CloudWatch Logs PutResourcePolicy before the deadline"
    )
    assert slept == []


def test_no_pause_that_would_overrun_the_deadline(stubs: Stubs, slept: list[float]) -> None:
    # GIVEN 0.1 s left: enough for a call, not for the 0.2 s pause before a second one
    budget = Retry(time_left=lambda: 0.1, sleep=slept.append, rng=lambda: 1.0)
    policies, stubber = stubbed_put(stubs, budget)
    fails(stubber, "ThrottlingException")
    # WHEN the write is throttled
    with pytest.raises(UnavailableError, match="after 1 attempts"):
        policies.put("p", "{}")
    # THEN it gave up at once instead of sleeping past the deadline
    assert slept == []


def test_missing_credentials_are_a_credentials_error_at_once(slept: list[float]) -> None:
    # GIVEN a call botocore cannot sign, or cannot place in a region
    caller = Caller("logs", "CloudWatch Logs", Retry(sleep=slept.append))
    for failure in (NoCredentialsError(), NoRegionError()):

        def call(failure: Exception = failure) -> Any:
            raise failure

        # WHEN it is made
        with pytest.raises(CredentialsError) as raised:
            caller("PutResourcePolicy", call)
        # THEN it fails without a retry, naming the call and the missing piece
        assert str(raised.value).startswith("cannot call CloudWatch Logs PutResourcePolicy: ")
        assert raised.value.code == type(failure).__name__
    assert slept == []


def test_an_unreachable_endpoint_is_retried_then_unavailable(slept: list[float]) -> None:
    # GIVEN an endpoint that never accepts a connection
    caller = Caller("ec2", "EC2", Retry(attempts=2, sleep=slept.append, rng=lambda: 0.5))
    tries: list[int] = []

    def call() -> Any:
        tries.append(1)
        raise EndpointConnectionError(endpoint_url="https://ec2.example.invalid")

    # WHEN a call is made
    with pytest.raises(UnavailableError) as raised:
        caller("DescribeRegions", call)
    # THEN it was tried twice, with a half-jittered pause between, then reported
    assert (len(tries), slept) == (2, [0.1])
    assert str(raised.value) == "EC2 DescribeRegions unreachable after 2 attempts: " + (
        "EndpointConnectionError"
    )


def test_a_call_past_its_bound_is_retried_then_reported_as_too_slow(slept: list[float]) -> None:
    # GIVEN a call that overruns its wall-clock bound on every attempt (raised here directly:
    # the bound itself is tested in tests/unit/test_deadline.py)
    caller = Caller(
        "logs", "CloudWatch Logs", Retry(attempts=2, sleep=slept.append, rng=lambda: 1.0)
    )

    def call() -> Any:
        raise CallTimedOut(7.0)

    # WHEN it is made
    with pytest.raises(UnavailableError) as raised:
        caller("DescribeResourcePolicies", call)
    # THEN it was tried again once, then reported as an endpoint too slow, with its bound
    assert slept == [0.2]
    assert str(raised.value) == (
        "CloudWatch Logs DescribeResourcePolicies did not answer within 7 s (2 attempts; the "
        "endpoint is too slow); try again later"
    )
    assert raised.value.code == "CallTimedOut"
