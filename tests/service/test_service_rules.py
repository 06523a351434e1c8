"""The policy service over the Logs adapter on the in-memory fake: the service's rules surface as
the package's errors, retries pause on the fake's clock, and nothing is written on a refusal."""

from __future__ import annotations

import json

import pytest

from local_aws.fake_logs import FakeLogs, fake_policy_service, fake_retry
from local_aws.policies import NAME, SCOPE, compliant_text, report_text, route53_text
from vended_logs_policy.engine.explain import advise
from vended_logs_policy.engine.policy import Options
from vended_logs_policy.errors import (
    AccessDeniedError,
    CredentialsRefusedError,
    DeadlineExceededError,
    UnavailableError,
)
from vended_logs_policy.service import PolicyQuotaError, PolicyTooLargeError

READ = "DescribeResourcePolicies"
WRITE = "PutResourcePolicy"


def test_a_new_policy_past_the_quota_names_the_others_and_writes_nothing() -> None:
    # GIVEN ten other policies in the region
    fake = FakeLogs()
    for number in range(10):
        fake.seed(route53_text(number), f"Other{number}")
    # WHEN ours is ensured
    with pytest.raises(PolicyQuotaError) as raised:
        fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    # THEN the quota error names them, after one refused write, not retried
    assert raised.value.existing == [f"Other{n}" for n in range(10)]
    assert "quota 10" in str(raised.value)
    assert fake.calls == [READ, WRITE]
    assert fake.stored() is None


def test_a_result_the_service_refuses_as_too_long_says_how_long() -> None:
    # GIVEN another service's grant of about 5000 characters, which the wildcard takes past 5120
    fake = FakeLogs()
    resources = [
        f"arn:aws:logs:us-west-2:123456789012:log-group:/aws/route53/z{n:04}:*" for n in range(80)
    ]
    other = {"Effect": "Allow", "Principal": {"Service": "route53.amazonaws.com"},
             "Action": "logs:PutLogEvents", "Resource": resources}  # fmt: skip
    fake.seed({"Version": "2012-10-17", "Statement": [other]})
    before = fake.stored()
    # WHEN the policy is ensured
    with pytest.raises(PolicyTooLargeError) as raised:
        fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    # THEN the error gives the length against 5120 and the policy is as it was
    outcome = raised.value.outcome
    assert outcome.length > 5120
    assert str(raised.value).startswith(
        f"policy {NAME} would be {outcome.length} characters (limit 5120)"
    )
    assert fake.stored() == before
    assert fake.calls == [READ, WRITE]
    # AND its advice is the engine's for the document the write would have replaced
    assert raised.value.advice == advise(json.loads(before or ""), SCOPE, Options())


def test_refused_credentials_pass_through_unchanged_and_denied_writes_name_the_grant() -> None:
    # GIVEN a write refused for an expired token, then (another run) a write denied
    fake = FakeLogs()
    fake.faults.fail(WRITE, code="ExpiredTokenException", status=400)
    with pytest.raises(CredentialsRefusedError) as refused:
        fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    assert "refresh or replace them" in str(refused.value)
    fake.faults.fail(WRITE, code="AccessDeniedException", status=400)
    with pytest.raises(AccessDeniedError) as denied:
        fake_policy_service(fake).ensure(NAME, SCOPE, Options())
    # THEN the first says to refresh the credentials, the second names the permission to grant
    assert not isinstance(denied.value, CredentialsRefusedError)
    assert str(denied.value) == (
        f"not allowed to write policy {NAME}: grant logs:PutResourcePolicy to the caller"
    )
    assert fake.stored() is None


def test_a_throttled_read_is_retried_after_a_pause_on_the_clock() -> None:
    # GIVEN the report's policy and two throttled reads
    fake = FakeLogs()
    fake.seed(report_text())
    fake.faults.fail(READ, code="ThrottlingException", times=2)
    # WHEN it is ensured with a fixed jitter
    result = fake_policy_service(fake, fake_retry(fake, rng=lambda: 1.0)).ensure(
        NAME, SCOPE, Options()
    )
    # THEN two full-jitter pauses (0.2 s, 0.4 s) on the fake's clock, then the fix
    assert fake.clock.slept == [0.2, 0.4]
    assert fake.calls == [READ, READ, READ, WRITE, READ]
    assert result.writes == 1
    assert json.loads(str(fake.stored())) == json.loads(compliant_text())


def test_a_service_that_keeps_failing_gives_up_within_the_attempts() -> None:
    fake = FakeLogs()
    fake.faults.fail(READ, code="ServiceUnavailableException", status=503, times=10)
    with pytest.raises(UnavailableError) as raised:
        fake_policy_service(fake, fake_retry(fake, attempts=3)).ensure(NAME, SCOPE, Options())
    assert str(raised.value) == (
        "CloudWatch Logs DescribeResourcePolicies kept failing with "
        "ServiceUnavailableException after 3 attempts; try again later"
    )
    assert fake.calls == [READ] * 3
    assert len(fake.clock.slept) == 2


def test_a_slow_call_that_spends_the_budget_stops_before_the_next_call() -> None:
    # GIVEN a function deadline 10 s away on the fake's clock, and a read that takes 9 s
    fake = FakeLogs()
    deadline = fake.clock() + 10.0
    fake.faults.delay(READ, seconds=9.0)
    retry = fake_retry(fake, call_seconds=2.0, time_left=lambda: deadline - fake.clock())
    # WHEN the policy is ensured (its write would need 2 s, 1 s is left)
    with pytest.raises(DeadlineExceededError) as raised:
        fake_policy_service(fake, retry).ensure(NAME, SCOPE, Options())
    # THEN it stops before writing, naming the call it had no time for
    assert raised.value.operation == WRITE
    assert fake.calls == [READ]
    assert fake.stored() is None
